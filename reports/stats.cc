#include "reports/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace failsim::reports {

std::uint64_t SplitMix64::next() {
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t fnv1a64(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

namespace {

std::size_t rank_of(double q, std::size_t n) {
  const double scaled = std::round(q * static_cast<double>(n) * 1e9) / 1e9;
  auto rank = static_cast<std::size_t>(std::ceil(scaled));
  return std::clamp<std::size_t>(rank, 1, n);
}

Interval interval_of(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t b = values.size();
  const auto lo = static_cast<std::size_t>(std::floor(0.025 * static_cast<double>(b))) + 1;
  const auto hi = static_cast<std::size_t>(std::ceil(0.975 * static_cast<double>(b)));
  return {values[std::clamp<std::size_t>(lo, 1, b) - 1], values[std::clamp<std::size_t>(hi, 1, b) - 1]};
}

void resample(const std::vector<double>& from, std::vector<double>& into, SplitMix64& rng) {
  into.resize(from.size());
  for (auto& v : into) v = from[rng.next() % from.size()];
}

}  // namespace

std::optional<double> nearest_rank(std::vector<double> values, double q) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  return values[rank_of(q, values.size()) - 1];
}

double Statistic::of(std::vector<double>& sample) const {
  if (q == 0) return std::accumulate(sample.begin(), sample.end(), 0.0) / static_cast<double>(sample.size());
  std::sort(sample.begin(), sample.end());
  return sample[rank_of(q, sample.size()) - 1];
}

Interval wilson(std::size_t k, std::size_t n) {
  if (n == 0) return {0, 1};
  const double nn = static_cast<double>(n);
  const double p = static_cast<double>(k) / nn;
  const double z2 = kZ95 * kZ95;
  const double denom = 1 + z2 / nn;
  const double centre = (p + z2 / (2 * nn)) / denom;
  const double half = kZ95 / denom * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
  return {std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

Interval newcombe(std::size_t k_base, std::size_t n_base, std::size_t k_new, std::size_t n_new) {
  const Interval b = wilson(k_base, n_base);
  const Interval f = wilson(k_new, n_new);
  const double pb = static_cast<double>(k_base) / static_cast<double>(n_base);
  const double pf = static_cast<double>(k_new) / static_cast<double>(n_new);
  const double d = pf - pb;
  return {d - std::sqrt((pf - f.low) * (pf - f.low) + (b.high - pb) * (b.high - pb)),
          d + std::sqrt((f.high - pf) * (f.high - pf) + (pb - b.low) * (pb - b.low))};
}

Interval bootstrap(const std::vector<double>& sample, Statistic stat, int resamples, std::uint64_t seed) {
  SplitMix64 rng(seed);
  std::vector<double> draws;
  std::vector<double> stats;
  stats.reserve(static_cast<std::size_t>(resamples));
  for (int b = 0; b < resamples; ++b) {
    resample(sample, draws, rng);
    stats.push_back(stat.of(draws));
  }
  return interval_of(std::move(stats));
}

Interval bootstrap_difference(const std::vector<double>& base, const std::vector<double>& fresh, Statistic stat,
                              int resamples, std::uint64_t seed) {
  SplitMix64 rng(seed);
  std::vector<double> a, b;
  std::vector<double> diffs;
  diffs.reserve(static_cast<std::size_t>(resamples));
  for (int i = 0; i < resamples; ++i) {
    resample(base, a, rng);
    resample(fresh, b, rng);
    diffs.push_back(stat.of(b) - stat.of(a));
  }
  return interval_of(std::move(diffs));
}

}  // namespace failsim::reports
