// Time vocabulary shared by every room of failsim: integer microseconds.
//
// It lives in failover/ because failover/ is the bottom of the dependency arrows
// (failover <- sim <- fakes): the failover logic takes "the time now" as an input,
// and the simulator and live driver hand it in. Nothing here reads a clock.
//
// Invariants:
//  - Duration and TimePoint are int64 counts of microseconds; never floating point.
//  - Clock has no now(): a TimePoint is always given by whoever owns time (the
//    simulator's Engine, or the live driver).
#pragma once

#include <chrono>
#include <cstdint>

namespace failsim {

using Duration = std::chrono::duration<std::int64_t, std::micro>;

// A clock type with no now(); only the time_point type is used.
struct Clock {
  using rep = std::int64_t;
  using period = std::micro;
  using duration = Duration;
  using time_point = std::chrono::time_point<Clock, Duration>;
  static constexpr bool is_steady = true;
};

using TimePoint = Clock::time_point;

// Microseconds since the epoch of a run (virtual time zero).
constexpr std::int64_t to_us(TimePoint t) noexcept { return t.time_since_epoch().count(); }
constexpr std::int64_t to_us(Duration d) noexcept { return d.count(); }
constexpr TimePoint at_us(std::int64_t us) noexcept { return TimePoint(Duration(us)); }
constexpr double to_seconds(Duration d) noexcept { return static_cast<double>(d.count()) / 1e6; }

}  // namespace failsim
