// The /prometheus part of a world file (harness/inputs/world_file.h): the server's
// flags and global defaults, the scrape configs against the world's exporters, rule
// files, evaluation phases and Alertmanager. Defaults are Prometheus 2.42's and
// Alertmanager 0.25's (reference B1, B4, B7).
#include <algorithm>
#include <filesystem>
#include <limits>
#include <map>
#include <set>

#include "failover/json_fields.h"
#include "harness/inputs/text_file.h"
#include "harness/inputs/world_parts.h"
#include "sim/prometheus/schedule.h"

namespace failsim::harness::world_parts {

using json_fields::Fields;
using json_fields::json;
using json_fields::join;

std::pair<std::string, int> split_target(const std::string& target, const std::string& at) {
  const auto colon = target.rfind(':');
  if (colon == std::string::npos || colon == 0) Fields::fail(at, "expected host:port, got \"" + target + "\"");
  int port = 0;
  try {
    std::size_t used = 0;
    port = std::stoi(target.substr(colon + 1), &used);
    if (used != target.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port <= 0 || port > 65535) Fields::fail(at, "expected host:port with a port in [1, 65535], got \"" + target + "\"");
  return {target.substr(0, colon), port};
}

namespace {

std::vector<std::pair<std::string, std::string>> read_label_map(Fields& f, const std::string& key) {
  std::vector<std::pair<std::string, std::string>> out;
  const json* v = f.get(key);
  if (v == nullptr) return out;
  if (!v->is_object()) Fields::fail(f.at(key), "expected an object of label names to string values");
  for (const auto& [name, value] : v->items()) {
    if (!value.is_string()) Fields::fail(f.at(key) + "/" + name, "expected a string label value");
    out.emplace_back(name, value.get<std::string>());
  }
  return out;
}

// relabel_configs / metric_relabel_configs: Prometheus's own fields and defaults,
// checked as 2.42's config loader checks them (sim/prometheus/relabel.h).
std::vector<sim::prometheus::RelabelConfig> read_relabel_configs(Fields& f, const std::string& key) {
  std::vector<sim::prometheus::RelabelConfig> out;
  const json* list = f.get(key);
  if (list == nullptr) return out;
  if (!list->is_array()) Fields::fail(f.at(key), "expected an array of relabel configs");
  for (std::size_t i = 0; i < list->size(); ++i) {
    Fields r((*list)[i], f.at(key) + "/" + std::to_string(i));
    sim::prometheus::RelabelConfig c;
    if (r.get("source_labels") != nullptr) c.source_labels = r.strings("source_labels");
    c.separator = r.text("separator", c.separator);
    c.target_label = r.text("target_label", std::string());
    c.regex = r.text("regex", c.regex);
    if (r.get("modulus") != nullptr) c.modulus = static_cast<std::uint64_t>(r.integer("modulus", 0, 0, 1 << 30));
    c.replacement = r.text("replacement", c.replacement);
    const std::string action = r.text("action", std::string("replace"));
    const auto a = sim::prometheus::relabel_action(action);
    if (!a) {
      Fields::fail(r.at("action"), "unknown relabel action \"" + action + "\"; expected one of replace, keep, drop, keepequal, "
                                   "dropequal, hashmod, labelmap, labeldrop, labelkeep, lowercase, uppercase");
    }
    c.action = *a;
    r.finish();
    if (auto ok = sim::prometheus::check_relabel_config(c); !ok) Fields::fail(f.at(key) + "/" + std::to_string(i), ok.error());
    out.push_back(std::move(c));
  }
  return out;
}

// Alertmanager matchers as its config writes them: "severity=\"page\"", "team=~a|b".
std::vector<sim::prometheus::AmMatcher> read_am_matchers(Fields& f, const std::string& key) {
  std::vector<sim::prometheus::AmMatcher> out;
  if (f.get(key) == nullptr) return out;
  const auto texts = f.strings(key);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    auto m = sim::prometheus::parse_am_matcher(texts[i]);
    if (!m) Fields::fail(f.at(key) + "/" + std::to_string(i), m.error());
    out.push_back(m.value());
  }
  return out;
}

template <class CheckReceiver>
std::vector<sim::prometheus::AmRoute> read_am_routes(Fields& f, const std::string& key, const CheckReceiver& check_receiver) {
  std::vector<sim::prometheus::AmRoute> out;
  const json& list = f.need(key);
  if (!list.is_array()) Fields::fail(f.at(key), "expected an array of routes");
  for (std::size_t i = 0; i < list.size(); ++i) {
    Fields r(list[i], f.at(key) + "/" + std::to_string(i));
    sim::prometheus::AmRoute route;
    route.receiver = r.text("receiver", std::string());
    if (!route.receiver.empty()) check_receiver(route.receiver, r.at("receiver"));
    route.matchers = read_am_matchers(r, "matchers");
    if (r.get("group_by") != nullptr) route.group_by = r.strings("group_by");
    if (r.get("group_wait") != nullptr) route.group_wait = r.duration("group_wait");
    if (r.get("group_interval") != nullptr) route.group_interval = r.duration("group_interval");
    if (r.get("repeat_interval") != nullptr) route.repeat_interval = r.duration("repeat_interval");
    route.continue_matching = r.flag("continue", false);
    if (r.get("routes") != nullptr) route.routes = read_am_routes(r, "routes", check_receiver);
    r.finish();
    out.push_back(std::move(route));
  }
  return out;
}

// The server's global defaults and flags; returns the global scrape interval and timeout.
std::pair<Duration, Duration> read_prometheus_globals(Fields& p, sim::WorldSpec& spec) {
  // Reference B1: global defaults 1m / 10s (timeout min(10s, interval)) / 1m.
  Duration scrape_interval = std::chrono::minutes(1);
  std::optional<Duration> scrape_timeout;
  if (const json* g = p.get("global")) {
    Fields f(*g, p.at("global"));
    scrape_interval = f.duration("scrape_interval", scrape_interval);
    if (f.get("scrape_timeout") != nullptr) scrape_timeout = f.duration("scrape_timeout");
    spec.prometheus.evaluation_interval = f.duration("evaluation_interval", std::chrono::minutes(1));
    spec.prometheus.external_labels = read_label_map(f, "external_labels");
    f.finish();
    if (scrape_timeout && *scrape_timeout > scrape_interval) {
      Fields::fail(p.at("global") + "/scrape_timeout", "global scrape timeout greater than scrape interval");
    }
    if (scrape_interval <= Duration(0) || spec.prometheus.evaluation_interval <= Duration(0)) {
      Fields::fail(p.at("global"), "intervals must be greater than 0");
    }
  }
  if (const json* q = p.get("query")) {  // the server's --query.* flags (reference B4; 2.42's defaults)
    Fields f(*q, p.at("query"));
    spec.prometheus.query_timeout = f.duration("timeout", std::chrono::minutes(2));
    spec.prometheus.query.lookback_ms = to_us(f.duration("lookback_delta", std::chrono::minutes(5))) / 1000;
    spec.prometheus.query.max_samples = f.integer("max_samples", 50'000'000, 1, std::numeric_limits<int>::max());
    f.finish();
    if (spec.prometheus.query_timeout <= Duration(0)) Fields::fail(p.at("query") + "/timeout", "must be greater than 0");
    if (spec.prometheus.query.lookback_ms <= 0) Fields::fail(p.at("query") + "/lookback_delta", "must be greater than 0");
  }
  if (const json* r = p.get("rules_alert")) {  // the server's --rules.alert.* flags (2.42's defaults)
    Fields f(*r, p.at("rules_alert"));
    spec.prometheus.for_grace_period = f.duration("for_grace_period", std::chrono::minutes(10));
    spec.prometheus.for_outage_tolerance = f.duration("for_outage_tolerance", std::chrono::hours(1));
    spec.prometheus.resend_delay = f.duration("resend_delay", std::chrono::minutes(1));
    f.finish();
    if (spec.prometheus.for_outage_tolerance <= Duration(0)) {
      Fields::fail(p.at("rules_alert") + "/for_outage_tolerance", "must be greater than 0");
    }
    if (spec.prometheus.resend_delay <= Duration(0)) Fields::fail(p.at("rules_alert") + "/resend_delay", "must be greater than 0");
  }
  const Duration global_timeout = scrape_timeout.value_or(std::min<Duration>(std::chrono::seconds(10), scrape_interval));
  spec.prometheus.global_scrape_interval = scrape_interval;
  spec.prometheus.global_scrape_timeout = global_timeout;
  if (p.get("fqdn") != nullptr) {
    const std::string fqdn = p.text("fqdn");
    spec.prometheus.jitter_seed = sim::prometheus::jitter_seed(fqdn, spec.prometheus.external_labels);
  }
  return {scrape_interval, global_timeout};
}

// scrape_configs: every target an exporter of the world (a runner's or a plain one).
void read_scrape_configs(Fields& p, sim::WorldSpec& spec, Duration scrape_interval, Duration global_timeout) {
  // Exporters the world has, by host:port.
  std::map<std::pair<std::string, int>, std::string> exporters;
  for (const auto& r : spec.runners) {
    if (r.exporter_port != 0) exporters[{r.host, r.exporter_port}] = r.runner_name;
  }
  for (const auto& [host, port] : spec.plain_exporters) exporters[{host, port}] = "plain exporter";
  std::vector<std::string> exporter_list;
  for (const auto& [at, runner] : exporters) exporter_list.push_back(at.first + ":" + std::to_string(at.second) + " (" + runner + ")");
  const json& jobs = p.need("scrape_configs");
  if (!jobs.is_array()) Fields::fail(p.at("scrape_configs"), "expected an array of scrape configs");
  std::set<std::string> job_names;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    Fields f(jobs[i], p.at("scrape_configs") + "/" + std::to_string(i));
    sim::prometheus::ScrapeConfig c;
    c.job = f.text("job_name");
    if (!job_names.insert(c.job).second) Fields::fail(f.at("job_name"), "found multiple scrape configs with job name \"" + c.job + "\"");
    c.scrape_interval = f.duration("scrape_interval", scrape_interval);
    // config/config.go (2.42): an unset job timeout is min(global timeout, job interval).
    c.scrape_timeout = f.duration("scrape_timeout", std::min<Duration>(global_timeout, c.scrape_interval));
    if (c.scrape_timeout > c.scrape_interval) {
      Fields::fail(f.at("scrape_timeout"), "scrape timeout greater than scrape interval for scrape config with job name \"" + c.job + "\"");
    }
    c.honor_labels = f.flag("honor_labels", false);
    c.metrics_path = f.text("metrics_path", std::string("/metrics"));
    c.scheme = f.choice<std::string>("scheme", {{"http", "http"}, {"https", "https"}}, "http");
    auto check_offset = [&c](Fields& where, Duration offset) {
      if (offset >= c.scrape_interval) {
        Fields::fail(where.at("scrape_offset"), "expected an offset below the scrape interval (" + format_duration(c.scrape_interval) + ")");
      }
    };
    if (f.get("scrape_offset") != nullptr) {
      c.fixed_offset = f.duration("scrape_offset");
      check_offset(f, *c.fixed_offset);
    }
    c.relabel_configs = read_relabel_configs(f, "relabel_configs");
    c.metric_relabel_configs = read_relabel_configs(f, "metric_relabel_configs");
    const json& statics = f.need("static_configs");
    if (!statics.is_array() || statics.empty()) Fields::fail(f.at("static_configs"), "expected a non-empty array");
    for (std::size_t s = 0; s < statics.size(); ++s) {
      Fields sc(statics[s], f.at("static_configs") + "/" + std::to_string(s));
      const auto labels = read_label_map(sc, "labels");
      std::optional<Duration> offset;
      if (sc.get("scrape_offset") != nullptr) {
        offset = sc.duration("scrape_offset");
        check_offset(sc, *offset);
      }
      const auto targets = sc.strings("targets");
      for (std::size_t t = 0; t < targets.size(); ++t) {
        const std::string at = sc.at("targets") + "/" + std::to_string(t);
        const auto [host, port] = split_target(targets[t], at);
        if (exporters.count({host, port}) == 0) {
          Fields::fail(at, "no exporter listens on " + targets[t] + " (declare it as a runner's exporter or under /exporters); "
                               "the world's exporters: " + (exporter_list.empty() ? "none" : join(exporter_list)));
        }
        sim::prometheus::ScrapeConfig::Target target;
        target.host = host;
        target.port = port;
        std::vector<sim::prometheus::Label> pairs(labels.begin(), labels.end());
        target.labels = sim::prometheus::make_labels(pairs);
        target.offset = offset;
        c.targets.push_back(target);
      }
      sc.finish();
    }
    f.finish();
    spec.scrape_configs.push_back(c);
  }
}

void read_rule_files(Fields& p, WorldFile& world, const std::filesystem::path& dir) {
  world.prometheus_config_dir = p.text("config_dir", world.prometheus_config_dir);
  // rule_files: paths relative to the world file, as Prometheus's config writes them
  // (the server loads config_dir/path), or {"path", "server_path"} when they differ.
  if (const json* files = p.get("rule_files")) {
    if (!files->is_array()) Fields::fail(p.at("rule_files"), "expected an array of rule files");
    for (std::size_t i = 0; i < files->size(); ++i) {
      const std::string at = p.at("rule_files") + "/" + std::to_string(i);
      std::string written;
      std::optional<std::string> server;
      if ((*files)[i].is_string()) {
        written = (*files)[i].get<std::string>();
      } else {
        Fields f((*files)[i], at);
        written = f.text("path");
        server = f.text("server_path");
        f.finish();
      }
      const std::string path = (dir / written).lexically_normal().string();
      if (!path_exists(path)) {
        Fields::fail(at, "rule file " + path + " does not exist (\"" + written + "\" relative to " + world.file + ")");
      }
      world.rule_files.push_back(path);
      world.rule_server_paths.push_back(
          server ? *server
                 : std::filesystem::path(written).is_absolute()
                       ? written
                       : (std::filesystem::path(world.prometheus_config_dir) / written).lexically_normal().string());
    }
  }
}

void read_alertmanager(Fields& f, sim::WorldSpec& spec) {
  sim::prometheus::AlertmanagerConfig am;  // reference B7: 30s / 5m / 4h
  am.group_wait = f.duration("group_wait", am.group_wait);
  am.group_interval = f.duration("group_interval", am.group_interval);
  am.repeat_interval = f.duration("repeat_interval", am.repeat_interval);
  if (f.get("group_by") != nullptr) am.group_by = f.strings("group_by");
  am.receiver = f.text("receiver", am.receiver);
  am.host = f.text("host", std::string());
  am.port = f.integer("port", am.port, 1, 65535);
  if (!am.host.empty() && std::find(spec.hosts.begin(), spec.hosts.end(), am.host) == spec.hosts.end()) {
    spec.hosts.push_back(am.host);  // a host of the network: faults may name it
  }
  std::set<std::string> receivers;
  if (f.get("receivers") != nullptr) {
    for (const auto& r : f.strings("receivers")) receivers.insert(r);
  }
  auto check_receiver = [&receivers](const std::string& name, const std::string& at) {
    if (!receivers.empty() && receivers.count(name) == 0) {
      Fields::fail(at, "no receiver \"" + name + "\" in /prometheus/alertmanager/receivers");
    }
  };
  check_receiver(am.receiver, f.at("receiver"));
  if (f.get("routes") != nullptr) am.routes = read_am_routes(f, "routes", check_receiver);
  if (const json* rules = f.get("inhibit_rules")) {
    if (!rules->is_array()) Fields::fail(f.at("inhibit_rules"), "expected an array of inhibit rules");
    for (std::size_t i = 0; i < rules->size(); ++i) {
      Fields r((*rules)[i], f.at("inhibit_rules") + "/" + std::to_string(i));
      sim::prometheus::InhibitRule rule;
      rule.source = read_am_matchers(r, "source_matchers");
      rule.target = read_am_matchers(r, "target_matchers");
      if (r.get("equal") != nullptr) rule.equal = r.strings("equal");
      r.finish();
      am.inhibit_rules.push_back(rule);
    }
  }
  if (const json* silences = f.get("silences")) {
    if (!silences->is_array()) Fields::fail(f.at("silences"), "expected an array of silences");
    for (std::size_t i = 0; i < silences->size(); ++i) {
      Fields s((*silences)[i], f.at("silences") + "/" + std::to_string(i));
      sim::prometheus::Silence silence;
      silence.id = s.text("id", std::string());
      silence.matchers = read_am_matchers(s, "matchers");
      if (silence.matchers.empty()) Fields::fail(s.at("matchers"), "a silence needs at least one matcher");
      silence.starts = s.duration("starts", Duration(0));
      if (s.get("ends") != nullptr) silence.ends = s.duration("ends");
      s.finish();
      am.silences.push_back(silence);
    }
  }
  f.finish();
  spec.alertmanager = am;
}

}  // namespace

void read_prometheus(Fields& p, WorldFile& world, const std::filesystem::path& dir) {
  sim::WorldSpec& spec = world.spec;
  spec.prometheus.host = p.text("host", std::string("monitoring"));
  spec.prometheus_port = p.integer("port", 9090, 1, 65535);
  const auto [scrape_interval, global_timeout] = read_prometheus_globals(p, spec);
  read_scrape_configs(p, spec, scrape_interval, global_timeout);
  read_rule_files(p, world, dir);
  // Rule groups: Prometheus's phase from (name, file) unless pinned.
  if (const json* e = p.get("evaluation_offset")) {
    if (e->is_string()) {
      spec.prometheus.evaluation_offset = p.duration("evaluation_offset");
      spec.prometheus.hashed_evaluation_phase = false;
    } else {
      Fields f(*e, p.at("evaluation_offset"));
      for (const auto& [group, value] : e->items()) spec.prometheus.group_offsets[group] = f.duration(group);
      spec.prometheus.hashed_evaluation_phase = true;
    }
  } else {
    spec.prometheus.hashed_evaluation_phase = true;
  }
  if (const json* a = p.get("alertmanager")) {
    Fields f(*a, p.at("alertmanager"));
    read_alertmanager(f, spec);
  }
}

}  // namespace failsim::harness::world_parts
