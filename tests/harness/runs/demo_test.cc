// The built-in demo: a deterministic function of its options, and it tells the
// incident's story (the up-based alert fires after its `for`; runner_status == 0 never).
#include "harness/runs/demo.h"

#include <gtest/gtest.h>

namespace failsim::harness {
namespace {

using std::chrono::minutes;

TEST(Demo, SameSeedSameTimeline) {
  DemoOptions options;
  options.seed = 7;
  const auto a = run_demo(options);
  const auto b = run_demo(options);
  EXPECT_EQ(a.timeline, b.timeline);
  EXPECT_EQ(a.events, b.events);
  options.seed = 8;
  EXPECT_NE(run_demo(options).timeline, a.timeline) << "the scrape offset depends on the seed";
}

TEST(Demo, UpAlertFiresWithinOneScrapeTimeoutEvalAndForOfTheFault) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    DemoOptions options;
    options.seed = seed;
    const auto result = run_demo(options);
    ASSERT_TRUE(result.up_alert_firing.has_value()) << "seed " << seed;
    EXPECT_FALSE(result.status_alert_firing.has_value()) << "seed " << seed;
    const Duration detection = *result.up_alert_firing - options.fault_start;
    // The first failed scrape starts within one interval of the fault and reports after
    // its timeout; the next evaluation sees it (<= one evaluation interval later); the
    // alert fires `for` after that evaluation (evaluations are aligned to 15s, so exactly).
    EXPECT_GE(detection, options.scrape_timeout + options.alert_for) << "seed " << seed;
    EXPECT_LE(detection, options.scrape_interval + options.scrape_timeout +
                             options.evaluation_interval + options.alert_for)
        << "seed " << seed;
  }
}

TEST(Demo, NoFaultNoAlert) {
  DemoOptions options;
  options.fault_length = Duration(0);
  options.fault_start = minutes(20);  // after the run ends
  const auto result = run_demo(options);
  EXPECT_FALSE(result.up_alert_firing.has_value());
  EXPECT_EQ(result.timeline.find("FIRING"), std::string::npos);
  EXPECT_NE(result.timeline.find("up=1"), std::string::npos);
}

}  // namespace
}  // namespace failsim::harness
