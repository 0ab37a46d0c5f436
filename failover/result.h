// Result<T>: a value or a human-readable error message, for expected failures
// (bad input, a malformed duration, an invalid policy field).
//
// Contract: exactly one of value() / error() is meaningful; reading the other is a
// programming error (checked with assert). failover/ throws nothing for expected
// failures; it returns Result values.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace failsim {

template <class T>
class Result {
 public:
  static Result ok(T value) { return Result(std::in_place_index<0>, std::move(value)); }
  static Result error(std::string message) {
    return Result(std::in_place_index<1>, std::move(message));
  }

  bool has_value() const noexcept { return data_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  const T& value() const& {
    assert(has_value());
    return std::get<0>(data_);
  }
  T&& value() && {
    assert(has_value());
    return std::get<0>(std::move(data_));
  }
  const std::string& error() const {
    assert(!has_value());
    return std::get<1>(data_);
  }

 private:
  template <std::size_t I, class V>
  Result(std::in_place_index_t<I> tag, V&& v) : data_(tag, std::forward<V>(v)) {}
  std::variant<T, std::string> data_;
};

}  // namespace failsim
