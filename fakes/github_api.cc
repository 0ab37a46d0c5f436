#include "fakes/github_api.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <thread>

#include "fakes/github_api_parts.h"
#include "fakes/http_server.h"
#include "fakes/wire_format.h"

namespace failsim::fakes {
namespace {

using namespace github_detail;  // State, Urls and the JSON renderers
constexpr int kDefaultPerPage = 30;  // A5 pagination
constexpr int kMaxPerPage = 100;


std::int64_t wall_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void send(httplib::Response& res, int status, const Json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json; charset=utf-8");
}

void send_error(httplib::Response& res, int status, const std::string& message, const std::string& docs = kDocs) {
  Json j{{"message", message}, {"documentation_url", docs}};
  if (status == 401) j["status"] = "401";  // captured live: a string
  send(res, status, j);
}

// What an engine-thread renderer hands back to its HTTP thread.
struct GitHubReply {
  int status;
  Json body;
  std::string link = {};
};

GitHubReply github_not_found() { return GitHubReply{404, Json{{"message", "Not Found"}, {"documentation_url", kDocs}}}; }

// Page bounds and the Link header of a list of `total` items.
struct Page {
  std::size_t offset = 0;
  std::size_t count = 0;
  std::string link;
};

// What a list needs of its request, copied so the engine thread never touches it.
struct ListQuery {
  httplib::Params params;
  std::string host;
  std::string path;
  std::string scheme;
  ListQuery(const httplib::Request& req, const std::string& scheme_)
      : params(req.params), host(req.get_header_value("Host")), path(req.get_header_value(kPathPrefixHeader) + req.path),
        scheme(scheme_) {}
  bool has(const char* name) const { return params.count(name) > 0; }
  std::string get(const char* name) const {
    const auto it = params.find(name);
    return it == params.end() ? "" : it->second;
  }
};

int int_param(const ListQuery& req, const char* name, int fallback) {
  if (!req.has(name)) return fallback;
  try {
    std::size_t used = 0;
    const std::string v = req.get(name);
    const int n = std::stoi(v, &used);
    return used == v.size() ? n : fallback;
  } catch (...) {
    return fallback;
  }
}

Page paginate(const ListQuery& req, std::size_t total) {
  const int per_page = std::clamp(int_param(req, "per_page", kDefaultPerPage), 1, kMaxPerPage);
  const int page = std::max(1, int_param(req, "page", 1));
  Page p;
  p.offset = std::min(total, static_cast<std::size_t>(page - 1) * static_cast<std::size_t>(per_page));
  p.count = std::min(total - p.offset, static_cast<std::size_t>(per_page));
  const auto last = static_cast<int>(std::max<std::size_t>(1, (total + per_page - 1) / per_page));
  if (last <= 1 && page <= 1) return p;  // one page holds everything: no Link header
  std::string base = req.scheme + "://" + req.host + req.path + "?";
  for (const auto& [k, v] : req.params) {
    if (k != "page" && k != "per_page") base += percent_encode(k) + "=" + percent_encode(v) + "&";
  }
  base += "per_page=" + std::to_string(per_page) + "&page=";
  auto rel = [&](int n, const char* name) { return "<" + base + std::to_string(n) + ">; rel=\"" + name + "\""; };
  std::vector<std::string> parts;
  if (page > 1) parts.push_back(rel(std::min(page - 1, last), "prev"));
  if (page < last) parts.push_back(rel(page + 1, "next"));
  parts.push_back(rel(last, "last"));
  if (page > 1) parts.push_back(rel(1, "first"));
  for (std::size_t i = 0; i < parts.size(); ++i) p.link += (i ? ", " : "") + parts[i];
  return p;
}

// A5: User-Agent, API version, credentials and the rate limit, in GitHub's order.
bool check_request(State& s, const httplib::Request& req, httplib::Response& res, bool count) {
  if (req.get_header_value("User-Agent").empty()) {
    send_error(res, 403,
               "Request forbidden by administrative rules. Please make sure your request has a User-Agent header "
               "(https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required).");
    return false;
  }
  if (req.has_header("X-GitHub-Api-Version")) {
    const std::string v = req.get_header_value("X-GitHub-Api-Version");
    const auto& ok = s.config.api_versions;
    if (std::find(ok.begin(), ok.end(), v) == ok.end()) {
      send_error(res, 400, "API version '" + v + "' is not supported.", "https://docs.github.com/rest/about-the-rest-api/api-versions");
      return false;
    }
  }
  const std::string auth = req.get_header_value("Authorization");
  if (auth.empty()) {
    send_error(res, 404, "Not Found");
    return false;
  }
  std::string presented;
  for (const char* scheme : {"Bearer ", "bearer ", "token ", "Token "}) {
    if (auth.rfind(scheme, 0) == 0) presented = auth.substr(std::string(scheme).size());
  }
  if (presented.empty() || presented != s.config.token) {
    send_error(res, 401, "Bad credentials");
    return false;
  }
  std::lock_guard<std::mutex> lock(s.mu);
  const std::int64_t now = wall_seconds();
  if (now >= s.window_start_s + 3600) {
    s.window_start_s = now;
    s.used = 0;
  }
  const int limit = s.config.rate_limit_per_hour;
  const bool exhausted = s.used >= limit;
  if (count && !exhausted) ++s.used;
  res.set_header("x-ratelimit-limit", std::to_string(limit));
  res.set_header("x-ratelimit-remaining", std::to_string(limit - s.used));
  res.set_header("x-ratelimit-used", std::to_string(s.used));
  res.set_header("x-ratelimit-reset", std::to_string(s.window_start_s + 3600));
  res.set_header("x-ratelimit-resource", "core");
  res.set_header("X-GitHub-Api-Version-Selected", req.has_header("X-GitHub-Api-Version") ? req.get_header_value("X-GitHub-Api-Version") : "2022-11-28");
  if (count && exhausted) {
    send_error(res, 403, "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.",
               "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api");
    return false;
  }
  return true;
}

// A degraded GitHub (the model's github_degraded fault) on a counted call: its added
// latency in wall-clock time (real clients time out in wall-clock time; at most 30 s),
// then maybe GitHub's refusal. Call without s.mu held.
bool pass_degradation(State& s, httplib::Response& res) {
  if (s.loop == nullptr) return true;
  const auto degraded = s.loop->call([&s] { return s.github->degradation(); });
  if (!degraded || !*degraded) return true;
  const gh::ApiDegradation& d = **degraded;
  if (d.added_latency > Duration(0)) std::this_thread::sleep_for(std::min<Duration>(d.added_latency, std::chrono::seconds(30)));
  std::optional<gh::ApiRefusal> refusal;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    refusal = gh::refuse_rest_call(d, s.draws);
  }
  if (!refusal) return true;
  if (refusal->status == 403) {
    res.headers.erase("x-ratelimit-remaining");
    res.set_header("x-ratelimit-remaining", "0");
    send_error(res, 403, refusal->message, "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api");
  } else {
    send_error(res, refusal->status, refusal->message);
  }
  return false;
}

// Every API call: the checks above, then (for a counted call) the model's degradation.
bool admit(State& s, const httplib::Request& req, httplib::Response& res, bool count = true) {
  return check_request(s, req, res, count) && (!count || pass_degradation(s, res));
}

Urls urls_for(const httplib::Request& req, const State& s) {
  // A client that used GitHub Enterprise's /api/v3 prefix (gh with GH_HOST) gets URLs
  // with it (HttpServer strips it before routing and says so in this header).
  const std::string host = s.config.scheme + "://" + req.get_header_value("Host");
  return Urls{host + req.get_header_value(kPathPrefixHeader) + "/repos/" + s.config.owner + "/" + s.config.repo,
              host + "/" + s.config.owner + "/" + s.config.repo};
}

std::optional<std::int64_t> id_param(const std::string& text) {
  try {
    std::size_t used = 0;
    const long long v = std::stoll(text, &used);
    if (used == text.size() && v > 0) return v;
  } catch (...) {
  }
  return std::nullopt;
}

// `created` as GitHub's search syntax has it: DATE, >DATE, >=DATE, <DATE, <=DATE or
// FROM..TO (either end may be *), each an ISO 8601 date or date-time (UTC).
bool created_matches(const std::string& filter, TimePoint created) {
  const std::string at = iso(created);  // "2025-12-11T00:05:00Z", compared as text
  auto bound = [](std::string v, bool upper) {
    if (v.size() == 10) v += upper ? "T23:59:59.999999Z" : "T00:00:00Z";  // a whole day
    return v;
  };
  const auto dots = filter.find("..");
  if (dots != std::string::npos) {
    const std::string from = filter.substr(0, dots), to = filter.substr(dots + 2);
    return (from == "*" || at >= bound(from, false)) && (to == "*" || at <= bound(to, true));
  }
  if (filter.rfind(">=", 0) == 0) return at >= bound(filter.substr(2), false);
  if (filter.rfind("<=", 0) == 0) return at <= bound(filter.substr(2), true);
  if (filter.rfind('>', 0) == 0) return at > bound(filter.substr(1), true);
  if (filter.rfind('<', 0) == 0) return at < bound(filter.substr(1), false);
  return at >= bound(filter, false) && at <= bound(filter, true);
}

bool run_matches(const gh::Run& r, const ListQuery& req) {
  if (req.has("actor") && req.get("actor") != "failsim") return false;  // every run's actor
  if (req.has("head_sha") && req.get("head_sha") != fake_sha(r.id)) return false;
  if (req.has("check_suite_id") && req.get("check_suite_id") != std::to_string(r.id)) return false;
  if (req.has("created") && !created_matches(req.get("created"), r.created_at)) return false;
  if (req.has("status")) {
    const std::string want = req.get("status");
    if (want != gh::to_string(r.status) && want != r.conclusion) return false;
  }
  if (req.has("event") && req.get("event") != r.event) return false;
  if (req.has("branch") && req.get("branch") != branch_of(r.ref)) return false;
  return true;
}

}  // namespace

void install_github_api(httplib::Server& server, LiveLoop& loop, gh::GitHub& github, GitHubApiConfig config,
                        DispatchHandler dispatch) {
  auto state = std::make_shared<State>();
  state->config = std::move(config);
  state->dispatch = std::move(dispatch);
  state->loop = &loop;
  state->github = &github;
  if (!state->dispatch) {
    state->dispatch = [&github, file = state->config.workflow_file, runs_on = state->config.default_runs_on](
                          const std::string& ref, const nlohmann::json&) -> Result<std::optional<std::int64_t>> {
      gh::WorkflowSpec wf;
      wf.file = file;
      gh::JobSpec job;
      job.name = "deploy-to-production";
      job.runs_on = runs_on;
      wf.jobs.push_back(job);
      auto id = github.dispatch(wf, ref);
      if (!id) return Result<std::optional<std::int64_t>>::error(id.error());
      return Result<std::optional<std::int64_t>>::ok(id.value());
    };
  }
  const std::string base = "/repos/" + state->config.owner + "/" + state->config.repo + "/actions";
  // Runs `render` on the engine thread and sends what it returns: {status, body}.
  // Runs `render` on the engine thread (it sees only copies of the request) and sends
  // what it returns.
  auto answer = [&loop](httplib::Response& res, std::function<GitHubReply()> render) {
    auto r = loop.call(std::move(render));
    if (!r) return send_error(res, 503, "The simulated world is not running.");
    if (!r->link.empty()) res.set_header("Link", r->link);
    if (r->status == 204) {
      res.status = 204;
      return;
    }
    send(res, r->status, r->body);
  };
  auto is_workflow = [state](const std::string& id) { return id == "1" || id == state->config.workflow_file; };

  server.Get("/rate_limit", [state](const httplib::Request& req, httplib::Response& res) {
    if (!admit(*state, req, res, false)) return;
    std::lock_guard<std::mutex> lock(state->mu);
    Json core{{"limit", state->config.rate_limit_per_hour},
              {"used", state->used},
              {"remaining", state->config.rate_limit_per_hour - state->used},
              {"reset", state->window_start_s + 3600}};
    // `search` is required by GitHub's schema (30 requests a minute); the fake counts none.
    const Json search{{"limit", 30}, {"used", 0}, {"remaining", 30}, {"reset", wall_seconds() + 60}};
    send(res, 200, Json{{"resources", Json{{"core", core}, {"search", search}}}, {"rate", core}});
  });

  // The repository and the token's user: what PyGithub's get_repo() and get_user()
  // (and `gh repo view`) read first.
  server.Get("/repos/" + state->config.owner + "/" + state->config.repo, [state](const httplib::Request& req, httplib::Response& res) {
    if (!admit(*state, req, res)) return;
    send(res, 200, full_repository_json(*state, urls_for(req, *state)));
  });
  server.Get("/user", [state](const httplib::Request& req, httplib::Response& res) {
    if (!admit(*state, req, res)) return;
    Json user = user_json(urls_for(req, *state), "failsim", 1);
    // private-user: the profile fields GitHub's schema requires, empty for a bot account.
    for (const char* none : {"name", "company", "blog", "location", "email", "hireable", "bio", "twitter_username"}) user[none] = nullptr;
    user["blog"] = "";
    for (const char* zero : {"public_repos", "public_gists", "followers", "following", "private_gists", "total_private_repos",
                             "owned_private_repos", "disk_usage", "collaborators"}) {
      user[zero] = 0;
    }
    user["two_factor_authentication"] = true;
    user["created_at"] = "2025-01-01T00:00:00Z";
    user["updated_at"] = "2025-01-01T00:00:00Z";
    send(res, 200, user);
  });
  // Artifacts: the simulated workflows upload none.
  server.Get(base + "/artifacts", [state](const httplib::Request& req, httplib::Response& res) {
    if (!admit(*state, req, res)) return;
    send(res, 200, Json{{"total_count", 0}, {"artifacts", Json::array()}});
  });

  server.Get(base + "/runners", [state, &github, answer](const httplib::Request& req, httplib::Response& res) {
    if (!admit(*state, req, res)) return;
    answer(res, [&github, q = ListQuery(req, state->config.scheme)] {
      std::vector<const gh::RunnerRecord*> all;
      for (const auto& [name, r] : github.runners()) {
        if (!q.has("name") || q.get("name") == name) all.push_back(&r);
      }
      std::sort(all.begin(), all.end(), [](auto* a, auto* b) { return a->id < b->id; });
      const Page p = paginate(q, all.size());
      Json list = Json::array();
      for (std::size_t i = p.offset; i < p.offset + p.count; ++i) list.push_back(runner_json(*all[i]));
      return GitHubReply{200, Json{{"total_count", all.size()}, {"runners", list}}, p.link};
    });
  });
  server.Get(base + R"(/runners/([^/]+))", [state, &github, answer](const httplib::Request& req, httplib::Response& res) {
    if (!admit(*state, req, res)) return;
    const auto id = id_param(req.matches[1]);
    answer(res, [&github, id] {
      for (const auto& [name, r] : github.runners()) {
        if (id && r.id == *id) return GitHubReply{200, runner_json(r)};
      }
      return github_not_found();
    });
  });
  auto workflow_json = [state](const Urls& u) {
    return Json{{"id", 1},
            {"node_id", "W_1"},
            {"name", state->config.workflow_name},
            {"path", ".github/workflows/" + state->config.workflow_file},
            {"state", "active"},
            {"created_at", "2025-01-01T00:00:00Z"},
            {"updated_at", "2025-01-01T00:00:00Z"},
            {"url", u.api + "/actions/workflows/1"},
            {"html_url", u.html + "/blob/main/.github/workflows/" + state->config.workflow_file},
            {"badge_url", u.html + "/workflows/" + state->config.workflow_name + "/badge.svg"}};
  };
  server.Get(base + "/workflows", [state, workflow_json](const httplib::Request& req, httplib::Response& res) {
    if (!admit(*state, req, res)) return;
    send(res, 200, Json{{"total_count", 1}, {"workflows", Json::array({workflow_json(urls_for(req, *state))})}});
  });
  // By numeric id or file name, as `gh workflow run deploy.yml` asks before dispatching.
  server.Get(base + R"(/workflows/([^/]+))", [state, workflow_json, is_workflow](const httplib::Request& req, httplib::Response& res) {
    if (!admit(*state, req, res)) return;
    if (!is_workflow(req.matches[1])) return send_error(res, 404, "Not Found");
    send(res, 200, workflow_json(urls_for(req, *state)));
  });
  server.Post(base + R"(/workflows/([^/]+)/dispatches)", [state, answer, is_workflow](const httplib::Request& req, httplib::Response& res) {
    if (!admit(*state, req, res)) return;
    if (!is_workflow(req.matches[1])) return send_error(res, 404, "Not Found");
    const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
    if (body.is_discarded()) return send_error(res, 400, "Problems parsing JSON");
    if (!body.is_object()) return send_error(res, 400, "Body should be a JSON object");
    auto invalid = [&res](const std::string& field, const std::string& code, const std::string& message) {
      send(res, 422, Json{{"message", "Invalid request.\n\n" + message},
                          {"documentation_url", "https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event"},
                          {"errors", Json::array({Json{{"resource", "WorkflowDispatch"}, {"field", field}, {"code", code}, {"message", message}}})}});
    };
    if (!body.contains("ref")) return invalid("ref", "missing_field", "\"ref\" wasn't supplied.");
    if (!body["ref"].is_string() || body["ref"].get<std::string>().empty()) return invalid("ref", "invalid", "\"ref\" must be a non-empty string.");
    const nlohmann::json inputs = body.value("inputs", nlohmann::json::object());
    if (!inputs.is_object()) return invalid("inputs", "invalid", "\"inputs\" must be an object.");
    if (inputs.size() > 25) return invalid("inputs", "invalid", "you may only define up to 25 `inputs` for a `workflow_dispatch` event");
    // Against the workflow's declared inputs, with the messages clients report from
    // GitHub: "Unexpected inputs provided: [\"x\"]", "Required input 'x' not provided".
    if (state->config.inputs) {
      const auto& declared = *state->config.inputs;
      auto find = [&declared](const std::string& name) {
        return std::find_if(declared.begin(), declared.end(), [&](const auto& d) { return d.name == name; });
      };
      std::string unexpected;  // ["a", "b"], sorted, as clients quote GitHub
      for (const auto& [name, value] : inputs.items()) {
        if (find(name) == declared.end()) unexpected += (unexpected.empty() ? "" : ", ") + nlohmann::json(name).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      }
      auto dispatch_error = [&res](const std::string& message) {
        send(res, 422, Json{{"message", message},
                            {"documentation_url", "https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event"}});
      };
      if (!unexpected.empty()) return dispatch_error("Unexpected inputs provided: [" + unexpected + "]");
      for (const auto& d : declared) {
        if (d.required && !d.default_value && !inputs.contains(d.name)) {
          return dispatch_error("Required input '" + d.name + "' not provided");
        }
        const auto it = inputs.find(d.name);
        if (it == inputs.end()) continue;
        if (!it->is_string() && !it->is_boolean() && !it->is_number()) {
          return dispatch_error("Provided value for input '" + d.name + "' must be a string");  // wording UNCONFIRMED
        }
        const std::string v = it->is_string() ? it->get<std::string>() : it->dump();
        if (d.type == "choice" && std::find(d.options.begin(), d.options.end(), v) == d.options.end()) {
          return dispatch_error("Provided value '" + v + "' for input '" + d.name + "' not in the list of allowed values");  // wording UNCONFIRMED
        }
        if (d.type == "boolean" && v != "true" && v != "false") {
          return dispatch_error("Provided value '" + v + "' for input '" + d.name + "' is not a valid boolean");  // wording UNCONFIRMED
        }
      }
    }
    const bool details = body.value("return_run_details", false);
    std::string ref = body["ref"].get<std::string>();
    if (ref.rfind("refs/", 0) != 0) ref = "refs/heads/" + ref;
    const Urls u = urls_for(req, *state);
    answer(res, [state, ref, inputs, details, u] {
      auto r = state->dispatch(ref, inputs);
      if (!r) return GitHubReply{422, Json{{"message", r.error()}, {"documentation_url", kDocs}}};
      if (!details || !r.value()) return GitHubReply{204, Json()};
      const std::int64_t id = *r.value();
      return GitHubReply{200, Json{{"workflow_run_id", id},
                             {"run_url", u.api + "/actions/runs/" + std::to_string(id)},
                             {"html_url", u.html + "/actions/runs/" + std::to_string(id)}}};
    });
  });
  auto list_runs = [state, &github, answer](const httplib::Request& req, httplib::Response& res) {
    const Urls u = urls_for(req, *state);
    answer(res, [state, &github, q = ListQuery(req, state->config.scheme), u] {
      std::vector<const gh::Run*> all;
      for (auto it = github.runs().rbegin(); it != github.runs().rend(); ++it) {  // newest first
        if (run_matches(it->second, q)) all.push_back(&it->second);
      }
      const Page p = paginate(q, all.size());
      Json list = Json::array();
      for (std::size_t i = p.offset; i < p.offset + p.count; ++i) list.push_back(run_json(*all[i], *state, u));
      return GitHubReply{200, Json{{"total_count", all.size()}, {"workflow_runs", list}}, p.link};
    });
  };
  server.Get(base + "/runs", [state, list_runs](const httplib::Request& req, httplib::Response& res) {
    if (!admit(*state, req, res)) return;
    list_runs(req, res);
  });
  server.Get(base + R"(/workflows/([^/]+)/runs)", [state, list_runs, is_workflow](const httplib::Request& req, httplib::Response& res) {
    if (!admit(*state, req, res)) return;
    if (!is_workflow(req.matches[1])) return send_error(res, 404, "Not Found");
    list_runs(req, res);
  });
  server.Get(base + R"(/runs/([^/]+))", [state, &github, answer](const httplib::Request& req, httplib::Response& res) {
    if (!admit(*state, req, res)) return;
    const auto id = id_param(req.matches[1]);
    const Urls u = urls_for(req, *state);
    answer(res, [state, &github, id, u] {
      const gh::Run* r = id ? github.run(*id) : nullptr;
      if (r == nullptr) return github_not_found();
      return GitHubReply{200, run_json(*r, *state, u)};
    });
  });
  server.Get(base + R"(/runs/([^/]+)/artifacts)", [state, &github, answer](const httplib::Request& req, httplib::Response& res) {
    if (!admit(*state, req, res)) return;
    const auto id = id_param(req.matches[1]);
    answer(res, [&github, id] {
      if (id == std::nullopt || github.run(*id) == nullptr) return github_not_found();
      return GitHubReply{200, Json{{"total_count", 0}, {"artifacts", Json::array()}}};
    });
  });
  // A run's usage: self-hosted runners bill nothing (billable is empty); the duration of
  // its latest attempt once it has completed.
  server.Get(base + R"(/runs/([^/]+)/timing)", [state, &github, answer](const httplib::Request& req, httplib::Response& res) {
    if (!admit(*state, req, res)) return;
    const auto id = id_param(req.matches[1]);
    answer(res, [&github, id] {
      const gh::Run* r = id ? github.run(*id) : nullptr;
      if (r == nullptr) return github_not_found();
      Json usage{{"billable", Json::object()}};
      if (r->status == gh::Status::kCompleted) usage["run_duration_ms"] = (to_us(r->updated_at) - to_us(r->started_at)) / 1000;
      return GitHubReply{200, usage};
    });
  });
  server.Get(base + R"(/runs/([^/]+)/jobs)", [state, &github, answer](const httplib::Request& req, httplib::Response& res) {
    if (!admit(*state, req, res)) return;
    const auto id = id_param(req.matches[1]);
    const std::string filter = req.has_param("filter") ? req.get_param_value("filter") : "latest";
    if (filter != "latest" && filter != "all") {
      return send(res, 422, Json{{"message", "Invalid request.\n\nfilter must be one of: latest, all."}, {"documentation_url", kDocs}});
    }
    const Urls u = urls_for(req, *state);
    answer(res, [state, &github, id, filter, q = ListQuery(req, state->config.scheme), u] {
      const gh::Run* r = id ? github.run(*id) : nullptr;
      if (r == nullptr) return github_not_found();
      std::vector<const gh::Job*> all;
      for (std::int64_t job_id : r->job_ids) {
        const gh::Job* j = github.job(job_id);
        if (j == nullptr) continue;
        if (filter == "latest") {  // a job re-run in a later attempt replaces its earlier self
          std::erase_if(all, [&](const gh::Job* k) { return k->spec.name == j->spec.name; });
        }
        all.push_back(j);
      }
      const Page p = paginate(q, all.size());
      Json list = Json::array();
      for (std::size_t i = p.offset; i < p.offset + p.count; ++i) list.push_back(job_json(*all[i], github, *state, u));
      return GitHubReply{200, Json{{"total_count", all.size()}, {"jobs", list}}, p.link};
    });
  });
  server.Get(base + R"(/jobs/([^/]+))", [state, &github, answer](const httplib::Request& req, httplib::Response& res) {
    if (!admit(*state, req, res)) return;
    const auto id = id_param(req.matches[1]);
    const Urls u = urls_for(req, *state);
    answer(res, [state, &github, id, u] {
      const gh::Job* j = id ? github.job(*id) : nullptr;
      if (j == nullptr) return github_not_found();
      return GitHubReply{200, job_json(*j, github, *state, u)};
    });
  });
  // POST /runs/{id}/<action>: `act` on the model; `fail_status` with its message when refused.
  auto run_action = [&server, &github, state, answer, base](const std::string& action, int ok_status, int fail_status,
                                                            const std::string& docs,
                                                            std::function<Result<bool>(gh::GitHub&, std::int64_t)> act) {
    server.Post(base + R"(/runs/([^/]+)/)" + action,
                [state, &github, answer, ok_status, fail_status, docs, act](const httplib::Request& req, httplib::Response& res) {
                  if (!admit(*state, req, res)) return;
                  const auto id = id_param(req.matches[1]);
                  answer(res, [&github, id, ok_status, fail_status, docs, act] {
                    if (!id || github.run(*id) == nullptr) return github_not_found();
                    auto r = act(github, *id);
                    if (!r) return GitHubReply{fail_status, Json{{"message", r.error()}, {"documentation_url", docs}}};
                    return GitHubReply{ok_status, Json::object()};
                  });
                });
  };
  run_action("cancel", 202, 409, "https://docs.github.com/rest/actions/workflow-runs#cancel-a-workflow-run",
             [](gh::GitHub& g, std::int64_t id) { return g.cancel_run(id); });
  run_action("rerun-failed-jobs", 201, 403,
             "https://docs.github.com/rest/actions/workflow-runs#re-run-failed-jobs-from-a-workflow-run",
             [](gh::GitHub& g, std::int64_t id) { return g.rerun_failed_jobs(id); });
  run_action("rerun", 201, 403, "https://docs.github.com/rest/actions/workflow-runs#re-run-a-workflow",
             [](gh::GitHub& g, std::int64_t id) { return g.rerun_run(id); });
  server.Post(base + R"(/jobs/([^/]+)/rerun)", [state, &github, answer](const httplib::Request& req, httplib::Response& res) {
    if (!admit(*state, req, res)) return;
    const auto id = id_param(req.matches[1]);
    answer(res, [&github, id] {
      if (!id || github.job(*id) == nullptr) return github_not_found();
      auto r = github.rerun_job(*id);
      if (!r) {
        return GitHubReply{403, Json{{"message", r.error()},
                               {"documentation_url", "https://docs.github.com/rest/actions/workflow-runs#re-run-a-job-from-a-workflow-run"}}};
      }
      return GitHubReply{201, Json::object()};
    });
  });
  // One attempt of a run, as GitHub keeps them: an earlier attempt is completed, with the
  // conclusion of its own jobs; its jobs are those of that attempt.
  auto attempt_jobs = [&github](const gh::Run& r, int n) {
    std::vector<const gh::Job*> out;
    for (std::int64_t job_id : r.job_ids) {
      const gh::Job* j = github.job(job_id);
      if (j != nullptr && j->attempt == n) out.push_back(j);
    }
    return out;
  };
  server.Get(base + R"(/runs/([^/]+)/attempts/([^/]+))", [state, &github, answer, attempt_jobs](const httplib::Request& req, httplib::Response& res) {
    if (!admit(*state, req, res)) return;
    const auto id = id_param(req.matches[1]);
    const auto n = id_param(req.matches[2]);
    const Urls u = urls_for(req, *state);
    answer(res, [state, &github, id, n, u, attempt_jobs] {
      const gh::Run* r = id ? github.run(*id) : nullptr;
      if (r == nullptr || !n || *n > r->attempt) return github_not_found();
      Json j = run_json(*r, *state, u);
      if (*n == r->attempt) return GitHubReply{200, j};
      std::string conclusion = "success";
      TimePoint updated = r->created_at;
      for (const gh::Job* job : attempt_jobs(*r, static_cast<int>(*n))) {
        if (job->conclusion == "cancelled" && conclusion == "success") conclusion = "cancelled";
        if (job->conclusion == "failure") conclusion = "failure";
        if (job->completed_at) updated = std::max(updated, *job->completed_at);
      }
      const std::string url = u.api + "/actions/runs/" + std::to_string(r->id);
      j["run_attempt"] = *n;
      j["status"] = "completed";
      j["conclusion"] = conclusion;
      j["updated_at"] = iso(updated);
      j["previous_attempt_url"] = *n > 1 ? Json(url + "/attempts/" + std::to_string(*n - 1)) : Json(nullptr);
      return GitHubReply{200, j};
    });
  });
  server.Get(base + R"(/runs/([^/]+)/attempts/([^/]+)/jobs)", [state, &github, answer, attempt_jobs](const httplib::Request& req, httplib::Response& res) {
    if (!admit(*state, req, res)) return;
    const auto id = id_param(req.matches[1]);
    const auto n = id_param(req.matches[2]);
    const Urls u = urls_for(req, *state);
    answer(res, [state, &github, id, n, q = ListQuery(req, state->config.scheme), u, attempt_jobs] {
      const gh::Run* r = id ? github.run(*id) : nullptr;
      if (r == nullptr || !n || *n > r->attempt) return github_not_found();
      const auto all = attempt_jobs(*r, static_cast<int>(*n));
      const Page p = paginate(q, all.size());
      Json list = Json::array();
      for (std::size_t i = p.offset; i < p.offset + p.count; ++i) list.push_back(job_json(*all[i], github, *state, u));
      return GitHubReply{200, Json{{"total_count", all.size()}, {"jobs", list}}, p.link};
    });
  });
  server.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (res.status == 404) return send_error(res, 404, "Not Found");
    if (res.status == 413) return send_error(res, 413, "Payload too large");
    send_error(res, res.status, res.status == 400 ? "Problems parsing request" : "Error");
  });
}

}  // namespace failsim::fakes
