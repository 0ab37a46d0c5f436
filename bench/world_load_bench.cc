// Loading and validating worlds and importing prometheus.yml files of N runners or
// targets (issue 30: a world of 16,000 runners took 23 s to validate, 100,000 static
// targets 430 s to import: a linear search per item). Reports time per item; the
// complexity fit (BigO) should read N, not N^2.
#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include <string>

#include "harness/inputs/import/import_prometheus.h"
#include "harness/inputs/text_file.h"
#include "harness/inputs/world_file.h"

namespace {

using nlohmann::json;

// worlds/paws360.json's GitHub and production with N runners instead of two, each with
// an exporter that the one scrape config lists.
std::string world_of(std::size_t runners) {
  const auto paws = failsim::harness::read_text_file(std::string(FAILSIM_SOURCE_DIR) + "/worlds/paws360.json");
  const json base = json::parse(paws.value_or("{}"));
  json w = {{"world_version", 1},
            {"name", "many"},
            {"runners", json::array()},
            {"prometheus",
             {{"host", "monitoring"},
              {"scrape_configs", json::array({{{"job_name", "runners"}, {"static_configs", json::array({{{"targets", json::array()}}})}}})}}},
            {"github", base.value("github", json::object())},
            {"production", base.value("production", json::object())}};
  for (std::size_t i = 0; i < runners; ++i) {
    const std::string host = "h" + std::to_string(i);
    w["runners"].push_back({{"name", "r" + std::to_string(i)},
                            {"host", host},
                            {"hostname", host},
                            {"labels", {"self-hosted", "Linux", "X64", "production", "primary"}},
                            {"exporter", {{"port", 9100}}}});
    w["prometheus"]["scrape_configs"][0]["static_configs"][0]["targets"].push_back(host + ":9100");
  }
  return w.dump();
}

void BM_ParseWorld(benchmark::State& state) {
  const std::string text = world_of(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    auto w = failsim::harness::parse_world(text, "many.json");
    if (!w) {
      state.SkipWithError(w.error().substr(0, 300).c_str());
      return;
    }
    benchmark::DoNotOptimize(w.value().spec.runners.size());
  }
  state.SetComplexityN(state.range(0));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ParseWorld)->RangeMultiplier(4)->Range(256, 16384)->Complexity()->Unit(benchmark::kMillisecond);

void BM_ImportPrometheusTargets(benchmark::State& state) {
  std::string targets;
  for (long i = 0; i < state.range(0); ++i) targets += (i ? ", '" : "'") + std::string("h") + std::to_string(i) + ":9100'";
  const std::string yml = "scrape_configs:\n  - job_name: r\n    static_configs:\n      - targets: [" + targets + "]\n";
  for (auto _ : state) {
    auto p = failsim::harness::import_prometheus(yml, "prometheus.yml", {});
    if (!p) {
      state.SkipWithError(p.error().c_str());
      return;
    }
    benchmark::DoNotOptimize(p.value().exporters.size());
  }
  state.SetComplexityN(state.range(0));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ImportPrometheusTargets)->RangeMultiplier(4)->Range(1024, 65536)->Complexity()->Unit(benchmark::kMillisecond);

}  // namespace
