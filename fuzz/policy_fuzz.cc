// libFuzzer target: the policy loader (JSON with depth and number limits, strict fields).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "failover/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)failsim::failover::parse_policy(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.json");
  return 0;
}
