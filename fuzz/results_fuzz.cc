// libFuzzer target: results.json as compare and merge read it back (strict rows and runs:
// outcomes, times, duplicates), compared with itself (a few bootstrap resamples), and
// each run read as merge reads it.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

#include "reports/compare.h"
#include "reports/report.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  failsim::reports::CompareOptions options;
  options.resamples = 20;
  if (auto c = failsim::reports::compare_results(text, "base.json", text, "new.json", options)) {
    (void)failsim::reports::compare_markdown(c.value());
    (void)failsim::reports::compare_json(c.value());
  }
  const auto root = nlohmann::json::parse(text, nullptr, false);
  if (root.is_object() && root.contains("scenarios") && root["scenarios"].is_array()) {
    for (const auto& row : root["scenarios"]) {
      if (!row.is_object() || !row.contains("runs") || !row["runs"].is_array()) continue;
      for (const auto& run : row["runs"]) (void)failsim::reports::run_from_json(run.dump(), "s", "p");
    }
  }
  return 0;
}
