// Deterministic elementary functions: log and exp computed with +, -, *, / and
// exact scaling only, so that every machine with IEEE-754 doubles gets the same
// bits (libm's log/exp may pick FMA or other variants at run time and differ in
// the last bit between machines and library versions).
//
// Accuracy: relative error below 1e-15 over the finite domain; not correctly
// rounded, but identical everywhere. Requires the build to forbid FMA contraction
// (-ffp-contract=off, set by the top-level CMakeLists.txt).
#pragma once

namespace failsim::sim {

// Natural logarithm. det_log(0) = -inf; negative or NaN input gives NaN.
double det_log(double x);

// e^x. Overflows to +inf above ~709.78, underflows to 0 below ~-745.
double det_exp(double x);

}  // namespace failsim::sim
