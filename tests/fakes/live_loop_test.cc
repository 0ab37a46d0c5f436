// LiveLoop: pacing never runs an event early, the inbox runs tasks on the engine
// thread in order, frozen waits keep virtual time still, and stop() releases waiters.
#include "fakes/live_loop.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace failsim::fakes {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

TEST(LiveLoop, RejectsSpeedsThatAreNotPositive) {
  sim::Engine engine;
  EXPECT_THROW(LiveLoop(engine, 0.0), std::invalid_argument);
  EXPECT_THROW(LiveLoop(engine, -5.0), std::invalid_argument);
}

TEST(LiveLoop, AnEventFiresNoEarlierThanItsScaledWallDeadline) {
  sim::Engine engine;
  LiveLoop loop(engine, 100.0);  // 10 virtual seconds = 100 ms of wall time
  Clock::time_point fired{};
  engine.schedule_at(TimePoint(10s), [&] { fired = Clock::now(); });
  const auto t0 = Clock::now();
  EXPECT_TRUE(loop.run_until(TimePoint(12s)));
  EXPECT_GE(fired - t0, 99ms);
  EXPECT_EQ(engine.now(), TimePoint(12s));
}

// The control room's clock: paused, virtual time holds while tasks still run; resumed at
// another speed, pacing starts again from the paused instant at the new rate.
TEST(LiveLoop, PauseHoldsVirtualTimeAndSpeedChangesTheRateFromNowOn) {
  sim::Engine engine;
  LiveLoop loop(engine, 1000.0);
  std::vector<TimePoint> ticks;
  for (int i = 1; i <= 200; ++i) engine.schedule_at(TimePoint(std::chrono::seconds(i)), [&] { ticks.push_back(engine.now()); });
  std::thread driver([&] { loop.run_until(TimePoint(200s)); });
  std::this_thread::sleep_for(30ms);  // ~30 virtual seconds
  const auto paused_at = loop.call([&] {
    loop.set_paused(true);
    return engine.now();
  });
  ASSERT_TRUE(paused_at);
  std::this_thread::sleep_for(100ms);  // 100 virtual seconds, were it running
  const auto still = loop.call([&] { return std::make_pair(engine.now(), ticks.size()); });
  ASSERT_TRUE(still);
  EXPECT_EQ(still->first, *paused_at) << "a call is served while paused, and time holds";
  EXPECT_LT(still->second, 60u);
  const auto t0 = Clock::now();
  loop.call([&] {
    loop.set_speed(2000.0);
    loop.set_paused(false);
    return true;
  });
  driver.join();
  const auto wall = Clock::now() - t0;
  // The rest (about 200 - 30 virtual seconds) at 2000x: about 85 ms, none of it early.
  EXPECT_GE(wall, std::chrono::milliseconds(static_cast<int>(to_seconds(TimePoint(200s) - *paused_at) / 2.0) - 1));
  EXPECT_EQ(ticks.size(), 200u);
  EXPECT_EQ(loop.speed(), 2000.0);
  EXPECT_THROW(loop.set_speed(0), std::invalid_argument);
}

TEST(LiveLoop, EventsRunInTimeOrderAndTiesInScheduleOrderAtAnySpeed) {
  sim::Engine engine;
  LiveLoop loop(engine, 1e5);
  std::vector<std::pair<TimePoint, int>> ran;
  for (int i = 0; i < 100; ++i) {
    const TimePoint t(std::chrono::seconds(i * 37 % 100 + 1));
    engine.schedule_at(t, [&ran, &engine, i] { ran.emplace_back(engine.now(), i); });
  }
  engine.schedule_at(TimePoint(50s), [&ran, &engine] { ran.emplace_back(engine.now(), 1000); });
  loop.run_until(TimePoint(200s));
  ASSERT_EQ(ran.size(), 101u);
  for (std::size_t k = 1; k < ran.size(); ++k) EXPECT_LE(ran[k - 1].first, ran[k].first);
  for (std::size_t k = 1; k < ran.size(); ++k) {
    if (ran[k].second == 1000) {
      EXPECT_EQ(ran[k - 1].first, TimePoint(50s));  // the earlier-scheduled tie ran first
      EXPECT_NE(ran[k - 1].second, 1000);
    }
  }
}

TEST(LiveLoop, CallRunsOnTheEngineThreadInFifoOrderAndReturnsTheResult) {
  sim::Engine engine;
  LiveLoop loop(engine, 1.0);
  std::thread::id engine_thread;
  std::thread driver([&] {
    engine_thread = std::this_thread::get_id();
    loop.run_until(TimePoint(1h));
  });
  std::vector<int> seen;
  for (int i = 0; i < 20; ++i) {
    auto r = loop.call([&, i] {
      EXPECT_EQ(std::this_thread::get_id(), engine_thread);
      seen.push_back(i);
      return i * 2;
    });
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, i * 2);
  }
  loop.stop();
  driver.join();
  ASSERT_EQ(seen.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(seen[static_cast<std::size_t>(i)], i);
  // A stopped loop refuses work instead of hanging the caller.
  EXPECT_FALSE(loop.call([] { return 1; }).has_value());
  EXPECT_FALSE(loop.post([] {}));
}

TEST(LiveLoop, CallRethrowsWhatTheTaskThrew) {
  sim::Engine engine;
  LiveLoop loop(engine, 1.0);
  std::thread driver([&] { loop.run_until(TimePoint(1h)); });
  EXPECT_THROW(loop.call([]() -> int { throw std::runtime_error("boom"); }), std::runtime_error);
  loop.stop();
  driver.join();
}

TEST(LiveLoop, InboxTasksSeeTheVirtualTimeTheWallClockHasReached) {
  sim::Engine engine;
  LiveLoop loop(engine, 1000.0);  // 1 ms wall = 1 s virtual
  std::thread driver([&] { loop.run_until(TimePoint(24h)); });
  // Measured from a first task, not from the thread's creation: under load the driver
  // thread may start milliseconds late, and the loop's clock starts with it.
  auto t0 = loop.call([&] { return engine.now(); });
  std::this_thread::sleep_for(50ms);
  auto t1 = loop.call([&] { return engine.now(); });
  loop.stop();
  driver.join();
  ASSERT_TRUE(t0.has_value() && t1.has_value());
  EXPECT_GE(*t1 - *t0, Duration(49s));  // at least 50 ms of wall time were scaled in
}

TEST(LiveLoop, AFrozenWaitServesTheInboxWithoutAdvancingVirtualTime) {
  sim::Engine engine;
  LiveLoop loop(engine, 1000.0);
  std::atomic<bool> done{false};
  std::vector<TimePoint> seen;
  std::atomic<bool> second_event_ran{false};
  engine.schedule_at(TimePoint(5s), [&] {
    std::thread helper([&] {
      for (int i = 0; i < 5; ++i) {
        auto r = loop.call([&] { return engine.now(); });
        if (r) seen.push_back(*r);
        std::this_thread::sleep_for(20ms);  // 100 ms wall would be 100 s virtual if time ran
      }
      done = true;
      loop.wake();
    });
    loop.run_frozen_until([&] { return done.load(); });
    helper.join();
  });
  engine.schedule_at(TimePoint(6s), [&] { second_event_ran = true; });
  loop.run_until(TimePoint(7s));
  ASSERT_EQ(seen.size(), 5u);
  for (const auto& t : seen) EXPECT_EQ(t, TimePoint(5s));
  EXPECT_TRUE(second_event_ran.load());
}

TEST(LiveLoop, StopEndsRunUntilPromptly) {
  sim::Engine engine;
  LiveLoop loop(engine, 1.0);
  bool reached = true;
  std::thread driver([&] { reached = loop.run_until(TimePoint(24h)); });
  std::this_thread::sleep_for(20ms);
  loop.stop();
  driver.join();
  EXPECT_FALSE(reached);
  EXPECT_LT(engine.now(), TimePoint(1h));
}

}  // namespace
}  // namespace failsim::fakes
