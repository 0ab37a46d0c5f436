// Every outcome explains itself: a run that did not deploy says why (non-empty, and the
// right cause), a deploy that reached production while GitHub failed its job is its own
// outcome (the double-deploy trap), and a Prometheus restart drops a pending alert as
// 2.42 does.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/inputs/inputs.h"
#include "harness/runs/run.h"
#include "harness/inputs/scenario.h"
#include "tests/source_dir.h"

namespace failsim::harness {
namespace {

using testing::kSource;
const std::string kAsBuilt = kSource + "/scenarios/policies/paws360-as-built.json";

struct DiagnosisInputs {
  Scenario scenario;
  failover::Policy policy;
  std::vector<sim::prometheus::RuleGroupSpec> rules;
};

DiagnosisInputs load_inputs(const std::string& scenario_path, const std::string& policy_path = "") {
  auto run = load_run(scenario_path, policy_path, "", false, {});
  EXPECT_TRUE(run.has_value()) << (run ? "" : run.error());
  return DiagnosisInputs{run.value().scenario, run.value().policy, run.value().rules};
}

RunResult run(const DiagnosisInputs& l, std::uint64_t seed) { return run_scenario(RunInputs{&l.scenario, &l.policy, &l.rules}, seed); }

// A scenario on PAWS360's world, written beside the shipped ones (so its relative paths hold).
std::string scenario_file(const std::string& name, const std::string& body) {
  const auto path = std::filesystem::temp_directory_path() / ("failsim-diagnosis-" + name + ".json");
  std::ofstream(path) << R"({"scenario_version": 1, "world": ")" << kSource << R"(/worlds/paws360.json", "name": ")" << name
                      << R"(", "policy": ")" << kSource << R"(/scenarios/policies/health-gated-failover.json", )" << body << "}";
  return path.string();
}

std::string trace_text(const RunResult& r) {
  std::string out;
  for (const auto& e : r.trace) out += e.category + " " + e.name + " " + e.detail + "\n";
  return out;
}

TEST(Diagnosis, EveryShippedRunThatDidNotDeploySaysWhy) {
  const char* paws[] = {"healthy-primary", "failover", "concurrency", "interruption", "interruption-cancelled",
                        "serotonin-exporter-partition", "prometheus-down"};
  const char* north[] = {"healthy-primary", "failover", "concurrency", "interruption", "interruption-cancelled",
                         "exporter-partition", "prometheus-down"};
  int explained = 0;
  auto check = [&](const std::string& scenario, const std::string& policy) {
    const DiagnosisInputs l = load_inputs(scenario, policy);
    for (std::uint64_t seed = 1; seed <= 3; ++seed) {
      const RunResult r = run(l, seed);
      for (const auto& d : r.deploys) {
        if (d.outcome == "deployed") continue;
        EXPECT_FALSE(d.diagnosis.empty()) << scenario << " " << policy << " seed " << seed << ": " << d.version << " " << d.outcome;
        ++explained;
      }
    }
  };
  for (const char* s : paws) {
    for (const char* p : {"paws360-as-built", "health-gated-failover"}) {
      check(kSource + "/scenarios/" + s + ".json", kSource + "/scenarios/policies/" + p + ".json");
    }
  }
  for (const char* s : north) {
    for (const char* p : {"northwind-gated", "northwind-in-job"}) {
      check(kSource + "/scenarios/northwind/" + s + ".json", kSource + "/scenarios/policies/" + p + ".json");
    }
  }
  EXPECT_GT(explained, 30);  // cancelled, superseded, failed and blocked requests were all looked at
}

// Both runners down: the deploy waits for a runner; the diagnosis names the labels and
// every runner's state, the trace ends with it, and no_request_lost is broken.
TEST(Diagnosis, AStuckDeployNamesTheLabelsItWaitsForAndEveryRunner) {
  // As built the job is dispatched first and gated on its runner: it waits for one.
  const DiagnosisInputs l = load_inputs(scenario_file("all-down", R"("workload": {"deploys": [{"at": "5m", "version": "v9"}]},
      "faults": [{"kind": "host_down", "at": "1m", "runner": "Serotonin-paws360"},
                 {"kind": "host_down", "at": "1m", "runner": "dell-r640-01-runner"}],
      "run_length": "40m")"), kAsBuilt);
  const RunResult r = run(l, 1);
  ASSERT_EQ(r.outcome, "stuck");
  const std::string& why = r.deploys.at(0).diagnosis;
  EXPECT_NE(why.find("waits for a runner with all of [self-hosted, production"), std::string::npos) << why;
  EXPECT_NE(why.find("every runner that has them is offline or busy"), std::string::npos) << why;
  EXPECT_NE(why.find("Serotonin-paws360 (offline, idle"), std::string::npos) << why;
  EXPECT_NE(why.find("dell-r640-01-runner (offline, idle"), std::string::npos) << why;
  EXPECT_EQ(r.trace.back().name, "stuck") << trace_text(r);
  EXPECT_FALSE(r.invariants.at("no_request_lost"));
}

// A job nobody starts ends after the queue's time-to-live: the cause is that, not a
// runner's lost communication (the old record named an empty runner).
TEST(Diagnosis, AJobThatExpiredInTheQueueSaysSoNotLostCommunication) {
  DiagnosisInputs l = load_inputs(scenario_file("expired", R"("workload": {"deploys": [{"at": "5m", "version": "v9"}]},
      "faults": [{"kind": "host_down", "at": "1m", "runner": "Serotonin-paws360"},
                 {"kind": "host_down", "at": "1m", "runner": "dell-r640-01-runner"}],
      "run_length": "2h")"), kAsBuilt);
  l.scenario.world.github.queue_ttl = std::chrono::minutes(30);  // 24 h would only take longer
  const RunResult r = run(l, 1);
  ASSERT_EQ(r.outcome, "failed") << r.deploys.at(0).diagnosis;
  const std::string& why = r.deploys.at(0).diagnosis;
  EXPECT_NE(why.find("never started"), std::string::npos) << why;
  EXPECT_EQ(why.find("lost communication"), std::string::npos) << why;
  EXPECT_EQ(why.find("runner  "), std::string::npos) << why;
}

// The double-deploy trap: the runner loses GitHub for 30 minutes right after production
// took the deploy. Its worker reports completion 5 times, 5 s apart (actions/runner
// JobRunner.cs), every report is lost, and GitHub fails the job with lost communication:
// production runs the version, the run is red. A 2-minute cut is survived (the lock's
// renewals resume, the last report gets through).
TEST(Diagnosis, ADeployThatLandedWhileGitHubFailedTheJobIsItsOwnOutcome) {
  const DiagnosisInputs cut = load_inputs(scenario_file("cut", R"("workload": {"deploys": [{"at": "5m", "version": "v1.3.0"}]},
      "faults": [{"kind": "partition", "at": "6m30s", "for": "30m", "from": "serotonin", "to": "github"}],
      "run_length": "2h")"));
  int trapped = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const RunResult r = run(cut, seed);
    if (r.runner != "Serotonin-paws360") continue;  // GitHub placed it on the other runner
    ++trapped;
    EXPECT_EQ(r.outcome, "deployed_job_failed") << seed;
    EXPECT_EQ(r.final_version, "v1.3.0");
    EXPECT_FALSE(r.invariants.at("job_agrees_with_production"));
    EXPECT_NE(r.deploys.at(0).diagnosis.find("a re-run deploys it again"), std::string::npos) << r.deploys.at(0).diagnosis;
    EXPECT_NE(trace_text(r).find("deploy job_disagrees v1.3.0 is in production, but GitHub concluded its job failure"),
              std::string::npos);
  }
  EXPECT_GT(trapped, 0);
  const DiagnosisInputs brief = load_inputs(scenario_file("brief", R"("workload": {"deploys": [{"at": "5m", "version": "v1.3.0"}]},
      "faults": [{"kind": "partition", "at": "6m30s", "for": "2m", "from": "serotonin", "to": "github"}],
      "run_length": "2h")"));
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const RunResult r = run(brief, seed);
    EXPECT_EQ(r.outcome, "deployed") << seed << ": " << r.deploys.at(0).diagnosis;
    EXPECT_TRUE(r.invariants.at("job_agrees_with_production"));
  }
}

// Prometheus 2.42 loses a pending alert with its process: the first evaluation after the
// restart makes a new one (rules/manager.go; tests/harness/runs/prometheus_restart_test.cc pins
// the restart against the real server). The trace shows the drop, and the detection
// chain's pending is the new one, so pending -> firing is the rule's `for`, not more.
TEST(Diagnosis, APrometheusRestartDropsThePendingAlert) {
  const DiagnosisInputs l = load_inputs(scenario_file("restart", R"("workload": {"deploys": [{"at": "25m", "version": "v9"}]},
      "faults": [{"kind": "partition", "at": "5m", "from": "monitoring", "to": "serotonin", "port": 9102},
                 {"kind": "host_down", "at": "6m", "for": "20s", "host": "monitoring"}],
      "run_length": "30m")"));
  const RunResult r = run(l, 1);
  const std::string t = trace_text(r);
  EXPECT_NE(t.find("pending->inactive serotonin:9102"), std::string::npos) << t;
  ASSERT_TRUE(r.detection_chain.has_value()) << t;
  ASSERT_TRUE(r.detection_chain->pending_seconds.has_value());
  EXPECT_GT(*r.detection_chain->pending_seconds, 6 * 60 + 20.0) << "the pending alert made after the restart";
  // runner-up-corrected.yml's alert on up: for 2m (the gated policy's rules).
  EXPECT_LE(r.detection_chain->firing_seconds - *r.detection_chain->pending_seconds, 120.0 + 15.0);
}

// The Alertmanager as a host of the network: Prometheus's sends to it can be lost. With
// the link from Prometheus cut while the alert fires, the first notification waits for
// the first resend after the link heals (--rules.alert.resend-delay, 1m), then group_wait.
TEST(Diagnosis, AnAlertmanagerCutOffFromPrometheusNotifiesAfterTheResendThatGetsThrough) {
  const auto dir = std::filesystem::temp_directory_path() / ("failsim-amhost-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ifstream in(kSource + "/worlds/paws360.json");
  std::stringstream text;
  text << in.rdbuf();
  std::string world = text.str();
  const std::string from = R"("alertmanager": {)";
  world.replace(world.find(from), from.size(), R"("alertmanager": {"host": "alerts", "port": 9093, )");
  const std::string rules = R"("rule_files": [")";
  if (const auto at = world.find(rules); at != std::string::npos) world.insert(at + rules.size(), kSource + "/worlds/");
  std::ofstream(dir / "world.json") << world;
  auto scenario = [&](const std::string& name, const std::string& faults) {
    const auto path = dir / (name + ".json");
    std::ofstream(path) << R"({"scenario_version": 1, "world": ")" << (dir / "world.json").string() << R"(", "name": ")" << name
                        << R"(", "policy": ")" << kSource << R"(/scenarios/policies/health-gated-failover.json",
      "workload": {"deploys": [{"at": "40m", "version": "v9"}]}, "faults": [)" << faults << R"(], "run_length": "1h"})";
    return path.string();
  };
  const std::string partition = R"({"kind": "partition", "at": "5m", "from": "monitoring", "to": "serotonin", "port": 9102})";
  const DiagnosisInputs plain = load_inputs(scenario("plain", partition));
  const DiagnosisInputs cut = load_inputs(scenario("cut", partition + R"(, {"kind": "partition", "at": "6m", "for": "4m", "from": "monitoring", "to": "alerts"})"));
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const RunResult a = run(plain, seed);
    ASSERT_TRUE(a.detection_chain && a.detection_chain->notified_seconds) << trace_text(a);
    EXPECT_NEAR(*a.detection_chain->notified_seconds - a.detection_chain->firing_seconds, 30.0, 0.1) << "group_wait";
    const RunResult b = run(cut, seed);
    ASSERT_TRUE(b.detection_chain && b.detection_chain->notified_seconds) << trace_text(b);
    EXPECT_EQ(b.detection_chain->firing_seconds, a.detection_chain->firing_seconds) << "Prometheus fires as before";
    // Firing before 10m, every send lost until the link heals at 10m; the first resend
    // after that gets through, then group_wait (30 s).
    EXPECT_GT(*b.detection_chain->notified_seconds, 10 * 60 + 30.0);
    EXPECT_LE(*b.detection_chain->notified_seconds, 10 * 60 + 60 + 30 + 1.0);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace failsim::harness
