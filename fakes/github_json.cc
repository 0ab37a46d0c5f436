#include <cstdio>

#include "fakes/github_api_parts.h"
#include "fakes/wire_format.h"

namespace failsim::fakes::github_detail {

std::string iso(TimePoint t) { return rfc3339(to_us(t)); }
Json iso_or_null(const std::optional<TimePoint>& t) { return t ? Json(iso(*t)) : Json(nullptr); }

std::string fake_sha(std::int64_t id) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%016llx%016llx%08llx", static_cast<unsigned long long>(id * 0x9e3779b97f4a7c15ULL),
                static_cast<unsigned long long>(id * 0xc2b2ae3d27d4eb4fULL), static_cast<unsigned long long>(id));
  return std::string(buf, 40);
}

std::string branch_of(const std::string& ref) {
  const std::string prefix = "refs/heads/";
  return ref.rfind(prefix, 0) == 0 ? ref.substr(prefix.size()) : ref;
}



Json runner_json(const gh::RunnerRecord& r) {
  Json labels = Json::array();
  std::int64_t label_id = 1;
  for (const auto& l : r.labels) {
    const bool read_only = l == "self-hosted" || l == "Linux" || l == "X64";
    labels.push_back(Json{{"id", label_id++}, {"name", l}, {"type", read_only ? "read-only" : "custom"}});
  }
  return Json{{"id", r.id},
              {"name", r.name},
              {"os", "Linux"},
              {"status", r.online ? "online" : "offline"},
              {"busy", r.busy},
              {"ephemeral", false},
              {"runner_group_id", 1},
              {"version", r.last_poll ? Json("2.329.0") : Json(nullptr)},
              {"labels", labels}};
}

// GitHub's simple-user: the account runs are dispatched by ("failsim"), or the owner.
Json user_json(const Urls& u, const std::string& login, std::int64_t id) {
  const std::string api = u.api.substr(0, u.api.find("/repos/"));
  const std::string url = api + "/users/" + login;
  return Json{{"login", login},
              {"id", id},
              {"node_id", "U_" + std::to_string(id)},
              {"avatar_url", api + "/avatars/" + login},
              {"gravatar_id", ""},
              {"url", url},
              {"html_url", u.html.substr(0, u.html.find('/', 8)) + "/" + login},
              {"followers_url", url + "/followers"},
              {"following_url", url + "/following{/other_user}"},
              {"gists_url", url + "/gists{/gist_id}"},
              {"starred_url", url + "/starred{/owner}{/repo}"},
              {"subscriptions_url", url + "/subscriptions"},
              {"organizations_url", url + "/orgs"},
              {"repos_url", url + "/repos"},
              {"events_url", url + "/events{/privacy}"},
              {"received_events_url", url + "/received_events"},
              {"type", "User"},
              {"site_admin", false}};
}

// GitHub's minimal-repository, with every URL template GitHub gives one.
Json repository_json(const State& s, const Urls& u) {
  const std::string& a = u.api;
  Json j{{"id", 1},
         {"node_id", "R_1"},
         {"name", s.config.repo},
         {"full_name", s.config.owner + "/" + s.config.repo},
         {"owner", user_json(u, s.config.owner, 2)},
         {"private", true},
         {"html_url", u.html},
         {"description", ""},
         {"fork", false},
         {"url", a}};
  const std::pair<const char*, const char*> templates[] = {
      {"archive_url", "/{archive_format}{/ref}"}, {"assignees_url", "/assignees{/user}"}, {"blobs_url", "/git/blobs{/sha}"},
      {"branches_url", "/branches{/branch}"}, {"collaborators_url", "/collaborators{/collaborator}"},
      {"comments_url", "/comments{/number}"}, {"commits_url", "/commits{/sha}"}, {"compare_url", "/compare/{base}...{head}"},
      {"contents_url", "/contents/{+path}"}, {"contributors_url", "/contributors"}, {"deployments_url", "/deployments"},
      {"downloads_url", "/downloads"}, {"events_url", "/events"}, {"forks_url", "/forks"},
      {"git_commits_url", "/git/commits{/sha}"}, {"git_refs_url", "/git/refs{/sha}"}, {"git_tags_url", "/git/tags{/sha}"},
      {"hooks_url", "/hooks"}, {"issue_comment_url", "/issues/comments{/number}"},
      {"issue_events_url", "/issues/events{/number}"}, {"issues_url", "/issues{/number}"}, {"keys_url", "/keys{/key_id}"},
      {"labels_url", "/labels{/name}"}, {"languages_url", "/languages"}, {"merges_url", "/merges"},
      {"milestones_url", "/milestones{/number}"}, {"notifications_url", "/notifications{?since,all,participating}"},
      {"pulls_url", "/pulls{/number}"}, {"releases_url", "/releases{/id}"}, {"stargazers_url", "/stargazers"},
      {"statuses_url", "/statuses/{sha}"}, {"subscribers_url", "/subscribers"}, {"subscription_url", "/subscription"},
      {"tags_url", "/tags"}, {"teams_url", "/teams"}, {"trees_url", "/git/trees{/sha}"}};
  for (const auto& [key, path] : templates) j[key] = a + path;
  return j;
}

// GitHub's full-repository (GET /repos/{owner}/{repo}): the minimal one and the
// counts, flags and dates its schema requires. A private repository with no stars,
// forks or issues, created when the world's history starts.
Json full_repository_json(const State& s, const Urls& u) {
  Json j = repository_json(s, u);
  const std::string host_path = u.html.substr(u.html.find("://") + 3);
  j["clone_url"] = u.html + ".git";
  j["git_url"] = "git://" + host_path + ".git";
  j["ssh_url"] = "git@" + host_path.substr(0, host_path.find('/')) + ":" + s.config.owner + "/" + s.config.repo + ".git";
  j["svn_url"] = u.html;
  j["mirror_url"] = nullptr;
  j["homepage"] = nullptr;
  j["language"] = nullptr;
  j["license"] = nullptr;
  j["default_branch"] = s.config.default_branch;
  for (const char* zero : {"forks", "forks_count", "open_issues", "open_issues_count", "size", "stargazers_count", "watchers",
                           "watchers_count", "network_count", "subscribers_count"}) {
    j[zero] = 0;
  }
  for (const char* flag : {"has_issues", "has_projects", "has_wiki"}) j[flag] = true;
  for (const char* flag : {"has_pages", "has_discussions", "archived", "disabled", "is_template"}) j[flag] = false;
  j["visibility"] = "private";
  j["created_at"] = "2025-01-01T00:00:00Z";
  j["updated_at"] = "2025-01-01T00:00:00Z";
  j["pushed_at"] = "2025-01-01T00:00:00Z";
  j["permissions"] = Json{{"admin", true}, {"maintain", true}, {"push", true}, {"triage", true}, {"pull", true}};
  return j;
}

Json run_json(const gh::Run& r, const State& s, const Urls& u) {
  const std::string url = u.api + "/actions/runs/" + std::to_string(r.id);
  const Json repo = repository_json(s, u);
  Json j;
  j["id"] = r.id;
  j["name"] = s.config.workflow_name;
  j["node_id"] = "WFR_" + std::to_string(r.id);
  j["head_branch"] = branch_of(r.ref);
  j["head_sha"] = fake_sha(r.id);
  j["path"] = ".github/workflows/" + r.workflow.file;
  j["display_title"] = s.config.workflow_name;
  j["run_number"] = r.id;
  j["event"] = r.event;
  j["status"] = gh::to_string(r.status);
  j["conclusion"] = r.conclusion.empty() ? Json(nullptr) : Json(r.conclusion);
  j["workflow_id"] = 1;
  j["check_suite_id"] = r.id;
  j["url"] = url;
  j["html_url"] = u.html + "/actions/runs/" + std::to_string(r.id);
  j["pull_requests"] = Json::array();
  j["created_at"] = iso(r.created_at);
  j["updated_at"] = iso(r.updated_at);
  j["actor"] = user_json(u);
  j["triggering_actor"] = user_json(u);
  j["run_attempt"] = r.attempt;
  j["run_started_at"] = iso(r.started_at);
  j["jobs_url"] = url + "/jobs";
  j["logs_url"] = url + "/logs";
  j["check_suite_url"] = u.api + "/check-suites/" + std::to_string(r.id);
  j["artifacts_url"] = url + "/artifacts";
  j["cancel_url"] = url + "/cancel";
  j["rerun_url"] = url + "/rerun";
  j["previous_attempt_url"] = r.attempt > 1 ? Json(url + "/attempts/" + std::to_string(r.attempt - 1)) : Json(nullptr);
  j["workflow_url"] = u.api + "/actions/workflows/1";
  const Json author{{"name", "failsim"}, {"email", "failsim@users.noreply.github.com"}};
  j["head_commit"] = Json{{"id", fake_sha(r.id)}, {"tree_id", fake_sha(r.id + 1000000)}, {"message", "deploy"},
                          {"timestamp", iso(r.created_at)}, {"author", author}, {"committer", author}};
  j["repository"] = repo;
  j["head_repository"] = repo;
  return j;
}

Json job_json(const gh::Job& job, const gh::GitHub& github, const State& s, const Urls& u) {
  const std::string url = u.api + "/actions/jobs/" + std::to_string(job.id);
  Json j;
  j["id"] = job.id;
  j["run_id"] = job.run_id;
  j["run_url"] = u.api + "/actions/runs/" + std::to_string(job.run_id);
  j["run_attempt"] = job.attempt;
  j["node_id"] = "CR_" + std::to_string(job.id);
  j["head_sha"] = fake_sha(job.run_id);
  const gh::Run* run = github.run(job.run_id);
  j["head_branch"] = run != nullptr ? branch_of(run->ref) : "";
  j["workflow_name"] = s.config.workflow_name;
  j["url"] = url;
  j["html_url"] = u.html + "/actions/runs/" + std::to_string(job.run_id) + "/job/" + std::to_string(job.id);
  j["status"] = gh::to_string(job.status);
  j["conclusion"] = job.conclusion.empty() ? Json(nullptr) : Json(job.conclusion);
  j["created_at"] = iso(job.created_at);
  // Never null (GitHub's job schema requires a string): a job still queued shows the
  // time it was created, as GitHub's API does.
  j["started_at"] = job.started_at ? iso(*job.started_at) : iso(job.created_at);
  j["completed_at"] = iso_or_null(job.completed_at);
  j["name"] = job.spec.name;
  j["steps"] = Json::array();
  for (const auto& st : job.steps) {
    j["steps"].push_back(Json{{"name", st.name},
                              {"status", gh::to_string(st.status)},
                              {"conclusion", st.conclusion.empty() ? Json(nullptr) : Json(st.conclusion)},
                              {"number", st.number},
                              {"started_at", iso(st.started_at)},
                              {"completed_at", iso_or_null(st.completed_at)}});
  }
  j["check_run_url"] = u.api + "/check-runs/" + std::to_string(job.id);
  j["labels"] = job.spec.runs_on;
  const auto runner = github.runners().find(job.runner_name);
  const bool assigned = !job.runner_name.empty();
  j["runner_id"] = assigned && runner != github.runners().end() ? Json(runner->second.id) : Json(nullptr);
  j["runner_name"] = assigned ? Json(job.runner_name) : Json(nullptr);
  j["runner_group_id"] = assigned ? Json(1) : Json(nullptr);
  j["runner_group_name"] = assigned ? Json("Default") : Json(nullptr);
  return j;
}

}  // namespace failsim::fakes::github_detail
