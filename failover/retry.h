// Retry policy of the deploy step: how many attempts, which failures are retried,
// and how long to wait between attempts.
//
// Wait before attempt n+1 (n = the attempt that just failed, 1-based):
//   fixed:        wait_base
//   exponential:  w = min(wait_cap, wait_base * multiplier^(n-1)), then jitter:
//                 none: w;  full: u * w;  equal: w/2 + u * w/2
// where u in [0, 1) is a random draw *handed in by the caller* (the logic owns no
// randomness). Waits are whole microseconds, truncated.
//
// Which failures are retried (nick-fields/retry's retry_on): kError retries a
// non-zero exit but not a timeout (the step fails at once on timeout); kTimeout the
// reverse; kAny both. With wait_after_last_attempt (nick-fields/retry waits inside
// every failed attempt, the last included) a retryable failure of the last attempt
// still waits before the step fails.
//
// Pure: no I/O, no clock.
#pragma once

#include <string>

#include "failover/policy.h"

namespace failsim::failover {

enum class AttemptResult { kSuccess, kError, kTimeout };

struct RetryDecision {
  bool retry = false;     // start another attempt after `wait`
  Duration wait{0};       // time to wait before retrying (or before failing)
  std::string reason;     // plain words
};

Duration backoff_wait(const RetryPolicy& policy, int failed_attempt, double u);

// `attempt` is the 1-based number of the attempt that just ended.
RetryDecision decide_retry(const RetryPolicy& policy, int attempt, AttemptResult result, double u);

const char* to_string(AttemptResult r);

}  // namespace failsim::failover
