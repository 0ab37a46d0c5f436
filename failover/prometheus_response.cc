#include "failover/prometheus_response.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace failsim::failover {
namespace {

using nlohmann::json;

// Prometheus sample values are strings in Go's float format.
bool parse_sample(const json& v, double& out) {
  if (!v.is_string()) return false;
  const std::string s = v.get<std::string>();
  if (s == "NaN") {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (s == "+Inf" || s == "Inf") {
    out = std::numeric_limits<double>::infinity();
    return true;
  }
  if (s == "-Inf") {
    out = -std::numeric_limits<double>::infinity();
    return true;
  }
  char* end = nullptr;
  out = std::strtod(s.c_str(), &end);
  return !s.empty() && end == s.c_str() + s.size();
}

std::string prometheus_error(const json& j) {
  std::string msg;
  if (j.is_object()) {
    if (j.contains("errorType") && j["errorType"].is_string()) msg += j["errorType"].get<std::string>() + ": ";
    if (j.contains("error") && j["error"].is_string()) msg += j["error"].get<std::string>();
  }
  return msg;
}

}  // namespace

QueryOutcome parse_query_response(int http_status, std::string_view body) {
  const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (http_status < 200 || http_status >= 300) {
    std::string why = "HTTP " + std::to_string(http_status);
    const std::string detail = prometheus_error(j);
    if (!detail.empty()) why += " (" + detail + ")";
    return QueryOutcome::failed(why);
  }
  if (j.is_discarded()) return QueryOutcome::failed("malformed JSON in Prometheus's answer");
  if (!j.is_object() || !j.contains("status") || !j["status"].is_string()) {
    return QueryOutcome::failed("answer has no \"status\" field");
  }
  if (j["status"] != "success") {
    const std::string detail = prometheus_error(j);
    return QueryOutcome::failed("Prometheus error" + (detail.empty() ? std::string() : ": " + detail));
  }
  if (!j.contains("data") || !j["data"].is_object() || !j["data"].contains("resultType") ||
      !j["data"].contains("result")) {
    return QueryOutcome::failed("answer has no data.resultType/data.result");
  }
  const json& data = j["data"];
  const json& result = data["result"];
  double value = 0.0;
  if (data["resultType"] == "vector") {
    if (!result.is_array()) return QueryOutcome::failed("vector result is not an array");
    if (result.empty()) return QueryOutcome::empty();
    const json& first = result[0];
    if (!first.is_object() || !first.contains("value") || !first["value"].is_array() || first["value"].size() != 2 ||
        !parse_sample(first["value"][1], value)) {
      return QueryOutcome::failed("vector sample is malformed");
    }
    return QueryOutcome::of_value(value, result.size());
  }
  if (data["resultType"] == "scalar") {
    if (!result.is_array() || result.size() != 2 || !parse_sample(result[1], value)) {
      return QueryOutcome::failed("scalar result is malformed");
    }
    return QueryOutcome::of_value(value);
  }
  return QueryOutcome::failed("unexpected result type " + data["resultType"].dump() +
                              " (a health check needs an instant vector or scalar)");
}

}  // namespace failsim::failover
