// Wire formats the fakes share: timestamps and numbers exactly as GitHub and
// Prometheus print them (reference A7, B4).
//  - rfc3339(unix_us, fraction_digits): "2025-12-11T21:00:00Z" with 0 digits (GitHub);
//    with 9 digits Go's RFC3339Nano, trailing zeros trimmed (Prometheus lastScrape,
//    activeAt).
//  - parse_api_time: Prometheus's `time`/`start`/`end` parameters: unix seconds with
//    an optional fraction, or RFC3339. Result in milliseconds.
//  - format_sample_value: Go strconv.FormatFloat(v, 'f', -1, 64) with NaN/+Inf/-Inf,
//    as sample values are sent (strings in JSON).
//  - format_alert_value: Go's %e-style FormatFloat(v, 'e', -1, 64): "1e+00".
//  - percent_encode: a query-string value with everything but RFC 3986's unreserved
//    characters percent-encoded (upper-case hex).
//  - is_valid_utf8: well-formed UTF-8 (no overlongs, surrogates or code points past
//    U+10FFFF), as Go's utf8.ValidString accepts.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "failover/result.h"

namespace failsim::fakes {

std::string rfc3339(std::int64_t unix_us, int fraction_digits = 0);
Result<std::int64_t> parse_api_time(std::string_view text);
std::string format_sample_value(double v);
std::string format_alert_value(double v);
std::string percent_encode(std::string_view value);

bool is_valid_utf8(std::string_view s);

}  // namespace failsim::fakes
