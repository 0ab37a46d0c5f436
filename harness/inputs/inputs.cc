#include "harness/inputs/inputs.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "failover/health.h"
#include "failover/json_fields.h"
#include "harness/inputs/world_file.h"
#include "harness/inputs/text_file.h"
#include "sim/prometheus/promql_parser.h"

namespace failsim::harness {
namespace {

using json_fields::join;

}  // namespace

Result<failover::Policy> load_policy_file(const std::string& path, const std::string& referenced_by,
                                          const std::vector<Override>& overrides) {
  using R = Result<failover::Policy>;
  if (!path_exists(path)) {
    return R::error(referenced_by + ": policy file " + path + " does not exist");
  }
  const auto text = read_input_file(path);
  if (!text) return R::error(path + ": cannot read the policy file (named by " + referenced_by + "): " + text.error());
  auto policy = parse_with_overrides<failover::Policy>(text.value(), path, "policy", overrides,
                                                       [](const std::string& t, const std::string& src) {
                                                         return failover::parse_policy(t, src);
                                                       });
  if (!policy) return policy;
  failover::Policy p = std::move(policy).value();
  p.base_dir = std::filesystem::path(path).parent_path().string();
  return R::ok(std::move(p));
}

Result<std::vector<sim::prometheus::RuleGroupSpec>> load_rules_for(const Scenario& scenario,
                                                                   const failover::Policy& policy,
                                                                   const std::string& policy_path,
                                                                   const std::optional<std::string>& rules_override,
                                                                   const std::vector<Override>& overrides) {
  using R = Result<std::vector<sim::prometheus::RuleGroupSpec>>;
  std::vector<std::pair<std::string, std::string>> files;  // path, who named it
  if (rules_override) {
    files.emplace_back(*rules_override, "--rules");
  } else if (scenario.rules_path) {
    files.emplace_back(*scenario.rules_path, scenario.file + ": /rules");
  } else if (!policy.rule_file.empty()) {
    files.emplace_back((std::filesystem::path(policy_path).parent_path() / policy.rule_file).lexically_normal().string(),
                       policy_path + ": /rule_file");
  } else {
    for (std::size_t i = 0; i < scenario.world_file.rule_files.size(); ++i) {
      files.emplace_back(scenario.world_file.rule_files[i],
                         scenario.world_path + ": /prometheus/rule_files/" + std::to_string(i));
    }
  }
  std::vector<sim::prometheus::RuleGroupSpec> groups;
  for (const auto& [path, by] : files) {
    if (!path_exists(path)) return R::error(by + ": rule file " + path + " does not exist");
    const auto text = read_input_file(path);
    if (!text) return R::error(path + ": cannot read the rule file: " + text.error() + " (named by " + by + ")");
    auto loaded = sim::prometheus::parse_rule_file(text.value(), path);
    if (!loaded) return R::error(loaded.error() + " (named by " + by + ")");
    for (auto g : loaded.value()) {
      g.file = scenario.world_file.server_path_for(path);
      groups.push_back(std::move(g));
    }
  }
  if (auto changed = apply_rule_overrides(groups, overrides); !changed) return R::error(changed.error());
  // A plan's alert checkpoint names an alert of these rules, or it could never be met.
  std::set<std::string> alerts;
  for (const auto& g : groups) {
    for (const auto& r : g.rules) {
      if (r.alerting) alerts.insert(r.name);
    }
  }
  for (std::size_t i = 0; i < scenario.checkpoints.size(); ++i) {
    const Checkpoint& c = scenario.checkpoints[i];
    const bool alert = c.kind == Checkpoint::Kind::kAlertFiring || c.kind == Checkpoint::Kind::kAlertNotified;
    if (!alert || alerts.count(c.subject)) continue;
    std::string named;
    for (const auto& [path, by] : files) named += (named.empty() ? "" : ", ") + path;
    std::vector<std::string> all(alerts.begin(), alerts.end());
    return R::error(scenario.file + ": /checkpoints/" + std::to_string(i) +
                    (c.kind == Checkpoint::Kind::kAlertFiring ? "/alert_firing" : "/alert_notified") + ": no alerting rule named \"" +
                    c.subject + "\" in the rules this run uses (" + (named.empty() ? "none" : named) +
                    "); alerts: " + (all.empty() ? "none" : join(all)));
  }
  return R::ok(std::move(groups));
}

Result<bool> check_policy_fits(const Scenario& scenario, const failover::Policy& policy, const std::string& policy_path) {
  using R = Result<bool>;
  const auto instances = scenario.world_file.instances();
  std::vector<std::string> runners;
  for (const auto& r : scenario.world.runners) runners.push_back(r.runner_name);
  std::vector<std::string> targets;
  for (const auto& [instance, runner] : instances) targets.push_back(instance);
  const std::string where = policy_path + " (with the world " + scenario.world_path + ")";
  for (std::size_t i = 0; i < policy.candidates.size(); ++i) {
    const auto& c = policy.candidates[i];
    const std::string at = where + ": /candidates/" + std::to_string(i);
    // A candidate with a hostname or an instance names one runner of the world; an
    // in-job candidate (hostname null, no instance) is a label set, whoever matches.
    if (c.hostname || !c.instance.empty()) {
      if (std::find(runners.begin(), runners.end(), c.name) == runners.end()) {
        return R::error(at + "/name: no runner named \"" + c.name + "\"; runners: " + join(runners));
      }
    }
    if (!c.instance.empty()) {
      const auto it = instances.find(c.instance);
      if (it == instances.end()) {
        return R::error(at + "/instance: no scrape job has the target \"" + c.instance + "\"; targets: " + join(targets));
      }
      if (it->second != c.name) {
        return R::error(at + "/instance: " + c.instance + " is the exporter of " + it->second + ", not of " + c.name);
      }
    }
  }
  if (auto r = check_candidates_runnable(scenario, policy, where); !r) return r;
  return check_policy_queries(policy, policy_path);
}

Result<bool> check_candidates_runnable(const Scenario& scenario, const failover::Policy& policy, const std::string& where) {
  using R = Result<bool>;
  const bool in_job = policy.placement == failover::GatePlacement::kInJob;
  bool any_authorized = false;
  for (const auto& c : policy.candidates) any_authorized = any_authorized || c.authorized_for_prod;
  if (!in_job && !any_authorized) {
    return R::error(where + ": /candidates: no candidate is authorized_for_prod, so a before-dispatch gate never "
                    "dispatches a deploy; mark the runners approved for production");
  }
  // The deploy job keeps the world's runner group; the policy sends it to a candidate's
  // labels (a runner named like the candidate carries them: harness/runs/run.cc).
  std::string group;
  for (const auto& j : scenario.world_file.deploy_workflow_spec().jobs) {
    if (j.name == scenario.world_file.deploy_job) group = j.runs_on_group;
  }
  for (std::size_t i = 0; i < policy.candidates.size(); ++i) {
    const auto& c = policy.candidates[i];
    if (in_job ? i != 0 : !c.authorized_for_prod) continue;  // never dispatched to
    std::vector<sim::runner::RunnerHostSpec> runners = scenario.world.runners;
    for (auto& r : runners) {
      if (r.runner_name == c.name) r.labels.insert(r.labels.end(), c.labels.begin(), c.labels.end());
    }
    const std::string at = where + ": /candidates/" + std::to_string(i) + " (" + c.name + ")";
    if (const std::string why = why_no_runner(c.labels, group, runners); !why.empty()) {
      return R::error(at + ": the deploy job dispatched to it would wait forever: " + why);
    }
    std::vector<std::string> takers;
    bool authorized_taker = false;
    for (const auto& r : runners) {
      if (!why_no_runner(c.labels, group, {r}).empty()) continue;
      takers.push_back(r.runner_name);
      authorized_taker = authorized_taker || r.authorized_for_prod == "true";
    }
    const bool only_hosted = std::all_of(takers.begin(), takers.end(), [&](const std::string& name) {
      for (const auto& r : runners) {
        if (r.runner_name == name) return r.host == "github-hosted";
      }
      return false;
    });
    if (!authorized_taker && only_hosted) {
      return R::error(at + ": its deploy job runs only on GitHub's own runners (" + join(takers) +
                      "): failsim simulates deploys from self-hosted runners the team runs and watches; point the deploy job "
                      "at self-hosted labels (or --deploy-job another job)");
    }
    if (!authorized_taker) {
      return R::error(at + ": every runner that can take its deploy job (" + join(takers) +
                      ") has authorized_for_prod false in the world, so every deploy would break authorized_runners_only; "
                      "set authorized_for_prod on the runners approved for production");
    }
  }
  return R::ok(true);
}

// A command whose program (argv[0] on PATH, or a path) or script (an interpreter's first
// argument that names a file) does not exist: "0: nosuch: not found on PATH".
std::optional<std::string> missing_program(const std::vector<std::string>& argv, const std::string& base_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string& program = argv[0];
  if (program.empty()) return "0: the program is empty";
  if (program.find('/') == std::string::npos) {
    bool found = false;
    for (const char* dir : {"/usr/local/bin/", "/usr/bin/", "/bin/"}) {
      found = found || (fs::is_regular_file(dir + program, ec) && access((dir + program).c_str(), X_OK) == 0);
    }
    if (!found) return "0: " + program + ": not found on PATH (/usr/local/bin:/usr/bin:/bin)";
  } else if (!fs::is_regular_file(fs::path(program).is_absolute() ? fs::path(program) : fs::path(base_dir) / program, ec)) {
    return "0: " + program + ": no such file (relative paths are read from the policy's folder" +
           (base_dir.empty() ? std::string(")") : ", " + base_dir + ")");
  }
  static const std::set<std::string> interpreters = {"bash", "sh", "dash", "python3", "python", "perl", "node"};
  if (argv.size() > 1 && interpreters.count(fs::path(program).filename().string()) > 0) {
    const std::string& script = argv[1];
    const bool looks_like_file = script.find('$') == std::string::npos && script[0] != '-' &&
                                 (script.find('/') != std::string::npos || fs::path(script).has_extension());
    if (looks_like_file && !fs::is_regular_file(fs::path(script).is_absolute() ? fs::path(script) : fs::path(base_dir) / script, ec)) {
      return "1: " + script + ": no such file (relative paths are read from the policy's folder" +
             (base_dir.empty() ? std::string(")") : ", " + base_dir + ")");
    }
  }
  return std::nullopt;
}

std::vector<std::string> document_names_in(const std::filesystem::path& dir, const char* version_key) {
  std::vector<std::string> names;
  std::error_code ec;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir.empty() ? "." : dir, ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    const auto text = read_unrecorded_file(f.string());
    if (!text) continue;
    const auto j = nlohmann::json::parse(text.value(), nullptr, false);
    if (j.is_object() && j.contains(version_key) && j.contains("name") && j["name"].is_string()) {
      names.push_back(j["name"].get<std::string>());
    }
  }
  return names;
}

Result<bool> check_policy_queries(const failover::Policy& policy, const std::string& policy_path) {
  using R = Result<bool>;
  const failover::Candidate sample{"runner", std::string("host"), "host:9100", {}, true};
  auto check_queries = [&](const std::vector<failover::HealthCheck>& checks, const std::string& pointer) -> R {
    for (std::size_t i = 0; i < checks.size(); ++i) {
      if (checks[i].is_command()) {
        if (auto missing = missing_program(checks[i].command, policy.base_dir)) {
          return R::error(policy_path + ": " + pointer + "/" + std::to_string(i) + "/command/" + *missing);
        }
        continue;
      }
      const std::string q = failover::fill_placeholders(checks[i].query, sample, "host");
      auto parsed = sim::prometheus::parse_promql(q);
      if (!parsed) {
        return R::error(policy_path + ": " + pointer + "/" + std::to_string(i) + "/query: not a PromQL expression (" +
                        parsed.error() + "): " + checks[i].query);
      }
    }
    return R::ok(true);
  };
  if (auto r = check_queries(policy.preflight, "/gate/preflight"); !r) return r;
  return check_queries(policy.gate, "/gate/checks");
}

Result<bool> check_expect_keys(const Scenario& scenario, const std::vector<std::string>& policy_names,
                               const std::vector<std::string>& covered) {
  using R = Result<bool>;
  if (scenario.expect.empty()) return R::ok(true);
  const std::vector<std::string> known_names = document_names_in(std::filesystem::path(scenario.policy_path).parent_path(), "policy_version");
  auto has = [](const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); };
  for (const auto& [key, e] : scenario.expect) {
    if (key == "*" || has(policy_names, key) || has(known_names, key)) continue;
    std::vector<std::string> all = policy_names;
    for (const auto& k : known_names) {
      if (!has(all, k)) all.push_back(k);
    }
    return R::error(scenario.file + ": /expect/" + key + ": names no policy (policies: " + join(all) +
                    "; or \"*\" for every policy): a typo here would leave expectations unchecked");
  }
  if (scenario.expect.count("*") != 0) return R::ok(true);
  for (const auto& name : policy_names) {
    if (scenario.expect.count(name) == 0 && std::find(covered.begin(), covered.end(), name) == covered.end()) {
      std::vector<std::string> keys;
      for (const auto& [key, e] : scenario.expect) keys.push_back(key);
      return R::error(scenario.file + ": /expect: policy " + name + " of this run has no expectations here (keys: " +
                      join(keys) + "); add /expect/" + name + " or \"*\", or run the change as a --variant of the policy "
                      "whose expectations apply");
    }
  }
  return R::ok(true);
}

Result<std::map<std::string, Expectations>> load_policy_expectations(const std::string& path,
                                                                     const std::vector<Override>& overrides) {
  using R = Result<std::map<std::string, Expectations>>;
  const auto text = read_input_file(path);
  if (!text) return R::error(path + ": cannot read the policy file: " + text.error());
  auto changed = apply_overrides(text.value(), path, "policy", overrides);
  if (!changed) return R::error(changed.error());
  return json_fields::read_document<std::map<std::string, Expectations>>(
      changed.value(), path, [](const nlohmann::json& root) {
        std::map<std::string, Expectations> out;
        const auto it = root.find("expect");
        if (it == root.end()) return out;
        for (const auto& [key, value] : it->items()) {
          json_fields::Fields f(value, "/expect/" + key);
          out[key] = read_expectations(f);
        }
        return out;
      });
}

Result<LoadedRun> load_run(const std::string& scenario_path, const std::string& policy_override,
                           const std::string& rules_override, bool check_keys,
                           const std::vector<Override>& overrides) {
  using R = Result<LoadedRun>;
  auto scenario = load_scenario(scenario_path, overrides);
  if (!scenario) return R::error(scenario.error());
  LoadedRun run{scenario.value(), {}, policy_override.empty() ? scenario.value().policy_path : policy_override, {}};
  auto policy = load_policy_file(run.policy_path, policy_override.empty() ? scenario_path + ": /policy" : "--policy",
                                 overrides);
  if (!policy) return R::error(policy.error());
  run.policy = policy.value();
  if (auto fits = check_policy_fits(run.scenario, run.policy, run.policy_path); !fits) return R::error(fits.error());
  if (check_keys) {
    if (auto keys = check_expect_keys(run.scenario, {run.policy.name}); !keys) return R::error(keys.error());
  }
  auto rules = load_rules_for(run.scenario, run.policy, run.policy_path,
                              rules_override.empty() ? std::nullopt : std::optional<std::string>(rules_override), overrides);
  if (!rules) return R::error(rules.error());
  run.rules = std::move(rules).value();
  return R::ok(std::move(run));
}

}  // namespace failsim::harness
