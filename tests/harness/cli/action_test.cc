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
#include <vector>

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

// docs/ci.md's and each example workflow's `with:` blocks exactly as written (only a
// seed count above 40 is scaled down to 40, to keep the test short: the with blocks'
// inputs, globs and shard arithmetic are what is tested, not the seed count), through the
// action's steps, in a workspace laid out as the examples say: the scenarios in
// failsim/scenarios (this repository's), a baseline at failsim/baseline/results.json;
// the nightly matrix's shards 1 to 4, their artifacts downloaded into shards/, then its
// merge. `scenarios: failsim/scenarios/*.json` used to reach failsim unexpanded
// ("File does not exist"); the merged result must be the unsharded run's, byte for byte.
TEST_F(ActionTest, TheDocumentedWithBlocksRunAsWritten) {
  fs::create_directories(dir / "failsim");
  fs::create_directory_symlink(src + "/scenarios", dir / "failsim" / "scenarios");
  fs::create_directory_symlink(src + "/worlds", dir / "failsim" / "worlds");  // the scenarios' ../worlds/
  const auto base = testing::run_command("cd '" + dir.string() + "' && '" FAILSIM_BINARY
                                         "' run failsim/scenarios/*.json --seeds 40 --out failsim/baseline 2>&1");
  ASSERT_LE(base.exit_code, 1) << base.out;
  const auto listed = testing::run_command("cd '" + src + "' && python3 tests/harness/run_action.py withs docs/ci.md examples/workflows/*.yml");
  const json blocks = json::parse(listed.out, nullptr, false);
  ASSERT_TRUE(blocks.is_array()) << listed.out;
  ASSERT_EQ(blocks.size(), 4u) << blocks.dump(2);
  long scenarios = 0;  // scenarios/*.json, each run under its own policy
  for (const auto& e : fs::directory_iterator(src + "/scenarios")) scenarios += e.path().extension() == ".json" ? 1 : 0;
  auto replace_all = [](std::string text, const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
    return text;
  };
  std::vector<json> merges;
  int ran = 0;
  for (const auto& block : blocks) {
    json with = block["with"];
    SCOPED_TRACE(block["where"].get<std::string>());
    if (with.contains("seeds") && std::stol(with["seeds"].get<std::string>()) > 40) with["seeds"] = "40";
    if (with.contains("merge-from")) {
      merges.push_back(with);
      continue;
    }
    const bool matrix = with.dump().find("${{ matrix.shard }}") != std::string::npos;
    for (int k = 1; k <= (matrix ? 4 : 1); ++k) {
      json inputs = json::object();
      for (const auto& [key, value] : with.items()) inputs[key] = replace_all(value.get<std::string>(), "${{ matrix.shard }}", std::to_string(k));
      const json report = run_action(inputs);
      ASSERT_TRUE(report.is_object());
      ++ran;
      const std::string stdout_text = report["stdout"];
      EXPECT_EQ(stdout_text.find("does not exist"), std::string::npos) << stdout_text;
      EXPECT_EQ(stdout_text.find("::error title=failsim::input"), std::string::npos) << stdout_text;
      const long seeds = std::stol(inputs["seeds"].get<std::string>());
      EXPECT_EQ(report["outputs"]["runs"], std::to_string(matrix ? scenarios * seeds / 4 : scenarios * seeds)) << stdout_text;
      const fs::path out = dir / inputs.value("out", std::string("failsim-out"));
      EXPECT_TRUE(fs::exists(out / "results.json"));
      if (inputs.contains("baseline")) {
        EXPECT_TRUE(fs::exists(out / "compare.md")) << stdout_text;
      }
      if (matrix) {  // actions/download-artifact into shards/
        fs::create_directories(dir / "shards");
        fs::copy(out, dir / "shards" / out.filename(), fs::copy_options::recursive);
      }
    }
  }
  ASSERT_EQ(merges.size(), 1u);
  const json merged = run_action(merges[0]);
  ASSERT_TRUE(merged.is_object());
  EXPECT_EQ(merged["outputs"]["runs"], std::to_string(scenarios * 40)) << merged["stdout"];
  EXPECT_EQ(testing::read_file((dir / merges[0]["out"].get<std::string>() / "results.json").string()),
            testing::read_file((dir / "failsim" / "baseline" / "results.json").string()));
  EXPECT_EQ(ran, 6) << "docs/ci.md's block, four shards, the pull request's block";
}

// A glob that matches nothing, or a one-file input given two, is an error naming the
// input, before failsim runs.
TEST_F(ActionTest, AGlobThatMatchesNothingIsAnErrorNamingTheInput) {
  const json none = run_action({{"scenarios", "nowhere/*.json"}, {"out", (dir / "none").string()}});
  ASSERT_TRUE(none.is_object());
  EXPECT_TRUE(none["failed"].get<bool>());
  EXPECT_NE(none["stdout"].get<std::string>().find("::error title=failsim::input scenarios: nowhere/*.json matches no file"),
            std::string::npos) << none["stdout"];
  const json two = run_action({{"scenarios", scenario("failover")}, {"baseline", src + "/scenarios/*.json"}, {"out", (dir / "two").string()}});
  ASSERT_TRUE(two.is_object());
  EXPECT_TRUE(two["failed"].get<bool>());
  EXPECT_NE(two["stdout"].get<std::string>().find("::error title=failsim::input baseline takes one file"), std::string::npos)
      << two["stdout"];
  EXPECT_FALSE(fs::exists(dir / "two" / "results.json")) << "failsim must not have run";
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
