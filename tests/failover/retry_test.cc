// Retry policy: exact wait sequences, the cap, jitter bounds for given random inputs,
// and the timeout-versus-error rule of the as-built step (paws360-as-built.md §2.3:
// with retry_on: error a timeout is not retried; the 30 s wait runs inside every
// failed attempt, the last included).
#include "failover/retry.h"

#include <gtest/gtest.h>

#include "tests/failover/policy_files.h"

namespace failsim::failover {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(RetryAsBuilt, ThreeAttemptsFixedThirtySecondsAndWaitAfterTheLast) {
  const RetryPolicy r = load_shipped_policy("paws360-as-built.json").retry;
  auto d1 = decide_retry(r, 1, AttemptResult::kError, 0.9);
  EXPECT_TRUE(d1.retry);
  EXPECT_EQ(d1.wait, seconds(30));
  auto d2 = decide_retry(r, 2, AttemptResult::kError, 0.1);
  EXPECT_TRUE(d2.retry);
  EXPECT_EQ(d2.wait, seconds(30));
  auto d3 = decide_retry(r, 3, AttemptResult::kError, 0.5);
  EXPECT_FALSE(d3.retry);
  EXPECT_EQ(d3.wait, seconds(30)) << "nick-fields/retry waits inside the last failed attempt too";
  EXPECT_NE(d3.reason.find("no attempts left"), std::string::npos) << d3.reason;
}

TEST(RetryAsBuilt, TimeoutIsNotRetriedAndFailsAtOnce) {
  const RetryPolicy r = load_shipped_policy("paws360-as-built.json").retry;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    const auto d = decide_retry(r, attempt, AttemptResult::kTimeout, 0.5);
    EXPECT_FALSE(d.retry);
    EXPECT_EQ(d.wait, seconds(0));
    EXPECT_NE(d.reason.find("does not retry"), std::string::npos) << d.reason;
  }
  EXPECT_FALSE(decide_retry(r, 1, AttemptResult::kSuccess, 0.5).retry);
}

TEST(RetryExponential, ExactSequenceWithCap) {
  RetryPolicy r;
  r.max_attempts = 10;
  r.wait_kind = WaitKind::kExponential;
  r.wait_base = seconds(30);
  r.multiplier = 2.0;
  r.wait_cap = minutes(5);
  const Duration want[] = {seconds(30), seconds(60), seconds(120), seconds(240), seconds(300), seconds(300), seconds(300)};
  for (int n = 1; n <= 7; ++n) EXPECT_EQ(backoff_wait(r, n, 0.7), want[n - 1]) << "after attempt " << n;
  r.wait_cap.reset();
  EXPECT_EQ(backoff_wait(r, 8, 0.0), seconds(30 * 128));
  r.multiplier = 1.5;
  EXPECT_EQ(backoff_wait(r, 3, 0.0), milliseconds(67500));
}

TEST(RetryExponential, JitterBoundsForGivenDraws) {
  RetryPolicy r;
  r.max_attempts = 5;
  r.wait_kind = WaitKind::kExponential;
  r.wait_base = seconds(10);
  r.multiplier = 3.0;
  r.wait_cap = seconds(60);
  r.jitter = Jitter::kFull;
  EXPECT_EQ(backoff_wait(r, 2, 0.0), seconds(0));
  EXPECT_EQ(backoff_wait(r, 2, 0.5), seconds(15));
  EXPECT_EQ(backoff_wait(r, 3, 0.25), seconds(15));  // capped at 60, a quarter of it
  r.jitter = Jitter::kEqual;
  EXPECT_EQ(backoff_wait(r, 2, 0.0), seconds(15));
  EXPECT_EQ(backoff_wait(r, 2, 0.5), milliseconds(22500));
  for (double u = 0.0; u < 1.0; u += 0.01) {
    const Duration w = backoff_wait(r, 3, u);
    EXPECT_GE(w, seconds(30));
    EXPECT_LT(w, seconds(60));
  }
}

TEST(RetryOn, WhichFailuresAreRetried) {
  RetryPolicy r;
  r.max_attempts = 3;
  r.retry_on = RetryOn::kTimeout;
  EXPECT_FALSE(decide_retry(r, 1, AttemptResult::kError, 0).retry);
  EXPECT_TRUE(decide_retry(r, 1, AttemptResult::kTimeout, 0).retry);
  r.retry_on = RetryOn::kAny;
  EXPECT_TRUE(decide_retry(r, 1, AttemptResult::kError, 0).retry);
  EXPECT_TRUE(decide_retry(r, 2, AttemptResult::kTimeout, 0).retry);
  EXPECT_FALSE(decide_retry(r, 3, AttemptResult::kTimeout, 0).retry);
  EXPECT_EQ(decide_retry(r, 3, AttemptResult::kTimeout, 0).wait, seconds(0)) << "no wait after the last without wait_after_last_attempt";
}

}  // namespace
}  // namespace failsim::failover
