// Test helper: a shipped world file's WorldSpec (worlds/NAME.json, loaded by the
// harness's world loader), with the run's seed. Fails the calling test if it does not load.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "harness/inputs/world_file.h"
#include "sim/world.h"

namespace failsim::testing {

inline sim::WorldSpec shipped_world(const std::string& name, std::uint64_t seed) {
  auto loaded = harness::load_world(std::string(FAILSIM_SOURCE_DIR) + "/worlds/" + name + ".json");
  EXPECT_TRUE(loaded.has_value()) << (loaded ? "" : loaded.error());
  sim::WorldSpec spec = loaded ? loaded.value().spec : sim::WorldSpec{};
  spec.seed = seed;
  return spec;
}

inline sim::WorldSpec paws360_world(std::uint64_t seed) { return shipped_world("paws360", seed); }

}  // namespace failsim::testing
