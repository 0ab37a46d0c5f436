// libFuzzer target: the scenario loader (strict fields, durations against the maximum
// run length, faults naming hosts of the world, expectations). Parsed as if it lay in
// scenarios/, so a "world" reference reaches the shipped world files.
#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/inputs/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)failsim::harness::parse_scenario(std::string(reinterpret_cast<const char*>(data), size),
                                         std::string(FAILSIM_SOURCE_DIR) + "/scenarios/fuzz.json");
  return 0;
}
