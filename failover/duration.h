// Prometheus-style durations: "250ms", "15s", "5m", "1h30m", "2d", "1w", "1y".
//
// Grammar (as Prometheus's model.ParseDuration): one or more <integer><unit> terms,
// units strictly from largest to smallest, each at most once:
//   y (365d)  w (7d)  d (24h)  h  m  s  ms
// plus the literal "0". failsim extends the grammar with a final "us" term so that
// every microsecond Duration round-trips through format_duration/parse_duration.
// No sign, no fractions, no spaces. Values that overflow int64 microseconds are errors.
//
// format_duration prints the same form Prometheus prints: largest units first,
// years and weeks only when they divide the value exactly ("90d", not "12w6d"),
// "0s" for zero, a leading '-' for negative values.
#pragma once

#include <string>
#include <string_view>

#include "failover/result.h"
#include "failover/time.h"

namespace failsim {

// Parses text; on failure the message quotes the text and says what was expected.
Result<Duration> parse_duration(std::string_view text);

std::string format_duration(Duration d);

}  // namespace failsim
