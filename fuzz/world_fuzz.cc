// libFuzzer target: the world-file loader (hosts, runners, Prometheus, GitHub, production;
// every cross-reference checked).
#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/inputs/world_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)failsim::harness::parse_world(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
  return 0;
}
