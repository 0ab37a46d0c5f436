// A live instant query against a Prometheus HTTP API (real or fake), reduced to a
// QueryOutcome by failover/prometheus_response.h. This is I/O: it belongs to the live
// driver, never to failover/.
//
// base_url: "http://host:port" with an optional path prefix ("http://h:9090/prom").
// timeout bounds the connect and the read separately. Every failure (refused,
// timed out, HTTP error, bad body) becomes a kError outcome in plain words.
// Thread safety: independent calls may run on different threads.
#pragma once

#include <string>

#include "failover/query.h"
#include "failover/result.h"
#include "failover/time.h"

namespace failsim::harness {

struct PrometheusEndpoint {
  std::string scheme_host_port;  // "http://127.0.0.1:9090"
  std::string path_prefix;       // "" or "/prom"
};

// Splits and checks a Prometheus base URL; errors name what is wrong.
Result<PrometheusEndpoint> parse_prometheus_url(const std::string& url);

struct InstantQuery {
  failover::QueryOutcome outcome;
  bool transport_error = false;  // no HTTP answer at all (refused, timed out, reset)
};

InstantQuery query_instant(const PrometheusEndpoint& endpoint, const std::string& promql, Duration timeout);

// Percent-encodes a query-string value (everything but RFC 3986 unreserved characters).
std::string url_encode(const std::string& value);

}  // namespace failsim::harness
