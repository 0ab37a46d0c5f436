// Aggregations (sum, topk, quantile, count_values, ...) and binary operators (arithmetic,
// comparison, set operations, vector matching) of the evaluator
// (sim/prometheus/promql_evaluator.h).
#include "sim/prometheus/promql_evaluator.h"

namespace failsim::sim::prometheus::promql_detail {

Value Evaluator::aggregate(const Node& n, std::int64_t t) {
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

Value Evaluator::binary(const Node& n, std::int64_t t) {
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

Vector Evaluator::vector_binop(const Node& n, Vector& left, Vector& right) {
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

}  // namespace failsim::sim::prometheus::promql_detail
