#include "harness/cli/import_command.h"

#include "failover/json_fields.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <set>

#include "failover/policy.h"
#include "harness/inputs/inputs.h"
#include "harness/runs/suite.h"
#include "harness/inputs/text_file.h"
#include "harness/inputs/world_file.h"

namespace failsim::harness {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Why a document cannot be the world an import merges into (a scenario, a policy, a
// plan, or a part of the wrong type), or nullopt. The importers read and extend these
// parts; parse_world checks the rest once the world is complete.
std::optional<std::string> not_a_world(const json& doc) {
  for (const auto& [key, value] : doc.items()) {
    const bool versioned = key.size() > 8 && key.compare(key.size() - 8, 8, "_version") == 0;
    if (versioned && key != "world_version") {
      return "is a " + key.substr(0, key.size() - 8) + " file (it has " + key + "), not a world; an import would replace it";
    }
  }
  static const std::set<std::string> kParts = {"$schema", "world_version", "name",       "description", "hosts",     "network",
                                               "exporters", "runners",     "prometheus", "github",      "production"};
  for (const auto& [key, value] : doc.items()) {
    if (!kParts.count(key)) return "/" + key + ": not a part of a world (a typo, or not a world file?)";
  }
  if (doc.contains("world_version") && doc["world_version"] != 1) return "/world_version: expected 1";
  for (const char* part : {"prometheus", "github", "production", "network"}) {
    if (doc.contains(part) && !doc[part].is_object()) return std::string("/") + part + ": expected an object";
  }
  for (const char* list : {"hosts", "exporters"}) {
    if (!doc.contains(list)) continue;
    if (!doc[list].is_array()) return std::string("/") + list + ": expected an array of strings";
    for (const auto& x : doc[list]) {
      if (!x.is_string()) return std::string("/") + list + ": expected an array of strings";
    }
  }
  if (doc.contains("runners")) {
    if (!doc["runners"].is_array()) return "/runners: expected an array of runners";
    for (std::size_t i = 0; i < doc["runners"].size(); ++i) {
      const json& r = doc["runners"][i];
      if (!r.is_object() || !r.contains("name") || !r["name"].is_string()) {
        return "/runners/" + std::to_string(i) + ": expected a runner (an object with a name)";
      }
    }
  }
  return std::nullopt;
}

// The world to merge into: --world, else --out when it exists, else a new one.
bool base_world(const std::string& world, const std::string& out, json& doc, std::ostream& err) {
  const std::string path = !world.empty() ? world : out;
  if (path.empty() || (world.empty() && !path_exists(out))) {
    doc = {{"world_version", 1}, {"name", out.empty() ? "imported" : fs::path(out).stem().string()}};
    return true;
  }
  const auto text = read_input_file(path);
  if (!text) {
    err << "failsim import: " << path << ": cannot read the world file: " << text.error() << "\n";
    return false;
  }
  doc = json::parse(text.value(), nullptr, false);
  if (!doc.is_object()) {
    err << "failsim import: " << path << ": not a JSON object (a world or a fragment written by failsim import)\n";
    return false;
  }
  if (const auto wrong = not_a_world(doc)) {
    err << "failsim import: " << path << ": " << *wrong << "; nothing was written (give a world, or a new --out)\n";
    return false;
  }
  return true;
}

// Adds runners to the world's list, keeping any of the same name already there.
void add_runners(json& doc, const json& runners) {
  if (runners.empty()) return;
  json merged = doc.value("runners", json::array());
  std::set<std::string> names;
  for (const auto& existing : merged) names.insert(existing.value("name", ""));
  for (const auto& r : runners) {
    if (names.insert(r.value("name", "")).second) merged.push_back(r);
  }
  doc["runners"] = merged;
}

// Appends the strings of `more` that `list` does not hold yet, in linear time (a search
// per item made 100,000 targets take minutes).
void add_new(json& list, const std::vector<std::string>& more) {
  std::set<std::string> seen;
  for (const auto& x : list) seen.insert(x.is_string() ? x.get<std::string>() : x.dump());
  for (const auto& x : more) {
    if (seen.insert(x).second) list.push_back(x);
  }
}

void print_notes(const std::vector<ImportNote>& notes, std::ostream& err) {
  for (const auto& n : notes) err << n.where() << ": " << n.what << "\n";
}

// The world's GitHub part has its workflows (import github alone writes facts only).
bool has_workflows(const json& doc) {
  return doc.contains("github") && doc["github"].is_object() && doc["github"].contains("workflows");
}

// Validates a complete world; writes it (or the fragment) atomically.
bool write_world(const json& doc, const std::string& out, std::ostream& outs, std::ostream& err) {
  const std::string text = doc.dump(2) + "\n";
  const bool complete = doc.contains("runners") && doc.contains("prometheus") && has_workflows(doc) &&
                        doc.contains("production");
  if (complete) {
    auto world = parse_world(text, out.empty() ? "world.json" : out);
    if (!world) {
      err << "failsim import: the imported world does not validate: " << world.error() << "\n";
      return false;
    }
  }
  if (out.empty()) {
    outs << text;
  } else {
    auto w = write_atomically(out, text);
    if (!w) {
      err << "failsim import: " << w.error() << "\n";
      return false;
    }
    std::vector<std::string> missing;
    for (const char* part : {"runners", "prometheus", "github", "production"}) {
      if (!doc.contains(part) || (std::string(part) == "github" && !has_workflows(doc))) missing.push_back(part);
    }
    if (complete) {
      outs << "wrote the world " << out << " (valid)\n";
    } else {
      std::string list;
      for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
      outs << "wrote a world fragment " << out << "; still missing: " << list
           << (has_workflows(doc) ? "" : " (failsim import workflow ... --world " + out + " adds github)") << "\n";
    }
  }
  return true;
}

using json_fields::lower;

// A runner nobody said is approved for production (no authorized_for_prod from its
// exporter's labels): approved when it can take the deploy job (the workflow sends
// production deploys to it), else not; a note says which, for every such runner.
void authorize_deploy_runners(json& doc, const WorkflowImport& w, const std::string& file, std::vector<ImportNote>& notes) {
  json runs_on;
  for (const auto& j : w.github["workflows"][0]["jobs"]) {
    if (j["id"] == w.deploy_job) runs_on = j.value("runs_on", json());
  }
  std::vector<std::string> labels;
  std::string group;
  if (runs_on.is_array()) labels = runs_on.get<std::vector<std::string>>();
  if (runs_on.is_object()) {
    if (runs_on.contains("labels")) labels = runs_on["labels"].get<std::vector<std::string>>();
    group = runs_on.value("group", "");
  }
  if (!doc.contains("runners")) return;
  for (auto& r : doc["runners"]) {
    if (r.contains("authorized_for_prod")) continue;
    bool takes = group.empty() || lower(group) == lower(r.value("runner_group", "Default"));
    for (const auto& want : labels) {
      bool has = false;
      for (const auto& l : r.value("labels", json::array())) has = has || lower(l.get<std::string>()) == lower(want);
      takes = takes && has;
    }
    r["authorized_for_prod"] = takes;
    if (r.contains("exporter") && r["exporter"].is_object()) r["exporter"]["authorized_for_prod"] = takes ? "true" : "false";
    notes.push_back({file, 0, "runner " + r.value("name", "") + ": authorized_for_prod " + (takes ? "true" : "false") +
                                  " (nobody said; " + (takes ? "it can" : "it cannot") + " take the deploy job " + w.deploy_job +
                                  "); edit the world if that is wrong"});
  }
}

// The world merged into is an input, unless it is the output itself (merging in place).
NamedPath merged_world(const std::string& world, const std::string& out) {
  return {"--world", world.empty() || world == out ? "" : world};
}

bool outputs_ok(const char* command, const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs, std::ostream& err) {
  if (auto ok = check_output_paths(outputs, inputs); !ok) {
    err << "failsim import " << command << ": " << ok.error() << "\n";
    return false;
  }
  return true;
}

std::string relative(const std::string& target, const std::string& from_file) {
  return fs::absolute(target).lexically_relative(fs::absolute(from_file).parent_path()).string();
}

}  // namespace

int import_prometheus_command(const ImportPrometheusArgs& a, std::ostream& out, std::ostream& err) {
  if (!outputs_ok("prometheus", {{"--out", a.options.out_path}},
                  {{"the prometheus.yml", a.file}, merged_world(a.world, a.options.out_path), {"--targets", a.options.targets_file}}, err)) {
    return 2;
  }
  const auto text = read_input_file(a.file);
  if (!text) {
    err << "failsim import prometheus: " << a.file << ": cannot read: " << text.error() << "\n";
    return 2;
  }
  const std::string& out_path = a.options.out_path;
  auto imported = import_prometheus(text.value(), a.file, a.options);
  if (!imported) {
    err << "failsim import prometheus: " << imported.error() << "\n";
    return 2;
  }
  json doc;
  if (!base_world(a.world, out_path, doc, err)) return 2;
  const PrometheusImport& p = imported.value();
  doc["prometheus"] = p.prometheus;
  json hosts = doc.value("hosts", json::array());
  add_new(hosts, p.hosts);
  doc["hosts"] = hosts;
  if (!p.exporters.empty()) {
    json exporters = doc.value("exporters", json::array());
    add_new(exporters, p.exporters);
    doc["exporters"] = exporters;
  }
  add_runners(doc, p.runners);
  print_notes(p.notes, err);
  std::size_t targets = 0;
  for (const auto& job : p.prometheus["scrape_configs"]) {
    for (const auto& sc : job["static_configs"]) targets += sc.value("targets", json::array()).size();
  }
  err << "imported " << p.prometheus["scrape_configs"].size() << " scrape config(s), " << targets << " target(s), "
      << p.prometheus.value("rule_files", json::array()).size() << " rule file(s), " << p.runners.size() << " runner(s); "
      << p.notes.size() << " note(s)\n";
  return write_world(doc, out_path, out, err) ? 0 : 2;
}

int import_workflow_command(const ImportWorkflowArgs& a, std::ostream& out, std::ostream& err) {
  if (!a.scenario_out.empty() && (a.out.empty() || a.policy_out.empty())) {
    err << "failsim import workflow: --scenario-out needs --out and --policy-out (the scenario names both)\n";
    return 2;
  }
  if (!outputs_ok("workflow", {{"--out", a.out}, {"--policy-out", a.policy_out}, {"--scenario-out", a.scenario_out}},
                  {{"the workflow", a.file}, merged_world(a.world, a.out)}, err)) {
    return 2;
  }
  const auto text = read_input_file(a.file);
  if (!text) {
    err << "failsim import workflow: " << a.file << ": cannot read: " << text.error() << "\n";
    return 2;
  }
  auto imported = import_workflow(text.value(), a.file, a.options);
  if (!imported) {
    err << "failsim import workflow: " << imported.error() << "\n";
    return 2;
  }
  const WorkflowImport& w = imported.value();
  json doc;
  if (!base_world(a.world, a.out, doc, err)) return 2;
  std::vector<ImportNote> notes = w.notes;
  json github = w.github;
  // What GitHub itself said (failsim import github) wins over what the workflow suggests.
  if (doc.contains("github") && doc["github"].is_object()) {
    const json& facts = doc["github"];
    for (const char* key : {"default_branch", "environments"}) {
      if (facts.contains(key)) github[key] = facts[key];
    }
    if (facts.contains("repository") && a.options.repository == "your-org/your-repo") github["repository"] = facts["repository"];
  }
  doc["github"] = github;
  if (github["repository"] != "your-org/your-repo") {
    notes.erase(std::remove_if(notes.begin(), notes.end(),
                               [](const ImportNote& n) { return n.what.find("\"your-org/your-repo\" written") != std::string::npos; }),
                notes.end());
  }
  authorize_deploy_runners(doc, w, a.file, notes);
  add_runners(doc, w.hosted_runners);
  if (!doc.contains("production")) {
    doc["production"] = {{"initial_version", "v0.0.0"}};
    notes.push_back({a.file, 0, "production is not in the workflow: initial_version v0.0.0 and the default steps written"});
  }
  const std::string policy_text = w.policy.dump(2) + "\n";
  if (auto parsed = failover::parse_policy(policy_text, a.policy_out.empty() ? "policy.json" : a.policy_out); !parsed) {
    err << "failsim import workflow: the imported policy does not validate: " << parsed.error() << "\n";
    return 2;
  }
  print_notes(notes, err);
  // A complete world must be able to deploy under the as-built policy: refused before
  // anything is written, naming why (harness/inputs/inputs.h check_candidates_runnable).
  if (doc.contains("runners") && doc.contains("prometheus") && doc.contains("production")) {
    auto world = parse_world(doc.dump(), a.out.empty() ? "world.json" : a.out);
    auto policy = failover::parse_policy(policy_text, a.policy_out.empty() ? "the as-built policy" : a.policy_out);
    if (world && policy) {
      Scenario s;
      s.world_file = world.value();
      s.world = world.value().spec;
      if (auto ok = check_candidates_runnable(s, policy.value(), a.policy_out.empty() ? "the as-built policy" : a.policy_out); !ok) {
        err << "failsim import workflow: the imported world cannot deploy: " << ok.error() << "\n";
        return 2;
      }
    }
  }
  err << "imported workflow " << w.github["workflows"][0]["file"].get<std::string>() << " with "
      << w.github["workflows"][0]["jobs"].size() << " job(s), deploy job " << w.deploy_job << "; " << notes.size()
      << " note(s)\n";
  if (!write_world(doc, a.out, out, err)) return 2;
  if (!a.policy_out.empty()) {
    if (auto r = write_atomically(a.policy_out, policy_text); !r) {
      err << "failsim import workflow: " << r.error() << "\n";
      return 2;
    }
    out << "wrote the as-built policy " << a.policy_out << "\n";
    for (const auto& [path, text] : w.gate_scripts) {
      const fs::path script = fs::path(a.policy_out).parent_path() / path;
      std::error_code ec;
      fs::create_directories(script.parent_path(), ec);
      if (auto r = write_atomically(script.string(), text); !r) {
        err << "failsim import workflow: " << r.error() << "\n";
        return 2;
      }
      out << "wrote the gate step script " << script.string() << " (a command check of the policy)\n";
    }
  }
  if (!a.scenario_out.empty()) {
    const std::string initial = doc["production"].value("initial_version", "v0.0.0");
    json scenario = {{"scenario_version", 1},
                     {"world", relative(a.out, a.scenario_out)},
                     {"name", fs::path(a.scenario_out).stem().string()},
                     {"description", "A first deploy on the imported world: every runner healthy, one deploy at 10m."},
                     {"policy", relative(a.policy_out, a.scenario_out)},
                     {"workload", {{"deploys", json::array({{{"at", "10m"}, {"version", initial + "-next"}}})}}},
                     {"run_length", "1h"},
                     // The built-in SC-001..SC-003 are PAWS360's targets, not this team's:
                     // only the secret check is in scope until the team names its own.
                     {"slos", json::array({"SC-004"})},
                     {"expect", {{w.policy["name"].get<std::string>(), {{"outcome", "deployed"}}}}}};
    if (auto r = write_atomically(a.scenario_out, scenario.dump(2) + "\n"); !r) {
      err << "failsim import workflow: " << r.error() << "\n";
      return 2;
    }
    out << "wrote a starter scenario " << a.scenario_out
        << " (SLOs: only SC-004, no secret in any output; give it an slo_file with your own targets)\n";
  }
  return 0;
}

int import_github_command(const ImportGitHubArgs& a, std::ostream& out, std::ostream& err) {
  std::vector<NamedPath> inputs = {{"the runners file", a.files.runners},
                                   {"the runner groups file", a.files.runner_groups},
                                   {"the repository file", a.files.repo},
                                   {"the environments file", a.files.environments},
                                   merged_world(a.world, a.out)};
  for (const auto& [env, file] : a.files.branch_policies) inputs.push_back({"the branch policies of " + env, file});
  if (!outputs_ok("github", {{"--out", a.out}}, inputs, err)) return 2;
  auto facts = read_github_facts(a.files);
  if (!facts) {
    err << "failsim import github: " << facts.error() << "\n";
    return 2;
  }
  json doc;
  if (!base_world(a.world, a.out, doc, err)) return 2;
  std::vector<ImportNote> notes = facts.value().notes;
  merge_github_facts(facts.value(), doc, notes, a.files.runners);
  print_notes(notes, err);
  err << "imported " << facts.value().runners.size() << " GitHub runner(s)"
      << (facts.value().default_branch ? ", default branch " + *facts.value().default_branch : std::string())
      << ", " << facts.value().environments.size() << " environment(s); " << notes.size() << " note(s)\n";
  return write_world(doc, a.out, out, err) ? 0 : 2;
}

int import_alertmanager_command(const ImportAlertmanagerArgs& a, std::ostream& out, std::ostream& err) {
  if (!outputs_ok("alertmanager", {{"--out", a.out}},
                  {{"the alertmanager.yml", a.file}, {"--silences", a.silences}, merged_world(a.world, a.out)}, err)) {
    return 2;
  }
  const auto text = read_input_file(a.file);
  if (!text) {
    err << "failsim import alertmanager: " << a.file << ": cannot read: " << text.error() << "\n";
    return 2;
  }
  std::string silences;
  if (!a.silences.empty()) {
    const auto s = read_input_file(a.silences);
    if (!s) {
      err << "failsim import alertmanager: " << a.silences << ": cannot read: " << s.error() << "\n";
      return 2;
    }
    silences = s.value();
  }
  auto imported = import_alertmanager(text.value(), a.file, silences, a.silences);
  if (!imported) {
    err << "failsim import alertmanager: " << imported.error() << "\n";
    return 2;
  }
  json doc;
  if (!base_world(a.world, a.out, doc, err)) return 2;
  if (!doc.contains("prometheus") || !doc["prometheus"].is_object()) {
    err << "failsim import alertmanager: the world has no Prometheus yet (failsim import prometheus first: the "
           "Alertmanager is where its alerts go)\n";
    return 2;
  }
  json am = imported.value().alertmanager;
  // Where it runs comes from prometheus.yml's alerting section (import prometheus).
  if (doc["prometheus"].contains("alertmanager")) {
    for (const char* key : {"host", "port"}) {
      if (doc["prometheus"]["alertmanager"].contains(key)) am[key] = doc["prometheus"]["alertmanager"][key];
    }
  }
  doc["prometheus"]["alertmanager"] = am;
  print_notes(imported.value().notes, err);
  err << "imported alertmanager " << a.file << "; " << imported.value().notes.size() << " note(s)\n";
  return write_world(doc, a.out, out, err) ? 0 : 2;
}

}  // namespace failsim::harness
