// The statistics behind every interval failsim prints, as plain functions of plain
// numbers (so a test can recompute them independently):
//  - nearest-rank percentiles (the value at rank ceil(q*n), 1-based; q*n rounded to
//    9 decimals first so 0.95*20 is rank 19, not 20);
//  - Wilson score intervals for a rate, and Newcombe's hybrid score interval (his
//    method 10, 1998) for the difference of two independent rates;
//  - a seeded percentile bootstrap for a statistic of one sample and for the
//    difference of a statistic between two samples: B resamples, each drawing n
//    indices as splitmix64() % n (base sample first, then the new one), the interval
//    the resampled values at ranks floor(0.025*B)+1 and ceil(0.975*B) of B sorted.
// 95 % throughout (z = 1.959963984540054).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace failsim::reports {

inline constexpr double kZ95 = 1.959963984540054;

struct Interval {
  double low = 0, high = 0;
};

// splitmix64: the bootstrap's generator (one 64-bit state; Vigna's constants).
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next();

 private:
  std::uint64_t state_;
};

// FNV-1a 64 of a string: seeds derived from names, stable across machines.
std::uint64_t fnv1a64(const std::string& s);

// Nearest rank of q in (0, 1] over the values (sorted inside); nullopt when empty.
std::optional<double> nearest_rank(std::vector<double> values, double q);

// Wilson score interval of k successes in n trials (n > 0).
Interval wilson(std::size_t k, std::size_t n);
// Newcombe's hybrid score interval for p_new - p_base.
Interval newcombe(std::size_t k_base, std::size_t n_base, std::size_t k_new, std::size_t n_new);

// What a bootstrap resamples: a percentile (q in (0,1]) or the mean (q = 0).
struct Statistic {
  double q = 0.5;
  double of(std::vector<double>& sample) const;  // sorts `sample` for a percentile
};

// Percentile bootstrap interval of `stat` over `sample` (non-empty).
Interval bootstrap(const std::vector<double>& sample, Statistic stat, int resamples, std::uint64_t seed);
// ... of stat(new) - stat(base) (both non-empty).
Interval bootstrap_difference(const std::vector<double>& base, const std::vector<double>& fresh, Statistic stat,
                              int resamples, std::uint64_t seed);

}  // namespace failsim::reports
