// The fake GitHub REST API against a plain HTTP client: auth, headers, shapes,
// pagination, status codes and error bodies from reference A5-A7.
#include "fakes/github_api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/fakes/live_fixture.h"
#include "tests/harness/process.h"

namespace failsim::fakes {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

constexpr const char* kToken = "ghp_failsimTestToken0123456789";
const std::string kBase = "/repos/rmnanney/PAWS360/actions";

class FakeGitHubApi : public ::testing::Test {
 protected:
  void start(int rate_limit = 1000, std::optional<std::vector<sim::github::WorkflowInput>> inputs = std::nullopt) {
    ASSERT_TRUE(live_.started);
    live_.advance(2min);  // runners registered and online
    GitHubApiConfig config;
    config.token = kToken;
    config.rate_limit_per_hour = rate_limit;
    config.inputs = std::move(inputs);
    live_.go(100.0);
    server_.accept_path_prefix("/api/v3");
    install_github_api(server_.routes(), *live_.loop, live_.world.github(), config);
    ASSERT_TRUE(server_.start("127.0.0.1", 0));
    client_ = testing::client_for(server_);
  }
  void TearDown() override {
    live_.stop();
    server_.stop();
  }
  httplib::Headers auth(const std::string& token = kToken) {
    return {{"Authorization", "Bearer " + token}, {"User-Agent", "failsim-test"},
            {"X-GitHub-Api-Version", "2022-11-28"}, {"Accept", "application/vnd.github+json"}};
  }
  httplib::Result get(const std::string& path) { return client_->Get(path, auth()); }
  httplib::Result post(const std::string& path, const std::string& body = "") {
    return client_->Post(path, auth(), body, "application/json");
  }
  static json body(const httplib::Result& r) { return r ? json::parse(r->body, nullptr, false) : json(); }
  std::int64_t dispatch_run() {
    auto r = post(kBase + "/workflows/ci.yml/dispatches", R"({"ref":"master","return_run_details":true})");
    EXPECT_TRUE(r && r->status == 200);
    return r ? body(r)["workflow_run_id"].get<std::int64_t>() : 0;
  }

  testing::LiveFixture live_{testing::paws360_world(5)};
  HttpServer server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(FakeGitHubApi, CredentialsAreCheckedAsGitHubDoes) {
  start();
  // A5: bad credentials -> 401 with the body captured live (status is a string).
  auto r = client_->Get(kBase + "/runners", auth("wrong"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(r->body, R"({"message":"Bad credentials","documentation_url":"https://docs.github.com/rest","status":"401"})");
  // No credentials on a private repository: 404, hiding that it exists.
  r = client_->Get(kBase + "/runners", httplib::Headers{{"User-Agent", "x"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(body(r)["message"], "Not Found");
  // `token` scheme works too.
  r = client_->Get(kBase + "/runners", httplib::Headers{{"Authorization", std::string("token ") + kToken}, {"User-Agent", "x"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  // No User-Agent (cpp-httplib always sends one, so raw bytes): refused.
  const std::string reply = testing::raw_exchange(
      server_.port(), "GET " + kBase + "/runners HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + kToken + "\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 403", 0), 0u) << reply;
  // An unknown API version: 400.
  r = client_->Get(kBase + "/runners", httplib::Headers{{"Authorization", std::string("Bearer ") + kToken},
                                                        {"User-Agent", "x"}, {"X-GitHub-Api-Version", "1999-01-01"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body.find(kToken), std::string::npos);
}

TEST_F(FakeGitHubApi, EveryAuthenticatedResponseCarriesRateLimitHeaders) {
  start();
  auto a = get(kBase + "/runners");
  auto b = get(kBase + "/runners");
  ASSERT_TRUE(a && b);
  for (const char* h : {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-used", "x-ratelimit-reset", "x-ratelimit-resource"}) {
    EXPECT_TRUE(a->has_header(h)) << h;
  }
  EXPECT_EQ(a->get_header_value("x-ratelimit-limit"), "1000");
  EXPECT_EQ(a->get_header_value("x-ratelimit-resource"), "core");
  EXPECT_EQ(std::stoi(a->get_header_value("x-ratelimit-remaining")) - 1, std::stoi(b->get_header_value("x-ratelimit-remaining")));
  EXPECT_EQ(std::stoi(b->get_header_value("x-ratelimit-used")), 2);
}

TEST_F(FakeGitHubApi, AnExhaustedBudgetAnswers403WithRemainingZero) {
  start(3);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(get(kBase + "/runners")->status, 200);
  auto r = get(kBase + "/runners");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->get_header_value("x-ratelimit-remaining"), "0");
  EXPECT_NE(body(r)["message"].get<std::string>().find("rate limit exceeded"), std::string::npos);
  // GET /rate_limit is free and reports the same budget.
  r = get("/rate_limit");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body(r)["resources"]["core"]["remaining"], 0);
}

TEST_F(FakeGitHubApi, RunnersHaveTheDocumentedShapeAndPageWithALinkHeader) {
  start();
  auto r = get(kBase + "/runners");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_FALSE(r->has_header("Link"));  // one page holds everything
  json j = body(r);
  EXPECT_EQ(j["total_count"], 2);
  for (const auto& runner : j["runners"]) {
    for (const char* k : {"id", "name", "os", "status", "busy", "labels"}) EXPECT_TRUE(runner.contains(k)) << k;
    EXPECT_EQ(runner["status"], "online");
    for (const auto& l : runner["labels"]) {
      EXPECT_TRUE(l["type"] == "read-only" || l["type"] == "custom");
      if (l["name"] == "self-hosted") {
        EXPECT_EQ(l["type"], "read-only");
      }
    }
  }
  r = get(kBase + "/runners?per_page=1");
  ASSERT_TRUE(r);
  EXPECT_EQ(body(r)["runners"].size(), 1u);
  EXPECT_EQ(body(r)["total_count"], 2);
  const std::string link = r->get_header_value("Link");
  EXPECT_NE(link.find("per_page=1&page=2>; rel=\"next\""), std::string::npos) << link;
  EXPECT_NE(link.find("rel=\"last\""), std::string::npos) << link;
  EXPECT_EQ(link.find("rel=\"prev\""), std::string::npos) << link;  // absent on page 1
  r = get(kBase + "/runners?per_page=1&page=2");
  EXPECT_NE(r->get_header_value("Link").find("rel=\"prev\""), std::string::npos);
  EXPECT_NE(body(r)["runners"][0]["id"], body(get(kBase + "/runners?per_page=1"))["runners"][0]["id"]);
  r = get(kBase + "/runners?name=Serotonin-paws360");
  EXPECT_EQ(body(r)["total_count"], 1);
  const auto id = body(r)["runners"][0]["id"].get<std::int64_t>();
  EXPECT_EQ(body(get(kBase + "/runners/" + std::to_string(id)))["name"], "Serotonin-paws360");
  EXPECT_EQ(get(kBase + "/runners/999999")->status, 404);
}

TEST_F(FakeGitHubApi, DispatchAnswers204Or200WithRunDetails) {
  start();
  auto r = post(kBase + "/workflows/ci.yml/dispatches", R"({"ref":"master"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  EXPECT_EQ(r->body, "");
  const std::int64_t id = dispatch_run();
  ASSERT_GT(id, 0);
  const json run = body(get(kBase + "/runs/" + std::to_string(id)));
  for (const char* k : {"id", "node_id", "head_branch", "run_number", "event", "status", "conclusion", "head_sha", "path",
                        "workflow_id", "url", "html_url", "created_at", "updated_at", "jobs_url", "cancel_url",
                        "rerun_url", "run_attempt", "run_started_at", "repository", "head_repository"}) {
    EXPECT_TRUE(run.contains(k)) << k;
  }
  EXPECT_EQ(run["event"], "workflow_dispatch");
  EXPECT_EQ(run["head_branch"], "master");
  EXPECT_EQ(run["run_attempt"], 1);
  EXPECT_TRUE(run["conclusion"].is_null());
  EXPECT_EQ(run["created_at"].get<std::string>().size(), 20u);  // 2025-12-11T21:02:00Z
  EXPECT_EQ(post(kBase + "/workflows/nope.yml/dispatches", R"({"ref":"master"})")->status, 404);
}

TEST_F(FakeGitHubApi, DispatchRejectsBadBodiesWithGitHubsMessages) {
  start();
  auto r = post(kBase + "/workflows/ci.yml/dispatches", "{not json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(body(r)["message"], "Problems parsing JSON");
  r = post(kBase + "/workflows/ci.yml/dispatches", "[1,2]");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(body(r)["message"], "Body should be a JSON object");
  r = post(kBase + "/workflows/ci.yml/dispatches", R"({"inputs":{}})");
  EXPECT_EQ(r->status, 422);
  const json j = body(r);
  ASSERT_EQ(j["errors"].size(), 1u);
  EXPECT_EQ(j["errors"][0]["field"], "ref");
  EXPECT_EQ(j["errors"][0]["code"], "missing_field");
  EXPECT_TRUE(j.contains("documentation_url"));
}

TEST_F(FakeGitHubApi, RunsListNewestFirstWithFiltersAndPages) {
  start();
  const auto first = dispatch_run();
  const auto second = dispatch_run();
  const auto third = dispatch_run();
  json j = body(get(kBase + "/runs"));
  ASSERT_EQ(j["total_count"], 3);
  EXPECT_EQ(j["workflow_runs"][0]["id"], third);
  EXPECT_EQ(j["workflow_runs"][2]["id"], first);
  auto r = get(kBase + "/workflows/ci.yml/runs?per_page=2&page=2");
  j = body(r);
  ASSERT_EQ(j["workflow_runs"].size(), 1u);
  EXPECT_EQ(j["workflow_runs"][0]["id"], first);
  EXPECT_NE(r->get_header_value("Link").find("rel=\"first\""), std::string::npos);
  EXPECT_EQ(body(get(kBase + "/runs?status=completed"))["total_count"], 0);
  EXPECT_EQ(body(get(kBase + "/runs?branch=main"))["total_count"], 0);
  EXPECT_EQ(body(get(kBase + "/runs?branch=master"))["total_count"], 3);
  (void)second;
}

TEST_F(FakeGitHubApi, JobsShowTheRunnerOnlyOnceOneIsAssigned) {
  start();
  const auto id = dispatch_run();
  json jobs = body(get(kBase + "/runs/" + std::to_string(id) + "/jobs"));
  ASSERT_EQ(jobs["total_count"], 1);
  json job = jobs["jobs"][0];
  for (const char* k : {"id", "run_id", "status", "conclusion", "started_at", "labels", "runner_id", "runner_name",
                        "runner_group_id", "runner_group_name", "steps", "run_attempt"}) {
    EXPECT_TRUE(job.contains(k)) << k;
  }
  if (job["status"] == "queued") {
    EXPECT_TRUE(job["runner_name"].is_null());
    EXPECT_TRUE(job["runner_id"].is_null());
    EXPECT_EQ(job["started_at"], job["created_at"]);  // a string even while queued (the job schema requires one)
  }
  EXPECT_EQ(job["labels"], json({"self-hosted", "production", "primary"}));
  // At 100x, the 50 s listener poll and 1 s pickup take well under a second of wall time.
  ASSERT_TRUE(testing::wait_until(
      [&] {
        job = body(get(kBase + "/jobs/" + std::to_string(jobs["jobs"][0]["id"].get<std::int64_t>())));
        return job["status"] == "in_progress";
      },
      10s, 20ms));
  ASSERT_TRUE(job["runner_name"].is_string());
  EXPECT_TRUE(job["runner_name"] == "Serotonin-paws360" || job["runner_name"] == "dell-r640-01-runner");
  EXPECT_TRUE(job["runner_id"].is_number());
  EXPECT_EQ(get(kBase + "/runs/999999/jobs")->status, 404);
  EXPECT_EQ(get(kBase + "/runs/" + std::to_string(id) + "/jobs?filter=bogus")->status, 422);
}

TEST_F(FakeGitHubApi, CancelIs202ThenConflictAndFailedJobsCanBeRerun) {
  start();
  const auto id = dispatch_run();
  const std::string run = kBase + "/runs/" + std::to_string(id);
  EXPECT_EQ(post(run + "/rerun-failed-jobs")->status, 403);  // still running
  auto r = post(run + "/cancel");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 202);
  ASSERT_TRUE(testing::wait_until([&] { return body(get(run))["status"] == "completed"; }, 10s, 20ms));
  EXPECT_EQ(body(get(run))["conclusion"], "cancelled");
  r = post(run + "/cancel");
  EXPECT_EQ(r->status, 409);
  EXPECT_FALSE(body(r)["message"].get<std::string>().empty());
  r = post(run + "/rerun-failed-jobs");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  const json again = body(get(run));
  EXPECT_EQ(again["run_attempt"], 2);
  EXPECT_NE(again["status"], "completed");
  EXPECT_EQ(body(get(run + "/jobs?filter=all"))["total_count"], 2);
  EXPECT_EQ(body(get(run + "/jobs"))["total_count"], 1);
  EXPECT_EQ(post(kBase + "/runs/424242/cancel")->status, 404);
}

// `curl -X POST URL` sends no body and no Content-Length: GitHub answers at once. The
// fake used to wait for a body until its 5 s read timeout and then answer 400; curl's
// -m 3 would fail on that.
TEST_F(FakeGitHubApi, APostWithoutBodyOrContentLengthIsAnsweredAtOnce) {
  start();
  const auto id = dispatch_run();
  std::string headers;
  for (const auto& [k, v] : auth()) headers += " -H '" + k + ": " + v + "'";
  const auto r = testing::run_command("curl -sS -m 3 -o /dev/null -w '%{http_code}' -X POST" + headers + " '" + server_.url() +
                                      kBase + "/runs/" + std::to_string(id) + "/cancel' 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "202");
  ASSERT_TRUE(testing::wait_until([&] { return body(get(kBase + "/runs/" + std::to_string(id)))["conclusion"] == "cancelled"; },
                                  10s, 20ms));
}

TEST_F(FakeGitHubApi, UnknownPathsAndOversizedBodiesGet4xxAndTheServerKeepsServing) {
  start();
  auto r = get("/repos/someone/else/actions/runs");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(body(r)["message"], "Not Found");
  // A 2 MiB body (the limit is 1 MiB): discarded unread, 413.
  std::string reply = testing::raw_exchange(server_.port(), "POST " + kBase + "/workflows/ci.yml/dispatches HTTP/1.1\r\n"
                                                            "Host: x\r\nContent-Length: 2097152\r\n\r\n" +
                                                            std::string(2097152, 'x'));
  EXPECT_EQ(reply.rfind("HTTP/1.1 413", 0), 0u) << reply;
  // Not HTTP at all: 400.
  reply = testing::raw_exchange(server_.port(), "GARBAGE\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
  // A header that is not UTF-8, echoed in the error (found by the fuzz smoke run: it was
  // a 500 with nlohmann's exception text): 400, the bad bytes as U+FFFD, as Go and
  // GitHub write them.
  reply = serve_in_process(server_.routes(), "GET " + kBase + "/runners HTTP/1.1\r\nAuthorization: Bearer " +
                                                 std::string(kToken) + "\r\nUser-Agent: t\r\nX-GitHub-Api-Version: 20\xff\r\n\r\n");
  EXPECT_EQ(reply.rfind("HTTP/1.1 400", 0), 0u) << reply;
  EXPECT_NE(reply.find("\"message\":\"API version '20\xef\xbf\xbd' is not supported.\""), std::string::npos) << reply;
  // And it still serves.
  EXPECT_EQ(get(kBase + "/runners")->status, 200);
}

}  // namespace
}  // namespace failsim::fakes

namespace failsim::fakes {
namespace {

// The dispatched ref is the run's head_branch, so listWorkflowRuns({branch, event}) finds
// one's own run; the other documented filters narrow the list too.
TEST_F(FakeGitHubApi, TheDispatchedRefAndEveryRunFilterAreKept) {
  start();
  dispatch_run();  // on master
  auto r = post(kBase + "/workflows/ci.yml/dispatches", R"({"ref":"release/2.0","return_run_details":true})");
  ASSERT_TRUE(r && r->status == 200);
  const std::int64_t id = body(r)["workflow_run_id"];
  const json run = body(get(kBase + "/runs/" + std::to_string(id)));
  EXPECT_EQ(run["head_branch"], "release/2.0");
  auto count = [&](const std::string& query) { return body(get(kBase + "/runs?" + query))["total_count"].get<int>(); };
  EXPECT_EQ(count("branch=release/2.0&event=workflow_dispatch"), 1);
  EXPECT_EQ(count("branch=master"), 1);
  EXPECT_EQ(count("head_sha=" + run["head_sha"].get<std::string>()), 1);
  EXPECT_EQ(count("check_suite_id=" + std::to_string(run["check_suite_id"].get<std::int64_t>())), 1);
  EXPECT_EQ(count("actor=failsim"), 2);
  EXPECT_EQ(count("actor=someone-else"), 0);
  const std::string day = run["created_at"].get<std::string>().substr(0, 10);
  EXPECT_EQ(count("created=" + day), 2);
  EXPECT_EQ(count("created=%3E%3D" + day), 2);  // >=DAY
  EXPECT_EQ(count("created=%3C" + day), 0);     // <DAY
  EXPECT_EQ(count("created=" + day + "..*"), 2);
  EXPECT_EQ(count("created=2000-01-01..2000-12-31"), 0);
  // Nested objects complete enough for clients that read them (head_commit.author.name).
  EXPECT_EQ(run["head_commit"]["author"]["name"], "failsim");
  EXPECT_EQ(run["head_commit"]["committer"]["email"], "failsim@users.noreply.github.com");
  EXPECT_EQ(run["actor"]["type"], "User");
  EXPECT_EQ(run["triggering_actor"]["id"], 1);
}

// gh asks for the workflow by file name before `gh workflow run`, and speaks to any host
// but github.com under /api/v3; links it is given keep the prefix.
TEST_F(FakeGitHubApi, AWorkflowByIdOrFileAndTheApiV3Prefix) {
  start();
  const json by_file = body(get(kBase + "/workflows/ci.yml"));
  EXPECT_EQ(by_file["id"], 1);
  EXPECT_EQ(by_file["path"], ".github/workflows/ci.yml");
  EXPECT_EQ(body(get(kBase + "/workflows/1"))["name"], by_file["name"]);
  EXPECT_EQ(get(kBase + "/workflows/other.yml")->status, 404);
  const auto id = dispatch_run();
  auto r = get("/api/v3" + kBase + "/runs/" + std::to_string(id));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body(r)["url"], server_.url() + "/api/v3" + kBase + "/runs/" + std::to_string(id));
  dispatch_run();
  r = get("/api/v3" + kBase + "/runs?per_page=1");
  ASSERT_TRUE(r);
  EXPECT_NE(r->get_header_value("Link").find(server_.url() + "/api/v3" + kBase + "/runs?"), std::string::npos)
      << r->get_header_value("Link");
  // The prefix header is the server's to set: a client's own is dropped.
  httplib::Headers spoofed = auth();
  spoofed.emplace(kPathPrefixHeader, "/evil");
  EXPECT_EQ(body(client_->Get(kBase + "/runs/" + std::to_string(id), spoofed))["url"],
            server_.url() + kBase + "/runs/" + std::to_string(id));
}

// Inputs are checked against the workflow's declared ones, with GitHub's 422 messages.
TEST_F(FakeGitHubApi, DispatchInputsAreCheckedAgainstTheWorkflow) {
  sim::github::WorkflowInput version{"version", true, "string", std::nullopt, {}};
  sim::github::WorkflowInput env{"environment", false, "choice", std::string("production"), {"production", "staging"}};
  start(1000, std::vector<sim::github::WorkflowInput>{version, env});
  auto dispatch = [&](const std::string& inputs) {
    return post(kBase + "/workflows/ci.yml/dispatches", R"({"ref":"master","inputs":)" + inputs + "}");
  };
  auto r = dispatch(R"({"version":"v2","foo":"x","bar":"y"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 422);
  EXPECT_EQ(body(r)["message"], "Unexpected inputs provided: [\"bar\", \"foo\"]");
  r = dispatch(R"({})");
  EXPECT_EQ(r->status, 422);
  EXPECT_EQ(body(r)["message"], "Required input 'version' not provided");
  r = dispatch(R"({"version":"v2","environment":"moon"})");
  EXPECT_EQ(r->status, 422);
  EXPECT_NE(body(r)["message"].get<std::string>().find("'moon' for input 'environment'"), std::string::npos);
  EXPECT_EQ(dispatch(R"({"version":"v2","environment":"staging"})")->status, 204);
  EXPECT_EQ(dispatch(R"({"version":"v2"})")->status, 204);
}

}  // namespace
}  // namespace failsim::fakes

namespace failsim::fakes {
namespace {

// Re-run a run and re-run one job: each starts attempt n+1 whose job is queued again
// and picked up by a runner; every attempt stays readable with its own jobs.
TEST_F(FakeGitHubApi, RerunsStartNewAttemptsAndEveryAttemptStaysReadable) {
  start();
  const auto id = dispatch_run();
  const std::string run = kBase + "/runs/" + std::to_string(id);
  EXPECT_EQ(post(run + "/rerun")->status, 403);  // still running
  ASSERT_EQ(post(run + "/cancel")->status, 202);
  ASSERT_TRUE(testing::wait_until([&] { return body(get(run))["status"] == "completed"; }, 10s, 20ms));
  auto r = post(run + "/rerun");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  json again = body(get(run));
  EXPECT_EQ(again["run_attempt"], 2);
  EXPECT_EQ(again["previous_attempt_url"], server_.url() + run + "/attempts/1");
  // The new attempt's job is offered to a runner and starts.
  ASSERT_TRUE(testing::wait_until(
      [&] {
        const json jobs = body(get(run + "/attempts/2/jobs"));
        return jobs["total_count"] == 1 && !jobs["jobs"][0]["runner_name"].is_null();
      },
      10s, 20ms));
  const json first = body(get(run + "/attempts/1"));
  EXPECT_EQ(first["run_attempt"], 1);
  EXPECT_EQ(first["status"], "completed");
  EXPECT_EQ(first["conclusion"], "cancelled");
  EXPECT_TRUE(first["previous_attempt_url"].is_null());
  const json first_jobs = body(get(run + "/attempts/1/jobs"));
  ASSERT_EQ(first_jobs["total_count"], 1);
  EXPECT_EQ(first_jobs["jobs"][0]["run_attempt"], 1);
  EXPECT_EQ(get(run + "/attempts/3")->status, 404);
  // Re-run one job of a completed run: attempt 3.
  ASSERT_EQ(post(run + "/cancel")->status, 202);
  ASSERT_TRUE(testing::wait_until([&] { return body(get(run))["status"] == "completed"; }, 10s, 20ms));
  const std::int64_t job = first_jobs["jobs"][0]["id"];
  r = post(kBase + "/jobs/" + std::to_string(job) + "/rerun");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201) << r->body;
  EXPECT_EQ(body(get(run))["run_attempt"], 3);
  EXPECT_EQ(body(get(run + "/jobs?filter=all"))["total_count"], 3);
  EXPECT_EQ(post(kBase + "/jobs/999999/rerun")->status, 404);
}

}  // namespace
}  // namespace failsim::fakes
