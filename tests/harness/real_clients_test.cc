// Real clients against `failsim serve`, end to end on loopback: Octokit (@octokit/rest,
// pinned in tests/package.json and installed with npm ci by scripts/install-deps.sh)
// runs a deploy tool's loop (runners, workflow by file, dispatch on a ref of its own,
// find the run by branch and event, paginate, cancel, re-run, the attempts) and Ajv
// checks every response against GitHub's OpenAPI description (@octokit/openapi). The
// world's state is checked after: the cancel cancelled, the re-run deployed on a runner.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>

#include "tests/harness/process.h"

namespace failsim {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kSource = FAILSIM_SOURCE_DIR;

TEST(RealClients, OctokitDrivesTheFakeGitHubAndEveryResponseMatchesTheOpenApiDescription) {
  ASSERT_TRUE(std::filesystem::exists(kSource + "/tests/node_modules/@octokit/rest"))
      << "tests/node_modules is missing: scripts/install-deps.sh installs it with npm ci";
  const auto dir = std::filesystem::temp_directory_path() / ("failsim-clients-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  testing::ChildProcess serve({FAILSIM_BINARY, "serve", kSource + "/scenarios/healthy-primary.json", "--speed", "20", "--keep-running",
                               "--seed", "4", "--out", (dir / "out").string()},
                              (dir / "serve.log").string());
  ASSERT_TRUE(serve.started());
  ASSERT_TRUE(testing::wait_until([&] { return std::filesystem::exists(dir / "out" / "endpoints.json"); }, 20s, 20ms))
      << testing::read_file((dir / "serve.log").string());
  const auto flow = testing::run_command("cd '" + kSource + "/tests/js' && timeout 120 node octokit_flow.mjs '" +
                                         (dir / "out" / "endpoints.json").string() + "' 2>&1");
  const json seen = json::parse(flow.out.substr(flow.out.rfind("\n{") == std::string::npos ? 0 : flow.out.rfind("\n{") + 1),
                                nullptr, false);
  ASSERT_EQ(flow.exit_code, 0) << flow.out;
  ASSERT_TRUE(seen.is_object()) << flow.out;
  EXPECT_TRUE(seen["ok"].get<bool>()) << flow.out;
  EXPECT_EQ(seen["seen"]["head_branch"], "octokit/test");
  EXPECT_EQ(seen["seen"]["author"], "failsim");
  EXPECT_EQ(seen["seen"]["cancelled_conclusion"], "cancelled");
  EXPECT_EQ(seen["seen"]["rerun_conclusion"], "success");
  EXPECT_FALSE(seen["seen"]["rerun_runner"].get<std::string>().empty());
  EXPECT_GE(seen["checked"].size(), 12u) << "operations validated against the OpenAPI description";
  serve.interrupt();
  serve.wait(20s);
  // In the world: the dispatched v7.7.7 was cancelled, then its re-run deployed it.
  const json results = json::parse(testing::read_file((dir / "out" / "results.json").string()));
  int cancelled = 0, deployed = 0;
  for (const auto& d : results["scenarios"][0]["runs"][0]["deploys"]) {
    if (d["version"] != "v7.7.7") continue;
    cancelled += d["outcome"] == "cancelled" ? 1 : 0;
    deployed += d["outcome"] == "deployed" && !d["runner"].is_null() ? 1 : 0;
  }
  EXPECT_EQ(cancelled, 1) << results["scenarios"][0]["runs"][0]["deploys"].dump();
  EXPECT_EQ(deployed, 1) << results["scenarios"][0]["runs"][0]["deploys"].dump();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace failsim
