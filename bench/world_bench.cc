// One simulated hour of a three-runner world: 15 s scrapes of three exporters over the
// network model, both shipped rule files evaluated every 15 s, runners polling GitHub.
// Reports simulated seconds per wall-clock second (items_per_second, one item = one
// simulated second) and engine events per simulated hour.
#include <benchmark/benchmark.h>

#include <string>

#include "sim/prometheus/rules.h"
#include "sim/world.h"

namespace {

using failsim::sim::World;

void BM_WorldSimulatedHour(benchmark::State& state) {
  std::vector<failsim::sim::prometheus::RuleGroupSpec> rules;
  for (const char* file : {"paws360-documented.yml", "runner-up-corrected.yml"}) {
    auto loaded = failsim::sim::prometheus::load_rule_file(std::string(FAILSIM_SOURCE_DIR) + "/scenarios/rules/" + file);
    if (!loaded) {
      state.SkipWithError(loaded.error().c_str());
      return;
    }
    for (auto g : loaded.value()) {
      g.name += std::string("@") + file;
      rules.push_back(g);
    }
  }
  std::uint64_t seed = 1;
  std::uint64_t events = 0;
  for (auto _ : state) {
    auto spec = failsim::sim::paws360_world(seed++, 3);
    spec.rules = rules;
    World world(spec);
    if (!world.start().has_value()) state.SkipWithError("world did not start");
    world.engine().run_until(spec.start + std::chrono::hours(1));
    events += world.engine().executed();
    benchmark::DoNotOptimize(world.prometheus().store().series().size());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 3600);
  state.counters["events_per_sim_hour"] = static_cast<double>(events) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_WorldSimulatedHour)->Unit(benchmark::kMillisecond);

}  // namespace
