// `failsim validate FILE...`: worlds, scenarios, policies, SLO, variants and rule files
// checked without running anything. A scenario is checked with everything it
// references (its world, its policy or the policies given alongside it, their rule
// files), as a run would load it. Exit 0 every file is valid, 2 otherwise.
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include "harness/cli/commands.h"
#include "harness/inputs/inputs.h"
#include "harness/inputs/slo_file.h"
#include "harness/inputs/text_file.h"
#include "harness/inputs/world_file.h"
#include "harness/runs/suite.h"

namespace failsim::harness::cli {
namespace {

struct Checked {
  std::string kind;
  std::string note;   // e.g. the world's UNCONFIRMED timings
  std::string error;  // "" valid
};

Checked check_scenario(const std::string& f, const std::vector<std::string>& policy_files) {
  Checked c{"scenario", "", ""};
  const std::vector<std::string> policies = policy_files.empty() ? std::vector<std::string>{""} : policy_files;
  std::vector<std::string> names;
  std::optional<Scenario> scenario;
  for (const auto& p : policies) {
    auto r = load_run(f, p, "", /*check_keys=*/false);
    if (!r) {
      c.error = r.error();
      return c;
    }
    names.push_back(r.value().policy.name);
    scenario = r.value().scenario;
  }
  if (scenario) {
    if (auto keys = check_expect_keys(*scenario, names); !keys) c.error = keys.error();
  }
  return c;
}

// What the file is (by extension and its version key) and whether it is valid.
Checked check_file(const std::string& f, const std::string& text, const std::vector<std::string>& policy_files) {
  const std::string ext = std::filesystem::path(f).extension().string();
  const auto has = [&text](const char* key) { return text.find(key) != std::string::npos; };
  if (ext == ".yml" || ext == ".yaml") {
    auto r = sim::prometheus::parse_rule_file(text, f);
    return {"rule file", "", r ? "" : r.error()};
  }
  if (has("\"world_version\"")) {
    auto r = parse_world(text, f);
    if (!r) return {"world", "", r.error()};
    std::string note;
    for (const auto& u : r.value().unconfirmed) note += (note.empty() ? "; UNCONFIRMED timings: " : ", ") + u.name + "=" + u.value;
    return {"world", note, ""};
  }
  if (has("\"slo_version\"")) {
    auto r = parse_slo_file(text, f);
    return {"SLO file", "", r ? "" : r.error()};
  }
  if (has("\"variants\"") && !has("\"scenario_version\"")) {
    auto r = load_variants_file(f);
    if (!r) return {"variants file", "", r.error()};
    for (const auto& v : r.value()) {
      if (auto o = parse_overrides(v.sets); !o) return {"variants file", "", f + ": variant " + v.name + ": " + o.error()};
    }
    return {"variants file", "", ""};
  }
  if (has("\"policy_version\"")) {
    auto r = load_policy_file(f, f, {});
    if (!r) return {"policy", "", r.error()};
    auto q = check_policy_queries(r.value(), f);
    return {"policy", "", q ? "" : q.error()};
  }
  return check_scenario(f, policy_files);
}

int validate_command(const std::vector<std::string>& files) {
  int bad = 0;
  std::vector<std::pair<std::string, Result<std::string>>> read;
  std::vector<std::string> policy_files;
  for (const auto& f : files) {
    read.emplace_back(f, read_input_file(f));
    if (read.back().second && read.back().second.value().find("\"policy_version\"") != std::string::npos) policy_files.push_back(f);
  }
  for (const auto& [f, text] : read) {
    if (!text) {
      std::cerr << f << ": cannot read (" << text.error() << ")\n";
      ++bad;
      continue;
    }
    const Checked c = check_file(f, text.value(), policy_files);
    if (c.error.empty()) {
      std::cout << f << ": ok (" << c.kind << c.note << ")\n";
    } else {
      std::cerr << c.error << "\n";
      ++bad;
    }
  }
  return bad == 0 ? 0 : 2;
}

}  // namespace

Subcommand add_validate(CLI::App& app) {
  auto files = std::make_shared<std::vector<std::string>>();
  auto* validate = app.add_subcommand("validate", "Check scenarios, policies and rule files without running");
  validate->add_option("files", *files, "Files to check")->required();
  return {validate, [files] { return validate_command(*files); }};
}

}  // namespace failsim::harness::cli
