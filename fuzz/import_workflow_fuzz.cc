// libFuzzer target: `failsim import workflow` on a workflow YAML (jobs, runs-on in
// every form, concurrency, environments, gate steps read as policy checks, retries).
#include <cstddef>
#include <cstdint>
#include <string>

#include "harness/inputs/import/import_workflow.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)failsim::harness::import_workflow(std::string(reinterpret_cast<const char*>(data), size), "deploy.yml", {});
  return 0;
}
