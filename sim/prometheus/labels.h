// Label sets of the Prometheus model: name/value pairs sorted by name, the metric
// name stored as the label "__name__" (as Prometheus does).
//
// A Labels value is immutable shared data with copy-on-write: copying one (a query
// selecting a series, an alert keeping its labels) shares the pairs instead of
// copying strings; a change (set_label, push_back) copies them first if they are
// shared. Equal sets compare equal whether or not they share storage.
//
// Thread safety: as std::shared_ptr. Distinct Labels objects may be used from
// different threads even when they share pairs; one object is not synchronised.
#pragma once

#include <compare>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace failsim::sim::prometheus {

using Label = std::pair<std::string, std::string>;

class Labels {
 public:
  using Pairs = std::vector<Label>;
  using value_type = Label;
  using const_iterator = Pairs::const_iterator;
  using iterator = const_iterator;

  Labels() = default;
  Labels(std::initializer_list<Label> pairs) : Labels(Pairs(pairs)) {}
  // Takes the pairs as given: the caller keeps them sorted by name, names unique.
  explicit Labels(Pairs pairs) {
    if (!pairs.empty()) rep_ = std::make_shared<Pairs>(std::move(pairs));
  }

  const Pairs& pairs() const { return rep_ ? *rep_ : empty_pairs(); }
  const_iterator begin() const { return pairs().begin(); }
  const_iterator end() const { return pairs().end(); }
  std::size_t size() const { return rep_ ? rep_->size() : 0; }
  bool empty() const { return size() == 0; }
  const Label& operator[](std::size_t i) const { return (*rep_)[i]; }
  const Label& front() const { return rep_->front(); }
  const Label& back() const { return rep_->back(); }

  // The pairs for changing in place, copied first if another Labels shares them.
  Pairs& mutable_pairs();
  void push_back(Label l) { mutable_pairs().push_back(std::move(l)); }
  template <class N, class V>
  void emplace_back(N&& name, V&& value) {
    mutable_pairs().emplace_back(std::forward<N>(name), std::forward<V>(value));
  }
  void clear() { rep_.reset(); }

  // The storage's address (null when empty): equal identities mean equal sets. It
  // stays unique while a Labels holding it lives.
  const void* identity() const { return rep_.get(); }

  friend bool operator==(const Labels& a, const Labels& b) { return a.rep_ == b.rep_ || a.pairs() == b.pairs(); }
  friend std::strong_ordering operator<=>(const Labels& a, const Labels& b) {
    if (a.rep_ == b.rep_) return std::strong_ordering::equal;
    return a.pairs() <=> b.pairs();
  }

 private:
  static const Pairs& empty_pairs();
  std::shared_ptr<Pairs> rep_;  // null when empty
};

inline constexpr std::string_view kMetricName = "__name__";

// Builds a sorted label set; later duplicates overwrite earlier ones.
Labels make_labels(std::vector<Label> pairs);
// The value of `name`, or "" when absent (Prometheus treats absent as empty).
std::string_view label_value(const Labels& labels, std::string_view name);
// Sets (or, with an empty value, removes) one label; keeps the set sorted. A call
// that changes nothing leaves shared storage shared.
void set_label(Labels& labels, std::string_view name, std::string_view value);
Labels without_name(const Labels& labels);
Labels keep_only(const Labels& labels, const std::vector<std::string>& names);
Labels drop(const Labels& labels, const std::vector<std::string>& names);
// `name{a="b", ...}` in Prometheus's own notation, values escaped.
std::string to_string(const Labels& labels);
// Prometheus's label name syntax: [a-zA-Z_][a-zA-Z0-9_]*.
bool is_valid_label_name(std::string_view name);

}  // namespace failsim::sim::prometheus
