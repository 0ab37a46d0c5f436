#include "failover/retry.h"

#include <algorithm>
#include <cmath>

#include "failover/duration.h"

namespace failsim::failover {

Duration backoff_wait(const RetryPolicy& policy, int failed_attempt, double u) {
  if (policy.wait_kind == WaitKind::kFixed) return policy.wait_base;
  // base * multiplier^(n-1), computed by repeated multiplication in double and
  // clamped before it can overflow int64 microseconds.
  const double cap_us = policy.wait_cap ? static_cast<double>(policy.wait_cap->count()) : 9.0e18;
  double w = static_cast<double>(policy.wait_base.count());
  for (int i = 1; i < failed_attempt && w < cap_us; ++i) w *= policy.multiplier;
  w = std::min(w, cap_us);
  u = std::clamp(u, 0.0, 1.0);
  switch (policy.jitter) {
    case Jitter::kNone: break;
    case Jitter::kFull: w = u * w; break;
    case Jitter::kEqual: w = w / 2 + u * (w / 2); break;
  }
  return Duration(static_cast<std::int64_t>(w));
}

RetryDecision decide_retry(const RetryPolicy& policy, int attempt, AttemptResult result, double u) {
  RetryDecision d;
  if (result == AttemptResult::kSuccess) {
    d.reason = "attempt " + std::to_string(attempt) + " succeeded";
    return d;
  }
  const bool retryable = policy.retry_on == RetryOn::kAny ||
                         (policy.retry_on == RetryOn::kError && result == AttemptResult::kError) ||
                         (policy.retry_on == RetryOn::kTimeout && result == AttemptResult::kTimeout);
  const std::string what = "attempt " + std::to_string(attempt) + " of " +
                           std::to_string(policy.max_attempts) + " ended in " + to_string(result);
  if (!retryable) {
    d.reason = what + ", which this policy does not retry: the step fails now";
    return d;
  }
  if (attempt >= policy.max_attempts) {
    if (policy.wait_after_last_attempt) d.wait = backoff_wait(policy, attempt, u);
    d.reason = what + "; no attempts left" +
               (d.wait.count() ? ": the step fails after waiting " + format_duration(d.wait) : "");
    return d;
  }
  d.retry = true;
  d.wait = backoff_wait(policy, attempt, u);
  d.reason = what + "; retrying after " + format_duration(d.wait);
  return d;
}

const char* to_string(AttemptResult r) {
  switch (r) {
    case AttemptResult::kSuccess: return "success";
    case AttemptResult::kError: return "an error";
    case AttemptResult::kTimeout: return "a timeout";
  }
  return "?";
}

}  // namespace failsim::failover
