// Durations and rates as every report prints them: "2m30s", "45.0s", "1h05m00s",
// "95.0 %". One place, so a table and a chart never disagree on a figure.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

namespace failsim::reports {

// Rounded to the nearest second from a minute up (195.95 s is 3m16s, not 3m15s), to
// the nearest tenth below.
inline std::string format_seconds(double s) {
  char buf[48];
  const bool negative = s < 0;
  const double a = negative ? -s : s;
  const long long t = std::llround(a);
  if (t >= 3600) {
    std::snprintf(buf, sizeof buf, "%s%lldh%02lldm%02llds", negative ? "-" : "", t / 3600, t / 60 % 60, t % 60);
  } else if (a >= 59.95) {  // "60.0s" would read as a minute below the minute
    std::snprintf(buf, sizeof buf, "%s%lldm%02llds", negative ? "-" : "", t / 60, t % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%s%.1fs", negative ? "-" : "", a);
  }
  return buf;
}

inline std::string format_percent(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%", 100.0 * fraction);
  return buf;
}

}  // namespace failsim::reports
