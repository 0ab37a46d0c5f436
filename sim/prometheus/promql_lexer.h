// PromQL's lexer (tokens as Prometheus 2.42's generated lexer makes them, durations,
// keywords and aggregators), for the parser in promql_parser.cc. Private to
// sim/prometheus/: the interface is promql_parser.h.
#pragma once

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include "sim/prometheus/labels.h"
#include "sim/prometheus/promql_functions.h"

#include "sim/prometheus/promql_parser.h"

namespace failsim::sim::prometheus::promql_detail {


struct ParseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Tok {
  kEnd, kIdent, kMetricIdent, kKeyword, kNumber, kString, kDuration,
  kLParen, kRParen, kLBrace, kRBrace, kLBracket, kRBracket, kComma, kColon,
  kAdd, kSub, kMul, kDiv, kMod, kPow,
  kEqlEq, kNeq, kGt, kLt, kGte, kLte, kAssign, kRegexMatch, kRegexNoMatch,
  kAt,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;     // as written (a keyword: lower-cased; a string: unquoted)
  std::string raw;      // as written
  std::size_t pos = 0;  // 0-based byte offset
  std::size_t end = 0;
};

// Prometheus 2.42's keywords (promql/parser/lex.go `key`), matched case-insensitively.
inline bool is_keyword(const std::string& lower) {
  static const char* kKeywords[] = {"and", "or", "unless", "atan2", "sum", "avg", "count", "min", "max", "group",
                                    "stddev", "stdvar", "topk", "bottomk", "count_values", "quantile", "offset",
                                    "by", "without", "on", "ignoring", "group_left", "group_right", "bool",
                                    "start", "end", "inf", "nan"};
  return std::any_of(std::begin(kKeywords), std::end(kKeywords), [&](const char* k) { return lower == k; });
}

inline bool is_aggregator(const std::string& k) {
  static const char* kAggr[] = {"sum", "avg", "count", "min", "max", "group", "stddev", "stdvar",
                                "topk", "bottomk", "count_values", "quantile"};
  return std::any_of(std::begin(kAggr), std::end(kAggr), [&](const char* a) { return k == a; });
}

// model.ParseDuration: [0-9]+(y|w|d|h|m|s|ms), each unit at most once, in that order.
inline std::optional<std::int64_t> parse_prom_duration(std::string_view s) {
  if (s == "0") return 0;
  static const std::pair<const char*, std::int64_t> kUnits[] = {
      {"y", 365LL * 24 * 3600 * 1000}, {"w", 7LL * 24 * 3600 * 1000}, {"d", 24LL * 3600 * 1000},
      {"h", 3600LL * 1000}, {"m", 60LL * 1000}, {"s", 1000}, {"ms", 1}};
  std::size_t i = 0, next_unit = 0;
  std::int64_t total = 0;
  if (s.empty()) return std::nullopt;
  while (i < s.size()) {
    std::size_t j = i;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j == i) return std::nullopt;
    std::size_t k = j;
    while (k < s.size() && std::isalpha(static_cast<unsigned char>(s[k]))) ++k;
    const std::string_view unit = s.substr(j, k - j);
    std::size_t u = next_unit;
    while (u < std::size(kUnits) && unit != kUnits[u].first) ++u;
    if (u == std::size(kUnits)) return std::nullopt;
    const double n = std::strtod(std::string(s.substr(i, j - i)).c_str(), nullptr);
    const double ms = n * static_cast<double>(kUnits[u].second);
    // Beyond 2^61 ms (73 million years) sums of times and durations could overflow.
    if (ms + static_cast<double>(total) > 2.305843009213694e18) return std::nullopt;
    total += static_cast<std::int64_t>(ms);
    next_unit = u + 1;
    i = k;
  }
  return total;
}

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  Token next() {
    for (;;) {  // spaces and comments (to end of line)
      while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
      if (i_ >= s_.size() || s_[i_] != '#') break;
      while (i_ < s_.size() && s_[i_] != '\n') ++i_;
    }
    Token t;
    t.pos = i_;
    if (i_ >= s_.size()) {
      t.end = i_;
      return t;
    }
    const char c = s_[i_];
    const char n = i_ + 1 < s_.size() ? s_[i_ + 1] : '\0';
    auto take = [&](Tok k, std::size_t len) {
      t.kind = k;
      t.text = t.raw = std::string(s_.substr(i_, len));
      i_ += len;
      t.end = i_;
      return t;
    };
    switch (c) {
      case '(': return take(Tok::kLParen, 1);
      case ')': return take(Tok::kRParen, 1);
      case '{': ++brace_; return take(Tok::kLBrace, 1);
      case '}': if (brace_ > 0) --brace_; return take(Tok::kRBrace, 1);
      case '[': return take(Tok::kLBracket, 1);
      case ']': return take(Tok::kRBracket, 1);
      case ',': return take(Tok::kComma, 1);
      case ':': return take(Tok::kColon, 1);
      case '+': return take(Tok::kAdd, 1);
      case '-': return take(Tok::kSub, 1);
      case '*': return take(Tok::kMul, 1);
      case '/': return take(Tok::kDiv, 1);
      case '%': return take(Tok::kMod, 1);
      case '^': return take(Tok::kPow, 1);
      case '@': return take(Tok::kAt, 1);
      case '=':
        if (n == '=') return take(Tok::kEqlEq, 2);
        if (n == '~') return take(Tok::kRegexMatch, 2);
        return take(Tok::kAssign, 1);
      case '!':
        if (n == '=') return take(Tok::kNeq, 2);
        if (n == '~') return take(Tok::kRegexNoMatch, 2);
        throw error(i_, "unexpected character after '!': '" + std::string(1, n) + "'");
      case '>': return n == '=' ? take(Tok::kGte, 2) : take(Tok::kGt, 1);
      case '<': return n == '=' ? take(Tok::kLte, 2) : take(Tok::kLt, 1);
      case '"':
      case '\'':
      case '`':
        return string_literal(c);
      default:
        break;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && std::isdigit(static_cast<unsigned char>(n)))) {
      return number_or_duration();
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || (c == ':' && brace_ == 0)) {
      std::size_t j = i_;
      const bool colons = brace_ == 0;
      while (j < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[j])) || s_[j] == '_' || (colons && s_[j] == ':'))) ++j;
      t.raw = std::string(s_.substr(i_, j - i_));
      i_ = j;
      t.end = j;
      std::string lower = t.raw;
      std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
      if (brace_ == 0 && is_keyword(lower)) {
        t.kind = lower == "inf" || lower == "nan" ? Tok::kNumber : Tok::kKeyword;
        t.text = lower;
      } else {
        t.kind = t.raw.find(':') == std::string::npos ? Tok::kIdent : Tok::kMetricIdent;
        t.text = t.raw;
      }
      return t;
    }
    throw error(i_, std::string("unexpected character: '") + c + "'");
  }

  ParseError error(std::size_t pos, const std::string& what) const {
    // Prometheus 2.42 (ParseErr.Error): line:column, both 1-based.
    std::size_t line = 1, col = 1;
    for (std::size_t k = 0; k < pos && k < s_.size(); ++k) {
      if (s_[k] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return ParseError(std::to_string(line) + ":" + std::to_string(col) + ": parse error: " + what);
  }

  std::string_view input() const { return s_; }

 private:
  Token number_or_duration() {
    Token t;
    t.pos = i_;
    // A duration: one or more <digits><unit>, followed by no alphanumeric.
    std::size_t j = i_;
    bool duration = false;
    for (;;) {
      std::size_t d = j;
      while (d < s_.size() && std::isdigit(static_cast<unsigned char>(s_[d]))) ++d;
      if (d == j) break;
      std::size_t u = d;
      while (u < s_.size() && std::isalpha(static_cast<unsigned char>(s_[u]))) ++u;
      if (u == d) break;
      j = u;
      duration = true;
    }
    if (duration && (j >= s_.size() || !(std::isalnum(static_cast<unsigned char>(s_[j])) || s_[j] == '_' || s_[j] == '.'))) {
      t.kind = Tok::kDuration;
      t.text = t.raw = std::string(s_.substr(i_, j - i_));
      i_ = t.end = j;
      return t;
    }
    j = i_;
    if (s_[j] == '0' && j + 1 < s_.size() && (s_[j + 1] == 'x' || s_[j + 1] == 'X')) {
      j += 2;
      while (j < s_.size() && std::isxdigit(static_cast<unsigned char>(s_[j]))) ++j;
    } else {
      while (j < s_.size() && std::isdigit(static_cast<unsigned char>(s_[j]))) ++j;
      if (j < s_.size() && s_[j] == '.') {
        ++j;
        while (j < s_.size() && std::isdigit(static_cast<unsigned char>(s_[j]))) ++j;
      }
      if (j < s_.size() && (s_[j] == 'e' || s_[j] == 'E')) {
        std::size_t k = j + 1;
        if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
        if (k < s_.size() && std::isdigit(static_cast<unsigned char>(s_[k]))) {
          j = k;
          while (j < s_.size() && std::isdigit(static_cast<unsigned char>(s_[j]))) ++j;
        }
      }
    }
    if (j < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[j])) || s_[j] == '_' || s_[j] == '.')) {
      ++j;
      throw error(i_, "bad number or duration syntax: \"" + std::string(s_.substr(i_, j - i_)) + "\"");
    }
    t.kind = Tok::kNumber;
    t.text = t.raw = std::string(s_.substr(i_, j - i_));
    i_ = t.end = j;
    return t;
  }

  static int hex_value(char h) {
    if (h >= '0' && h <= '9') return h - '0';
    if (h >= 'a' && h <= 'f') return h - 'a' + 10;
    if (h >= 'A' && h <= 'F') return h - 'A' + 10;
    return -1;
  }

  static void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  // A quoted string with Go's escapes (strutil.Unquote); a backquoted one is raw.
  Token string_literal(char quote) {
    Token t;
    t.kind = Tok::kString;
    t.pos = i_;
    ++i_;
    while (i_ < s_.size() && s_[i_] != quote) {
      const char c = s_[i_];
      if (quote != '`' && c == '\n') throw error(t.pos, "unterminated quoted string");
      if (c != '\\' || quote == '`') {
        t.text += c;
        ++i_;
        continue;
      }
      if (i_ + 1 >= s_.size()) break;
      const char e = s_[i_ + 1];
      i_ += 2;
      switch (e) {
        case 'a': t.text += '\a'; break;
        case 'b': t.text += '\b'; break;
        case 'f': t.text += '\f'; break;
        case 'n': t.text += '\n'; break;
        case 'r': t.text += '\r'; break;
        case 't': t.text += '\t'; break;
        case 'v': t.text += '\v'; break;
        case '\\': t.text += '\\'; break;
        case 'x': case 'u': case 'U': {
          const int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          std::uint32_t v = 0;
          for (int k = 0; k < digits; ++k) {
            const int h = i_ < s_.size() ? hex_value(s_[i_]) : -1;
            if (h < 0) throw error(i_, "illegal character in escape sequence");
            v = v * 16 + static_cast<std::uint32_t>(h);
            ++i_;
          }
          if (e == 'x') {
            t.text += static_cast<char>(v);
          } else {
            if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000)) throw error(i_, "escape sequence is an invalid Unicode code point");
            append_utf8(t.text, v);
          }
          break;
        }
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
          std::uint32_t v = static_cast<std::uint32_t>(e - '0');
          for (int k = 0; k < 2; ++k) {
            if (i_ >= s_.size() || s_[i_] < '0' || s_[i_] > '7') throw error(i_, "illegal character in escape sequence");
            v = v * 8 + static_cast<std::uint32_t>(s_[i_] - '0');
            ++i_;
          }
          if (v > 255) throw error(i_, "escape sequence is an invalid Unicode code point");
          t.text += static_cast<char>(v);
          break;
        }
        default:
          if (e == quote) {
            t.text += e;
            break;
          }
          throw error(i_ - 1, std::string("unknown escape sequence U+") + hex4(static_cast<unsigned char>(e)) + " '" + e + "'");
      }
    }
    if (i_ >= s_.size()) throw error(t.pos, "unterminated quoted string");
    ++i_;
    t.end = i_;
    t.raw = std::string(s_.substr(t.pos, t.end - t.pos));
    return t;
  }

  static std::string hex4(unsigned v) {
    static const char* kHex = "0123456789ABCDEF";
    std::string s = "0000";
    for (int k = 3; k >= 0; --k, v >>= 4) s[static_cast<std::size_t>(k)] = kHex[v & 15];
    return s;
  }

  std::string_view s_;
  std::size_t i_ = 0;
  int brace_ = 0;  // inside {...}: words are label names, never keywords
};

}  // namespace failsim::sim::prometheus::promql_detail
