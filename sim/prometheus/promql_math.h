// The numeric kernels of Prometheus 2.42's PromQL functions and aggregations, as
// pure functions over points and values (promql/functions.go, quantile.go, written
// anew): rate extrapolation, least-squares regression with Kahan-Neumaier sums,
// Holt-Winters smoothing, quantiles of samples and of classic histogram buckets,
// calendar fields, and Go's float formatting where a result carries it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/prometheus/series_store.h"

namespace failsim::sim::prometheus {

// rate (is_rate, is_counter), increase (is_counter), delta (neither) over the
// points of [range_start_ms, range_end_ms]; nullopt with fewer than two points.
std::optional<double> extrapolated_rate(const std::vector<Point>& pts, std::int64_t range_start_ms,
                                        std::int64_t range_end_ms, bool is_counter, bool is_rate);
// irate (is_rate) and idelta over the last two points.
std::optional<double> instant_value(const std::vector<Point>& pts, bool is_rate);

// Neumaier-compensated running sum (kahanSumInc).
void kahan_add(double inc, double& sum, double& c);

// Least squares over (t - intercept_ms seconds, value): slope and intercept.
void linear_regression(const std::vector<Point>& pts, std::int64_t intercept_ms, double& slope, double& intercept);

double sum_over_time(const std::vector<Point>& pts);
double avg_over_time(const std::vector<Point>& pts);
double stdvar_over_time(const std::vector<Point>& pts);
double holt_winters(const std::vector<Point>& pts, double sf, double tf);

// quantile(q, values) of PromQL (sorts `values`).
double quantile(double q, std::vector<double>& values);

struct Bucket {
  double upper_bound;
  double count;
};
// histogram_quantile over one series' classic buckets (sorts and changes them).
double bucket_quantile(double q, std::vector<Bucket>& buckets);

// Calendar fields of a Unix time in seconds (UTC), as Go's time package gives them.
enum class DateField { kDaysInMonth, kDayOfMonth, kDayOfWeek, kDayOfYear, kHour, kMinute, kMonth, kYear };
double date_field(DateField field, double unix_seconds);

// strconv.FormatFloat(v, 'f', -1, 64): the shortest fixed-point text that reads back
// as v ("NaN", "+Inf", "-Inf" for the rest).
std::string go_format_fixed(double v);
// fmt's %v for a float64 (shortest, 'g' style with Go's exponent form: 1e+19).
std::string go_format_g(double v);

}  // namespace failsim::sim::prometheus
