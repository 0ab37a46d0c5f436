// LabelMemo: remembers values derived from a label set, so that work repeated at every
// rule evaluation on the same series (dropping the metric name, building an alert's
// labels, finding the series a rule writes) is done once.
//
// A value is keyed by a site (any address naming what was derived: a PromQL node, a
// rule) and by the identity of the input's storage, not its contents: a lookup costs
// a hash of two pointers. The memo keeps each input alive, so an identity cannot be
// reused by another set while its entry exists. Equal sets with different storage
// are different keys: they only miss, never give a wrong answer. The memo holds at
// most kMaxEntries entries and forgets all of them when full, so memory stays bounded.
// Results never depend on whether a lookup hit.
//
// Thread safety: none (one per world).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <utility>

#include "sim/prometheus/labels.h"

namespace failsim::sim::prometheus {

template <class V>
class LabelMemo {
 public:
  static constexpr std::size_t kMaxEntries = std::size_t{1} << 14;

  // The value for (site, input), computed with derive(input) on a miss.
  template <class Derive>
  V get(const void* site, const Labels& input, Derive&& derive) {
    const Key key{site, input.identity()};
    if (const auto it = entries_.find(key); it != entries_.end()) return it->second.value;
    if (entries_.size() >= kMaxEntries) entries_.clear();
    V value = derive(input);
    entries_.emplace(key, Entry{input, value});
    return value;
  }

  std::size_t size() const { return entries_.size(); }

 private:
  struct Key {
    const void* site;
    const void* input;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const noexcept {
      const auto a = reinterpret_cast<std::uintptr_t>(k.site);
      const auto b = reinterpret_cast<std::uintptr_t>(k.input);
      return std::hash<std::uintptr_t>{}(a * 0x9e3779b97f4a7c15ULL ^ b);
    }
  };
  struct Entry {
    Labels input;  // keeps the input's storage (and so its identity) alive
    V value;
  };
  std::unordered_map<Key, Entry, KeyHash> entries_;
};

}  // namespace failsim::sim::prometheus
