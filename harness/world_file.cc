#include "harness/world_file.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <limits>
#include <set>

#include "failover/json_fields.h"
#include "harness/distribution_field.h"
#include "harness/text_file.h"
#include "sim/prometheus/rules.h"
#include "sim/prometheus/schedule.h"

namespace failsim::harness {
namespace {

using json_fields::Fields;
using json_fields::Invalid;
using json_fields::json;

using json_fields::join;

// A GitHub timing: a plain value, or {"value", "unconfirmed", "source"}.
struct TimingReader {
  Fields& parent;
  WorldFile& world;
  const std::set<std::string>& unconfirmed_names;

  const json* open(const std::string& key, Fields*& inner, std::optional<Fields>& holder) {
    const json* v = parent.get(key);
    inner = &parent;
    if (v == nullptr || !v->is_object()) return v;
    holder.emplace(*v, parent.at(key));
    holder->flag("unconfirmed", false);
    holder->text("source", std::string());
    inner = &*holder;
    return v;
  }
  void note(const std::string& key, const std::string& value) {
    if (unconfirmed_names.count(key) != 0) world.unconfirmed.push_back({key, value});
  }
  Duration duration(const std::string& key, Duration fallback) {
    Fields* f = nullptr;
    std::optional<Fields> holder;
    const json* v = open(key, f, holder);
    const Duration d = v == nullptr ? fallback : f->duration(v->is_object() ? "value" : key, fallback);
    if (holder) holder->finish();
    if (d <= Duration(0)) Fields::fail(parent.at(key), "expected a duration > 0");
    note(key, format_duration(d));
    return d;
  }
  std::string conclusion(const std::string& key, const std::string& fallback) {
    Fields* f = nullptr;
    std::optional<Fields> holder;
    const json* v = open(key, f, holder);
    std::string c = fallback;
    if (v != nullptr) {
      c = f->choice<std::string>(v->is_object() ? "value" : key,
                                 {{"failure", "failure"}, {"cancelled", "cancelled"}, {"timed_out", "timed_out"}}, fallback);
    }
    if (holder) holder->finish();
    note(key, c);
    return c;
  }
};

sim::github::GitHubTimings read_timings(Fields& f, WorldFile& world) {
  // Reference C: the timings observed rather than documented.
  static const std::set<std::string> kUnconfirmed = {"lost_communication_delay", "offline_after_last_poll",
                                                     "queue_ttl_conclusion", "timeout_conclusion"};
  sim::github::GitHubTimings t;
  TimingReader r{f, world, kUnconfirmed};
  t.pickup_timeout = r.duration("pickup_timeout", t.pickup_timeout);
  t.queue_ttl = r.duration("queue_ttl", t.queue_ttl);
  t.queue_ttl_conclusion = r.conclusion("queue_ttl_conclusion", t.queue_ttl_conclusion);
  t.default_timeout_minutes = f.integer("default_timeout_minutes", t.default_timeout_minutes, 1, 43200);
  t.timeout_conclusion = r.conclusion("timeout_conclusion", t.timeout_conclusion);
  t.lock_renewal_interval = r.duration("lock_renewal_interval", t.lock_renewal_interval);
  t.lost_communication_delay = r.duration("lost_communication_delay", t.lost_communication_delay);
  t.offline_after_last_poll = r.duration("offline_after_last_poll", t.offline_after_last_poll);
  t.cancel_grace = r.duration("cancel_grace", t.cancel_grace);
  t.force_cancel_after = r.duration("force_cancel_after", t.force_cancel_after);
  t.queue_max = f.integer("queue_max", t.queue_max, 1, 100000);
  f.finish();
  return t;
}

// runs-on: "label", ["a", "b"], or {"group": "...", "labels": "label" | [...]}.
void read_runs_on(const json& v, const std::string& at, sim::github::JobSpec& job) {
  auto labels_of = [](const json& l, const std::string& where) {
    std::vector<std::string> out;
    if (l.is_string()) {
      out.push_back(l.get<std::string>());
    } else if (l.is_array() && !l.empty()) {
      for (std::size_t i = 0; i < l.size(); ++i) {
        if (!l[i].is_string() || l[i].get<std::string>().empty()) {
          Fields::fail(where + "/" + std::to_string(i), "expected a runner label (a non-empty string)");
        }
        out.push_back(l[i].get<std::string>());
      }
    } else {
      Fields::fail(where, "expected a label or a non-empty array of labels");
    }
    return out;
  };
  if (v.is_object()) {
    Fields f(v, at);
    job.runs_on_group = f.text("group", std::string());
    if (const json* l = f.get("labels")) job.runs_on = labels_of(*l, f.at("labels"));
    if (job.runs_on_group.empty() && job.runs_on.empty()) Fields::fail(at, "expected \"group\", \"labels\" or both");
    f.finish();
    return;
  }
  job.runs_on = labels_of(v, at);
}

// concurrency: "group" or {"group", "cancel_in_progress", "queue": "single" | "max"}.
sim::github::ConcurrencySpec read_concurrency(const json& v, const std::string& at) {
  sim::github::ConcurrencySpec c;
  if (v.is_null()) return c;
  if (v.is_string()) {
    c.group = v.get<std::string>();
    return c;
  }
  Fields f(v, at);
  c.group = f.text("group");
  c.cancel_in_progress = f.flag("cancel_in_progress", false);
  c.queue_max = f.choice<bool>("queue", {{"single", false}, {"max", true}}, false);
  f.finish();
  // Reference A1: queue: max together with cancel-in-progress: true is a validation error.
  if (c.queue_max && c.cancel_in_progress) {
    Fields::fail(at, "queue: max cannot be combined with cancel_in_progress: true (GitHub rejects the workflow)");
  }
  if (c.group.empty()) Fields::fail(at + "/group", "expected a non-empty group name");
  return c;
}

// Orders jobs so that every job comes after the jobs it needs (stable otherwise).
std::vector<sim::github::JobSpec> order_jobs(const std::vector<sim::github::JobSpec>& jobs, const std::string& at) {
  std::vector<std::string> ids;
  for (const auto& j : jobs) ids.push_back(j.name);
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    for (std::size_t n = 0; n < jobs[i].needs.size(); ++n) {
      if (std::find(ids.begin(), ids.end(), jobs[i].needs[n]) == ids.end()) {
        Fields::fail(at + "/" + std::to_string(i) + "/needs/" + std::to_string(n),
                     "no job \"" + jobs[i].needs[n] + "\" in this workflow; jobs: " + join(ids));
      }
    }
  }
  std::vector<sim::github::JobSpec> out;
  std::set<std::string> placed;
  while (out.size() < jobs.size()) {
    bool progress = false;
    for (const auto& j : jobs) {
      if (placed.count(j.name) != 0) continue;
      const bool ready = std::all_of(j.needs.begin(), j.needs.end(), [&](const std::string& n) { return placed.count(n) != 0; });
      if (!ready) continue;
      out.push_back(j);
      placed.insert(j.name);
      progress = true;
    }
    if (!progress) {
      std::vector<std::string> stuck;
      for (const auto& j : jobs) {
        if (placed.count(j.name) == 0) stuck.push_back(j.name);
      }
      Fields::fail(at, "the jobs' needs form a cycle among: " + join(stuck));
    }
  }
  return out;
}

sim::github::WorkflowSpec read_workflow(Fields& f, WorldFile& world) {
  sim::github::WorkflowSpec w;
  w.file = f.text("file");
  w.name = f.text("name", w.file);
  if (const json* c = f.get("concurrency")) w.concurrency = read_concurrency(*c, f.at("concurrency"));
  if (const json* in = f.get("inputs")) {
    if (!in->is_object()) Fields::fail(f.at("inputs"), "expected an object keyed by input name");
    w.inputs_declared = true;
    for (const auto& [name, spec] : in->items()) {
      Fields i(spec, f.at("inputs") + "/" + name);
      sim::github::WorkflowInput input;
      input.name = name;
      input.required = i.flag("required", false);
      input.type = i.choice<std::string>("type", {{"string", "string"}, {"boolean", "boolean"}, {"choice", "choice"},
                                                  {"number", "number"}, {"environment", "environment"}},
                                         "string");
      if (i.get("default") != nullptr) input.default_value = i.text("default");
      if (i.get("options") != nullptr) input.options = i.strings("options");
      i.text("description", std::string());
      i.finish();
      w.inputs.push_back(input);
    }
  }
  const json& jobs = f.need("jobs");
  if (!jobs.is_array() || jobs.empty()) Fields::fail(f.at("jobs"), "expected a non-empty array of jobs");
  std::vector<sim::github::JobSpec> read;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    Fields j(jobs[i], f.at("jobs") + "/" + std::to_string(i));
    sim::github::JobSpec job;
    job.name = j.text("id");
    for (const auto& other : read) {
      if (other.name == job.name) Fields::fail(j.at("id"), "duplicate job id \"" + job.name + "\"");
    }
    read_runs_on(j.need("runs_on"), j.at("runs_on"), job);
    if (const json* c = j.get("concurrency")) job.concurrency = read_concurrency(*c, j.at("concurrency"));
    if (j.get("timeout_minutes") != nullptr) job.timeout_minutes = j.integer("timeout_minutes", 360, 1, 43200);
    job.environment = j.text("environment", std::string());
    if (j.get("needs") != nullptr) job.needs = j.strings("needs");
    if (j.get("run_time") != nullptr) {
      world.job_run_time[job.name] = read_distribution(j, "run_time", sim::Distribution::fixed(std::chrono::minutes(2)));
    }
    j.finish();
    read.push_back(job);
  }
  w.jobs = order_jobs(read, f.at("jobs"));
  return w;
}

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

void read_prometheus(Fields& p, WorldFile& world, const std::filesystem::path& dir) {
  sim::WorldSpec& spec = world.spec;
  spec.prometheus.host = p.text("host", std::string("monitoring"));
  spec.prometheus_port = p.integer("port", 9090, 1, 65535);
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
}

sim::runner::RunnerHostSpec read_runner(Fields& f) {
  sim::runner::RunnerHostSpec r;
  r.runner_name = f.text("name");
  r.host = f.text("host");
  r.hostname = f.text("hostname", r.host);
  r.labels = f.strings("labels");
  r.runner_group = f.text("runner_group", std::string("Default"));
  // Whether the team has approved this runner for production deploys (what the
  // `authorized_runners_only` invariant checks).
  const bool authorized = f.flag("authorized_for_prod", false);
  r.authorized_for_prod = authorized ? "true" : "false";
  f.text("environment", std::string());  // documentation: the environment it serves
  if (const json* e = f.get("exporter")) {
    Fields x(*e, f.at("exporter"));
    r.exporter_port = x.integer("port", 9100, 1, 65535);
    if (x.get("metrics") != nullptr) {
      r.exported_metrics = x.strings("metrics");
      for (std::size_t i = 0; i < r.exported_metrics.size(); ++i) {
        const auto& known = sim::runner::kExporterMetrics;
        if (std::find(known.begin(), known.end(), r.exported_metrics[i]) == known.end()) {
          Fields::fail(x.at("metrics") + "/" + std::to_string(i),
                       "unknown metric \"" + r.exported_metrics[i] + "\"; the modelled exporter serves: " + join(known));
        }
      }
    }
    // The exporter's own labels (ENVIRONMENT / AUTHORIZED_FOR_PROD; defaults production / false).
    r.environment = x.text("environment", std::string("production"));
    r.authorized_for_prod = x.text("authorized_for_prod", r.authorized_for_prod);
    r.check_in_visible = x.flag("check_in_visible", true);
    r.collect_time = read_distribution(x, "collect_time", r.collect_time);
    x.finish();
  } else {
    r.exporter_port = 0;  // no exporter (a GitHub-hosted runner, say): nothing to scrape
  }
  if (const json* s = f.get("service")) {
    Fields x(*s, f.at("service"));
    r.poll_interval = x.duration("poll_interval", r.poll_interval);
    r.pickup_delay = x.duration("pickup_delay", r.pickup_delay);
    r.github_call_timeout = x.duration("github_call_timeout", r.github_call_timeout);
    x.finish();
  }
  if (const json* s = f.get("resources")) {
    Fields x(*s, f.at("resources"));
    r.cpu_percent = x.number("cpu_percent", r.cpu_percent);
    r.memory_percent = x.number("memory_percent", r.memory_percent);
    r.disk_percent = x.number("disk_percent", r.disk_percent);
    r.memory_total_bytes = x.number("memory_total_bytes", r.memory_total_bytes);
    r.disk_available_bytes = x.number("disk_available_bytes", r.disk_available_bytes);
    x.finish();
  }
  f.finish();
  return r;
}

WorldFile read_world(const json& root, const std::string& source) {
  Fields top(root, "");
  WorldFile w;
  w.file = source;
  if (top.integer("world_version", 0, 1, 1) != 1) Fields::fail("/world_version", "missing required field (1)");
  w.name = top.text("name");
  w.description = top.text("description", std::string());
  top.text("$schema", std::string());
  const std::filesystem::path dir = std::filesystem::path(source).parent_path();
  sim::WorldSpec& spec = w.spec;
  if (top.get("hosts") != nullptr) spec.hosts = top.strings("hosts");
  if (const json* n = top.get("network")) {
    Fields f(*n, "/network");
    spec.lan_latency = read_distribution(f, "lan_latency", spec.lan_latency);
    f.finish();
  }
  const json& runners = top.need("runners");
  if (!runners.is_array() || runners.empty()) Fields::fail("/runners", "expected a non-empty array of runners");
  // Sets beside the lists, so a world of thousands of runners or targets loads in linear time.
  std::set<std::string> hosts(spec.hosts.begin(), spec.hosts.end());
  auto add_host = [&spec, &hosts](const std::string& h) {
    if (hosts.insert(h).second) spec.hosts.push_back(h);
  };
  std::set<std::string> names;
  std::map<std::pair<std::string, int>, std::string> exporter_of;  // host:port -> runner
  for (std::size_t i = 0; i < runners.size(); ++i) {
    Fields f(runners[i], "/runners/" + std::to_string(i));
    auto r = read_runner(f);
    if (!names.insert(r.runner_name).second) Fields::fail(f.at("name"), "duplicate runner name \"" + r.runner_name + "\"");
    if (r.exporter_port != 0) {
      const auto [at, fresh] = exporter_of.emplace(std::make_pair(r.host, r.exporter_port), r.runner_name);
      if (!fresh) {
        Fields::fail(f.at("exporter") + "/port", "port " + std::to_string(r.exporter_port) + " on " + r.host +
                                                     " is already the exporter of " + at->second);
      }
    }
    add_host(r.host);
    spec.runners.push_back(r);
  }
  // Exporters that are not runners' (node exporters, ...): they answer every scrape.
  if (top.get("exporters") != nullptr) {
    const auto list = top.strings("exporters");
    for (std::size_t i = 0; i < list.size(); ++i) {
      const auto [host, port] = split_target(list[i], "/exporters/" + std::to_string(i));
      if (const auto it = exporter_of.find({host, port}); it != exporter_of.end()) {
        Fields::fail("/exporters/" + std::to_string(i), list[i] + " is already the exporter of " + it->second);
      }
      spec.plain_exporters.emplace_back(host, port);
      add_host(host);
    }
  }
  {
    Fields p(top.need("prometheus"), "/prometheus");
    read_prometheus(p, w, dir);
    p.finish();
    add_host(spec.prometheus.host);
  }
  {
    Fields g(top.need("github"), "/github");
    w.repository = g.text("repository");
    if (w.repository.find('/') == std::string::npos || w.repository.front() == '/' || w.repository.back() == '/') {
      Fields::fail("/github/repository", "expected owner/name, got \"" + w.repository + "\"");
    }
    w.default_branch = g.text("default_branch", w.default_branch);
    if (const json* t = g.get("timings")) {
      Fields f(*t, "/github/timings");
      spec.github = read_timings(f, w);
    } else {
      json empty = json::object();
      Fields f(empty, "/github/timings");
      spec.github = read_timings(f, w);
    }
    if (const json* envs = g.get("environments")) {
      if (!envs->is_object()) Fields::fail("/github/environments", "expected an object of environments by name");
      for (const auto& [name, value] : envs->items()) {
        Fields e(value, "/github/environments/" + name);
        sim::github::EnvironmentSpec env;
        env.wait_timer = e.duration("wait_timer", Duration(0));
        if (env.wait_timer > sim::github::kEnvironmentApprovalLimit) {
          Fields::fail(e.at("wait_timer"), "GitHub's wait timer is at most 30 days (43200 minutes)");
        }
        if (const json* rv = e.get("required_reviewers")) {
          if (!rv->is_array()) Fields::fail(e.at("required_reviewers"), "expected the reviewers' names (a list)");
          env.required_reviewers = !rv->empty();
        }
        if (e.get("approval_after") != nullptr) env.approval_after = e.duration("approval_after");
        if (e.get("branches") != nullptr) env.branches = e.strings("branches");
        e.finish();
        spec.environments[name] = env;
      }
    }
    const json& workflows = g.need("workflows");
    if (!workflows.is_array() || workflows.empty()) Fields::fail("/github/workflows", "expected a non-empty array of workflows");
    for (std::size_t i = 0; i < workflows.size(); ++i) {
      Fields f(workflows[i], "/github/workflows/" + std::to_string(i));
      w.workflows.push_back(read_workflow(f, w));
      f.finish();
    }
    Fields d(g.need("deploy"), "/github/deploy");
    w.deploy_workflow = d.text("workflow");
    w.deploy_job = d.text("job");
    d.finish();
    std::vector<std::string> files;
    const sim::github::WorkflowSpec* deploy = nullptr;
    for (const auto& wf : w.workflows) {
      files.push_back(wf.file);
      if (wf.file == w.deploy_workflow) deploy = &wf;
    }
    if (deploy == nullptr) Fields::fail("/github/deploy/workflow", "no workflow \"" + w.deploy_workflow + "\"; workflows: " + join(files));
    std::vector<std::string> jobs;
    bool found = false;
    for (const auto& j : deploy->jobs) {
      jobs.push_back(j.name);
      found = found || j.name == w.deploy_job;
    }
    if (!found) Fields::fail("/github/deploy/job", "no job \"" + w.deploy_job + "\" in " + w.deploy_workflow + "; jobs: " + join(jobs));
    // The deploy job's environment must be able to let a deploy through.
    for (const auto& job : deploy->jobs) {
      const auto env = job.environment.empty() ? spec.environments.end() : spec.environments.find(job.environment);
      if (env == spec.environments.end()) continue;
      const std::string at = "/github/environments/" + env->first;
      if (env->second.required_reviewers && !env->second.approval_after) {
        Fields::fail(at + "/approval_after",
                     "job " + job.name + " deploys to environment " + env->first + ", which needs a reviewer's approval; "
                     "nobody approves in a simulation, so every deploy would wait 30 days and fail: say how long your "
                     "reviewers take (approval_after, e.g. \"10m\"; failsim import github --approval-after)");
      }
      const auto& allowed = env->second.branches;
      if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), w.default_branch) == allowed.end()) {
        Fields::fail(at + "/branches", "environment " + env->first + " allows deploys from [" + join(allowed) +
                                           "] only, and deploys are dispatched on the default branch " + w.default_branch +
                                           ": every deploy would fail (set /github/default_branch or the branches)");
      }
    }
    // Every job of the deploy workflow, the deploy job too, must have a runner, or no
    // deploy ever starts (a policy may send the deploy job elsewhere: checked per scenario).
    for (std::size_t i = 0; i < deploy->jobs.size(); ++i) {
      const auto& job = deploy->jobs[i];
      const std::string why = why_no_runner(job.runs_on, job.runs_on_group, spec.runners);
      if (!why.empty()) {
        std::vector<std::string> offered;
        for (const auto& r : spec.runners) offered.push_back(r.runner_name + " [" + join(r.labels) + "] in " + r.runner_group);
        Fields::fail("/github/workflows/" + std::to_string(deploy - w.workflows.data()) + "/jobs/" + std::to_string(i),
                     "job " + job.name + ": " + why + ", so no deploy would ever start; runners: " + join(offered, "; ") +
                         " (a runner's GitHub labels: failsim import github; a GitHub-hosted runner is a runner on "
                         "host github-hosted without an exporter)");
      }
    }
    g.finish();
  }
  {
    Fields p(top.need("production"), "/production");
    spec.production_version = p.text("initial_version");
    if (p.get("steps") != nullptr) spec.production_steps = p.strings("steps");
    w.deploy_step = read_distribution(p, "deploy_step", w.deploy_step);
    w.rollback_time = read_distribution(p, "rollback_time", w.rollback_time);
    w.attempt_failure_probability = p.probability("attempt_failure_probability", 0.0);
    if (w.attempt_failure_probability < 0 || w.attempt_failure_probability > 1) {
      Fields::fail("/production/attempt_failure_probability", "expected a number in [0, 1]");
    }
    p.finish();
  }
  top.finish();
  return w;
}

}  // namespace

const sim::github::WorkflowSpec& WorldFile::deploy_workflow_spec() const {
  for (const auto& wf : workflows) {
    if (wf.file == deploy_workflow) return wf;
  }
  return workflows.front();  // unreachable for a validated world
}

std::string WorldFile::server_path_for(const std::string& local_path) const {
  for (std::size_t i = 0; i < rule_files.size(); ++i) {
    if (rule_files[i] == local_path) return rule_server_paths[i];
  }
  return (std::filesystem::path(prometheus_config_dir) / std::filesystem::path(local_path).filename()).string();
}

std::map<std::string, std::string> WorldFile::instances() const {
  std::map<std::pair<std::string, int>, const std::string*> runner_at;  // the last runner there wins, as before
  for (const auto& r : spec.runners) runner_at[{r.host, r.exporter_port}] = &r.runner_name;
  std::map<std::string, std::string> out;
  for (const auto& c : spec.scrape_configs) {
    for (const auto& t : c.targets) {
      if (const auto it = runner_at.find({t.host, t.port}); it != runner_at.end()) out[t.host + ":" + std::to_string(t.port)] = *it->second;
    }
  }
  return out;
}

std::string why_no_runner(const std::vector<std::string>& labels, const std::string& group,
                          const std::vector<sim::runner::RunnerHostSpec>& runners) {
  const bool any_group = group.empty();
  std::size_t best_missing = SIZE_MAX;
  std::string closest;
  for (const auto& r : runners) {
    const bool group_ok = any_group || json_fields::lower(group) == json_fields::lower(r.runner_group);
    std::vector<std::string> missing;
    for (const auto& l : labels) {
      if (!sim::github::GitHub::labels_match(r.labels, {l})) missing.push_back(l);
    }
    if (group_ok && missing.empty()) return "";
    const std::size_t score = missing.size() + (group_ok ? 0 : 1);
    if (score < best_missing) {
      best_missing = score;
      closest = r.runner_name + " (" + (missing.empty() ? "" : "missing: " + join(missing)) +
                (group_ok ? "" : std::string(missing.empty() ? "" : "; ") + "in group " + r.runner_group + ", not " + group) + ")";
    }
  }
  std::string out = "no runner has all of [" + join(labels) + "]" + (any_group ? "" : " in runner group " + group);
  return out + (closest.empty() ? "; the world has no runners" : "; closest: " + closest);
}

Result<WorldFile> parse_world(const std::string& json_text, const std::string& source) {
  return json_fields::read_document<WorldFile>(json_text, source, [&](const json& root) { return read_world(root, source); });
}

Result<WorldFile> load_world(const std::string& path, const std::vector<Override>& overrides) {
  const auto text = read_input_file(path);
  if (!text) return Result<WorldFile>::error(path + ": cannot read the world file: " + text.error());
  return parse_with_overrides<WorldFile>(text.value(), path, "world", overrides, parse_world);
}

}  // namespace failsim::harness
