// Deterministic log/exp (sim/detmath.h): accurate to ~1e-15 against libm, exact on
// the special values.
#include "sim/detmath.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "sim/random.h"

namespace failsim::sim {
namespace {

TEST(DetMath, LogMatchesLibmClosely) {
  Rng rng(1);
  for (int i = 0; i < 100000; ++i) {
    const double x = std::ldexp(1.0 + rng.next_double(), static_cast<int>(rng.uniform_int(-1000, 1000)));
    const double want = std::log(x);
    ASSERT_NEAR(det_log(x), want, 4e-16 * std::max(1.0, std::fabs(want))) << x;
  }
  EXPECT_EQ(det_log(1.0), 0.0);
  EXPECT_NEAR(det_log(std::exp(1.0)), 1.0, 1e-15);
  EXPECT_EQ(det_log(0.0), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(det_log(-1.0)));
  EXPECT_TRUE(std::isnan(det_log(std::nan(""))));
  EXPECT_EQ(det_log(std::numeric_limits<double>::infinity()), std::numeric_limits<double>::infinity());
  EXPECT_NEAR(det_log(std::numeric_limits<double>::denorm_min()), -744.4400719213812, 1e-12);
}

TEST(DetMath, ExpMatchesLibmClosely) {
  Rng rng(2);
  for (int i = 0; i < 100000; ++i) {
    const double x = rng.uniform_real(-700.0, 700.0);
    const double want = std::exp(x);
    ASSERT_NEAR(det_exp(x) / want, 1.0, 1e-15) << x;
  }
  EXPECT_EQ(det_exp(0.0), 1.0);
  EXPECT_EQ(det_exp(1000.0), std::numeric_limits<double>::infinity());
  EXPECT_EQ(det_exp(-1000.0), 0.0);
  EXPECT_TRUE(std::isnan(det_exp(std::nan(""))));
}

}  // namespace
}  // namespace failsim::sim
