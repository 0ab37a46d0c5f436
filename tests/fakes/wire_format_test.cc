// Timestamps and numbers as GitHub and Prometheus print them (reference A7, B4).
#include "fakes/wire_format.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace failsim::fakes {
namespace {

TEST(WireFormat, Rfc3339SecondsAsGitHubPrintsThem) {
  // A7: "2020-01-22T19:33:08Z"
  EXPECT_EQ(rfc3339(1579721588LL * 1000000), "2020-01-22T19:33:08Z");
  EXPECT_EQ(rfc3339(1765486800LL * 1000000), "2025-12-11T21:00:00Z");
  EXPECT_EQ(rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(rfc3339(951782400LL * 1000000), "2000-02-29T00:00:00Z");  // leap day
}

TEST(WireFormat, Rfc3339NanoTrimsTrailingZerosLikeGo) {
  EXPECT_EQ(rfc3339(1765486800LL * 1000000 + 123000, 9), "2025-12-11T21:00:00.123Z");
  EXPECT_EQ(rfc3339(1765486800LL * 1000000 + 100, 9), "2025-12-11T21:00:00.0001Z");
  EXPECT_EQ(rfc3339(1765486800LL * 1000000, 9), "2025-12-11T21:00:00Z");
}

TEST(WireFormat, ApiTimeAcceptsUnixSecondsAndRfc3339) {
  // B4: `time` is RFC3339 or unix seconds with an optional fraction.
  EXPECT_EQ(parse_api_time("1765486800").value(), 1765486800000LL);
  EXPECT_EQ(parse_api_time("1765486800.326").value(), 1765486800326LL);
  EXPECT_EQ(parse_api_time("2025-12-11T21:00:00Z").value(), 1765486800000LL);
  EXPECT_EQ(parse_api_time("2025-12-11T21:00:00.5Z").value(), 1765486800500LL);
  EXPECT_EQ(parse_api_time("2025-12-11T22:00:00+01:00").value(), 1765486800000LL);
  EXPECT_FALSE(parse_api_time("abc"));
  EXPECT_FALSE(parse_api_time(""));
  EXPECT_FALSE(parse_api_time("2025-13-11T21:00:00Z"));
  EXPECT_EQ(parse_api_time("abc").error(), "cannot parse \"abc\" to a valid timestamp");
}

TEST(WireFormat, SampleValuesAreShortestDecimalsWithGoSpecialValues) {
  EXPECT_EQ(format_sample_value(1.0), "1");
  EXPECT_EQ(format_sample_value(0.0), "0");
  EXPECT_EQ(format_sample_value(23.16), "23.16");
  EXPECT_EQ(format_sample_value(0.1), "0.1");
  EXPECT_EQ(format_sample_value(25197281280.0), "25197281280");
  EXPECT_EQ(format_sample_value(std::numeric_limits<double>::quiet_NaN()), "NaN");
  EXPECT_EQ(format_sample_value(INFINITY), "+Inf");
  EXPECT_EQ(format_sample_value(-INFINITY), "-Inf");
}

TEST(WireFormat, AlertValuesUseGoExponentForm) {
  // B4: alert `value` is formatted %e-style: "0e+00", "1e+00".
  EXPECT_EQ(format_alert_value(0.0), "0e+00");
  EXPECT_EQ(format_alert_value(1.0), "1e+00");
  EXPECT_EQ(format_alert_value(1.5), "1.5e+00");
  EXPECT_EQ(format_alert_value(1234.0), "1.234e+03");
}

}  // namespace
}  // namespace failsim::fakes
