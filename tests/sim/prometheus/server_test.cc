// The Prometheus model on the engine and network (reference B1-B3: scrape timing,
// samples stamped at the scrape's start, up and scrape_duration_seconds, stale markers
// on a failed scrape, honor_labels; rule evaluation and alert state changes), replaying
// the Serotonin incident: a one-way drop from the Prometheus host to serotonin:9102.
#include "sim/prometheus/server.h"

#include <gtest/gtest.h>

#include "failover/duration.h"

namespace failsim::sim::prometheus {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

Exposition paws360_metrics(const std::string& hostname, const std::string& environment, double status) {
  return std::make_shared<Samples>(Samples{
      {make_labels({{"__name__", "runner_status"}, {"hostname", hostname}, {"environment", environment},
                    {"authorized_for_prod", "true"}, {"active_state", status == 1 ? "active" : "inactive"}}),
       status},
      {make_labels({{"__name__", "runner_cpu_usage_percent"}, {"hostname", hostname}, {"environment", environment}}), 5.9},
  });
}

class PrometheusModel : public ::testing::Test {
 protected:
  Engine engine;
  Network network{engine, Rng::stream(7, "network")};
  ExporterDirectory exporters;
  PrometheusConfig config;
  std::unique_ptr<PrometheusServer> prometheus;
  std::vector<AlertChange> changes;
  std::string dell_environment = "production";

  void SetUp() override {
    for (const char* h : {"monitoring", "serotonin", "dell-r640-01"}) network.add_host(h);
    network.set_default_latency(Distribution::fixed(milliseconds(1)));
    exporters.listen("serotonin", 9102, [] {
      return std::optional<Served<Exposition>>(Served<Exposition>{paws360_metrics("Serotonin", "production", 1), milliseconds(20)});
    });
    exporters.listen("dell-r640-01", 9101, [this] {
      return std::optional<Served<Exposition>>(Served<Exposition>{paws360_metrics("dell-r640-01", dell_environment, 1), milliseconds(20)});
    });
    config.evaluation_interval = seconds(15);
    prometheus = std::make_unique<PrometheusServer>(engine, network, exporters, config, Rng::stream(7, "prometheus"));
  }

  void configure(bool honor_labels) {
    ScrapeConfig sc;
    sc.job = "github-runner-health";
    sc.scrape_interval = seconds(15);
    sc.scrape_timeout = seconds(10);
    sc.honor_labels = honor_labels;
    sc.targets = {{"serotonin", 9102, make_labels({{"environment", "production"}, {"runner_name", "Serotonin-paws360"}})},
                  {"dell-r640-01", 9101, make_labels({{"environment", "production"}, {"runner_name", "dell-r640-01-runner"}})}};
    ASSERT_TRUE(prometheus->add_scrape_config(sc).has_value());
    const std::string rules = std::string(FAILSIM_SOURCE_DIR) + "/scenarios/rules/";
    for (const char* file : {"paws360-documented.yml", "runner-up-corrected.yml"}) {
      auto groups = load_rule_file(rules + file);
      ASSERT_TRUE(groups.has_value()) << groups.error();
      for (auto g : groups.value()) {
        g.name += std::string("@") + file;
        prometheus->add_rule_group(g);
      }
    }
    prometheus->on_alert_change([this](const AlertChange& c) { changes.push_back(c); });
    prometheus->start();
  }

  // Drops monitoring -> serotonin:9102 from 2m on; returns when the first failed
  // scrape (the first starting at or after 2m, a multiple of 15 s) becomes visible: its
  // 10 s timeout after it started.
  Duration partition_serotonin() {
    NetworkFault drop;
    drop.from = "monitoring";
    drop.to = "serotonin";
    drop.port = 9102;
    drop.start = TimePoint(minutes(2));
    network.add_fault(drop);
    return minutes(2) + prometheus->targets()[0].offset + seconds(10);
  }

  Vector instant(const std::string& q) {
    auto r = prometheus->query(q);
    EXPECT_TRUE(r.has_value()) << q;
    return r.has_value() ? std::get<Vector>(r.value()) : Vector{};
  }
};

TEST_F(PrometheusModel, ScrapesAtAFixedOffsetAndStampsSamplesAtTheStart) {
  configure(true);
  const Duration offset = prometheus->targets()[0].offset;
  ASSERT_GE(offset, Duration(0));
  ASSERT_LT(offset, seconds(15));
  // Before the first scrape completes nothing is visible; the sample is stamped at its start.
  engine.run_until(TimePoint(offset + milliseconds(21)));
  EXPECT_TRUE(instant("up{instance=\"serotonin:9102\"}").empty()) << "in flight: 2 ms of network + 20 ms of service";
  engine.run_until(TimePoint(offset + milliseconds(22)));
  ASSERT_EQ(instant("up{instance=\"serotonin:9102\"}").size(), 1u);
  const auto& series = prometheus->store().series();
  const auto it = series.find(make_labels({{"__name__", "up"}, {"instance", "serotonin:9102"}, {"job", "github-runner-health"},
                                           {"environment", "production"}, {"runner_name", "Serotonin-paws360"}}));
  ASSERT_NE(it, series.end());
  EXPECT_EQ(it->second[0].t_ms, to_us(TimePoint(offset)) / 1000);
  EXPECT_EQ(instant("scrape_duration_seconds{instance=\"serotonin:9102\"}")[0].value, 0.022);
  engine.run_until(TimePoint(minutes(2)));
  EXPECT_EQ(it->second.size(), 8u) << "every 15 s from the offset";
  EXPECT_EQ(it->second[1].t_ms - it->second[0].t_ms, 15'000);
  EXPECT_EQ(prometheus->targets()[0].health, "up");
}

TEST_F(PrometheusModel, HonorLabelsDecidesWhoseEnvironmentWins) {
  dell_environment = "staging";  // dell exported `staging` (paws360-as-built.md §3.2)
  configure(true);
  engine.run_until(TimePoint(seconds(30)));
  EXPECT_TRUE(instant("runner_status{hostname=\"dell-r640-01\",environment=\"production\"}").empty())
      << "with honor_labels the exporter's staging wins, so the as-built preflight query is empty";
  EXPECT_EQ(instant("runner_status{hostname=\"dell-r640-01\",environment=\"staging\"}").size(), 1u);
}

TEST_F(PrometheusModel, WithoutHonorLabelsTheTargetWinsAndTheExporterValueIsRenamed) {
  dell_environment = "staging";
  configure(false);
  engine.run_until(TimePoint(seconds(30)));
  const auto v = instant("runner_status{hostname=\"dell-r640-01\"}");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(label_value(v[0].labels, "environment"), "production");
  EXPECT_EQ(label_value(v[0].labels, "exported_environment"), "staging");
}

TEST_F(PrometheusModel, ExporterPartitionMakesUpZeroAndTheSeriesVanishAndOnlyTheUpAlertFires) {
  configure(true);
  const Duration visible = partition_serotonin();
  engine.run_until(TimePoint(visible - milliseconds(1)));
  EXPECT_EQ(instant("runner_status{hostname=\"Serotonin\"}").size(), 1u) << "the failing scrape is still in flight";
  engine.run_until(TimePoint(visible));
  EXPECT_TRUE(instant("runner_status{hostname=\"Serotonin\"}").empty()) << "stale: gone, not 0";
  const auto up = instant("up{instance=\"serotonin:9102\"}");
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].value, 0);
  EXPECT_EQ(instant("scrape_duration_seconds{instance=\"serotonin:9102\"}")[0].value, 10.0);
  EXPECT_EQ(prometheus->targets()[0].health, "down");
  EXPECT_EQ(prometheus->targets()[0].last_error, "context deadline exceeded");
  EXPECT_EQ(prometheus->targets()[1].health, "up") << "dell is untouched";
  engine.run_until(TimePoint(minutes(15)));
  // Evaluations run every 15 s from 0: the first one after `visible` sees up == 0
  // (pending), and RunnerScrapeDown (for: 2m) fires 2m later.
  const Duration first_eval = Duration((visible.count() / 15'000'000 + 1) * 15'000'000);
  std::optional<TimePoint> pending_at;
  std::optional<TimePoint> firing_at;
  for (const auto& c : changes) {
    EXPECT_NE(c.alertname, "RunnerOffline") << "runner_status == 0 must never fire on a failed scrape";
    if (c.alertname == "RunnerScrapeDown" && c.to == AlertState::kPending && !pending_at) pending_at = c.at;
    if (c.alertname == "RunnerScrapeDown" && c.to == AlertState::kFiring && !firing_at) firing_at = c.at;
  }
  ASSERT_TRUE(pending_at.has_value());
  ASSERT_TRUE(firing_at.has_value());
  EXPECT_EQ(*pending_at, TimePoint(first_eval));
  EXPECT_EQ(*firing_at, TimePoint(first_eval + minutes(2)));
  EXPECT_TRUE(prometheus->rule_errors().empty());
}

// An exporter answered 503 by an HTTP-level fault (a chaos proxy's http_status toxic): the
// scrape fails at once, not at its timeout; up is 0, the series go stale, and the target's
// lastError is scrape.go's "server returned HTTP status %s" (Prometheus 2.42: any status
// but 200 fails a scrape). `first` answers only the first N scrapes it sees.
TEST_F(PrometheusModel, AScrapeAnsweredAnHttpErrorStatusFailsAtOnceWithPrometheussMessage) {
  configure(true);
  NetworkFault answered;
  answered.kind = NetworkFault::Kind::kHttpStatus;
  answered.from = "monitoring";
  answered.to = "serotonin";
  answered.port = 9102;
  answered.http_status = 503;
  answered.http_first = 3;
  answered.start = TimePoint(minutes(2));
  network.add_fault(answered);
  const Duration first_failed = minutes(2) + prometheus->targets()[0].offset;
  engine.run_until(TimePoint(first_failed + milliseconds(2)));  // the round trip, no service time
  EXPECT_TRUE(instant("runner_status{hostname=\"Serotonin\"}").empty()) << "stale at once: the exporter never answered";
  EXPECT_EQ(instant("up{instance=\"serotonin:9102\"}")[0].value, 0);
  EXPECT_EQ(instant("scrape_duration_seconds{instance=\"serotonin:9102\"}")[0].value, 0.002);
  EXPECT_EQ(prometheus->targets()[0].health, "down");
  EXPECT_EQ(prometheus->targets()[0].last_error, "server returned HTTP status 503 Service Unavailable");
  engine.run_until(TimePoint(minutes(10)));
  // Three failed scrapes (2m+offset, +15 s, +30 s), then the exporter answers again.
  EXPECT_EQ(prometheus->targets()[0].health, "up");
  auto failed = prometheus->query("count_over_time((up{instance=\"serotonin:9102\"} == 0)[10m:15s])");
  ASSERT_TRUE(failed.has_value());
  ASSERT_EQ(std::get<Vector>(failed.value()).size(), 1u);
  EXPECT_EQ(std::get<Vector>(failed.value())[0].value, 3);
  EXPECT_EQ(prometheus->targets()[1].health, "up") << "dell is untouched";
}

TEST_F(PrometheusModel, TimeoutLongerThanIntervalIsRejected) {
  ScrapeConfig sc;
  sc.job = "x";
  sc.scrape_interval = seconds(5);
  sc.scrape_timeout = seconds(10);
  const auto r = prometheus->add_scrape_config(sc);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("scrape timeout greater than scrape interval"), std::string::npos);
}

}  // namespace
}  // namespace failsim::sim::prometheus

namespace failsim::sim::prometheus {
namespace {

// A Prometheus restart (its host down for 2 minutes) while RunnerScrapeDown (for: 2m)
// is pending: 2.42 keeps no `for` state under --rules.alert.for-grace-period (10m), so
// the alert starts pending again at the first evaluation after the restart and fires
// 2 minutes after that, not at the first evaluation (the old process's 2 minutes).
TEST_F(PrometheusModel, ARestartForgetsAPendingAlertWithAShortFor) {
  configure(true);
  const Duration visible = partition_serotonin();
  const Duration pending = Duration((visible.count() / 15'000'000 + 1) * 15'000'000);  // evaluations every 15 s
  engine.schedule_at(TimePoint(pending + seconds(20)), [this] { network.set_host_up("monitoring", false); });
  engine.schedule_at(TimePoint(pending + seconds(140)), [this] { network.set_host_up("monitoring", true); });
  engine.run_until(TimePoint(minutes(20)));
  std::optional<TimePoint> firing_at;
  for (const auto& c : changes) {
    if (c.alertname == "RunnerScrapeDown" && c.to == AlertState::kFiring && !firing_at) firing_at = c.at;
  }
  ASSERT_TRUE(firing_at.has_value());
  // Hand arithmetic: pending at P; down P+20s..P+140s; the first evaluation after
  // the restart is P+150s (pending anew), and it fires 2m later: P+270s. Without the
  // restart it would fire at P+150s (pending since P).
  EXPECT_EQ(*firing_at, TimePoint(pending + seconds(270)));
}

}  // namespace
}  // namespace failsim::sim::prometheus
