// Distribution: a duration drawn from a seeded generator, as scenario files describe
// step durations and link latencies: fixed, uniform, exponential, normal (clamped at
// zero) and lognormal. Draws use failsim's own deterministic distributions
// (sim/random.h), so a seed gives the same durations on every machine.
#pragma once

#include "failover/time.h"
#include "sim/random.h"

namespace failsim::sim {

struct Distribution {
  enum class Kind { kFixed, kUniform, kExponential, kNormal, kLognormal };
  Kind kind = Kind::kFixed;
  Duration a{0};  // fixed: value; uniform: min; exponential: mean; normal: mean; lognormal: median
  Duration b{0};  // uniform: max; normal: stddev
  double sigma = 0.0;  // lognormal: sigma of the underlying normal

  static Distribution fixed(Duration d) { return {Kind::kFixed, d, Duration(0), 0.0}; }
  static Distribution uniform(Duration lo, Duration hi) { return {Kind::kUniform, lo, hi, 0.0}; }
  static Distribution exponential(Duration mean) { return {Kind::kExponential, mean, Duration(0), 0.0}; }
  static Distribution normal(Duration mean, Duration stddev) { return {Kind::kNormal, mean, stddev, 0.0}; }
  static Distribution lognormal(Duration median, double sigma) { return {Kind::kLognormal, median, Duration(0), sigma}; }

  // A draw, never negative. Fixed draws consume no randomness.
  Duration sample(Rng& rng) const;
};

}  // namespace failsim::sim
