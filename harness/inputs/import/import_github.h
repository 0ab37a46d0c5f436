// `failsim import github`: GitHub's facts about a repository from GitHub's own answers,
// as `gh api --paginate` saves them (one page, pages one after another, or `--slurp`'s
// array of pages):
//   --runners       GET /repos/O/R/actions/runners      names, labels, OS, status, busy,
//                                                        runner_group_id
//   --runner-groups GET /orgs/O/actions/runner-groups   group ids -> names (optional)
//   --repo          GET /repos/O/R                       full_name, default_branch
//   --environments  GET /repos/O/R/environments          protection rules: wait_timer,
//                                                        required_reviewers, branch policy
//   --branch-policies NAME=FILE  GET .../environments/NAME/deployment-branch-policies
//
// merge_github_facts() merges them into a world (or fragment) document: each GitHub
// runner is matched to a runner the Prometheus importer made from an exporter target,
// by name, else by host or hostname (a note says every match it had to guess); the
// matched runner takes GitHub's name, labels and group. A GitHub runner no target
// matches becomes a runner without an exporter (a note says so); a world runner GitHub
// does not list is kept, with a note. Nothing is defaulted silently.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "failover/result.h"
#include "harness/inputs/import/import_common.h"

namespace failsim::harness {

struct GitHubRunnerFact {
  std::string name;
  std::vector<std::string> labels;
  std::string os;
  std::string status;  // online | offline
  bool busy = false;
  std::optional<std::int64_t> group_id;
  std::string group;  // "" when only the id is known and no --runner-groups names it
};

struct GitHubFacts {
  std::vector<GitHubRunnerFact> runners;
  std::optional<std::string> repository;      // owner/name
  std::optional<std::string> default_branch;
  nlohmann::json environments = nlohmann::json::object();  // the world's github.environments
  std::vector<ImportNote> notes;
};

struct GitHubFiles {
  std::string runners;        // required
  std::string runner_groups;  // optional
  std::string repo;           // optional
  std::string environments;   // optional
  std::map<std::string, std::string> branch_policies;  // environment name -> file
  std::string approval_after;  // how long required reviewers take ("" = not said: the world then refuses)
};

// Reads the saved answers; an error names the file and what is wrong with it.
Result<GitHubFacts> read_github_facts(const GitHubFiles& files);

// Merges the facts into `world` (a world or fragment document); notes are appended.
void merge_github_facts(const GitHubFacts& facts, nlohmann::json& world, std::vector<ImportNote>& notes,
                        const std::string& runners_file);

// The JSON documents of a `gh api --paginate` output: one document, several documents
// one after another, or one array of pages (--slurp). An error names the byte offset.
Result<std::vector<nlohmann::json>> read_pages(const std::string& text, const std::string& file);

}  // namespace failsim::harness
