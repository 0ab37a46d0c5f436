// Strict reading of JSON documents (policies, scenarios): every field read is
// checked for type and range, unknown fields (usually typos) are errors, and every
// error names the JSON pointer of the field and what was expected.
//
// Fields throws Invalid (inside the parsing function only; callers turn it into a
// Result error prefixed with the file name). parse() reports syntax errors with the
// line and column.
#pragma once

#include <nlohmann/json.hpp>

#include <cctype>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "failover/duration.h"
#include "failover/result.h"

namespace failsim::json_fields {

using nlohmann::json;

// Thrown by Fields; the parsing function turns it into a Result error.
struct Invalid : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Nesting deeper than this is refused while parsing (no shipped file nests past 8); so
// nothing that walks a document recursively, such as dump(), can exhaust the stack.
inline constexpr int kMaxJsonDepth = 64;
// The longest duration any field of an input file may give: every time the simulator
// adds stays far from int64 microseconds' limit (292,471 years).
inline constexpr Duration kMaxInputDuration = std::chrono::hours(24 * 366);

// A value for an error message, at most 40 characters. Documents are parsed with the
// depth limit above, so dump() cannot recurse too deep; a long object or array is named
// by its kind and size instead.
inline std::string describe(const json& v) {
  std::string s = v.dump(-1, ' ', false, json::error_handler_t::replace);
  if (s.size() <= 40) return s;
  if (v.is_object()) return "an object of " + std::to_string(v.size()) + " fields";
  if (v.is_array()) return "an array of " + std::to_string(v.size());
  return s.substr(0, 37) + "...";
}

// Reads one JSON object, remembering which fields were read so that unknown fields
// (usually typos) are reported instead of silently ignored.
class Fields {
 public:
  Fields(const json& j, std::string pointer) : j_(j), pointer_(std::move(pointer)) {
    if (!j_.is_object()) fail(pointer_, "expected an object, got " + describe(j_));
  }

  [[noreturn]] static void fail(const std::string& pointer, const std::string& what) {
    throw Invalid((pointer.empty() ? "/" : pointer) + ": " + what);
  }

  std::string at(const std::string& key) const { return pointer_ + "/" + key; }

  const json* get(const std::string& key) {
    known_.insert(key);
    const auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
  }
  const json& need(const std::string& key) {
    const json* v = get(key);
    if (v == nullptr) fail(at(key), "missing required field" + typo_hint());
    return *v;
  }

  // " (the object has \"x\", which is not a known field: a typo?)" when it has keys
  // that nothing has read so far, else "".
  std::string typo_hint() const {
    std::string unknown;
    for (const auto& [k, value] : j_.items()) {
      if (known_.count(k) == 0) unknown += (unknown.empty() ? "\"" : ", \"") + k + "\"";
    }
    return unknown.empty() ? "" : " (the object has " + unknown + ", not a known field: a typo?)";
  }

  std::string text(const std::string& key, std::optional<std::string> fallback = std::nullopt) {
    const json* v = get(key);
    if (v == nullptr) {
      if (fallback) return *fallback;
      fail(at(key), "missing required field (a string)" + typo_hint());
    }
    if (!v->is_string()) fail(at(key), "expected a string, got " + describe(*v));
    return v->get<std::string>();
  }
  bool flag(const std::string& key, bool fallback) {
    const json* v = get(key);
    if (v == nullptr) return fallback;
    if (!v->is_boolean()) fail(at(key), "expected true or false, got " + describe(*v));
    return v->get<bool>();
  }
  int integer(const std::string& key, int fallback, int min, int max) {
    const json* v = get(key);
    if (v == nullptr) return fallback;
    if (!v->is_number_integer() || v->get<long long>() < min || v->get<long long>() > max) {
      fail(at(key), "expected an integer in [" + std::to_string(min) + ", " + std::to_string(max) +
                        "], got " + describe(*v));
    }
    return v->get<int>();
  }
  double number(const std::string& key, double fallback) {
    const json* v = get(key);
    if (v == nullptr) return fallback;
    if (!v->is_number() || !std::isfinite(v->get<double>())) {
      fail(at(key), "expected a number, got " + describe(*v));
    }
    return v->get<double>();
  }
  Duration duration(const std::string& key, std::optional<Duration> fallback = std::nullopt) {
    const json* v = get(key);
    if (v == nullptr) {
      if (fallback) return *fallback;
      fail(at(key), "missing required field (a duration such as \"30s\")" + typo_hint());
    }
    if (!v->is_string()) {
      fail(at(key), "expected a duration string such as \"30s\" or \"5m\", got " + describe(*v));
    }
    const auto parsed = parse_duration(v->get<std::string>());
    if (!parsed) fail(at(key), parsed.error());
    if (parsed.value() > kMaxInputDuration) {
      fail(at(key), "\"" + v->get<std::string>() + "\" is longer than 366d, failsim's limit for any duration in its files");
    }
    return parsed.value();
  }
  // A percentage: a number in [0, 100].
  double percent(const std::string& key, double fallback) {
    const double p = number(key, fallback);
    if (!(p >= 0.0 && p <= 100.0)) fail(at(key), "expected a percentage in [0, 100], got " + describe(*get(key)));
    return p;
  }
  // A probability: a number in [0, 1].
  double probability(const std::string& key, double fallback) {
    const double p = number(key, fallback);
    if (!(p >= 0.0 && p <= 1.0)) fail(at(key), "expected a probability in [0, 1], got " + describe(*get(key)));
    return p;
  }
  template <class E>
  E choice(const std::string& key, const std::map<std::string, E>& options, E fallback) {
    const json* v = get(key);
    if (v == nullptr) return fallback;
    std::string names;
    for (const auto& [name, value] : options) names += (names.empty() ? "\"" : ", \"") + name + "\"";
    if (!v->is_string()) fail(at(key), "expected one of " + names + ", got " + describe(*v));
    const auto it = options.find(v->get<std::string>());
    if (it == options.end()) fail(at(key), "expected one of " + names + ", got " + describe(*v));
    return it->second;
  }
  std::vector<std::string> strings(const std::string& key) {
    const json& v = need(key);
    if (!v.is_array() || v.empty()) fail(at(key), "expected a non-empty array of strings");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (!v[i].is_string() || v[i].get<std::string>().empty()) {
        fail(at(key) + "/" + std::to_string(i), "expected a non-empty string, got " + describe(v[i]));
      }
      out.push_back(v[i].get<std::string>());
    }
    return out;
  }

  // Reports the first field that was never read.
  void finish() const {
    for (const auto& [key, value] : j_.items()) {
      if (known_.count(key) == 0) {
        std::string names;
        for (const auto& k : known_) names += (names.empty() ? "" : ", ") + k;
        fail(at(key), "unknown field; expected one of: " + names);
      }
    }
  }

 private:
  const json& j_;
  std::string pointer_;
  std::set<std::string> known_;
};


// A JSON integer that fits T, or nothing: a float (4.1e19, 1.5) or an integer out of T's
// range is not one. nlohmann's get<T> would convert either: a float by a cast that is
// undefined behaviour out of range, a large integer by wrapping it silently.
template <class T>
std::optional<T> whole(const json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    if (std::in_range<T>(u)) return static_cast<T>(u);
  } else if (v.is_number_integer()) {
    const auto i = v.get<std::int64_t>();
    if (std::in_range<T>(i)) return static_cast<T>(i);
  }
  return std::nullopt;
}

// j[key] as a T, strictly (whole above); throws Invalid naming the key otherwise.
template <class T>
T whole_at(const json& j, const char* key) {
  if (const auto v = whole<T>(j.at(key))) return *v;
  throw Invalid(std::string(key) + ": expected an integer, got " + describe(j.at(key)));
}

// "a, b, c": a list in a message.
inline std::string join(const std::vector<std::string>& items, const std::string& sep = ", ") {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : sep) + i;
  return out;
}

inline std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Parses JSON text; a syntax error names the source, line and column.
// A field given twice in one object is an error: JSON parsers keep only the last one,
// so a second "deploy_within" would silently replace the first.
//
// Checked in a SAX pass of its own, before the document is built: nlohmann's callback
// parser rescans the enclosing array after every object for discarded values, so a
// list of N objects cost N^2 (16,384 runners took 3.5 s; the SAX pass is linear).
class DuplicateFieldCheck : public nlohmann::json_sax<json> {
 public:
  bool null() override { return value(); }
  bool boolean(bool) override { return value(); }
  bool number_integer(number_integer_t) override { return value(); }
  bool number_unsigned(number_unsigned_t) override { return value(); }
  bool number_float(number_float_t, const string_t&) override { return value(); }
  bool string(string_t&) override { return value(); }
  bool binary(binary_t&) override { return value(); }
  bool start_object(std::size_t) override { return start(false); }
  bool start_array(std::size_t) override { return start(true); }
  bool key(string_t& key) override {
    if (!frames_.back().keys.insert(key).second) {
      throw Invalid(pointer() + "/" + key + ": the field is given twice in one object (JSON keeps only the last; "
                                            "remove one)");
    }
    last_key_ = key;
    return true;
  }
  bool end_object() override { return end(); }
  bool end_array() override { return end(); }
  // A syntax error: the pass stops; building the document reports it with its position.
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }

 private:
  bool value() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
    return true;
  }
  bool start(bool array) {
    if (frames_.size() >= static_cast<std::size_t>(kMaxJsonDepth)) {
      throw Invalid(pointer() + ": nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    }
    frames_.push_back(Frame{array, 0, {}, child_name()});
    return true;
  }
  bool end() {
    frames_.pop_back();
    return value();
  }
  struct Frame {
    bool array;
    std::size_t index;
    std::set<std::string> keys;
    std::string name;  // under which key or index it sits in its parent
  };
  std::string child_name() const {
    if (frames_.empty()) return "";
    return frames_.back().array ? std::to_string(frames_.back().index) : last_key_;
  }
  std::string pointer() const {
    std::string p;
    for (std::size_t i = 1; i < frames_.size(); ++i) p += "/" + frames_[i].name;
    return p;
  }
  std::vector<Frame> frames_;
  std::string last_key_;
};

inline Result<json> parse(std::string_view text, std::string_view source) {
  try {
    DuplicateFieldCheck check;
    json::sax_parse(text, &check);
    return Result<json>::ok(json::parse(text));
  } catch (const Invalid& e) {
    return Result<json>::error(std::string(source) + ": " + e.what());
  } catch (const json::out_of_range& e) {  // "number overflow parsing '1e309'" (a double cannot hold it)
    std::string what = e.what();
    const auto pos = what.find("number overflow");
    if (pos != std::string::npos) what = what.substr(pos);
    const auto quote = what.find('\'');
    std::size_t line = 1;
    if (quote != std::string::npos) {
      const std::string token = what.substr(quote + 1, what.rfind('\'') - quote - 1);
      const auto at = text.find(token);
      for (std::size_t i = 0; at != std::string_view::npos && i < at; ++i) line += text[i] == '\n' ? 1 : 0;
    }
    return Result<json>::error(std::string(source) + ": line " + std::to_string(line) + ": invalid JSON: " + what +
                               " (the number is out of range)");
  } catch (const json::parse_error& e) {
    std::size_t line = 1;
    std::size_t column = 1;
    const std::size_t end = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    for (std::size_t i = 0; i < end; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    std::string what = e.what();
    const auto pos = what.find("syntax error");
    if (pos != std::string::npos) what = what.substr(pos);
    return Result<json>::error(std::string(source) + ": line " + std::to_string(line) + ", column " +
                               std::to_string(column) + ": invalid JSON: " + what);
  }
}

// Parses `text` and reads it with `read(const json&)`, which throws Invalid; every error
// is prefixed with the source ("world.json: /runners/0/name: ...").
template <class T, class Read>
Result<T> read_document(std::string_view text, const std::string& source, Read read) {
  auto root = parse(text, source);
  if (!root) return Result<T>::error(root.error());
  try {
    return Result<T>::ok(read(root.value()));
  } catch (const Invalid& e) {
    return Result<T>::error(source + ": " + e.what());
  }
}

}  // namespace failsim::json_fields
