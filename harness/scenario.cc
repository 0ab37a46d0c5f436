#include "harness/scenario.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "failover/json_fields.h"

namespace failsim::harness {
namespace {

using json_fields::Fields;
using json_fields::Invalid;
using json_fields::json;

sim::Distribution read_distribution(Fields& parent, const std::string& key, sim::Distribution fallback) {
  const json* v = parent.get(key);
  if (v == nullptr) return fallback;
  if (v->is_string()) return sim::Distribution::fixed(parent.duration(key));
  Fields f(*v, parent.at(key));
  const auto kind = f.choice("kind",
                             std::map<std::string, sim::Distribution::Kind>{
                                 {"fixed", sim::Distribution::Kind::kFixed},
                                 {"uniform", sim::Distribution::Kind::kUniform},
                                 {"exponential", sim::Distribution::Kind::kExponential},
                                 {"normal", sim::Distribution::Kind::kNormal},
                                 {"lognormal", sim::Distribution::Kind::kLognormal}},
                             sim::Distribution::Kind::kFixed);
  sim::Distribution d;
  d.kind = kind;
  switch (kind) {
    case sim::Distribution::Kind::kFixed: d.a = f.duration("value"); break;
    case sim::Distribution::Kind::kUniform:
      d.a = f.duration("min");
      d.b = f.duration("max");
      if (d.b < d.a) Fields::fail(f.at("max"), "expected max >= min");
      break;
    case sim::Distribution::Kind::kExponential: d.a = f.duration("mean"); break;
    case sim::Distribution::Kind::kNormal:
      d.a = f.duration("mean");
      d.b = f.duration("stddev");
      break;
    case sim::Distribution::Kind::kLognormal:
      d.a = f.duration("median");
      d.sigma = f.number("sigma", 0.3);
      if (d.sigma < 0) Fields::fail(f.at("sigma"), "expected a number >= 0");
      break;
  }
  f.finish();
  return d;
}

Expectations read_expectations(Fields& f) {
  Expectations e;
  if (f.get("outcome") != nullptr) {
    e.outcome = f.text("outcome");
    static const std::set<std::string> kOutcomes = {"deployed", "failed", "rolled_back", "cancelled", "stuck"};
    if (kOutcomes.count(*e.outcome) == 0) {
      Fields::fail(f.at("outcome"), "expected one of deployed, failed, rolled_back, cancelled, stuck, got \"" + *e.outcome + "\"");
    }
  }
  if (f.get("runner") != nullptr) e.runner = f.text("runner");
  if (f.get("deploy_within") != nullptr) e.deploy_within = f.duration("deploy_within");
  if (f.get("detection_within") != nullptr) e.detection_within = f.duration("detection_within");
  if (f.get("alert_fires") != nullptr) e.alert_fires = f.flag("alert_fires", false);
  if (f.get("final_version") != nullptr) e.final_version = f.text("final_version");
  if (f.get("known_violations") != nullptr) {
    static const std::set<std::string> kInvariants = {"single_mutator", "no_request_lost", "production_not_partial",
                                                      "authorized_runners_only", "no_secret_in_output"};
    e.known_violations = f.strings("known_violations");
    for (std::size_t i = 0; i < e.known_violations.size(); ++i) {
      if (kInvariants.count(e.known_violations[i]) == 0) {
        Fields::fail(f.at("known_violations") + "/" + std::to_string(i),
                     "unknown invariant \"" + e.known_violations[i] +
                         "\"; expected one of single_mutator, no_request_lost, production_not_partial, "
                         "authorized_runners_only, no_secret_in_output");
      }
    }
  }
  f.finish();
  return e;
}

Scenario read_scenario(const json& root, const std::string& source) {
  Fields top(root, "");
  Scenario s;
  s.file = source;
  if (top.integer("scenario_version", 0, 1, 1) != 1) Fields::fail("/scenario_version", "missing required field (1)");
  s.name = top.text("name");
  s.description = top.text("description", std::string());
  const std::filesystem::path dir = std::filesystem::path(source).parent_path();
  s.policy_path = (dir / top.text("policy")).lexically_normal().string();
  if (top.get("rules") != nullptr) s.rules_path = (dir / top.text("rules")).lexically_normal().string();
  s.world = sim::paws360_world(1, top.integer("runner_count", 2, 1, 50));
  if (const json* p = top.get("prometheus")) {
    Fields f(*p, "/prometheus");
    s.world.scrape.scrape_interval = f.duration("scrape_interval", s.world.scrape.scrape_interval);
    s.world.scrape.scrape_timeout = f.duration("scrape_timeout", s.world.scrape.scrape_timeout);
    s.world.scrape.honor_labels = f.flag("honor_labels", s.world.scrape.honor_labels);
    s.world.prometheus.evaluation_interval = f.duration("evaluation_interval", s.world.prometheus.evaluation_interval);
    if (s.world.scrape.scrape_timeout > s.world.scrape.scrape_interval) {
      Fields::fail("/prometheus/scrape_timeout", "must not be greater than scrape_interval");
    }
    if (s.world.scrape.scrape_interval <= Duration(0) || s.world.prometheus.evaluation_interval <= Duration(0)) {
      Fields::fail("/prometheus", "intervals must be greater than 0");
    }
    f.finish();
  }
  if (const json* r = top.get("runners")) {
    if (!r->is_array()) Fields::fail("/runners", "expected an array of runner overrides");
    for (std::size_t i = 0; i < r->size(); ++i) {
      Fields f((*r)[i], "/runners/" + std::to_string(i));
      const std::string name = f.text("name");
      sim::runner::RunnerHostSpec* spec = nullptr;
      for (auto& x : s.world.runners) {
        if (x.runner_name == name) spec = &x;
      }
      if (spec == nullptr) Fields::fail(f.at("name"), "no runner named \"" + name + "\" in the world");
      if (f.get("labels") != nullptr) spec->labels = f.strings("labels");
      spec->environment = f.text("environment", spec->environment);
      if (f.get("authorized_for_prod") != nullptr) spec->authorized_for_prod = f.flag("authorized_for_prod", false) ? "true" : "false";
      spec->check_in_visible = f.flag("check_in_visible", spec->check_in_visible);
      spec->cpu_percent = f.number("cpu_percent", spec->cpu_percent);
      spec->memory_percent = f.number("memory_percent", spec->memory_percent);
      f.finish();
    }
  }
  const json& workload = top.need("workload");
  Fields w(workload, "/workload");
  const json& deploys = w.need("deploys");
  if (!deploys.is_array() || deploys.empty()) Fields::fail("/workload/deploys", "expected a non-empty array of deploy triggers");
  for (std::size_t i = 0; i < deploys.size(); ++i) {
    Fields f(deploys[i], "/workload/deploys/" + std::to_string(i));
    s.deploys.push_back(DeployTrigger{f.duration("at"), f.text("version")});
    f.finish();
  }
  s.deploy_step = read_distribution(w, "deploy_step", s.deploy_step);
  s.rollback_time = read_distribution(w, "rollback_time", s.rollback_time);
  s.attempt_failure_probability = w.number("attempt_failure_probability", 0.0);
  if (s.attempt_failure_probability < 0 || s.attempt_failure_probability > 1) {
    Fields::fail("/workload/attempt_failure_probability", "expected a number in [0, 1]");
  }
  s.world.production_version = w.text("initial_version", s.world.production_version);
  w.finish();
  if (const json* faults = top.get("faults")) {
    if (!faults->is_array()) Fields::fail("/faults", "expected an array of faults");
    static const std::map<std::string, FaultSpec::Kind> kKinds = {
        {"partition", FaultSpec::Kind::kPartition},       {"loss", FaultSpec::Kind::kLoss},
        {"latency", FaultSpec::Kind::kLatency},           {"host_down", FaultSpec::Kind::kHostDown},
        {"service_stop", FaultSpec::Kind::kServiceStop},  {"service_crash", FaultSpec::Kind::kServiceCrash},
        {"exporter_stop", FaultSpec::Kind::kExporterStop}, {"resources", FaultSpec::Kind::kResources},
        {"cancel_run", FaultSpec::Kind::kCancelRun}};
    for (std::size_t i = 0; i < faults->size(); ++i) {
      Fields f((*faults)[i], "/faults/" + std::to_string(i));
      FaultSpec x;
      if (f.get("kind") == nullptr) Fields::fail(f.at("kind"), "missing required field");
      x.kind = f.choice("kind", kKinds, FaultSpec::Kind::kPartition);
      x.at = f.duration("at");
      x.length = f.duration("for", Duration(0));
      switch (x.kind) {
        case FaultSpec::Kind::kPartition:
        case FaultSpec::Kind::kLoss:
        case FaultSpec::Kind::kLatency:
          x.from = f.text("from", std::string("*"));
          x.to = f.text("to");
          x.port = f.integer("port", 0, 0, 65535);
          x.mode = f.choice("mode", std::map<std::string, sim::FaultMode>{{"drop", sim::FaultMode::kDrop}, {"reject", sim::FaultMode::kReject}},
                            sim::FaultMode::kDrop);
          x.probability = f.number("probability", 1.0);
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
          x.cpu = f.number("cpu_percent", 5);
          x.memory = f.number("memory_percent", 20);
          x.disk = f.number("disk_percent", 10);
          break;
        case FaultSpec::Kind::kCancelRun: break;
      }
      f.finish();
      if (!x.runner.empty() && x.runner != "$deploy") {
        bool found = false;
        for (const auto& r : s.world.runners) found = found || r.runner_name == x.runner;
        if (!found) Fields::fail(f.at("runner"), "no runner named \"" + x.runner + "\" in the world");
      }
      s.faults.push_back(x);
    }
  }
  s.run_length = top.duration("run_length", s.run_length);
  s.secret = top.text("secret", std::string());
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

Result<Scenario> parse_scenario(const std::string& json_text, const std::string& source) {
  auto root = json_fields::parse(json_text, source);
  if (!root) return Result<Scenario>::error(root.error());
  try {
    return Result<Scenario>::ok(read_scenario(root.value(), source));
  } catch (const Invalid& e) {
    return Result<Scenario>::error(source + ": " + e.what());
  }
}

Result<Scenario> load_scenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Result<Scenario>::error(path + ": cannot read the scenario file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), path);
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
  }
  return "?";
}

}  // namespace failsim::harness
