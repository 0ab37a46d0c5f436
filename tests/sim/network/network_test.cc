// The network model: one-way partitions (the Serotonin incident: Prometheus cannot
// reach serotonin:9102 while the runner reaches GitHub and a workstation reaches the
// exporter), drop versus reject, host down, time-bounded and flapping faults, loss,
// added latency.
#include "sim/network/network.h"

#include <gtest/gtest.h>

#include <string>

namespace failsim::sim {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

class NetworkTest : public ::testing::Test {
 protected:
  Engine engine;
  Network net{engine, Rng::stream(1, "network")};

  void SetUp() override {
    for (const char* h : {"monitoring", "serotonin", "dell-r640-01", "github", "workstation"}) net.add_host(h);
    net.set_default_latency(Distribution::fixed(milliseconds(1)));
  }

  // Calls to:port from `from` now; runs the engine until the callback; returns it.
  CallResult<int> call(const std::string& from, const std::string& to, int port, bool listening = true,
                       Duration timeout = seconds(10), Duration service = milliseconds(20)) {
    std::optional<CallResult<int>> got;
    net.request<int>(
        from, to, port, timeout,
        [listening, service]() -> std::optional<Served<int>> {
          if (!listening) return std::nullopt;
          return Served<int>{42, service};
        },
        [&got](const CallResult<int>& r) {
          EXPECT_FALSE(got.has_value()) << "callback ran twice";
          got = r;
        });
    engine.run();
    EXPECT_TRUE(got.has_value());
    return got.value_or(CallResult<int>{CallStatus::kTimeout, std::nullopt, Duration(-1)});
  }
};

TEST_F(NetworkTest, HealthyCallTakesTwoLatenciesPlusServiceTime) {
  const auto r = call("monitoring", "serotonin", 9102);
  EXPECT_EQ(r.status, CallStatus::kOk);
  EXPECT_EQ(r.response, 42);
  EXPECT_EQ(r.elapsed, milliseconds(22));
}

TEST_F(NetworkTest, OneWayDropPartitionIsTheSerotoninIncident) {
  NetworkFault f;
  f.from = "monitoring";
  f.to = "serotonin";
  f.port = 9102;
  f.mode = FaultMode::kDrop;
  net.add_fault(f);
  const auto scrape = call("monitoring", "serotonin", 9102);
  EXPECT_EQ(scrape.status, CallStatus::kTimeout);
  EXPECT_EQ(scrape.elapsed, seconds(10)) << "the caller waits out its whole timeout";
  EXPECT_EQ(call("workstation", "serotonin", 9102).status, CallStatus::kOk) << "fine from elsewhere";
  EXPECT_EQ(call("serotonin", "github", 443).status, CallStatus::kOk) << "the runner still reaches GitHub";
  EXPECT_EQ(call("serotonin", "monitoring", 9090).status, CallStatus::kOk) << "one way only";
  EXPECT_EQ(call("monitoring", "serotonin", 22).status, CallStatus::kOk) << "only port 9102 is cut";
}

TEST_F(NetworkTest, RejectRefusesAtOnceAndNothingListeningIsRefusedToo) {
  NetworkFault f;
  f.to = "serotonin";
  f.port = 22;
  f.mode = FaultMode::kReject;
  net.add_fault(f);
  const auto ssh = call("workstation", "serotonin", 22);
  EXPECT_EQ(ssh.status, CallStatus::kRefused);
  EXPECT_EQ(ssh.elapsed, milliseconds(2)) << "one round trip";
  const auto closed = call("monitoring", "dell-r640-01", 9101, /*listening=*/false);
  EXPECT_EQ(closed.status, CallStatus::kRefused);
  EXPECT_EQ(closed.elapsed, milliseconds(2));
}

TEST_F(NetworkTest, DownHostAnswersNothing) {
  net.set_host_up("serotonin", false);
  const auto r = call("monitoring", "serotonin", 9102, true, seconds(3));
  EXPECT_EQ(r.status, CallStatus::kTimeout);
  EXPECT_EQ(r.elapsed, seconds(3));
  net.set_host_up("serotonin", true);
  EXPECT_EQ(call("monitoring", "serotonin", 9102).status, CallStatus::kOk);
}

TEST_F(NetworkTest, FaultsAreTimeBounded) {
  NetworkFault f;
  f.from = "monitoring";
  f.to = "serotonin";
  f.start = TimePoint(minutes(1));
  f.length = minutes(2);
  net.add_fault(f);
  EXPECT_EQ(call("monitoring", "serotonin", 9102).status, CallStatus::kOk);
  engine.run_until(TimePoint(minutes(1)));
  EXPECT_EQ(call("monitoring", "serotonin", 9102).status, CallStatus::kTimeout);
  engine.run_until(TimePoint(minutes(3)) - milliseconds(1));
  EXPECT_EQ(call("monitoring", "serotonin", 9102, true, milliseconds(100)).status, CallStatus::kTimeout);
  engine.run_until(TimePoint(minutes(3)));
  EXPECT_EQ(call("monitoring", "serotonin", 9102).status, CallStatus::kOk) << "healed at start + length";
}

TEST_F(NetworkTest, FlappingAlternatesDownAndUp) {
  NetworkFault f;
  f.from = "monitoring";
  f.to = "serotonin";
  f.flap_down = seconds(20);
  f.flap_up = seconds(40);
  net.add_fault(f);
  std::string pattern;
  for (int s = 0; s < 120; s += 10) {
    engine.run_until(TimePoint(seconds(s)));
    pattern += call("monitoring", "serotonin", 9102, true, seconds(1)).status == CallStatus::kOk ? '+' : '-';
  }
  EXPECT_EQ(pattern, "--++++--++++");
}

TEST_F(NetworkTest, LossIsSeededAndHasItsProbability) {
  NetworkFault f;
  f.kind = NetworkFault::Kind::kLoss;
  f.to = "serotonin";
  f.loss_probability = 0.3;
  net.add_fault(f);
  int lost = 0;
  for (int i = 0; i < 2000; ++i) lost += call("monitoring", "serotonin", 9102, true, seconds(1)).status != CallStatus::kOk;
  EXPECT_NEAR(lost / 2000.0, 0.3, 0.04);
  // The same seed loses the same requests.
  Engine e2;
  Network n2(e2, Rng::stream(1, "network"));
  for (const char* h : {"monitoring", "serotonin"}) n2.add_host(h);
  n2.set_default_latency(Distribution::fixed(milliseconds(1)));
  n2.add_fault(f);
  Engine e3;
  Network n3(e3, Rng::stream(1, "network"));
  for (const char* h : {"monitoring", "serotonin"}) n3.add_host(h);
  n3.set_default_latency(Distribution::fixed(milliseconds(1)));
  n3.add_fault(f);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(n2.route("monitoring", "serotonin", 9102).fate, n3.route("monitoring", "serotonin", 9102).fate);
  }
}

TEST_F(NetworkTest, AddedLatencyCanPushPastTheTimeout) {
  NetworkFault f;
  f.kind = NetworkFault::Kind::kLatency;
  f.from = "monitoring";
  f.to = "serotonin";
  f.added_latency = seconds(4);
  const int id = net.add_fault(f);
  EXPECT_EQ(call("monitoring", "serotonin", 9102).elapsed, seconds(4) + milliseconds(22));
  EXPECT_EQ(call("monitoring", "serotonin", 9102, true, seconds(3)).status, CallStatus::kTimeout);
  net.remove_fault(id);
  EXPECT_EQ(call("monitoring", "serotonin", 9102).elapsed, milliseconds(22));
}

}  // namespace
}  // namespace failsim::sim
