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

const std::vector<std::string>& all_invariants() {
  static const std::vector<std::string> kInvariants = {"single_mutator",          "no_request_lost",
                                                       "production_not_partial",  "authorized_runners_only",
                                                       "no_secret_in_output",     "job_agrees_with_production"};
  return kInvariants;
}

std::string all_invariants_text() {
  std::string out;
  for (const auto& name : all_invariants()) out += (out.empty() ? "" : ", ") + name;
  return out;
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
