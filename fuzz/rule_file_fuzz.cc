// libFuzzer target: the Prometheus rule-file loader (YAML, then each expr as PromQL).
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/prometheus/rules.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)failsim::sim::prometheus::parse_rule_file(std::string(reinterpret_cast<const char*>(data), size), "fuzz.yml");
  return 0;
}
