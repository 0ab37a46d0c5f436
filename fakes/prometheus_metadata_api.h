// The fake Prometheus's metadata and status API, as Prometheus 2.42 answers it
// (web/api/v1/api.go), for promtool `query series|labels`, Grafana's metric browser
// and version probe:
//   GET/POST /api/v1/series            match[] (required, repeatable), start, end
//   GET/POST /api/v1/labels            match[], start, end: label names, sorted
//   GET/POST /api/v1/label/<name>/values  match[], start, end: values, sorted
//   GET /api/v1/metadata               metric, limit: {name: [{type, help, unit}]}
//   GET /api/v1/targets/metadata       match_target, metric, limit
//   GET /api/v1/status/buildinfo|config|flags|runtimeinfo|tsdb  (config: the world's
//                                      configuration as loaded; tsdb: the head's figures)
//   GET /api/v1/alertmanagers
//   GET/POST /api/v1/query_exemplars   query, start, end: none in the world ([]); 204
//                                      without a selector, 2.42's errors
// Without start/end a request covers all of time, as Prometheus's does. Every metric
// a runner exports is a gauge with its exporter's HELP text; `up` and scrape_* are
// Prometheus's own (no metadata). Renderers run on the engine thread.
#pragma once

#include <httplib.h>

#include <string>
#include <vector>

#include "failover/time.h"
#include "fakes/live_loop.h"
#include "fakes/prometheus_api.h"
#include "sim/prometheus/server.h"

namespace failsim::fakes {

// What the status endpoints report beyond the model.
struct PrometheusStatus {
  TimePoint started{};                        // the world's start (runtimeinfo startTime)
  std::vector<std::string> alertmanager_urls;  // host:port of each Alertmanager
};

ApiReply render_series(const sim::prometheus::PrometheusServer& prometheus, const httplib::Params& params);
ApiReply render_labels(const sim::prometheus::PrometheusServer& prometheus, const httplib::Params& params);
ApiReply render_label_values(const sim::prometheus::PrometheusServer& prometheus, const std::string& name,
                             const httplib::Params& params);
ApiReply render_metadata(const sim::prometheus::PrometheusServer& prometheus, const httplib::Params& params);
ApiReply render_targets_metadata(const sim::prometheus::PrometheusServer& prometheus, const httplib::Params& params);
ApiReply render_buildinfo();
ApiReply render_config(const sim::prometheus::PrometheusServer& prometheus, const PrometheusStatus& status);
ApiReply render_flags(const sim::prometheus::PrometheusServer& prometheus);
ApiReply render_runtimeinfo(const PrometheusStatus& status);
ApiReply render_alertmanagers(const PrometheusStatus& status);

// Adds the routes; `loop` and `prometheus` must outlive `server`.
void install_prometheus_metadata_api(httplib::Server& server, LiveLoop& loop,
                                     const sim::prometheus::PrometheusServer& prometheus, PrometheusStatus status);

}  // namespace failsim::fakes
