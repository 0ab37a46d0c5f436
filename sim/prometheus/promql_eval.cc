#include "sim/prometheus/promql_eval.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <utility>

#include "sim/prometheus/promql_parser.h"

namespace failsim::sim::prometheus {
namespace {

struct ExecError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

bool matches(const Matcher& m, std::string_view value) {
  switch (m.op) {
    case Matcher::Op::kEq: return value == m.value;
    case Matcher::Op::kNe: return value != m.value;
    case Matcher::Op::kRe:
    case Matcher::Op::kNre: {
      // Compiled and anchored by the parser (RE2: linear time in the value's length).
      const bool hit = m.regex != nullptr && RE2::FullMatch(re2::StringPiece(value.data(), value.size()), *m.regex);
      return m.op == Matcher::Op::kRe ? hit : !hit;
    }
  }
  return false;
}

bool matches_all(const std::vector<Matcher>& matchers, const Labels& labels) {
  for (const auto& m : matchers) {
    if (!matches(m, label_value(labels, m.name))) return false;
  }
  return true;
}

bool is_comparison(BinaryOp op) {
  return op == BinaryOp::kEq || op == BinaryOp::kNe || op == BinaryOp::kGt || op == BinaryOp::kLt ||
         op == BinaryOp::kGe || op == BinaryOp::kLe;
}
bool is_set(BinaryOp op) { return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kUnless; }

// Arithmetic result, or for comparisons 1/0 (true/false).
double apply(BinaryOp op, double a, double b) {
  switch (op) {
    case BinaryOp::kAdd: return a + b;
    case BinaryOp::kSub: return a - b;
    case BinaryOp::kMul: return a * b;
    case BinaryOp::kDiv: return a / b;
    case BinaryOp::kMod: return std::fmod(a, b);
    case BinaryOp::kPow: return std::pow(a, b);
    case BinaryOp::kEq: return a == b;
    case BinaryOp::kNe: return a != b;
    case BinaryOp::kGt: return a > b;
    case BinaryOp::kLt: return a < b;
    case BinaryOp::kGe: return a >= b;
    case BinaryOp::kLe: return a <= b;
    default: return 0;
  }
}

void sort_vector(Vector& v) {
  std::sort(v.begin(), v.end(), [](const VectorSample& a, const VectorSample& b) { return a.labels < b.labels; });
}

class Evaluator {
 public:
  Evaluator(const SeriesStore& store, std::int64_t t_ms, const EvalOptions& options, QueryBudget& budget,
            EvalMemo* memo)
      : store_(store), t_ms_(t_ms), options_(options), budget_(budget), memo_(memo) {}

  Value eval(const Node& n) {
    sorted_ = true;  // each kind of node says otherwise when its output may be unsorted
    Value v = eval_node(n);
    if (const auto* vec = std::get_if<Vector>(&v)) charge(static_cast<std::int64_t>(vec->size()), 0);
    return v;
  }

  // Counts `samples` (and `work` units without samples, such as a series examined)
  // against the budget; throws when a limit is passed.
  void charge(std::int64_t samples, std::int64_t work) {
    budget_.samples += samples;
    if (budget_.samples > options_.max_samples) {
      budget_.hit = QueryBudget::Limit::kSamples;
      throw ExecError(kTooManySamples);
    }
    budget_.work += samples + work;
    if (budget_.work >= budget_.next_poll) {
      budget_.next_poll = budget_.work + kBudgetPollEvery;
      check_deadline();
    }
  }

  // Whether the last node evaluated left its vector sorted by labels (then evaluate()
  // need not sort the result; sorting a sorted vector still compares every pair).
  bool sorted() const { return sorted_; }

  void check_deadline() {
    if (budget_.expired && budget_.expired()) {
      budget_.hit = QueryBudget::Limit::kTime;
      throw ExecError(kQueryTimedOut);
    }
  }

 private:
  Value eval_node(const Node& n) {
    switch (n.kind) {
      case Node::Kind::kNumber: return Scalar{n.number};
      case Node::Kind::kVectorSelector: return select_instant(n);
      case Node::Kind::kMatrixSelector: return select_range(n);
      case Node::Kind::kNegate: {
        Value v = eval(*n.args[0]);
        if (auto* s = std::get_if<Scalar>(&v)) return Scalar{-s->value};
        Vector out = std::get<Vector>(std::move(v));
        for (auto& sample : out) {
          sample.labels = derived(n, 0, sample.labels, without_name);
          sample.value = -sample.value;
        }
        sorted_ = false;  // without their names, the labels may sort differently
        return out;
      }
      case Node::Kind::kCall: return call(n);
      case Node::Kind::kAggregate: return aggregate(n);
      case Node::Kind::kBinary: return binary(n);
    }
    throw ExecError("unknown expression");
  }

  // A label set derived from `in` by `derive` at this node (`which` tells apart the
  // derivations of one node), through the memo when there is one.
  template <class Derive>
  Labels derived(const Node& n, int which, const Labels& in, Derive&& derive) {
    const void* site = reinterpret_cast<const char*>(&n) + which;  // which < sizeof(Node)
    return memoized(memo_, site, in, std::forward<Derive>(derive));
  }

  // Calls fn(labels, samples) for each series the selector's matchers match, in label
  // order; through the metric-name index when the selector names its metric.
  template <class Fn>
  void for_each_selected(const Node& n, Fn fn) {
    if (memo_ == nullptr) {
      scan(n, [&](const SeriesStore::Entry& e) {
        charge(0, 1);
        if (matches_all(n.matchers, e.first)) fn(e.first, e.second);
      });
      return;
    }
    const EvalMemo::Selection& sel = selection(n);
    charge(0, sel.examined);
    for (const SeriesStore::Entry* e : sel.entries) fn(e->first, e->second);
  }

  // The memo's selection for a selector node, brought up to date with the store.
  const EvalMemo::Selection& selection(const Node& n) {
    auto found = std::find_if(memo_->selections.begin(), memo_->selections.end(),
                              [&n](const auto& entry) { return entry.first == &n; });
    if (found == memo_->selections.end()) found = memo_->selections.insert(found, {&n, EvalMemo::Selection{}});
    EvalMemo::Selection& sel = found->second;
    if (sel.store_id != store_.id() || sel.store_size != store_.series().size()) {
      sel = EvalMemo::Selection{store_.id(), store_.series().size(), 0, {}};
      scan(n, [&sel, &n](const SeriesStore::Entry& e) {
        ++sel.examined;
        if (matches_all(n.matchers, e.first)) sel.entries.push_back(&e);
      });
    }
    return sel;
  }

  // Calls visit(entry) for each series a selector may match, in label order: those
  // of its metric name when it names one (the index), else all.
  template <class Visit>
  void scan(const Node& n, Visit visit) {
    for (const auto& m : n.matchers) {
      if (m.op == Matcher::Op::kEq && m.name == kMetricName) {
        for (const SeriesStore::Entry* e : store_.series_named(m.value)) visit(*e);
        return;
      }
    }
    for (const auto& e : store_.series()) visit(e);
  }

  Vector select_instant(const Node& n) {
    Vector out;
    if (memo_ != nullptr) out.reserve(selection(n).entries.size());  // one allocation, not log2(n)
    for_each_selected(n, [&](const Labels& labels, const std::vector<Sample>& samples) {
      if (auto p = SeriesStore::instant(samples, t_ms_, options_.lookback_ms)) out.push_back({labels, p->value});
    });
    return out;
  }

  // Calls fn(labels, points) for each selected series with points in the range; the
  // points are in a buffer reused from one series to the next.
  template <class Fn>
  void for_each_range(const Node& n, Fn fn) {
    for_each_selected(n, [&](const Labels& labels, const std::vector<Sample>& samples) {
      std::vector<Point>& points = memo_ != nullptr ? memo_->points : points_;
      SeriesStore::range_into(samples, t_ms_, n.range_ms, points);
      charge(static_cast<std::int64_t>(points.size()), 0);
      if (!points.empty()) fn(labels, points);
    });
  }

  Matrix select_range(const Node& n) {
    Matrix out;
    for_each_range(n, [&](const Labels& labels, const std::vector<Point>& points) { out.push_back({labels, points}); });
    return out;
  }

  static Vector absent_result(const Node& selector) {
    Labels labels;
    for (const auto& m : selector.matchers) {
      if (m.op == Matcher::Op::kEq && m.name != kMetricName) set_label(labels, m.name, m.value);
    }
    return {{labels, 1.0}};
  }

  // Prometheus's extrapolatedRate (promql/functions.go, 2.42), written anew.
  static std::optional<double> extrapolated(const std::vector<Point>& pts, std::int64_t range_start_ms,
                                            std::int64_t range_end_ms, bool is_rate) {
    if (pts.size() < 2) return std::nullopt;
    double delta = pts.back().value - pts.front().value;
    for (std::size_t i = 1; i < pts.size(); ++i) {
      if (pts[i].value < pts[i - 1].value) delta += pts[i - 1].value;  // counter reset
    }
    double to_start = static_cast<double>(pts.front().t_ms - range_start_ms) / 1000.0;
    const double to_end = static_cast<double>(range_end_ms - pts.back().t_ms) / 1000.0;
    const double sampled = static_cast<double>(pts.back().t_ms - pts.front().t_ms) / 1000.0;
    const double avg_step = sampled / static_cast<double>(pts.size() - 1);
    if (delta > 0 && pts.front().value >= 0) {
      // A counter cannot have been below zero: do not extrapolate past that point.
      const double to_zero = sampled * (pts.front().value / delta);
      if (to_zero < to_start) to_start = to_zero;
    }
    const double threshold = avg_step * 1.1;
    double interval = sampled;
    interval += to_start < threshold ? to_start : avg_step / 2;
    interval += to_end < threshold ? to_end : avg_step / 2;
    double result = delta * (interval / sampled);
    if (is_rate) result /= static_cast<double>(range_end_ms - range_start_ms) / 1000.0;
    return result;
  }

  Value call(const Node& n) {
    const std::string& f = n.function;
    if (f == "time") return Scalar{static_cast<double>(t_ms_) / 1000.0};
    if (f == "absent") {
      Value v = eval(*n.args[0]);
      const auto* vec = std::get_if<Vector>(&v);
      if (vec == nullptr) throw ExecError("expected type instant vector in call to function \"absent\"");
      if (!vec->empty()) return Vector{};
      if (n.args[0]->kind == Node::Kind::kVectorSelector) return absent_result(*n.args[0]);
      return Vector{{Labels{}, 1.0}};
    }
    const Node& sel = *n.args[0];
    Vector out;
    bool any = false;
    for_each_range(sel, [&](const Labels& labels, const std::vector<Point>& pts) {
      any = true;
      std::optional<double> v;
      if (f == "rate" || f == "increase") {
        v = extrapolated(pts, t_ms_ - sel.range_ms, t_ms_, f == "rate");
      } else if (f == "count_over_time") {
        v = static_cast<double>(pts.size());
      } else if (f == "changes" || f == "resets") {
        // Prometheus's funcChanges / funcResets: NaN to NaN is no change.
        int count = 0;
        for (std::size_t i = 1; i < pts.size(); ++i) {
          const double a = pts[i - 1].value, b = pts[i].value;
          if (f == "changes") {
            count += a != b && !(std::isnan(a) && std::isnan(b)) ? 1 : 0;
          } else {
            count += b < a ? 1 : 0;
          }
        }
        v = static_cast<double>(count);
      } else if (f == "sum_over_time" || f == "avg_over_time") {
        double sum = 0;
        for (const auto& p : pts) sum += p.value;
        v = f == "sum_over_time" ? sum : sum / static_cast<double>(pts.size());
      } else if (f == "min_over_time" || f == "max_over_time") {
        double best = pts.front().value;
        for (const auto& p : pts) {
          // NaN never replaces a number (Prometheus's min/max_over_time).
          if (f == "min_over_time" ? (p.value < best || std::isnan(best)) : (p.value > best || std::isnan(best))) {
            best = p.value;
          }
        }
        v = best;
      } else if (f == "last_over_time") {
        out.push_back({labels, pts.back().value});  // keeps the metric name
        return;
      }
      if (v) out.push_back({derived(n, 0, labels, without_name), *v});
    });
    if (f == "absent_over_time") return any ? Vector{} : absent_result(sel);
    sort_vector(out);
    sorted_ = true;
    return out;
  }

  Value aggregate(const Node& n) {
    Value v = eval(*n.args[0]);
    const auto* in = std::get_if<Vector>(&v);
    if (in == nullptr) throw ExecError("expected type instant vector in aggregation");
    struct Group {
      Labels key;
      double acc = 0;
      double count = 0;
    };
    // Groups in order of first appearance, found by key: a linear scan while there are
    // few (the common case; keys derived through the memo often share storage, so
    // most comparisons are one pointer), an ordered index once there are many.
    constexpr std::size_t kScanGroups = 16;
    std::vector<Group> groups;
    std::map<Labels, std::size_t> index;
    for (const auto& s : *in) {
      const Labels key = derived(n, 0, s.labels, [&n](const Labels& l) {
        return n.without ? drop(without_name(l), n.grouping) : keep_only(l, n.grouping);
      });
      std::size_t at = groups.size();
      if (groups.size() <= kScanGroups) {
        for (std::size_t i = 0; i < groups.size(); ++i) {
          if (groups[i].key == key) {
            at = i;
            break;
          }
        }
      } else {
        if (index.empty()) {
          for (std::size_t i = 0; i < groups.size(); ++i) index.emplace(groups[i].key, i);
        }
        const auto it = index.find(key);
        if (it != index.end()) at = it->second;
      }
      const bool fresh = at == groups.size();
      if (fresh) {
        groups.push_back(Group{key});
        if (!index.empty()) index.emplace(key, at);
      }
      Group& g = groups[at];
      switch (n.aggregate) {
        case AggregateOp::kSum:
        case AggregateOp::kAvg: g.acc += s.value; break;
        case AggregateOp::kCount: break;
        case AggregateOp::kMin:
          if (fresh || s.value < g.acc || std::isnan(g.acc)) g.acc = s.value;
          break;
        case AggregateOp::kMax:
          if (fresh || s.value > g.acc || std::isnan(g.acc)) g.acc = s.value;
          break;
      }
      g.count += 1;
    }
    Vector out;
    out.reserve(groups.size());
    for (const auto& g : groups) {
      double value = g.acc;
      if (n.aggregate == AggregateOp::kCount) value = g.count;
      if (n.aggregate == AggregateOp::kAvg) value = g.acc / g.count;
      out.push_back({g.key, value});
    }
    sort_vector(out);  // by labels, as Prometheus's output (and the ordered map's) is
    sorted_ = true;
    return out;
  }

  static Labels signature(const Labels& l, const Node& n) {
    if (n.has_matching && n.matching_on) return keep_only(l, n.matching);
    return drop(without_name(l), n.has_matching ? n.matching : std::vector<std::string>{});
  }
  Labels signature_of(const Node& n, const Labels& l) {
    return derived(n, 1, l, [&n](const Labels& in) { return signature(in, n); });
  }

  Value binary(const Node& n) {
    Value lv = eval(*n.args[0]);
    const bool left_sorted = sorted_;
    Value rv = eval(*n.args[1]);
    const bool right_sorted = sorted_;
    const auto* ls = std::get_if<Scalar>(&lv);
    const auto* rs = std::get_if<Scalar>(&rv);
    if (std::holds_alternative<Matrix>(lv) || std::holds_alternative<Matrix>(rv)) {
      throw ExecError("binary expression must contain only scalar and instant vector types");
    }
    if (is_set(n.op) && (ls != nullptr || rs != nullptr)) {
      throw ExecError("set operator not allowed in binary scalar expression");
    }
    if (ls != nullptr && rs != nullptr) {
      if (is_comparison(n.op) && !n.return_bool) throw ExecError("comparisons between scalars must use BOOL modifier");
      return Scalar{apply(n.op, ls->value, rs->value)};
    }
    if (ls != nullptr || rs != nullptr) {
      const bool scalar_left = ls != nullptr;
      const double scalar = scalar_left ? ls->value : rs->value;
      Vector out;
      for (const auto& s : std::get<Vector>(scalar_left ? rv : lv)) {
        const double a = scalar_left ? scalar : s.value;
        const double b = scalar_left ? s.value : scalar;
        const double r = apply(n.op, a, b);
        if (is_comparison(n.op) && !n.return_bool) {
          if (r != 0) out.push_back(s);  // filter: the vector's sample, unchanged
        } else {
          out.push_back({derived(n, 0, s.labels, without_name), r});
        }
      }
      // A filter keeps its input's order; arithmetic drops the names.
      sorted_ = is_comparison(n.op) && !n.return_bool && (scalar_left ? right_sorted : left_sorted);
      return out;
    }
    const Vector& lhs = std::get<Vector>(lv);
    const Vector& rhs = std::get<Vector>(rv);
    std::map<Labels, const VectorSample*> right;
    for (const auto& s : rhs) {
      auto [it, fresh] = right.emplace(signature_of(n, s.labels), &s);
      if (!fresh && !is_set(n.op)) {
        throw ExecError("found duplicate series for the match group " + to_string(it->first) +
                        " on the right hand-side of the operation; many-to-many matching not allowed");
      }
    }
    Vector out;
    if (is_set(n.op)) {
      std::map<Labels, bool> left_sigs;
      for (const auto& s : lhs) {
        const Labels sig = signature_of(n, s.labels);
        left_sigs[sig] = true;
        const bool in_right = right.count(sig) > 0;
        if (n.op == BinaryOp::kOr || (n.op == BinaryOp::kAnd && in_right) || (n.op == BinaryOp::kUnless && !in_right)) {
          out.push_back(s);
        }
      }
      if (n.op == BinaryOp::kOr) {
        for (const auto& s : rhs) {
          if (left_sigs.count(signature_of(n, s.labels)) == 0) out.push_back(s);
        }
      }
      sort_vector(out);
      sorted_ = true;
      return out;
    }
    std::map<Labels, bool> seen_left;
    for (const auto& s : lhs) {
      const Labels sig = signature_of(n, s.labels);
      if (!seen_left.emplace(sig, true).second) {
        throw ExecError("found duplicate series for the match group " + to_string(sig) +
                        " on the left hand-side of the operation; many-to-many matching not allowed");
      }
      const auto it = right.find(sig);
      if (it == right.end()) continue;
      const double r = apply(n.op, s.value, it->second->value);
      if (is_comparison(n.op) && !n.return_bool && r == 0) continue;
      const Labels labels = derived(n, 2, s.labels, [&n](const Labels& in) {
        Labels l = in;
        if (!is_comparison(n.op) || n.return_bool) l = without_name(l);
        if (n.has_matching) l = n.matching_on ? keep_only(l, n.matching) : drop(l, n.matching);
        return l;
      });
      out.push_back({labels, is_comparison(n.op) && !n.return_bool ? s.value : r});
    }
    sort_vector(out);
    sorted_ = true;
    return out;
  }

  const SeriesStore& store_;
  std::int64_t t_ms_;
  EvalOptions options_;
  QueryBudget& budget_;
  EvalMemo* memo_;
  bool sorted_ = true;
  std::vector<Point> points_;  // for_each_range's buffer (the memo's when there is one)
};

}  // namespace

Result<Value> evaluate(const Node& expr, const SeriesStore& store, std::int64_t t_ms, const EvalOptions& options,
                       QueryBudget* budget, EvalMemo* memo) {
  QueryBudget local;
  QueryBudget& spend = budget != nullptr ? *budget : local;
  try {
    Evaluator evaluator(store, t_ms, options, spend, memo);
    evaluator.check_deadline();
    Value v = evaluator.eval(expr);
    if (auto* vec = std::get_if<Vector>(&v); vec != nullptr && !evaluator.sorted()) sort_vector(*vec);
    return Result<Value>::ok(std::move(v));
  } catch (const ExecError& e) {
    return Result<Value>::error(e.what());
  }
}

Result<Value> query(const std::string& promql, const SeriesStore& store, std::int64_t t_ms,
                    const EvalOptions& options, QueryBudget* budget) {
  auto parsed = parse_promql(promql);
  if (!parsed) return Result<Value>::error(parsed.error());
  if (parsed.value()->kind == Node::Kind::kMatrixSelector) {
    return Result<Value>::error("a range vector cannot be the result of an instant query here");
  }
  return evaluate(*parsed.value(), store, t_ms, options, budget);
}

}  // namespace failsim::sim::prometheus
