// Small helpers shared by the SVG charts of report.html and sweep.svg: numbers as SVG
// attributes, round axis steps for durations ("1m", "2m", "5m" ... never "1m47s"), and
// the series palette (colour + dash, so series stay apart in grey print too).
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace failsim::reports::svg {

inline std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// A round step (seconds) that puts at most `max_ticks` ticks on [0, span].
inline double duration_step(double span, int max_ticks = 6) {
  static const double kSteps[] = {1,   2,   5,   10,   15,   30,   60,   120,   300,   600,
                                  900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};
  for (double s : kSteps) {
    if (span / s <= max_ticks) return s;
  }
  return 86400 * static_cast<double>(static_cast<long long>(span / 86400 / max_ticks) + 1);
}

// "30s", "2m", "1m30s", "1h", "1h30m": a tick label.
inline std::string duration_tick(double seconds) {
  const auto t = static_cast<long long>(seconds + 0.5);
  std::string out;
  if (t >= 3600) out += std::to_string(t / 3600) + "h";
  if (t % 3600 >= 60) out += std::to_string(t % 3600 / 60) + "m";
  if (t % 60 != 0 || t == 0) out += std::to_string(t % 60) + "s";
  return out;
}

inline const std::string& colour(std::size_t i) {
  static const std::vector<std::string> kColours = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                                    "#ff7f0e", "#17becf", "#8c564b", "#e377c2"};
  return kColours[i % kColours.size()];
}

inline std::string dash(std::size_t i) {
  static const std::vector<std::string> kDashes = {"", "6 3", "2 2", "8 3 2 3"};
  const std::string& d = kDashes[i % kDashes.size()];
  return d.empty() ? std::string() : " stroke-dasharray=\"" + d + "\"";
}

}  // namespace failsim::reports::svg
