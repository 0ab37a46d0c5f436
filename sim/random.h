// Seeded, reproducible randomness for simulation runs.
//
// - SplitMix64: the seeding generator (Steele, Lea, Flood 2014); used to expand one
//   64-bit seed into generator state and to mix stream names into seeds.
// - Rng: xoshiro256** 1.0 (Blackman & Vigna), seeded from SplitMix64. Its exact
//   output is pinned by golden tests.
// - Streams: Rng::stream(root_seed, "github/pickup") derives an independent
//   generator from (root seed, name) alone, so adding a stream or drawing more from
//   one never perturbs another. Names are hashed with FNV-1a 64.
// - Distributions are failsim's own (the standard library's differ between
//   implementations) and use sim/detmath.h, so draws are bit-identical everywhere.
//
// Thread safety: none; one Rng per component per run, owned by that run.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace failsim::sim {

class SplitMix64 {
 public:
  explicit constexpr SplitMix64(std::uint64_t seed) noexcept : state_(seed) {}
  constexpr std::uint64_t next() noexcept {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

// FNV-1a 64-bit hash of a stream name.
constexpr std::uint64_t fnv1a64(std::string_view s) noexcept {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

class Rng {
 public:
  // Generator seeded directly from a 64-bit seed.
  explicit Rng(std::uint64_t seed) noexcept;

  // The independent stream `name` of a run with root seed `root_seed`.
  static Rng stream(std::uint64_t root_seed, std::string_view name) noexcept;
  // A child stream of this generator's *seed* (not its current position), so
  // deriving children never consumes draws: `rng.child("a")` is the same whenever called.
  Rng child(std::string_view name) const noexcept;

  // A generator with the given raw xoshiro256** state (for golden tests against the
  // reference implementation). The state must not be all zero.
  static Rng from_state(const std::array<std::uint64_t, 4>& state) noexcept;

  std::uint64_t seed() const noexcept { return seed_; }

  // Raw 64 bits (xoshiro256**).
  std::uint64_t next_u64() noexcept {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double next_double() noexcept { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

  // Uniform integer in [0, bound) without modulo bias (Lemire's method). bound > 0.
  std::uint64_t uniform_below(std::uint64_t bound) noexcept;
  // Uniform integer in [lo, hi], inclusive. REQUIRES: lo <= hi.
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi) noexcept;
  // Uniform real in [lo, hi).
  double uniform_real(double lo, double hi) noexcept { return lo + (hi - lo) * next_double(); }
  // true with probability p (p <= 0 never, p >= 1 always).
  bool bernoulli(double p) noexcept { return next_double() < p; }
  // Exponential with the given mean (= 1/rate). Inverse transform on (0, 1].
  double exponential(double mean) noexcept;
  // Normal(mean, stddev) by Marsaglia's polar method (uses only det_log and sqrt).
  double normal(double mean, double stddev) noexcept;
  // exp(Normal(mu, sigma)): mu and sigma are of the underlying normal.
  double lognormal(double mu, double sigma) noexcept;

 private:
  static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
    return (x << k) | (x >> (64 - k));
  }
  std::uint64_t seed_;
  std::array<std::uint64_t, 4> s_;
  // The polar method yields normals in pairs; the spare is kept for the next call.
  double spare_normal_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace failsim::sim
