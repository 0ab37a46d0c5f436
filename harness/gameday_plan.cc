#include "harness/gameday_plan.h"

#include <filesystem>

#include "failover/duration.h"
#include "failover/json_fields.h"

namespace failsim::harness {
namespace {

using json_fields::Fields;
using json_fields::Invalid;
using json_fields::json;

Scenario read_plan(const json& root, const std::string& source, const std::vector<Override>& overrides) {
  Fields top(root, "");
  if (top.integer("plan_version", 0, 1, 1) != 1) Fields::fail("/plan_version", "expected 1");
  top.get("$schema");  // an editor's hint (scenarios/schema/gameday-plan.schema.json)
  const std::string name = top.text("name");
  const std::string description = top.text("description", std::string());
  const std::filesystem::path dir = std::filesystem::path(source).parent_path();
  const std::string base_ref = top.text("scenario");
  const std::string base_path = (dir / base_ref).lexically_normal().string();
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
  for (std::size_t i = 0; i < checkpoints.size(); ++i) {
    Fields f(checkpoints[i], "/checkpoints/" + std::to_string(i));
    s.checkpoints.push_back(read_checkpoint(f));
    for (std::size_t j = 0; j < i; ++j) {
      if (s.checkpoints[j].name == s.checkpoints[i].name) {
        Fields::fail("/checkpoints/" + std::to_string(i) + "/name", "a second checkpoint named \"" + s.checkpoints[i].name + "\"");
      }
    }
    const Checkpoint& c = s.checkpoints.back();
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
