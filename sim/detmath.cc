#include "sim/detmath.h"

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace failsim::sim {
namespace {
// ln 2 split so that k * kLn2Hi is exact for |k| < 2^11.
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kSqrt2 = 1.41421356237309504880;

constexpr double inv_factorial(int k) {
  double f = 1.0;
  for (int i = 2; i <= k; ++i) f *= i;  // exact: 15! < 2^53
  return 1.0 / f;
}
constexpr double kInvFactorial[16] = {
    inv_factorial(0),  inv_factorial(1),  inv_factorial(2),  inv_factorial(3),  inv_factorial(4),  inv_factorial(5),
    inv_factorial(6),  inv_factorial(7),  inv_factorial(8),  inv_factorial(9),  inv_factorial(10), inv_factorial(11),
    inv_factorial(12), inv_factorial(13), inv_factorial(14), inv_factorial(15)};
}  // namespace

double det_log(double x) {
  if (std::isnan(x) || x < 0.0) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0.0) return -std::numeric_limits<double>::infinity();
  if (std::isinf(x)) return x;
  std::uint64_t bits = std::bit_cast<std::uint64_t>(x);
  int e = 0;
  if ((bits >> 52) == 0) {  // subnormal: scale into the normal range (exact)
    bits = std::bit_cast<std::uint64_t>(x * 0x1p54);
    e = -54;
  }
  e += static_cast<int>(bits >> 52) - 1023;
  // m in [1, 2) with x = m * 2^e; then fold into [sqrt(1/2), sqrt(2)].
  double m = std::bit_cast<double>((bits & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
  if (m > kSqrt2) {
    m *= 0.5;  // exact
    e += 1;
  }
  // log(m) = 2 atanh(s), s = (m-1)/(m+1), |s| <= 0.1716:
  // 2 s (1 + s^2/3 + s^4/5 + ... + s^22/23); the next term is below 1e-18 relative.
  // Estrin's scheme keeps the dependency chain short; the order is fixed, so the
  // result is the same on every machine.
  const double s = (m - 1.0) / (m + 1.0);
  const double s2 = s * s;
  const double s4 = s2 * s2;
  const double s8 = s4 * s4;
  const double p01 = 1.0 + s2 * (1.0 / 3);
  const double p23 = 1.0 / 5 + s2 * (1.0 / 7);
  const double p45 = 1.0 / 9 + s2 * (1.0 / 11);
  const double p67 = 1.0 / 13 + s2 * (1.0 / 15);
  const double p89 = 1.0 / 17 + s2 * (1.0 / 19);
  const double pab = 1.0 / 21 + s2 * (1.0 / 23);
  const double q0 = p01 + s4 * p23;
  const double q1 = p45 + s4 * p67;
  const double q2 = p89 + s4 * pab;
  const double poly = q0 + s8 * (q1 + s8 * q2);
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
  // Taylor series of e^r to degree 15 (truncation error < 1e-20 for |r| <= 0.35),
  // by Estrin's scheme: a short dependency chain, in a fixed order, so the result
  // is the same on every machine (within 2 ulp of e^r).
  const double r2 = r * r;
  const double r4 = r2 * r2;
  const double r8 = r4 * r4;
  const double p0 = kInvFactorial[0] + kInvFactorial[1] * r;
  const double p1 = kInvFactorial[2] + kInvFactorial[3] * r;
  const double p2 = kInvFactorial[4] + kInvFactorial[5] * r;
  const double p3 = kInvFactorial[6] + kInvFactorial[7] * r;
  const double p4 = kInvFactorial[8] + kInvFactorial[9] * r;
  const double p5 = kInvFactorial[10] + kInvFactorial[11] * r;
  const double p6 = kInvFactorial[12] + kInvFactorial[13] * r;
  const double p7 = kInvFactorial[14] + kInvFactorial[15] * r;
  const double q0 = p0 + p1 * r2;
  const double q1 = p2 + p3 * r2;
  const double q2 = p4 + p5 * r2;
  const double q3 = p6 + p7 * r2;
  const double poly = (q0 + q1 * r4) + (q2 + q3 * r4) * r8;
  const int k = static_cast<int>(kd);
  // poly * 2^k: multiplying by a power of two in the normal range is exact, the same
  // bits as ldexp without its call; ldexp handles results near the ends of the range.
  if (k >= -1021 && k <= 1023) return poly * std::bit_cast<double>(static_cast<std::uint64_t>(k + 1023) << 52);
  return std::ldexp(poly, k);
}

}  // namespace failsim::sim
