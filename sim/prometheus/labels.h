// Label sets of the Prometheus model: name/value pairs sorted by name, the metric
// name stored as the label "__name__" (as Prometheus does).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace failsim::sim::prometheus {

using Label = std::pair<std::string, std::string>;
using Labels = std::vector<Label>;  // sorted by name, names unique

inline constexpr std::string_view kMetricName = "__name__";

// Builds a sorted label set; later duplicates overwrite earlier ones.
Labels make_labels(std::vector<Label> pairs);
// The value of `name`, or "" when absent (Prometheus treats absent as empty).
std::string_view label_value(const Labels& labels, std::string_view name);
// Sets (or, with an empty value, removes) one label; keeps the set sorted.
void set_label(Labels& labels, std::string_view name, std::string_view value);
Labels without_name(const Labels& labels);
Labels keep_only(const Labels& labels, const std::vector<std::string>& names);
Labels drop(const Labels& labels, const std::vector<std::string>& names);
// `name{a="b", ...}` in Prometheus's own notation, values escaped.
std::string to_string(const Labels& labels);

}  // namespace failsim::sim::prometheus
