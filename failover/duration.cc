#include "failover/duration.h"

#include <array>
#include <cstdint>
#include <limits>

namespace failsim {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t us;
};

constexpr std::int64_t kMs = 1000;
constexpr std::int64_t kS = 1000 * kMs;
constexpr std::int64_t kMin = 60 * kS;
constexpr std::int64_t kH = 60 * kMin;
constexpr std::int64_t kD = 24 * kH;

// Largest to smallest; parse order and print order.
constexpr std::array<Unit, 8> kUnits{{{"y", 365 * kD},
                                      {"w", 7 * kD},
                                      {"d", kD},
                                      {"h", kH},
                                      {"m", kMin},
                                      {"s", kS},
                                      {"ms", kMs},
                                      {"us", 1}}};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

Result<Duration> fail(std::string_view text, std::string_view why) {
  std::string msg = "invalid duration \"";
  msg.append(text);
  msg += "\": ";
  msg.append(why);
  return Result<Duration>::error(std::move(msg));
}

}  // namespace

Result<Duration> parse_duration(std::string_view text) {
  if (text.empty()) return fail(text, "empty; expected e.g. \"90s\", \"5m\" or \"1h30m\"");
  if (text == "0") return Result<Duration>::ok(Duration(0));

  std::int64_t total = 0;
  std::size_t next_unit = 0;  // index into kUnits of the largest unit still allowed
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_digit(text[i])) {
      return fail(text, "expected a number at position " + std::to_string(i + 1) +
                            " (durations have no sign, fraction or spaces)");
    }
    std::int64_t number = 0;
    while (i < text.size() && is_digit(text[i])) {
      const int digit = text[i] - '0';
      if (number > (std::numeric_limits<std::int64_t>::max() - digit) / 10) {
        return fail(text, "number too large");
      }
      number = number * 10 + digit;
      ++i;
    }
    const std::size_t unit_start = i;
    while (i < text.size() && !is_digit(text[i])) ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    if (unit.empty()) {
      return fail(text, "missing unit after " + std::to_string(number) +
                            "; expected one of y, w, d, h, m, s, ms, us");
    }
    std::size_t u = 0;
    while (u < kUnits.size() && kUnits[u].name != unit) ++u;
    if (u == kUnits.size()) {
      return fail(text, "unknown unit \"" + std::string(unit) +
                            "\"; expected one of y, w, d, h, m, s, ms, us");
    }
    if (u < next_unit) {
      return fail(text, "unit \"" + std::string(unit) +
                            "\" is out of order or repeated; units go from largest to "
                            "smallest, each at most once (e.g. \"1h30m\")");
    }
    next_unit = u + 1;
    if (number > std::numeric_limits<std::int64_t>::max() / kUnits[u].us) {
      return fail(text, "too large for int64 microseconds");
    }
    const std::int64_t term = number * kUnits[u].us;
    if (total > std::numeric_limits<std::int64_t>::max() - term) {
      return fail(text, "too large for int64 microseconds");
    }
    total += term;
  }
  return Result<Duration>::ok(Duration(total));
}

std::string format_duration(Duration d) {
  std::int64_t us = d.count();
  if (us == 0) return "0s";
  std::string out;
  // Negate in unsigned arithmetic so that INT64_MIN does not overflow.
  std::uint64_t rest = static_cast<std::uint64_t>(us);
  if (us < 0) {
    out = "-";
    rest = ~rest + 1;
  }
  for (std::size_t u = 0; u < kUnits.size(); ++u) {
    const auto unit_us = static_cast<std::uint64_t>(kUnits[u].us);
    const bool exact_only = (u < 2);  // y and w only when they divide exactly
    if (exact_only && rest % unit_us != 0) continue;
    const std::uint64_t n = rest / unit_us;
    if (n == 0) continue;
    out += std::to_string(n);
    out.append(kUnits[u].name);
    rest -= n * unit_us;
  }
  return out;
}

}  // namespace failsim
