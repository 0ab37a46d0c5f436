// The live world on the wall clock against Grafana's Prometheus calls and Debian's real
// Prometheus: the same answers, check-in ages and scrape durations (reference B1).
#include "fakes/live_world.h"

#include <gtest/gtest.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "tests/fakes/live_fixture.h"
#include "tests/fakes/raw_connection.h"
#include "tests/harness/process.h"

#include "tests/fakes/live_world_fixture.h"

namespace failsim::fakes {
namespace {

// The live world on the wall clock (speed 1, virtual time started so that it reads the
// wall clock's now after the fixture's 1-minute run-ahead, as `failsim serve --start now`
// does), scraped every second both by its own Prometheus and by Debian's real one
// through the exporters' proxies. Exporters answer in a fixed 200 ms.
class WallClockLiveWorldTest : public LiveWorldTest {
 protected:
  static constexpr double kCollectSeconds = 0.2;
  sim::WorldSpec world_spec() const override {
    sim::WorldSpec spec = testing::corrected_world(11);
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
    spec.start = TimePoint(now_ms - std::chrono::minutes(1));
    for (auto& job : spec.scrape_configs) {
      job.scrape_interval = std::chrono::seconds(1);
      job.scrape_timeout = std::chrono::seconds(1);
    }
    for (auto& r : spec.runners) r.collect_time = sim::Distribution::fixed(std::chrono::milliseconds(200));
    return spec;
  }
  double speed() const override { return 1.0; }
};

// Grafana's Prometheus data source (connect: buildinfo and the 1+1 health query; a
// dashboard: query_range, labels, label values, series, metadata, exemplars, rules) and
// prometheus-api-client (the web root, all_metrics, current and range values, targets and
// their metadata), sent to the world's Prometheus and to Debian's 2.42 scraping the same
// exporters with the same job, target labels and honor_labels. Each call must get the same
// status code, the same JSON "status" and "errorType", the same shape of "data" (keys and
// value types), and, where the answer does not depend on timing, the same data: label
// names and values, series, the up vector, metadata types, 1+1.
class GrafanaDifferential : public WallClockLiveWorldTest {
 protected:
  // Debian's Prometheus with the world's scrape config: each target through its proxy,
  // with the world's target labels (instance included, so series are named alike).
  std::unique_ptr<httplib::Client> start_twin() {
    json targets = json::parse(fetch(world_->url("prometheus") + "/api/v1/targets")->body);
    const auto& job = live_->world.spec().scrape_configs.at(0);
    std::string statics;
    for (const auto& t : targets["data"]["activeTargets"]) {
      std::string runner;
      for (const auto& r : live_->world.spec().runners) {
        if (t["labels"]["instance"] == r.host + ":" + std::to_string(r.exporter_port)) runner = r.runner_name;
      }
      statics += "      - targets: ['" + exporter_target(runner) + "']\n        labels:\n";
      for (const auto& [k, v] : t["labels"].items()) {
        if (k != "job") statics += "          " + k + ": " + v.dump() + "\n";
      }
    }
    // The world's rule files, as its Prometheus lists them.
    std::set<std::string> rule_files;
    json rules_api = json::parse(fetch(world_->url("prometheus") + "/api/v1/rules")->body);  // held: the loop walks into it
    for (const auto& g : rules_api["data"]["groups"]) rule_files.insert(g["file"].get<std::string>());
    std::string rules = rule_files.empty() ? "" : "rule_files:\n";
    for (const auto& f : rule_files) rules += "  - " + f + "\n";
    // Rules evaluated every second, so its recording rules have written before the calls.
    std::ofstream(dir_ / "prometheus.yml") << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n" << rules
                                           << "scrape_configs:\n  - job_name: " << job.job << "\n    honor_labels: "
                                           << (job.honor_labels ? "true" : "false") << "\n    static_configs:\n" << statics;
    return launch_real_prometheus(5s);
  }
  // Keys and value types; an array by its first element; objects keyed by data (metric
  // names in metadata) are compared by key too, which the same exporters make equal.
  static json shape(const json& j) {
    if (j.is_object()) {
      json out = json::object();
      for (const auto& [k, v] : j.items()) out[k] = shape(v);
      return out;
    }
    if (j.is_array()) return j.empty() ? json::array() : json::array({shape(j[0])});
    if (j.is_number()) return "number";
    return j.type_name();
  }
};

TEST_F(GrafanaDifferential, EveryCallGetsTheSameStatusShapeAndTimingFreeData) {
  auto real = start_twin();
  ASSERT_TRUE(real);
  httplib::Client fake("127.0.0.1", host_port(world_->url("prometheus")).second);
  fake.set_read_timeout(5s);
  // Both have scraped both targets a few times (sum(up) == 2 over the last 5 s in each).
  auto ready = [](httplib::Client& c) {
    auto r = c.Get("/api/v1/query?query=" + httplib::detail::encode_query_param("count_over_time(up[5s]) > 2"));
    return r && r->status == 200 && json::parse(r->body, nullptr, false)["data"]["result"].size() == 2;
  };
  // And the real one has evaluated every rule group once (the world's did long ago).
  auto evaluated = [&] {
    auto r = real->Get("/api/v1/rules");
    if (!r || r->status != 200) return false;
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_object() || j["data"]["groups"].empty()) return false;
    for (const auto& g : j["data"]["groups"]) {
      if (g["lastEvaluation"].get<std::string>().rfind("0001", 0) == 0) return false;
    }
    return true;
  };
  ASSERT_TRUE(testing::wait_until([&] { return ready(*real) && ready(fake) && evaluated(); }, 60s));
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string now = std::to_string(now_s), start = std::to_string(now_s - 30), end = now;
  const std::string window = "start=" + start + "&end=" + end;
  auto q = [](const std::string& s) { return httplib::detail::encode_query_param(s); };
  struct Call {
    std::string what, method, path, form;
    bool same_data;
  };
  const std::vector<Call> calls = {
      {"grafana: version probe", "GET", "/api/v1/status/buildinfo", "", false},
      {"grafana: health check", "POST", "/api/v1/query", "query=1%2B1&time=" + now, true},
      {"grafana: panel", "POST", "/api/v1/query_range", "query=" + q("up") + "&" + window + "&step=5", false},
      {"grafana: label names", "GET", "/api/v1/labels?" + window, "", true},
      {"grafana: metric names", "GET", "/api/v1/label/__name__/values?" + window, "", true},
      {"grafana: instance values", "GET", "/api/v1/label/instance/values?" + window, "", true},
      {"grafana: series", "GET", "/api/v1/series?match%5B%5D=up&" + window, "", true},
      {"grafana: metadata", "GET", "/api/v1/metadata?metric=runner_status", "", true},
      {"grafana: exemplars", "POST", "/api/v1/query_exemplars", "query=up&" + window, true},
      {"grafana: rules", "GET", "/api/v1/rules?type=alert", "", false},
      {"client: web root", "GET", "/", "", false},
      {"client: current value", "GET", "/api/v1/query?query=up&time=" + now, "", false},
      {"client: range vector", "GET", "/api/v1/query?query=" + q("up[5s]") + "&time=" + now, "", false},
      {"client: targets", "GET", "/api/v1/targets", "", false},
      {"client: target metadata", "GET", "/api/v1/targets/metadata?metric=runner_status", "", false},
      {"client: label values", "GET", "/api/v1/label/job/values", "", true},
      {"error: parse", "GET", "/api/v1/query?query=" + q("up{"), "", false},
      {"error: range backwards", "GET", "/api/v1/query_range?query=up&start=10&end=5&step=1", "", false},
      {"error: too many points", "GET", "/api/v1/query_range?query=up&start=0&end=100000&step=1", "", false},
      {"error: no such endpoint", "GET", "/api/v1/nothing", "", false},
  };
  int agreed = 0;
  for (const auto& c : calls) {
    auto send = [&](httplib::Client& to) {
      to.set_follow_location(c.path == "/");  // requests follows the root's redirect
      return c.method == "GET" ? to.Get(c.path) : to.Post(c.path, c.form, "application/x-www-form-urlencoded");
    };
    auto a = send(fake);
    auto b = send(*real);
    ASSERT_TRUE(a && b) << c.what;
    EXPECT_EQ(a->status, b->status) << c.what << "\nfake: " << a->body << "\nreal: " << b->body;
    const json ja = json::parse(a->body, nullptr, false), jb = json::parse(b->body, nullptr, false);
    EXPECT_EQ(ja.is_discarded(), jb.is_discarded()) << c.what;
    if (!ja.is_object() || !jb.is_object()) {
      agreed += a->status == b->status && ja.is_object() == jb.is_object() ? 1 : 0;
      continue;
    }
    const std::string both = c.what + "\nfake: " + a->body.substr(0, 2000) + "\nreal: " + b->body.substr(0, 2000);
    bool same = a->status == b->status;
    same = same && ja.value("status", "") == jb.value("status", "");
    same = same && ja.value("errorType", "") == jb.value("errorType", "");
    const json shape_a = shape(ja.value("data", json())), shape_b = shape(jb.value("data", json()));
    EXPECT_EQ(shape_a, shape_b) << both;
    same = same && shape_a == shape_b;
    if (c.same_data) {
      EXPECT_EQ(ja.value("data", json()), jb.value("data", json())) << both;
      same = same && ja.value("data", json()) == jb.value("data", json());
    }
    EXPECT_TRUE(same) << both;
    agreed += same ? 1 : 0;
  }
  EXPECT_EQ(agreed, static_cast<int>(calls.size())) << testing::read_file((dir_ / "prometheus.yml").string())
                                                   << testing::read_file((dir_ / "prometheus.log").string());
  std::cout << "[ differential ] " << agreed << "/" << calls.size() << " Grafana and prometheus-api-client calls agree\n";
}

// The issue this answers: the live exporters stamped virtual time from 2025, so a real
// Prometheus computed a check-in age of ~353 days while the fake said seconds. Now both
// ask the same question at the same instant and must agree within one scrape interval
// (1 s; instants where the runner checked in during the last 3 s are skipped, since one
// server may have scraped the new check-in and the other not yet). The exporters' answer
// time agrees too: the real Prometheus measures the live exporter's scrape duration,
// the fake records the model's, both the world's 200 ms collect time.
TEST_F(WallClockLiveWorldTest, RealPrometheusAndTheFakeAgreeOnCheckInAgeAndScrapeDuration) {
  const std::string target = exporter_target("Serotonin-paws360");
  auto client = start_real_prometheus({target}, "1s", "1s");
  ASSERT_TRUE(client);
  auto instant = [&](httplib::Client& c, const std::string& expr, double at) -> std::optional<double> {
    char time_param[32];
    std::snprintf(time_param, sizeof time_param, "%.3f", at);
    auto r = c.Get("/api/v1/query?query=" + httplib::detail::encode_query_param(expr) + "&time=" + time_param);
    if (!r || r->status != 200) return std::nullopt;
    const json body = json::parse(r->body);
    const json& result = body["data"]["result"];
    if (result.size() != 1) return std::nullopt;
    return std::stod(result[0]["value"][1].get<std::string>());
  };
  const auto [fake_host, fake_port] = host_port(world_->url("prometheus"));
  httplib::Client fake(fake_host, fake_port);
  fake.set_connection_timeout(1s);
  fake.set_read_timeout(2s);
  const std::string age = "time() - runner_last_check_in_timestamp_seconds{hostname=\"Serotonin\"}";
  auto wall = [] { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); };
  // The real server has a few scrapes of the target.
  ASSERT_TRUE(testing::wait_until([&] { return instant(*client, "count_over_time(up[10s]) >= 3", wall()).has_value(); }, 30s, 200ms))
      << testing::read_file((dir_ / "prometheus.log").string());
  int compared = 0;
  double worst = 0;
  for (int probe = 0; probe < 12; ++probe) {
    const double at = wall() - 1.5;  // both servers have scraped up to here
    const auto real_age = instant(*client, age, at);
    const auto fake_age = instant(fake, age, at);
    const auto recent_check_in = instant(*client, "changes(runner_last_check_in_timestamp_seconds[3s])", at);
    ASSERT_TRUE(real_age && fake_age && recent_check_in) << "probe " << probe;
    EXPECT_GE(*real_age, -1.0);
    EXPECT_LT(*real_age, 120.0) << "a check-in age of seconds, not of a year (the runner checks in every 50 s)";
    if (*recent_check_in == 0) {
      ++compared;
      worst = std::max(worst, std::abs(*real_age - *fake_age));
      EXPECT_NEAR(*real_age, *fake_age, 1.0) << "probe " << probe << " at " << std::fixed << at;
    }
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_GE(compared, 6) << "too few instants without a fresh check-in to compare";
  std::printf("check-in age: %d instants compared, largest difference %.3f s\n", compared, worst);
  const std::string duration = "avg_over_time(scrape_duration_seconds{instance=\"" + target + "\"}[5s])";
  const auto real_duration = instant(*client, duration, wall() - 1.5);
  const std::string fake_duration_expr = "avg_over_time(scrape_duration_seconds{instance=\"serotonin:9102\"}[5s])";
  const auto fake_duration = instant(fake, fake_duration_expr, wall() - 1.5);
  ASSERT_TRUE(real_duration && fake_duration);
  std::printf("scrape duration: real Prometheus %.3f s, the fake %.3f s (collect time %.3f s)\n", *real_duration, *fake_duration,
              kCollectSeconds);
  EXPECT_NEAR(*fake_duration, kCollectSeconds, 0.05);
  // The real measurement adds HTTP, the proxy and a loaded CI host (ASan): 0.202 s on a quiet one.
  EXPECT_NEAR(*real_duration, *fake_duration, 0.1);
}

}  // namespace
}  // namespace failsim::fakes
