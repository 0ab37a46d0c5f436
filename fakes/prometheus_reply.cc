#include "fakes/prometheus_reply.h"

namespace failsim::fakes {

ApiReply api_success(PromJson data) {
  PromJson j;
  j["status"] = "success";
  j["data"] = std::move(data);
  return ApiReply{200, j.dump(-1, ' ', false, PromJson::error_handler_t::replace)};
}

ApiReply api_error(const std::string& type, const std::string& message) {
  PromJson j;
  j["status"] = "error";
  j["errorType"] = type;
  j["error"] = message;
  const int status = type == "bad_data"                                                      ? 400
                     : type == "execution"                                                   ? 422
                     : type == "unavailable" || type == "timeout" || type == "canceled" ? 503
                                                                                             : 500;
  return ApiReply{status, j.dump(-1, ' ', false, PromJson::error_handler_t::replace)};
}

ApiReply api_bad_param(const std::string& name, const std::string& message) {
  return api_error("bad_data", "invalid parameter \"" + name + "\": " + message);
}

std::string api_param(const httplib::Params& params, const std::string& name) {
  const auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

std::vector<std::string> api_params(const httplib::Params& params, const std::string& name) {
  std::vector<std::string> out;
  const auto [first, last] = params.equal_range(name);
  for (auto it = first; it != last; ++it) out.push_back(it->second);
  return out;
}

PromJson labels_json(const sim::prometheus::Labels& labels) {
  PromJson m = PromJson::object();
  for (const auto& [k, v] : labels) m[k] = v;
  return m;
}

}  // namespace failsim::fakes
