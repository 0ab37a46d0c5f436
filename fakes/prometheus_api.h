// The fake Prometheus HTTP API over the Prometheus model (reference B4; bodies as
// Prometheus 2.42 writes them):
//   GET/POST /api/v1/query        query, time (RFC3339 or unix s; default now)
//   GET/POST /api/v1/query_range  query, start, end (inclusive), step (> 0; at most
//                                 11,000 points per series)
//   GET /api/v1/targets           state=active|dropped|any, scrapePool
//   GET /api/v1/alerts            pending and firing alerts, annotations expanded
//   GET /api/v1/rules             type=alert|record
//   GET|HEAD /-/healthy, /-/ready
// Envelope {"status":"success","data":…} or {"status":"error","errorType","error"}:
// bad_data 400, execution 422, unavailable 503 (the live loop is stopping). Unknown
// paths under /api/v1/ answer Prometheus's plain-text "404 page not found".
// POST bodies are form-encoded (application/x-www-form-urlencoded), as Prometheus takes.
//
// The handlers run on HTTP threads and read the model only inside LiveLoop::call.
// The render_* functions are the engine-thread halves, usable without HTTP.
#pragma once

#include <httplib.h>

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

// Engine-thread renderers. `now` is the model's current time; `started` the world's
// start (rule groups are evaluated from then on).
ApiReply render_query(const sim::prometheus::PrometheusServer& prometheus, const httplib::Params& params, TimePoint now);
ApiReply render_query_range(const sim::prometheus::PrometheusServer& prometheus, const httplib::Params& params);
ApiReply render_targets(const sim::prometheus::PrometheusServer& prometheus, const httplib::Params& params);
ApiReply render_alerts(const sim::prometheus::PrometheusServer& prometheus);
ApiReply render_rules(const sim::prometheus::PrometheusServer& prometheus, const httplib::Params& params, TimePoint now,
                      TimePoint started);

// Adds the routes to `server`; `loop` and `prometheus` must outlive it.
void install_prometheus_api(httplib::Server& server, LiveLoop& loop, const sim::prometheus::PrometheusServer& prometheus,
                            TimePoint started);

}  // namespace failsim::fakes
