#include "sim/prometheus/promql_eval.h"

#include "sim/prometheus/promql_evaluator.h"

namespace failsim::sim::prometheus {
namespace promql_detail {

Value Evaluator::eval_node(const Node& n, std::int64_t t) {
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

Value Evaluator::call(const Node& n, std::int64_t t) {
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

Vector Evaluator::elementwise(const Node& n, std::int64_t t, Vector in) {
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

Value Evaluator::range_call(const Node& n, std::size_t m, std::int64_t t) {
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

}  // namespace promql_detail
namespace {

using promql_detail::Evaluator;
using promql_detail::ExecError;
using promql_detail::by_labels;
using promql_detail::matches;

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
