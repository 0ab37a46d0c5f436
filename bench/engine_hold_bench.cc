// The classic hold model: N events pending; each executed event schedules one new
// event at now + an exponential delay, so the queue size stays N.
//
// BM_EngineHold/N: failsim's Engine with a real callback (it counts, mixes a checksum,
//   draws the delay and reschedules itself through the public API).
// BM_BaselinePriorityQueueHold/N: the same model on a bare std::priority_queue of
//   (time, seq) keys with no callbacks at all: the practical limit.
// Both draw delays from the same generator and distribution, and report events/s
// as items_per_second.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <functional>
#include <queue>
#include <utility>
#include <vector>

#include "sim/engine.h"
#include "sim/random.h"

namespace {

using failsim::Duration;
using failsim::sim::Engine;
using failsim::sim::Rng;

constexpr double kMeanDelayUs = 1000.0;

struct HoldState {
  Engine* engine;
  Rng* rng;
  std::uint64_t count = 0;
  std::uint64_t checksum = 0;
};

// The callback: a little real work, then schedule the successor.
struct HoldEvent {
  HoldState* state;
  std::uint64_t id;
  void operator()() const {
    state->count += 1;
    state->checksum = (state->checksum ^ id) * 0x100000001b3ULL;
    const auto delay = static_cast<std::int64_t>(state->rng->exponential(kMeanDelayUs));
    state->engine->schedule_after(Duration(delay), HoldEvent{state, id + 1});
  }
};

void BM_EngineHold(benchmark::State& bench) {
  const auto n = static_cast<std::uint64_t>(bench.range(0));
  Engine engine;
  Rng rng(42);
  HoldState state{&engine, &rng};
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto delay = static_cast<std::int64_t>(rng.exponential(kMeanDelayUs));
    engine.schedule_after(Duration(delay), HoldEvent{&state, i * 1000003});
  }
  for (auto _ : bench) {
    engine.step();
  }
  benchmark::DoNotOptimize(state.checksum);
  if (engine.pending() != n) bench.SkipWithError("queue size drifted");
  bench.SetItemsProcessed(static_cast<std::int64_t>(bench.iterations()));
}
BENCHMARK(BM_EngineHold)->Arg(1000)->Arg(100000);

void BM_BaselinePriorityQueueHold(benchmark::State& bench) {
  using Key = std::pair<std::int64_t, std::uint64_t>;  // (time us, seq)
  const auto n = static_cast<std::uint64_t>(bench.range(0));
  std::priority_queue<Key, std::vector<Key>, std::greater<Key>> queue;
  Rng rng(42);
  std::uint64_t seq = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    queue.emplace(static_cast<std::int64_t>(rng.exponential(kMeanDelayUs)), seq++);
  }
  for (auto _ : bench) {
    const std::int64_t now = queue.top().first;
    queue.pop();
    queue.emplace(now + static_cast<std::int64_t>(rng.exponential(kMeanDelayUs)), seq++);
  }
  benchmark::DoNotOptimize(queue.top());
  bench.SetItemsProcessed(static_cast<std::int64_t>(bench.iterations()));
}
BENCHMARK(BM_BaselinePriorityQueueHold)->Arg(1000)->Arg(100000);

}  // namespace
