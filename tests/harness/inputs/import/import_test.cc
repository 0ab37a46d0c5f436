// Importers (harness/inputs/import/import_prometheus.h, harness/inputs/import/import_workflow.h) through the
// command line: a prometheus.yml and a deploy workflow in PAWS360's shapes
// (tests/harness/inputs/import/, written from ../shared/reference/paws360-as-built.md §2, §3.2)
// import into the same parts as worlds/paws360.json, and the as-built policy imported
// from the workflow equals scenarios/policies/paws360-as-built.json in every field the
// workflow determines. What is not modelled is listed with file:line; malformed files
// exit 2 and write nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "failover/policy.h"
#include "harness/inputs/world_file.h"
#include "sim/world.h"
#include "tests/harness/process.h"

namespace failsim {
namespace {

namespace fs = std::filesystem;
const std::string kFixtures = std::string(FAILSIM_SOURCE_DIR) + "/tests/harness/inputs/import/";

// The 1-based line of the first line of `file` that contains `text`.
int line_of(const std::string& file, const std::string& text) {
  std::ifstream in(file);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find(text) != std::string::npos) return n;
  }
  return -1;
}

class Import : public ::testing::Test {
 protected:
  fs::path dir = fs::temp_directory_path() / ("failsim-import-" + std::to_string(::getpid()));
  void SetUp() override {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  testing::CommandResult failsim(const std::string& args) {
    return testing::run_command("'" FAILSIM_BINARY "' " + args + " 2>&1");
  }
  // Both imports of the PAWS360 files into dir/world.json (+ as-built.json, first.json).
  std::string import_paws360() {
    const auto p = failsim("import prometheus '" + kFixtures + "paws360-prometheus.yml' --runners-from github-runner-health "
                           "--runner-label production --runner-label primary --out '" + (dir / "world.json").string() + "'");
    EXPECT_EQ(p.exit_code, 0) << p.out;
    const auto w = failsim("import workflow '" + kFixtures + "paws360-ci.yml' --repository rmnanney/PAWS360 --out '" +
                           (dir / "world.json").string() + "' --policy-out '" + (dir / "as-built.json").string() +
                           "' --scenario-out '" + (dir / "first.json").string() + "'");
    EXPECT_EQ(w.exit_code, 0) << w.out;
    return p.out + w.out;
  }
};

TEST_F(Import, PrometheusYmlGivesTheSamePrometheusPartAsThePaws360World) {
  import_paws360();
  auto imported = harness::load_world((dir / "world.json").string());
  auto shipped = harness::load_world(std::string(FAILSIM_SOURCE_DIR) + "/worlds/paws360.json");
  ASSERT_TRUE(imported.has_value()) << imported.error();
  ASSERT_TRUE(shipped.has_value()) << shipped.error();
  const auto& a = imported.value().spec;
  const auto& b = shipped.value().spec;
  EXPECT_EQ(a.prometheus.host, b.prometheus.host);
  EXPECT_EQ(a.prometheus.evaluation_interval, b.prometheus.evaluation_interval);
  ASSERT_EQ(a.scrape_configs.size(), b.scrape_configs.size()) << "the node job (file_sd only) is left out";
  for (std::size_t i = 0; i < a.scrape_configs.size(); ++i) {
    const auto& x = a.scrape_configs[i];
    const auto& y = b.scrape_configs[i];
    EXPECT_EQ(x.job, y.job);
    EXPECT_EQ(x.scrape_interval, y.scrape_interval);
    EXPECT_EQ(x.scrape_timeout, y.scrape_timeout);
    EXPECT_EQ(x.honor_labels, y.honor_labels);
    EXPECT_EQ(x.metrics_path, y.metrics_path);
    EXPECT_EQ(x.scheme, y.scheme);
    ASSERT_EQ(x.targets.size(), y.targets.size());
    for (std::size_t t = 0; t < x.targets.size(); ++t) {
      EXPECT_EQ(x.targets[t].host, y.targets[t].host);
      EXPECT_EQ(x.targets[t].port, y.targets[t].port);
      EXPECT_EQ(x.targets[t].labels, y.targets[t].labels);
    }
  }
  // Runners made from the job's targets: names, hosts, exporter ports and labels.
  ASSERT_EQ(a.runners.size(), b.runners.size());
  for (std::size_t i = 0; i < a.runners.size(); ++i) {
    EXPECT_EQ(a.runners[i].runner_name, b.runners[i].runner_name);
    EXPECT_EQ(a.runners[i].host, b.runners[i].host);
    EXPECT_EQ(a.runners[i].exporter_port, b.runners[i].exporter_port);
    EXPECT_EQ(a.runners[i].authorized_for_prod, b.runners[i].authorized_for_prod);
    EXPECT_EQ(a.runners[i].environment, b.runners[i].environment);
  }
  ASSERT_TRUE(a.alertmanager.has_value());
  EXPECT_EQ(a.alertmanager->group_wait, b.alertmanager->group_wait);
  EXPECT_EQ(a.alertmanager->group_interval, b.alertmanager->group_interval);
}

TEST_F(Import, WorkflowGivesTheSameGitHubPartAsThePaws360World) {
  import_paws360();
  auto imported = harness::load_world((dir / "world.json").string());
  auto shipped = harness::load_world(std::string(FAILSIM_SOURCE_DIR) + "/worlds/paws360.json");
  ASSERT_TRUE(imported.has_value() && shipped.has_value());
  const auto& a = imported.value();
  const auto& b = shipped.value();
  EXPECT_EQ(a.repository, b.repository);
  EXPECT_EQ(a.default_branch, "master") << "from on.push.branches";
  EXPECT_EQ(a.default_branch, b.default_branch);
  EXPECT_EQ(a.deploy_workflow, b.deploy_workflow == "ci.yml" ? "paws360-ci.yml" : b.deploy_workflow);
  EXPECT_EQ(a.deploy_job, b.deploy_job);
  const auto& x = a.deploy_workflow_spec();
  const auto& y = b.deploy_workflow_spec();
  EXPECT_EQ(x.name, y.name);
  EXPECT_EQ(x.concurrency.group, y.concurrency.group) << "no workflow-level concurrency";
  const auto job = [](const sim::github::WorkflowSpec& w, const std::string& id) {
    for (const auto& j : w.jobs) {
      if (j.name == id) return j;
    }
    return sim::github::JobSpec{};
  };
  const auto dx = job(x, a.deploy_job);
  const auto dy = job(y, b.deploy_job);
  EXPECT_EQ(dx.runs_on, dy.runs_on);
  EXPECT_EQ(dx.concurrency.group, dy.concurrency.group);
  EXPECT_EQ(dx.concurrency.cancel_in_progress, dy.concurrency.cancel_in_progress);
  EXPECT_EQ(dx.concurrency.queue_max, dy.concurrency.queue_max);
  EXPECT_EQ(dx.timeout_minutes, dy.timeout_minutes) << "none: GitHub's 360-minute default";
  EXPECT_EQ(dx.environment, dy.environment);
  // The upstream build job runs first (the shipped world leaves it out).
  ASSERT_EQ(x.jobs.size(), 2u);
  EXPECT_EQ(x.jobs[0].name, "build-and-push-images-production");
  EXPECT_EQ(x.jobs[1].needs, std::vector<std::string>{"build-and-push-images-production"});
  EXPECT_EQ(a.spec.github.lost_communication_delay, b.spec.github.lost_communication_delay);
  EXPECT_EQ(a.unconfirmed.size(), b.unconfirmed.size());
  // `workflow_dispatch: {}` declares no input: any input is refused (422), as in the shipped world.
  EXPECT_TRUE(x.inputs_declared);
  EXPECT_TRUE(x.inputs.empty());
  EXPECT_EQ(x.inputs_declared, y.inputs_declared);
}

// Without a workflow_dispatch trigger GitHub refuses dispatches: the import says so, at the `on:` line.
TEST_F(Import, AWorkflowWithoutWorkflowDispatchIsNotedAndItsInputsUnchecked) {
  std::ofstream(dir / "push.yml") << "name: Deploy\non:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: [self-hosted]\n"
                                     "    steps: [{run: ./deploy.sh}]\n";
  const auto r = failsim("import workflow '" + (dir / "push.yml").string() + "' --out '" + (dir / "w.json").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find((dir / "push.yml").string() + ":3: on: no workflow_dispatch trigger: GitHub refuses a dispatch"),
            std::string::npos)
      << r.out;
  const nlohmann::json fragment = nlohmann::json::parse(testing::read_file((dir / "w.json").string()));
  ASSERT_EQ(fragment["github"]["workflows"].size(), 1u) << fragment.dump();
  EXPECT_FALSE(fragment["github"]["workflows"][0].contains("inputs")) << "undeclared: the fake API does not check them";
}

TEST_F(Import, TheAsBuiltPolicyEqualsTheShippedOneInEveryFieldTheWorkflowDetermines) {
  import_paws360();
  auto read_policy = [](const std::string& path) {
    auto p = failover::parse_policy(testing::read_file(path), path);
    EXPECT_TRUE(p.has_value()) << (p ? "" : p.error());
    return p ? p.value() : failover::Policy{};
  };
  const auto a = read_policy((dir / "as-built.json").string());
  const auto b = read_policy(std::string(FAILSIM_SOURCE_DIR) + "/scenarios/policies/paws360-as-built.json");
  EXPECT_EQ(a.placement, b.placement);
  ASSERT_EQ(a.candidates.size(), b.candidates.size());
  EXPECT_EQ(a.candidates[0].labels, b.candidates[0].labels);
  EXPECT_EQ(a.candidates[0].hostname, b.candidates[0].hostname);
  EXPECT_EQ(a.candidates[0].authorized_for_prod, b.candidates[0].authorized_for_prod);
  EXPECT_EQ(a.concurrency_group, b.concurrency_group);
  EXPECT_EQ(a.cancel_in_progress, b.cancel_in_progress);
  EXPECT_EQ(a.timeout_minutes, b.timeout_minutes);
  EXPECT_EQ(a.redispatch_on_failure, b.redispatch_on_failure);
  EXPECT_EQ(a.redispatch_on_lost, b.redispatch_on_lost);
  EXPECT_EQ(a.max_dispatches, b.max_dispatches);
  EXPECT_EQ(a.retry.max_attempts, b.retry.max_attempts);
  EXPECT_EQ(a.retry.attempt_timeout, b.retry.attempt_timeout);
  EXPECT_EQ(a.retry.wait_kind, b.retry.wait_kind);
  EXPECT_EQ(a.retry.wait_base, b.retry.wait_base);
  EXPECT_EQ(a.retry.jitter, b.retry.jitter);
  EXPECT_EQ(a.retry.retry_on, b.retry.retry_on);
  EXPECT_EQ(a.retry.wait_after_last_attempt, b.retry.wait_after_last_attempt);
  EXPECT_EQ(a.rollback, b.rollback);
}

TEST_F(Import, TheStarterScenarioRunsOnTheImportedWorld) {
  import_paws360();
  const auto v = failsim("validate '" + (dir / "world.json").string() + "' '" + (dir / "first.json").string() + "'");
  EXPECT_EQ(v.exit_code, 0) << v.out;
  const auto r = failsim("run '" + (dir / "first.json").string() + "' --seeds 5 --out '" + (dir / "out").string() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("| first | paws360-ci-as-built | 5 | ✅ pass | 100.0 %"), std::string::npos) << r.out;
}

TEST_F(Import, WhatIsNotModelledIsListedWithFileAndLine) {
  const std::string out = import_paws360();
  const std::string prom = kFixtures + "paws360-prometheus.yml";
  const std::string ci = kFixtures + "paws360-ci.yml";
  for (const auto& [file, key, what] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {prom, "query_log_file:", "global.query_log_file is not modelled"},
           {prom, "- files:", "file_sd_configs of job node: \"/etc/prometheus/targets/*.json\" matches no file here (looked for " +
                                  kFixtures + "targets/*.json)"},
           {prom, "- job_name: node", "scrape_configs[node] has no targets failsim could read"},
           {prom, "remote_write:", "remote_write is not modelled"},
           {prom, "alertmanagers:", "alerting.alertmanagers: targets noted; group_wait / group_interval / repeat_interval come from alertmanager.yml"},
           {ci, "    if: github.ref", "jobs.deploy-to-production.if is not modelled"},
           {ci, "warning_on_retry:", "the retry step's warning_on_retry is not modelled"},
           {ci, "  push:", "on.push: runs triggered by push are not modelled"}}) {
    const std::string where = file + ":" + std::to_string(line_of(file, key)) + ": " + what;
    EXPECT_NE(out.find(where), std::string::npos) << "missing: " << where << "\n" << out;
  }
}

TEST_F(Import, ExpressionsAreReportedNotGuessed) {
  std::ofstream(dir / "wf.yml") << "name: Deploy\non: {workflow_dispatch: {inputs: {version: {required: true}}}}\n"
                                   "concurrency: deploy-${{ github.ref }}\n"
                                   "jobs:\n"
                                   "  gate:\n    runs-on: ubuntu-latest\n"
                                   "  deploy:\n    needs: gate\n    environment: production\n"
                                   "    runs-on: ${{ fromJSON(needs.gate.outputs.labels) }}\n"
                                   "    timeout-minutes: ${{ inputs.minutes }}\n";
  const auto r = failsim("import workflow '" + (dir / "wf.yml").string() + "' --policy-out '" + (dir / "p.json").string() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  const std::string wf = (dir / "wf.yml").string();
  EXPECT_NE(r.out.find(wf + ":3: cannot evaluate the expression in \"deploy-${{ github.ref }}\""), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(wf + ":10: runs-on of deploy comes from an upstream job's outputs"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(wf + ":11: cannot evaluate timeout-minutes \"${{ inputs.minutes }}\""), std::string::npos) << r.out;
  EXPECT_NE(testing::read_file((dir / "p.json").string()).find("\"placement\": \"before-dispatch\""), std::string::npos);
  EXPECT_NE(r.out.find("\"required\": true"), std::string::npos) << "the dispatch inputs reach the world: " << r.out;
}

TEST_F(Import, MalformedFilesExit2AndWriteNothing) {
  const auto out = (dir / "w.json").string();
  std::ofstream(dir / "bad.yml") << "global:\n  scrape_interval: [15s\nscrape_configs: []\n";
  auto r = failsim("import prometheus '" + (dir / "bad.yml").string() + "' --out '" + out + "'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find((dir / "bad.yml").string() + ":"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("invalid YAML"), std::string::npos) << r.out;
  std::ofstream(dir / "noport.yml") << "scrape_configs:\n  - job_name: x\n    static_configs:\n      - targets: [hostonly]\n";
  r = failsim("import prometheus '" + (dir / "noport.yml").string() + "' --out '" + out + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("noport.yml:4: target \"hostonly\": expected host:port"), std::string::npos) << r.out;
  std::ofstream(dir / "norunson.yml") << "on: workflow_dispatch\njobs:\n  deploy:\n    steps: []\n";
  r = failsim("import workflow '" + (dir / "norunson.yml").string() + "' --out '" + out + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("norunson.yml:4: job deploy has no runs-on"), std::string::npos) << r.out;
  r = failsim("import workflow '" + kFixtures + "paws360-ci.yml' --deploy-job deploy --out '" + out + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("--deploy-job deploy: no such job; jobs: build-and-push-images-production, deploy-to-production"),
            std::string::npos)
      << r.out;
  EXPECT_FALSE(fs::exists(out)) << "nothing is written on bad input";
}

}  // namespace
}  // namespace failsim

namespace failsim {
namespace {

// A gate step failsim cannot read (its decision is in a script of the repository) runs
// as a command check: the importer writes the step as a script beside the policy, with
// the runner's hostname, the repository as its working directory and the workflow's
// Prometheus address turned into the world's, each said in a note; the imported world
// then runs the team's script at each gate, and deploys where it says.
TEST_F(Import, AGateStepItCannotReadRunsAsACommandCheck) {
  const auto repo = dir / "repo";
  std::filesystem::create_directories(repo / ".github" / "workflows");
  std::filesystem::create_directories(repo / "scripts");
  std::ofstream(repo / ".github" / "workflows" / "deploy.yml")
      << "name: Deploy\non: workflow_dispatch\nenv:\n  PROM: http://prometheus.internal:9090\n"
         "jobs:\n  deploy:\n    environment: production\n    runs-on: [self-hosted, production]\n    steps:\n"
         "      - name: Health gate\n        run: ./scripts/gate.sh \"$(hostname)\" ${{ runner.name }}\n"
         "      - run: ./deploy.sh\n";
  std::ofstream(repo / "scripts" / "gate.sh")
      << "#!/usr/bin/env bash\n"
         "v=$(curl -s \"$PROM/api/v1/query\" --data-urlencode \"query=runner_status{hostname=\\\"$1\\\"}\" |\n"
         "  python3 -c 'import json,sys; r=json.load(sys.stdin)[\"data\"][\"result\"]; print(r[0][\"value\"][1] if r else \"\")')\n"
         "echo \"$2 on $1: runner_status=${v:-none}\"\n"
         "[ \"$v\" = 1 ]\n";
  std::filesystem::permissions(repo / "scripts" / "gate.sh", std::filesystem::perms::owner_all, std::filesystem::perm_options::add);
  const std::string world = (dir / "world.json").string();
  auto r = failsim("import prometheus '" + kFixtures + "paws360-prometheus.yml' --runners-from github-runner-health "
                   "--runner-label production --out '" + world + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = failsim("import workflow '" + (repo / ".github" / "workflows" / "deploy.yml").string() + "' --out '" + world +
              "' --policy-out '" + (dir / "p.json").string() + "' --scenario-out '" + (dir / "s.json").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("deploy.yml:10: step \"Health gate\" of job deploy looks like a health check, but no Prometheus query "
                       "failsim recognises"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("it runs as it is, as command check health_gate (gate-steps/health_gate.sh beside the policy)"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("${{ runner.name }} -> ${RUNNER_NAME}"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("env PROM (http://prometheus.internal:9090) -> $PROMETHEUS_URL (guessed"), std::string::npos) << r.out;
  const auto policy = nlohmann::json::parse(testing::read_file((dir / "p.json").string()));
  ASSERT_EQ(policy["gate"]["checks"].size(), 1u);
  EXPECT_EQ(policy["gate"]["checks"][0]["command"], nlohmann::json({"bash", "gate-steps/health_gate.sh", "${hostname}"}));
  const std::string script = testing::read_file((dir / "gate-steps" / "health_gate.sh").string());
  EXPECT_NE(script.find("./scripts/gate.sh \"$(hostname)\" ${RUNNER_NAME}"), std::string::npos) << script;
  // The world runs the team's script at the gate, on the runner the job landed on.
  r = failsim("replay '" + (dir / "s.json").string() + "' --seed 1 --trace '" + (dir / "t.json").string() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("outcome: deployed"), std::string::npos) << r.out;
  const std::string trace = testing::read_file((dir / "t.json").string());
  EXPECT_NE(trace.find("gate health_gate on "), std::string::npos) << trace;
  EXPECT_NE(trace.find(": runner_status=1"), std::string::npos) << "the script read the world's Prometheus: " << trace;
}

// A job on GitHub's own runners (ubuntu-latest) becomes a runner on host github-hosted
// without an exporter, so the imported world runs: the build runs there, then the deploy.
TEST_F(Import, GitHubHostedJobsGetARunnerAndTheWorldRuns) {
  std::ofstream(dir / "deploy.yml") << "name: Deploy\non: workflow_dispatch\n"
                                       "jobs:\n"
                                       "  build:\n    runs-on: ubuntu-latest\n    steps: [{run: make}]\n"
                                       "  deploy:\n    needs: build\n    environment: production\n"
                                       "    runs-on: [self-hosted, production]\n    steps: [{run: ./deploy.sh}]\n";
  const std::string world = (dir / "world.json").string();
  auto r = failsim("import prometheus '" + kFixtures + "paws360-prometheus.yml' --runners-from github-runner-health "
                   "--runner-label production --out '" + world + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = failsim("import workflow '" + (dir / "deploy.yml").string() + "' --out '" + world + "' --policy-out '" +
              (dir / "p.json").string() + "' --scenario-out '" + (dir / "s.json").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("deploy.yml:5: job build runs on GitHub-hosted ubuntu-latest: modelled as runner "
                       "github-hosted-ubuntu-latest on host github-hosted (no exporter)"),
            std::string::npos)
      << r.out;
  r = failsim("replay '" + (dir / "s.json").string() + "' --seed 1 --trace '" + (dir / "t.json").string() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("job  started  build on github-hosted-ubuntu-latest"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("outcome: deployed"), std::string::npos) << r.out;
  // explore aims at what the team can act on: GitHub's runner is left out, and says so.
  r = failsim("explore '" + (dir / "s.json").string() + "' --policy '" + (dir / "p.json").string() +
              "' --budget 80 --seed 3 --out '" + (dir / "ex").string() + "'");
  ASSERT_NE(r.exit_code, 2) << r.out;
  const auto rep = nlohmann::json::parse(testing::read_file((dir / "ex" / "explore.json").string()));
  ASSERT_EQ(rep["excluded"].size(), 1u) << rep.dump(1);
  EXPECT_EQ(rep["excluded"][0].get<std::string>().rfind("github-hosted-ubuntu-latest: a runner GitHub hosts", 0), 0u);
  EXPECT_EQ(rep["coverage"]["faults"].dump().find("github-hosted-ubuntu"), std::string::npos) << rep["coverage"].dump(1);
  for (const auto& f : rep["findings"]) {  // (its timeline shows the build running there, as it did)
    EXPECT_EQ(f["minimal_faults"].dump().find("github-hosted"), std::string::npos) << f.dump(1);
    EXPECT_EQ(f["detail"].dump().find("github-hosted"), std::string::npos) << f.dump(1);
  }
  EXPECT_NE(testing::read_file((dir / "ex" / "explore.md").string()).find("## Left out"), std::string::npos);
}

// Any service discovery: the targets a running server had discovered (a saved
// GET /api/v1/targets) are imported with their __meta_ labels, and the file's own
// relabelling, run by the model, gives exactly the labels that server showed; the target
// it dropped is dropped.
TEST_F(Import, DiscoveredTargetsFromASavedTargetsApiRelabelAsTheServerDid) {
  const std::string k8s = kFixtures + "k8s/";
  const std::string world = (dir / "world.json").string();
  auto r = failsim("import prometheus '" + k8s + "prometheus.yml' --targets '" + k8s + "targets.json' --runners-from runner-pods "
                   "--out '" + world + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("prometheus.yml:" + std::to_string(line_of(k8s + "prometheus.yml", "    kubernetes_sd_configs:")) +
                       ": scrape_configs[runner-pods].kubernetes_sd_configs: its targets as the running server discovered them "
                       "are read from"), std::string::npos) << r.out;
  std::ofstream(dir / "deploy.yml") << "name: Deploy\non: workflow_dispatch\njobs:\n  deploy:\n    runs-on: [self-hosted]\n"
                                       "    environment: production\n    steps: [{run: ./deploy.sh}]\n";
  r = failsim("import workflow '" + (dir / "deploy.yml").string() + "' --out '" + world + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto loaded = harness::load_world(world);
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  sim::World w(loaded.value().spec);
  ASSERT_TRUE(w.start().has_value());
  const auto saved = nlohmann::json::parse(testing::read_file(k8s + "targets.json"));
  std::set<std::string> expected, modelled;
  for (const auto& t : saved["data"]["activeTargets"]) expected.insert(t["labels"].dump());
  for (const auto& t : w.prometheus().targets()) {
    nlohmann::json labels = nlohmann::json::object();
    for (const auto& [k, v] : t.labels) labels[k] = v;
    modelled.insert(labels.dump());
  }
  EXPECT_EQ(modelled, expected);
  ASSERT_EQ(w.prometheus().dropped_targets().size(), 1u);
  EXPECT_EQ(sim::prometheus::label_value(w.prometheus().dropped_targets()[0].discovered, "__meta_kubernetes_pod_name"), "web-0");
}

// A workflow whose deploy job runs on GitHub's own runners has nothing failsim can
// simulate: refused, saying so, nothing written (not a "valid" world that never deploys).
TEST_F(Import, ADeployOnGitHubHostedRunnersIsRefusedNotValid) {
  std::ofstream(dir / "pages.yml") << "name: Deploy site\non: workflow_dispatch\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n"
                                      "    environment: production\n    steps: [{uses: actions/deploy-pages@v4}]\n";
  const std::string world = (dir / "world.json").string();
  auto r = failsim("import prometheus '" + kFixtures + "paws360-prometheus.yml' --runners-from github-runner-health --out '" +
                   world + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  r = failsim("import workflow '" + (dir / "pages.yml").string() + "' --out '" + world + "' --policy-out '" +
              (dir / "p.json").string() + "'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("the imported world cannot deploy: " + (dir / "p.json").string() + ": /candidates/0 "
                       "(any-runner-matching-deploy): its deploy job runs only on GitHub's own runners "
                       "(github-hosted-ubuntu-latest)"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir / "p.json"));
}

// rule_files globs resolve relative to prometheus.yml (as Prometheus resolves them), in
// the world relative to the world file, and each group's evaluation phase uses the path
// the server loads (--server-config's directory).
TEST_F(Import, RuleFileGlobsResolveRelativeToTheConfigAndKeepTheServerPath) {
  fs::create_directories(dir / "etc" / "rules");
  std::ofstream(dir / "etc" / "rules" / "a.yml") << "groups:\n  - name: a\n    rules:\n      - {alert: A, expr: up == 0}\n";
  std::ofstream(dir / "etc" / "rules" / "b.yml") << "groups:\n  - name: b\n    rules:\n      - {record: b, expr: up}\n";
  std::ofstream(dir / "etc" / "rules" / "notes.txt") << "not a rule file\n";
  std::ofstream(dir / "etc" / "prometheus.yml") << "global: {scrape_interval: 30s, evaluation_interval: 30s}\n"
                                                   "rule_files: ['rules/*.yml', 'missing/*.yml']\n"
                                                   "scrape_configs:\n  - job_name: runners\n"
                                                   "    static_configs: [{targets: ['r1:9100']}]\n";
  fs::create_directories(dir / "worlds");
  const std::string world = (dir / "worlds" / "w.json").string();
  auto r = failsim("import prometheus '" + (dir / "etc" / "prometheus.yml").string() +
                   "' --runners-from runners --runner-label production --runner-label primary --server-config /etc/prometheus/prometheus.yml --fqdn prom-1 --out '" + world + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("prometheus.yml:2: rule_files: \"missing/*.yml\" matches no file here"), std::string::npos) << r.out;
  r = failsim("import workflow '" + kFixtures + "paws360-ci.yml' --out '" + world + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto loaded = harness::load_world(world);
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  ASSERT_EQ(loaded.value().rule_files.size(), 2u);
  EXPECT_EQ(fs::path(loaded.value().rule_files[0]).filename(), "a.yml");
  EXPECT_TRUE(fs::exists(loaded.value().rule_files[1])) << loaded.value().rule_files[1];
  EXPECT_EQ(loaded.value().rule_server_paths[0], "/etc/prometheus/rules/a.yml");
  EXPECT_EQ(loaded.value().rule_server_paths[1], "/etc/prometheus/rules/b.yml");
  ASSERT_TRUE(loaded.value().spec.prometheus.jitter_seed.has_value()) << "--fqdn gives Prometheus's own phases";
  const auto schedule = failsim("schedule '" + world + "'");
  EXPECT_EQ(schedule.exit_code, 0) << schedule.out;
  EXPECT_NE(schedule.out.find("\"file\": \"/etc/prometheus/rules/a.yml\""), std::string::npos) << schedule.out;
  EXPECT_NE(schedule.out.find("prometheus 2.42 (target hash XOR jitter seed)"), std::string::npos) << schedule.out;
}


// ---- A team that is not PAWS360 (tests/harness/inputs/import/acme/): the journey that used to
// end in a "valid" world where nothing ever deploys. --------------------------------

class AcmeImport : public Import {
 protected:
  const std::string acme = kFixtures + "acme/";
  std::string world() const { return (dir / "world.json").string(); }
  testing::CommandResult prometheus(const std::string& extra = "") {
    return failsim("import prometheus '" + acme + "prometheus.yml' --runners-from ci-runners " + extra + " --out '" + world() + "'");
  }
  testing::CommandResult github(const std::string& extra = "") {
    return failsim("import github --runners '" + acme + "runners.json' --repo '" + acme + "repo.json' --environments '" +
                   acme + "environments.json' --branch-policies production='" + acme + "production-branches.json' " + extra +
                   " --out '" + world() + "'");
  }
  testing::CommandResult workflow(const std::string& file = "deploy.yml") {
    return failsim("import workflow '" + acme + file + "' --out '" + world() + "' --policy-out '" + (dir / "as-built.json").string() +
                   "' --scenario-out '" + (dir / "first.json").string() + "'");
  }
};

// Without GitHub's own answers the world cannot be made to deploy: exit 2 naming the
// labels and the closest runner, and nothing written.
TEST_F(AcmeImport, WithoutTheRunnersLabelsTheWorldIsRefusedNamingWhatIsMissing) {
  ASSERT_EQ(prometheus("--runner-label self-hosted --runner-label production").exit_code, 0);
  const auto w = workflow();
  EXPECT_EQ(w.exit_code, 2) << w.out;
  EXPECT_NE(w.out.find("job deploy: no runner has all of [self-hosted, production, build-a]; closest: build-a (missing: "
                       "build-a)"), std::string::npos) << w.out;
  EXPECT_FALSE(fs::exists(dir / "as-built.json"));
  // --runner-label never duplicates a label GitHub gives anyway.
  const auto doc = nlohmann::json::parse(testing::read_file(world()));
  EXPECT_EQ(doc["runners"][0]["labels"], nlohmann::json({"self-hosted", "Linux", "X64", "production"}));
}

TEST_F(AcmeImport, GitHubsAnswersGiveTheRunnersAndTheWorldDeploysWhereTheWorkflowWould) {
  ASSERT_EQ(prometheus().exit_code, 0);
  const auto g = github();
  ASSERT_EQ(g.exit_code, 0) << g.out;
  // Every match it had to guess is a note; GitHub's state at saving time too.
  EXPECT_NE(g.out.find("runner build-b-runner matched to the exporter target on build-b (guessed: its name contains the "
                       "target's host build-b)"), std::string::npos) << g.out;
  EXPECT_NE(g.out.find("runner build-c was offline when this was saved"), std::string::npos) << g.out;
  EXPECT_NE(g.out.find("environment production: wait timer 2m, branches [trunk]"), std::string::npos) << g.out;
  const auto w = workflow();
  ASSERT_EQ(w.exit_code, 0) << w.out;
  EXPECT_NE(w.out.find("runner build-a: authorized_for_prod true (nobody said; it can take the deploy job deploy)"),
            std::string::npos) << w.out;
  const auto doc = nlohmann::json::parse(testing::read_file(world()));
  EXPECT_EQ(doc["github"]["repository"], "acme/app");
  EXPECT_EQ(doc["github"]["default_branch"], "trunk");
  EXPECT_EQ(doc["github"]["environments"]["production"]["wait_timer"], "2m");
  EXPECT_EQ(doc["runners"][1]["name"], "build-b-runner");
  EXPECT_EQ(doc["runners"][2]["labels"], nlohmann::json({"self-hosted", "Linux", "ARM64", "build-c"}));
  // The gate is what the steps check, with file:line; the script it cannot read is said.
  const std::string wf = acme + "deploy.yml";
  EXPECT_NE(w.out.find("deploy.yml:" + std::to_string(line_of(wf, "name: Runner is up")) + ": gate check runner_is_up of job "
                       "deploy read from step \"Runner is up\": up{instance=\"${hostname}:9400\"} == 1"),
            std::string::npos) << w.out;
  EXPECT_NE(w.out.find("deploy.yml:" + std::to_string(line_of(wf, "name: Disk check")) + ": step \"Disk check\" of job deploy "
                       "looks like a health check"), std::string::npos) << w.out;
  const auto policy = nlohmann::json::parse(testing::read_file((dir / "as-built.json").string()));
  ASSERT_EQ(policy["gate"]["checks"].size(), 2u) << policy.dump(1);
  EXPECT_EQ(policy["gate"]["checks"][1]["query"], "runner_cpu_usage_percent{hostname=\"${hostname}\"}");
  EXPECT_EQ(policy["gate"]["checks"][1]["pass_if"], "<");
  EXPECT_EQ(policy["gate"]["checks"][1]["threshold"], 90.0);
  // It deploys, on build-a, after the environment's 2-minute wait timer.
  const auto r = failsim("run '" + (dir / "first.json").string() + "' --seeds 20 --out '" + (dir / "out").string() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  const auto results = nlohmann::json::parse(testing::read_file((dir / "out" / "results.json").string()));
  const auto& row = results["scenarios"][0];
  for (const auto& run : row["runs"]) {
    EXPECT_EQ(run["outcome"], "deployed") << run.dump(1);
    EXPECT_EQ(run["runner"], "build-a");
    EXPECT_GE(run["deploy_seconds"].get<double>(), 120.0) << "the wait timer holds the job for 2m";
  }
}

// relabel_configs and file_sd_configs, imported and modelled: the runners' `host` label
// is made from __address__, the file's retired machine is dropped, __meta_filepath and
// `retired` reach no series, and the targets are scraped under their relabelled labels.
TEST_F(AcmeImport, RelabellingAndFileSdReachTheModelsSeries) {
  ASSERT_EQ(prometheus().exit_code, 0);
  ASSERT_EQ(github().exit_code, 0);
  const auto w = workflow();
  ASSERT_EQ(w.exit_code, 0) << w.out;
  const auto p = failsim("import prometheus '" + acme + "prometheus.yml' --runners-from ci-runners --out '" +
                         (dir / "again.json").string() + "'");
  EXPECT_NE(p.out.find("file_sd_configs of job node: 2 target group(s) read from " + acme + "targets/node.json (as the server "
                       "would see them at /etc/prometheus/targets/node.json)"), std::string::npos) << p.out;
  auto loaded = harness::load_world(world());
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  sim::WorldSpec spec = loaded.value().spec;
  sim::World world(spec);
  ASSERT_TRUE(world.start().has_value());
  world.engine().run_until(spec.start + std::chrono::minutes(2));
  auto count = [&](const std::string& q) {
    const auto r = world.prometheus().query(q);
    EXPECT_TRUE(r.has_value()) << q;
    return r ? std::get<sim::prometheus::Vector>(r.value()).size() : 0u;
  };
  EXPECT_EQ(count("up{job=\"ci-runners\", host=\"build-a\", instance=\"build-a:9400\"} == 1"), 1u);
  EXPECT_EQ(count("up{job=\"node\"}"), 2u) << "old-build is retired: dropped";
  EXPECT_EQ(count("up{job=\"node\", rack=\"r1\"}"), 2u);
  EXPECT_EQ(count("up{retired!=\"\"}"), 0u);
  EXPECT_EQ(count("{__meta_filepath!=\"\"}"), 0u);
  EXPECT_EQ(world.prometheus().targets().size(), 5u);
}

// alertmanager.yml and saved silences: the route tree, the inhibit rule and the active
// silence reach the world; detection then ends at the notification of the route the
// alert takes (RunnerDown has severity page: the pager route, 10 s group_wait), and a
// silenced alert is no notification at all.
TEST_F(AcmeImport, AlertmanagerRoutesDecideWhereAndWhetherDetectionEnds) {
  ASSERT_EQ(prometheus().exit_code, 0);
  ASSERT_EQ(github().exit_code, 0);
  ASSERT_EQ(workflow().exit_code, 0);
  const auto a = failsim("import alertmanager '" + acme + "alertmanager.yml' --silences '" + acme + "silences.json' --out '" +
                         world() + "'");
  ASSERT_EQ(a.exit_code, 0) << a.out;
  EXPECT_NE(a.out.find("alertmanager.yml:" + std::to_string(line_of(acme + "alertmanager.yml", "webhook_configs")) +
                       ": receiver pager: webhook_configs is not modelled: notifications are counted, not delivered"),
            std::string::npos) << a.out;
  EXPECT_NE(a.out.find("silence 77e0 is expired in this file: left out"), std::string::npos) << a.out;
  const auto doc = nlohmann::json::parse(testing::read_file(world()));
  const auto& am = doc["prometheus"]["alertmanager"];
  EXPECT_EQ(am["routes"][1]["matchers"][0], "job=~\"node|ci-runners\"") << "match_re, as a matcher";
  EXPECT_EQ(am["silences"].size(), 1u);
  // A partition of build-a's exporter: RunnerDown (severity page) fires after its 1m
  // `for` and the pager route notifies 10 s later.
  auto scenario = nlohmann::json::parse(testing::read_file((dir / "first.json").string()));
  scenario["faults"] = {{{"kind", "partition"}, {"at", "2m"}, {"from", "monitoring"}, {"to", "build-a"}, {"port", 9400}}};
  scenario.erase("expect");
  std::ofstream(dir / "cut.json") << scenario.dump(2);
  auto r = failsim("run '" + (dir / "cut.json").string() + "' --seeds 3 --out '" + (dir / "cut").string() + "'");
  ASSERT_NE(r.exit_code, 2) << r.out;
  auto results = nlohmann::json::parse(testing::read_file((dir / "cut" / "results.json").string()));
  for (const auto& run : results["scenarios"][0]["runs"]) {
    ASSERT_TRUE(run["detection_chain"].is_object()) << run.dump(1);
    const auto& chain = run["detection_chain"];
    EXPECT_EQ(chain["alert"], "RunnerDown");
    EXPECT_NEAR(chain["notified_seconds"].get<double>() - chain["firing_seconds"].get<double>(), 10.0, 0.001) << chain.dump();
  }
  // Silence RunnerDown: the alert still fires, nobody is notified.
  auto silenced = doc;
  silenced["prometheus"]["alertmanager"]["silences"].push_back({{"id", "s2"}, {"matchers", {"alertname=\"RunnerDown\""}}});
  std::ofstream(world()) << silenced.dump(2);
  r = failsim("run '" + (dir / "cut.json").string() + "' --seeds 3 --out '" + (dir / "quiet").string() + "'");
  ASSERT_NE(r.exit_code, 2) << r.out;
  results = nlohmann::json::parse(testing::read_file((dir / "quiet" / "results.json").string()));
  for (const auto& run : results["scenarios"][0]["runs"]) {
    EXPECT_FALSE(run["firing_seconds"].is_null()) << "it fires";
    EXPECT_TRUE(run["detection_seconds"].is_null()) << "a silenced alert is no notification: " << run.dump(1);
  }
}

// A job whose environment needs a reviewer cannot pass unless someone says how long the
// reviewers take; a branch policy that refuses the default branch is refused too.
TEST_F(AcmeImport, AnEnvironmentThatCanNeverPassIsRefused) {
  ASSERT_EQ(prometheus().exit_code, 0);
  std::ofstream(dir / "envs.json") << R"({"total_count":1,"environments":[{"name":"production","protection_rules":[)"
                                      R"({"type":"required_reviewers","reviewers":[{"type":"User","reviewer":{"login":"alice"}}]}]}]})";
  auto g = failsim("import github --runners '" + acme + "runners.json' --repo '" + acme + "repo.json' --environments '" +
                   (dir / "envs.json").string() + "' --out '" + world() + "'");
  ASSERT_EQ(g.exit_code, 0) << g.out;
  EXPECT_NE(g.out.find("environment production needs a reviewer's approval and nobody said how long that takes"),
            std::string::npos) << g.out;
  auto w = workflow();
  EXPECT_EQ(w.exit_code, 2) << w.out;
  EXPECT_NE(w.out.find("/github/environments/production/approval_after: job deploy deploys to environment production, which "
                       "needs a reviewer's approval"), std::string::npos) << w.out;
  g = failsim("import github --runners '" + acme + "runners.json' --repo '" + acme + "repo.json' --environments '" +
              (dir / "envs.json").string() + "' --approval-after 10m --out '" + world() + "'");
  ASSERT_EQ(g.exit_code, 0) << g.out;
  w = workflow();
  ASSERT_EQ(w.exit_code, 0) << w.out;
  const auto r = failsim("replay '" + (dir / "first.json").string() + "' --seed 1");
  EXPECT_NE(r.out.find("outcome: deployed"), std::string::npos) << r.out;
  // The branch policy: deploys go out on the default branch, which it must allow.
  auto doc = nlohmann::json::parse(testing::read_file(world()));
  doc["github"]["environments"]["production"]["branches"] = {"release"};
  std::ofstream(world()) << doc.dump(2);
  const auto v = failsim("validate '" + world() + "'");
  EXPECT_EQ(v.exit_code, 2) << v.out;
  EXPECT_NE(v.out.find("/github/environments/production/branches: environment production allows deploys from [release] "
                       "only, and deploys are dispatched on the default branch trunk"), std::string::npos) << v.out;
}

// Nothing a run computes depends on the folder an import ran in: the same files imported
// in two folders give byte-identical schedules.
TEST_F(AcmeImport, TheScheduleIsTheSameWhereverTheImportRan) {
  std::string schedules[2];
  for (int i = 0; i < 2; ++i) {
    const fs::path here = dir / (i == 0 ? "a" : "deep/er/b");
    fs::create_directories(here / "rules");
    fs::copy_file(acme + "prometheus.yml", here / "prometheus.yml");
    fs::copy_file(acme + "rules/runners.yml", here / "rules" / "runners.yml");
    fs::create_directories(here / "targets");
    fs::copy_file(acme + "targets/node.json", here / "targets" / "node.json");
    const std::string w = (here / "world.json").string();
    auto r = testing::run_command("cd '" + here.string() + "' && '" FAILSIM_BINARY "' import prometheus prometheus.yml "
                                  "--runners-from ci-runners --fqdn prom.acme --out world.json 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    r = failsim("import github --runners '" + acme + "runners.json' --out '" + w + "'");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    r = failsim("import workflow '" + acme + "deploy.yml' --out '" + w + "'");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    r = failsim("schedule '" + w + "'");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    schedules[i] = r.out;
    EXPECT_NE(r.out.find("\"file\": \"/etc/prometheus/rules/runners.yml\""), std::string::npos) << r.out;
  }
  EXPECT_EQ(schedules[0], schedules[1]);
}

// What `gh api --paginate` saves comes in three shapes; a broken page names its byte.
TEST_F(AcmeImport, PagesOneAfterAnotherOrSlurpedReadTheSameAndABrokenOneIsNamed) {
  ASSERT_EQ(prometheus().exit_code, 0);
  const std::string pages = testing::read_file(acme + "runners.json");
  const auto nl = pages.find('\n');
  std::ofstream(dir / "slurped.json") << "[" << pages.substr(0, nl) << "," << pages.substr(nl + 1) << "]";
  auto r = failsim("import github --runners '" + (dir / "slurped.json").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("imported 3 GitHub runner(s)"), std::string::npos) << r.out;
  std::ofstream(dir / "broken.json") << pages.substr(0, nl + 1) << "{\"runners\": [";
  r = failsim("import github --runners '" + (dir / "broken.json").string() + "' --out '" + world() + "'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("broken.json: not JSON at byte " + std::to_string(nl + 1)), std::string::npos) << r.out;
  std::ofstream(dir / "wrong.json") << R"({"workflow_runs": []})";
  r = failsim("import github --runners '" + (dir / "wrong.json").string() + "'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("page 1: expected an object with a \"runners\" array, as GET /repos/O/R/actions/runners answers"),
            std::string::npos) << r.out;
}

}  // namespace
}  // namespace failsim
