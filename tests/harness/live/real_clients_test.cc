// Real clients against `failsim serve`, end to end on loopback. Octokit (@octokit/rest,
// pinned in tests/package.json and installed with npm ci by scripts/install-deps.sh)
// runs a deploy tool's loop (runners, workflow by file, dispatch on a ref of its own,
// find the run by branch and event, paginate, cancel, re-run, the attempts) and Ajv
// checks every response against GitHub's OpenAPI description (@octokit/openapi). The
// world's state is checked after: the cancel cancelled, the re-run deployed on a runner.
// PyGithub (Debian's python3-github) runs a release script's loop the same way.
// The npm Toxiproxy client runs a game day on the control API (list, add, update by POST
// and PATCH, remove, disable, reset), the world's Prometheus checked after each step.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <string>

#include "tests/harness/process.h"
#include "tests/source_dir.h"

namespace failsim {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

using testing::kSource;

// In results.json of a serve run: `version` was requested once and cancelled, and once
// more (its re-run) deployed on a runner.
void expect_cancelled_then_deployed(json& results, const std::string& version) {
  json& deploys = results["scenarios"][0]["runs"][0]["deploys"];
  int cancelled = 0, deployed = 0;
  for (auto& d : deploys) {
    if (d["version"] != version) continue;
    cancelled += d["outcome"] == "cancelled" ? 1 : 0;
    deployed += d["outcome"] == "deployed" && !d["runner"].is_null() ? 1 : 0;
  }
  EXPECT_EQ(cancelled, 1) << deploys.dump();
  EXPECT_EQ(deployed, 1) << deploys.dump();
}

// `failsim serve` of a scenario (healthy-primary unless a subclass says) at 20x in DIR/out, and a node script
// of tests/js run against its endpoints.json: the script's last line, as JSON.
class RealClients : public ::testing::Test {
 protected:
  virtual bool tls() const { return false; }
  virtual std::string scenario() const { return "/scenarios/healthy-primary.json"; }
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kSource + "/tests/node_modules/@octokit/rest"))
        << "tests/node_modules is missing: scripts/install-deps.sh installs it with npm ci";
    std::filesystem::create_directories(dir_);
    serve_ = std::make_unique<testing::ChildProcess>(
        tls() ? std::vector<std::string>{FAILSIM_BINARY, "serve", kSource + scenario(), "--speed", "20",
                                         "--keep-running", "--seed", "4", "--tls", "--out", (dir_ / "out").string()}
              : std::vector<std::string>{FAILSIM_BINARY, "serve", kSource + scenario(), "--speed", "20",
                                         "--keep-running", "--seed", "4", "--out", (dir_ / "out").string()},
        (dir_ / "serve.log").string());
    ASSERT_TRUE(serve_->started());
    ASSERT_TRUE(testing::wait_until([&] { return std::filesystem::exists(dir_ / "out" / "endpoints.json"); }, 20s, 20ms))
        << testing::read_file((dir_ / "serve.log").string());
  }
  void TearDown() override {
    serve_.reset();
    std::filesystem::remove_all(dir_);
  }
  json node(const std::string& script, std::string& output) {
    const auto r = testing::run_command("cd '" + kSource + "/tests/js' && timeout 120 node " + script + " '" +
                                        (dir_ / "out" / "endpoints.json").string() + "' 2>&1");
    output = r.out;
    const auto last = r.out.rfind("\n{");
    json j = json::parse(r.out.substr(last == std::string::npos ? 0 : last + 1), nullptr, false);
    if (r.exit_code != 0 && j.is_object()) j["ok"] = false;
    return j;
  }
  // Stops serve (SIGINT) and returns its results.json.
  json stop_and_read_results() {
    serve_->interrupt();
    serve_->wait(20s);
    return json::parse(testing::read_file((dir_ / "out" / "results.json").string()), nullptr, false);
  }
  std::filesystem::path dir_ = std::filesystem::temp_directory_path() / ("failsim-clients-" + std::to_string(::getpid()));
  std::unique_ptr<testing::ChildProcess> serve_;
};

TEST_F(RealClients, OctokitDrivesTheFakeGitHubAndEveryResponseMatchesTheOpenApiDescription) {
  std::string out;
  json seen = node("octokit_flow.mjs", out);
  ASSERT_TRUE(seen.is_object()) << out;
  ASSERT_TRUE(seen["ok"].get<bool>()) << out;
  EXPECT_EQ(seen["seen"]["undeclared_inputs"], json::array({422, "Unexpected inputs provided: [\"version\"]"}))
      << "PAWS360's ci.yml declares no input (workflow_dispatch: {})";
  EXPECT_EQ(seen["seen"]["head_branch"], "octokit/test");
  EXPECT_EQ(seen["seen"]["author"], "failsim");
  EXPECT_EQ(seen["seen"]["cancelled_conclusion"], "cancelled");
  EXPECT_EQ(seen["seen"]["rerun_conclusion"], "success");
  EXPECT_FALSE(seen["seen"]["rerun_runner"].get<std::string>().empty());
  // The job's steps, filled as the deploy happened.
  EXPECT_EQ(seen["seen"]["rerun_steps"],
            json::array({"1 Set up job: success", "2 Deploy manual-1 (attempt 1): success", "3 Complete job: success"}))
      << "no version input: the deploy is named after the dispatch";
  EXPECT_GE(seen["checked"].size(), 17u) << "operations validated against the OpenAPI description";
  // The repository, the user, a run's usage and artifacts (PyGithub's get_repo, get_user).
  EXPECT_EQ(seen["seen"]["repository"], json({{"full_name", "rmnanney/PAWS360"}, {"default_branch", "master"}})) << "PAWS360's world: master";
  EXPECT_EQ(seen["seen"]["user"], "failsim");
  EXPECT_GT(seen["seen"]["run_duration_ms"].get<std::int64_t>(), 0) << "the run completed: its duration is known";
  EXPECT_EQ(seen["seen"]["run_artifacts"], 0);
  EXPECT_EQ(seen["seen"]["repo_artifacts"], 0);
  // In the world: the dispatched manual-1 was cancelled, then its re-run deployed it.
  json results = stop_and_read_results();
  ASSERT_TRUE(results.is_object());
  expect_cancelled_then_deployed(results, "manual-1");
}

// PyGithub (Debian's python3-github 1.55, run by Debian's /usr/bin/python3) does what a
// release script does: repository, user, runners, workflow by file, a dispatch with an
// undeclared input (refused as GitHub refuses it), a dispatch, the run by branch and
// event, cancel, re-run, timing, artifacts, the rate limit. The world deploys the re-run.
TEST_F(RealClients, PyGithubDispatchesCancelsAndRerunsAndTheWorldDeploys) {
  ASSERT_EQ(testing::run_command("/usr/bin/python3 -c 'import github'").exit_code, 0)
      << "python3-github is missing: scripts/install-deps.sh installs it";
  const auto r = testing::run_command("timeout 120 /usr/bin/python3 '" + kSource + "/tests/python/pygithub_flow.py' '" +
                                      (dir_ / "out" / "endpoints.json").string() + "' 2>&1");
  const auto last = r.out.rfind("\n{");
  json flow = json::parse(r.out.substr(last == std::string::npos ? 0 : last + 1), nullptr, false);
  ASSERT_TRUE(flow.is_object()) << r.out;
  ASSERT_TRUE(flow["ok"].get<bool>()) << r.out;
  json& seen = flow["seen"];  // not const: a missing key reads as null and fails, never aborts
  EXPECT_EQ(seen["full_name"], "rmnanney/PAWS360");
  EXPECT_EQ(seen["default_branch"], "master");
  EXPECT_EQ(seen["user"], "failsim");
  EXPECT_EQ(seen["runners"], json::array({"Serotonin-paws360", "dell-r640-01-runner"}));
  EXPECT_EQ(seen["workflows"], json::array({".github/workflows/ci.yml"}));
  EXPECT_EQ(seen["dispatch_with_test_id"], false);
  EXPECT_EQ(seen["undeclared_inputs"], json::array({422, "Unexpected inputs provided: [\"test_id\"]"}))
      << "what PAWS360's own test scripts would meet (as-built: ci.yml has no inputs)";
  EXPECT_EQ(seen["dispatched"], true) << "204";
  EXPECT_EQ(seen["head_branch"], "pygithub/test");
  EXPECT_EQ(seen["event"], "workflow_dispatch");
  EXPECT_EQ(seen["cancel"], true) << "202";
  EXPECT_EQ(seen["cancelled_conclusion"], "cancelled");
  EXPECT_EQ(seen["rerun"], true) << "201";
  EXPECT_EQ(seen["rerun_conclusion"], "success");
  EXPECT_FALSE(seen["rerun_runner"].get<std::string>().empty());
  EXPECT_GT(seen["run_duration_ms"].get<std::int64_t>(), 0);
  EXPECT_EQ(seen["repo_artifacts"], 0);
  EXPECT_GT(seen["rate_limit_remaining"].get<std::int64_t>(), 0);
  json results = stop_and_read_results();
  ASSERT_TRUE(results.is_object());
  expect_cancelled_then_deployed(results, "manual-1");
}

// Northwind's deploy workflow has two jobs: build (on the builder, about 3 minutes)
// and deploy (needs: build, on a deploy runner). Through Octokit the run is in progress
// while build runs, deploy starts only after build completed, and the run completes
// (success) only with its last job.
class RealClientsMultiJob : public RealClients {
 protected:
  std::string scenario() const override { return "/scenarios/northwind/healthy-primary.json"; }
};

TEST_F(RealClientsMultiJob, OctokitSeesTheRunInProgressWhileItsBuildJobRunsAndDeployWaitForIt) {
  std::string out;
  json seen = node("octokit_multijob.mjs", out);
  ASSERT_TRUE(seen.is_object()) << out;
  ASSERT_TRUE(seen["ok"].get<bool>()) << out;
  json& states = seen["seen"]["states"];
  auto saw = [&states](const std::string& s) { return std::find(states.begin(), states.end(), s) != states.end(); };
  EXPECT_TRUE(saw("run=in_progress build=in_progress deploy=absent") || saw("run=in_progress build=in_progress deploy=queued"))
      << states.dump();
  EXPECT_EQ(states.back(), "run=success build=success deploy=success") << states.dump();
  for (auto& s : states) {  // the run never completes before its deploy job
    const std::string state = s.get<std::string>();
    if (state.rfind("run=success", 0) == 0) {
      EXPECT_NE(state.find("deploy=success"), std::string::npos) << state;
    }
  }
  json& jobs = seen["seen"]["jobs"];
  ASSERT_EQ(jobs.size(), 2u) << jobs.dump();
  EXPECT_EQ(jobs[0]["name"], "build");
  EXPECT_EQ(jobs[0]["runner_name"], "builder");
  EXPECT_EQ(jobs[1]["name"], "deploy");
  EXPECT_EQ(jobs[1]["runner_name"].get<std::string>().rfind("deploy-", 0), 0u) << jobs.dump();
  // RFC 3339 UTC timestamps of one format compare as strings.
  EXPECT_GE(jobs[1]["started_at"].get<std::string>(), jobs[0]["completed_at"].get<std::string>()) << jobs.dump();
  EXPECT_EQ(seen["seen"]["run"]["head_branch"], "release/2.8");
  // In the world: 2.8.0 deployed.
  json results = stop_and_read_results();
  ASSERT_TRUE(results.is_object());
  json& deploys = results["scenarios"][0]["runs"][0]["deploys"];
  bool landed = false;
  for (auto& d : deploys) landed = landed || (d["version"] == "2.8.0" && d["outcome"] == "deployed");
  EXPECT_TRUE(landed) << deploys.dump();
}

TEST_F(RealClients, TheToxiproxyClientRunsAGameDayAndTheModelFollows) {
  std::string out;
  json r = node("toxiproxy_flow.mjs", out);
  ASSERT_TRUE(r.is_object()) << out;
  ASSERT_TRUE(r["ok"].get<bool>()) << out;
  json& seen = r["seen"];
  EXPECT_EQ(seen["proxies"], json::array({"alertmanager", "exporter-Serotonin-paws360", "exporter-dell-r640-01-runner", "github", "prometheus"}));
  EXPECT_TRUE(seen["down_with_blackhole"].get<bool>());
  EXPECT_EQ(seen["updated_latency"], 250);
  EXPECT_EQ(seen["patch_status"], 200);
  EXPECT_EQ(seen["patched_latency"], 300);
  EXPECT_EQ(seen["toxics_after_remove"], 0) << "no toxic of failsim's own left behind";
  EXPECT_TRUE(seen["up_after_remove"].get<bool>());
  EXPECT_EQ(seen["exporter_while_disabled"], "no answer");
  EXPECT_TRUE(seen["down_while_disabled"].get<bool>());
  EXPECT_TRUE(seen["enabled_after_reset"].get<bool>());
  EXPECT_EQ(seen["exporter_after_reset"], 200);
  EXPECT_TRUE(seen["up_after_reset"].get<bool>());
}

// Debian's `gh` speaks HTTPS with the /api/v3 prefix to any host but github.com: against
// `failsim serve --tls`, trusting the generated certificate (SSL_CERT_FILE), it lists the
// runners, dispatches a workflow on a ref of its own, lists runs, cancels, re-runs the
// failed jobs; the re-run then deploys in the world.
class RealClientsTls : public RealClients {
 protected:
  bool tls() const override { return true; }
};

TEST_F(RealClientsTls, TheGitHubCliDispatchesCancelsAndRerunsOverHttps) {
  json ep = json::parse(testing::read_file((dir_ / "out" / "endpoints.json").string()));
  const std::string api = ep["endpoints"]["github"];
  ASSERT_EQ(api.rfind("https://", 0), 0u) << api;
  const std::string host = api.substr(8, api.find('/', 8) - 8);
  const std::string repo = " -R " + host + "/rmnanney/PAWS360";
  const std::string env = "GH_HOST=" + host + " GH_ENTERPRISE_TOKEN=\"$(cat '" + ep["token_file"].get<std::string>() +
                          "')\" SSL_CERT_FILE='" + ep["tls_cert"].get<std::string>() + "' GH_CONFIG_DIR='" +
                          (dir_ / "gh").string() + "' GH_NO_UPDATE_NOTIFIER=1 GH_PROMPT_DISABLED=1 NO_COLOR=1 ";
  auto gh = [&](const std::string& args) { return testing::run_command(env + "timeout 30 gh " + args + " 2>&1"); };
  auto runners = gh("api repos/rmnanney/PAWS360/actions/runners --jq '.runners | length'");
  ASSERT_EQ(runners.exit_code, 0) << runners.out;
  EXPECT_EQ(runners.out, "2\n");
  // The health-gated policy gates before dispatching: wait until Prometheus has scraped
  // both runners, or the gate rightly finds no one healthy and no run is created.
  const std::string prometheus = ep["endpoints"]["prometheus"];
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto q = testing::run_command("curl -s -m 2 '" + prometheus + "/api/v1/query?query=sum%28up%29'");
        json j = json::parse(q.out, nullptr, false);
        return j.is_object() && j["data"]["result"].size() == 1 && j["data"]["result"][0]["value"][1] == "2";
      },
      20s, 50ms));
  // PAWS360's ci.yml declares no input: gh reports GitHub's refusal, then runs it plainly.
  auto refused = gh("workflow run ci.yml" + repo + " --ref hotfix/gh -f version=v8.8.8");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.out.find("HTTP 422: Unexpected inputs provided: [\"version\"]"), std::string::npos) << refused.out;
  auto run = gh("workflow run ci.yml" + repo + " --ref hotfix/gh");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  std::string id;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto list = gh("run list" + repo + " --json databaseId,headBranch --jq '.[] | select(.headBranch == \"hotfix/gh\") | .databaseId'");
        id = list.exit_code == 0 ? list.out.substr(0, list.out.find('\n')) : "";
        return !id.empty();
      },
      30s, 200ms));
  auto cancel = gh("run cancel " + id + repo);
  ASSERT_EQ(cancel.exit_code, 0) << cancel.out;
  ASSERT_TRUE(testing::wait_until([&] { return gh("run view " + id + repo + " --json conclusion --jq .conclusion").out == "cancelled\n"; },
                                  30s, 200ms));
  auto rerun = gh("run rerun " + id + " --failed" + repo);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.out;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto r = gh("api repos/rmnanney/PAWS360/actions/runs/" + id + " --jq '\"\\(.run_attempt) \\(.status) \\(.conclusion)\"'");
        return r.out == "2 completed success\n";
      },
      60s, 250ms));
  // In the world: manual-1 was cancelled, then its re-run deployed it on a runner.
  json results = stop_and_read_results();
  ASSERT_TRUE(results.is_object());
  expect_cancelled_then_deployed(results, "manual-1");
}

}  // namespace
}  // namespace failsim
