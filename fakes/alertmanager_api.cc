#include "fakes/alertmanager_api.h"

#include <nlohmann/json.hpp>

#include <re2/re2.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "failover/duration.h"
#include "fakes/wire_format.h"
#include "sim/prometheus/promql_eval.h"
#include "sim/prometheus/promql_parser.h"

namespace failsim::fakes {
namespace {

namespace prom = sim::prometheus;
using nlohmann::ordered_json;

struct AmReply {
  int status = 200;
  std::string body;
};

AmReply bad_request(const std::string& message) { return {400, nlohmann::json(message).dump() + "\n"}; }
AmReply no_alertmanager() { return {404, nlohmann::json("this world has no Alertmanager").dump() + "\n"}; }

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

// One `filter` value as Alertmanager 0.25's API parses it (pkg/labels/parse.go,
// ParseMatcher): NAME OP VALUE with OP one of = != =~ !~, spaces around each, the value
// bare or double-quoted (\\, \" and \n unescaped); the same error texts. Checked against
// Debian's alertmanager 0.25: alertname=X, instance=~.+, severity!=none, alertname="X".
Result<prom::AmMatcher> parse_filter(const std::string& text) {
  using R = Result<prom::AmMatcher>;
  static const RE2 shape(R"(^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(=~|=|!=|!~)\s*((?s).*?)\s*$)");
  std::string name, op, raw;
  if (!RE2::FullMatch(text, shape, &name, &op, &raw)) return R::error("bad matcher format: " + text);
  const std::string written = raw;
  bool quoted = false;
  if (!raw.empty() && raw.front() == '"') {
    raw.erase(0, 1);
    quoted = true;
  }
  if (!is_valid_utf8(raw)) return R::error("matcher value not valid UTF-8: " + written);
  std::string value;
  bool escaped = false;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (escaped) {
      escaped = false;
      if (c == 'n') {
        value += '\n';
      } else if (c == '"' || c == '\\') {
        value += c;
      } else {
        value += '\\';
        value += c;
      }
      continue;
    }
    if (c == '\\' && i + 1 < raw.size()) {
      escaped = true;
    } else if (c == '"') {
      if (!quoted || i + 1 < raw.size()) return R::error("matcher value contains unescaped double quote: " + written);
      quoted = false;
    } else {
      value += c;
    }
  }
  if (quoted) return R::error("matcher value contains unescaped double quote: " + written);
  prom::AmMatcher m;
  m.name = name;
  m.value = value;
  m.op = op == "=" ? prom::AmMatcher::Op::kEq : op == "!=" ? prom::AmMatcher::Op::kNe : op == "=~" ? prom::AmMatcher::Op::kRe
                                                                                                   : prom::AmMatcher::Op::kNre;
  if (m.op == prom::AmMatcher::Op::kRe || m.op == prom::AmMatcher::Op::kNre) {
    RE2::Options o;
    o.set_log_errors(false);
    const RE2 re("^(?:" + value + ")$", o);
    if (!re.ok()) return R::error("error parsing regexp: " + re.error());
  }
  return R::ok(std::move(m));
}

// Every `filter` parameter, parsed; on a bad one, its 400.
std::optional<AmReply> parse_filters(const httplib::Params& params, std::vector<prom::AmMatcher>& out) {
  const auto range = params.equal_range("filter");
  for (auto it = range.first; it != range.second; ++it) {
    auto parsed = parse_filter(it->second);
    if (!parsed) return bad_request(parsed.error());
    out.push_back(std::move(parsed).value());
  }
  return std::nullopt;
}

// Go's url.QueryEscape: RFC 3986's unreserved characters stay, a space is '+'.
std::string query_escape(const std::string& text) {
  std::string out = percent_encode(text);
  for (auto at = out.find("%20"); at != std::string::npos; at = out.find("%20", at + 1)) out.replace(at, 3, "+");
  return out;
}

// The receivers the alert's routes name, in route order, each once.
ordered_json receivers_of(const prom::Alertmanager& am, const prom::Labels& labels) {
  ordered_json list = ordered_json::array();
  std::set<std::string> seen;
  for (const std::size_t r : am.match(labels)) {
    const std::string& name = am.routes()[r].receiver;
    if (seen.insert(name).second) list.push_back({{"name", name}});
  }
  return list;
}

// A boolean query parameter (default true), as go-openapi parses it.
bool flag(const httplib::Params& params, const std::string& name, std::optional<AmReply>& error) {
  const auto it = params.find(name);
  if (it == params.end()) return true;
  const std::string v = it->second;
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  error = bad_request(name + " in query must be of type boolean: \"" + v + "\"");
  return true;
}

// `params`: a copy of the request's (this runs on the engine thread, which may get to it
// after a timed-out request has gone).
AmReply alerts(const httplib::Params& params, sim::World& world, TimePoint now) {
  const prom::Alertmanager* am = world.alertmanager();
  if (am == nullptr) return no_alertmanager();
  std::optional<AmReply> error;
  const bool active = flag(params, "active", error);
  const bool silenced = flag(params, "silenced", error);
  const bool inhibited = flag(params, "inhibited", error);
  flag(params, "unprocessed", error);  // every alert is processed at once
  if (error) return *error;
  std::vector<prom::AmMatcher> matchers;
  if (auto bad = parse_filters(params, matchers)) return *bad;
  const prom::PrometheusServer& prometheus = world.prometheus();
  const Duration resend = prometheus.config().resend_delay;
  std::vector<std::pair<std::string, ordered_json>> out;
  for (const auto& held : am->held()) {
    if (!std::all_of(matchers.begin(), matchers.end(), [&](const prom::AmMatcher& m) { return m.matches(held.labels); })) continue;
    // 0.25's state: suppressed while a silence or an inhibition mutes it; the flags
    // keep (true) or leave out (false) each kind (api/v2 alertFilter).
    ordered_json silenced_by = ordered_json::array();
    for (const auto& id : am->silenced_by(held.labels, now)) silenced_by.push_back(id);
    ordered_json inhibited_by = ordered_json::array();
    for (const auto& source : am->inhibited_by(held.labels)) inhibited_by.push_back(alert_fingerprint(source));
    if (!silenced && !silenced_by.empty()) continue;
    if (!inhibited && !inhibited_by.empty()) continue;
    const bool suppressed = !silenced_by.empty() || !inhibited_by.empty();
    if (!active && !suppressed) continue;
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
    if (rule.spec != nullptr) {  // expanded as Prometheus sends them
      for (const auto& [k, v] : rule.spec->annotations) annotations[k] = prom::expand_labels_template(v, held.labels);
    }
    a["annotations"] = annotations;
    a["endsAt"] = when(ends);
    const std::string fp = alert_fingerprint(held.labels);
    a["fingerprint"] = fp;
    a["receivers"] = receivers_of(*am, held.labels);
    a["startsAt"] = when(held.received_at);
    a["status"] = {{"inhibitedBy", inhibited_by}, {"silencedBy", silenced_by}, {"state", suppressed ? "suppressed" : "active"}};
    a["updatedAt"] = when(sent);
    // Prometheus's external URL (http://HOST:PORT by default) and the rule's expression
    // (strutil.TableLinkForExpression).
    a["generatorURL"] = "http://" + prometheus.config().host + ":" + std::to_string(world.spec().prometheus_port) +
                        "/graph?g0.expr=" + query_escape(rule.spec != nullptr ? rule.spec->expr_text : "") + "&g0.tab=1";
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

// A YAML single-quoted scalar.
std::string yaml_quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string yaml_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (const auto& i : items) out += (out.size() > 1 ? ", " : "") + yaml_quote(i);
  return out + "]";
}

std::string yaml_matchers(const std::vector<prom::AmMatcher>& matchers) {
  std::vector<std::string> texts;
  for (const auto& m : matchers) texts.push_back(prom::to_string(m));
  return yaml_list(texts);
}

// A child route and its children, as alertmanager.yml writes them.
void route_yaml(const prom::AmRoute& r, const std::string& indent, std::string& y) {
  y += indent + "- receiver: " + yaml_quote(r.receiver) + "\n";
  const std::string in = indent + "  ";
  if (!r.matchers.empty()) y += in + "matchers: " + yaml_matchers(r.matchers) + "\n";
  if (r.group_by) y += in + "group_by: " + yaml_list(*r.group_by) + "\n";
  if (r.group_wait) y += in + "group_wait: " + format_duration(*r.group_wait) + "\n";
  if (r.group_interval) y += in + "group_interval: " + format_duration(*r.group_interval) + "\n";
  if (r.repeat_interval) y += in + "repeat_interval: " + format_duration(*r.repeat_interval) + "\n";
  if (r.continue_matching) y += in + "continue: true\n";
  if (!r.routes.empty()) {
    y += in + "routes:\n";
    for (const auto& child : r.routes) route_yaml(child, in, y);
  }
}

// GET /api/v2/status: config.original is the world's configuration as an
// alertmanager.yml that 0.25 loads (the amtool test starts the real one with it): the
// route tree, the inhibit rules, every receiver the routes name (without integrations:
// the model delivers to none).
AmReply status(const sim::World& world) {
  const prom::Alertmanager* am = world.alertmanager();
  if (am == nullptr) return no_alertmanager();
  const auto& c = am->config();
  std::string yaml = "route:\n  receiver: " + yaml_quote(c.receiver) + "\n  group_by: " + yaml_list(c.group_by) +
                     "\n  group_wait: " + format_duration(c.group_wait) + "\n  group_interval: " + format_duration(c.group_interval) +
                     "\n  repeat_interval: " + format_duration(c.repeat_interval) + "\n";
  if (!c.routes.empty()) {
    yaml += "  routes:\n";
    for (const auto& r : c.routes) route_yaml(r, "  ", yaml);
  }
  if (!c.inhibit_rules.empty()) {
    yaml += "inhibit_rules:\n";
    for (const auto& rule : c.inhibit_rules) {
      yaml += "- source_matchers: " + yaml_matchers(rule.source) + "\n  target_matchers: " + yaml_matchers(rule.target) + "\n";
      if (!rule.equal.empty()) yaml += "  equal: " + yaml_list(rule.equal) + "\n";
    }
  }
  yaml += "receivers:\n";
  std::set<std::string> listed;
  std::string receivers_yaml;
  for (const auto& r : am->routes()) {
    if (listed.insert(r.receiver).second) receivers_yaml += "- name: " + yaml_quote(r.receiver) + "\n";
  }
  ordered_json s;
  s["cluster"] = {{"peers", ordered_json::array()}, {"status", "disabled"}};
  s["config"] = {{"original", yaml + receivers_yaml}};
  s["uptime"] = when(world.spec().start);
  s["versionInfo"] = {{"branch", "failsim"}, {"buildDate", ""}, {"buildUser", "failsim"}, {"goVersion", ""},
                      {"revision", "failsim"}, {"version", "0.25.0"}};
  return {200, s.dump() + "\n"};
}

// Every receiver the route tree names, in the order the tree names them (0.25 lists
// the configured receivers in config order; the model keeps only those routes name).
std::vector<std::string> receiver_names(const prom::Alertmanager& am) {
  std::vector<std::string> names;
  for (const auto& r : am.routes()) {
    if (std::find(names.begin(), names.end(), r.receiver) == names.end()) names.push_back(r.receiver);
  }
  return names;
}

AmReply receivers(const sim::World& world) {
  const prom::Alertmanager* am = world.alertmanager();
  if (am == nullptr) return no_alertmanager();
  ordered_json list = ordered_json::array();
  for (const auto& name : receiver_names(*am)) list.push_back({{"name", name}});
  return {200, list.dump() + "\n"};
}

// GET /api/v2/alerts/groups: the alerts of /api/v2/alerts gathered by route and the
// route's group_by labels, as 0.25 answers (alerts, labels, receiver per group).
AmReply groups(const httplib::Params& params, sim::World& world, TimePoint now) {
  const prom::Alertmanager* am = world.alertmanager();
  if (am == nullptr) return no_alertmanager();
  AmReply listed = alerts(params, world, now);
  if (listed.status != 200) return listed;
  const auto alerts_json = ordered_json::parse(listed.body);
  std::map<std::pair<std::size_t, std::string>, ordered_json> by_group;  // (route, group labels) -> group
  for (const auto& a : alerts_json) {
    prom::Labels::Pairs pairs;
    for (const auto& [k, v] : a["labels"].items()) pairs.emplace_back(k, v.get<std::string>());
    const prom::Labels labels(std::move(pairs));
    for (const std::size_t r : am->match(labels)) {
      const auto& route = am->routes()[r];
      ordered_json group_labels = ordered_json::object();
      for (const auto& [k, v] : labels) {
        const bool by = route.group_by_all || std::find(route.group_by.begin(), route.group_by.end(), k) != route.group_by.end();
        if (by) group_labels[k] = v;
      }
      auto& g = by_group[{r, group_labels.dump()}];
      if (g.is_null()) g = {{"alerts", ordered_json::array()}, {"labels", group_labels}, {"receiver", {{"name", route.receiver}}}};
      g["alerts"].push_back(a);
    }
  }
  ordered_json list = ordered_json::array();
  for (auto& [key, g] : by_group) list.push_back(std::move(g));
  return {200, list.dump() + "\n"};
}

ordered_json silence_json(const prom::Alertmanager::SilenceRecord& s, TimePoint now) {
  ordered_json matchers = ordered_json::array();
  for (const auto& m : s.matchers) {
    const bool regex = m.op == prom::AmMatcher::Op::kRe || m.op == prom::AmMatcher::Op::kNre;
    const bool equal = m.op == prom::AmMatcher::Op::kEq || m.op == prom::AmMatcher::Op::kRe;
    matchers.push_back({{"isEqual", equal}, {"isRegex", regex}, {"name", m.name}, {"value", m.value}});
  }
  const char* state = now < s.starts ? "pending" : now < s.ends ? "active" : "expired";
  return ordered_json{{"id", s.id},      {"status", {{"state", state}}}, {"updatedAt", when(s.updated)},
                      {"comment", s.comment}, {"createdBy", s.created_by}, {"endsAt", when(s.ends)},
                      {"matchers", matchers}, {"startsAt", when(s.starts)}};
}

// GET /api/v2/silences: every silence, active ones first (by end), then pending (by
// start), then expired (latest end first), as 0.25 sorts them; `filter` matchers keep
// the silences whose own matchers' values they match (api/v2 silenceMatchesFilterLabels).
AmReply list_silences(const httplib::Params& params, const sim::World& world, TimePoint now) {
  const prom::Alertmanager* am = world.alertmanager();
  if (am == nullptr) return no_alertmanager();
  std::vector<prom::AmMatcher> filters;
  if (auto bad = parse_filters(params, filters)) return *bad;
  auto all = am->silences();
  std::vector<prom::Alertmanager::SilenceRecord> kept;
  for (const auto& s : all) {
    prom::Labels::Pairs pairs;
    for (const auto& m : s.matchers) pairs.emplace_back(m.name, m.value);
    std::sort(pairs.begin(), pairs.end());
    const prom::Labels values(std::move(pairs));
    if (std::all_of(filters.begin(), filters.end(), [&](const prom::AmMatcher& f) { return f.matches(values); })) kept.push_back(s);
  }
  auto rank = [now](const prom::Alertmanager::SilenceRecord& s) { return now < s.starts ? 1 : now < s.ends ? 0 : 2; };
  std::stable_sort(kept.begin(), kept.end(), [&](const auto& a, const auto& b) {
    if (rank(a) != rank(b)) return rank(a) < rank(b);
    if (rank(a) == 0) return a.ends < b.ends;
    if (rank(a) == 1) return a.starts < b.starts;
    return a.ends > b.ends;
  });
  ordered_json list = ordered_json::array();
  for (const auto& s : kept) list.push_back(silence_json(s, now));
  return {200, list.dump() + "\n"};
}

// POST /api/v2/silences (postableSilence): matchers, startsAt, endsAt, createdBy and
// comment required; a start in the past becomes now; an end before the start, or in
// the past, is refused with 0.25's words. Updating by `id` is not modelled (400).
AmReply post_silence(const std::string& body, sim::World& world, TimePoint now) {
  prom::Alertmanager* am = world.alertmanager();
  if (am == nullptr) return no_alertmanager();
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad_request("body: expected a JSON object (a postableSilence)");
  for (const char* field : {"matchers", "startsAt", "endsAt", "createdBy", "comment"}) {
    if (!j.contains(field)) return bad_request(std::string(field) + " in body is required");
  }
  if (j.contains("id") && !(j["id"].is_string() && j["id"].get<std::string>().empty())) {
    return bad_request("updating a silence by id is not modelled: expire it and create another");
  }
  if (!j["matchers"].is_array() || j["matchers"].empty()) return bad_request("matchers in body should have at least 1 items");
  std::vector<prom::AmMatcher> matchers;
  for (const auto& m : j["matchers"]) {
    if (!m.is_object() || !m.contains("name") || !m.contains("value") || !m["name"].is_string() || !m["value"].is_string() ||
        !m.contains("isRegex") || !m["isRegex"].is_boolean()) {
      return bad_request("matchers: each needs a string name and value, and a boolean isRegex");
    }
    prom::AmMatcher am_matcher;
    am_matcher.name = m["name"].get<std::string>();
    am_matcher.value = m["value"].get<std::string>();
    const bool regex = m.value("isRegex", false);
    const bool equal = !m.contains("isEqual") || (m["isEqual"].is_boolean() && m["isEqual"].get<bool>());
    am_matcher.op = regex ? (equal ? prom::AmMatcher::Op::kRe : prom::AmMatcher::Op::kNre)
                          : (equal ? prom::AmMatcher::Op::kEq : prom::AmMatcher::Op::kNe);
    matchers.push_back(std::move(am_matcher));
  }
  std::int64_t bounds_ms[2] = {0, 0};
  const char* names[2] = {"startsAt", "endsAt"};
  for (int i = 0; i < 2; ++i) {
    const auto& v = j[names[i]];
    auto t = v.is_string() ? parse_api_time(v.get<std::string>()) : Result<std::int64_t>::error("expected a date-time");
    if (!t) return bad_request(std::string(names[i]) + " in body must be of type date-time: " + v.dump());
    bounds_ms[i] = t.value();
  }
  TimePoint starts = TimePoint(std::chrono::milliseconds(bounds_ms[0]));
  const TimePoint ends = TimePoint(std::chrono::milliseconds(bounds_ms[1]));
  if (ends < starts) return bad_request("Failed to create silence: end time must not be before start time");
  if (ends <= now) return bad_request("Failed to create silence: end time can't be in the past");
  if (starts < now) starts = now;
  const std::string id = am->add_silence(std::move(matchers), starts, ends, j["createdBy"].is_string() ? j["createdBy"].get<std::string>() : "",
                                         j["comment"].is_string() ? j["comment"].get<std::string>() : "");
  return {200, ordered_json{{"silenceID", id}}.dump() + "\n"};
}

template <class Render>
void answer(LiveLoop& loop, httplib::Response& res, Render render) {
  auto r = loop.call(std::move(render));
  if (!r) r = AmReply{503, nlohmann::json("the simulated world is not running").dump() + "\n"};
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
    answer(loop, res, [params = req.params, &world, &loop] { return alerts(params, world, loop.engine().now()); });
  });
  server.Get("/api/v2/status", [&loop, &world](const httplib::Request&, httplib::Response& res) {
    answer(loop, res, [&world] { return status(world); });
  });
  server.Get("/api/v2/receivers", [&loop, &world](const httplib::Request&, httplib::Response& res) {
    answer(loop, res, [&world] { return receivers(world); });
  });
  server.Get("/api/v2/alerts/groups", [&loop, &world](const httplib::Request& req, httplib::Response& res) {
    answer(loop, res, [params = req.params, &world, &loop] { return groups(params, world, loop.engine().now()); });
  });
  server.Get("/api/v2/silences", [&loop, &world](const httplib::Request& req, httplib::Response& res) {
    answer(loop, res, [params = req.params, &world, &loop] { return list_silences(params, world, loop.engine().now()); });
  });
  server.Post("/api/v2/silences", [&loop, &world](const httplib::Request& req, httplib::Response& res) {
    answer(loop, res, [body = req.body, &world, &loop] { return post_silence(body, world, loop.engine().now()); });
  });
  server.Get(R"(/api/v2/silence/([^/]+))", [&loop, &world](const httplib::Request& req, httplib::Response& res) {
    answer(loop, res, [id = req.matches[1].str(), &world, &loop]() -> AmReply {
      if (world.alertmanager() == nullptr) return no_alertmanager();
      for (const auto& s : world.alertmanager()->silences()) {
        if (s.id == id) return {200, silence_json(s, loop.engine().now()).dump() + "\n"};
      }
      return {404, ""};
    });
  });
  server.Delete(R"(/api/v2/silence/([^/]+))", [&loop, &world](const httplib::Request& req, httplib::Response& res) {
    answer(loop, res, [id = req.matches[1].str(), &world, &loop]() -> AmReply {
      if (world.alertmanager() == nullptr) return no_alertmanager();
      prom::Alertmanager* am = world.alertmanager();
      const std::string why = am->expire_silence(id, loop.engine().now());
      if (why.empty()) return {200, ""};
      if (why == "not found") return {404, nlohmann::json("silence " + id + " not found").dump() + "\n"};
      return {400, nlohmann::json("silence " + id + ": " + why).dump() + "\n"};
    });
  });
  // 0.25's health and readiness: "OK", plain text.
  for (const char* path : {"/-/healthy", "/-/ready"}) {
    server.Get(path, [](const httplib::Request&, httplib::Response& res) { res.set_content("OK", "text/plain; charset=utf-8"); });
  }
}

}  // namespace failsim::fakes
