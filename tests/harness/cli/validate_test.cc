// `failsim validate` catches every dangling or impossible reference before anything
// runs (issue: world files, item 4): one test per mistake a new user made, each
// asserting exit 2 and a message that names the file, the JSON pointer and the valid
// choices. Each case edits a shipped file in a temporary copy of the tree.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/harness/process.h"

namespace failsim {
namespace {

namespace fs = std::filesystem;

class Validate : public ::testing::Test {
 protected:
  fs::path root = fs::temp_directory_path() / ("failsim-validate-" + std::to_string(::getpid()));
  void SetUp() override {
    fs::remove_all(root);
    fs::create_directories(root);
    // A copy of the tree's data: worlds/ and scenarios/, so relative references hold.
    for (const char* dir : {"worlds", "scenarios"}) {
      fs::copy(fs::path(FAILSIM_SOURCE_DIR) / dir, root / dir, fs::copy_options::recursive);
    }
  }
  void TearDown() override { fs::remove_all(root); }

  // Replaces `from` by `to` in the copy of `file` (relative to root).
  void edit(const std::string& file, const std::string& from, const std::string& to) {
    std::string text = testing::read_file((root / file).string());
    const auto pos = text.find(from);
    ASSERT_NE(pos, std::string::npos) << from << " not in " << file;
    text.replace(pos, from.size(), to);
    std::ofstream(root / file) << text;
  }
  testing::CommandResult failsim(const std::string& args) {
    return testing::run_command("cd '" + root.string() + "' && '" FAILSIM_BINARY "' " + args + " 2>&1");
  }
  // Expects exit 2 and every fragment in the output.
  void expect_rejected(const std::string& args, std::initializer_list<std::string> fragments) {
    const auto r = failsim(args);
    EXPECT_EQ(r.exit_code, 2) << r.out;
    for (const auto& f : fragments) EXPECT_NE(r.out.find(f), std::string::npos) << "missing: " << f << "\nin: " << r.out;
  }
};

TEST_F(Validate, TheShippedFilesAreValid) {
  const auto r = failsim(
      "validate worlds/paws360.json worlds/northwind.json scenarios/failover.json scenarios/northwind/failover.json");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("worlds/northwind.json: ok (world; UNCONFIRMED timings: queue_ttl_conclusion=failure"), std::string::npos)
      << r.out;
}

TEST_F(Validate, AMissingPolicyFileSaysTheResolvedPathAndWhoNamedIt) {
  edit("scenarios/failover.json", "policies/health-gated-failover.json", "policies/health-gated.json");
  expect_rejected("validate scenarios/failover.json",
                  {"scenarios/failover.json: /policy: policy file scenarios/policies/health-gated.json does not exist"});
}

TEST_F(Validate, AMissingRuleFileSaysTheResolvedPathAndWhoNamedIt) {
  edit("scenarios/policies/health-gated-failover.json", "../rules/runner-up-corrected.yml", "../rules/corrected.yml");
  expect_rejected("validate scenarios/failover.json", {"scenarios/policies/health-gated-failover.json: /rule_file: rule file "
                                                       "scenarios/rules/corrected.yml does not exist"});
}

TEST_F(Validate, AnUnknownHostInAFaultListsTheHosts) {
  edit("scenarios/serotonin-exporter-partition.json", R"("to": "serotonin")", R"("to": "Serotonin")");
  expect_rejected("validate scenarios/serotonin-exporter-partition.json",
                  {"/faults/0/to: no host named \"Serotonin\" in the world; hosts: monitoring, github, github-hosted, "
                   "serotonin, dell-r640-01"});
}

TEST_F(Validate, AnUnknownPortInAFaultListsThePortsOfThatHost) {
  edit("scenarios/serotonin-exporter-partition.json", R"("port": 9102)", R"("port": 9100)");
  expect_rejected("validate scenarios/serotonin-exporter-partition.json",
                  {"/faults/0/port: nothing listens on serotonin:9100 in the world; ports on serotonin: 9102"});
}

TEST_F(Validate, AnUnknownRunnerListsTheRunners) {
  edit("scenarios/failover.json", R"("runner": "Serotonin-paws360")", R"("runner": "runner-3")");
  expect_rejected("validate scenarios/failover.json",
                  {"/faults/0/runner: no runner named \"runner-3\"", "runners: Serotonin-paws360, dell-r640-01-runner"});
}

TEST_F(Validate, ADeployAfterTheRunEndsIsRejected) {
  edit("scenarios/failover.json", R"("at": "10m")", R"("at": "70m")");
  expect_rejected("validate scenarios/failover.json",
                  {"scenarios/failover.json: /workload/deploys/0/at: the deploy at 1h10m comes after the run ends (run_length 1h)"});
}

TEST_F(Validate, AnUnknownPlaceholderInAPolicyQueryNamesTheValidOnes) {
  edit("scenarios/policies/health-gated-failover.json", "${hostname}", "${host}");
  expect_rejected("validate scenarios/policies/health-gated-failover.json",
                  {"health-gated-failover.json: /gate/checks/1/query: unknown placeholder ${host}; a query may use "
                   "${hostname}, ${instance} and ${name}"});
}

TEST_F(Validate, APolicyQueryThatIsNotPromQLIsRejected) {
  edit("scenarios/policies/health-gated-failover.json", R"(up{job=\"github-runner-health\",)", R"(up{job=\"github-runner-health\" )");
  expect_rejected("validate scenarios/failover.json", {"health-gated-failover.json: /gate/checks/0/query: not a PromQL expression"});
}

TEST_F(Validate, ACandidateWhoseInstanceNoScrapeJobHasListsTheTargets) {
  edit("scenarios/policies/health-gated-failover.json", R"("instance": "serotonin:9102")", R"("instance": "serotonin:9103")");
  expect_rejected("validate scenarios/failover.json",
                  {"/candidates/0/instance: no scrape job has the target \"serotonin:9103\"; targets: dell-r640-01:9101, "
                   "serotonin:9102"});
}

TEST_F(Validate, ACandidateThatIsNoRunnerListsTheRunners) {
  edit("scenarios/policies/health-gated-failover.json", R"("name": "dell-r640-01-runner")", R"("name": "dell-runner")");
  expect_rejected("validate scenarios/failover.json",
                  {"/candidates/1/name: no runner named \"dell-runner\"; runners: Serotonin-paws360, dell-r640-01-runner"});
}

TEST_F(Validate, AnExpectKeyThatNamesNoPolicyOfTheRunIsAnError) {
  // The typo leaves the scenario's own policy without expectations: a vacuous pass before.
  edit("scenarios/failover.json", R"("health-gated-failover": {)", R"("health-gated-failvoer": {)");
  expect_rejected("validate scenarios/failover.json",
                  {"/expect/health-gated-failvoer: names no policy (policies: health-gated-failover, northwind-gated, "
                   "northwind-in-job, paws360-as-built; or \"*\" for every policy)"});
  const auto r = failsim("run scenarios/failover.json --seeds 1 --out out");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_FALSE(fs::exists(root / "out" / "results.json"));
}

TEST_F(Validate, AScrapeTargetWithNoExporterListsTheExporters) {
  edit("worlds/paws360.json", R"({"targets": ["dell-r640-01:9101"],)", R"({"targets": ["dell-r640-01:9103"],)");
  expect_rejected("validate worlds/paws360.json",
                  {"worlds/paws360.json: /prometheus/scrape_configs/0/static_configs/1/targets/0: no exporter listens on "
                   "dell-r640-01:9103", "the world's exporters: dell-r640-01:9101 (dell-r640-01-runner), serotonin:9102 "
                   "(Serotonin-paws360)"});
  // A scenario naming the broken world says which world, and why.
  expect_rejected("validate scenarios/failover.json", {"scenarios/failover.json: /world: worlds/paws360.json: /prometheus"});
}

TEST_F(Validate, AWorkflowNeedsThatNamesNoJobListsTheJobs) {
  edit("worlds/northwind.json", R"("needs": ["build"])", R"("needs": ["compile"])");
  expect_rejected("validate worlds/northwind.json",
                  {"/github/workflows/0/jobs/1/needs/0: no job \"compile\" in this workflow; jobs: build, deploy"});
}

TEST_F(Validate, AnUpstreamJobNoRunnerCanTakeIsAnError) {
  // The deploy would wait for a build that never starts.
  edit("worlds/northwind.json", R"({"group": "builders", "labels")", R"({"group": "builderz", "labels")");
  expect_rejected("validate worlds/northwind.json",
                  {"/github/workflows/0/jobs/0: job build: no runner has all of [self-hosted, build] in runner group "
                   "builderz; closest: builder (in group builders, not builderz), so no deploy would ever start; runners: "
                   "deploy-blue [self-hosted, Linux, ARM64, deploy, blue] in deployers"});
}

// The deploy job too (the trial that found it: every runner got the same labels, none
// the runner's own name): exit 2 naming the labels and the closest runner.
TEST_F(Validate, ADeployJobNoRunnerCanTakeIsAnError) {
  edit("worlds/northwind.json", R"("runs_on": ["self-hosted", "deploy"])", R"("runs_on": ["self-hosted", "deploy", "build-a"])");
  expect_rejected("validate worlds/northwind.json",
                  {"/github/workflows/0/jobs/1: job deploy: no runner has all of [self-hosted, deploy, build-a]; closest: "
                   "deploy-blue (missing: build-a)"});
}

TEST_F(Validate, QueueMaxWithCancelInProgressIsAWorkflowError) {
  edit("worlds/northwind.json", R"({"group": "prod-deploy", "queue": "max"})",
       R"({"group": "prod-deploy", "queue": "max", "cancel_in_progress": true})");
  expect_rejected("validate worlds/northwind.json", {"/github/workflows/0/concurrency: queue: max cannot be combined with "
                                                     "cancel_in_progress: true"});
}

TEST_F(Validate, AScenarioThatStillDescribesTheWorldIsToldWhereItGoes) {
  edit("scenarios/failover.json", R"("run_length": "1h",)", R"("run_length": "1h", "runner_count": 3,)");
  expect_rejected("validate scenarios/failover.json", {"/runner_count: scenarios no longer describe the world"});
}

TEST_F(Validate, AMistypedSubcommandIsNamed) {
  expect_rejected("rn scenarios/failover.json", {"failsim: unknown subcommand rn; commands: "});
}

TEST_F(Validate, ANegativeOrTooLargeSeedIsRejected) {
  expect_rejected("run scenarios/failover.json --seed -1", {"--seed: expected a seed (an integer >= 0), got -1"});
  expect_rejected("replay scenarios/failover.json --seed 18446744073709551616",
                  {"--seed: expected a seed of at most 18446744073709551615"});
  const auto ok = failsim("replay scenarios/failover.json --seed 18446744073709551615 --trace t.json");
  EXPECT_NE(ok.exit_code, 2) << ok.out;
}

}  // namespace
}  // namespace failsim

namespace failsim {
namespace {

// Reference B1 / config/config.go (2.42): a job without scrape_timeout takes
// min(global timeout, its interval); an explicit one above the interval is an error.
TEST_F(Validate, ScrapeTimeoutsDefaultAsPrometheusDefaultsThem) {
  edit("worlds/northwind.json", R"("job_name": "ci-runners",)", R"("job_name": "ci-runners", "scrape_interval": "5s",)");
  auto r = failsim("validate worlds/northwind.json");
  EXPECT_EQ(r.exit_code, 0) << "timeout min(10s, 5s) = 5s: " << r.out;
  edit("worlds/northwind.json", R"("scrape_interval": "5s",)", R"("scrape_interval": "5s", "scrape_timeout": "6s",)");
  expect_rejected("validate worlds/northwind.json",
                  {"/prometheus/scrape_configs/0/scrape_timeout: scrape timeout greater than scrape interval for scrape "
                   "config with job name \"ci-runners\""});
}

TEST_F(Validate, APinnedScrapeOffsetMustFallWithinTheInterval) {
  edit("worlds/northwind.json", R"("labels": {"team": "platform", "tier": "deploy"}})",
       R"("labels": {"team": "platform", "tier": "deploy"}, "scrape_offset": "30s"})");
  expect_rejected("validate worlds/northwind.json", {"/prometheus/scrape_configs/0/static_configs/0/scrape_offset: expected an "
                                                     "offset below the scrape interval (30s)"});
}

}  // namespace
}  // namespace failsim

namespace failsim {
namespace {

// SLO files and variants files are checked like the rest: the shipped SLO file is ok; a
// misspelt metric or a --set path no document has is exit 2 naming where.
TEST_F(Validate, SloAndVariantsFilesAreCheckedToo) {
  const auto ok = failsim("validate scenarios/slos/success-criteria.json");
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_NE(ok.out.find("ok (SLO file)"), std::string::npos) << ok.out;
  edit("scenarios/slos/success-criteria.json", R"("metric": "deploy_time_p50")", R"("metric": "deploy_time_p90")");
  expect_rejected("validate scenarios/slos/success-criteria.json", {"/slos/1/metric"});
  std::ofstream(root / "variants.json") << R"({"variants": [{"name": "fast", "set": {"prometheus.scrape_interval": "30s"}},
                                                            {"name": "typo", "set": {"promethues.scrape_interval": "30s"}}]})";
  expect_rejected("validate variants.json", {"variant typo", "no document has a top-level field \"promethues\""});
}

}  // namespace
}  // namespace failsim
