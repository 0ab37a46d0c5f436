#include "sim/random.h"

#include <cmath>

#include "sim/detmath.h"

namespace failsim::sim {

Rng::Rng(std::uint64_t seed) noexcept : seed_(seed) {
  SplitMix64 sm(seed);
  for (auto& word : s_) word = sm.next();
}

Rng Rng::from_state(const std::array<std::uint64_t, 4>& state) noexcept {
  Rng rng(0);
  rng.s_ = state;
  return rng;
}

Rng Rng::stream(std::uint64_t root_seed, std::string_view name) noexcept {
  // Mix the name hash through SplitMix64 so nearby seeds and similar names diverge.
  SplitMix64 mix(root_seed ^ SplitMix64(fnv1a64(name)).next());
  return Rng(mix.next());
}

Rng Rng::child(std::string_view name) const noexcept { return stream(seed_, name); }

std::uint64_t Rng::uniform_below(std::uint64_t bound) noexcept {
  // Lemire, "Fast Random Integer Generation in an Interval" (2019).
  unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * bound;
  auto low = static_cast<std::uint64_t>(m);
  if (low < bound) {
    const std::uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      m = static_cast<unsigned __int128>(next_u64()) * bound;
      low = static_cast<std::uint64_t>(m);
    }
  }
  return static_cast<std::uint64_t>(m >> 64);
}

std::int64_t Rng::uniform_int(std::int64_t lo, std::int64_t hi) noexcept {
  const std::uint64_t span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
  if (span == ~std::uint64_t{0}) return static_cast<std::int64_t>(next_u64());
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(lo) + uniform_below(span + 1));
}

double Rng::exponential(double mean) noexcept {
  // 1 - u is in (0, 1], so the log is finite.
  return -mean * det_log(1.0 - next_double());
}

double Rng::normal(double mean, double stddev) noexcept {
  if (has_spare_) {
    has_spare_ = false;
    return mean + stddev * spare_normal_;
  }
  double u = 0.0;
  double v = 0.0;
  double s = 0.0;
  do {
    u = 2.0 * next_double() - 1.0;
    v = 2.0 * next_double() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double factor = std::sqrt(-2.0 * det_log(s) / s);  // sqrt is correctly rounded
  spare_normal_ = v * factor;
  has_spare_ = true;
  return mean + stddev * (u * factor);
}

double Rng::lognormal(double mu, double sigma) noexcept { return det_exp(normal(mu, sigma)); }

}  // namespace failsim::sim
