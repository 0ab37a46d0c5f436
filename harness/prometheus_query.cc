#include "harness/prometheus_query.h"

#include "fakes/wire_format.h"

#include <httplib.h>

#include "failover/duration.h"
#include "failover/prometheus_response.h"

namespace failsim::harness {

Result<PrometheusEndpoint> parse_prometheus_url(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    return Result<PrometheusEndpoint>::error("--prometheus \"" + url +
                                             "\": expected a URL such as http://127.0.0.1:9090");
  }
  const std::string scheme = url.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") {
    return Result<PrometheusEndpoint>::error("--prometheus \"" + url + "\": scheme must be http or https");
  }
  const auto path_start = url.find('/', scheme_end + 3);
  PrometheusEndpoint e;
  e.scheme_host_port = url.substr(0, path_start);
  if (e.scheme_host_port.size() == scheme_end + 3) {
    return Result<PrometheusEndpoint>::error("--prometheus \"" + url + "\": no host");
  }
  if (path_start != std::string::npos) {
    e.path_prefix = url.substr(path_start);
    while (!e.path_prefix.empty() && e.path_prefix.back() == '/') e.path_prefix.pop_back();
  }
  return Result<PrometheusEndpoint>::ok(e);
}

std::string url_encode(const std::string& value) { return fakes::percent_encode(value); }

InstantQuery query_instant(const PrometheusEndpoint& endpoint, const std::string& promql, Duration timeout) {
  httplib::Client client(endpoint.scheme_host_port);
  client.set_connection_timeout(std::chrono::duration_cast<std::chrono::microseconds>(timeout));
  client.set_read_timeout(std::chrono::duration_cast<std::chrono::microseconds>(timeout));
  client.set_tcp_nodelay(true);
  client.set_write_timeout(std::chrono::duration_cast<std::chrono::microseconds>(timeout));
  client.set_url_encode(false);  // the path is already percent-encoded
  const std::string path = endpoint.path_prefix + "/api/v1/query?query=" + url_encode(promql);
  const auto res = client.Get(path.c_str());
  if (!res) {
    const std::string where = " (" + endpoint.scheme_host_port + ")";
    std::string why;
    switch (res.error()) {
      case httplib::Error::Connection:
        why = "cannot connect to Prometheus: connection refused or host unreachable";
        break;
      case httplib::Error::ConnectionTimeout:
        why = "connecting to Prometheus timed out after " + format_duration(timeout);
        break;
      case httplib::Error::Read:
        why = "no answer from Prometheus within " + format_duration(timeout);
        break;
      default:
        why = "request to Prometheus failed: " + httplib::to_string(res.error());
        break;
    }
    return InstantQuery{failover::QueryOutcome::failed(why + where), true};
  }
  return InstantQuery{failover::parse_query_response(res->status, res->body), false};
}

}  // namespace failsim::harness
