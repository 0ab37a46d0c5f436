// Deploy lifecycles as pure state-machine runs: success first try; failure then retry;
// lost runner then failover; rollback; give up; each asserting the actions, the
// decisions and their reasons. No mocks, sleeps or servers: the test is the world.
#include "failover/orchestrator.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/failover/policy_files.h"

namespace failsim::failover {
namespace {

using Q = QueryOutcome;
using K = Action::Kind;
using std::chrono::seconds;

TimePoint at(int s) { return TimePoint(seconds(s)); }

std::vector<Q> healthy5() { return {Q::of_value(1), Q::of_value(1), Q::of_value(10), Q::of_value(10), Q::of_value(20)}; }
std::vector<Q> scrape_down5() { return {Q::of_value(0), Q::empty(), Q::empty(), Q::empty(), Q::empty()}; }

std::vector<Q> concat(std::vector<Q> a, const std::vector<Q>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

bool log_has(const DeployOrchestrator& o, Decision::Kind kind, const std::string& text) {
  for (const auto& d : o.log()) {
    if (d.kind != kind) continue;
    if (d.message.find(text) != std::string::npos) return true;
    for (const auto& r : d.reasons) {
      if (r.find(text) != std::string::npos) return true;
    }
  }
  return false;
}

class Gated : public ::testing::Test {
 protected:
  Policy policy = load_shipped_policy("health-gated-failover.json");
};

TEST_F(Gated, SuccessFirstTry) {
  DeployOrchestrator o(policy, "v2", "v1");
  auto a = o.start(at(0));
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(a[0].kind, K::kRunQueries);
  EXPECT_EQ(a[0].queries.size(), 10u) << "five checks for each of two candidates";
  a = o.on_query_results(at(1), concat(healthy5(), healthy5()));
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(a[0].kind, K::kDispatch);
  EXPECT_EQ(a[0].labels, (std::vector<std::string>{"self-hosted", "production", "serotonin"}));
  a = o.on_job_assigned(at(5), "Serotonin-paws360", "Serotonin");
  ASSERT_EQ(a[0].kind, K::kRunAttempt);
  EXPECT_EQ(a[0].attempt, 1);
  EXPECT_EQ(a[0].version, "v2");
  EXPECT_EQ(a[0].timeout, seconds(600));
  a = o.on_attempt_result(at(200), AttemptResult::kSuccess, 0.5);
  ASSERT_EQ(a[0].kind, K::kPostDeployCheck);
  a = o.on_post_check(at(210), true);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].kind, K::kCompleteJob);
  EXPECT_TRUE(a[0].job_success);
  EXPECT_EQ(a[1].kind, K::kDone);
  EXPECT_EQ(o.outcome(), Outcome::kDeployed);
  EXPECT_EQ(o.deployed_on(), "Serotonin-paws360");
  EXPECT_EQ(o.attempts(), 1);
  EXPECT_EQ(o.dispatches(), 1);
  EXPECT_FALSE(o.first_noticed().has_value()) << "nothing was unhealthy";
  EXPECT_TRUE(log_has(o, Decision::Kind::kSelect, "target Serotonin-paws360"));
}

TEST_F(Gated, FailureThenRetryWithJitteredBackoff) {
  DeployOrchestrator o(policy, "v2", "v1");
  o.start(at(0));
  o.on_query_results(at(0), concat(healthy5(), healthy5()));
  o.on_job_assigned(at(3), "Serotonin-paws360", "Serotonin");
  auto a = o.on_attempt_result(at(100), AttemptResult::kError, 0.5);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(a[0].kind, K::kWaitUntil);
  EXPECT_EQ(a[0].wake_at, at(100) + std::chrono::milliseconds(22500)) << "equal jitter: 15s + 0.5 * 15s";
  EXPECT_TRUE(log_has(o, Decision::Kind::kRetry, "attempt 1 of 3 ended in an error; retrying after 22s500ms"));
  EXPECT_TRUE(o.on_attempt_result(at(101), AttemptResult::kSuccess, 0).empty()) << "not attempting: ignored";
  EXPECT_TRUE(log_has(o, Decision::Kind::kIgnored, "attempt result"));
  a = o.on_timer(a[0].wake_at);
  ASSERT_EQ(a[0].kind, K::kRunAttempt);
  EXPECT_EQ(a[0].attempt, 2);
  o.on_attempt_result(at(300), AttemptResult::kSuccess, 0);
  o.on_post_check(at(310), true);
  EXPECT_EQ(o.outcome(), Outcome::kDeployed);
  EXPECT_EQ(o.attempts(), 2);
}

TEST_F(Gated, LostRunnerThenFailoverToTheSecondary) {
  DeployOrchestrator o(policy, "v2", "v1");
  o.start(at(0));
  o.on_query_results(at(0), concat(healthy5(), healthy5()));
  o.on_job_assigned(at(2), "Serotonin-paws360", "Serotonin");
  auto a = o.on_job_ended(at(700), JobEnd::kLost);
  ASSERT_EQ(a.size(), 1u) << "the lost job is already over: no CompleteJob";
  ASSERT_EQ(a[0].kind, K::kRunQueries);
  EXPECT_EQ(a[0].queries.size(), 5u) << "only the untried candidate is assessed";
  EXPECT_NE(a[0].queries[0].find("dell-r640-01:9101"), std::string::npos);
  EXPECT_EQ(o.first_noticed(), at(700));
  EXPECT_TRUE(log_has(o, Decision::Kind::kFailover, "lost communication"));
  a = o.on_query_results(at(701), healthy5());
  ASSERT_EQ(a[0].kind, K::kDispatch);
  EXPECT_EQ(a[0].labels, (std::vector<std::string>{"self-hosted", "production", "dell-r640-01"}));
  a = o.on_job_assigned(at(705), "dell-r640-01-runner", "dell-r640-01");
  EXPECT_EQ(a[0].attempt, 1) << "attempts restart on the new runner";
  o.on_attempt_result(at(900), AttemptResult::kSuccess, 0);
  o.on_post_check(at(905), true);
  EXPECT_EQ(o.outcome(), Outcome::kDeployed);
  EXPECT_EQ(o.deployed_on(), "dell-r640-01-runner");
  EXPECT_EQ(o.dispatches(), 2);
  EXPECT_EQ(o.attempts(), 2);
}

TEST_F(Gated, RunFailedInAnUpstreamJobIsRedispatched) {
  // The run's build job lost its runner before the deploy job existed: no deploy job
  // will ever come, so the request must not wait for one.
  DeployOrchestrator o(policy, "v2", "v1");
  o.start(at(0));
  o.on_query_results(at(0), concat(healthy5(), healthy5()));
  EXPECT_EQ(o.dispatches(), 1);
  auto a = o.on_upstream_ended(at(120), JobEnd::kLost, "build on builder");
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a[0].kind, K::kRunQueries) << "re-dispatch (redispatch_on_lost): the gate runs again first";
  EXPECT_TRUE(log_has(o, Decision::Kind::kFailover, "job build on builder lost communication"));
  EXPECT_EQ(o.first_noticed(), at(120));
  a = o.on_query_results(at(121), healthy5());  // the untried candidate only
  ASSERT_FALSE(a.empty());
  ASSERT_EQ(a[0].kind, K::kDispatch);
  EXPECT_EQ(o.dispatches(), 2);
  // Once the deploy job runs, an upstream end is not this request's business.
  o.on_job_assigned(at(200), "Serotonin-paws360", "Serotonin");
  EXPECT_EQ(o.on_upstream_ended(at(210), JobEnd::kLost, "build on builder").size(), 0u);
  EXPECT_TRUE(log_has(o, Decision::Kind::kIgnored, "upstream job build on builder ended"));
}

// GitHub refused the dispatch (a degraded API, github_degraded): no run exists; a failed
// dispatch like a failed deploy: re-dispatch (gate first), then give up with GitHub's
// answer in the diagnosis. Once a runner has the job, a late refusal is ignored.
TEST_F(Gated, ARefusedDispatchIsRedispatchedThenGivesUpWithGitHubsAnswer) {
  DeployOrchestrator o(policy, "v2", "v1");
  o.start(at(0));
  o.on_query_results(at(0), concat(healthy5(), healthy5()));
  ASSERT_EQ(o.dispatches(), 1);
  auto a = o.on_dispatch_failed(at(0), "HTTP 503 Service Unavailable");
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a[0].kind, K::kRunQueries) << "re-dispatch (redispatch_on_failure): the gate runs again first";
  EXPECT_TRUE(log_has(o, Decision::Kind::kFailover, "GitHub refused the workflow dispatch: HTTP 503 Service Unavailable"));
  EXPECT_EQ(o.first_noticed(), at(0));
  a = o.on_query_results(at(1), healthy5());
  ASSERT_FALSE(a.empty());
  ASSERT_EQ(a[0].kind, K::kDispatch);
  EXPECT_EQ(o.dispatches(), 2);
  a = o.on_dispatch_failed(at(1), "HTTP 403 API rate limit exceeded for user ID 1.");
  ASSERT_EQ(a.back().kind, K::kDone);
  EXPECT_EQ(o.outcome(), Outcome::kFailed);
  EXPECT_NE(o.diagnosis().find("GitHub refused the workflow dispatch: HTTP 403 API rate limit exceeded"), std::string::npos)
      << o.diagnosis();
  DeployOrchestrator late(policy, "v3", "v1");
  late.start(at(0));
  late.on_query_results(at(0), concat(healthy5(), healthy5()));
  late.on_job_assigned(at(5), "Serotonin-paws360", "Serotonin");
  EXPECT_EQ(late.on_dispatch_failed(at(6), "HTTP 502 Bad Gateway").size(), 0u);
  EXPECT_TRUE(log_has(late, Decision::Kind::kIgnored, "dispatch failed (HTTP 502 Bad Gateway)"));
}

TEST_F(Gated, RunCancelledInAnUpstreamJobEndsCancelled) {
  DeployOrchestrator o(policy, "v2", "v1");
  o.start(at(0));
  o.on_query_results(at(0), concat(healthy5(), healthy5()));
  const auto a = o.on_upstream_ended(at(30), JobEnd::kCancelled, "build on builder");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].kind, K::kDone);
  EXPECT_EQ(o.outcome(), Outcome::kCancelled);
  EXPECT_NE(o.diagnosis().find("during its job build on builder"), std::string::npos);
}

TEST_F(Gated, EveryAttemptFailsOnBothRunnersThenRollback) {
  DeployOrchestrator o(policy, "v2", "v1");
  o.start(at(0));
  auto a = o.on_query_results(at(0), concat(healthy5(), healthy5()));
  const std::pair<const char*, const char*> runners[] = {{"Serotonin-paws360", "Serotonin"},
                                                         {"dell-r640-01-runner", "dell-r640-01"}};
  int t = 10;
  for (int r = 0; r < 2; ++r) {
    a = o.on_job_assigned(at(t), runners[r].first, runners[r].second);
    for (int attempt = 1; attempt <= 3; ++attempt) {
      ASSERT_EQ(a.back().kind, K::kRunAttempt);
      a = o.on_attempt_result(at(t += 60), AttemptResult::kTimeout, 0.0);
      if (attempt < 3) {
        ASSERT_EQ(a[0].kind, K::kWaitUntil);
        a = o.on_timer(a[0].wake_at);
      }
    }
    if (r == 0) {
      ASSERT_EQ(a.size(), 2u);
      EXPECT_EQ(a[0].kind, K::kCompleteJob);
      EXPECT_FALSE(a[0].job_success);
      ASSERT_EQ(a[1].kind, K::kRunQueries);
      a = o.on_query_results(at(t), healthy5());
      ASSERT_EQ(a[0].kind, K::kDispatch);
    }
  }
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].kind, K::kCompleteJob);
  ASSERT_EQ(a[1].kind, K::kRollback);
  EXPECT_EQ(a[1].version, "v1");
  EXPECT_TRUE(log_has(o, Decision::Kind::kFailover, "no failover: 2 dispatch(es) used of 2"));
  a = o.on_rollback_done(at(t + 30), true);
  ASSERT_EQ(a[0].kind, K::kDone);
  EXPECT_EQ(o.outcome(), Outcome::kRolledBack);
  EXPECT_EQ(o.attempts(), 6);
  EXPECT_NE(o.diagnosis().find("rolled back to v1"), std::string::npos) << o.diagnosis();
}

TEST_F(Gated, EnforcedPostDeployCheckFailsOverThenRollsBack) {
  policy.max_dispatches = 1;
  DeployOrchestrator o(policy, "v2", "v1");
  o.start(at(0));
  o.on_query_results(at(0), concat(healthy5(), healthy5()));
  o.on_job_assigned(at(1), "Serotonin-paws360", "Serotonin");
  o.on_attempt_result(at(100), AttemptResult::kSuccess, 0);
  auto a = o.on_post_check(at(110), false);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[1].kind, K::kRollback);
  o.on_rollback_done(at(150), true);
  EXPECT_EQ(o.outcome(), Outcome::kRolledBack);
  EXPECT_NE(o.diagnosis().find("post-deploy health check failed"), std::string::npos);
}

TEST_F(Gated, FailFastWhenNoCandidateIsHealthy) {
  DeployOrchestrator o(policy, "v2", "v1");
  o.start(at(0));
  auto a = o.on_query_results(at(4), concat(scrape_down5(), std::vector<Q>(5, Q::failed("timeout"))));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].kind, K::kDone) << "nothing dispatched, nothing to roll back";
  EXPECT_EQ(o.outcome(), Outcome::kFailed);
  EXPECT_EQ(o.dispatches(), 0);
  EXPECT_EQ(o.first_noticed(), at(4));
  EXPECT_EQ(o.diagnosis().rfind("fail fast: no healthy authorized runner:", 0), 0u) << o.diagnosis();
  EXPECT_NE(o.diagnosis().find("gate up: value 0"), std::string::npos);
  EXPECT_NE(o.diagnosis().find("query failed (timeout)"), std::string::npos);
}

class AsBuilt : public ::testing::Test {
 protected:
  Policy policy = load_shipped_policy("paws360-as-built.json");
};

TEST_F(AsBuilt, GateRunsOnTheAssignedRunnerByHostname) {
  DeployOrchestrator o(policy, "v2", "v1");
  auto a = o.start(at(0));
  ASSERT_EQ(a[0].kind, K::kDispatch) << "as built, nothing is checked before dispatch";
  EXPECT_EQ(a[0].labels, (std::vector<std::string>{"self-hosted", "production", "primary"}));
  a = o.on_job_assigned(at(3), "dell-r640-01-runner", "dell-r640-01");
  ASSERT_EQ(a[0].kind, K::kRunQueries);
  ASSERT_EQ(a[0].queries.size(), 4u);
  EXPECT_EQ(a[0].queries[0], R"(runner_status{hostname="dell-r640-01",environment="production"})");
  a = o.on_query_results(at(4), {Q::of_value(1), Q::of_value(1), Q::of_value(3), Q::of_value(20)});
  ASSERT_EQ(a[0].kind, K::kRunAttempt);
}

TEST_F(AsBuilt, ExporterPartitionFailsAtPreflightAndNothingMovesTheJob) {
  DeployOrchestrator o(policy, "v2", "v1");
  o.start(at(0));
  o.on_job_assigned(at(3), "Serotonin-paws360", "Serotonin");
  auto a = o.on_query_results(at(4), {Q::empty(), Q::empty(), Q::empty(), Q::empty()});
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].kind, K::kCompleteJob);
  EXPECT_FALSE(a[0].job_success);
  EXPECT_EQ(a[1].kind, K::kDone);
  EXPECT_EQ(o.outcome(), Outcome::kFailed);
  EXPECT_EQ(o.attempts(), 0);
  EXPECT_EQ(o.first_noticed(), at(4));
  EXPECT_TRUE(log_has(o, Decision::Kind::kGate, "fails preflight"));
  EXPECT_NE(o.diagnosis().find("preflight runner_status: no series matched"), std::string::npos) << o.diagnosis();
}

TEST_F(AsBuilt, PrometheusDownPassesPreflightButBlocksAtTheGate) {
  DeployOrchestrator o(policy, "v2", "v1");
  o.start(at(0));
  o.on_job_assigned(at(3), "Serotonin-paws360", "Serotonin");
  o.on_query_results(at(4), std::vector<Q>(4, Q::failed("connection timed out")));
  EXPECT_EQ(o.outcome(), Outcome::kFailed);
  EXPECT_TRUE(log_has(o, Decision::Kind::kGate, "fails the health gate"));
  EXPECT_NE(o.diagnosis().find("gate runner_status: query failed (connection timed out) -> fail"), std::string::npos)
      << o.diagnosis();
}

TEST_F(AsBuilt, ThreeErrorsWaitThirtySecondsEachThenGiveUpWithoutRollback) {
  DeployOrchestrator o(policy, "v2", "v1");
  o.start(at(0));
  o.on_job_assigned(at(0), "Serotonin-paws360", "Serotonin");
  auto a = o.on_query_results(at(0), {Q::of_value(1), Q::of_value(1), Q::of_value(3), Q::of_value(20)});
  std::vector<TimePoint> wakes;
  int t = 0;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    ASSERT_EQ(a[0].kind, K::kRunAttempt);
    a = o.on_attempt_result(at(t += 100), AttemptResult::kError, 0.99);
    ASSERT_EQ(a[0].kind, K::kWaitUntil) << "the fixed wait runs after every failed attempt, the last included";
    wakes.push_back(a[0].wake_at);
    t += 30;
    a = o.on_timer(a[0].wake_at);
  }
  EXPECT_EQ(wakes, (std::vector<TimePoint>{at(130), at(260), at(390)}));
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].kind, K::kCompleteJob);
  EXPECT_EQ(a[1].kind, K::kDone);
  EXPECT_EQ(o.outcome(), Outcome::kFailed);
  EXPECT_TRUE(log_has(o, Decision::Kind::kRollback, "does nothing"));
  EXPECT_NE(o.diagnosis().find("nothing was rolled back"), std::string::npos);
}

TEST_F(AsBuilt, TimeoutIsNotRetried) {
  DeployOrchestrator o(policy, "v2", "v1");
  o.start(at(0));
  o.on_job_assigned(at(0), "Serotonin-paws360", "Serotonin");
  o.on_query_results(at(0), {Q::of_value(1), Q::of_value(1), Q::of_value(3), Q::of_value(20)});
  auto a = o.on_attempt_result(at(600), AttemptResult::kTimeout, 0.5);
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[1].kind, K::kDone);
  EXPECT_EQ(o.outcome(), Outcome::kFailed);
  EXPECT_EQ(o.attempts(), 1);
}

TEST_F(AsBuilt, IgnoredPostDeployFailureStillDeploys) {
  DeployOrchestrator o(policy, "v2", "v1");
  o.start(at(0));
  o.on_job_assigned(at(0), "Serotonin-paws360", "Serotonin");
  o.on_query_results(at(0), {Q::of_value(1), Q::of_value(1), Q::of_value(3), Q::of_value(20)});
  o.on_attempt_result(at(300), AttemptResult::kSuccess, 0);
  o.on_post_check(at(310), false);
  EXPECT_EQ(o.outcome(), Outcome::kDeployed);
  EXPECT_NE(o.diagnosis().find("post-deploy check failed and was ignored"), std::string::npos);
}

TEST_F(AsBuilt, CancelledRunEndsCancelledWithNoRollbackStep) {
  DeployOrchestrator o(policy, "v2", "v1");
  o.start(at(0));
  o.on_job_assigned(at(0), "Serotonin-paws360", "Serotonin");
  o.on_query_results(at(0), {Q::of_value(1), Q::of_value(1), Q::of_value(3), Q::of_value(20)});
  auto a = o.on_job_ended(at(30), JobEnd::kCancelled);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].kind, K::kDone);
  EXPECT_EQ(o.outcome(), Outcome::kCancelled);
  EXPECT_FALSE(log_has(o, Decision::Kind::kRollback, "")) << "failure() is false for a cancelled run";
  EXPECT_TRUE(o.on_timer(at(40)).empty());
}

TEST_F(AsBuilt, LostRunnerIsNotRedispatched) {
  DeployOrchestrator o(policy, "v2", "v1");
  o.start(at(0));
  o.on_job_assigned(at(0), "Serotonin-paws360", "Serotonin");
  o.on_query_results(at(0), {Q::of_value(1), Q::of_value(1), Q::of_value(3), Q::of_value(20)});
  o.on_job_ended(at(650), JobEnd::kLost);
  EXPECT_EQ(o.outcome(), Outcome::kFailed);
  EXPECT_EQ(o.dispatches(), 1);
  EXPECT_NE(o.diagnosis().find("lost communication"), std::string::npos);
}

// The team's selection command (policy.select): after the checks, one more kRunQueries
// runs it with the candidates it may choose; the first line it prints chooses, even a
// candidate the checks found unhealthy (said so); an exit other than 0, or a name it was
// not offered, chooses nobody and the deploy fails fast, saying why.
TEST_F(Gated, ASelectionCommandChoosesTheTarget) {
  policy.select = HealthCheck{};
  policy.select->name = "pick";
  policy.select->command = {"bash", "pick.sh", "${candidates}", "${healthy}"};
  auto command = [](int exit, const std::string& out) {
    auto q = Q::of_value(exit);
    q.output = out;
    q.error = "last line";
    return q;
  };
  {
    DeployOrchestrator o(policy, "v2", "v1");
    auto a = o.start(at(0));
    a = o.on_query_results(at(1), concat(scrape_down5(), healthy5()));
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(a[0].kind, K::kRunQueries);
    ASSERT_EQ(a[0].checks.size(), 1u);
    EXPECT_EQ(a[0].checks[0].stage, "select");
    EXPECT_EQ(a[0].checks[0].argv,
              (std::vector<std::string>{"bash", "pick.sh", "Serotonin-paws360 dell-r640-01-runner", "dell-r640-01-runner"}));
    EXPECT_EQ(o.waiting_for(), "waiting for the selection command pick");
    a = o.on_query_results(at(3), {command(0, "\n  Serotonin-paws360  \nignored\n")});
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(a[0].kind, K::kDispatch);
    EXPECT_EQ(a[0].labels, (std::vector<std::string>{"self-hosted", "production", "serotonin"}));
    EXPECT_TRUE(log_has(o, Decision::Kind::kSelect, "target Serotonin-paws360 (chosen by the selection command pick); the checks "
                                                    "found it unhealthy: gate up: value 0"));
  }
  {
    DeployOrchestrator o(policy, "v2", "v1");
    o.start(at(0));
    o.on_query_results(at(1), concat(healthy5(), healthy5()));
    auto a = o.on_query_results(at(3), {command(3, "")});
    EXPECT_EQ(o.outcome(), Outcome::kFailed);
    EXPECT_NE(o.diagnosis().find("fail fast: the selection command pick chose nobody: exited 3 (last line)"), std::string::npos)
        << o.diagnosis();
  }
  {
    DeployOrchestrator o(policy, "v2", "v1");
    o.start(at(0));
    o.on_query_results(at(1), concat(healthy5(), healthy5()));
    o.on_query_results(at(3), {command(0, "rack9\n")});
    EXPECT_EQ(o.outcome(), Outcome::kFailed);
    EXPECT_NE(o.diagnosis().find("it printed \"rack9\", not one of the candidates it was offered (Serotonin-paws360, "
                                 "dell-r640-01-runner)"), std::string::npos) << o.diagnosis();
  }
  {
    DeployOrchestrator o(policy, "v2", "v1");
    o.start(at(0));
    o.on_query_results(at(1), concat(healthy5(), healthy5()));
    o.on_query_results(at(3), {Q::failed("ran past its timeout and was killed")});
    EXPECT_NE(o.diagnosis().find("chose nobody: ran past its timeout and was killed"), std::string::npos) << o.diagnosis();
  }
}

}  // namespace
}  // namespace failsim::failover
