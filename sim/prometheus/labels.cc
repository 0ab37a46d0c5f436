#include "sim/prometheus/labels.h"

#include <algorithm>
#include <cctype>

#include <algorithm>

namespace failsim::sim::prometheus {

const Labels::Pairs& Labels::empty_pairs() {
  static const Pairs empty;
  return empty;
}

Labels::Pairs& Labels::mutable_pairs() {
  if (!rep_) {
    rep_ = std::make_shared<Pairs>();
  } else if (rep_.use_count() > 1) {
    rep_ = std::make_shared<Pairs>(*rep_);
  }
  return *rep_;
}

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
  if (value.empty() ? !present : present && it->second == value) return;  // nothing changes
  const auto index = it - labels.begin();
  Labels::Pairs& pairs = labels.mutable_pairs();
  if (value.empty()) {
    pairs.erase(pairs.begin() + index);
  } else if (present) {
    pairs[static_cast<std::size_t>(index)].second = std::string(value);
  } else {
    pairs.insert(pairs.begin() + index, Label(std::string(name), std::string(value)));
  }
}

Labels without_name(const Labels& labels) {
  Labels out = labels;
  set_label(out, kMetricName, "");
  return out;
}

namespace {

// The labels whose names are (keep = true) or are not (keep = false) in `names`;
// the same storage when that is all of them.
Labels filter(const Labels& labels, const std::vector<std::string>& names, bool keep) {
  auto wanted = [&](const Label& l) { return (std::find(names.begin(), names.end(), l.first) != names.end()) == keep; };
  if (std::all_of(labels.begin(), labels.end(), wanted)) return labels;
  Labels::Pairs out;
  for (const auto& l : labels) {
    if (wanted(l)) out.push_back(l);
  }
  return Labels(std::move(out));
}

}  // namespace

Labels keep_only(const Labels& labels, const std::vector<std::string>& names) { return filter(labels, names, true); }

Labels drop(const Labels& labels, const std::vector<std::string>& names) { return filter(labels, names, false); }

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

bool is_valid_label_name(std::string_view name) {
  if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; });
}

}  // namespace failsim::sim::prometheus
