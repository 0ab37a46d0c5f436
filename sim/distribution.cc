#include "sim/distribution.h"

#include <array>

#include <cmath>

#include "sim/detmath.h"

namespace failsim::sim {

namespace {

// det_log of a lognormal's median, remembered: a run draws a few distributions a
// million times. Per thread and direct-mapped (the same answer as computing it, so no
// run can tell; no sharing between threads).
double log_median_us(std::int64_t median_us) {
  struct Entry {
    std::int64_t key = -1;
    double log = 0;
  };
  thread_local std::array<Entry, 16> memo;
  Entry& e = memo[static_cast<std::uint64_t>(median_us) * 0x9E3779B97F4A7C15ULL >> 60];
  if (e.key != median_us) e = {median_us, det_log(static_cast<double>(median_us))};
  return e.log;
}

}  // namespace

Duration Distribution::sample(Rng& rng) const {
  double us = 0.0;
  switch (kind) {
    case Kind::kFixed: return a < Duration(0) ? Duration(0) : a;
    case Kind::kUniform:
      us = static_cast<double>(rng.uniform_int(a.count(), b.count() < a.count() ? a.count() : b.count()));
      break;
    case Kind::kExponential: us = rng.exponential(static_cast<double>(a.count())); break;
    case Kind::kNormal: us = rng.normal(static_cast<double>(a.count()), static_cast<double>(b.count())); break;
    case Kind::kLognormal:
      us = rng.lognormal(log_median_us(a.count() > 0 ? a.count() : 1), sigma);
      break;
  }
  if (!(us > 0.0)) return Duration(0);
  if (us > 9.0e18) return Duration(INT64_MAX / 2);
  return Duration(static_cast<std::int64_t>(us));
}

}  // namespace failsim::sim
