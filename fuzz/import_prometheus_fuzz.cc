// libFuzzer target: `failsim import prometheus` on a prometheus.yml (YAML bounds, every
// section it models or notes, targets and ports, relabelling, rule-file and file_sd
// globs). Read as if it lay beside Acme's files (tests/harness/inputs/import/acme), so its
// globs find real rule files and target files; runners made from job ci-runners.
#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/inputs/import/import_prometheus.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  failsim::harness::PrometheusImportOptions options;
  options.runners_from_job = "ci-runners";
  (void)failsim::harness::import_prometheus(std::string(reinterpret_cast<const char*>(data), size),
                                            std::string(FAILSIM_SOURCE_DIR) + "/tests/harness/inputs/import/acme/fuzz.yml", options);
  return 0;
}
