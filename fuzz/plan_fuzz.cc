// libFuzzer target: the game-day plan loader (its base scenario, steps as faults and
// deploys, checkpoints against the world, size bounds, no plan as a base). Parsed as
// if it lay in scenarios/gamedays/, so "../healthy-primary.json" reaches a real base.
#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/inputs/gameday_plan.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)failsim::harness::parse_plan(std::string(reinterpret_cast<const char*>(data), size),
                                     std::string(FAILSIM_SOURCE_DIR) + "/scenarios/gamedays/fuzz.json", {});
  return 0;
}
