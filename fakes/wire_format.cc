#include "fakes/wire_format.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

namespace failsim::fakes {
namespace {

// Days since 1970-01-01 -> civil date (Howard Hinnant's algorithm, proleptic Gregorian).
void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yoe + era * 400 + (m <= 2 ? 1 : 0));
}

std::int64_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

std::string special(double v) {
  if (std::isnan(v)) return "NaN";
  return v > 0 ? "+Inf" : "-Inf";
}

}  // namespace

std::string rfc3339(std::int64_t unix_us, int fraction_digits) {
  std::int64_t secs = unix_us / 1'000'000;
  std::int64_t frac_us = unix_us % 1'000'000;
  if (frac_us < 0) {
    frac_us += 1'000'000;
    --secs;
  }
  std::int64_t days = secs / 86400;
  std::int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int y = 0;
  unsigned m = 0, d = 0;
  civil_from_days(days, y, m, d);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", y, m, d, static_cast<int>(rem / 3600),
                static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  std::string out = buf;
  if (fraction_digits > 0 && frac_us != 0) {
    char f[16];
    std::snprintf(f, sizeof f, "%06lld000", static_cast<long long>(frac_us));
    std::string digits(f, static_cast<std::size_t>(std::min(fraction_digits, 9)));
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    if (!digits.empty()) out += "." + digits;
  }
  return out + "Z";
}

namespace {

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

Result<std::int64_t> parse_api_time(std::string_view text) {
  const std::string s(text);
  // Unix seconds with an optional fraction.
  double seconds = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), seconds);
  if (ec == std::errc() && end == s.data() + s.size() && std::isfinite(seconds)) {
    // Within about ±291,000 years, so milliseconds minus any lookback or range fit int64.
    if (std::fabs(seconds) > 9.2e12) return Result<std::int64_t>::error("cannot parse \"" + s + "\" to a valid timestamp");
    return Result<std::int64_t>::ok(static_cast<std::int64_t>(std::llround(seconds * 1000.0)));
  }
  // RFC3339: YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)
  // As Go's time.Parse(time.RFC3339, ...) checks it: fixed-width digits, a day that the
  // month has (2026-02-30 is refused, not read as March 2), seconds below 60.
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, used = 0;
  bool shape = s.size() >= 20;
  for (std::size_t k = 0; shape && k < 19; ++k) {
    const char want = k == 4 || k == 7 ? '-' : k == 10 ? 'T' : k == 13 || k == 16 ? ':' : '0';
    shape = want == '0' ? (s[k] >= '0' && s[k] <= '9') : (s[k] == want || (want == 'T' && s[k] == 't'));
  }
  if (shape && std::sscanf(s.c_str(), "%4d-%2d-%2d%*c%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) == 6 && used == 19 &&
      mo >= 1 && mo <= 12 && d >= 1 && d <= days_in_month(y, mo) && h < 24 && mi < 60 && sec < 60) {
    std::size_t i = 19;
    std::int64_t ms = 0;
    if (i < s.size() && s[i] == '.') {
      ++i;
      int digits = 0;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (digits < 3) ms = ms * 10 + (s[i] - '0');
        ++digits;
        ++i;
      }
      if (digits == 0) i = s.size() + 1;  // "." without digits: invalid
      for (; digits < 3 && digits > 0; ++digits) ms *= 10;
    }
    std::int64_t offset_s = 0;
    bool ok = false;
    if (i + 1 == s.size() && (s[i] == 'Z' || s[i] == 'z')) {
      ok = true;
    } else if (i + 6 == s.size() && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
      int oh = 0, om = 0;
      if (std::sscanf(s.c_str() + i + 1, "%2d:%2d", &oh, &om) == 2) {
        offset_s = (oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
        ok = true;
      }
    }
    if (ok) {
      const std::int64_t days = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
      return Result<std::int64_t>::ok((days * 86400 + h * 3600 + mi * 60 + sec - offset_s) * 1000 + ms);
    }
  }
  return Result<std::int64_t>::error("cannot parse \"" + s + "\" to a valid timestamp");
}

std::string format_sample_value(double v) {
  if (!std::isfinite(v)) return special(v);
  char buf[400];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, r.ptr);
}

std::string format_alert_value(double v) {
  if (!std::isfinite(v)) return special(v);
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  return std::string(buf, r.ptr);
}

std::string percent_encode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      n = 1;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      n = 2;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto b = static_cast<unsigned char>(s[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace failsim::fakes
