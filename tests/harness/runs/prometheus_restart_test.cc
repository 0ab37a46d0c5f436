// A Prometheus restart as Debian's real Prometheus 2.42 does it, and as failsim's rule
// manager (sim/prometheus/rules.h) models it, on the same inputs.
//
// A real server on loopback (1 s scrape and evaluation interval,
// --rules.alert.for-grace-period=7s) scrapes a stub exporter. The stub starts failing
// (up = 0); three alerts on `up == 0` go pending together:
//   ShortFor (for 6s, under the grace period: not restored, pending anew after the restart),
//   MidFor   (for 9s: 4 s spent, 5 s left < the 7 s grace period: 7 s are left after the restore),
//   LongFor  (for 20s: 16 s left: the outage does not count).
// 4.5 s after they went pending the server is stopped (SIGINT), and started again 3 s
// later on the same TSDB. The test then reads back from the real server its `up` samples,
// its evaluation timestamps (a recording rule `time()`), each alert's activeAt and the
// first evaluation at which each fired, and checks them
//   1. against hand arithmetic over the real evaluation slots r1, r2 after the restart:
//      ShortFor fires at r1 + 6 s, MidFor at r2 + 8 s, LongFor at r2 + 17 s (the restore
//      runs at time.Now(), just after r2, so activeAt + `for` lands just past a slot);
//   2. against failsim's RuleGroup fed the same `up` samples and evaluation times
//      (restarted where the real evaluations stop): same activeAt before the outage, same
//      activeAt after it (to 100 ms: the restore's time.Now()), same firing evaluation.
// Bounded: about 35 s of waiting in all, each wait at most 40 s; everything stops in teardown.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sim/prometheus/labels.h"
#include "sim/prometheus/rules.h"
#include "sim/prometheus/series_store.h"
#include "tests/harness/process.h"

namespace failsim {
namespace {

using namespace std::chrono_literals;
using failsim::testing::ChildProcess;
using failsim::testing::wait_until;
namespace prom = failsim::sim::prometheus;

constexpr std::int64_t kGraceMs = 7'000;
const char* const kRules =
    "groups:\n"
    "  - name: restart\n"
    "    rules:\n"
    "      - {record: eval_time, expr: time()}\n"
    "      - {alert: ShortFor, expr: up == 0, for: 6s}\n"
    "      - {alert: MidFor, expr: up == 0, for: 9s}\n"
    "      - {alert: LongFor, expr: up == 0, for: 20s}\n";
const std::vector<std::string> kAlerts = {"ShortFor", "MidFor", "LongFor"};

// An exporter that answers 200, or 503 once told to fail (a failed scrape: up = 0).
class SwitchableExporter {
 public:
  SwitchableExporter() {
    server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      if (failing_.load()) {
        res.status = 503;
        return;
      }
      res.set_content("# TYPE runner_status gauge\nrunner_status 1\n", "text/plain; version=0.0.4");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    wait_until([this] { return server_.is_running(); }, 5s, 1ms);
  }
  ~SwitchableExporter() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  void fail() { failing_ = true; }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<bool> failing_{false};
};

// "2026-11-30T23:59:01.123456789Z" -> Unix milliseconds (rounded down).
std::int64_t rfc3339_ms(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
                  &tm.tm_sec, &consumed) != 6) {
    ADD_FAILURE() << "not RFC 3339: " << text;
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  std::int64_t ms = static_cast<std::int64_t>(timegm(&tm)) * 1000;
  if (text[static_cast<std::size_t>(consumed)] == '.') {
    const std::string digits = (text.substr(static_cast<std::size_t>(consumed) + 1) + "000").substr(0, 3);
    ms += std::stoi(digits);
  }
  return ms;
}

class RealPrometheus {
 public:
  RealPrometheus(const std::filesystem::path& dir, int port) : dir_(dir), port_(port), client_("127.0.0.1", port) {
    client_.set_connection_timeout(1s);
    client_.set_read_timeout(3s);
  }
  void start() {
    process_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/prometheus", "--config.file=" + (dir_ / "prometheus.yml").string(),
                                 "--storage.tsdb.path=" + (dir_ / "tsdb").string(),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                 "--rules.alert.for-grace-period=7s", "--rules.alert.for-outage-tolerance=1h"},
        (dir_ / ("prometheus-" + std::to_string(++starts_) + ".log")).string());
    ASSERT_TRUE(process_->started()) << "cannot start /usr/bin/prometheus (scripts/install-deps.sh installs it)";
  }
  void stop() {
    process_->interrupt();
    EXPECT_EQ(process_->wait(20s), 0) << "Prometheus shuts down on SIGINT";
  }
  // /api/v1/query's result, or null while the server cannot answer.
  nlohmann::json query(const std::string& expr) {
    auto r = client_.Get("/api/v1/query?query=" + httplib::detail::encode_query_param(expr));
    if (!r || r->status != 200) return nullptr;
    return nlohmann::json::parse(r->body)["data"]["result"];
  }
  // alertname -> the /api/v1/alerts entry.
  std::map<std::string, nlohmann::json> alerts() {
    std::map<std::string, nlohmann::json> out;
    auto r = client_.Get("/api/v1/alerts");
    if (!r || r->status != 200) return out;
    const auto body = nlohmann::json::parse(r->body);
    for (const auto& a : body["data"]["alerts"]) out[a["labels"]["alertname"].get<std::string>()] = a;
    return out;
  }
  // The raw samples (ms, value) of the one series `selector[range]` selects.
  std::vector<std::pair<std::int64_t, double>> samples(const std::string& selector) {
    std::vector<std::pair<std::int64_t, double>> out;
    const auto result = query(selector + "[10m]");
    if (result.is_null() || result.size() != 1) {
      ADD_FAILURE() << selector << ": expected one series, got " << result.dump();
      return out;
    }
    for (const auto& v : result[0]["values"]) {
      out.emplace_back(std::llround(v[0].get<double>() * 1000), std::stod(v[1].get<std::string>()));
    }
    return out;
  }

 private:
  std::filesystem::path dir_;
  int port_;
  int starts_ = 0;
  httplib::Client client_;
  std::unique_ptr<ChildProcess> process_;
};

struct ModelAlert {
  std::int64_t active_at_before_ms = -1;  // while pending before the outage
  std::int64_t active_at_ms = -1;         // at the end
  std::int64_t fired_ms = -1;             // first evaluation at which it fired, after the outage
};

TEST(PrometheusRestart, RealPrometheusRestoresForStateAsTheModelDoes) {
  const auto dir = std::filesystem::temp_directory_path() / ("failsim-restart-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "tsdb");
  SwitchableExporter exporter;
  std::ofstream(dir / "prometheus.yml") << "global: {scrape_interval: 1s, scrape_timeout: 500ms, evaluation_interval: 1s}\n"
                                           "rule_files: [rules.yml]\n"
                                           "scrape_configs:\n"
                                           "  - job_name: stub\n"
                                           "    static_configs: [{targets: ['127.0.0.1:"
                                        << exporter.port() << "']}]\n";
  std::ofstream(dir / "rules.yml") << kRules;
  RealPrometheus prometheus(dir, testing::free_loopback_port());
  prometheus.start();
  // Up, and the group's start-up restore done (2 evaluations), before the fault.
  ASSERT_TRUE(wait_until(
      [&] {
        auto up = prometheus.query("count_over_time(up[1m]) >= 1 and up == 1");
        auto evals = prometheus.query("count_over_time(eval_time[1m]) >= 3");
        return up.is_array() && !up.empty() && evals.is_array() && !evals.empty();
      },
      40s, 100ms))
      << testing::read_file((dir / "prometheus-1.log").string());
  exporter.fail();
  std::map<std::string, std::int64_t> real_before_ms;
  ASSERT_TRUE(wait_until(
      [&] {
        const auto alerts = prometheus.alerts();
        if (alerts.size() != 3) return false;
        for (const auto& [name, a] : alerts) real_before_ms[name] = rfc3339_ms(a["activeAt"].get<std::string>());
        return true;
      },
      20s, 50ms));
  const std::int64_t e0_ms = real_before_ms["ShortFor"];
  // Stop 4.5 s after the evaluation that made them pending: the last ALERTS_FOR_STATE
  // sample is at e0 + 4 s, so 4 whole seconds were spent pending.
  const auto stop_at = std::chrono::system_clock::time_point(std::chrono::milliseconds(e0_ms + 4'500));
  std::this_thread::sleep_until(stop_at);
  for (const auto& [name, a] : prometheus.alerts()) {
    EXPECT_EQ(a["state"], "pending") << name << " fired before the outage; the timeline is off";
  }
  prometheus.stop();
  std::this_thread::sleep_for(3s);
  prometheus.start();
  std::map<std::string, nlohmann::json> after;
  ASSERT_TRUE(wait_until(
      [&] {
        after = prometheus.alerts();
        if (after.size() != 3) return false;
        for (const auto& [name, a] : after) {
          if (a["state"] != "firing") return false;
        }
        return true;
      },
      40s, 100ms))
      << testing::read_file((dir / "prometheus-2.log").string());

  // What the real server did.
  const auto up = prometheus.samples("up");
  const auto evals = prometheus.samples("eval_time");
  std::map<std::string, std::int64_t> real_fired_ms;
  for (const auto& name : kAlerts) {
    const auto firing = prometheus.samples("ALERTS{alertstate=\"firing\",alertname=\"" + name + "\"}");
    ASSERT_FALSE(firing.empty()) << name;
    real_fired_ms[name] = firing.front().first;
  }
  prometheus.stop();
  // The first two evaluations after the restart: where the 1 s cadence breaks.
  std::size_t first_after = 0;
  for (std::size_t i = 1; i < evals.size(); ++i) {
    if (evals[i].first - evals[i - 1].first > 1'500) first_after = i;
  }
  ASSERT_GT(first_after, 0u) << "no gap in the evaluations: did the server restart?";
  ASSERT_LT(first_after + 1, evals.size());
  const std::int64_t r1 = evals[first_after].first;
  const std::int64_t r2 = evals[first_after + 1].first;
  std::printf("restart: pending at e0, down %.3f s after e0 for %.3f s; r1 = e0 + %.3f s\n",
              (evals[first_after - 1].first - e0_ms) / 1000.0, (r1 - evals[first_after - 1].first) / 1000.0,
              (r1 - e0_ms) / 1000.0);
  for (const auto& [t, v] : evals) EXPECT_EQ(std::llround(v * 1000), t) << "time() is the evaluation's timestamp";

  // 1. Hand arithmetic over the real slots.
  EXPECT_EQ(rfc3339_ms(after["ShortFor"]["activeAt"].get<std::string>()), r1) << "not restored: pending anew at the first evaluation";
  EXPECT_EQ(real_fired_ms["ShortFor"], r1 + 6'000);
  EXPECT_NEAR(static_cast<double>(rfc3339_ms(after["MidFor"]["activeAt"].get<std::string>())), static_cast<double>(r2 + kGraceMs - 9'000), 100)
      << "9 s - 4 s spent = 5 s left, under the grace period: activeAt = restore + 7 s - 9 s";
  EXPECT_EQ(real_fired_ms["MidFor"], r2 + 8'000) << "restore + 7 s lands just past r2 + 7 s";
  EXPECT_NEAR(static_cast<double>(rfc3339_ms(after["LongFor"]["activeAt"].get<std::string>())), static_cast<double>(r2 - 4'000), 100)
      << "16 s left: activeAt = floor(e0) + (restore - floor(e0 + 4 s)) = restore - 4 s";
  EXPECT_EQ(real_fired_ms["LongFor"], r2 + 17'000);

  // 2. failsim's rule manager on the same inputs.
  auto specs = prom::parse_rule_file(kRules, "rules.yml");
  ASSERT_TRUE(specs.has_value()) << specs.error();
  prom::RuleGroup group(specs.value()[0]);
  group.set_restore_flags(kGraceMs, 3'600'000);
  prom::SeriesStore store;
  const auto up_labels = prom::make_labels({{"__name__", "up"}, {"instance", "127.0.0.1:" + std::to_string(exporter.port())},
                                            {"job", "stub"}});
  for (const auto& [t, v] : up) ASSERT_TRUE(store.append(up_labels, t, v));
  std::map<std::string, ModelAlert> model;
  for (std::size_t i = 0; i < evals.size(); ++i) {
    const std::int64_t t = evals[i].first;
    if (i == first_after) group.restart();
    ASSERT_TRUE(group.eval(store, t).has_value());
    for (const auto& rule : group.alerting_rules()) {
      const auto active = rule.active();
      if (active.empty()) continue;
      ModelAlert& m = model[rule.spec().name];
      m.active_at_ms = active[0].active_at_ms;
      if (i < first_after && m.active_at_before_ms < 0) m.active_at_before_ms = active[0].active_at_ms;
      if (i >= first_after && active[0].state == prom::AlertState::kFiring && m.fired_ms < 0) m.fired_ms = t;
    }
  }
  for (const auto& name : kAlerts) {
    SCOPED_TRACE(name);
    EXPECT_EQ(model[name].active_at_before_ms, real_before_ms[name]);
    EXPECT_NEAR(static_cast<double>(model[name].active_at_ms), static_cast<double>(rfc3339_ms(after[name]["activeAt"].get<std::string>())), 100);
    EXPECT_EQ(model[name].fired_ms, real_fired_ms[name]);
    std::printf("%-8s real: activeAt r2%+.3f s, fired r2%+.3f s; model: activeAt r2%+.3f s, fired r2%+.3f s\n",
                name.c_str(), (rfc3339_ms(after[name]["activeAt"].get<std::string>()) - r2) / 1000.0, (real_fired_ms[name] - r2) / 1000.0,
                (model[name].active_at_ms - r2) / 1000.0, (model[name].fired_ms - r2) / 1000.0);
  }
  if (!HasFailure()) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace failsim
