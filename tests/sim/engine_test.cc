// The event engine's contract (sim/engine.h): ordering, ties, cancellation,
// run_until boundaries, past-time rejection, independence of engines.
#include "sim/engine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "sim/random.h"

namespace failsim::sim {
namespace {

using std::chrono::microseconds;
using std::chrono::seconds;

TimePoint T(std::int64_t s) { return TimePoint(seconds(s)); }

TEST(Engine, RunsEventsInTimeOrder) {
  Engine engine;
  std::vector<int> order;
  engine.schedule_at(T(30), [&] { order.push_back(30); });
  engine.schedule_at(T(10), [&] { order.push_back(10); });
  engine.schedule_at(T(20), [&] { order.push_back(20); });
  EXPECT_EQ(engine.pending(), 3u);
  EXPECT_EQ(engine.run(), 3u);
  EXPECT_EQ(order, (std::vector<int>{10, 20, 30}));
  EXPECT_EQ(engine.now(), T(30));
  EXPECT_EQ(engine.pending(), 0u);
}

TEST(Engine, EqualTimesRunInSchedulingOrder) {
  Engine engine;
  std::vector<int> order;
  for (int i = 0; i < 100; ++i) engine.schedule_at(T(5), [&order, i] { order.push_back(i); });
  engine.run();
  ASSERT_EQ(order.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(order[i], i);
}

TEST(Engine, EventScheduledForNowRunsAfterThoseAlreadyDue) {
  Engine engine;
  std::vector<std::string> order;
  engine.schedule_at(T(1), [&] {
    order.push_back("a");
    engine.schedule_after(Duration(0), [&] { order.push_back("a-child"); });
  });
  engine.schedule_at(T(1), [&] { order.push_back("b"); });
  engine.run();
  EXPECT_EQ(order, (std::vector<std::string>{"a", "b", "a-child"}));
  EXPECT_EQ(engine.now(), T(1));
}

TEST(Engine, CancelledEventNeverRuns) {
  Engine engine;
  int ran = 0;
  const EventId keep = engine.schedule_at(T(1), [&] { ran += 1; });
  const EventId drop = engine.schedule_at(T(2), [&] { ran += 100; });
  EXPECT_TRUE(engine.is_pending(drop));
  EXPECT_TRUE(engine.cancel(drop));
  EXPECT_FALSE(engine.is_pending(drop));
  EXPECT_FALSE(engine.cancel(drop)) << "second cancel of the same event";
  EXPECT_EQ(engine.pending(), 1u);
  engine.run();
  EXPECT_EQ(ran, 1);
  EXPECT_FALSE(engine.cancel(keep)) << "cancel after it ran";
  EXPECT_EQ(engine.now(), T(1)) << "a tombstone does not advance time";
}

TEST(Engine, CancelFromAnotherCallbackAndOfItself) {
  Engine engine;
  int ran = 0;
  EventId self;
  EventId later = engine.schedule_at(T(5), [&] { ++ran; });
  self = engine.schedule_at(T(1), [&] {
    EXPECT_FALSE(engine.cancel(self)) << "a running event cannot be cancelled";
    EXPECT_TRUE(engine.cancel(later));
  });
  engine.run();
  EXPECT_EQ(ran, 0);
}

TEST(Engine, StaleIdDoesNotCancelTheSlotsNextOccupant) {
  Engine engine;
  int ran = 0;
  const EventId first = engine.schedule_at(T(1), [] {});
  engine.run();
  const EventId second = engine.schedule_at(T(2), [&] { ++ran; });
  EXPECT_EQ(first.slot, second.slot) << "the freed slot is reused";
  EXPECT_FALSE(engine.cancel(first));
  engine.run();
  EXPECT_EQ(ran, 1);
  EXPECT_FALSE(engine.cancel(EventId{}));
  EXPECT_FALSE(engine.cancel(EventId{12345, 7}));
}

TEST(Engine, RunUntilIncludesTheBoundaryAndThenSetsNow) {
  Engine engine;
  std::vector<int> ran;
  engine.schedule_at(TimePoint(seconds(10)), [&] { ran.push_back(10); });
  engine.schedule_at(TimePoint(seconds(10) + microseconds(1)), [&] { ran.push_back(11); });
  EXPECT_EQ(engine.run_until(TimePoint(seconds(10) - microseconds(1))), 0u);
  EXPECT_EQ(engine.now(), TimePoint(seconds(10) - microseconds(1)));
  EXPECT_EQ(engine.run_until(T(10)), 1u);
  EXPECT_EQ(ran, (std::vector<int>{10}));
  EXPECT_EQ(engine.now(), T(10));
  EXPECT_EQ(engine.run_for(microseconds(1)), 1u);
  EXPECT_EQ(ran, (std::vector<int>{10, 11}));
  EXPECT_EQ(engine.run_until(T(100)), 0u);
  EXPECT_EQ(engine.now(), T(100)) << "time advances to the bound with no events";
  EXPECT_EQ(engine.run_until(T(50)), 0u);
  EXPECT_EQ(engine.now(), T(100)) << "run_until never moves time backwards";
}

TEST(Engine, ScheduleAfterRunUntilLandsBeforeLaterEvents) {
  Engine engine;
  std::vector<int> order;
  engine.schedule_at(T(100), [&] { order.push_back(100); });
  engine.run_until(T(10));  // looks at the 100 s event without running it
  engine.schedule_at(T(20), [&] { order.push_back(20); });
  engine.schedule_at(T(15), [&] { order.push_back(15); });
  engine.schedule_at(T(20), [&] { order.push_back(21); });
  engine.run();
  EXPECT_EQ(order, (std::vector<int>{15, 20, 21, 100}));
}

TEST(Engine, SchedulingInThePastIsAnError) {
  Engine engine;
  engine.run_until(T(60));
  try {
    engine.schedule_at(T(59), [] {});
    FAIL() << "scheduling in the past was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("in the past"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("59s"), std::string::npos) << e.what();
  }
  EXPECT_THROW(engine.schedule_after(-microseconds(1), [] {}), std::invalid_argument);
  EXPECT_EQ(engine.pending(), 0u) << "a rejected event leaves nothing behind";
  EXPECT_NO_THROW(engine.schedule_at(T(60), [] {}));
  EXPECT_EQ(engine.pending(), 1u);
}

TEST(Engine, StepRunsOneEventAndReportsEmpty) {
  Engine engine;
  EXPECT_FALSE(engine.step());
  int ran = 0;
  engine.schedule_at(T(1), [&] { ++ran; });
  const EventId dead = engine.schedule_at(T(2), [&] { ran += 10; });
  engine.schedule_at(T(3), [&] { ran += 100; });
  engine.cancel(dead);
  EXPECT_TRUE(engine.step());
  EXPECT_EQ(ran, 1);
  EXPECT_EQ(engine.next_time(), T(3)) << "next_time skips the tombstone";
  EXPECT_TRUE(engine.step());
  EXPECT_EQ(ran, 101);
  EXPECT_FALSE(engine.step());
  EXPECT_EQ(engine.next_time(), std::nullopt);
}

TEST(Engine, StopEndsRunAfterTheCurrentEvent) {
  Engine engine;
  int ran = 0;
  engine.schedule_at(T(1), [&] { ++ran; });
  engine.schedule_at(T(2), [&] {
    ++ran;
    engine.stop();
  });
  engine.schedule_at(T(3), [&] { ++ran; });
  EXPECT_EQ(engine.run(), 2u);
  EXPECT_EQ(engine.now(), T(2));
  EXPECT_EQ(engine.run_until(T(10)), 1u) << "a later run continues";
  EXPECT_EQ(ran, 3);
}

TEST(Engine, TwoEnginesAreIndependent) {
  Engine a;
  Engine b(T(1000));
  std::vector<std::string> log;
  a.schedule_at(T(5), [&] { log.push_back("a5"); });
  b.schedule_at(T(1001), [&] { log.push_back("b1001"); });
  a.run();
  EXPECT_EQ(log, (std::vector<std::string>{"a5"}));
  EXPECT_EQ(b.now(), T(1000));
  EXPECT_EQ(b.pending(), 1u);
  b.run();
  EXPECT_EQ(a.now(), T(5));
  EXPECT_EQ(b.now(), T(1001));
  EXPECT_EQ(a.executed(), 1u);
  EXPECT_EQ(b.executed(), 1u);
}

TEST(Engine, ThrowingCallbackPropagatesAndLeavesEngineUsable) {
  Engine engine;
  int ran = 0;
  engine.schedule_at(T(1), [] { throw std::runtime_error("boom"); });
  engine.schedule_at(T(2), [&] { ++ran; });
  EXPECT_THROW(engine.run(), std::runtime_error);
  EXPECT_EQ(engine.now(), T(1));
  EXPECT_EQ(engine.pending(), 1u);
  engine.run();
  EXPECT_EQ(ran, 1);
}

TEST(Engine, CallablesAreDestroyedExactlyOnce) {
  auto token = std::make_shared<int>(0);
  {
    Engine engine;
    engine.schedule_at(T(1), [token] { ++*token; });                  // runs
    const EventId c = engine.schedule_at(T(2), [token] { ++*token; });  // cancelled
    std::array<char, 200> big{};                                       // boxed on the heap
    engine.schedule_at(T(3), [token, big] { *token += 1 + big[0]; });
    engine.schedule_at(T(9), [token] { ++*token; });  // still pending at destruction
    EXPECT_EQ(token.use_count(), 5);
    engine.cancel(c);
    EXPECT_EQ(token.use_count(), 4) << "cancel destroys the callable at once";
    engine.run_until(T(5));
    EXPECT_EQ(*token, 2);
    EXPECT_EQ(token.use_count(), 2);
  }
  EXPECT_EQ(token.use_count(), 1) << "the engine destroys pending callables";
}

// Randomized cross-check against a reference: sort all surviving (time, seq) pairs.
TEST(Engine, MatchesReferenceOrderUnderRandomScheduleAndCancel) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Rng rng(seed);
    Engine engine;
    std::vector<std::tuple<std::int64_t, int>> expected;  // (time, id)
    std::vector<std::tuple<EventId, std::int64_t, int>> live;
    std::vector<int> ran;
    for (int id = 0; id < 2000; ++id) {
      const std::int64_t t = rng.uniform_int(0, 300);  // many ties
      live.emplace_back(engine.schedule_at(TimePoint(microseconds(t)), [&ran, id] { ran.push_back(id); }),
                        t, id);
      if (rng.bernoulli(0.3) && !live.empty()) {
        const auto victim = rng.uniform_below(live.size());
        ASSERT_TRUE(engine.cancel(std::get<0>(live[victim])));
        live.erase(live.begin() + static_cast<std::ptrdiff_t>(victim));
      }
    }
    for (const auto& [handle, t, id] : live) expected.emplace_back(t, id);
    std::stable_sort(expected.begin(), expected.end(),
                     [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
    engine.run();
    ASSERT_EQ(ran.size(), expected.size()) << "seed " << seed;
    for (std::size_t i = 0; i < ran.size(); ++i) {
      ASSERT_EQ(ran[i], std::get<1>(expected[i])) << "seed " << seed << " position " << i;
    }
  }
}

}  // namespace
}  // namespace failsim::sim
