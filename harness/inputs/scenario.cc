#include "harness/inputs/scenario.h"

#include <algorithm>
#include <filesystem>

#include "failover/json_fields.h"
#include "failover/utf8.h"
#include "harness/inputs/distribution_field.h"
#include "harness/inputs/gameday_plan.h"
#include "harness/inputs/text_file.h"
#include "sim/network/network.h"
#include "reports/results.h"

namespace failsim::harness {
namespace {

using json_fields::Fields;
using json_fields::Invalid;
using json_fields::json;

using json_fields::join;

// Every runner, host and port a fault names must exist in the world.
void check_fault_references(const Scenario& s, const FaultSpec& x, Fields& f) {
  const sim::WorldSpec& w = s.world;
  std::vector<std::string> runners;
  for (const auto& r : w.runners) runners.push_back(r.runner_name);
  if (!x.runner.empty() && x.runner != "$deploy" &&
      std::find(runners.begin(), runners.end(), x.runner) == runners.end()) {
    Fields::fail(f.at("runner"), "no runner named \"" + x.runner + "\" in the world " + s.world_path +
                                     "; runners: " + join(runners) + " (or \"$deploy\")");
  }
  std::vector<std::string> hosts = w.hosts;
  for (const char* builtin : {"github", "github-hosted"}) {
    if (std::find(hosts.begin(), hosts.end(), builtin) == hosts.end()) hosts.push_back(builtin);
  }
  auto known_host = [&](const std::string& h) { return std::find(hosts.begin(), hosts.end(), h) != hosts.end(); };
  const bool network = x.kind == FaultSpec::Kind::kPartition || x.kind == FaultSpec::Kind::kLoss ||
                       x.kind == FaultSpec::Kind::kLatency || x.kind == FaultSpec::Kind::kHttpStatus;
  if (x.kind == FaultSpec::Kind::kHttpStatus && x.to == "github") {
    Fields::fail(f.at("to"), "an http_status fault on GitHub: use github_degraded, whose error_rate and status are "
                             "GitHub's API answering 500, 502 or 503");
  }
  if (network && x.from != "*" && !known_host(x.from)) {
    Fields::fail(f.at("from"), "no host named \"" + x.from + "\" in the world; hosts: " + join(hosts) + " (or \"*\")");
  }
  if ((network || (x.kind == FaultSpec::Kind::kHostDown && x.runner.empty())) && !known_host(x.to)) {
    Fields::fail(f.at(network ? "to" : "host"), "no host named \"" + x.to + "\" in the world; hosts: " + join(hosts));
  }
  if (network && x.port != 0) {
    std::vector<int> ports;
    for (const auto& r : w.runners) {
      if (r.host == x.to && r.exporter_port != 0) ports.push_back(r.exporter_port);
    }
    if (x.to == w.prometheus.host) ports.push_back(w.prometheus_port);
    if (x.to == "github") ports.push_back(443);
    if (std::find(ports.begin(), ports.end(), x.port) == ports.end()) {
      std::vector<std::string> names;
      for (int p : ports) names.push_back(std::to_string(p));
      Fields::fail(f.at("port"), "nothing listens on " + x.to + ":" + std::to_string(x.port) + " in the world; ports on " +
                                     x.to + ": " + (names.empty() ? "none" : join(names)) + " (or 0 for every port)");
    }
  }
}

// 0.95 or "95%".
std::optional<double> read_fraction(Fields& f, const std::string& key) {
  const json* v = f.get(key);
  if (v == nullptr) return std::nullopt;
  double x = -1;
  if (v->is_number()) {
    x = v->get<double>();
  } else if (v->is_string()) {
    const std::string s = v->get<std::string>();
    try {
      std::size_t used = 0;
      x = std::stod(s, &used) / 100.0;
      if (used + 1 != s.size() || s.back() != '%') x = -1;
    } catch (const std::exception&) {
      x = -1;
    }
  }
  if (!(x >= 0 && x <= 1)) Fields::fail(f.at(key), "expected a fraction in [0, 1] or a percentage like \"95%\", got " + json_fields::describe(*v));
  return x;
}

}  // namespace

Expectations read_expectations(Fields& f) {
  Expectations e;
  if (f.get("outcome") != nullptr) {
    e.outcome = f.text("outcome");
    static const std::set<std::string> kOutcomes = {"deployed", "failed", "rolled_back", "cancelled", "stuck",
                                                    "deployed_job_failed"};
    if (kOutcomes.count(*e.outcome) == 0) {
      Fields::fail(f.at("outcome"), "expected one of deployed, failed, rolled_back, cancelled, stuck, deployed_job_failed, got \"" + *e.outcome + "\"");
    }
  }
  if (f.get("runner") != nullptr) e.runner = f.text("runner");
  if (f.get("deploy_within") != nullptr) e.deploy_within = f.duration("deploy_within");
  if (f.get("detection_within") != nullptr) e.detection_within = f.duration("detection_within");
  if (f.get("alert_fires") != nullptr) e.alert_fires = f.flag("alert_fires", false);
  if (f.get("final_version") != nullptr) e.final_version = f.text("final_version");
  if (f.get("detection_p50_within") != nullptr) e.detection_p50_within = f.duration("detection_p50_within");
  if (f.get("detection_p95_within") != nullptr) e.detection_p95_within = f.duration("detection_p95_within");
  if (f.get("deploy_p50_within") != nullptr) e.deploy_p50_within = f.duration("deploy_p50_within");
  if (f.get("deploy_p95_within") != nullptr) e.deploy_p95_within = f.duration("deploy_p95_within");
  e.deploy_success_at_least = read_fraction(f, "deploy_success_at_least");
  e.alert_fires_in_at_least = read_fraction(f, "alert_fires_in_at_least");
  if (f.get("known_violations") != nullptr) {
    const auto& all = reports::all_invariants();
    e.known_violations = f.strings("known_violations");
    for (std::size_t i = 0; i < e.known_violations.size(); ++i) {
      if (std::find(all.begin(), all.end(), e.known_violations[i]) == all.end()) {
        Fields::fail(f.at("known_violations") + "/" + std::to_string(i),
                     "unknown invariant \"" + e.known_violations[i] + "\"; expected one of " + reports::all_invariants_text());
      }
    }
  }
  if (const json* props = f.get("properties")) {
    if (!props->is_array()) Fields::fail(f.at("properties"), "expected an array of properties");
    for (std::size_t i = 0; i < props->size(); ++i) {
      Fields pf((*props)[i], f.at("properties") + "/" + std::to_string(i));
      e.properties.push_back(read_property(pf));
      for (std::size_t j = 0; j < i; ++j) {
        if (e.properties[j].name == e.properties[i].name) {
          Fields::fail(f.at("properties") + "/" + std::to_string(i) + "/name",
                       "a second property named \"" + e.properties[i].name + "\"");
        }
      }
    }
  }
  f.finish();
  return e;
}

void check_run_length(Duration run_length) {
  if (run_length <= Duration(0) || run_length > kMaxRunLength) {
    Fields::fail("/run_length", "expected a run length above 0s and at most " + format_duration(kMaxRunLength) + ", got " +
                                    format_duration(run_length));
  }
}

// An http_status fault's fields: which requests get which answer.
void read_http_status_fault(Fields& f, FaultSpec& x) {
  x.from = f.text("from", std::string("*"));
  x.to = f.text("to");
  x.port = f.integer("port", 0, 0, 65535);
  x.http_status = f.integer("status", 503, 400, 599);
  if (*sim::http_status_text(x.http_status) == '\0') {
    Fields::fail(f.at("status"), "expected a 4xx or 5xx status Go's net/http names (400-418, 421-426, 428, 429, 431, "
                                 "451, 500-508, 510, 511), got " + std::to_string(x.http_status));
  }
  x.probability = f.probability("probability", 1.0);
  x.http_first = f.integer("first", 0, 0, 1'000'000'000);
  x.flap_down = f.duration("flap_down", Duration(0));
  x.flap_up = f.duration("flap_up", Duration(0));
}

// A github_degraded fault's fields: what the degraded GitHub API does.
void read_github_degraded_fault(Fields& f, FaultSpec& x) {
  sim::github::ApiDegradation& d = x.github;
  d.error_rate = f.probability("error_rate", 0.0);
  d.status = f.integer("status", 503, 500, 503);
  if (d.status == 501) Fields::fail(f.at("status"), "expected 500, 502 or 503 (what GitHub answers when degraded)");
  d.added_latency = f.duration("added_latency", Duration(0));
  d.rate_limited = f.flag("rate_limited", false);
  d.pickup_delay = f.duration("pickup_delay", Duration(0));
  if (d.error_rate == 0 && d.added_latency == Duration(0) && !d.rate_limited && d.pickup_delay == Duration(0)) {
    Fields::fail(f.at("error_rate"), "a github_degraded fault needs at least one of error_rate, added_latency, "
                                     "rate_limited, pickup_delay");
  }
}

FaultSpec read_fault(Fields& f, const Scenario& s, bool at_required) {
  static const std::map<std::string, FaultSpec::Kind> kKinds = {
      {"partition", FaultSpec::Kind::kPartition},       {"loss", FaultSpec::Kind::kLoss},
      {"latency", FaultSpec::Kind::kLatency},           {"host_down", FaultSpec::Kind::kHostDown},
      {"service_stop", FaultSpec::Kind::kServiceStop},  {"service_crash", FaultSpec::Kind::kServiceCrash},
      {"exporter_stop", FaultSpec::Kind::kExporterStop}, {"resources", FaultSpec::Kind::kResources},
      {"cancel_run", FaultSpec::Kind::kCancelRun},       {"github_degraded", FaultSpec::Kind::kGitHubDegraded},
      {"http_status", FaultSpec::Kind::kHttpStatus}};
  FaultSpec x;
  if (f.get("kind") == nullptr) Fields::fail(f.at("kind"), "missing required field");
  x.kind = f.choice("kind", kKinds, FaultSpec::Kind::kPartition);
  x.at = at_required ? f.duration("at") : f.duration("at", Duration(0));
  x.length = f.duration("for", Duration(0));
  if (f.get("for") != nullptr && x.length <= Duration(0)) {
    Fields::fail(f.at("for"), "a fault lasts more than 0s; leave `for` out for one that lasts to the end of the run");
  }
  switch (x.kind) {
    case FaultSpec::Kind::kPartition:
    case FaultSpec::Kind::kLoss:
    case FaultSpec::Kind::kLatency:
      x.from = f.text("from", std::string("*"));
      x.to = f.text("to");
      x.port = f.integer("port", 0, 0, 65535);
      x.mode = f.choice("mode", std::map<std::string, sim::FaultMode>{{"drop", sim::FaultMode::kDrop}, {"reject", sim::FaultMode::kReject}},
                        sim::FaultMode::kDrop);
      x.probability = f.probability("probability", 1.0);
      x.added_latency = f.duration("added_latency", Duration(0));
      x.flap_down = f.duration("flap_down", Duration(0));
      x.flap_up = f.duration("flap_up", Duration(0));
      break;
    case FaultSpec::Kind::kHostDown:
      if (f.get("runner") != nullptr) {
        x.runner = f.text("runner");
      } else {
        x.to = f.text("host");
      }
      break;
    case FaultSpec::Kind::kServiceStop:
    case FaultSpec::Kind::kServiceCrash:
    case FaultSpec::Kind::kExporterStop: x.runner = f.text("runner"); break;
    case FaultSpec::Kind::kResources:
      x.runner = f.text("runner");
      x.cpu = f.percent("cpu_percent", 5);
      x.memory = f.percent("memory_percent", 20);
      x.disk = f.percent("disk_percent", 10);
      break;
    case FaultSpec::Kind::kCancelRun: break;
    case FaultSpec::Kind::kHttpStatus:
      read_http_status_fault(f, x);
      break;
    case FaultSpec::Kind::kGitHubDegraded:
      read_github_degraded_fault(f, x);
      break;
  }
  if (x.kind == FaultSpec::Kind::kHostDown || x.kind == FaultSpec::Kind::kServiceStop ||
      x.kind == FaultSpec::Kind::kServiceCrash || x.kind == FaultSpec::Kind::kExporterStop) {
    x.flap_down = f.duration("flap_down", Duration(0));
    x.flap_up = f.duration("flap_up", Duration(0));
  }
  if ((x.flap_down > Duration(0)) != (x.flap_up > Duration(0))) {
    Fields::fail(f.at(x.flap_down > Duration(0) ? "flap_up" : "flap_down"),
                 "a flapping fault needs both flap_down and flap_up above 0s");
  }
  // Each flap is two events; shorter than a second is not a fault anyone can have (a
  // scrape or a job step takes longer) and would flood the run with events.
  for (const auto& [key, d] : {std::pair<const char*, Duration>{"flap_down", x.flap_down}, {"flap_up", x.flap_up}}) {
    if (d > Duration(0) && d < kMinFlap) {
      Fields::fail(f.at(key), "a flap shorter than " + format_duration(kMinFlap) + " (got " + format_duration(d) + ")");
    }
  }
  f.finish();
  check_fault_references(s, x, f);
  return x;
}

namespace {

// /workload: the deploy triggers and the production overrides of the world's.
void read_workload(Fields& top, Scenario& s) {
  const json& workload = top.need("workload");
  Fields w(workload, "/workload");
  const json& deploys = w.need("deploys");
  if (!deploys.is_array() || deploys.empty()) Fields::fail("/workload/deploys", "expected a non-empty array of deploy triggers");
  if (deploys.size() > kMaxScheduled) Fields::fail("/workload/deploys", "more than " + std::to_string(kMaxScheduled) + " deploys");
  for (std::size_t i = 0; i < deploys.size(); ++i) {
    Fields f(deploys[i], "/workload/deploys/" + std::to_string(i));
    s.deploys.push_back(DeployTrigger{f.duration("at"), f.text("version")});
    if (const auto bad = control_char_error(s.deploys.back().version)) {
      Fields::fail("/workload/deploys/" + std::to_string(i) + "/version", "a version is printed in every report: " + *bad);
    }
    f.finish();
  }
  s.deploy_step = read_distribution(w, "deploy_step", s.deploy_step);
  s.rollback_time = read_distribution(w, "rollback_time", s.rollback_time);
  s.attempt_failure_probability = w.number("attempt_failure_probability", s.attempt_failure_probability);
  if (s.attempt_failure_probability < 0 || s.attempt_failure_probability > 1) {
    Fields::fail("/workload/attempt_failure_probability", "expected a number in [0, 1]");
  }
  s.world.production_version = w.text("initial_version", s.world.production_version);
  if (const auto bad = control_char_error(s.world.production_version)) {
    Fields::fail("/workload/initial_version", "a version is printed in every report: " + *bad);
  }
  w.finish();
}

// Every deploy and fault starts before the run ends.
void check_within_run(const Scenario& s) {
  for (std::size_t i = 0; i < s.deploys.size(); ++i) {
    if (s.deploys[i].at >= s.run_length) {
      Fields::fail("/workload/deploys/" + std::to_string(i) + "/at",
                   "the deploy at " + format_duration(s.deploys[i].at) + " comes after the run ends (run_length " +
                       format_duration(s.run_length) + ")");
    }
  }
  for (std::size_t i = 0; i < s.faults.size(); ++i) {
    if (s.faults[i].at >= s.run_length) {
      Fields::fail("/faults/" + std::to_string(i) + "/at", "the fault at " + format_duration(s.faults[i].at) +
                                                               " starts after the run ends (run_length " +
                                                               format_duration(s.run_length) + ")");
    }
  }
}

// /secret: a token that must never appear in any output.
void read_secret(Fields& top, Scenario& s) {
  s.secret = top.text("secret", std::string());
  // Redaction replaces the secret's text in every output, so it must not be ordinary
  // text ("1" would take every digit) nor contain characters JSON, XML or HTML escape
  // (the escaped form would slip past the scan): 8 or more of A-Z a-z 0-9 _ - . ~ + / =.
  if (!s.secret.empty() && (s.secret.size() < 8 || s.secret.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                                               "0123456789_-.~+/=") != std::string::npos)) {
    Fields::fail("/secret", "a secret must be at least 8 characters of A-Z a-z 0-9 _ - . ~ + / = (like a GitHub token), "
                            "so that redacting it cannot change other text");
  }
}

Scenario read_scenario(const json& root, const std::string& source, const std::vector<Override>& overrides) {
  Fields top(root, "");
  Scenario s;
  s.file = source;
  if (top.integer("scenario_version", 0, 1, 1) != 1) Fields::fail("/scenario_version", "missing required field (1)");
  s.name = top.text("name");
  s.description = top.text("description", std::string());
  const std::filesystem::path dir = std::filesystem::path(source).parent_path();
  s.policy_path = (dir / top.text("policy")).lexically_normal().string();
  if (top.get("rules") != nullptr) s.rules_path = (dir / top.text("rules")).lexically_normal().string();
  for (const char* removed : {"runner_count", "prometheus", "runners"}) {
    if (top.get(removed) != nullptr) {
      Fields::fail(std::string("/") + removed, "scenarios no longer describe the world; declare runners and Prometheus in "
                                               "the world file the scenario names (\"world\": \"../worlds/NAME.json\")");
    }
  }
  const std::string world_ref = top.text("world");
  s.world_path = (dir / world_ref).lexically_normal().string();
  if (!path_exists(s.world_path)) {
    Fields::fail("/world", "world file " + s.world_path + " does not exist (\"" + world_ref + "\" relative to " + source + ")");
  }
  auto world = load_world(s.world_path, overrides);
  if (!world) throw Invalid("/world: " + world.error());
  s.world_file = std::move(world).value();
  s.world = s.world_file.spec;
  s.deploy_step = s.world_file.deploy_step;
  s.rollback_time = s.world_file.rollback_time;
  s.attempt_failure_probability = s.world_file.attempt_failure_probability;
  read_workload(top, s);
  if (const json* faults = top.get("faults")) {
    if (!faults->is_array()) Fields::fail("/faults", "expected an array of faults");
    if (faults->size() > kMaxScheduled) Fields::fail("/faults", "more than " + std::to_string(kMaxScheduled) + " faults");
    for (std::size_t i = 0; i < faults->size(); ++i) {
      Fields f((*faults)[i], "/faults/" + std::to_string(i));
      s.faults.push_back(read_fault(f, s, true));
    }
  }
  s.run_length = top.duration("run_length", s.run_length);
  check_run_length(s.run_length);
  check_within_run(s);
  read_secret(top, s);
  s.with_background = top.flag("with_background", false);
  if (top.get("slo_file") != nullptr) {
    s.slo_file = (dir / top.text("slo_file")).lexically_normal().string();
    if (!path_exists(*s.slo_file)) Fields::fail("/slo_file", "SLO file " + *s.slo_file + " does not exist");
  }
  if (top.get("slos") != nullptr) s.slos = top.strings("slos");
  if (const json* e = top.get("expect")) {
    if (!e->is_object()) Fields::fail("/expect", "expected an object keyed by policy name (or \"*\")");
    for (const auto& [policy, value] : e->items()) {
      Fields f(value, "/expect/" + policy);
      s.expect[policy] = read_expectations(f);
    }
  }
  top.finish();
  return s;
}

}  // namespace

Result<Scenario> parse_scenario(const std::string& json_text, const std::string& source,
                                const std::vector<Override>& overrides) {
  return json_fields::read_document<Scenario>(json_text, source,
                                              [&](const json& root) { return read_scenario(root, source, overrides); });
}

Result<FaultSpec> parse_fault(const std::string& json_text, const std::string& source, const Scenario& scenario) {
  return json_fields::read_document<FaultSpec>(json_text, source, [&](const json& root) {
    if (!root.is_object()) Fields::fail("", "expected a fault object, as in a scenario's \"faults\" list");
    Fields f(root, "");
    return read_fault(f, scenario, false);
  });
}

Result<Scenario> load_scenario(const std::string& path, const std::vector<Override>& overrides) {
  const auto text = read_input_file(path);
  if (!text) return Result<Scenario>::error(path + ": cannot read the scenario file: " + text.error());
  // A game-day plan reads as the scenario it runs; --set applies to its base scenario.
  if (is_plan_text(text.value())) return parse_plan(text.value(), path, overrides);
  return parse_with_overrides<Scenario>(text.value(), path, "scenario", overrides,
                                        [&](const std::string& t, const std::string& src) {
                                          return parse_scenario(t, src, overrides);
                                        });
}

nlohmann::ordered_json fault_to_json(const FaultSpec& f) {
  nlohmann::ordered_json j;
  j["kind"] = to_string(f.kind);
  j["at"] = format_duration(f.at);
  if (f.length > Duration(0)) j["for"] = format_duration(f.length);
  switch (f.kind) {
    case FaultSpec::Kind::kPartition:
    case FaultSpec::Kind::kLoss:
    case FaultSpec::Kind::kLatency:
      if (f.from != "*") j["from"] = f.from;
      j["to"] = f.to;
      if (f.port != 0) j["port"] = f.port;
      if (f.kind == FaultSpec::Kind::kPartition) j["mode"] = f.mode == sim::FaultMode::kDrop ? "drop" : "reject";
      if (f.kind == FaultSpec::Kind::kLoss) j["probability"] = f.probability;
      if (f.kind == FaultSpec::Kind::kLatency) j["added_latency"] = format_duration(f.added_latency);
      break;
    case FaultSpec::Kind::kHostDown:
      if (!f.runner.empty()) {
        j["runner"] = f.runner;
      } else {
        j["host"] = f.to;
      }
      break;
    case FaultSpec::Kind::kServiceStop:
    case FaultSpec::Kind::kServiceCrash:
    case FaultSpec::Kind::kExporterStop: j["runner"] = f.runner; break;
    case FaultSpec::Kind::kResources:
      j["runner"] = f.runner;
      j["cpu_percent"] = f.cpu;
      j["memory_percent"] = f.memory;
      j["disk_percent"] = f.disk;
      break;
    case FaultSpec::Kind::kCancelRun: break;
    case FaultSpec::Kind::kHttpStatus:
      if (f.from != "*") j["from"] = f.from;
      j["to"] = f.to;
      if (f.port != 0) j["port"] = f.port;
      j["status"] = f.http_status;
      if (f.probability < 1.0) j["probability"] = f.probability;
      if (f.http_first > 0) j["first"] = f.http_first;
      break;
    case FaultSpec::Kind::kGitHubDegraded:
      if (f.github.error_rate > 0) j["error_rate"] = f.github.error_rate;
      if (f.github.status != 503) j["status"] = f.github.status;
      if (f.github.added_latency > Duration(0)) j["added_latency"] = format_duration(f.github.added_latency);
      if (f.github.rate_limited) j["rate_limited"] = true;
      if (f.github.pickup_delay > Duration(0)) j["pickup_delay"] = format_duration(f.github.pickup_delay);
      break;
  }
  if (f.flap_down > Duration(0)) {
    j["flap_down"] = format_duration(f.flap_down);
    j["flap_up"] = format_duration(f.flap_up);
  }
  return j;
}

const char* to_string(FaultSpec::Kind k) {
  switch (k) {
    case FaultSpec::Kind::kPartition: return "partition";
    case FaultSpec::Kind::kLoss: return "loss";
    case FaultSpec::Kind::kLatency: return "latency";
    case FaultSpec::Kind::kHostDown: return "host_down";
    case FaultSpec::Kind::kServiceStop: return "service_stop";
    case FaultSpec::Kind::kServiceCrash: return "service_crash";
    case FaultSpec::Kind::kExporterStop: return "exporter_stop";
    case FaultSpec::Kind::kResources: return "resources";
    case FaultSpec::Kind::kCancelRun: return "cancel_run";
    case FaultSpec::Kind::kGitHubDegraded: return "github_degraded";
    case FaultSpec::Kind::kHttpStatus: return "http_status";
  }
  return "?";
}

}  // namespace failsim::harness
