// Runner hosts in the assembled world: the exporter exactly as PAWS360's emits it
// (paws360-as-built.md §3.1), the service states as GitHub sees them (reference A4),
// a job lost when its host dies, and the Serotonin incident end to end: the exporter
// unreachable from Prometheus while the runner stays online to GitHub.
#include "sim/runner/runner_host.h"

#include <gtest/gtest.h>

#include "sim/world.h"
#include "tests/world_fixture.h"

namespace failsim::sim {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

github::WorkflowSpec deploy_workflow() {
  github::WorkflowSpec w;
  w.file = "ci.yml";
  github::JobSpec j;
  j.name = "deploy-to-production";
  j.runs_on = {"self-hosted", "production", "primary"};
  j.concurrency = github::ConcurrencySpec{"production-deployment", false, false};
  w.jobs.push_back(j);
  return w;
}

class WorldTest : public ::testing::Test {
 protected:
  std::unique_ptr<World> world;
  void make(std::uint64_t seed = 1) {
    world = std::make_unique<World>(failsim::testing::paws360_world(seed));
    ASSERT_TRUE(world->start().has_value());
  }
  TimePoint at(Duration d) { return world->spec().start + d; }
  prometheus::Vector instant(const std::string& q) {
    auto r = world->prometheus().query(q);
    EXPECT_TRUE(r.has_value()) << q;
    return r.has_value() ? std::get<prometheus::Vector>(r.value()) : prometheus::Vector{};
  }
};

TEST_F(WorldTest, ExporterEmitsPaws360Series) {
  make();
  world->engine().run_until(at(minutes(1)));
  const auto& m = *world->runner("Serotonin-paws360")->metrics();
  ASSERT_EQ(m.size(), 7u);
  EXPECT_EQ(m[0].first, prometheus::make_labels({{"__name__", "runner_status"}, {"hostname", "Serotonin"},
                                                  {"environment", "production"}, {"authorized_for_prod", "true"},
                                                  {"active_state", "active"}}));
  EXPECT_EQ(m[0].second, 1.0);
  EXPECT_EQ(prometheus::label_value(m[6].first, "__name__"), "runner_last_check_in_timestamp_seconds");
  EXPECT_EQ(world->runner("dell-r640-01-runner")->metrics()->size(), 6u) << "dell's check-in is hidden";
  EXPECT_EQ(world->runner("dell-r640-01-runner")->metrics(), world->runner("dell-r640-01-runner")->metrics())
      << "an unchanged exporter hands out the same exposition";
  // Through Prometheus: the as-built preflight query answers 1 for both runners.
  EXPECT_EQ(instant("runner_status{hostname=\"Serotonin\",environment=\"production\"}")[0].value, 1);
  EXPECT_EQ(instant("up")[0].value, 1);
  // The check-in is refreshed at every 50 s poll and scraped every 15 s.
  EXPECT_LE(instant("time() - runner_last_check_in_timestamp_seconds")[0].value, 50 + 15);
}

TEST_F(WorldTest, StoppedServiceReadsZeroAndIsOfflineAtOnce) {
  make();
  world->engine().run_until(at(minutes(1)));
  world->runner("Serotonin-paws360")->stop_service();
  world->engine().run_until(at(minutes(1) + seconds(1)));
  EXPECT_FALSE(world->github().runners().at("Serotonin-paws360").online) << "a graceful stop deregisters the session";
  world->engine().run_until(at(minutes(2)));
  const auto v = instant("runner_status{hostname=\"Serotonin\"}");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].value, 0) << "the exporter still answers: runner_status reads 0";
  EXPECT_EQ(prometheus::label_value(v[0].labels, "active_state"), "unknown");
}

TEST_F(WorldTest, CrashedServiceGoesOfflineOnlyAfterPollsLapse) {
  make();
  world->engine().run_until(at(minutes(1)));
  world->runner("Serotonin-paws360")->crash_service();
  world->engine().run_until(at(minutes(1) + seconds(30)));
  EXPECT_TRUE(world->github().runners().at("Serotonin-paws360").online) << "GitHub has not noticed yet";
  world->engine().run_until(at(minutes(3)));
  EXPECT_FALSE(world->github().runners().at("Serotonin-paws360").online);
}

TEST_F(WorldTest, HostDyingMidJobLosesTheJobAboutTenMinutesLater) {
  make();
  world->engine().run_until(at(minutes(1)));
  std::int64_t started = 0;
  std::string on;
  for (auto& r : world->runners()) {
    r->on_job_started([&, host = r.get()](std::int64_t job) {
      started = job;
      on = host->spec().runner_name;
      host->run_step(job, minutes(60), [] { FAIL() << "the step cannot finish on a dead host"; });
    });
  }
  const auto run = world->github().dispatch(deploy_workflow(), "master").value();
  world->engine().run_until(at(minutes(3)));
  ASSERT_NE(started, 0);
  world->runner(on)->set_host_up(false);
  const TimePoint died = world->engine().now();
  world->engine().run_until(died + minutes(12));
  const auto* job = world->github().job(started);
  ASSERT_EQ(job->status, github::Status::kCompleted);
  EXPECT_EQ(job->conclusion, "failure");
  EXPECT_GT(*job->completed_at, died + minutes(9));
  EXPECT_LE(*job->completed_at, died + minutes(10));
  EXPECT_EQ(world->github().run(run)->conclusion, "failure");
  EXPECT_TRUE(instant("up{instance=\"" + world->runner(on)->spec().host + ":" +
                      std::to_string(world->runner(on)->spec().exporter_port) + "\"} == 0")
                  .size() == 1u);
}

TEST_F(WorldTest, SerotoninIncidentExporterUnreachableRunnerOnline) {
  make();
  NetworkFault drop;
  drop.from = "monitoring";
  drop.to = "serotonin";
  drop.port = 9102;
  drop.start = at(minutes(1));
  world->network().add_fault(drop);
  world->engine().run_until(at(minutes(5)));
  EXPECT_TRUE(world->github().runners().at("Serotonin-paws360").online) << "the runner still polls GitHub";
  EXPECT_TRUE(instant("runner_status{hostname=\"Serotonin\",environment=\"production\"}").empty())
      << "the as-built preflight would read null and exit 1";
  EXPECT_EQ(instant("up{instance=\"serotonin:9102\"}")[0].value, 0);
  const auto& targets = world->prometheus().targets();
  EXPECT_EQ(targets[0].last_error, "context deadline exceeded");
  EXPECT_EQ(instant("runner_status{hostname=\"dell-r640-01\"}")[0].value, 1);
}

TEST_F(WorldTest, SameSeedSameWorld) {
  auto run = [](std::uint64_t seed) {
    World w(failsim::testing::paws360_world(seed));
    EXPECT_TRUE(w.start().has_value());
    w.engine().run_until(w.spec().start + minutes(30));
    std::string digest;
    for (const auto& [labels, samples] : w.prometheus().store().series()) {
      digest += prometheus::to_string(labels);
      for (const auto& s : samples) digest += ":" + std::to_string(s.t_ms) + "=" + std::to_string(s.value);
    }
    return digest;
  };
  EXPECT_EQ(run(5), run(5));
  EXPECT_NE(run(5), run(6)) << "offsets and latencies depend on the seed";
}

}  // namespace
}  // namespace failsim::sim
