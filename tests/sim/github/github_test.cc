// The GitHub model against ../shared/reference/github-prometheus-semantics.md section A:
// concurrency groups (A1: two, three, four arrivals; cancel-in-progress; queue: max;
// case-insensitive names; workflow-level groups), label matching (A2, with a runner
// that carries both primary and secondary), the 60 s pickup rule and 24 h queue limit
// (A2), lost communication (A4, observed timing), timeout-minutes (A3), cancellation.
#include "sim/github/github.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace failsim::sim::github {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// A well-behaved runner fleet: every runner polls every 30 s while `alive`, picks an
// offered job up after 1 s, renews its lock every 60 s, and finishes a job after
// `job_length` (success).
class Fleet {
 public:
  Fleet(Engine& engine, GitHub& gh) : engine_(engine), gh_(gh) {
    gh_.on_offer([this](const std::string& runner, std::int64_t job) {
      if (!alive_[runner] || ignore_offers_.count(runner)) return;
      engine_.schedule_after(seconds(1), [this, runner, job] {
        if (alive_[runner] && gh_.pick_up(runner, job)) work(runner, job);
      });
    });
  }

  void add(const std::string& name, std::vector<std::string> labels) {
    gh_.register_runner(name, std::move(labels));
    alive_[name] = true;
    poll_loop(name);
  }
  void kill(const std::string& name) { alive_[name] = false; }  // host down: silence
  void ignore_offers(const std::string& name) { ignore_offers_.insert(name); }
  Duration job_length = minutes(5);

 private:
  void poll_loop(const std::string& name) {
    if (!alive_[name]) return;
    gh_.poll(name);
    engine_.schedule_after(seconds(30), [this, name] { poll_loop(name); });
  }
  void work(const std::string& runner, std::int64_t job) {
    renew(runner, job);
    engine_.schedule_after(job_length, [this, runner, job] {
      if (alive_[runner]) gh_.complete_job(job, true);
    });
  }
  void renew(const std::string& runner, std::int64_t job) {
    engine_.schedule_after(seconds(60), [this, runner, job] {
      const Job* j = gh_.job(job);
      if (!alive_[runner] || j == nullptr || j->status != Status::kInProgress) return;
      gh_.renew_lock(runner, job);
      renew(runner, job);
    });
  }

  Engine& engine_;
  GitHub& gh_;
  std::map<std::string, bool> alive_;
  std::set<std::string> ignore_offers_;
};

WorkflowSpec deploy_workflow(bool cancel_in_progress = false, bool queue_max = false, const std::string& group = "production-deployment") {
  WorkflowSpec w;
  w.file = "ci.yml";
  JobSpec j;
  j.name = "deploy-to-production";
  j.runs_on = {"self-hosted", "production", "primary"};
  j.concurrency = ConcurrencySpec{group, cancel_in_progress, queue_max};
  w.jobs.push_back(j);
  return w;
}

class GitHubModel : public ::testing::Test {
 protected:
  Engine engine;
  GitHubTimings timings;
  std::unique_ptr<GitHub> gh;
  std::unique_ptr<Fleet> fleet;

  void make() {
    gh = std::make_unique<GitHub>(engine, Rng::stream(3, "github"), timings);
    fleet = std::make_unique<Fleet>(engine, *gh);
    fleet->add("Serotonin-paws360", {"self-hosted", "Linux", "X64", "primary", "production"});
  }
  std::int64_t dispatch(const WorkflowSpec& w) {
    auto r = gh->dispatch(w, "master");
    EXPECT_TRUE(r.has_value());
    return r.value();
  }
  const Job& job_of(std::int64_t run) { return *gh->job(gh->run(run)->job_ids.at(0)); }
};

// Environments (GitHub's deployment protection rules): a job that names one waits in
// status "waiting" for its wait timer and its reviewers, then queues as usual; a branch
// the environment does not allow fails the job at once with GitHub's message.
TEST_F(GitHubModel, AnEnvironmentHoldsTheJobForItsWaitTimerAndReviewers) {
  make();
  EnvironmentSpec env;
  env.wait_timer = minutes(2);
  env.required_reviewers = true;
  env.approval_after = minutes(5);
  gh->set_environments({{"production", env}});
  WorkflowSpec w = deploy_workflow();
  w.jobs[0].environment = "production";
  const auto run = dispatch(w);
  engine.run_until(TimePoint(minutes(4)));
  EXPECT_EQ(job_of(run).status, Status::kWaiting);
  const std::string why = gh->describe_run(run);
  EXPECT_NE(why.find("waits for environment production's protection rules (wait timer 2m, required reviewers (they approve "
                     "after 5m)"), std::string::npos) << why;
  engine.run_until(TimePoint(minutes(5) + seconds(2)));
  EXPECT_EQ(job_of(run).status, Status::kInProgress) << "the later of the two rules releases it";
}

TEST_F(GitHubModel, ABranchTheEnvironmentRefusesFailsTheJobAtOnce) {
  make();
  EnvironmentSpec env;
  env.branches = {"main"};
  gh->set_environments({{"production", env}});
  WorkflowSpec w = deploy_workflow();
  w.jobs[0].environment = "production";
  const auto run = dispatch(w);  // on "master"
  EXPECT_EQ(job_of(run).conclusion, "failure");
  EXPECT_EQ(job_of(run).annotations.at(0),
            "Branch \"master\" is not allowed to deploy to production due to environment protection rules.");
  EXPECT_NE(gh->describe_run(run).find("run " + std::to_string(run) + " completed failure"), std::string::npos);
}

TEST_F(GitHubModel, TwoArrivalsOneRunsOneWaits) {
  make();
  const auto a = dispatch(deploy_workflow());
  const auto b = dispatch(deploy_workflow());
  engine.run_until(TimePoint(seconds(10)));
  EXPECT_EQ(job_of(a).status, Status::kInProgress);
  EXPECT_EQ(job_of(b).status, Status::kPending);
  engine.run_until(engine.now() + hours(2));
  EXPECT_EQ(job_of(a).conclusion, "success");
  EXPECT_EQ(job_of(b).conclusion, "success");
  EXPECT_GE(*job_of(b).started_at, *job_of(a).completed_at) << "serialized";
}

TEST_F(GitHubModel, ThreeAndFourArrivalsCancelTheOlderPendingWhateverCancelInProgressSays) {
  make();
  const auto a = dispatch(deploy_workflow());
  const auto b = dispatch(deploy_workflow());
  const auto c = dispatch(deploy_workflow());
  engine.run_until(TimePoint(seconds(10)));
  EXPECT_EQ(job_of(b).status, Status::kCompleted);
  EXPECT_EQ(job_of(b).conclusion, "cancelled");
  ASSERT_FALSE(job_of(b).annotations.empty());
  EXPECT_EQ(job_of(b).annotations[0],
            "Canceling since a higher priority waiting request for production-deployment exists");
  EXPECT_EQ(job_of(c).status, Status::kPending);
  const auto d = dispatch(deploy_workflow());
  engine.run_until(engine.now() + hours(2));
  EXPECT_EQ(job_of(a).conclusion, "success");
  EXPECT_EQ(job_of(c).conclusion, "cancelled");
  EXPECT_EQ(job_of(d).conclusion, "success");
  EXPECT_EQ(gh->run(b)->conclusion, "cancelled");
}

TEST_F(GitHubModel, CancelInProgressAlsoCancelsTheRunningJob) {
  make();
  const auto a = dispatch(deploy_workflow(true));
  engine.run_until(TimePoint(minutes(1)));
  ASSERT_EQ(job_of(a).status, Status::kInProgress);
  const auto b = dispatch(deploy_workflow(true));
  engine.run_until(TimePoint(minutes(1) + seconds(10)));  // 10 s: SIGINT, SIGTERM at 7.5 s, kill at 10 s
  EXPECT_EQ(job_of(a).conclusion, "cancelled");
  EXPECT_EQ(*job_of(a).completed_at, TimePoint(minutes(1) + seconds(10)));
  engine.run_until(engine.now() + hours(2));
  EXPECT_EQ(job_of(b).conclusion, "success");
}

TEST_F(GitHubModel, QueueMaxKeepsEveryArrivalInOrderUpToTheLimit) {
  timings.queue_max = 3;  // the real limit is 100; a small one exercises the overflow
  make();
  std::vector<std::int64_t> runs;
  for (int i = 0; i < 5; ++i) runs.push_back(dispatch(deploy_workflow(false, true)));
  engine.run_until(engine.now() + hours(2));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(job_of(runs[i]).conclusion, "success") << i;
  EXPECT_EQ(job_of(runs[4]).conclusion, "cancelled") << "the queue was full";
  for (int i = 1; i < 4; ++i) EXPECT_GT(*job_of(runs[i]).started_at, *job_of(runs[i - 1]).started_at) << "FIFO";
  EXPECT_FALSE(gh->dispatch(deploy_workflow(true, true), "master").has_value())
      << "queue: max with cancel-in-progress is a validation error";
  EXPECT_EQ(GitHubTimings{}.queue_max, 100);
}

TEST_F(GitHubModel, GroupNamesAreCaseInsensitive) {
  make();
  const auto a = dispatch(deploy_workflow(false, false, "Production-Deployment"));
  const auto b = dispatch(deploy_workflow(false, false, "production-deployment"));
  engine.run_until(TimePoint(seconds(10)));
  EXPECT_EQ(job_of(a).status, Status::kInProgress);
  EXPECT_EQ(job_of(b).status, Status::kPending);
}

TEST_F(GitHubModel, WorkflowLevelGroupHoldsWholeRuns) {
  make();
  WorkflowSpec w = deploy_workflow(false, false, "");
  w.concurrency = ConcurrencySpec{"deploy", false, false};
  const auto a = dispatch(w);
  const auto b = dispatch(w);
  engine.run_until(TimePoint(seconds(10)));
  EXPECT_EQ(gh->run(a)->status, Status::kInProgress);
  EXPECT_EQ(gh->run(b)->status, Status::kPending);
  EXPECT_TRUE(gh->run(b)->job_ids.empty()) << "a pending run has not created its jobs";
  engine.run_until(engine.now() + hours(2));
  EXPECT_EQ(gh->run(b)->conclusion, "success");
}

TEST_F(GitHubModel, LabelMatchingWithARunnerCarryingPrimaryAndSecondary) {
  EXPECT_TRUE(GitHub::labels_match({"self-hosted", "Linux", "X64", "staging", "primary", "production", "secondary"},
                                   {"self-hosted", "production", "primary"}));
  EXPECT_TRUE(GitHub::labels_match({"self-hosted", "Linux", "X64"}, {"self-hosted", "linux", "x64"})) << "any case";
  EXPECT_FALSE(GitHub::labels_match({"self-hosted", "Linux", "X64", "primary"}, {"self-hosted", "production", "primary"}));
  // Both runners match the as-built deploy job; the choice is a seeded draw.
  std::map<std::string, int> chosen;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    Engine e;
    GitHub g(e, Rng::stream(seed, "github"));
    Fleet f(e, g);
    f.add("Serotonin-paws360", {"self-hosted", "Linux", "X64", "primary", "production"});
    f.add("dell-r640-01-runner", {"self-hosted", "Linux", "X64", "staging", "primary", "production", "secondary"});
    const auto run = g.dispatch(deploy_workflow(), "master").value();
    e.run_until(TimePoint(seconds(5)));
    ++chosen[g.job(g.run(run)->job_ids[0])->runner_name];
  }
  EXPECT_GT(chosen["Serotonin-paws360"], 5);
  EXPECT_GT(chosen["dell-r640-01-runner"], 5);
}

TEST_F(GitHubModel, UnpickedJobReturnsToTheQueueAfterSixtySeconds) {
  make();
  fleet->ignore_offers("Serotonin-paws360");  // e.g. a runner that is shutting down
  const auto run = dispatch(deploy_workflow());
  engine.run_until(TimePoint(seconds(59)));
  EXPECT_EQ(job_of(run).status, Status::kQueued);
  fleet->add("dell-r640-01-runner", {"self-hosted", "primary", "production", "secondary"});
  engine.run_until(TimePoint(seconds(59) + seconds(1)));
  EXPECT_TRUE(job_of(run).runner_name.empty()) << "the job is still offered to Serotonin";
  engine.run_until(TimePoint(seconds(62)));
  EXPECT_EQ(job_of(run).runner_name, "dell-r640-01-runner") << "re-queued at 60 s, picked up 1 s later";
  EXPECT_EQ(*job_of(run).started_at, TimePoint(seconds(61)));
}

TEST_F(GitHubModel, JobWithNoRunnerEndsAfterTwentyFourHours) {
  make();
  fleet->kill("Serotonin-paws360");
  engine.run_until(TimePoint(minutes(5)));  // offline after its last poll
  const auto run = dispatch(deploy_workflow());
  engine.run_until(TimePoint(minutes(5) + hours(24) - seconds(1)));
  EXPECT_EQ(job_of(run).status, Status::kQueued);
  engine.run_until(TimePoint(minutes(5) + hours(24)));
  EXPECT_EQ(job_of(run).status, Status::kCompleted);
  EXPECT_EQ(job_of(run).conclusion, "failure");
}

TEST_F(GitHubModel, RunnerThatVanishesMidJobFailsItTenMinutesAfterTheLastRenewal) {
  make();
  fleet->job_length = hours(1);
  const auto run = dispatch(deploy_workflow());
  engine.run_until(TimePoint(minutes(3) + seconds(30)));  // renewals at 61 s, 121 s, 181 s
  fleet->kill("Serotonin-paws360");
  engine.run_until(TimePoint(seconds(181) + minutes(10) - seconds(1)));
  EXPECT_EQ(job_of(run).status, Status::kInProgress);
  engine.run_until(TimePoint(seconds(181) + minutes(10)));
  EXPECT_EQ(job_of(run).conclusion, "failure");
  ASSERT_FALSE(job_of(run).annotations.empty());
  EXPECT_EQ(job_of(run).annotations[0].rfind("The self-hosted runner: Serotonin-paws360 lost communication with the server.", 0), 0u);
  EXPECT_FALSE(gh->runners().at("Serotonin-paws360").online);
}

TEST_F(GitHubModel, TimeoutMinutesDefaultsTo360) {
  make();
  fleet->job_length = hours(10);
  const auto run = dispatch(deploy_workflow());
  engine.run_until(TimePoint(seconds(1) + minutes(360) - seconds(1)));
  EXPECT_EQ(job_of(run).status, Status::kInProgress);
  engine.run_until(TimePoint(seconds(1) + minutes(360)));
  EXPECT_EQ(job_of(run).conclusion, "cancelled");
  WorkflowSpec w = deploy_workflow(false, false, "other");
  w.jobs[0].timeout_minutes = 30;
  const auto short_run = dispatch(w);
  engine.run_until(engine.now() + minutes(31) + seconds(1));
  EXPECT_EQ(job_of(short_run).status, Status::kCompleted);
}

TEST_F(GitHubModel, CancelRunAndCancelCompletedRun) {
  make();
  fleet->job_length = minutes(30);
  const auto run = dispatch(deploy_workflow());
  engine.run_until(TimePoint(minutes(1)));
  ASSERT_TRUE(gh->cancel_run(run).has_value());
  engine.run_until(TimePoint(minutes(1) + seconds(10)));
  EXPECT_EQ(job_of(run).conclusion, "cancelled");
  EXPECT_EQ(gh->run(run)->conclusion, "cancelled");
  const auto again = gh->cancel_run(run);
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error(), "Cannot cancel a workflow run that is completed.");
  EXPECT_EQ(gh->cancel_run(999).error(), "Not Found");
}

TEST_F(GitHubModel, RunnerGoesOfflineWhenPollsStopAndAtOnceOnAGracefulStop) {
  make();
  engine.run_until(TimePoint(seconds(10)));
  EXPECT_TRUE(gh->runners().at("Serotonin-paws360").online);
  fleet->kill("Serotonin-paws360");  // last poll at 0 s
  engine.run_until(TimePoint(seconds(89)));
  EXPECT_TRUE(gh->runners().at("Serotonin-paws360").online);
  engine.run_until(TimePoint(seconds(90)));
  EXPECT_FALSE(gh->runners().at("Serotonin-paws360").online);
  fleet->add("dell-r640-01-runner", {"self-hosted", "primary", "production"});
  fleet->job_length = hours(1);
  const auto run = dispatch(deploy_workflow());
  engine.run_until(engine.now() + seconds(5));
  gh->runner_stopped("dell-r640-01-runner");
  EXPECT_FALSE(gh->runners().at("dell-r640-01-runner").online);
  EXPECT_EQ(job_of(run).conclusion, "failure");
  EXPECT_NE(job_of(run).annotations.back().find("received a shutdown signal"), std::string::npos);
}

}  // namespace
}  // namespace failsim::sim::github

namespace failsim::sim::github {
namespace {

// github_degraded, slow pickup: a queued job is offered pickup_delay after it entered the
// queue, not before; ending the degradation offers a held job at once.
TEST_F(GitHubModel, ASlowPickupHoldsQueuedJobsAndItsEndReleasesThem) {
  make();
  gh->set_degradation(ApiDegradation{0, 503, Duration(0), false, minutes(3)});
  const auto a = dispatch(deploy_workflow(false, false, ""));
  engine.run_until(TimePoint(seconds(179)));
  EXPECT_EQ(job_of(a).status, Status::kQueued) << "held for the 3 minutes";
  EXPECT_TRUE(job_of(a).offered_to.empty());
  engine.run_until(TimePoint(seconds(182)));
  EXPECT_EQ(job_of(a).status, Status::kInProgress) << "offered at 3m, picked up 1 s later";
  EXPECT_EQ(job_of(a).started_at, TimePoint(seconds(181)));
  engine.run_until(engine.now() + hours(1));  // a finishes
  const auto b = dispatch(deploy_workflow(false, false, ""));
  const TimePoint queued = engine.now();
  engine.run_until(queued + seconds(30));
  EXPECT_EQ(job_of(b).status, Status::kQueued);
  gh->set_degradation(std::nullopt);
  engine.run_until(queued + seconds(32));
  EXPECT_EQ(job_of(b).status, Status::kInProgress) << "the degradation ended at +30 s";
}

// A REST call under github_degraded: a spent token is 403 with GitHub's message, an error
// rate of 1 always fails with the status, a fraction fails about that often, and no
// degradation (or an error rate of 0) draws nothing.
TEST(GitHubDegradation, RefusalsFollowTheFaultAndDrawOnlyForAFraction) {
  Rng draws = Rng::stream(7, "github/api");
  ApiDegradation d;
  d.rate_limited = true;
  auto r = refuse_rest_call(d, draws);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 403);
  EXPECT_EQ(r->message.rfind("API rate limit exceeded for user ID 1.", 0), 0u);
  d = ApiDegradation{};
  d.error_rate = 1;
  d.status = 502;
  r = refuse_rest_call(d, draws);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 502);
  EXPECT_EQ(r->message, "Bad Gateway");
  d.error_rate = 0;
  d.added_latency = seconds(2);
  Rng untouched = Rng::stream(7, "github/api");
  Rng probe = Rng::stream(7, "github/api");
  EXPECT_FALSE(refuse_rest_call(d, probe));
  EXPECT_EQ(probe.next_u64(), untouched.next_u64()) << "no draw without an error fraction";
  d.error_rate = 0.3;
  int refused = 0;
  for (int i = 0; i < 10'000; ++i) refused += refuse_rest_call(d, draws) ? 1 : 0;
  EXPECT_NEAR(refused, 3'000, 200);
}

}  // namespace
}  // namespace failsim::sim::github
