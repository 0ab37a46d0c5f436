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

namespace failsim::sim::prometheus {
namespace {

struct ExecError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr const char* kDuplicateLabelset = "vector cannot contain metrics with the same labelset";
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

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

// shouldDropMetricName (2.42): arithmetic but atan2.
bool drops_name(BinaryOp op) {
  return op == BinaryOp::kAdd || op == BinaryOp::kSub || op == BinaryOp::kMul || op == BinaryOp::kDiv ||
         op == BinaryOp::kPow || op == BinaryOp::kMod;
}

// Arithmetic result; for comparisons 1/0 (true/false).
double apply(BinaryOp op, double a, double b) {
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

bool by_labels(const VectorSample& a, const VectorSample& b) { return a.labels < b.labels; }

// Throws Prometheus's error when two samples share a label set.
void check_unique(const Vector& v) {
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
std::string expand_template(const std::string& tmpl, const RE2& re, const std::vector<re2::StringPiece>& groups) {
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
MathFn math_function(const std::string& f) {
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

std::optional<DateField> date_function(const std::string& f) {
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
  Value eval_node(const Node& n, std::int64_t t) {
    switch (n.kind) {
      case Node::Kind::kNumber: return Scalar{n.number};
      case Node::Kind::kString: return StringValue{n.text};
      case Node::Kind::kVectorSelector: return select_instant(n, ref_time(n, t));
      case Node::Kind::kMatrixSelector: {
        Matrix out;
        for_each_range(n, t, [&](const Labels& labels, const std::vector<Point>& points) { out.push_back({labels, points}); });
        return out;
      }
      case Node::Kind::kSubquery: return subquery(n, t);
      case Node::Kind::kNegate: {
        Value v = eval(*n.args[0], t);
        if (auto* s = std::get_if<Scalar>(&v)) return Scalar{-s->value};
        Vector out = std::get<Vector>(std::move(v));
        for (auto& sample : out) {
          sample.labels = derived(n, 0, sample.labels, without_name);
          sample.value = -sample.value;
        }
        check_unique(out);
        return out;
      }
      case Node::Kind::kCall: return call(n, t);
      case Node::Kind::kAggregate: return aggregate(n, t);
      case Node::Kind::kBinary: return binary(n, t);
    }
    throw ExecError("unknown expression");
  }

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

  Value call(const Node& n, std::int64_t t) {
    const std::string& f = n.function;
    const int m = matrix_arg(n);
    if (m >= 0) return range_call(n, static_cast<std::size_t>(m), t);
    if (f == "time") return Scalar{static_cast<double>(t) / 1000.0};
    if (f == "pi") return Scalar{M_PI};
    if (f == "vector") return Vector{{Labels{}, eval_scalar(*n.args[0], t)}};
    if (f == "scalar") {
      const Vector v = eval_vector(*n.args[0], t);
      return Scalar{v.size() == 1 ? v[0].value : kNaN};
    }
    if (const auto field = date_function(f); field && n.args.empty()) {
      return Vector{{Labels{}, date_field(*field, static_cast<double>(t / 1000))}};
    }
    if (f == "timestamp" && n.args[0]->kind == Node::Kind::kVectorSelector) return timestamps(n, t);
    Vector out;
    if (f == "histogram_quantile") {
      out = histogram_quantile(n, t);
    } else if (f == "histogram_fraction") {
      eval(*n.args[0], t);
      eval(*n.args[1], t);
      eval(*n.args[2], t);  // float samples only: nothing to answer
    } else {
      Vector in = eval_vector(*n.args[0], t);
      if (f == "absent") return in.empty() ? absent_result(*n.args[0]) : Vector{};
      if (f == "sort" || f == "sort_desc") return sort_by_value(std::move(in), f == "sort_desc");
      if (f == "histogram_count" || f == "histogram_sum") return Vector{};  // native histograms only
      if (f == "label_replace") {
        out = label_replace(n, std::move(in));
      } else if (f == "label_join") {
        out = label_join(n, std::move(in));
      } else {
        out = elementwise(n, t, std::move(in));
      }
    }
    check_unique(out);
    return out;
  }

  // Functions of one value per sample: the metric name goes.
  Vector elementwise(const Node& n, std::int64_t t, Vector in) {
    const std::string& f = n.function;
    std::function<double(double)> fn;
    if (MathFn math = math_function(f)) {
      fn = math;
    } else if (const auto field = date_function(f)) {
      fn = [field](double v) { return date_field(*field, v); };
    } else if (f == "clamp") {
      const double lo = eval_scalar(*n.args[1], t), hi = eval_scalar(*n.args[2], t);
      if (hi < lo) return {};
      fn = [lo, hi](double v) { return go_max(lo, go_min(hi, v)); };
    } else if (f == "clamp_max") {
      const double hi = eval_scalar(*n.args[1], t);
      fn = [hi](double v) { return go_min(hi, v); };
    } else if (f == "clamp_min") {
      const double lo = eval_scalar(*n.args[1], t);
      fn = [lo](double v) { return go_max(lo, v); };
    } else if (f == "round") {
      const double to_nearest = n.args.size() > 1 ? eval_scalar(*n.args[1], t) : 1.0;
      const double inverse = 1.0 / to_nearest;
      fn = [inverse](double v) { return std::floor(v * inverse + 0.5) / inverse; };
    } else if (f == "timestamp") {
      const double now = static_cast<double>(t) / 1000.0;  // a computed vector's samples are at t
      fn = [now](double) { return now; };
    } else {
      throw ExecError("function \"" + f + "\" is not implemented");
    }
    for (auto& s : in) {
      s.labels = derived(n, 0, s.labels, without_name);
      s.value = fn(s.value);
    }
    return in;
  }

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
  Value range_call(const Node& n, std::size_t m, std::int64_t t) {
    const RangeFn fn = range_fn(n.function);
    const Node& arg = *n.args[m];
    double scalars[3] = {0, 0, 0};  // the other arguments (at most two, all scalars)
    for (std::size_t i = 0; i < n.args.size() && i < 3; ++i) {
      if (i != m) scalars[i] = eval_scalar(*n.args[i], t);
    }
    const std::int64_t end = ref_time(arg, t);
    const std::int64_t start = end - arg.range_ms;
    Vector out;
    bool any = false;
    for_each_range(arg, t, [&](const Labels& labels, const std::vector<Point>& pts) {
      any = true;
      std::optional<double> v;
      switch (fn) {
        case RangeFn::kRate:
        case RangeFn::kIncrease:
        case RangeFn::kDelta: v = extrapolated_rate(pts, start, end, fn != RangeFn::kDelta, fn == RangeFn::kRate); break;
        case RangeFn::kIrate:
        case RangeFn::kIdelta: v = instant_value(pts, fn == RangeFn::kIrate); break;
        case RangeFn::kCount: v = static_cast<double>(pts.size()); break;
        case RangeFn::kPresent:
        case RangeFn::kAbsent: v = 1.0; break;
        case RangeFn::kChanges:
        case RangeFn::kResets: {
          // Prometheus's funcChanges / funcResets: NaN to NaN is no change.
          int count = 0;
          for (std::size_t i = 1; i < pts.size(); ++i) {
            const double a = pts[i - 1].value, b = pts[i].value;
            count += fn == RangeFn::kChanges ? (a != b && !(std::isnan(a) && std::isnan(b))) : (b < a);
          }
          v = static_cast<double>(count);
          break;
        }
        case RangeFn::kSum: v = sum_over_time(pts); break;
        case RangeFn::kAvg: v = avg_over_time(pts); break;
        case RangeFn::kStdvar: v = stdvar_over_time(pts); break;
        case RangeFn::kStddev: v = std::sqrt(stdvar_over_time(pts)); break;
        case RangeFn::kMin:
        case RangeFn::kMax: {
          double best = pts.front().value;
          for (const auto& p : pts) {
            // NaN never replaces a number (Prometheus's min/max_over_time).
            if (fn == RangeFn::kMin ? (p.value < best || std::isnan(best)) : (p.value > best || std::isnan(best))) best = p.value;
          }
          v = best;
          break;
        }
        case RangeFn::kQuantile: {
          std::vector<double> values;
          values.reserve(pts.size());
          for (const auto& p : pts) values.push_back(p.value);
          v = quantile(scalars[0], values);
          break;
        }
        case RangeFn::kDeriv:
        case RangeFn::kPredictLinear:
          if (pts.size() >= 2) {
            double slope, intercept;
            linear_regression(pts, fn == RangeFn::kDeriv ? pts.front().t_ms : t, slope, intercept);
            v = fn == RangeFn::kDeriv ? slope : slope * scalars[1] + intercept;
          }
          break;
        case RangeFn::kHoltWinters: {
          const double sf = scalars[1], tf = scalars[2];
          if (sf <= 0 || sf >= 1) throw ExecError("invalid smoothing factor. Expected: 0 < sf < 1, got: " + go_fixed6(sf));
          if (tf <= 0 || tf >= 1) throw ExecError("invalid trend factor. Expected: 0 < tf < 1, got: " + go_fixed6(tf));
          if (pts.size() >= 2) v = holt_winters(pts, sf, tf);
          break;
        }
        case RangeFn::kLast:
          out.push_back({labels, pts.back().value});  // keeps the metric name
          return;
      }
      if (v) out.push_back({derived(n, 0, labels, without_name), *v});
    });
    if (fn == RangeFn::kAbsent) return any ? Vector{} : absent_result(arg);
    check_unique(out);
    return out;
  }

  static std::string go_fixed6(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%f", v);
    return buf;
  }

  Value aggregate(const Node& n, std::int64_t t) {
    double param = 0;
    std::string value_label;
    if (n.param) {
      if (n.aggregate == AggregateOp::kCountValues) {
        value_label = std::get<StringValue>(eval(*n.param, t)).value;
      } else {
        param = eval_scalar(*n.param, t);
      }
    }
    Vector in = eval_vector(*n.args[0], t);
    std::int64_t k = 0;
    if (n.aggregate == AggregateOp::kTopk || n.aggregate == AggregateOp::kBottomk) {
      if (!(param <= 9.223372036854775807e18 && param >= -9.223372036854775808e18)) {
        throw ExecError("Scalar value " + go_format_g(param) + " overflows int64");
      }
      // int64(2^63) is math.MinInt64 in Go on amd64: nothing is kept.
      k = param >= 9.223372036854775807e18 ? std::numeric_limits<std::int64_t>::min() : static_cast<std::int64_t>(param);
      if (k < 1) return Vector{};
    }
    std::vector<std::string> grouping = n.grouping;
    if (n.aggregate == AggregateOp::kCountValues) {
      if (!is_valid_label_name(value_label)) throw ExecError("invalid label name \"" + value_label + "\"");
      if (!n.without) grouping.push_back(value_label);
    }
    struct Group {
      Labels key;
      double value = 0;
      double mean = 0;
      double count = 0;
      SampleHeap heap;
      std::vector<double> values;  // quantile
    };
    // Groups in order of first appearance, found by key: a linear scan while there are
    // few (the common case; keys derived through the memo often share storage, so
    // most comparisons are one pointer), an ordered index once there are many.
    constexpr std::size_t kScanGroups = 16;
    std::vector<Group> groups;
    std::map<Labels, std::size_t> index;
    for (auto& s : in) {
      if (n.aggregate == AggregateOp::kCountValues) set_label(s.labels, value_label, go_format_fixed(s.value));
      const Labels key = n.aggregate == AggregateOp::kCountValues
                             ? group_key(s.labels, n.without, grouping)
                             : derived(n, 0, s.labels, [&n](const Labels& l) { return group_key(l, n.without, n.grouping); });
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
      if (at == groups.size()) {
        Group g;
        g.key = key;
        g.value = s.value;
        g.mean = s.value;
        g.count = 1;
        switch (n.aggregate) {
          case AggregateOp::kStddev:
          case AggregateOp::kStdvar: g.value = 0; break;
          case AggregateOp::kTopk:
          case AggregateOp::kBottomk:
            g.heap.reverse = n.aggregate == AggregateOp::kBottomk;
            g.heap.items.push_back(s);
            break;
          case AggregateOp::kQuantile: g.values.push_back(s.value); break;
          case AggregateOp::kGroup: g.value = 1; break;
          default: break;
        }
        if (!index.empty()) index.emplace(key, at);
        groups.push_back(std::move(g));
        continue;
      }
      Group& g = groups[at];
      switch (n.aggregate) {
        case AggregateOp::kSum: g.value += s.value; break;
        case AggregateOp::kAvg:
          g.count += 1;
          if (std::isinf(g.mean)) {
            if (std::isinf(s.value) && (g.mean > 0) == (s.value > 0)) break;
            if (!std::isinf(s.value) && !std::isnan(s.value)) break;
          }
          g.mean += s.value / g.count - g.mean / g.count;
          break;
        case AggregateOp::kGroup: break;
        case AggregateOp::kMax:
          if (g.value < s.value || std::isnan(g.value)) g.value = s.value;
          break;
        case AggregateOp::kMin:
          if (g.value > s.value || std::isnan(g.value)) g.value = s.value;
          break;
        case AggregateOp::kCount:
        case AggregateOp::kCountValues: g.count += 1; break;
        case AggregateOp::kStddev:
        case AggregateOp::kStdvar: {
          g.count += 1;
          const double delta = s.value - g.mean;
          g.mean += delta / g.count;
          g.value += delta * (s.value - g.mean);
          break;
        }
        case AggregateOp::kTopk:
        case AggregateOp::kBottomk: {
          SampleHeap& h = g.heap;
          const double root = h.items[0].value;
          const bool better = n.aggregate == AggregateOp::kTopk ? root < s.value : root > s.value;
          if (static_cast<std::int64_t>(h.items.size()) < k || better || std::isnan(root)) {
            if (static_cast<std::int64_t>(h.items.size()) == k) {
              if (k == 1) {
                h.items[0] = s;
                break;
              }
              h.pop();
            }
            h.push(s);
          }
          break;
        }
        case AggregateOp::kQuantile: g.values.push_back(s.value); break;
      }
    }
    Vector out;
    out.reserve(groups.size());
    for (auto& g : groups) {
      double value = g.value;
      switch (n.aggregate) {
        case AggregateOp::kAvg: value = g.mean; break;
        case AggregateOp::kCount:
        case AggregateOp::kCountValues: value = g.count; break;
        case AggregateOp::kStdvar: value = g.value / g.count; break;
        case AggregateOp::kStddev: value = std::sqrt(g.value / g.count); break;
        case AggregateOp::kQuantile: value = quantile(param, g.values); break;
        case AggregateOp::kTopk:
        case AggregateOp::kBottomk:
          for (auto& s : g.heap.items) out.push_back(std::move(s));
          continue;
        default: break;
      }
      out.push_back({g.key, value});
    }
    return out;
  }

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

  Value binary(const Node& n, std::int64_t t) {
    Value lv = eval(*n.args[0], t);
    Value rv = eval(*n.args[1], t);
    const auto* ls = std::get_if<Scalar>(&lv);
    const auto* rs = std::get_if<Scalar>(&rv);
    if (ls != nullptr && rs != nullptr) return Scalar{apply(n.op, ls->value, rs->value)};
    if (ls != nullptr || rs != nullptr) {
      const bool scalar_left = ls != nullptr;
      const double scalar = scalar_left ? ls->value : rs->value;
      Vector out;
      for (auto& s : std::get<Vector>(scalar_left ? rv : lv)) {
        const double a = scalar_left ? scalar : s.value;
        const double b = scalar_left ? s.value : scalar;
        double r = apply(n.op, a, b);
        if (is_comparison(n.op)) {
          const bool keep = r != 0;
          if (!n.return_bool) {
            if (!keep) continue;
            out.push_back(std::move(s));  // filter: the vector's sample, unchanged
            continue;
          }
          r = keep ? 1.0 : 0.0;
        }
        if (drops_name(n.op) || n.return_bool) s.labels = derived(n, 0, s.labels, without_name);
        s.value = r;
        out.push_back(std::move(s));
      }
      if (drops_name(n.op) || n.return_bool) check_unique(out);
      return out;
    }
    Vector& lhs = std::get<Vector>(lv);
    Vector& rhs = std::get<Vector>(rv);
    if (is_set(n.op)) return set_operation(n, lhs, rhs);
    return vector_binop(n, lhs, rhs);
  }

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
  Vector vector_binop(const Node& n, Vector& left, Vector& right) {
    Vector out;
    if (left.empty() || right.empty()) return out;
    const bool one_to_many = n.card == Cardinality::kOneToMany;
    Vector& lhs = one_to_many ? right : left;  // the "many" side when grouping
    Vector& rhs = one_to_many ? left : right;  // the "one" side
    std::map<Labels, const VectorSample*> one;
    for (const auto& s : rhs) {
      const Labels sig = signature_of(n, s.labels);
      const auto [it, fresh] = one.emplace(sig, &s);
      if (!fresh) {
        const Labels matched = signature(s.labels, n);
        throw ExecError("found duplicate series for the match group " + to_string(matched) + " on the " +
                        (one_to_many ? "left" : "right") + " hand-side of the operation: [" + to_string(s.labels) +
                        ", " + to_string(it->second->labels) +
                        "];many-to-many matching not allowed: matching labels must be unique on one side");
      }
    }
    std::map<Labels, std::vector<Labels>> matched;  // by signature: the result label sets inserted
    for (const auto& s : lhs) {
      const Labels sig = signature_of(n, s.labels);
      const auto it = one.find(sig);
      if (it == one.end()) continue;
      double vl = s.value, vr = it->second->value;
      if (one_to_many) std::swap(vl, vr);
      double value = apply(n.op, vl, vr);
      bool keep = true;
      if (is_comparison(n.op)) {
        keep = value != 0;
        value = vl;
      }
      if (n.return_bool) {
        value = keep ? 1.0 : 0.0;
      } else if (!keep) {
        continue;
      }
      Labels labels = result_labels(n, s.labels, it->second->labels);
      if (n.return_bool) labels = derived(n, 3, labels, without_name);
      auto& inserted = matched[sig];
      if (n.card == Cardinality::kOneToOne) {
        if (!inserted.empty()) {
          throw ExecError("multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)");
        }
        inserted.push_back(labels);
      } else {
        if (std::find(inserted.begin(), inserted.end(), labels) != inserted.end()) {
          throw ExecError("multiple matches for labels: grouping labels must ensure unique matches");
        }
        inserted.push_back(labels);
      }
      out.push_back({std::move(labels), value});
    }
    return out;
  }

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

bool keeps_order(const Node& n) { return n.kind == Node::Kind::kCall && (n.function == "sort" || n.function == "sort_desc"); }

}  // namespace

bool matches_all(const std::vector<Matcher>& matchers, const Labels& labels) {
  for (const auto& m : matchers) {
    if (!matches(m, label_value(labels, m.name))) return false;
  }
  return true;
}

Result<Value> evaluate(const Node& expr, const SeriesStore& store, std::int64_t t_ms, const EvalOptions& options,
                       QueryBudget* budget, EvalMemo* memo) {
  QueryBudget local;
  QueryBudget& spend = budget != nullptr ? *budget : local;
  try {
    Evaluator evaluator(store, options, spend, memo, t_ms);
    evaluator.check_deadline();
    Value v = evaluator.eval(expr, t_ms);
    // Results are ordered by labels (deterministic), but for sort() and sort_desc().
    if (auto* vec = std::get_if<Vector>(&v); vec != nullptr && !keeps_order(expr) && !std::is_sorted(vec->begin(), vec->end(), by_labels)) {
      std::sort(vec->begin(), vec->end(), by_labels);
    }
    if (auto* mat = std::get_if<Matrix>(&v)) {
      std::sort(mat->begin(), mat->end(), [](const MatrixSeries& a, const MatrixSeries& b) { return a.labels < b.labels; });
    }
    return Result<Value>::ok(std::move(v));
  } catch (const ExecError& e) {
    return Result<Value>::error(e.what());
  }
}

Result<Value> query(const std::string& promql, const SeriesStore& store, std::int64_t t_ms,
                    const EvalOptions& options, QueryBudget* budget) {
  auto parsed = parse_promql(promql);
  if (!parsed) return Result<Value>::error(parsed.error());
  return evaluate(*parsed.value(), store, t_ms, options, budget);
}

}  // namespace failsim::sim::prometheus
