#include "fakes/alertmanager_api.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>

#include "failover/duration.h"
#include "fakes/wire_format.h"
#include "sim/prometheus/promql_eval.h"
#include "sim/prometheus/promql_parser.h"

namespace failsim::fakes {
namespace {

namespace prom = sim::prometheus;
using nlohmann::ordered_json;

struct Reply {
  int status = 200;
  std::string body;
};

Reply bad_request(const std::string& message) { return {400, nlohmann::json(message).dump() + "\n"}; }
Reply not_found() { return {404, nlohmann::json("this world has no Alertmanager").dump() + "\n"}; }

std::string when(TimePoint t) { return rfc3339(to_us(t), 3); }

// The alerting rule named `alertname` (null if none) and its group's evaluation interval
// (the global one when the group does not set its own).
struct RuleOf {
  const prom::RuleSpec* spec = nullptr;
  Duration interval{0};
};
RuleOf rule_of(const prom::PrometheusServer& prometheus, const std::string& alertname) {
  for (const auto& g : prometheus.rule_groups()) {
    if (const auto* r = g.find_alert(alertname)) {
      return {&r->spec(), g.spec().interval_set ? Duration(std::chrono::milliseconds(g.spec().interval_ms))
                                                : prometheus.config().evaluation_interval};
    }
  }
  return {nullptr, prometheus.config().evaluation_interval};
}

// A boolean query parameter (default true), as go-openapi parses it.
bool flag(const httplib::Request& req, const std::string& name, std::optional<Reply>& error) {
  if (!req.has_param(name)) return true;
  const std::string v = req.get_param_value(name);
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  error = bad_request(name + " in query must be of type boolean: \"" + v + "\"");
  return true;
}

Reply alerts(const httplib::Request& req, sim::World& world, TimePoint now) {
  const prom::Alertmanager* am = world.alertmanager();
  if (am == nullptr) return not_found();
  std::optional<Reply> error;
  const bool active = flag(req, "active", error);
  flag(req, "silenced", error);
  flag(req, "inhibited", error);
  flag(req, "unprocessed", error);
  if (error) return *error;
  std::vector<prom::Matcher> matchers;
  const auto filters = req.params.equal_range("filter");
  for (auto it = filters.first; it != filters.second; ++it) {
    auto parsed = prom::parse_promql("{" + it->second + "}");
    if (!parsed || parsed.value()->kind != prom::Node::Kind::kVectorSelector || parsed.value()->matchers.size() != 1) {
      return bad_request("bad matcher format: " + it->second);
    }
    matchers.push_back(parsed.value()->matchers[0]);
  }
  const prom::PrometheusServer& prometheus = world.prometheus();
  const Duration resend = prometheus.config().resend_delay;
  std::vector<std::pair<std::string, ordered_json>> out;
  for (const auto& held : am->held()) {
    if (!active) break;  // every alert it holds is active (no silences, no inhibitions)
    if (!prom::matches_all(matchers, held.labels)) continue;
    const std::string alertname(prom::label_value(held.labels, "alertname"));
    // Sends at evaluations: fired at received_at, then at the first evaluation strictly
    // more than resend_delay after the last send (rules/alerting.go needsSending).
    const RuleOf rule = rule_of(prometheus, alertname);
    const Duration interval = rule.interval;
    TimePoint sent = held.received_at;
    for (TimePoint t = held.received_at + interval; interval > Duration(0) && t <= now; t += interval) {
      if (t > sent + resend) sent = t;
    }
    const TimePoint ends = sent + 4 * std::max(resend, interval);
    ordered_json a;
    ordered_json annotations = ordered_json::object();
    if (rule.spec != nullptr) {
      for (const auto& [k, v] : rule.spec->annotations) annotations[k] = v;
    }
    a["annotations"] = annotations;
    a["endsAt"] = when(ends);
    const std::string fp = alert_fingerprint(held.labels);
    a["fingerprint"] = fp;
    a["receivers"] = ordered_json::array({{{"name", "default"}}});
    a["startsAt"] = when(held.received_at);
    a["status"] = {{"inhibitedBy", ordered_json::array()}, {"silencedBy", ordered_json::array()}, {"state", "active"}};
    a["updatedAt"] = when(sent);
    a["generatorURL"] = "http://prometheus:9090/graph";
    ordered_json labels = ordered_json::object();
    for (const auto& [k, v] : held.labels) labels[k] = v;
    a["labels"] = labels;
    out.emplace_back(fp, std::move(a));
  }
  std::sort(out.begin(), out.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  ordered_json list = ordered_json::array();
  for (auto& [fp, a] : out) list.push_back(std::move(a));
  return {200, list.dump() + "\n"};
}

Reply status(const sim::World& world) {
  const prom::Alertmanager* am = world.alertmanager();
  if (am == nullptr) return not_found();
  const auto& c = am->config();
  std::string group_by;
  for (const auto& g : c.group_by) group_by += (group_by.empty() ? "" : ", ") + g;
  auto dur = [](Duration d) { return format_duration(d); };
  const std::string yaml = "route:\n  receiver: default\n  group_by: [" + group_by + "]\n  group_wait: " + dur(c.group_wait) +
                           "\n  group_interval: " + dur(c.group_interval) + "\n  repeat_interval: " + dur(c.repeat_interval) +
                           "\nreceivers:\n- name: default\n";
  ordered_json s;
  s["cluster"] = {{"peers", ordered_json::array()}, {"status", "disabled"}};
  s["config"] = {{"original", yaml}};
  s["uptime"] = when(world.spec().start);
  s["versionInfo"] = {{"branch", "failsim"}, {"buildDate", ""}, {"buildUser", "failsim"}, {"goVersion", ""},
                      {"revision", "model"}, {"version", "0.25.0-failsim"}};
  return {200, s.dump() + "\n"};
}

template <class Render>
void answer(LiveLoop& loop, httplib::Response& res, Render render) {
  auto r = loop.call(std::move(render));
  if (!r) r = Reply{503, nlohmann::json("the simulated world is not running").dump() + "\n"};
  res.status = r->status;
  res.set_content(r->body, "application/json");
}

}  // namespace

std::string alert_fingerprint(const prom::Labels& labels) {
  std::uint64_t h = 14695981039346656037ULL;  // FNV-1a 64 offset basis
  auto add = [&h](std::string_view s) {
    for (const char c : s) {
      h ^= static_cast<unsigned char>(c);
      h *= 1099511628211ULL;
    }
  };
  auto add_separator = [&h] {
    h ^= 0xffU;
    h *= 1099511628211ULL;
  };
  for (const auto& [name, value] : labels) {  // Labels are sorted by name
    add(name);
    add_separator();
    add(value);
    add_separator();
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

void install_alertmanager_api(httplib::Server& server, LiveLoop& loop, sim::World& world) {
  server.Get("/api/v2/alerts", [&loop, &world](const httplib::Request& req, httplib::Response& res) {
    answer(loop, res, [&req, &world, &loop] { return alerts(req, world, loop.engine().now()); });
  });
  server.Get("/api/v2/status", [&loop, &world](const httplib::Request&, httplib::Response& res) {
    answer(loop, res, [&world] { return status(world); });
  });
}

}  // namespace failsim::fakes
