// The outcome of one instant PromQL query, as the failover logic sees it.
//
// The caller (simulator or live driver) runs the query and reduces the answer to one
// of three outcomes; what each outcome *means* (pass, warn, fail) is the policy's
// decision (failover/health.h), never the caller's:
//  - kValue: the result vector had a sample; value is result[0]'s value (the as-built
//    workflow reads `.data.result[0].value[1]`), samples is the vector's length.
//  - kEmpty: the query succeeded and matched no series (e.g. the target is down and
//    its series went stale, or the labels do not match).
//  - kError: no usable answer: Prometheus unreachable, timeout, HTTP error, a
//    {"status":"error"} body or malformed JSON. `error` says which, in plain words.
// A command check (failover/policy.h) reduces the same way: kValue with its exit status
// as the value and `error` the last line it printed (for the reason); kError when it
// could not start or ran past its timeout.
#pragma once

#include <cstddef>
#include <string>

namespace failsim::failover {

struct QueryOutcome {
  enum class Kind { kValue, kEmpty, kError };
  Kind kind = Kind::kEmpty;
  double value = 0.0;
  std::size_t samples = 0;
  std::string error;
  std::string output;  // a command's stdout (bounded): what a selection command printed

  static QueryOutcome of_value(double v, std::size_t n = 1) { return {Kind::kValue, v, n, {}, {}}; }
  static QueryOutcome empty() { return {Kind::kEmpty, 0.0, 0, {}, {}}; }
  static QueryOutcome failed(std::string why) { return {Kind::kError, 0.0, 0, std::move(why), {}}; }
};

}  // namespace failsim::failover
