// The statistics behind the intervals, against published values: Wilson score
// intervals (Newcombe 1998, "Two-sided confidence intervals for the single proportion",
// Table I, method 3) and Newcombe's hybrid score interval for a difference (Newcombe
// 1998, "Interval estimation for the difference between independent proportions",
// example (a), method 10); nearest-rank percentiles; the bootstrap's determinism.
#include "reports/stats.h"
#include "reports/format.h"

#include <gtest/gtest.h>

namespace failsim::reports {
namespace {

TEST(Stats, WilsonMatchesPublishedValues) {
  auto w = wilson(81, 263);
  EXPECT_NEAR(w.low, 0.2553, 5e-5);
  EXPECT_NEAR(w.high, 0.3662, 5e-5);
  w = wilson(15, 148);
  EXPECT_NEAR(w.low, 0.0624, 5e-5);
  EXPECT_NEAR(w.high, 0.1605, 5e-5);
  w = wilson(0, 20);
  EXPECT_EQ(w.low, 0);
  EXPECT_NEAR(w.high, 0.1611, 5e-5);
  w = wilson(20, 20);
  EXPECT_NEAR(w.low, 0.8389, 5e-5);
  EXPECT_EQ(w.high, 1);
}

TEST(Stats, NewcombeHybridScoreMatchesThePaper) {
  // 56/70 - 48/80 = 0.2000, method 10: 0.0524 to 0.3339.
  const auto d = newcombe(48, 80, 56, 70);
  EXPECT_NEAR(d.low, 0.0524, 5e-5);
  EXPECT_NEAR(d.high, 0.3339, 5e-5);
  // Example (b) 9/10 - 3/10: 0.1705 to 0.8090.
  const auto e = newcombe(3, 10, 9, 10);
  EXPECT_NEAR(e.low, 0.1705, 5e-5);
  EXPECT_NEAR(e.high, 0.8090, 5e-5);
}

TEST(Stats, NearestRankRoundsTheRankBeforeTheCeiling) {
  std::vector<double> v;
  for (int i = 1; i <= 20; ++i) v.push_back(i);
  EXPECT_EQ(nearest_rank(v, 0.95), 19) << "0.95 * 20 is rank 19, whatever the float product says";
  EXPECT_EQ(nearest_rank(v, 0.5), 10);
  EXPECT_EQ(nearest_rank({7}, 0.99), 7);
  EXPECT_FALSE(nearest_rank({}, 0.5).has_value());
}

TEST(Stats, BootstrapIsSeededAndExactOnAConstantSample) {
  const std::vector<double> a = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const auto x = bootstrap(a, Statistic{0.5}, 500, 42);
  const auto y = bootstrap(a, Statistic{0.5}, 500, 42);
  EXPECT_EQ(x.low, y.low);
  EXPECT_EQ(x.high, y.high);
  EXPECT_LE(x.low, 5);
  EXPECT_GE(x.high, 5);
  const auto z = bootstrap(a, Statistic{0.5}, 500, 43);
  EXPECT_TRUE(z.low != x.low || z.high != x.high || z.low <= z.high);
  const auto c = bootstrap_difference({120, 120, 120}, {135, 135}, Statistic{0.95}, 200, 1);
  EXPECT_EQ(c.low, 15);
  EXPECT_EQ(c.high, 15);
  // SplitMix64's first outputs from seed 0 (Vigna's reference implementation).
  SplitMix64 g(0);
  EXPECT_EQ(g.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(g.next(), 0x6e789e6aa1b965f4ULL);
}

}  // namespace
}  // namespace failsim::reports

namespace failsim::reports {
namespace {

// Durations are rounded, not cut: the trial that found it read 195.95 s as 3m15s.
TEST(FormatSeconds, RoundsToTheNearestSecondFromAMinuteUp) {
  EXPECT_EQ(format_seconds(195.95), "3m16s");
  EXPECT_EQ(format_seconds(195.49), "3m15s");
  EXPECT_EQ(format_seconds(3599.6), "1h00m00s");
  EXPECT_EQ(format_seconds(59.96), "1m00s");
  EXPECT_EQ(format_seconds(59.94), "59.9s");
  EXPECT_EQ(format_seconds(12.36), "12.4s");
  EXPECT_EQ(format_seconds(-90.5), "-1m31s");
}

}  // namespace
}  // namespace failsim::reports
