// The run path loads each document once (issue 34): `failsim run` with two policies, a
// variants file and a sweep (8 rows, each scenario and policy parsed per variant) reads
// every file it uses from disk exactly once, and the plan lists them as its inputs: the
// output check and the secret redaction load nothing again.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <unistd.h>

#include "harness/inputs/text_file.h"
#include "harness/runs/run_command.h"
#include "harness/runs/suite_plan.h"
#include "tests/source_dir.h"

namespace failsim::harness {
namespace {

namespace fs = std::filesystem;

class SuitePlanTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::remove_all(dir);
    fs::create_directories(dir);
    // A copy of the shipped scenarios and worlds: paths no other test reads.
    for (const char* sub : {"scenarios", "worlds"}) fs::copy(fs::path(FAILSIM_SOURCE_DIR) / sub, dir / sub, fs::copy_options::recursive);
    std::ofstream(dir / "variants.json") << R"({"variants": [
      {"name": "as-is"},
      {"name": "slow-alerts", "set": {"rules.*.for": "5m"}}]})";
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string at(const std::string& sub) const { return (dir / sub).string(); }

  RunCommandOptions options() const {
    RunCommandOptions o;
    o.suite.scenario_paths = {at("scenarios/serotonin-exporter-partition.json")};
    o.suite.policy_paths = {at("scenarios/policies/paws360-as-built.json"), at("scenarios/policies/health-gated-failover.json")};
    o.suite.seeds = 2;
    o.suite.jobs = 2;
    o.suite.out_dir = at("out");
    o.suite.slo_path = at("scenarios/slos/success-criteria.json");
    o.variants_file = at("variants.json");
    o.sweep_args = {"prometheus.scrape_interval=15s,30s"};
    return o;
  }

  const fs::path dir = fs::temp_directory_path() / ("failsim-suite-plan-" + std::to_string(::getpid()));
};

TEST_F(SuitePlanTest, FailsimRunReadsEveryDocumentOnce) {
  const std::vector<std::string> documents = {
      at("scenarios/serotonin-exporter-partition.json"), at("worlds/paws360.json"),
      at("scenarios/policies/paws360-as-built.json"),     at("scenarios/policies/health-gated-failover.json"),
      at("scenarios/slos/success-criteria.json"),        at("variants.json")};
  for (const auto& d : documents) ASSERT_EQ(input_reads(d), 0u) << d;
  std::ostringstream out, err;
  const int code = run_command(options(), out, err);
  ASSERT_LE(code, 1) << err.str();
  // 2 variants x 2 sweep points x 2 policies.
  EXPECT_NE(out.str().find("16 runs"), std::string::npos) << out.str();
  for (const auto& d : documents) EXPECT_EQ(input_reads(d), 1u) << d << " was read " << input_reads(d) << " times";
  // And no file under the copy (rule files, the JSON beside the scenario) more than once.
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().string().find("/out/") == std::string::npos) {
      EXPECT_LE(input_reads(entry.path().string()), 1u) << entry.path();
    }
  }
}

TEST_F(SuitePlanTest, ThePlanListsWhatItReadAndTheRowsItWillRun) {
  SuiteOptions o = options().suite;
  o.sweeps = {{"prometheus.scrape_interval", {"15s", "30s"}}};
  auto plan = plan_suite(o);
  ASSERT_TRUE(plan) << plan.error();
  const SuitePlan& p = plan.value();
  EXPECT_EQ(p.rows.size(), 4u);  // one variant (no variants file here) x 2 points x 2 policies
  EXPECT_EQ(p.seeds, 2u);
  auto has = [&p](const std::string& path) {
    return std::any_of(p.inputs.begin(), p.inputs.end(), [&](const std::string& i) { return fs::equivalent(i, path); });
  };
  EXPECT_TRUE(has(at("worlds/paws360.json")));
  EXPECT_TRUE(has(at("scenarios/policies/health-gated-failover.json")));
  EXPECT_TRUE(has(at("scenarios/slos/success-criteria.json")));
  // The rows: the sweep's points are distinct variants with their own overrides.
  EXPECT_EQ(p.variants.size(), 2u);
  EXPECT_EQ(p.variants[0].label, "prometheus.scrape_interval=15s");
  EXPECT_EQ(p.policy_of(p.rows[1]).name, "health-gated-failover");
}

// The JSON files beside the scenarios and policies are looked at for names, not read as
// the run's inputs: a trace written among them by one replay is overwritten by the next
// (it used to be refused as "one of the run's inputs").
TEST_F(SuitePlanTest, AReplayOverwritesItsTraceBesideTheScenarioAndPolicies) {
  ReplayCommandOptions o;
  o.scenario = at("scenarios/serotonin-exporter-partition.json");
  o.trace = at("scenarios/policies/trace.json");
  o.seed = 1;
  for (int round = 0; round < 2; ++round) {
    std::ostringstream out, err;
    EXPECT_EQ(replay_command(o, out, err), 0) << "round " << round << ": " << err.str();
  }
  SuiteOptions s = options().suite;
  auto plan = plan_suite(s);
  ASSERT_TRUE(plan) << plan.error();
  for (const auto& input : plan.value().inputs) EXPECT_EQ(input.find("trace.json"), std::string::npos) << input;
}

}  // namespace
}  // namespace failsim::harness
