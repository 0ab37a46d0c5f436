// Building blocks of the fake Prometheus API's replies (web/api/v1/api.go's envelope):
// {"status":"success","data":…} or {"status":"error","errorType","error"} with the
// status code of the error type (bad_data 400, execution 422, unavailable/timeout/
// canceled 503), request parameters, and label sets as JSON objects.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "fakes/live_loop.h"
#include "fakes/prometheus_api.h"
#include "sim/prometheus/labels.h"

namespace failsim::fakes {

using PromJson = nlohmann::ordered_json;

ApiReply api_success(PromJson data);
ApiReply api_error(const std::string& type, const std::string& message);
// bad_data: invalid parameter "<name>": <message>
ApiReply api_bad_param(const std::string& name, const std::string& message);
// The parameter's (first) value, "" when absent.
std::string api_param(const httplib::Params& params, const std::string& name);
// Every value of a repeated parameter (match[]).
std::vector<std::string> api_params(const httplib::Params& params, const std::string& name);
PromJson labels_json(const sim::prometheus::Labels& labels);

// Computes a reply on the engine thread (LiveLoop::call) and writes it into `res`; a
// stopping world answers 503 unavailable.
template <class Render>
void answer_on_engine(LiveLoop& loop, httplib::Response& res, Render render) {
  std::optional<ApiReply> r = loop.call(std::move(render));
  if (!r) r = api_error("unavailable", "the simulated world is not running");
  res.status = r->status;
  if (!r->body.empty() || !r->content_type.empty()) res.set_content(r->body, r->content_type.c_str());  // 204: neither
}

}  // namespace failsim::fakes
