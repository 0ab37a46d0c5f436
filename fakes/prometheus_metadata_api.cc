#include "fakes/prometheus_metadata_api.h"

#include <re2/re2.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "failover/duration.h"
#include "fakes/exposition.h"
#include "fakes/prometheus_reply.h"
#include "fakes/wire_format.h"
#include "sim/prometheus/promql_eval.h"
#include "sim/prometheus/promql_parser.h"

namespace failsim::fakes {
namespace {

namespace prom = sim::prometheus;

// Series Prometheus writes itself, with no metadata from a target.
bool synthetic(std::string_view name) {
  return name == "up" || name.starts_with("scrape_") || name == "ALERTS" || name == "ALERTS_FOR_STATE";
}

struct TimeRange {
  std::int64_t start_ms = std::numeric_limits<std::int64_t>::min();
  std::int64_t end_ms = std::numeric_limits<std::int64_t>::max();
};

// start/end parameters (absent: all of time); on a bad one, its reply.
std::optional<ApiReply> time_range(const httplib::Params& params, TimeRange& range) {
  for (const char* name : {"start", "end"}) {
    const std::string text = api_param(params, name);
    if (text.empty()) continue;
    auto t = parse_api_time(text);
    if (!t) return api_bad_param(name, "Invalid time value for '" + std::string(name) + "': " + t.error());
    (std::string_view(name) == "start" ? range.start_ms : range.end_ms) = t.value();
  }
  return std::nullopt;
}

bool has_sample_in(const std::vector<prom::Sample>& samples, const TimeRange& range) {
  return std::any_of(samples.begin(), samples.end(),
                     [&](const prom::Sample& s) { return !s.stale && s.t_ms >= range.start_ms && s.t_ms <= range.end_ms; });
}

// The match[] selectors; on a bad one, its reply.
std::optional<ApiReply> selectors(const httplib::Params& params, std::vector<prom::NodePtr>& out) {
  for (const std::string& text : api_params(params, "match[]")) {
    auto parsed = prom::parse_promql(text);
    if (!parsed) return api_bad_param("match[]", parsed.error());
    if (parsed.value()->kind != prom::Node::Kind::kVectorSelector || parsed.value()->offset_ms != 0 ||
        parsed.value()->at != prom::AtKind::kNone) {
      return api_bad_param("match[]", "1:1: parse error: expected a vector selector, such as up{job=\"node\"}");
    }
    out.push_back(std::move(parsed).value());
  }
  return std::nullopt;
}

// Calls fn(labels) for every series with a sample in range that any selector matches
// (every series when there are no selectors).
template <class Fn>
void for_each_series(const prom::SeriesStore& store, const std::vector<prom::NodePtr>& match, const TimeRange& range,
                     Fn fn) {
  for (const auto& [series_labels, samples] : store.series()) {
    if (!has_sample_in(samples, range)) continue;
    const prom::Labels& labels = series_labels;  // clang 14 cannot capture a structured binding
    if (!match.empty() && std::none_of(match.begin(), match.end(), [&](const prom::NodePtr& m) {
          return prom::matches_all(m->matchers, labels);
        })) {
      continue;
    }
    fn(labels);
  }
}

PromJson metric_metadata(std::string_view name) {
  return PromJson{{"type", "gauge"}, {"help", exposition_help(name)}, {"unit", ""}};
}

std::size_t limit_param(const httplib::Params& params) {
  const std::string text = api_param(params, "limit");
  if (text.empty()) return std::numeric_limits<std::size_t>::max();
  const long long n = std::atoll(text.c_str());
  return n <= 0 ? std::numeric_limits<std::size_t>::max() : static_cast<std::size_t>(n);
}

bool has_selector(const prom::Node& n) {
  if (n.kind == prom::Node::Kind::kVectorSelector || n.kind == prom::Node::Kind::kMatrixSelector) return true;
  if (n.param && has_selector(*n.param)) return true;
  return std::any_of(n.args.begin(), n.args.end(), [](const prom::NodePtr& a) { return a && has_selector(*a); });
}

// GET/POST /api/v1/query_exemplars (2.42, queryExemplars): the world's exporters expose
// no exemplars, so a query with a selector finds none ([]), one without any is 204 No
// Content; the same time and parse errors as 2.42 (checked against Debian's 2.42).
ApiReply render_query_exemplars(const httplib::Params& params) {
  TimeRange range;
  if (auto bad = time_range(params, range)) return *bad;
  if (range.end_ms < range.start_ms) return api_error("bad_data", "end timestamp must not be before start timestamp");
  const std::string query = api_param(params, "query");
  if (query.empty()) return api_error("bad_data", "1:1: parse error: no expression found in input");
  auto parsed = prom::parse_promql(query);
  if (!parsed) return api_error("bad_data", parsed.error());
  if (!has_selector(*parsed.value())) return ApiReply{204, "", ""};
  return api_success(PromJson::array());
}

// GET /api/v1/status/tsdb: the head block's figures from the store (a series per chunk:
// the model keeps no older blocks) and the cardinality lists, top 10 as 2.42 gives them.
ApiReply render_tsdb(const prom::PrometheusServer& prometheus) {
  std::int64_t min_t = std::numeric_limits<std::int64_t>::max(), max_t = std::numeric_limits<std::int64_t>::min();
  std::map<std::string, std::int64_t> by_metric, values_by_name, bytes_by_name, by_pair;
  std::map<std::string, std::set<std::string>> values_of;
  std::size_t series = 0;
  for (const auto& [labels, samples] : prometheus.store().series()) {
    if (samples.empty()) continue;
    ++series;
    min_t = std::min(min_t, samples.front().t_ms);
    max_t = std::max(max_t, samples.back().t_ms);
    ++by_metric[std::string(prom::label_value(labels, "__name__"))];
    for (const auto& [k, v] : labels) {
      values_of[k].insert(v);
      ++by_pair[k + "=" + v];
    }
  }
  for (const auto& [name, values] : values_of) {
    values_by_name[name] = static_cast<std::int64_t>(values.size());
    std::int64_t bytes = 0;
    for (const auto& v : values) bytes += static_cast<std::int64_t>(v.size());
    bytes_by_name[name] = bytes;
  }
  auto top10 = [](const std::map<std::string, std::int64_t>& counts) {
    std::vector<std::pair<std::string, std::int64_t>> v(counts.begin(), counts.end());
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    PromJson list = PromJson::array();
    for (std::size_t i = 0; i < v.size() && i < 10; ++i) list.push_back(PromJson{{"name", v[i].first}, {"value", v[i].second}});
    return list;
  };
  std::size_t pairs = 0;
  for (const auto& [name, values] : values_of) pairs += values.size();
  return api_success(PromJson{{"headStats",
                               PromJson{{"numSeries", series},
                                        {"numLabelPairs", pairs},
                                        {"chunkCount", series},
                                        {"minTime", min_t},
                                        {"maxTime", max_t}}},
                              {"seriesCountByMetricName", top10(by_metric)},
                              {"labelValueCountByLabelName", top10(values_by_name)},
                              {"memoryInBytesByLabelName", top10(bytes_by_name)},
                              {"seriesCountByLabelValuePair", top10(by_pair)}});
}

}  // namespace

ApiReply render_series(const prom::PrometheusServer& prometheus, const httplib::Params& params) {
  if (api_params(params, "match[]").empty()) return api_error("bad_data", "no match[] parameter provided");
  TimeRange range;
  if (auto bad = time_range(params, range)) return *bad;
  std::vector<prom::NodePtr> match;
  if (auto bad = selectors(params, match)) return *bad;
  PromJson data = PromJson::array();
  for_each_series(prometheus.store(), match, range, [&](const prom::Labels& labels) { data.push_back(labels_json(labels)); });
  return api_success(std::move(data));
}

ApiReply render_labels(const prom::PrometheusServer& prometheus, const httplib::Params& params) {
  TimeRange range;
  if (auto bad = time_range(params, range)) return *bad;
  std::vector<prom::NodePtr> match;
  if (auto bad = selectors(params, match)) return *bad;
  std::set<std::string> names;
  for_each_series(prometheus.store(), match, range, [&](const prom::Labels& labels) {
    for (const auto& [k, v] : labels) names.insert(k);
  });
  return api_success(PromJson(names));
}

ApiReply render_label_values(const prom::PrometheusServer& prometheus, const std::string& name,
                             const httplib::Params& params) {
  if (!prom::is_valid_label_name(name)) return api_error("bad_data", "invalid label name: \"" + name + "\"");
  TimeRange range;
  if (auto bad = time_range(params, range)) return *bad;
  std::vector<prom::NodePtr> match;
  if (auto bad = selectors(params, match)) return *bad;
  std::set<std::string> values;
  for_each_series(prometheus.store(), match, range, [&](const prom::Labels& labels) {
    const auto v = prom::label_value(labels, name);
    if (!v.empty()) values.insert(std::string(v));
  });
  return api_success(PromJson(values));
}

ApiReply render_metadata(const prom::PrometheusServer& prometheus, const httplib::Params& params) {
  const std::string metric = api_param(params, "metric");
  const std::size_t limit = limit_param(params);
  std::set<std::string> recorded;
  for (const auto& g : prometheus.rule_groups()) {
    for (const auto& r : g.spec().rules) {
      if (!r.alerting) recorded.insert(r.name);
    }
  }
  PromJson data = PromJson::object();
  for (const auto& [labels, samples] : prometheus.store().series()) {
    const std::string name(prom::label_value(labels, "__name__"));
    if (synthetic(name) || recorded.count(name) > 0 || data.contains(name)) continue;
    if (!metric.empty() && name != metric) continue;
    if (data.size() >= limit) break;
    data[name] = PromJson::array({metric_metadata(name)});
  }
  return api_success(std::move(data));
}

ApiReply render_targets_metadata(const prom::PrometheusServer& prometheus, const httplib::Params& params) {
  const std::string metric = api_param(params, "metric");
  const std::size_t limit = limit_param(params);
  std::vector<prom::Matcher> target_matchers;
  if (const std::string text = api_param(params, "match_target"); !text.empty()) {
    auto parsed = prom::parse_promql(text);
    if (!parsed || parsed.value()->kind != prom::Node::Kind::kVectorSelector) {
      return api_bad_param("match_target", parsed ? "expected a label selector" : parsed.error());
    }
    target_matchers = parsed.value()->matchers;
  }
  PromJson data = PromJson::array();
  for (const auto& t : prometheus.targets()) {
    if (!prom::matches_all(target_matchers, t.labels)) continue;
    std::set<std::string> names;
    for (const auto& [labels, samples] : prometheus.store().series()) {
      if (prom::label_value(labels, "job") != t.job || prom::label_value(labels, "instance") != t.instance) continue;
      const std::string name(prom::label_value(labels, "__name__"));
      if (!synthetic(name) && (metric.empty() || name == metric)) names.insert(name);
    }
    for (const auto& name : names) {
      if (data.size() >= limit) break;
      // 2.42 names the metric only when none was asked for (api.go: `metric,omitempty`).
      PromJson entry{{"target", labels_json(t.labels)}};
      if (metric.empty()) entry["metric"] = name;
      // Held in a local: items() of a temporary dangles before the loop body runs (the
      // segfault of every targets/metadata call once a target had been scraped).
      const PromJson metadata = metric_metadata(name);
      for (const auto& [k, v] : metadata.items()) entry[k] = v;
      data.push_back(std::move(entry));
    }
  }
  return api_success(std::move(data));
}

ApiReply render_buildinfo() {
  // The Prometheus whose behaviour the model reproduces (Debian bookworm's 2.42).
  return api_success(PromJson{{"version", "2.42.0"},
                              {"revision", "failsim"},
                              {"branch", "debian/sid"},
                              {"buildUser", "failsim"},
                              {"buildDate", "20230202-00:00:00"},
                              {"goVersion", "go1.19.8"}});
}

namespace {

// A string as Go's yaml.v2 writes it: double-quoted when it would read back as another
// type (a YAML 1.1 bool or null, a number) or is empty, bare otherwise.
std::string yaml_string(const std::string& v) {
  static const RE2 other_type(R"((?i)(|~|null|true|false|yes|no|on|off|y|n|[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|[-+]?\.inf|\.nan))");
  const bool special = v.find_first_of(":#{}[],&*!|>'\"%@`\n") != std::string::npos || (!v.empty() && (v.front() == ' ' || v.back() == ' '));
  if (!special && !RE2::FullMatch(v, other_type)) return v;
  std::string out = "\"";
  for (const char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

ApiReply render_config(const prom::PrometheusServer& prometheus, const PrometheusStatus& status) {
  std::string y = "global:\n";
  y += "  scrape_interval: " + format_duration(prometheus.config().global_scrape_interval) + "\n";
  y += "  scrape_timeout: " + format_duration(prometheus.config().global_scrape_timeout) + "\n";
  y += "  evaluation_interval: " + format_duration(prometheus.config().evaluation_interval) + "\n";
  if (!prometheus.config().external_labels.empty()) {
    y += "  external_labels:\n";
    for (const auto& [k, v] : prometheus.config().external_labels) y += "    " + k + ": " + v + "\n";
  }
  if (!status.alertmanager_urls.empty()) {
    y += "alerting:\n  alertmanagers:\n  - static_configs:\n    - targets:\n";
    for (const auto& url : status.alertmanager_urls) y += "      - " + url + "\n";
  }
  std::set<std::string> files;
  for (const auto& g : prometheus.rule_groups()) files.insert(g.spec().file);
  if (!files.empty()) {
    y += "rule_files:\n";
    for (const auto& f : files) y += "- " + f + "\n";
  }
  // Each job as 2.42 writes it back (config.go's defaults shown), its static targets
  // grouped by their labels; relabelling is not echoed.
  const auto configs = prometheus.scrape_configs();
  if (!configs.empty()) y += "scrape_configs:\n";
  for (const auto* c : configs) {
    y += "- job_name: " + c->job + "\n";
    y += std::string("  honor_labels: ") + (c->honor_labels ? "true" : "false") + "\n";
    y += "  honor_timestamps: true\n";
    y += "  scrape_interval: " + format_duration(c->scrape_interval) + "\n";
    y += "  scrape_timeout: " + format_duration(c->scrape_timeout) + "\n";
    y += "  metrics_path: " + c->metrics_path + "\n  scheme: " + c->scheme + "\n";
    y += "  follow_redirects: true\n  enable_http2: true\n";
    std::vector<std::pair<std::string, std::vector<std::string>>> groups;  // labels (YAML) -> targets
    for (const auto& t : c->targets) {
      std::string labels;
      for (const auto& [k, v] : t.labels) labels += "      " + k + ": " + yaml_string(v) + "\n";
      const std::string address = t.host + ":" + std::to_string(t.port);
      auto it = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == labels; });
      if (it == groups.end()) {
        groups.emplace_back(labels, std::vector<std::string>{address});
      } else {
        it->second.push_back(address);
      }
    }
    if (!groups.empty()) y += "  static_configs:\n";
    for (const auto& [labels, addresses] : groups) {
      y += "  - targets:\n";
      for (const auto& a : addresses) y += "    - " + a + "\n";
      if (!labels.empty()) y += "    labels:\n" + labels;
    }
  }
  return api_success(PromJson{{"yaml", y}});
}

ApiReply render_flags(const prom::PrometheusServer& prometheus) {
  const auto& c = prometheus.config();
  return api_success(PromJson{{"query.lookback-delta", format_duration(Duration(c.query.lookback_ms * 1000))},
                              {"query.max-samples", std::to_string(c.query.max_samples)},
                              {"query.timeout", format_duration(c.query_timeout)},
                              {"rules.alert.for-grace-period", "10m"},
                              {"rules.alert.for-outage-tolerance", "1h"},
                              {"rules.alert.resend-delay", "1m"},
                              {"storage.tsdb.retention.time", "15d"},
                              {"web.listen-address", "127.0.0.1:9090"}});
}

ApiReply render_runtimeinfo(const PrometheusStatus& status) {
  return api_success(PromJson{{"startTime", rfc3339(to_us(status.started), 9)},
                              {"CWD", "/"},
                              {"reloadConfigSuccess", true},
                              {"lastConfigTime", rfc3339(to_us(status.started), 0)},
                              {"corruptionCount", 0},
                              {"goroutineCount", 1},
                              {"GOMAXPROCS", 1},
                              {"GOGC", ""},
                              {"GODEBUG", ""},
                              {"storageRetention", "15d"}});
}

ApiReply render_alertmanagers(const PrometheusStatus& status) {
  PromJson active = PromJson::array();
  for (const auto& url : status.alertmanager_urls) active.push_back(PromJson{{"url", "http://" + url + "/api/v2/alerts"}});
  return api_success(PromJson{{"activeAlertmanagers", active}, {"droppedAlertmanagers", PromJson::array()}});
}

void install_prometheus_metadata_api(httplib::Server& server, LiveLoop& loop, const prom::PrometheusServer& prometheus,
                                     PrometheusStatus status) {
  auto reply = [&loop](httplib::Response& res, auto render) { answer_on_engine(loop, res, std::move(render)); };
  auto route = [&server, reply](const std::string& path, auto render) {
    auto handler = [reply, render](const httplib::Request& req, httplib::Response& res) {
      const httplib::Params params = req.params;
      const std::string name = req.matches.size() > 1 ? req.matches[1].str() : "";
      reply(res, [render, params, name] { return render(params, name); });
    };
    server.Get(path, handler);
    server.Post(path, handler);
  };
  const prom::PrometheusServer* p = &prometheus;
  route("/api/v1/series", [p](const httplib::Params& q, const std::string&) { return render_series(*p, q); });
  route("/api/v1/labels", [p](const httplib::Params& q, const std::string&) { return render_labels(*p, q); });
  route(R"(/api/v1/label/([^/]+)/values)",
        [p](const httplib::Params& q, const std::string& name) { return render_label_values(*p, name, q); });
  route("/api/v1/metadata", [p](const httplib::Params& q, const std::string&) { return render_metadata(*p, q); });
  route("/api/v1/targets/metadata", [p](const httplib::Params& q, const std::string&) { return render_targets_metadata(*p, q); });
  route("/api/v1/status/buildinfo", [](const httplib::Params&, const std::string&) { return render_buildinfo(); });
  route("/api/v1/status/config", [p, status](const httplib::Params&, const std::string&) { return render_config(*p, status); });
  route("/api/v1/status/flags", [p](const httplib::Params&, const std::string&) { return render_flags(*p); });
  route("/api/v1/status/runtimeinfo", [status](const httplib::Params&, const std::string&) { return render_runtimeinfo(status); });
  route("/api/v1/alertmanagers", [status](const httplib::Params&, const std::string&) { return render_alertmanagers(status); });
  route("/api/v1/query_exemplars", [](const httplib::Params& q, const std::string&) { return render_query_exemplars(q); });
  route("/api/v1/status/tsdb", [p](const httplib::Params&, const std::string&) { return render_tsdb(*p); });
}

}  // namespace failsim::fakes
