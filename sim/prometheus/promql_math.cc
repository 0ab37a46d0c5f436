#include "sim/prometheus/promql_math.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

namespace failsim::sim::prometheus {

std::optional<double> extrapolated_rate(const std::vector<Point>& pts, std::int64_t range_start_ms,
                                        std::int64_t range_end_ms, bool is_counter, bool is_rate) {
  if (pts.size() < 2) return std::nullopt;
  double result = pts.back().value - pts.front().value;
  if (is_counter) {
    double prev = pts.front().value;
    for (std::size_t i = 1; i < pts.size(); ++i) {
      if (pts[i].value < prev) result += prev;  // counter reset
      prev = pts[i].value;
    }
  }
  double to_start = static_cast<double>(pts.front().t_ms - range_start_ms) / 1000.0;
  const double to_end = static_cast<double>(range_end_ms - pts.back().t_ms) / 1000.0;
  const double sampled = static_cast<double>(pts.back().t_ms - pts.front().t_ms) / 1000.0;
  const double avg_step = sampled / static_cast<double>(pts.size() - 1);
  if (is_counter && result > 0 && pts.front().value >= 0) {
    // A counter cannot have been below zero: do not extrapolate past that point.
    const double to_zero = sampled * (pts.front().value / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  const double threshold = avg_step * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : avg_step / 2;
  interval += to_end < threshold ? to_end : avg_step / 2;
  double factor = interval / sampled;
  if (is_rate) factor /= static_cast<double>(range_end_ms - range_start_ms) / 1000.0;
  return result * factor;
}

std::optional<double> instant_value(const std::vector<Point>& pts, bool is_rate) {
  if (pts.size() < 2) return std::nullopt;
  const Point& last = pts[pts.size() - 1];
  const Point& prev = pts[pts.size() - 2];
  double result = is_rate && last.value < prev.value ? last.value : last.value - prev.value;
  const std::int64_t interval_ms = last.t_ms - prev.t_ms;
  if (interval_ms == 0) return std::nullopt;
  if (is_rate) result /= static_cast<double>(interval_ms) / 1000.0;
  return result;
}

void kahan_add(double inc, double& sum, double& c) {
  const double t = sum + inc;
  if (std::fabs(sum) >= std::fabs(inc)) {
    c += (sum - t) + inc;
  } else {
    c += (inc - t) + sum;
  }
  sum = t;
}

void linear_regression(const std::vector<Point>& pts, std::int64_t intercept_ms, double& slope, double& intercept) {
  double n = 0, sum_x = 0, c_x = 0, sum_y = 0, c_y = 0, sum_xy = 0, c_xy = 0, sum_x2 = 0, c_x2 = 0;
  const double init_y = pts.front().value;
  bool const_y = true;
  for (std::size_t i = 0; i < pts.size(); ++i) {
    if (const_y && i > 0 && pts[i].value != init_y) const_y = false;
    n += 1.0;
    const double x = static_cast<double>(pts[i].t_ms - intercept_ms) / 1e3;
    kahan_add(x, sum_x, c_x);
    kahan_add(pts[i].value, sum_y, c_y);
    kahan_add(x * pts[i].value, sum_xy, c_xy);
    kahan_add(x * x, sum_x2, c_x2);
  }
  if (const_y) {
    if (std::isinf(init_y)) {
      slope = intercept = std::numeric_limits<double>::quiet_NaN();
      return;
    }
    slope = 0;
    intercept = init_y;
    return;
  }
  sum_x += c_x;
  sum_y += c_y;
  sum_xy += c_xy;
  sum_x2 += c_x2;
  const double cov_xy = sum_xy - sum_x * sum_y / n;
  const double var_x = sum_x2 - sum_x * sum_x / n;
  slope = cov_xy / var_x;
  intercept = sum_y / n - slope * sum_x / n;
}

double sum_over_time(const std::vector<Point>& pts) {
  double sum = 0, c = 0;
  for (const auto& p : pts) kahan_add(p.value, sum, c);
  return std::isinf(sum) ? sum : sum + c;
}

double avg_over_time(const std::vector<Point>& pts) {
  double mean = 0, count = 0, c = 0;
  for (const auto& p : pts) {
    count += 1;
    if (std::isinf(mean)) {
      // Inf stays Inf unless a NaN or an Inf of the other sign arrives.
      if (std::isinf(p.value) && (mean > 0) == (p.value > 0)) continue;
      if (!std::isinf(p.value) && !std::isnan(p.value)) continue;
    }
    kahan_add(p.value / count - mean / count, mean, c);
  }
  return std::isinf(mean) ? mean : mean + c;
}

double stdvar_over_time(const std::vector<Point>& pts) {
  double count = 0, mean = 0, c_mean = 0, aux = 0, c_aux = 0;
  for (const auto& p : pts) {
    count += 1;
    const double delta = p.value - (mean + c_mean);
    kahan_add(delta / count, mean, c_mean);
    kahan_add(delta * (p.value - (mean + c_mean)), aux, c_aux);
  }
  return (aux + c_aux) / count;
}

double holt_winters(const std::vector<Point>& pts, double sf, double tf) {
  double s0 = 0, s1 = pts[0].value, b = pts[1].value - pts[0].value;
  for (std::size_t i = 1; i < pts.size(); ++i) {
    const double x = sf * pts[i].value;
    if (i - 1 != 0) b = tf * (s1 - s0) + (1 - tf) * b;  // calcTrendValue(i-1, ...)
    const double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

double quantile(double q, std::vector<double>& values) {
  if (values.empty() || std::isnan(q)) return std::numeric_limits<double>::quiet_NaN();
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  // NaN sorts first (vectorByValueHeap's Less).
  std::sort(values.begin(), values.end(), [](double a, double b) { return std::isnan(a) ? !std::isnan(b) : a < b; });
  const double n = static_cast<double>(values.size());
  const double rank = q * (n - 1);
  const double lower = std::max(0.0, std::floor(rank));
  const double upper = std::min(n - 1, lower + 1);
  const double weight = rank - std::floor(rank);
  return values[static_cast<std::size_t>(lower)] * (1 - weight) + values[static_cast<std::size_t>(upper)] * weight;
}

double bucket_quantile(double q, std::vector<Bucket>& buckets) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  if (std::isnan(q)) return nan;
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  std::sort(buckets.begin(), buckets.end(), [](const Bucket& a, const Bucket& b) { return a.upper_bound < b.upper_bound; });
  if (!(std::isinf(buckets.back().upper_bound) && buckets.back().upper_bound > 0)) return nan;
  // Coalesce buckets with the same bound.
  std::size_t w = 0;
  for (std::size_t r = 1; r < buckets.size(); ++r) {
    if (buckets[r].upper_bound == buckets[w].upper_bound) {
      buckets[w].count += buckets[r].count;
    } else {
      buckets[++w] = buckets[r];
    }
  }
  buckets.resize(w + 1);
  // Make the counts monotonic.
  double max = buckets[0].count;
  for (std::size_t i = 1; i < buckets.size(); ++i) {
    if (buckets[i].count > max) {
      max = buckets[i].count;
    } else if (buckets[i].count < max) {
      buckets[i].count = max;
    }
  }
  if (buckets.size() < 2) return nan;
  const double observations = buckets.back().count;
  if (observations == 0) return nan;
  double rank = q * observations;
  // sort.Search over all but the last bucket: the first with count >= rank.
  std::size_t b = 0;
  while (b < buckets.size() - 1 && !(buckets[b].count >= rank)) ++b;
  if (b == buckets.size() - 1) return buckets[buckets.size() - 2].upper_bound;
  if (b == 0 && buckets[0].upper_bound <= 0) return buckets[0].upper_bound;
  double start = 0;
  const double end = buckets[b].upper_bound;
  double count = buckets[b].count;
  if (b > 0) {
    start = buckets[b - 1].upper_bound;
    count -= buckets[b - 1].count;
    rank -= buckets[b - 1].count;
  }
  return start + (end - start) * (rank / count);
}

namespace {

bool leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

}  // namespace

double date_field(DateField field, double unix_seconds) {
  // Go: time.Unix(int64(v), 0).UTC(). int64() truncates toward zero; NaN and values
  // out of range give math.MinInt64 (amd64), which Go's calendar then wraps.
  const std::int64_t unix = std::isnan(unix_seconds) || unix_seconds >= 9.223372036854775807e18 ||
                                    unix_seconds < -9.223372036854775808e18
                                ? std::numeric_limits<std::int64_t>::min()
                                : static_cast<std::int64_t>(unix_seconds);
  // Go's absolute time: seconds since 1 Jan of year -292277022399, modulo 2^64.
  const std::uint64_t abs = static_cast<std::uint64_t>(unix) + 9223372028715321600ULL;
  constexpr std::uint64_t kDay = 86400;
  std::uint64_t d = abs / kDay;
  std::uint64_t n = d / 146097;  // 400-year cycles
  std::uint64_t y = 400 * n;
  d -= 146097 * n;
  n = d / 36524;
  n -= n >> 2;
  y += 100 * n;
  d -= 36524 * n;
  n = d / 1461;
  y += 4 * n;
  d -= 1461 * n;
  n = d / 365;
  n -= n >> 2;
  y += n;
  d -= 365 * n;
  const std::int64_t year = static_cast<std::int64_t>(y) - 292277022399LL;
  const int yday = static_cast<int>(d);
  static const int kBefore[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365};
  int day = yday, month = 0;
  bool done = false;
  if (leap(year)) {
    if (day > 31 + 29 - 1) {
      --day;
    } else if (day == 31 + 29 - 1) {
      month = 2;
      day = 29;
      done = true;
    }
  }
  if (!done) {
    month = day / 31;
    int begin;
    if (day >= kBefore[month + 1]) {
      ++month;
      begin = kBefore[month];
    } else {
      begin = kBefore[month];
    }
    ++month;
    day = day - begin + 1;
  }
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  switch (field) {
    case DateField::kDaysInMonth: return kDays[month - 1] + (month == 2 && leap(year) ? 1 : 0);
    case DateField::kDayOfMonth: return day;
    case DateField::kDayOfWeek: return static_cast<double>((abs + kDay) % (7 * kDay) / kDay);  // absolute day 0 was a Monday
    case DateField::kDayOfYear: return yday + 1;
    case DateField::kHour: return static_cast<double>(abs % kDay / 3600);
    case DateField::kMinute: return static_cast<double>(abs % 3600 / 60);
    case DateField::kMonth: return month;
    case DateField::kYear: return static_cast<double>(year);
  }
  return 0;
}

std::string go_format_fixed(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // The shortest digits that read back as v, laid out without an exponent (Go pads
  // with zeros rather than printing the binary value's exact digits).
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  const std::string sci(buf, r.ptr);
  const auto e = sci.find('e');
  const int exp = std::stoi(sci.substr(e + 1));
  std::string digits;
  bool negative = false;
  for (char c : sci.substr(0, e)) {
    if (c == '-') negative = true;
    if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
  }
  std::string out;
  const int point = exp + 1;  // digits before the decimal point
  if (point <= 0) {
    out = "0." + std::string(static_cast<std::size_t>(-point), '0') + digits;
  } else if (static_cast<std::size_t>(point) >= digits.size()) {
    out = digits + std::string(static_cast<std::size_t>(point) - digits.size(), '0');
  } else {
    out = digits.substr(0, static_cast<std::size_t>(point)) + "." + digits.substr(static_cast<std::size_t>(point));
  }
  if (out == "0" || out.find_first_not_of("0.") == std::string::npos) out = "0";
  return (negative ? "-" : "") + out;
}

std::string go_format_g(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);  // shortest digits
  std::string sci(buf, r.ptr);
  const auto e = sci.find('e');
  const int exp = std::stoi(sci.substr(e + 1));
  if (exp < -4 || exp >= 6) {  // strconv .g, shortest: exponent at 6
    std::string mant = sci.substr(0, e);
    std::string ex = std::to_string(std::abs(exp));
    if (ex.size() < 2) ex = "0" + ex;
    return mant + "e" + (exp < 0 ? "-" : "+") + ex;
  }
  r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

}  // namespace failsim::sim::prometheus
