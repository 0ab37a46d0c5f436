// Prometheus-style durations (model.ParseDuration grammar; see failover/duration.h).
#include "failover/duration.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

namespace failsim {
namespace {

using std::chrono::hours;
using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

struct Valid {
  const char* text;
  Duration expected;
};

TEST(DurationParse, AcceptsPrometheusForms) {
  const Valid cases[] = {
      {"0", Duration(0)},
      {"0s", Duration(0)},
      {"250ms", milliseconds(250)},
      {"15s", seconds(15)},
      {"90s", seconds(90)},
      {"5m", minutes(5)},
      {"1h30m", minutes(90)},
      {"2d", hours(48)},
      {"1w", hours(24 * 7)},
      {"1y", hours(24 * 365)},
      {"1y2w3d4h5m6s7ms", hours(24 * 365 + 24 * 14 + 24 * 3 + 4) + minutes(5) + seconds(6) +
                              milliseconds(7)},
      {"1s500ms", milliseconds(1500)},
      {"10us", microseconds(10)},  // failsim extension for microsecond round trips
      {"007s", seconds(7)},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_duration(c.text);
    ASSERT_TRUE(parsed.has_value()) << c.text << ": " << parsed.error();
    EXPECT_EQ(parsed.value(), c.expected) << c.text;
  }
}

struct Invalid {
  const char* text;
  const char* message_part;
};

TEST(DurationParse, RejectsMalformedWithClearMessage) {
  const Invalid cases[] = {
      {"", "empty"},
      {"5", "missing unit"},
      {"1h30", "missing unit after 30"},
      {"5x", "unknown unit \"x\""},
      {"5 m", "unknown unit \" m\""},
      {"-5m", "expected a number at position 1"},
      {"1.5h", "unknown unit \".\""},
      {"5m1h", "out of order or repeated"},
      {"5m5m", "out of order or repeated"},
      {"h", "expected a number at position 1"},
      {"99999999999999999999s", "number too large"},
      {"300000y", "too large for int64 microseconds"},
      {"5M", "unknown unit \"M\""},
  };
  for (const auto& c : cases) {
    const auto parsed = parse_duration(c.text);
    ASSERT_FALSE(parsed.has_value()) << "accepted: \"" << c.text << "\"";
    EXPECT_NE(parsed.error().find(c.message_part), std::string::npos)
        << "for \"" << c.text << "\" got: " << parsed.error();
    EXPECT_NE(parsed.error().find(std::string("\"") + c.text + "\""), std::string::npos)
        << "message must quote the input: " << parsed.error();
  }
}

TEST(DurationFormat, PrintsLikePrometheus) {
  EXPECT_EQ(format_duration(Duration(0)), "0s");
  EXPECT_EQ(format_duration(milliseconds(250)), "250ms");
  EXPECT_EQ(format_duration(seconds(15)), "15s");
  EXPECT_EQ(format_duration(seconds(90)), "1m30s");
  EXPECT_EQ(format_duration(minutes(90)), "1h30m");
  EXPECT_EQ(format_duration(hours(48)), "2d");
  EXPECT_EQ(format_duration(hours(24 * 7)), "1w");
  EXPECT_EQ(format_duration(hours(24 * 90)), "90d");  // not 12w6d: weeks only when exact
  EXPECT_EQ(format_duration(hours(24 * 365)), "1y");
  EXPECT_EQ(format_duration(hours(24 * 366)), "366d");
  EXPECT_EQ(format_duration(microseconds(1500)), "1ms500us");
  EXPECT_EQ(format_duration(-seconds(5)), "-5s");
  EXPECT_EQ(format_duration(Duration(INT64_MIN)).front(), '-');
}

TEST(DurationFormat, RoundTripsEveryNonNegativeValue) {
  // A spread of values across all unit magnitudes, including the extremes.
  std::uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (int i = 0; i < 20000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    const int shift = i % 63;
    const auto us = static_cast<std::int64_t>((x >> 1) >> shift);
    const Duration d(us);
    const auto parsed = parse_duration(format_duration(d));
    ASSERT_TRUE(parsed.has_value()) << format_duration(d) << ": " << parsed.error();
    ASSERT_EQ(parsed.value(), d) << format_duration(d);
  }
  const Duration max(INT64_MAX);
  EXPECT_EQ(parse_duration(format_duration(max)).value(), max);
}

}  // namespace
}  // namespace failsim
