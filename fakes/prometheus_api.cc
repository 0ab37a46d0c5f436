#include "fakes/prometheus_api.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <map>

#include "failover/duration.h"
#include "fakes/prometheus_reply.h"
#include "fakes/wire_format.h"
#include "sim/prometheus/promql_eval.h"
#include "sim/prometheus/promql_parser.h"

namespace failsim::fakes {
namespace {

using Json = nlohmann::ordered_json;
namespace prom = sim::prometheus;

constexpr std::int64_t kMaxPointsPerSeries = 11000;

ApiReply success(Json data) { return api_success(std::move(data)); }
ApiReply error_reply(const std::string& type, const std::string& message) { return api_error(type, message); }
ApiReply bad_param(const std::string& name, const std::string& message) { return api_bad_param(name, message); }
std::string param(const httplib::Params& params, const std::string& name) { return api_param(params, name); }
Json metric_json(const prom::Labels& labels) { return labels_json(labels); }

Json point_json(std::int64_t t_ms, double v) {
  return Json::array({static_cast<double>(t_ms) / 1000.0, format_sample_value(v)});
}

// Parses `query`; on failure the Prometheus bad_data reply.
std::optional<ApiReply> parse_query_param(const httplib::Params& params, prom::NodePtr& out) {
  const std::string q = param(params, "query");
  if (q.find_first_not_of(" \t\r\n") == std::string::npos) {
    return bad_param("query", "1:1: parse error: no expression found in input");
  }
  auto parsed = prom::parse_promql(q);
  if (!parsed) return bad_param("query", parsed.error());
  out = std::move(parsed).value();
  return std::nullopt;
}

Result<std::int64_t> time_param(const httplib::Params& params, const std::string& name) {
  auto t = parse_api_time(param(params, name));
  if (!t) return Result<std::int64_t>::error("Invalid time value for '" + name + "': " + t.error());
  return t;
}

// The query's budget: --query.timeout, or the smaller `timeout` parameter, as a
// wall-clock deadline at the live speed (none at speed 0), and the world's stop.
// On a bad parameter, its reply.
std::optional<ApiReply> start_budget(const prom::PrometheusServer& prometheus, const httplib::Params& params,
                                     const LiveQuery& live, prom::QueryBudget& budget, bool& cancelled) {
  Duration timeout = prometheus.config().query_timeout;
  if (params.count("timeout") > 0) {
    auto asked = parse_duration(param(params, "timeout"));
    if (!asked) return bad_param("timeout", "cannot parse \"" + param(params, "timeout") + "\" to a valid duration");
    timeout = std::min(timeout, asked.value());
  }
  std::optional<std::chrono::steady_clock::time_point> deadline;
  if (live.speed > 0) {
    deadline = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                                       std::chrono::duration<double, std::micro>(
                                                           static_cast<double>(to_us(timeout)) / live.speed));
  }
  if (!deadline && !live.cancelled) return std::nullopt;
  budget.expired = [deadline, stop = live.cancelled, &cancelled] {
    if (stop && stop()) return cancelled = true;
    return deadline && std::chrono::steady_clock::now() >= *deadline;
  };
  return std::nullopt;
}

// An evaluation error as Prometheus types it (web/api/v1/api.go returnAPIError):
// canceled, timeout, or an execution error.
ApiReply evaluation_error(const prom::QueryBudget& budget, bool cancelled, const std::string& message) {
  if (cancelled) return error_reply("canceled", "query was canceled in expression evaluation");
  return error_reply(budget.hit == prom::QueryBudget::Limit::kTime ? "timeout" : "execution", message);
}

Json alert_json(const prom::RuleSpec& rule, const prom::Alert& a) {
  Json j;
  j["labels"] = metric_json(a.labels);
  Json ann = Json::object();
  for (const auto& [k, v] : rule.annotations) ann[k] = prom::expand_labels_template(v, a.labels);
  j["annotations"] = ann;
  j["state"] = a.state == prom::AlertState::kFiring ? "firing" : "pending";
  j["activeAt"] = rfc3339(a.active_at_ms * 1000, 9);
  if (a.keep_firing_since_ms >= 0) j["keepFiringSince"] = rfc3339(a.keep_firing_since_ms * 1000, 9);
  j["value"] = format_alert_value(a.value);
  return j;
}

}  // namespace

ApiReply render_query(const prom::PrometheusServer& prometheus, const httplib::Params& params, TimePoint now,
                      const LiveQuery& live) {
  prom::NodePtr expr;
  if (auto bad = parse_query_param(params, expr)) return *bad;
  prom::QueryBudget budget;
  bool cancelled = false;
  if (auto bad = start_budget(prometheus, params, live, budget, cancelled)) return *bad;
  std::int64_t t_ms = to_us(now) / 1000;
  if (params.count("time") > 0) {
    auto t = time_param(params, "time");
    if (!t) return bad_param("time", t.error());
    t_ms = t.value();
  }
  auto value = prom::evaluate(*expr, prometheus.store(), t_ms, prometheus.config().query, &budget);
  if (!value) return evaluation_error(budget, cancelled, value.error());
  Json data;
  if (const auto* s = std::get_if<prom::Scalar>(&value.value())) {
    data["resultType"] = "scalar";
    data["result"] = point_json(t_ms, s->value);
  } else if (const auto* v = std::get_if<prom::Vector>(&value.value())) {
    data["resultType"] = "vector";
    data["result"] = Json::array();
    for (const auto& sample : *v) {
      data["result"].push_back(Json{{"metric", metric_json(sample.labels)}, {"value", point_json(t_ms, sample.value)}});
    }
  } else if (const auto* str = std::get_if<prom::StringValue>(&value.value())) {
    data["resultType"] = "string";
    data["result"] = Json::array({static_cast<double>(t_ms) / 1000.0, str->value});
  } else {
    data["resultType"] = "matrix";
    data["result"] = Json::array();
    for (const auto& series : std::get<prom::Matrix>(value.value())) {
      Json values = Json::array();
      for (const auto& p : series.points) values.push_back(point_json(p.t_ms, p.value));
      data["result"].push_back(Json{{"metric", metric_json(series.labels)}, {"values", values}});
    }
  }
  return success(std::move(data));
}

ApiReply render_query_range(const prom::PrometheusServer& prometheus, const httplib::Params& params,
                            const LiveQuery& live) {
  auto start = time_param(params, "start");
  if (!start) return bad_param("start", start.error());
  auto end = time_param(params, "end");
  if (!end) return bad_param("end", end.error());
  if (end.value() < start.value()) return bad_param("end", "end timestamp must not be before start time");
  const std::string step_text = param(params, "step");
  std::int64_t step_ms = 0;
  double step_s = 0;
  const auto [ptr, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step_s);
  if (ec == std::errc() && ptr == step_text.data() + step_text.size() && std::isfinite(step_s)) {
    step_ms = static_cast<std::int64_t>(std::llround(step_s * 1000.0));
  } else if (auto d = parse_duration(step_text)) {
    step_ms = to_us(d.value()) / 1000;
  } else {
    return bad_param("step", "cannot parse \"" + step_text + "\" to a valid duration");
  }
  if (step_ms <= 0) {
    return bad_param("step", "zero or negative query resolution step widths are not accepted. Try a positive integer");
  }
  // end >= start: their difference fits an unsigned 64-bit number even when the signed
  // one would overflow (start=-9.2e15&end=9.2e15 used to wrap and loop for ever).
  const std::uint64_t span_ms = static_cast<std::uint64_t>(end.value()) - static_cast<std::uint64_t>(start.value());
  if (span_ms / static_cast<std::uint64_t>(step_ms) + 1 > static_cast<std::uint64_t>(kMaxPointsPerSeries)) {
    return error_reply("bad_data",
                       "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)");
  }
  prom::NodePtr expr;
  if (auto bad = parse_query_param(params, expr)) return *bad;
  prom::QueryBudget budget;
  bool cancelled = false;
  if (auto bad = start_budget(prometheus, params, live, budget, cancelled)) return *bad;
  std::map<prom::Labels, std::vector<prom::Point>> series;
  prom::EvalOptions options = prometheus.config().query;  // @ start() / @ end(): the range's
  options.start_ms = start.value();
  options.end_ms = end.value();
  const std::int64_t steps = static_cast<std::int64_t>(span_ms / static_cast<std::uint64_t>(step_ms)) + 1;
  for (std::int64_t i = 0; i < steps; ++i) {
    const std::int64_t t = start.value() + i * step_ms;
    auto value = prom::evaluate(*expr, prometheus.store(), t, options, &budget);
    if (!value) return evaluation_error(budget, cancelled, value.error());
    if (const auto* s = std::get_if<prom::Scalar>(&value.value())) {
      series[{}].push_back({t, s->value});
    } else if (const auto* v = std::get_if<prom::Vector>(&value.value())) {
      for (const auto& sample : *v) series[sample.labels].push_back({t, sample.value});
    } else {
      return bad_param("query", std::string("invalid expression type \"") +
                                    (std::holds_alternative<prom::Matrix>(value.value()) ? "range vector" : "string") +
                                    "\" for range query, must be Scalar or instant Vector");
    }
  }
  Json data;
  data["resultType"] = "matrix";
  data["result"] = Json::array();
  for (const auto& [labels, points] : series) {
    Json values = Json::array();
    for (const auto& p : points) values.push_back(point_json(p.t_ms, p.value));
    data["result"].push_back(Json{{"metric", metric_json(labels)}, {"values", values}});
  }
  return success(std::move(data));
}

ApiReply render_targets(const prom::PrometheusServer& prometheus, const httplib::Params& params) {
  const std::string state = param(params, "state");
  const std::string pool = param(params, "scrapePool");
  const bool active = state.empty() || state == "active" || state == "any";
  Json data;
  data["activeTargets"] = Json::array();
  data["droppedTargets"] = Json::array();
  if (!active) return success(std::move(data));
  for (const auto& t : prometheus.targets()) {
    if (!pool.empty() && pool != t.job) continue;
    Json j;
    prom::Labels discovered = t.labels;
    prom::set_label(discovered, "__address__", t.instance);
    prom::set_label(discovered, "__metrics_path__", "/metrics");
    prom::set_label(discovered, "__scheme__", "http");
    // 2.42 keeps the job's interval and timeout among the discovered labels (scrape/target.go).
    prom::set_label(discovered, "__scrape_interval__", format_duration(t.interval));
    prom::set_label(discovered, "__scrape_timeout__", format_duration(t.timeout));
    prom::set_label(discovered, "job", t.job);
    j["discoveredLabels"] = metric_json(discovered);
    j["labels"] = metric_json(t.labels);
    j["scrapePool"] = t.job;
    j["scrapeUrl"] = "http://" + t.instance + "/metrics";
    j["globalUrl"] = "http://" + t.instance + "/metrics";
    j["lastError"] = t.last_error;
    j["lastScrape"] = t.health == "unknown" ? "0001-01-01T00:00:00Z" : rfc3339(to_us(t.last_scrape), 9);
    j["lastScrapeDuration"] = to_seconds(t.last_scrape_duration);
    j["health"] = t.health;
    j["scrapeInterval"] = format_duration(t.interval);
    j["scrapeTimeout"] = format_duration(t.timeout);
    data["activeTargets"].push_back(j);
  }
  return success(std::move(data));
}

ApiReply render_alerts(const prom::PrometheusServer& prometheus) {
  Json alerts = Json::array();
  for (const auto& group : prometheus.rule_groups()) {
    for (const auto& rule : group.alerting_rules()) {
      for (const auto& a : rule.active()) alerts.push_back(alert_json(rule.spec(), a));
    }
  }
  return success(Json{{"alerts", alerts}});
}

ApiReply render_rules(const prom::PrometheusServer& prometheus, const httplib::Params& params, TimePoint now,
                      TimePoint started) {
  const std::string type = param(params, "type");
  if (!type.empty() && type != "alert" && type != "record") {
    return bad_param("type", "not supported value \"" + type + "\"");
  }
  const std::int64_t now_ms = to_us(now) / 1000;
  Json groups = Json::array();
  for (std::size_t index = 0; index < prometheus.rule_groups().size(); ++index) {
    const auto& group = prometheus.rule_groups()[index];
    const auto& spec = group.spec();
    const std::int64_t start_ms = to_us(prometheus.first_evaluation_after(index, started)) / 1000;
    const std::int64_t interval_ms = spec.interval_set ? spec.interval_ms : to_us(prometheus.config().evaluation_interval) / 1000;
    const bool evaluated = now_ms >= start_ms && interval_ms > 0;
    const std::string last = evaluated ? rfc3339((start_ms + (now_ms - start_ms) / interval_ms * interval_ms) * 1000, 9)
                                       : "0001-01-01T00:00:00Z";
    Json rules = Json::array();
    for (const auto& rule : spec.rules) {
      if ((rule.alerting && type == "record") || (!rule.alerting && type == "alert")) continue;
      Json r;
      if (rule.alerting) {
        const prom::AlertingRule* ar = group.find_alert(rule.name);
        const prom::AlertState state = ar != nullptr ? ar->state() : prom::AlertState::kInactive;
        r["state"] = prom::to_string(state);
        r["name"] = rule.name;
        r["query"] = rule.expr_text;
        r["duration"] = static_cast<double>(rule.for_ms) / 1000.0;
        r["keepFiringFor"] = static_cast<double>(rule.keep_firing_for_ms) / 1000.0;
        r["labels"] = metric_json(rule.labels);
        Json ann = Json::object();
        for (const auto& [k, v] : rule.annotations) ann[k] = v;
        r["annotations"] = ann;
        r["alerts"] = Json::array();
        if (ar != nullptr) {
          for (const auto& a : ar->active()) r["alerts"].push_back(alert_json(rule, a));
        }
      } else {
        r["name"] = rule.name;
        r["query"] = rule.expr_text;
        r["labels"] = metric_json(rule.labels);
      }
      r["health"] = evaluated ? "ok" : "unknown";
      r["evaluationTime"] = 0.0;
      r["lastEvaluation"] = last;
      r["type"] = rule.alerting ? "alerting" : "recording";
      rules.push_back(r);
    }
    if (!type.empty() && rules.empty()) continue;
    Json g;
    g["name"] = spec.name;
    g["file"] = spec.file;
    g["rules"] = rules;
    g["interval"] = static_cast<double>(interval_ms) / 1000.0;
    g["limit"] = 0;
    g["evaluationTime"] = 0.0;
    g["lastEvaluation"] = last;
    groups.push_back(g);
  }
  return success(Json{{"groups", groups}});
}

namespace {
LiveQuery live_query(LiveLoop& loop) { return LiveQuery{loop.speed(), [&loop] { return loop.stopped(); }}; }
}  // namespace

void install_prometheus_api(httplib::Server& server, LiveLoop& loop, const prom::PrometheusServer& prometheus,
                            TimePoint started) {
  // Every reply is computed on the engine thread; a stopping loop answers 503.
  auto reply = [&loop](httplib::Response& res, auto render) { answer_on_engine(loop, res, std::move(render)); };
  // Parameters that are not UTF-8 are bad data (Prometheus's Go strings), never a 500.
  auto not_utf8 = [](const httplib::Request& req, httplib::Response& res) {
    for (const auto& [name, value] : req.params) {
      if (is_valid_utf8(name) && is_valid_utf8(value)) continue;
      const ApiReply r = bad_param(is_valid_utf8(name) ? name : "?", "not valid UTF-8");
      res.status = r.status;
      res.set_content(r.body, r.content_type.c_str());
      return true;
    }
    return false;
  };
  auto query = [&, reply, not_utf8](const httplib::Request& req, httplib::Response& res) {
    if (not_utf8(req, res)) return;
    const httplib::Params params = req.params;
    reply(res, [&prometheus, &loop, params] { return render_query(prometheus, params, loop.engine().now(), live_query(loop)); });
  };
  auto query_range = [&, reply, not_utf8](const httplib::Request& req, httplib::Response& res) {
    if (not_utf8(req, res)) return;
    const httplib::Params params = req.params;
    reply(res, [&prometheus, &loop, params] { return render_query_range(prometheus, params, live_query(loop)); });
  };
  server.Get("/api/v1/query", query);
  server.Post("/api/v1/query", query);
  server.Get("/api/v1/query_range", query_range);
  server.Post("/api/v1/query_range", query_range);
  server.Get("/api/v1/targets", [&, reply, not_utf8](const httplib::Request& req, httplib::Response& res) {
    if (not_utf8(req, res)) return;
    const httplib::Params params = req.params;
    reply(res, [&prometheus, params] { return render_targets(prometheus, params); });
  });
  server.Get("/api/v1/alerts", [&, reply](const httplib::Request&, httplib::Response& res) {
    reply(res, [&prometheus] { return render_alerts(prometheus); });
  });
  server.Get("/api/v1/rules", [&, reply, started, not_utf8](const httplib::Request& req, httplib::Response& res) {
    if (not_utf8(req, res)) return;
    const httplib::Params params = req.params;
    reply(res, [&prometheus, &loop, params, started] { return render_rules(prometheus, params, loop.engine().now(), started); });
  });
  auto text = [](const char* body) {
    return [body](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.method == "HEAD" ? "" : body, "text/plain; charset=utf-8");
    };
  };
  server.Get("/-/healthy", text("Prometheus Server is Healthy.\n"));
  server.Get("/-/ready", [&loop](const httplib::Request&, httplib::Response& res) {
    if (loop.stopped()) {
      res.status = 503;
      res.set_header("X-Prometheus-Stopping", "true");
      res.set_content("Service Unavailable", "text/plain; charset=utf-8");
      return;
    }
    res.set_content("Prometheus Server is Ready.\n", "text/plain; charset=utf-8");
  });
  // The web UI's entry points as Debian's 2.42 answers them (built with the classic UI
  // only): / redirects to /classic/graph, /graph to /graph/ and on; the page itself is a
  // stub. prometheus-api-client's check_prometheus_connection() follows them to a 200.
  auto redirect = [](int status, const char* location) {
    return [status, location](const httplib::Request&, httplib::Response& res) {
      res.status = status;
      res.set_header("Location", location);
      res.set_content(std::string("<a href=\"") + location + "\">" + (status == 301 ? "Moved Permanently" : "Found") + "</a>.\n\n",
                      "text/html; charset=utf-8");
    };
  };
  server.Get("/", redirect(302, "/classic/graph"));
  server.Get("/graph", redirect(301, "/graph/"));
  server.Get("/graph/", redirect(302, "/classic/graph?"));
  server.Get("/classic/graph", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("<!DOCTYPE html>\n<html><head><title>Prometheus Time Series Collection and Processing Server</title></head>"
                    "<body><p>failsim's simulated Prometheus: use the HTTP API under /api/v1/.</p></body></html>\n",
                    "text/html; charset=utf-8");
  });
  // Prometheus's router answers unknown paths with Go's plain-text 404.
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 404) res.set_content("404 page not found\n", "text/plain; charset=utf-8");
  });
}

}  // namespace failsim::fakes
