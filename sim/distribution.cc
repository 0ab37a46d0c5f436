#include "sim/distribution.h"

#include <cmath>

#include "sim/detmath.h"

namespace failsim::sim {

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
      us = rng.lognormal(det_log(static_cast<double>(a.count() > 0 ? a.count() : 1)), sigma);
      break;
  }
  if (!(us > 0.0)) return Duration(0);
  if (us > 9.0e18) return Duration(INT64_MAX / 2);
  return Duration(static_cast<std::int64_t>(us));
}

}  // namespace failsim::sim
