// PromQL's evaluator, shared by promql_eval.cc (nodes, selectors, functions) and
// promql_eval_ops.cc (aggregations and binary operators). Private to
// sim/prometheus/: the interface is promql_eval.h.
#pragma once

#include "sim/prometheus/promql_eval.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <stdexcept>
#include <utility>
#include "sim/prometheus/promql_math.h"
#include "sim/prometheus/promql_parser.h"

namespace failsim::sim::prometheus::promql_detail {


struct ExecError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr const char* kDuplicateLabelset = "vector cannot contain metrics with the same labelset";
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

inline bool matches(const Matcher& m, std::string_view value) {
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

// shouldDropMetricName (2.42): arithmetic but atan2.
inline bool drops_name(BinaryOp op) {
  return op == BinaryOp::kAdd || op == BinaryOp::kSub || op == BinaryOp::kMul || op == BinaryOp::kDiv ||
         op == BinaryOp::kPow || op == BinaryOp::kMod;
}

// Arithmetic result; for comparisons 1/0 (true/false).
inline double apply(BinaryOp op, double a, double b) {
  switch (op) {
    case BinaryOp::kAdd: return a + b;
    case BinaryOp::kSub: return a - b;
    case BinaryOp::kMul: return a * b;
    case BinaryOp::kDiv: return a / b;
    case BinaryOp::kMod: return std::fmod(a, b);
    case BinaryOp::kPow: return std::pow(a, b);
    case BinaryOp::kAtan2: return std::atan2(a, b);
    case BinaryOp::kEq: return a == b;
    case BinaryOp::kNe: return a != b;
    case BinaryOp::kGt: return a > b;
    case BinaryOp::kLt: return a < b;
    case BinaryOp::kGe: return a >= b;
    case BinaryOp::kLe: return a <= b;
    default: return 0;
  }
}

inline bool by_labels(const VectorSample& a, const VectorSample& b) { return a.labels < b.labels; }

// Throws Prometheus's error when two samples share a label set.
inline void check_unique(const Vector& v) {
  if (v.size() < 2) return;
  if (std::is_sorted(v.begin(), v.end(), by_labels)) {
    for (std::size_t i = 1; i < v.size(); ++i) {
      if (v[i].labels == v[i - 1].labels) throw ExecError(kDuplicateLabelset);
    }
    return;
  }
  std::vector<const Labels*> sorted;
  sorted.reserve(v.size());
  for (const auto& s : v) sorted.push_back(&s.labels);
  std::sort(sorted.begin(), sorted.end(), [](const Labels* a, const Labels* b) { return *a < *b; });
  for (std::size_t i = 1; i < sorted.size(); ++i) {
    if (*sorted[i] == *sorted[i - 1]) throw ExecError(kDuplicateLabelset);
  }
}

// Go's Regexp.ExpandString: $1, ${1}, $name, ${name}, $$; an unknown group is "".
inline std::string expand_template(const std::string& tmpl, const RE2& re, const std::vector<re2::StringPiece>& groups) {
  std::string out;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '$' || i + 1 >= tmpl.size()) {
      out += tmpl[i];
      continue;
    }
    if (tmpl[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::string name;
    std::size_t j = i + 1;
    const bool braced = tmpl[j] == '{';
    if (braced) ++j;
    const std::size_t name_start = j;
    while (j < tmpl.size() && (std::isalnum(static_cast<unsigned char>(tmpl[j])) || tmpl[j] == '_')) ++j;
    name = tmpl.substr(name_start, j - name_start);
    if (name.empty() || (braced && (j >= tmpl.size() || tmpl[j] != '}'))) {
      out += '$';  // malformed: the $ is text
      continue;
    }
    if (braced) ++j;
    i = j - 1;
    int index = -1;
    if (std::all_of(name.begin(), name.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
      index = name.size() < 9 ? std::atoi(name.c_str()) : -1;
    } else {
      const auto& named = re.NamedCapturingGroups();
      const auto it = named.find(name);
      if (it != named.end()) index = it->second;
    }
    if (index >= 0 && static_cast<std::size_t>(index) < groups.size() && groups[static_cast<std::size_t>(index)].data() != nullptr) {
      out.append(groups[static_cast<std::size_t>(index)].data(), groups[static_cast<std::size_t>(index)].size());
    }
  }
  return out;
}

using MathFn = double (*)(double);
inline MathFn math_function(const std::string& f) {
  static const std::pair<const char*, MathFn> kFns[] = {
      {"abs", [](double v) { return std::fabs(v); }},   {"ceil", [](double v) { return std::ceil(v); }},
      {"floor", [](double v) { return std::floor(v); }}, {"exp", [](double v) { return std::exp(v); }},
      {"sqrt", [](double v) { return std::sqrt(v); }},   {"ln", [](double v) { return std::log(v); }},
      {"log2", [](double v) { return std::log2(v); }},   {"log10", [](double v) { return std::log10(v); }},
      {"sin", [](double v) { return std::sin(v); }},     {"cos", [](double v) { return std::cos(v); }},
      {"tan", [](double v) { return std::tan(v); }},     {"asin", [](double v) { return std::asin(v); }},
      {"acos", [](double v) { return std::acos(v); }},   {"atan", [](double v) { return std::atan(v); }},
      {"sinh", [](double v) { return std::sinh(v); }},   {"cosh", [](double v) { return std::cosh(v); }},
      {"tanh", [](double v) { return std::tanh(v); }},   {"asinh", [](double v) { return std::asinh(v); }},
      {"acosh", [](double v) { return std::acosh(v); }}, {"atanh", [](double v) { return std::atanh(v); }},
      {"deg", [](double v) { return v * 180 / M_PI; }},  {"rad", [](double v) { return v * M_PI / 180; }},
      {"sgn", [](double v) { return v < 0 ? -1.0 : v > 0 ? 1.0 : v; }},
  };
  for (const auto& [name, fn] : kFns) {
    if (f == name) return fn;
  }
  return nullptr;
}

inline std::optional<DateField> date_function(const std::string& f) {
  static const std::pair<const char*, DateField> kFns[] = {
      {"days_in_month", DateField::kDaysInMonth}, {"day_of_month", DateField::kDayOfMonth},
      {"day_of_week", DateField::kDayOfWeek},     {"day_of_year", DateField::kDayOfYear},
      {"hour", DateField::kHour},                 {"minute", DateField::kMinute},
      {"month", DateField::kMonth},               {"year", DateField::kYear}};
  for (const auto& [name, field] : kFns) {
    if (f == name) return field;
  }
  return std::nullopt;
}

// Go's container/heap over samples, with Prometheus's orderings (topk: the smallest
// value, NaN first, at the root; bottomk: the largest).
struct SampleHeap {
  std::vector<VectorSample> items;
  bool reverse = false;  // bottomk
  bool less(std::size_t i, std::size_t j) const {
    if (std::isnan(items[i].value)) return true;
    return reverse ? items[i].value > items[j].value : items[i].value < items[j].value;
  }
  void up(std::size_t j) {
    while (j > 0) {
      const std::size_t i = (j - 1) / 2;
      if (!less(j, i)) break;
      std::swap(items[i], items[j]);
      j = i;
    }
  }
  void down(std::size_t i, std::size_t n) {
    for (;;) {
      const std::size_t j1 = 2 * i + 1;
      if (j1 >= n) break;
      std::size_t j = j1;
      if (j1 + 1 < n && less(j1 + 1, j1)) j = j1 + 1;
      if (!less(j, i)) break;
      std::swap(items[i], items[j]);
      i = j;
    }
  }
  void push(VectorSample s) {
    items.push_back(std::move(s));
    up(items.size() - 1);
  }
  void pop() {
    const std::size_t n = items.size() - 1;
    std::swap(items[0], items[n]);
    down(0, n);
    items.pop_back();
  }
};

class Evaluator {
 public:
  Evaluator(const SeriesStore& store, const EvalOptions& options, QueryBudget& budget, EvalMemo* memo,
            std::int64_t t_ms)
      : store_(store),
        options_(options),
        budget_(budget),
        memo_(memo),
        start_ms_(options.start_ms.value_or(t_ms)),
        end_ms_(options.end_ms.value_or(t_ms)) {}

  Value eval(const Node& n, std::int64_t t) {
    Value v = eval_node(n, t);
    if (const auto* vec = std::get_if<Vector>(&v)) charge(static_cast<std::int64_t>(vec->size()), 0);
    return v;
  }

  Vector eval_vector(const Node& n, std::int64_t t) { return std::get<Vector>(eval(n, t)); }
  double eval_scalar(const Node& n, std::int64_t t) { return std::get<Scalar>(eval(n, t)).value; }

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

  void check_deadline() {
    if (budget_.expired && budget_.expired()) {
      budget_.hit = QueryBudget::Limit::kTime;
      throw ExecError(kQueryTimedOut);
    }
  }

 private:
  Value eval_node(const Node& n, std::int64_t t);

  // The time a selector or subquery reads at: its @ time (or the evaluation time),
  // less its offset.
  std::int64_t ref_time(const Node& n, std::int64_t t) const {
    switch (n.at) {
      case AtKind::kNone: break;
      case AtKind::kTime: t = n.at_ms; break;
      case AtKind::kStart: t = start_ms_; break;
      case AtKind::kEnd: t = end_ms_; break;
    }
    return t - n.offset_ms;
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

  Vector select_instant(const Node& n, std::int64_t ref) {
    Vector out;
    if (memo_ != nullptr) out.reserve(selection(n).entries.size());  // one allocation, not log2(n)
    for_each_selected(n, [&](const Labels& labels, const std::vector<Sample>& samples) {
      if (auto p = SeriesStore::instant(samples, ref, options_.lookback_ms)) out.push_back({labels, p->value});
    });
    return out;
  }

  // Calls fn(labels, points) for each series of a range argument (a range selector or
  // a subquery) with points in its range at t; selector points are in a buffer
  // reused from one series to the next.
  template <class Fn>
  void for_each_range(const Node& n, std::int64_t t, Fn fn) {
    if (n.kind == Node::Kind::kSubquery) {
      const Value matrix = subquery(n, t);
      for (const auto& series : std::get<Matrix>(matrix)) fn(series.labels, series.points);
      return;
    }
    const std::int64_t ref = ref_time(n, t);
    for_each_selected(n, [&](const Labels& labels, const std::vector<Sample>& samples) {
      std::vector<Point>& points = memo_ != nullptr ? memo_->points : points_;
      SeriesStore::range_into(samples, ref, n.range_ms, points);
      charge(static_cast<std::int64_t>(points.size()), 0);
      if (!points.empty()) fn(labels, points);
    });
  }

  // The subquery's expression at every multiple of its step in [end - range, end].
  Value subquery(const Node& n, std::int64_t t) {
    const std::int64_t end = ref_time(n, t);
    const std::int64_t step = n.step_ms > 0 ? n.step_ms : options_.subquery_step_ms;
    const std::int64_t first = end - n.range_ms;
    std::int64_t start = step * (first / step);  // as Go's integer division (toward zero)
    if (start < first) start += step;
    Matrix out;
    std::map<Labels, std::size_t> index;
    if ((end - start) / step >= options_.max_samples) {
      budget_.hit = QueryBudget::Limit::kSamples;  // more steps than samples allowed: never ends in time
      throw ExecError(kTooManySamples);
    }
    for (std::int64_t ts = start; ts <= end; ts += step) {
      charge(0, 1);
      for (auto& s : eval_vector(*n.args[0], ts)) {
        const auto [it, fresh] = index.emplace(s.labels, out.size());
        if (fresh) out.push_back({std::move(s.labels), {}});
        out[it->second].points.push_back(Point{ts, s.value});
      }
    }
    return out;
  }

  Vector absent_result(const Node& arg) {
    Labels labels;
    if (arg.kind == Node::Kind::kVectorSelector || arg.kind == Node::Kind::kMatrixSelector) {
      std::vector<std::string> seen;
      for (const auto& m : arg.matchers) {
        if (m.name == kMetricName) continue;
        if (m.op == Matcher::Op::kEq && std::find(seen.begin(), seen.end(), m.name) == seen.end()) {
          set_label(labels, m.name, m.value);
          seen.push_back(m.name);
        } else {
          set_label(labels, m.name, "");
        }
      }
    }
    return {{labels, 1.0}};
  }

  // The index of a call's range-vector argument, or -1.
  static int matrix_arg(const Node& n) {
    for (std::size_t i = 0; i < n.args.size(); ++i) {
      if (n.args[i]->type == ValueType::kMatrix) return static_cast<int>(i);
    }
    return -1;
  }

  Value call(const Node& n, std::int64_t t);

  // Functions of one value per sample: the metric name goes.
  Vector elementwise(const Node& n, std::int64_t t, Vector in);

  // Go's math.Max / math.Min: NaN wins, and +0 / -0 are ordered.
  static double go_max(double a, double b) {
    if (std::isinf(a) && a > 0) return a;
    if (std::isinf(b) && b > 0) return b;
    if (std::isnan(a) || std::isnan(b)) return kNaN;
    if (a == 0 && a == b) return std::signbit(a) ? b : a;
    return a > b ? a : b;
  }
  static double go_min(double a, double b) {
    if (std::isinf(a) && a < 0) return a;
    if (std::isinf(b) && b < 0) return b;
    if (std::isnan(a) || std::isnan(b)) return kNaN;
    if (a == 0 && a == b) return std::signbit(a) ? a : b;
    return a < b ? a : b;
  }

  Vector timestamps(const Node& n, std::int64_t t) {
    const Node& sel = *n.args[0];
    const std::int64_t ref = ref_time(sel, t);
    Vector out;
    for_each_selected(sel, [&](const Labels& labels, const std::vector<Sample>& samples) {
      if (auto p = SeriesStore::instant(samples, ref, options_.lookback_ms)) {
        out.push_back({derived(n, 0, labels, without_name), static_cast<double>(p->t_ms) / 1000.0});
      }
    });
    charge(static_cast<std::int64_t>(out.size()), 0);
    check_unique(out);
    return out;
  }

  static Vector sort_by_value(Vector in, bool descending) {
    // NaN last either way (2.42 sorts with NaN "less" and reverses).
    std::stable_sort(in.begin(), in.end(), [descending](const VectorSample& a, const VectorSample& b) {
      if (std::isnan(a.value)) return false;
      if (std::isnan(b.value)) return true;
      return descending ? a.value > b.value : a.value < b.value;
    });
    return in;
  }

  std::string string_arg(const Node& n, std::size_t i) { return n.args[i]->text; }

  Vector label_replace(const Node& n, Vector in) {
    const std::string dst = string_arg(n, 1), repl = string_arg(n, 2), src = string_arg(n, 3), regex = string_arg(n, 4);
    RE2::Options options;
    options.set_log_errors(false);
    const RE2 re("^(?:" + regex + ")$", options);
    if (!re.ok()) throw ExecError("invalid regular expression in label_replace(): " + regex);
    if (!is_valid_label_name(dst)) throw ExecError("invalid destination label name in label_replace(): " + dst);
    std::vector<re2::StringPiece> groups(static_cast<std::size_t>(re.NumberOfCapturingGroups()) + 1);
    for (auto& s : in) {
      const std::string value(label_value(s.labels, src));
      if (!re.Match(value, 0, value.size(), RE2::UNANCHORED, groups.data(), static_cast<int>(groups.size()))) continue;
      set_label(s.labels, dst, expand_template(repl, re, groups));
    }
    return in;
  }

  Vector label_join(const Node& n, Vector in) {
    const std::string dst = string_arg(n, 1), sep = string_arg(n, 2);
    std::vector<std::string> srcs;
    for (std::size_t i = 3; i < n.args.size(); ++i) {
      srcs.push_back(string_arg(n, i));
      if (!is_valid_label_name(srcs.back())) throw ExecError("invalid source label name in label_join(): " + srcs.back());
    }
    if (!is_valid_label_name(dst)) throw ExecError("invalid destination label name in label_join(): " + dst);
    for (auto& s : in) {
      std::string joined;
      for (std::size_t i = 0; i < srcs.size(); ++i) {
        if (i > 0) joined += sep;
        joined += label_value(s.labels, srcs[i]);
      }
      set_label(s.labels, dst, joined);
    }
    return in;
  }

  Vector histogram_quantile(const Node& n, std::int64_t t) {
    const double q = eval_scalar(*n.args[0], t);
    const Vector in = eval_vector(*n.args[1], t);
    // Buckets of one histogram: same labels but `le` (the metric name included).
    std::map<Labels, std::pair<Labels, std::vector<Bucket>>> histograms;
    for (const auto& s : in) {
      const std::string le(label_value(s.labels, "le"));
      char* end = nullptr;
      const double bound = std::strtod(le.c_str(), &end);
      if (le.empty() || end != le.c_str() + le.size()) continue;
      Labels key = drop(s.labels, {"le"});
      auto& h = histograms[key];
      if (h.second.empty()) h.first = drop(key, {std::string(kMetricName)});
      h.second.push_back(Bucket{bound, s.value});
    }
    Vector out;
    for (auto& [key, h] : histograms) out.push_back({h.first, bucket_quantile(q, h.second)});
    return out;
  }

  enum class RangeFn {
    kRate, kIncrease, kDelta, kIrate, kIdelta, kCount, kPresent, kAbsent, kChanges, kResets, kSum, kAvg, kStdvar,
    kStddev, kMin, kMax, kQuantile, kDeriv, kPredictLinear, kHoltWinters, kLast
  };
  static RangeFn range_fn(const std::string& f) {
    static const std::pair<const char*, RangeFn> kFns[] = {
        {"rate", RangeFn::kRate}, {"increase", RangeFn::kIncrease}, {"delta", RangeFn::kDelta},
        {"irate", RangeFn::kIrate}, {"idelta", RangeFn::kIdelta}, {"count_over_time", RangeFn::kCount},
        {"present_over_time", RangeFn::kPresent}, {"absent_over_time", RangeFn::kAbsent},
        {"changes", RangeFn::kChanges}, {"resets", RangeFn::kResets}, {"sum_over_time", RangeFn::kSum},
        {"avg_over_time", RangeFn::kAvg}, {"stdvar_over_time", RangeFn::kStdvar},
        {"stddev_over_time", RangeFn::kStddev}, {"min_over_time", RangeFn::kMin}, {"max_over_time", RangeFn::kMax},
        {"quantile_over_time", RangeFn::kQuantile}, {"deriv", RangeFn::kDeriv},
        {"predict_linear", RangeFn::kPredictLinear}, {"holt_winters", RangeFn::kHoltWinters},
        {"last_over_time", RangeFn::kLast}};
    for (const auto& [name, fn] : kFns) {
      if (f == name) return fn;
    }
    throw ExecError("function \"" + f + "\" is not implemented");
  }

  // A function of a range vector: one value per series with points in range.
  Value range_call(const Node& n, std::size_t m, std::int64_t t);

  static std::string go_fixed6(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%f", v);
    return buf;
  }

  Value aggregate(const Node& n, std::int64_t t);

  static Labels group_key(const Labels& l, bool without, const std::vector<std::string>& grouping) {
    if (without) {
      std::vector<std::string> names = grouping;
      names.emplace_back(kMetricName);
      return drop(l, names);
    }
    return keep_only(l, grouping);
  }

  // The labels two sides match on: on(...) keeps those, else all but the name and
  // ignoring(...).
  static Labels signature(const Labels& l, const Node& n) {
    if (n.has_matching && n.matching_on) return keep_only(l, n.matching);
    return drop(without_name(l), n.has_matching ? n.matching : std::vector<std::string>{});
  }
  Labels signature_of(const Node& n, const Labels& l) {
    return derived(n, 1, l, [&n](const Labels& in) { return signature(in, n); });
  }

  Value binary(const Node& n, std::int64_t t);

  Vector set_operation(const Node& n, Vector& lhs, Vector& rhs) {
    Vector out;
    if (n.op == BinaryOp::kAnd && (lhs.empty() || rhs.empty())) return out;
    if (n.op == BinaryOp::kUnless && (lhs.empty() || rhs.empty())) return std::move(lhs);
    if (n.op == BinaryOp::kOr && (lhs.empty() || rhs.empty())) return lhs.empty() ? std::move(rhs) : std::move(lhs);
    std::map<Labels, bool> sigs;
    const Vector& indexed = n.op == BinaryOp::kOr ? lhs : rhs;
    for (const auto& s : indexed) sigs.emplace(signature_of(n, s.labels), true);
    if (n.op == BinaryOp::kOr) {
      out = std::move(lhs);
      for (auto& s : rhs) {
        if (sigs.count(signature_of(n, s.labels)) == 0) out.push_back(std::move(s));
      }
      return out;
    }
    for (auto& s : lhs) {
      const bool in_right = sigs.count(signature_of(n, s.labels)) > 0;
      if (in_right == (n.op == BinaryOp::kAnd)) out.push_back(std::move(s));
    }
    return out;
  }

  // VectorBinop of 2.42: one-to-one, many-to-one (group_left), one-to-many (group_right).
  Vector vector_binop(const Node& n, Vector& left, Vector& right);

  // resultMetric of 2.42: the "many" side's labels, less the name for arithmetic, kept
  // to on(...) or without ignoring(...) one-to-one, with group_x(...) labels copied
  // from the "one" side.
  Labels result_labels(const Node& n, const Labels& lhs, const Labels& rhs) {
    if (n.include.empty()) {
      return derived(n, 2, lhs, [&n](const Labels& in) {
        Labels l = drops_name(n.op) ? without_name(in) : in;
        if (n.card == Cardinality::kOneToOne && n.has_matching) l = n.matching_on ? keep_only(l, n.matching) : drop(l, n.matching);
        return l;
      });
    }
    Labels l = drops_name(n.op) ? without_name(lhs) : lhs;
    for (const auto& name : n.include) set_label(l, name, label_value(rhs, name));
    return l;
  }

  const SeriesStore& store_;
  EvalOptions options_;
  QueryBudget& budget_;
  EvalMemo* memo_;
  std::int64_t start_ms_, end_ms_;
  std::vector<Point> points_;  // for_each_range's buffer (the memo's when there is one)
};

}  // namespace failsim::sim::prometheus::promql_detail
