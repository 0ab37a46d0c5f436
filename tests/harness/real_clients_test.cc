// Real clients against `failsim serve`, end to end on loopback. Octokit (@octokit/rest,
// pinned in tests/package.json and installed with npm ci by scripts/install-deps.sh)
// runs a deploy tool's loop (runners, workflow by file, dispatch on a ref of its own,
// find the run by branch and event, paginate, cancel, re-run, the attempts) and Ajv
// checks every response against GitHub's OpenAPI description (@octokit/openapi). The
// world's state is checked after: the cancel cancelled, the re-run deployed on a runner.
// The npm Toxiproxy client runs a game day on the control API (list, add, update by POST
// and PATCH, remove, disable, reset), the world's Prometheus checked after each step.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <string>

#include "tests/harness/process.h"

namespace failsim {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kSource = FAILSIM_SOURCE_DIR;

// `failsim serve` of the healthy-primary scenario at 20x in DIR/out, and a node script
// of tests/js run against its endpoints.json: the script's last line, as JSON.
class RealClients : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kSource + "/tests/node_modules/@octokit/rest"))
        << "tests/node_modules is missing: scripts/install-deps.sh installs it with npm ci";
    std::filesystem::create_directories(dir_);
    serve_ = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{FAILSIM_BINARY, "serve", kSource + "/scenarios/healthy-primary.json", "--speed", "20",
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
  const json seen = node("octokit_flow.mjs", out);
  ASSERT_TRUE(seen.is_object()) << out;
  ASSERT_TRUE(seen["ok"].get<bool>()) << out;
  EXPECT_EQ(seen["seen"]["head_branch"], "octokit/test");
  EXPECT_EQ(seen["seen"]["author"], "failsim");
  EXPECT_EQ(seen["seen"]["cancelled_conclusion"], "cancelled");
  EXPECT_EQ(seen["seen"]["rerun_conclusion"], "success");
  EXPECT_FALSE(seen["seen"]["rerun_runner"].get<std::string>().empty());
  // The job's steps, filled as the deploy happened.
  EXPECT_EQ(seen["seen"]["rerun_steps"],
            json::array({"1 Set up job: success", "2 Deploy v7.7.7 (attempt 1): success", "3 Complete job: success"}));
  EXPECT_GE(seen["checked"].size(), 12u) << "operations validated against the OpenAPI description";
  // In the world: the dispatched v7.7.7 was cancelled, then its re-run deployed it.
  const json results = stop_and_read_results();
  ASSERT_TRUE(results.is_object());
  int cancelled = 0, deployed = 0;
  for (const auto& d : results["scenarios"][0]["runs"][0]["deploys"]) {
    if (d["version"] != "v7.7.7") continue;
    cancelled += d["outcome"] == "cancelled" ? 1 : 0;
    deployed += d["outcome"] == "deployed" && !d["runner"].is_null() ? 1 : 0;
  }
  EXPECT_EQ(cancelled, 1) << results["scenarios"][0]["runs"][0]["deploys"].dump();
  EXPECT_EQ(deployed, 1) << results["scenarios"][0]["runs"][0]["deploys"].dump();
}

TEST_F(RealClients, TheToxiproxyClientRunsAGameDayAndTheModelFollows) {
  std::string out;
  const json r = node("toxiproxy_flow.mjs", out);
  ASSERT_TRUE(r.is_object()) << out;
  ASSERT_TRUE(r["ok"].get<bool>()) << out;
  const json& seen = r["seen"];
  EXPECT_EQ(seen["proxies"], json::array({"exporter-Serotonin-paws360", "exporter-dell-r640-01-runner", "github", "prometheus"}));
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

}  // namespace
}  // namespace failsim
