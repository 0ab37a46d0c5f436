// The GitHub Action (action.yml) run the way the Actions runner runs a composite action
// (tests/harness/run_action.py: each `run:` step in order under bash -eo pipefail, with
// GITHUB_OUTPUT, GITHUB_STEP_SUMMARY and GITHUB_ENV files, the cache step emulated warm),
// and the example workflows linted offline: the summary, the outputs and the annotations
// a red and a green suite produce.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "tests/harness/cli_fixture.h"

namespace failsim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ActionTest : public testing::CliTest {
 protected:
  ActionTest() : CliTest("action") {}
  void SetUp() override {
    CliTest::SetUp();
    // A warm cache: the build step is skipped, as on every run after the first.
    fs::create_directories(dir / "runner-temp" / "failsim-bin");
    fs::copy_file(FAILSIM_BINARY, dir / "runner-temp" / "failsim-bin" / "failsim");
  }
  json run_action(const json& inputs) {
    const auto r = testing::run_command("python3 '" + src + "/tests/harness/run_action.py' run '" + src + "' '" + inputs.dump() +
                                        "' '" + dir.string() + "' 2>&1");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    return json::parse(r.out, nullptr, false);
  }
  std::string scenario(const std::string& name) const { return src + "/scenarios/" + name + ".json"; }
};

// The 1-based line of the first `needle` in `file`.
int line_of(const std::string& file, const std::string& needle) {
  const std::string text = testing::read_file(file);
  const auto pos = text.find(needle);
  return pos == std::string::npos ? 0 : 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n'));
}

TEST_F(ActionTest, ARedSuiteWritesTheSummaryOutputsAndAnAnnotationOnTheExpectationsLine) {
  const json report = run_action({{"scenarios", scenario("serotonin-exporter-partition") + "\n" + scenario("failover")},
                                  {"set", "rules.RunnerScrapeDown.for=5m\nrules.RunnerUnavailable.for=5m"},
                                  {"seeds", "10"},
                                  {"out", (dir / "out").string()}});
  ASSERT_TRUE(report.is_object());
  // Install, key, cache (hit), build (skipped), run (exit 1: the suite is red).
  ASSERT_EQ(report["steps"].size(), 5u) << report.dump(2);
  EXPECT_EQ(report["steps"][2]["ran"], true);
  EXPECT_EQ(report["steps"][3]["ran"], false) << "the warm cache skips the build";
  EXPECT_EQ(report["steps"][4]["exit_code"], 1) << report["stdout"];
  EXPECT_TRUE(report["failed"].get<bool>());
  const json& out = report["outputs"];
  EXPECT_EQ(out["passed"], "false");
  EXPECT_EQ(out["runs"], "20");
  EXPECT_EQ(out["failed-rows"], "1");
  EXPECT_EQ(out["results-json"], (dir / "out" / "results.json").string());
  EXPECT_TRUE(fs::exists(out["report-html"].get<std::string>()));
  EXPECT_FALSE(out["detection-p95-seconds"].get<std::string>().empty());
  // The step summary is summary.md as written.
  const std::string summary = report["summary"];
  EXPECT_EQ(summary, testing::read_file((dir / "out" / "summary.md").string()) + "\n");
  EXPECT_NE(summary.find("## Broken expectations"), std::string::npos);
  // One error annotation on the line of detection_within in the scenario file, with the
  // seeds and the reproduce command; the summary is a collapsed group.
  const std::string stdout_text = report["stdout"];
  const std::string file = scenario("serotonin-exporter-partition");
  const std::string expected = "::error file=" + file + ",line=" + std::to_string(line_of(file, "\"detection_within\"")) +
                               ",title=failsim%3A serotonin-exporter-partition under health-gated-failover::"
                               "detection_within 5m: 10/10 seeds failed (seeds 1, 2, 3, 4, 5, …)%0Areproduce: failsim replay ";
  EXPECT_NE(stdout_text.find(expected), std::string::npos) << stdout_text;
  EXPECT_NE(stdout_text.find("::group::failsim summary"), std::string::npos);
  EXPECT_NE(stdout_text.find("::endgroup::"), std::string::npos);
  EXPECT_EQ(stdout_text.find("::error file=" + scenario("failover")), std::string::npos) << "the failover row passed";
  // A missed SLO is a finding: a warning and slos-met=false, never an error beside passed=true.
  EXPECT_EQ(out["slos-met"], "false");
  EXPECT_NE(stdout_text.find("::warning file=" + file), std::string::npos) << stdout_text;
  EXPECT_EQ(stdout_text.find("::error file=" + file + ",line=" + std::to_string(line_of(file, "\"slo_file\""))),
            std::string::npos) << stdout_text;
}

TEST_F(ActionTest, AGreenSuitePassesWithHeadlineOutputsAndNoAnnotations) {
  const json report = run_action({{"scenarios", scenario("failover")}, {"seeds", "5"}, {"out", (dir / "green").string()}});
  ASSERT_TRUE(report.is_object());
  EXPECT_FALSE(report["failed"].get<bool>()) << report["stdout"];
  EXPECT_EQ(report["outputs"]["passed"], "true");
  EXPECT_EQ(report["outputs"]["slos-met"], "true");
  EXPECT_EQ(report["outputs"]["deploy-success"], "1");
  EXPECT_EQ(report["stdout"].get<std::string>().find("::error"), std::string::npos);
}

// The nightly example's shape: two matrix jobs each run a shard, a last one merges them
// with merge-from; the merged results.json is the unsharded run's.
TEST_F(ActionTest, ShardsRunAndMergeThroughTheAction) {
  for (const std::string k : {"1", "2"}) {
    const json shard = run_action({{"scenarios", scenario("failover")}, {"seeds", "6"}, {"shard", k + "/2"},
                                   {"out", (dir / ("shard-" + k)).string()}});
    ASSERT_TRUE(shard.is_object());
    EXPECT_FALSE(shard["failed"].get<bool>()) << shard["stdout"];
    EXPECT_EQ(shard["outputs"]["runs"], "3");
  }
  const json merged = run_action({{"scenarios", scenario("failover")}, {"merge-from", (dir / "shard-*").string()},
                                  {"out", (dir / "merged").string()}});
  ASSERT_TRUE(merged.is_object());
  EXPECT_FALSE(merged["failed"].get<bool>()) << merged["stdout"];
  EXPECT_EQ(merged["outputs"]["runs"], "6");
  EXPECT_EQ(merged["outputs"]["passed"], "true");
  const auto full = testing::run_command("'" FAILSIM_BINARY "' run '" + scenario("failover") + "' --seeds 6 --out '" + (dir / "full").string() + "' 2>&1");
  ASSERT_EQ(full.exit_code, 0) << full.out;
  EXPECT_EQ(testing::read_file((dir / "merged" / "results.json").string()), testing::read_file((dir / "full" / "results.json").string()));
}

TEST_F(ActionTest, TheExampleWorkflowsPassTheOfflineLintAndABadOneDoesNot) {
  const auto good = testing::run_command("cd '" + src + "' && python3 tests/harness/run_action.py lint . examples/workflows/*.yml 2>&1");
  EXPECT_EQ(good.exit_code, 0) << good.out;
  EXPECT_EQ(good.out, "");
  const std::string bad = (dir / "bad.yml").string();
  std::ofstream(bad) << "on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n"
                        "      - uses: actions/checkout@v4\n      - uses: ./\n        with:\n          seed: '5'\n";
  const auto r = testing::run_command("cd '" + src + "' && python3 tests/harness/run_action.py lint . '" + bad + "' 2>&1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("uses actions/checkout@v4: pin it to a full commit SHA"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("input seed is not declared in action.yml"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("required input scenarios is missing"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace failsim
