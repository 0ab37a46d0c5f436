// libFuzzer target: the strings a user types on the command line or an API client sends
// as a parameter: --set PATH=VALUE, --fail-on tolerances, durations and API times.
#include <cstddef>
#include <cstdint>
#include <string>

#include "failover/duration.h"
#include "fakes/wire_format.h"
#include "harness/inputs/overrides.h"
#include "reports/compare.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  (void)failsim::harness::parse_override(text);
  (void)failsim::reports::parse_fail_on(text);
  (void)failsim::fakes::parse_api_time(text);
  (void)failsim::parse_duration(text);
  return 0;
}
