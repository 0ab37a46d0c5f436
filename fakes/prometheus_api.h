// The fake Prometheus HTTP API over the Prometheus model (reference B4; bodies as
// Prometheus 2.42 writes them):
//   GET/POST /api/v1/query        query, time (RFC3339 or unix s; default now)
//   GET/POST /api/v1/query_range  query, start, end (inclusive), step (> 0; at most
//                                 11,000 points per series)
//   GET /api/v1/targets           state=active|dropped|any, scrapePool
//   GET /api/v1/alerts            pending and firing alerts, annotations expanded
//   GET /api/v1/rules             type=alert|record
//   GET|HEAD /-/healthy, /-/ready
// Queries take Prometheus's `timeout` parameter and limits: a query loading more than
// --query.max-samples samples is an execution error (422); one running past
// --query.timeout (or a smaller `timeout`) is a timeout error (503). The timeout is
// virtual time: at live speed S it is timeout / S of wall-clock time, as every other
// duration of the world is; the engine thread is never held longer. A query running
// when the world stops (Ctrl-C) is cancelled (503, errorType canceled).
// Envelope {"status":"success","data":…} or {"status":"error","errorType","error"}:
// bad_data 400, execution 422, timeout 503, unavailable 503 (the live loop is stopping). Unknown
// paths under /api/v1/ answer Prometheus's plain-text "404 page not found".
// POST bodies are form-encoded (application/x-www-form-urlencoded), as Prometheus takes.
//
// The handlers run on HTTP threads and read the model only inside LiveLoop::call.
// The render_* functions are the engine-thread halves, usable without HTTP.
#pragma once

#include <httplib.h>

#include <functional>
#include <string>

#include "failover/time.h"
#include "fakes/live_loop.h"
#include "sim/prometheus/server.h"

namespace failsim::fakes {

struct ApiReply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

// A query's wall-clock limits in live mode.
struct LiveQuery {
  double speed = 0;                 // the live loop's; 0: no deadline
  std::function<bool()> cancelled;  // true once the world is stopping; empty: never
};

// Engine-thread renderers. `now` is the model's current time; `started` the world's
// start (rule groups are evaluated from then on).
ApiReply render_query(const sim::prometheus::PrometheusServer& prometheus, const httplib::Params& params, TimePoint now,
                      const LiveQuery& live = {});
ApiReply render_query_range(const sim::prometheus::PrometheusServer& prometheus, const httplib::Params& params,
                            const LiveQuery& live = {});
ApiReply render_targets(const sim::prometheus::PrometheusServer& prometheus, const httplib::Params& params);
ApiReply render_alerts(const sim::prometheus::PrometheusServer& prometheus);
ApiReply render_rules(const sim::prometheus::PrometheusServer& prometheus, const httplib::Params& params, TimePoint now,
                      TimePoint started);

// Adds the routes to `server`; `loop` and `prometheus` must outlive it.
void install_prometheus_api(httplib::Server& server, LiveLoop& loop, const sim::prometheus::PrometheusServer& prometheus,
                            TimePoint started);

}  // namespace failsim::fakes
