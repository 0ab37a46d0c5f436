// The engine's queue (sim/event_queue.h): smallest time first, FIFO among equal
// times, pushes below a peeked front, and a randomized cross-check against a
// reference ordering.
#include "sim/event_queue.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "sim/random.h"

namespace failsim::sim {
namespace {

std::pair<std::int64_t, std::uint64_t> take(EventQueue& q) {
  const EventQueue::Item item = q.front();
  q.pop();
  return {EventQueue::unbias(item.time), item.key};
}

TEST(EventQueue, SmallestTimeFirstAndFifoAmongEqualTimes) {
  EventQueue q;
  q.push(300, 1);
  q.push(5, 2);
  q.push(300, 3);
  q.push(1 << 20, 4);
  q.push(5, 5);
  q.push(0, 6);
  EXPECT_EQ(q.size(), 6u);
  const std::vector<std::pair<std::int64_t, std::uint64_t>> want = {
      {0, 6}, {5, 2}, {5, 5}, {300, 1}, {300, 3}, {1 << 20, 4}};
  for (const auto& w : want) EXPECT_EQ(take(q), w);
  EXPECT_TRUE(q.empty());
}

TEST(EventQueue, PushBelowAPeekedFrontIsServedFirst) {
  EventQueue q;
  q.push(10, 1);
  q.push(5000, 2);
  EXPECT_EQ(take(q), (std::pair<std::int64_t, std::uint64_t>{10, 1}));
  EXPECT_EQ(EventQueue::unbias(q.front().time), 5000);  // the peek moves the floor to 5000
  q.push(200, 3);                                       // legal: not below the last pop (10)
  q.push(200, 4);
  q.push(100, 5);
  q.push(5000, 6);
  EXPECT_EQ(take(q), (std::pair<std::int64_t, std::uint64_t>{100, 5}));
  EXPECT_EQ(take(q), (std::pair<std::int64_t, std::uint64_t>{200, 3}));
  EXPECT_EQ(take(q), (std::pair<std::int64_t, std::uint64_t>{200, 4}));
  EXPECT_EQ(take(q), (std::pair<std::int64_t, std::uint64_t>{5000, 2}));
  EXPECT_EQ(take(q), (std::pair<std::int64_t, std::uint64_t>{5000, 6}));
  EXPECT_TRUE(q.empty());
}

TEST(EventQueue, NegativeAndExtremeTimesKeepTheirOrder) {
  EventQueue q(INT64_MIN);
  q.push(INT64_MAX, 1);
  q.push(-1, 2);
  q.push(INT64_MIN, 3);
  q.push(0, 4);
  EXPECT_EQ(take(q).second, 3u);
  EXPECT_EQ(take(q).second, 2u);
  EXPECT_EQ(take(q).second, 4u);
  EXPECT_EQ(take(q).second, 1u);
}

// Random pushes (never below the last pop), pops and peeks, against a multimap keyed by
// (time, key): keys grow with every push, as the engine's sequence numbers do.
TEST(EventQueue, MatchesReferenceUnderRandomOperations) {
  for (std::uint64_t seed = 1; seed <= 30; ++seed) {
    Rng rng(seed);
    EventQueue q;
    std::map<std::pair<std::int64_t, std::uint64_t>, int> ref;
    std::int64_t last_pop = 0;
    std::uint64_t key = 0;
    for (int op = 0; op < 20000; ++op) {
      const double r = rng.next_double();
      if (r < 0.55 || ref.empty()) {
        // Delays across scales: ties, small, medium and huge.
        const int scale = static_cast<int>(rng.uniform_int(0, 3));
        const std::int64_t spread[] = {0, 64, 100000, std::int64_t{1} << 40};
        const std::int64_t t = last_pop + rng.uniform_int(0, spread[scale]);
        q.push(t, key);
        ref.emplace(std::make_pair(t, key), 0);
        ++key;
      } else if (r < 0.9) {
        const auto want = ref.begin()->first;
        ref.erase(ref.begin());
        const auto got = take(q);
        ASSERT_EQ(got, want) << "seed " << seed << " op " << op;
        last_pop = got.first;
      } else {
        ASSERT_EQ(EventQueue::unbias(q.front().time), ref.begin()->first.first) << "peek, seed " << seed;
        ASSERT_EQ(q.front().key, ref.begin()->first.second);
      }
      ASSERT_EQ(q.size(), ref.size());
    }
    while (!ref.empty()) {
      ASSERT_EQ(take(q), ref.begin()->first) << "drain, seed " << seed;
      ref.erase(ref.begin());
    }
    EXPECT_TRUE(q.empty());
  }
}

}  // namespace
}  // namespace failsim::sim
