#include "harness/inputs/gameday_plan.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "failover/duration.h"
#include "failover/json_fields.h"
#include "harness/inputs/text_file.h"

namespace failsim::harness {
namespace {

using json_fields::Fields;
using json_fields::Invalid;
using json_fields::json;
using json_fields::join;

// A checkpoint on a runner or a target the world does not have could never be met.
// (Alert names are checked against the rules a run loads: harness/inputs/inputs.h.)
void check_checkpoint_subject(const Scenario& s, const Checkpoint& c, const std::string& at) {
  if (c.kind == Checkpoint::Kind::kDeployLands && !c.runner.empty()) {
    std::vector<std::string> runners;
    for (const auto& r : s.world.runners) runners.push_back(r.runner_name);
    if (std::find(runners.begin(), runners.end(), c.runner) == runners.end()) {
      Fields::fail(at + "/deploy_lands/runner", "no runner named \"" + c.runner + "\" in the world " + s.world_path +
                                                    "; runners: " + join(runners));
    }
  }
  if (c.kind == Checkpoint::Kind::kTargetDown) {
    std::set<std::string> targets;
    for (const auto& sc : s.world.scrape_configs) {
      for (const auto& t : sc.targets) targets.insert(t.host + ":" + std::to_string(t.port));
    }
    if (!targets.count(c.subject)) {
      std::vector<std::string> some(targets.begin(), targets.end());
      if (some.size() > 12) some.resize(12);
      Fields::fail(at + "/target_down", "no scrape target " + c.subject + " in the world " + s.world_path + "; targets: " +
                                            (some.empty() ? "none" : join(some)) + (targets.size() > 12 ? ", ..." : ""));
    }
  }
}

Scenario read_plan(const json& root, const std::string& source, const std::vector<Override>& overrides) {
  Fields top(root, "");
  if (top.integer("plan_version", 0, 1, 1) != 1) Fields::fail("/plan_version", "expected 1");
  top.get("$schema");  // an editor's hint (scenarios/schema/gameday-plan.schema.json)
  const std::string name = top.text("name");
  const std::string description = top.text("description", std::string());
  const std::filesystem::path dir = std::filesystem::path(source).parent_path();
  const std::string base_ref = top.text("scenario");
  const std::string base_path = (dir / base_ref).lexically_normal().string();
  // A plan runs a scenario: a plan as the base (itself, or plans naming each other)
  // would recurse, and layered plans have no meaning of their own.
  if (const auto base_text = read_input_file(base_path); base_text && is_plan_text(base_text.value())) {
    Fields::fail("/scenario", base_path + " is a game-day plan; a plan's base is a scenario (a plan cannot run a plan)");
  }
  auto base = load_scenario(base_path, overrides);
  if (!base) throw Invalid("/scenario: " + base.error());
  Scenario s = std::move(base).value();
  s.base_scenario = base_path;
  s.file = source;
  s.name = name;
  s.description = description.empty() ? "Game-day plan on " + base_ref : description;
  static const std::map<std::string, bool> kWorkloads = {{"plan", false}, {"scenario", true}};
  if (!top.choice("workload", kWorkloads, false)) {
    s.deploys.clear();
    s.faults.clear();
    s.expect.clear();  // they were about the scenario's own schedule
  }
  s.run_length = top.duration("run_length", s.run_length);
  check_run_length(s.run_length);
  const json& steps = top.need("steps");
  if (!steps.is_array()) Fields::fail("/steps", "expected an array of steps ({\"at\", \"inject\"} or {\"at\", \"deploy\"})");
  if (steps.size() > kMaxScheduled) Fields::fail("/steps", "more than " + std::to_string(kMaxScheduled) + " steps; a game day has a few");
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const std::string at = "/steps/" + std::to_string(i);
    Fields f(steps[i], at);
    const Duration when = f.duration("at");
    if (when >= s.run_length) {
      Fields::fail(f.at("at"), "the step at " + format_duration(when) + " comes after the run ends (run_length " +
                                   format_duration(s.run_length) + ")");
    }
    const json* inject = f.get("inject");
    const json* deploy = f.get("deploy");
    if ((inject == nullptr) == (deploy == nullptr)) Fields::fail(at, "a step has exactly one of inject, deploy" + f.typo_hint());
    if (inject != nullptr) {
      Fields ff(*inject, f.at("inject"));
      if (ff.get("at") != nullptr) Fields::fail(ff.at("at"), "the step's `at` says when an injection starts; leave it out here");
      FaultSpec fault = read_fault(ff, s, false);
      fault.at = when;
      s.faults.push_back(fault);
    } else {
      s.deploys.push_back(DeployTrigger{when, f.text("deploy")});
    }
    f.finish();
  }
  const json& checkpoints = top.need("checkpoints");
  if (!checkpoints.is_array() || checkpoints.empty()) Fields::fail("/checkpoints", "expected a non-empty array of checkpoints");
  if (checkpoints.size() > kMaxScheduled) {
    Fields::fail("/checkpoints", "more than " + std::to_string(kMaxScheduled) + " checkpoints; a game day has a few");
  }
  std::set<std::string> names;
  for (std::size_t i = 0; i < checkpoints.size(); ++i) {
    Fields f(checkpoints[i], "/checkpoints/" + std::to_string(i));
    s.checkpoints.push_back(read_checkpoint(f));
    if (!names.insert(s.checkpoints[i].name).second) {
      Fields::fail("/checkpoints/" + std::to_string(i) + "/name", "a second checkpoint named \"" + s.checkpoints[i].name + "\"");
    }
    const Checkpoint& c = s.checkpoints.back();
    check_checkpoint_subject(s, c, "/checkpoints/" + std::to_string(i));
    if (c.by && *c.by > s.run_length) {
      Fields::fail("/checkpoints/" + std::to_string(i) + "/by", "by " + format_duration(*c.by) + " is after the run ends (run_length " +
                                                                    format_duration(s.run_length) + ")");
    }
  }
  top.finish();
  return s;
}

}  // namespace

bool is_plan_text(const std::string& json_text) {
  const json root = json::parse(json_text, nullptr, false);
  return root.is_object() && root.contains("plan_version");
}

Result<Scenario> parse_plan(const std::string& json_text, const std::string& source, const std::vector<Override>& overrides) {
  return json_fields::read_document<Scenario>(json_text, source,
                                              [&](const json& root) { return read_plan(root, source, overrides); });
}

}  // namespace failsim::harness
