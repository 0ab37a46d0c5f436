#include "sim/prometheus/promql_functions.h"

#include <algorithm>

namespace failsim::sim::prometheus {

const std::vector<FunctionSignature>& promql_functions() {
  using enum ValueType;
  static const std::vector<FunctionSignature> kFunctions = [] {
    const std::vector<ValueType> v{kVector}, m{kMatrix};
    std::vector<FunctionSignature> f = {
        {"abs", v}, {"absent", v}, {"absent_over_time", m}, {"acos", v}, {"acosh", v}, {"asin", v},
        {"asinh", v}, {"atan", v}, {"atanh", v}, {"avg_over_time", m}, {"ceil", v}, {"changes", m},
        {"clamp", {kVector, kScalar, kScalar}}, {"clamp_max", {kVector, kScalar}}, {"clamp_min", {kVector, kScalar}},
        {"cos", v}, {"cosh", v}, {"count_over_time", m}, {"days_in_month", v, 1}, {"day_of_month", v, 1},
        {"day_of_week", v, 1}, {"day_of_year", v, 1}, {"deg", v}, {"delta", m}, {"deriv", m}, {"exp", v},
        {"floor", v}, {"histogram_count", v}, {"histogram_sum", v},
        {"histogram_fraction", {kScalar, kScalar, kVector}}, {"histogram_quantile", {kScalar, kVector}},
        {"holt_winters", {kMatrix, kScalar, kScalar}}, {"hour", v, 1}, {"idelta", m}, {"increase", m},
        {"irate", m}, {"label_replace", {kVector, kString, kString, kString, kString}},
        {"label_join", {kVector, kString, kString, kString}, -1}, {"last_over_time", m}, {"ln", v},
        {"log10", v}, {"log2", v}, {"max_over_time", m}, {"min_over_time", m}, {"minute", v, 1},
        {"month", v, 1}, {"pi", {}, 0, kScalar}, {"predict_linear", {kMatrix, kScalar}},
        {"present_over_time", m}, {"quantile_over_time", {kScalar, kMatrix}}, {"rad", v}, {"rate", m},
        {"resets", m}, {"round", {kVector, kScalar}, 1}, {"scalar", v, 0, kScalar}, {"sgn", v}, {"sin", v},
        {"sinh", v}, {"sort", v}, {"sort_desc", v}, {"sqrt", v}, {"stddev_over_time", m},
        {"stdvar_over_time", m}, {"sum_over_time", m}, {"tan", v}, {"tanh", v}, {"time", {}, 0, kScalar},
        {"timestamp", v}, {"vector", {kScalar}}, {"year", v, 1},
    };
    std::sort(f.begin(), f.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return f;
  }();
  return kFunctions;
}

const FunctionSignature* find_promql_function(std::string_view name) {
  const auto& f = promql_functions();
  const auto it = std::lower_bound(f.begin(), f.end(), name, [](const auto& s, std::string_view n) { return s.name < n; });
  return it != f.end() && it->name == name ? &*it : nullptr;
}

}  // namespace failsim::sim::prometheus
