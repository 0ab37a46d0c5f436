// libFuzzer target: the SLO-file loader.
#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/inputs/slo_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)failsim::harness::parse_slo_file(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
  return 0;
}
