// UTF-8 validation at failsim's input edges (files, command-line arguments, HTTP requests).
// Every text failsim keeps ends up in JSON, which must be valid UTF-8 (RFC 8259 §8.1);
// bytes that are not are refused where they enter, naming where, never later as a crash.
//  - first_invalid_utf8: the offset of the first byte that does not begin or continue a
//    well-formed sequence (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF),
//    or nullopt when the whole text is valid.
//  - utf8_error: "line L, byte B is not UTF-8 (0xNN)" for a text, or nullopt.
//  - control_char_error: for a one-line name printed in reports and terminals (a deploy
//    version), "byte B is a control character (0xNN)" for the first C0 byte or DEL (an
//    escape sequence would reach the reader's terminal), or nullopt.
// Pure functions: no allocation but the message.
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>

namespace failsim {

inline std::optional<std::size_t> first_invalid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<std::uint8_t>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint8_t lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return i;
    }
    if (i + n >= s.size()) return i;  // truncated
    for (std::size_t k = 1; k <= n; ++k) {
      const auto b = static_cast<std::uint8_t>(s[i + k]);
      if (k == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF)) return i;
    }
    i += n + 1;
  }
  return std::nullopt;
}

inline std::optional<std::string> utf8_error(std::string_view s) {
  const auto at = first_invalid_utf8(s);
  if (!at) return std::nullopt;
  std::size_t line = 1;
  for (std::size_t i = 0; i < *at; ++i) line += s[i] == '\n' ? 1 : 0;
  char hex[8];
  std::snprintf(hex, sizeof(hex), "0x%02X", static_cast<unsigned>(static_cast<std::uint8_t>(s[*at])));
  return "line " + std::to_string(line) + ", byte " + std::to_string(*at + 1) + " is not UTF-8 (" + hex + ")";
}

inline std::optional<std::string> control_char_error(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<std::uint8_t>(s[i]);
    if (c < 0x20 || c == 0x7F) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", c);
      return "byte " + std::to_string(i + 1) + " is a control character (" + hex + ")";
    }
  }
  return std::nullopt;
}

}  // namespace failsim
