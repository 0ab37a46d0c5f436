// The github_degraded fault end to end in a run (harness/runs/run.cc, sim/github/github.h):
// a refused dispatch is a failed dispatch to the failover logic (re-dispatch per the
// policy, then give up, with GitHub's answer in the diagnosis), a spent rate limit
// likewise, an added latency delays the dispatch by exactly that, a slow pickup delays
// the deploy by the hold (and one as long as the policy's pickup_timeout makes it fail
// over and give up); and the scenario format checks its fields.
#include <gtest/gtest.h>

#include <algorithm>

#include "harness/inputs/inputs.h"
#include "harness/runs/run.h"
#include "tests/source_dir.h"

namespace failsim::harness {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

using testing::kSource;

struct Outcome {
  RunResult result;
  std::optional<double> dispatched_seconds;  // the first "deploy dispatch" trace event
};

// healthy-primary (one deploy at 5m) under health-gated-failover, seed 1, with `fault`.
Outcome run_with(const std::optional<sim::github::ApiDegradation>& degradation) {
  auto loaded = load_run(kSource + "/scenarios/healthy-primary.json", "", "");
  EXPECT_TRUE(loaded) << loaded.error();
  LoadedRun run = std::move(loaded).value();
  if (degradation) {
    FaultSpec f;
    f.kind = FaultSpec::Kind::kGitHubDegraded;
    f.at = minutes(4);
    f.length = minutes(20);
    f.github = *degradation;
    run.scenario.faults.push_back(f);
  }
  RunInputs in{&run.scenario, &run.policy, &run.rules};
  Outcome o{run_scenario(in, 1), std::nullopt};
  const std::int64_t start_us = to_us(run.scenario.world.start);
  for (const auto& e : o.result.trace) {
    if (e.category == "deploy" && e.name == "dispatch") {
      o.dispatched_seconds = static_cast<double>(e.t_us - start_us) / 1e6;
      break;
    }
  }
  return o;
}

TEST(GitHubDegraded, ARefusedDispatchFailsOverThenGivesUpWithGitHubsAnswer) {
  sim::github::ApiDegradation d;
  d.error_rate = 1;
  d.status = 503;
  const Outcome o = run_with(d);
  EXPECT_EQ(o.result.outcome, "failed");
  ASSERT_FALSE(o.result.deploys.empty());
  EXPECT_NE(o.result.deploys[0].diagnosis.find("GitHub refused the workflow dispatch: HTTP 503 Service Unavailable"),
            std::string::npos)
      << o.result.deploys[0].diagnosis;
  const auto refused = std::count_if(o.result.trace.begin(), o.result.trace.end(),
                                     [](const TraceEvent& e) { return e.name == "dispatch_refused"; });
  EXPECT_EQ(refused, 2) << "health-gated-failover dispatches at most twice";
  EXPECT_FALSE(o.dispatched_seconds.has_value()) << "no run was created";
  ASSERT_EQ(o.result.faults.size(), 1u);
  EXPECT_EQ(o.result.faults[0].what, "github_degraded errors 100 % (HTTP 503)");
  EXPECT_EQ(o.result.detection_seconds, std::nullopt) << "a GitHub outage does not start the detection clock";
}

TEST(GitHubDegraded, ASpentRateLimitRefusesTheDispatchWith403) {
  sim::github::ApiDegradation d;
  d.rate_limited = true;
  const Outcome o = run_with(d);
  EXPECT_EQ(o.result.outcome, "failed");
  EXPECT_NE(o.result.deploys[0].diagnosis.find("HTTP 403 API rate limit exceeded for user ID 1."), std::string::npos)
      << o.result.deploys[0].diagnosis;
}

TEST(GitHubDegraded, AddedLatencyDelaysTheDispatchAndSlowPickupTheDeploy) {
  const Outcome base = run_with(std::nullopt);
  ASSERT_TRUE(base.dispatched_seconds);
  ASSERT_TRUE(base.result.deploy_seconds);
  sim::github::ApiDegradation slow;
  slow.added_latency = seconds(30);
  const Outcome late = run_with(slow);
  ASSERT_TRUE(late.dispatched_seconds);
  EXPECT_DOUBLE_EQ(*late.dispatched_seconds - *base.dispatched_seconds, 30.0);
  EXPECT_EQ(late.result.outcome, "deployed");
  sim::github::ApiDegradation pickup;
  pickup.pickup_delay = minutes(2);
  const Outcome held = run_with(pickup);
  ASSERT_TRUE(held.result.deploy_seconds) << held.result.deploys[0].diagnosis;
  EXPECT_EQ(held.result.outcome, "deployed");
  // The job waited the 2 minutes before GitHub offered it; the rest of the deploy draws
  // the same step times, so the deploy took 2 minutes longer.
  EXPECT_NEAR(*held.result.deploy_seconds - *base.result.deploy_seconds, 120.0, 0.01);  // LAN latencies are redrawn: < 1 ms
  // A hold as long as the policy's pickup_timeout (3m): the policy cancels, fails over,
  // and the second dispatch waits as long: the deploy fails.
  pickup.pickup_delay = minutes(3);
  const Outcome stuck = run_with(pickup);
  EXPECT_EQ(stuck.result.outcome, "failed");
  EXPECT_NE(stuck.result.deploys[0].diagnosis.find("not picked up within 3m"), std::string::npos)
      << stuck.result.deploys[0].diagnosis;
}

TEST(GitHubDegraded, TheScenarioFormatChecksItsFields) {
  auto loaded = load_run(kSource + "/scenarios/healthy-primary.json", "", "");
  ASSERT_TRUE(loaded);
  const Scenario& scenario = loaded.value().scenario;
  auto ok = parse_fault(R"({"kind": "github_degraded", "error_rate": 0.5, "status": 502, "added_latency": "2s",
                            "rate_limited": true, "pickup_delay": "1m", "for": "5m"})",
                        "test", scenario);
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ(ok.value().github.error_rate, 0.5);
  EXPECT_EQ(ok.value().github.status, 502);
  EXPECT_EQ(ok.value().github.added_latency, seconds(2));
  EXPECT_TRUE(ok.value().github.rate_limited);
  EXPECT_EQ(ok.value().github.pickup_delay, minutes(1));
  EXPECT_EQ(fault_to_json(ok.value()).dump(),
            R"({"kind":"github_degraded","at":"0s","for":"5m","error_rate":0.5,"status":502,"added_latency":"2s","rate_limited":true,"pickup_delay":"1m"})");
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"kind": "github_degraded"})", "/error_rate: a github_degraded fault needs at least one of"},
      {R"({"kind": "github_degraded", "error_rate": 1.5})", "/error_rate"},
      {R"({"kind": "github_degraded", "error_rate": 1, "status": 404})", "/status"},
      {R"({"kind": "github_degraded", "error_rate": 1, "status": 501})", "/status: expected 500, 502 or 503"},
      {R"({"kind": "github_degraded", "error_rate": 1, "flap_down": "1m"})", "/flap_down"},
  };
  for (const auto& [text, error] : bad) {
    auto r = parse_fault(text, "test", scenario);
    ASSERT_FALSE(r) << text;
    EXPECT_NE(r.error().find(error), std::string::npos) << text << ": " << r.error();
  }
}

}  // namespace
}  // namespace failsim::harness
