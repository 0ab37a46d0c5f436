// Test helpers for the live endpoints of `failsim serve`: an httplib client for an
// endpoint URL ("http://127.0.0.1:PORT[/path]", as endpoints.json and on_ready give
// them) and one JSON call.
#pragma once

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>

namespace failsim::testing {

inline std::unique_ptr<httplib::Client> client_for(const std::string& url) {
  const std::string rest = url.substr(url.find("://") + 3);
  const std::string authority = rest.substr(0, rest.find('/'));
  const auto colon = authority.rfind(':');
  auto c = std::make_unique<httplib::Client>(authority.substr(0, colon), std::stoi(authority.substr(colon + 1)));
  c->set_connection_timeout(std::chrono::seconds(2));
  c->set_read_timeout(std::chrono::seconds(10));
  return c;
}

struct Answer {
  int status = 0;  // 0: no answer
  nlohmann::json body;
};

inline Answer call(httplib::Client& c, const std::string& method, const std::string& path, const std::string& body = "") {
  httplib::Result r = method == "POST"     ? c.Post(path, body, "application/json")
                      : method == "DELETE" ? c.Delete(path)
                                           : c.Get(path);
  if (!r) return {};
  return {r->status, nlohmann::json::parse(r->body, nullptr, false)};
}

}  // namespace failsim::testing
