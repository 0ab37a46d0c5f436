#include "reports/results.h"

#include <algorithm>
#include <string_view>

namespace failsim::reports {

bool RunResult::passed() const {
  for (const auto& [name, ok] : invariants) {
    const bool expected = std::find(expected_violations.begin(), expected_violations.end(), name) != expected_violations.end();
    if (!ok && !expected) return false;
  }
  return broken.empty();
}

std::uint64_t hash_trace(const std::vector<TraceEvent>& trace) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  auto mix = [&h](std::string_view s) {
    for (char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ULL;
    }
    h ^= 0xff;
    h *= 0x100000001b3ULL;
  };
  for (const auto& e : trace) {
    mix(std::to_string(e.t_us));
    mix(e.category);
    mix(e.name);
    mix(e.detail);
  }
  return h;
}

}  // namespace failsim::reports
