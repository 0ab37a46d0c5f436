#include "sim/detmath.h"

#include <cmath>
#include <limits>

namespace failsim::sim {
namespace {
// ln 2 split so that k * kLn2Hi is exact for |k| < 2^11.
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kSqrtHalf = 0.70710678118654752440;
}  // namespace

double det_log(double x) {
  if (std::isnan(x) || x < 0.0) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0.0) return -std::numeric_limits<double>::infinity();
  if (std::isinf(x)) return x;
  int e = 0;
  double m = std::frexp(x, &e);  // exact: x = m * 2^e, m in [0.5, 1)
  if (m < kSqrtHalf) {
    m *= 2.0;  // exact
    e -= 1;
  }
  // m in [sqrt(1/2), sqrt(2)); log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.1716.
  const double s = (m - 1.0) / (m + 1.0);
  const double s2 = s * s;
  // 2 * (s + s^3/3 + ... + s^23/23): the next term is below 1e-18 relative.
  static constexpr double kInvOdd[12] = {1.0 / 1,  1.0 / 3,  1.0 / 5,  1.0 / 7,
                                         1.0 / 9,  1.0 / 11, 1.0 / 13, 1.0 / 15,
                                         1.0 / 17, 1.0 / 19, 1.0 / 21, 1.0 / 23};
  double poly = kInvOdd[11];
  for (int k = 10; k >= 0; --k) poly = poly * s2 + kInvOdd[k];
  const double log_m = 2.0 * s * poly;
  const double de = static_cast<double>(e);
  return (de * kLn2Hi + log_m) + de * kLn2Lo;
}

double det_exp(double x) {
  if (std::isnan(x)) return x;
  if (x > 709.782712893384) return std::numeric_limits<double>::infinity();
  if (x < -745.1332191019412) return 0.0;
  // x = k ln2 + r, |r| <= ln2/2.
  const double kd = std::nearbyint(x / (kLn2Hi + kLn2Lo));
  const double r = (x - kd * kLn2Hi) - kd * kLn2Lo;
  // Taylor series of e^r to degree 17 (error < 1e-19 for |r| <= 0.35).
  static constexpr double kInv[18] = {0.0,      1.0 / 1,  1.0 / 2,  1.0 / 3,  1.0 / 4,  1.0 / 5,
                                      1.0 / 6,  1.0 / 7,  1.0 / 8,  1.0 / 9,  1.0 / 10, 1.0 / 11,
                                      1.0 / 12, 1.0 / 13, 1.0 / 14, 1.0 / 15, 1.0 / 16, 1.0 / 17};
  double poly = 1.0;
  for (int k = 17; k >= 1; --k) poly = 1.0 + poly * r * kInv[k];
  return std::ldexp(poly, static_cast<int>(kd));
}

}  // namespace failsim::sim
