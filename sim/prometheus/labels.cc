#include "sim/prometheus/labels.h"

#include <algorithm>

namespace failsim::sim::prometheus {

Labels make_labels(std::vector<Label> pairs) {
  Labels out;
  for (auto& [name, value] : pairs) set_label(out, name, value);
  return out;
}

std::string_view label_value(const Labels& labels, std::string_view name) {
  const auto it = std::lower_bound(labels.begin(), labels.end(), name,
                                   [](const Label& l, std::string_view n) { return l.first < n; });
  return it != labels.end() && it->first == name ? std::string_view(it->second) : std::string_view();
}

void set_label(Labels& labels, std::string_view name, std::string_view value) {
  const auto it = std::lower_bound(labels.begin(), labels.end(), name,
                                   [](const Label& l, std::string_view n) { return l.first < n; });
  const bool present = it != labels.end() && it->first == name;
  if (value.empty()) {
    if (present) labels.erase(it);
  } else if (present) {
    it->second = std::string(value);
  } else {
    labels.insert(it, Label(std::string(name), std::string(value)));
  }
}

Labels without_name(const Labels& labels) {
  Labels out = labels;
  set_label(out, kMetricName, "");
  return out;
}

Labels keep_only(const Labels& labels, const std::vector<std::string>& names) {
  Labels out;
  for (const auto& l : labels) {
    if (std::find(names.begin(), names.end(), l.first) != names.end()) out.push_back(l);
  }
  return out;
}

Labels drop(const Labels& labels, const std::vector<std::string>& names) {
  Labels out;
  for (const auto& l : labels) {
    if (std::find(names.begin(), names.end(), l.first) == names.end()) out.push_back(l);
  }
  return out;
}

std::string to_string(const Labels& labels) {
  std::string out(label_value(labels, kMetricName));
  out += '{';
  bool first = true;
  for (const auto& [name, value] : labels) {
    if (name == kMetricName) continue;
    if (!first) out += ", ";
    first = false;
    out += name;
    out += "=\"";
    for (char c : value) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

}  // namespace failsim::sim::prometheus
