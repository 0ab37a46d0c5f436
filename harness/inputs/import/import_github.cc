#include "harness/inputs/import/import_github.h"

#include "failover/json_fields.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "harness/inputs/text_file.h"

namespace failsim::harness {
namespace {

using nlohmann::json;

using json_fields::lower;

using json_fields::join;

Result<std::vector<json>> read_file_pages(const std::string& path, const char* what) {
  const auto text = read_input_file(path);
  if (!text) return Result<std::vector<json>>::error(path + ": cannot read " + what + ": " + text.error());
  return read_pages(text.value(), path);
}

// Every page's `key` array, concatenated; an error when a page lacks it.
Result<std::vector<json>> items_of(const std::vector<json>& pages, const std::string& key, const std::string& file,
                                   const std::string& endpoint) {
  std::vector<json> out;
  for (std::size_t i = 0; i < pages.size(); ++i) {
    const json& p = pages[i];
    if (!p.is_object() || !p.contains(key) || !p[key].is_array()) {
      return Result<std::vector<json>>::error(file + ": page " + std::to_string(i + 1) + ": expected an object with a \"" +
                                              key + "\" array, as GET " + endpoint + " answers");
    }
    for (const auto& item : p[key]) out.push_back(item);
  }
  return Result<std::vector<json>>::ok(std::move(out));
}

std::string text_field(const json& o, const char* key) {
  const auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<std::vector<json>> read_pages(const std::string& text, const std::string& file) {
  using R = Result<std::vector<json>>;
  std::vector<json> docs;
  std::istringstream in(text);
  while (true) {
    in >> std::ws;
    if (in.eof() || in.peek() == std::char_traits<char>::eof()) break;
    const auto at = static_cast<long long>(in.tellg());
    json doc;
    try {
      in >> doc;  // one value, leaving the rest (the next page) in the stream
    } catch (const json::exception& e) {
      return R::error(file + ": not JSON at byte " + std::to_string(at) + " (" + e.what() +
                      "; expected what `gh api --paginate` saves: one page, pages one after another, or --slurp's array)");
    }
    docs.push_back(std::move(doc));
    if (docs.size() > 10000) return R::error(file + ": more than 10,000 pages");
  }
  if (docs.empty()) return R::error(file + ": empty");
  // --slurp: one array of pages.
  if (docs.size() == 1 && docs[0].is_array()) {
    std::vector<json> pages(docs[0].begin(), docs[0].end());
    return R::ok(std::move(pages));
  }
  return R::ok(std::move(docs));
}

Result<GitHubFacts> read_github_facts(const GitHubFiles& files) {
  using R = Result<GitHubFacts>;
  GitHubFacts facts;
  std::map<std::int64_t, std::string> group_names = {{1, "Default"}};  // GitHub's id for the Default group
  if (!files.runner_groups.empty()) {
    auto pages = read_file_pages(files.runner_groups, "the runner groups");
    if (!pages) return R::error(pages.error());
    auto groups = items_of(pages.value(), "runner_groups", files.runner_groups, "/orgs/O/actions/runner-groups");
    if (!groups) return R::error(groups.error());
    for (const auto& g : groups.value()) {
      if (!g.is_object() || !g.contains("id") || !g["id"].is_number_integer() || text_field(g, "name").empty()) {
        return R::error(files.runner_groups + ": a runner group without an integer id and a name");
      }
      group_names[g["id"].get<std::int64_t>()] = text_field(g, "name");
    }
  }
  auto pages = read_file_pages(files.runners, "the runners");
  if (!pages) return R::error(pages.error());
  auto runners = items_of(pages.value(), "runners", files.runners, "/repos/O/R/actions/runners");
  if (!runners) return R::error(runners.error());
  for (std::size_t i = 0; i < runners.value().size(); ++i) {
    const json& r = runners.value()[i];
    const std::string at = files.runners + ": runners[" + std::to_string(i) + "]";
    if (!r.is_object() || text_field(r, "name").empty()) return R::error(at + ": expected a runner with a name");
    GitHubRunnerFact f;
    f.name = text_field(r, "name");
    f.os = text_field(r, "os");
    f.status = text_field(r, "status");
    f.busy = r.value("busy", false);
    if (!r.contains("labels") || !r["labels"].is_array()) return R::error(at + " (" + f.name + "): no labels array");
    for (const auto& l : r["labels"]) {
      const std::string name = l.is_object() ? text_field(l, "name") : l.is_string() ? l.get<std::string>() : "";
      if (name.empty()) return R::error(at + " (" + f.name + "): a label without a name");
      const bool dup = std::any_of(f.labels.begin(), f.labels.end(), [&](const std::string& x) { return lower(x) == lower(name); });
      if (!dup) f.labels.push_back(name);
    }
    if (r.contains("runner_group_id") && r["runner_group_id"].is_number_integer()) {
      f.group_id = r["runner_group_id"].get<std::int64_t>();
      const auto g = group_names.find(*f.group_id);
      if (g != group_names.end()) f.group = g->second;
    } else if (!text_field(r, "runner_group_name").empty()) {
      f.group = text_field(r, "runner_group_name");
    }
    for (const auto& other : facts.runners) {
      if (lower(other.name) == lower(f.name)) return R::error(at + ": runner " + f.name + " is listed twice");
    }
    facts.runners.push_back(std::move(f));
  }
  if (!files.repo.empty()) {
    auto repo = read_file_pages(files.repo, "the repository");
    if (!repo) return R::error(repo.error());
    const json& r = repo.value()[0];
    if (!r.is_object() || text_field(r, "full_name").empty() || text_field(r, "default_branch").empty()) {
      return R::error(files.repo + ": expected a repository with full_name and default_branch, as GET /repos/O/R answers");
    }
    facts.repository = text_field(r, "full_name");
    facts.default_branch = text_field(r, "default_branch");
  }
  if (!files.environments.empty()) {
    auto envs_pages = read_file_pages(files.environments, "the environments");
    if (!envs_pages) return R::error(envs_pages.error());
    auto envs = items_of(envs_pages.value(), "environments", files.environments, "/repos/O/R/environments");
    if (!envs) return R::error(envs.error());
    for (const auto& e : envs.value()) {
      const std::string name = text_field(e, "name");
      if (name.empty()) return R::error(files.environments + ": an environment without a name");
      json out = json::object();
      std::vector<std::string> rules;
      for (const auto& rule : e.value("protection_rules", json::array())) {
        const std::string type = text_field(rule, "type");
        if (type == "wait_timer") {
          const int minutes = rule.value("wait_timer", 0);
          if (minutes < 0 || minutes > 43200) {
            return R::error(files.environments + ": environment " + name + ": wait_timer " + std::to_string(minutes) +
                            " is outside GitHub's 0..43200 minutes");
          }
          out["wait_timer"] = std::to_string(minutes) + "m";
          rules.push_back("wait timer " + std::to_string(minutes) + "m");
        } else if (type == "required_reviewers") {
          json who = json::array();
          for (const auto& rv : rule.value("reviewers", json::array())) {
            const json& reviewer = rv.value("reviewer", json::object());
            std::string login = text_field(reviewer, "login");
            if (login.empty()) login = text_field(reviewer, "slug");
            if (login.empty()) login = text_field(reviewer, "name");
            if (!login.empty()) who.push_back(login);
          }
          out["required_reviewers"] = who;
          rules.push_back("required reviewers [" + join(who.get<std::vector<std::string>>()) + "]");
          if (!files.approval_after.empty()) {
            out["approval_after"] = files.approval_after;
            rules.push_back("approved after " + files.approval_after + " (--approval-after)");
          } else {
            facts.notes.push_back({files.environments, 0, "environment " + name + " needs a reviewer's approval and nobody "
                                   "said how long that takes: the world will refuse it until --approval-after or "
                                   "/github/environments/" + name + "/approval_after says"});
          }
        } else if (type == "branch_policy") {
          // The policy itself is deployment_branch_policy (below).
        } else {
          facts.notes.push_back({files.environments, 0, "environment " + name + ": protection rule " + type +
                                                            " (a custom deployment protection rule) is not modelled"});
        }
      }
      const json policy = e.contains("deployment_branch_policy") ? e["deployment_branch_policy"] : json();
      if (policy.is_object()) {
        if (policy.value("protected_branches", false)) {
          out["branches"] = "protected";
          rules.push_back("protected branches only");
        } else if (policy.value("custom_branch_policies", false)) {
          const auto f = files.branch_policies.find(name);
          if (f == files.branch_policies.end()) {
            facts.notes.push_back({files.environments, 0,
                                   "environment " + name + " deploys only from its custom branch policies, which are not in "
                                   "this file: the default branch is assumed allowed (give --branch-policies " + name +
                                   "=FILE, saved from GET /repos/O/R/environments/" + name + "/deployment-branch-policies)"});
          } else {
            auto bp = read_file_pages(f->second, "the branch policies");
            if (!bp) return R::error(bp.error());
            auto items = items_of(bp.value(), "branch_policies", f->second, "/repos/O/R/environments/NAME/deployment-branch-policies");
            if (!items) return R::error(items.error());
            json names = json::array();
            for (const auto& b : items.value()) {
              if (text_field(b, "type") == "tag") continue;  // deploys are dispatched on branches
              names.push_back(text_field(b, "name"));
            }
            out["branches"] = names;
            rules.push_back("branches [" + join(names.get<std::vector<std::string>>()) + "]");
          }
        }
      }
      facts.environments[name] = out;
      facts.notes.push_back({files.environments, 0, "environment " + name + ": " +
                                                        (rules.empty() ? std::string("no protection rules") : join(rules))});
    }
  }
  return R::ok(std::move(facts));
}

void merge_github_facts(const GitHubFacts& facts, json& world, std::vector<ImportNote>& notes, const std::string& file) {
  json runners = world.value("runners", json::array());
  json hosts = world.value("hosts", json::array());
  std::vector<bool> matched(runners.size(), false);
  auto add_host = [&hosts](const std::string& h) {
    if (std::find(hosts.begin(), hosts.end(), h) == hosts.end()) hosts.push_back(h);
  };
  for (const auto& f : facts.runners) {
    // By name (GitHub compares runner names ignoring case), else by host or hostname.
    std::size_t found = SIZE_MAX;
    std::string how;
    for (std::size_t i = 0; i < runners.size() && found == SIZE_MAX; ++i) {
      if (!matched[i] && lower(runners[i].value("name", "")) == lower(f.name)) found = i, how = "by name";
    }
    for (std::size_t i = 0; i < runners.size() && found == SIZE_MAX; ++i) {
      const std::string host = lower(runners[i].value("host", "")), hostname = lower(runners[i].value("hostname", ""));
      const std::string n = lower(f.name);
      const bool same = n == host || n == hostname;
      // "build-a-runner" on host build-a, "runner-build-a": the host's name is a whole part of the runner's.
      const auto pos = host.empty() ? std::string::npos : n.find(host);
      const bool part = pos != std::string::npos && (pos == 0 || !std::isalnum(static_cast<unsigned char>(n[pos - 1]))) &&
                        (pos + host.size() == n.size() || !std::isalnum(static_cast<unsigned char>(n[pos + host.size()])));
      if (!matched[i] && (same || part)) {
        found = i;
        how = same ? "its name is the target's host" : "guessed: its name contains the target's host " + runners[i].value("host", "");
      }
    }
    json labels = f.labels;
    const std::string group = f.group.empty() ? "Default" : f.group;
    if (f.group.empty() && f.group_id) {
      notes.push_back({file, 0, "runner " + f.name + ": runner group id " + std::to_string(*f.group_id) +
                                    " has no name here: \"Default\" written (give --runner-groups, saved from GET "
                                    "/orgs/O/actions/runner-groups)"});
    }
    if (f.status == "offline") {
      notes.push_back({file, 0, "runner " + f.name + " was offline when this was saved: modelled online (a scenario's "
                                    "faults decide when it is down)"});
    }
    if (found == SIZE_MAX) {
      // Registered with GitHub, scraped by nobody: a runner without an exporter on a host of its own name.
      const std::string host = lower(f.name);
      add_host(host);
      runners.push_back({{"name", f.name}, {"host", host}, {"labels", labels}, {"runner_group", group},
                         {"authorized_for_prod", false}});
      matched.push_back(true);
      notes.push_back({file, 0, "runner " + f.name + " [" + join(f.labels) + "] matches no exporter target: modelled on "
                                    "host " + host + " without an exporter (Prometheus cannot see it), not authorized "
                                    "for production"});
      continue;
    }
    json& r = runners[found];
    matched[found] = true;
    const std::string was = r.value("name", "");
    r["name"] = f.name;
    r["labels"] = labels;
    r["runner_group"] = group;
    notes.push_back({file, 0, "runner " + f.name + " matched to the exporter target on " + r.value("host", "") + " (" +
                                  how + "): labels [" + join(f.labels) + "], group " + group +
                                  (was != f.name ? ", name was " + was : "")});
  }
  for (std::size_t i = 0; i < matched.size() && i < runners.size(); ++i) {
    if (matched[i] || runners[i].value("host", "") == "github-hosted") continue;
    notes.push_back({file, 0, "runner " + runners[i].value("name", "") + " (host " + runners[i].value("host", "") +
                                  ") is not among GitHub's runners in this file: kept with the labels it had"});
  }
  world["runners"] = runners;
  world["hosts"] = hosts;
  if (facts.repository || facts.default_branch || !facts.environments.empty()) {
    json github = world.value("github", json::object());
    const std::string branch = facts.default_branch.value_or(github.value("default_branch", "main"));
    json envs = facts.environments;
    for (auto& [name, env] : envs.items()) {
      if (env.value("branches", json()) != "protected") continue;
      env["branches"] = json::array({branch});
      notes.push_back({file, 0, "environment " + name + " deploys from protected branches only; which branches are "
                                    "protected is not in these files: only the default branch " + branch + " assumed"});
    }
    if (facts.repository) github["repository"] = *facts.repository;
    if (facts.default_branch) github["default_branch"] = *facts.default_branch;
    if (!envs.empty()) github["environments"] = envs;
    world["github"] = github;  // without workflows until the workflow importer adds them (it keeps these)
  }
}

}  // namespace failsim::harness
