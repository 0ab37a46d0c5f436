#include "harness/gate/prometheus_query.h"

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
  // host[:port]: a name or IPv4 address, or a bracketed IPv6 one; a port of 1-65535.
  const std::string authority = e.scheme_host_port.substr(scheme_end + 3);
  std::string host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos || close == 1) {
      return Result<PrometheusEndpoint>::error("--prometheus \"" + url + "\": an IPv6 host is [ADDRESS], e.g. http://[::1]:9090");
    }
    host = authority.substr(1, close - 1);
    const std::string rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return Result<PrometheusEndpoint>::error("--prometheus \"" + url + "\": expected :PORT after ]");
    if (!rest.empty()) port = rest.substr(1);
    if (host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos) {
      return Result<PrometheusEndpoint>::error("--prometheus \"" + url + "\": \"" + host + "\" is not an IPv6 address");
    }
  } else {
    const auto colon = authority.rfind(':');
    if (colon != std::string::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    const bool name_ok = !host.empty() && host.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") ==
                                              std::string::npos;
    if (!name_ok) {
      return Result<PrometheusEndpoint>::error("--prometheus \"" + url + "\": \"" + host +
                                               "\" is not a host name or address (credentials in the URL are not supported)");
    }
  }
  if (authority.find(':', authority.front() == '[' ? authority.find(']') : 0) != std::string::npos) {
    const bool digits = !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535) {
      return Result<PrometheusEndpoint>::error("--prometheus \"" + url + "\": port \"" + port + "\" is not 1-65535");
    }
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
