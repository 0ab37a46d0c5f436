// Prometheus timing as Prometheus computes it (sim/prometheus/schedule.h), checked
// against Debian's real Prometheus 2.42 on loopback: for one config (three targets with
// different labels, external labels, two rule groups), `failsim schedule` predicts each
// target's scrape phase and each group's evaluation phase, and the real server's first
// scrape of each target and first evaluation of each group must fall there within 50 ms.
//
// Prometheus's scrape phases depend on the server's FQDN, so the server runs in its own
// UTS namespace (unshare -u) with a hostname the test chooses; the world says the same
// FQDN. The first scrape arrival is recorded by the stub exporters (wall clock); the
// first evaluation is read back from a recording rule `time()`, whose value is the
// evaluation's own timestamp. Bounded: at most 30 s of waiting per wait (normally ~8 s in all); everything stops in
// teardown.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/harness/process.h"

namespace failsim {
namespace {

using namespace std::chrono_literals;
using failsim::testing::ChildProcess;
using failsim::testing::run_command;
using failsim::testing::wait_until;

constexpr double kInterval = 5.0;  // seconds: scrape and evaluation interval
constexpr const char* kHostname = "failsim-phase-check";

double wall_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Distance of `t` from the nearest instant with t mod interval == phase.
double off_grid(double t, double phase, double interval) {
  double d = std::fmod(t - phase, interval);
  if (d < 0) d += interval;
  return std::min(d, interval - d);
}

// An exporter that remembers when its first scrape arrived.
class RecordingExporter {
 public:
  RecordingExporter() {
    server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      {
        std::lock_guard lock(mu_);
        if (!first_) first_ = wall_seconds();
      }
      res.set_content("# TYPE runner_status gauge\nrunner_status{hostname=\"h\"} 1\n", "text/plain; version=0.0.4");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    wait_until([this] { return server_.is_running(); }, 5s, 1ms);
  }
  ~RecordingExporter() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  std::optional<double> first() {
    std::lock_guard lock(mu_);
    return first_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::optional<double> first_;
};

TEST(PrometheusSchedule, RealPrometheusScrapesAndEvaluatesWhereFailsimPredicts) {
  if (run_command("unshare -u true 2>&1").exit_code != 0) {
    GTEST_SKIP() << "unshare -u is not permitted here (needs root): the server's FQDN cannot be fixed";
  }
  const auto dir = std::filesystem::temp_directory_path() / ("failsim-phase-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "tsdb");
  std::vector<std::unique_ptr<RecordingExporter>> exporters;
  for (int i = 0; i < 3; ++i) exporters.push_back(std::make_unique<RecordingExporter>());
  auto target = [&](int i) { return "127.0.0.1:" + std::to_string(exporters[i]->port()); };

  std::ofstream(dir / "prometheus.yml") << "global:\n  scrape_interval: 5s\n  scrape_timeout: 2s\n  evaluation_interval: 5s\n"
                                           "  external_labels: {cluster: phase-check, region: lab}\n"
                                           "rule_files: [rules.yml]\n"
                                           "scrape_configs:\n"
                                           "  - job_name: runners\n"
                                           "    static_configs:\n"
                                           "      - targets: ['" << target(0) << "', '" << target(1) << "']\n"
                                        << "        labels: {tier: deploy}\n"
                                           "      - targets: ['" << target(2) << "']\n"
                                        << "        labels: {tier: build, team: platform}\n";
  std::ofstream(dir / "rules.yml") << "groups:\n"
                                      "  - name: first\n    rules:\n      - {record: first_eval_time, expr: time()}\n"
                                      "  - name: second\n    rules:\n      - {record: second_eval_time, expr: time()}\n";
  // The same setup as a failsim world.
  nlohmann::json world = {
      {"world_version", 1},
      {"name", "phase-check"},
      {"runners", nlohmann::json::array()},
      {"prometheus",
       {{"host", "monitoring"},
        {"fqdn", kHostname},
        {"config_dir", dir.string()},
        {"global", {{"scrape_interval", "5s"}, {"scrape_timeout", "2s"}, {"evaluation_interval", "5s"},
                    {"external_labels", {{"cluster", "phase-check"}, {"region", "lab"}}}}},
        {"rule_files", {"rules.yml"}},
        {"scrape_configs",
         {{{"job_name", "runners"},
           {"static_configs",
            {{{"targets", {target(0), target(1)}}, {"labels", {{"tier", "deploy"}}}},
             {{"targets", {target(2)}}, {"labels", {{"tier", "build"}, {"team", "platform"}}}}}}}}}}},
      {"github",
       {{"repository", "lab/phase"},
        {"workflows", {{{"file", "d.yml"}, {"jobs", {{{"id", "deploy"}, {"runs_on", "self-hosted"}}}}}}},
        {"deploy", {{"workflow", "d.yml"}, {"job", "deploy"}}}}},
      {"production", {{"initial_version", "1"}}}};
  for (int i = 0; i < 3; ++i) {
    world["runners"].push_back({{"name", "r" + std::to_string(i)}, {"host", "127.0.0.1"}, {"labels", {"self-hosted"}},
                                {"exporter", {{"port", exporters[i]->port()}}}});
  }
  std::ofstream(dir / "world.json") << world.dump(2);
  const auto predicted = run_command("'" FAILSIM_BINARY "' schedule '" + (dir / "world.json").string() + "' 2>&1");
  ASSERT_EQ(predicted.exit_code, 0) << predicted.out;
  const auto schedule = nlohmann::json::parse(predicted.out);
  ASSERT_EQ(schedule["targets"].size(), 3u);
  ASSERT_EQ(schedule["rule_groups"].size(), 2u);

  const int port = testing::free_loopback_port();
  const double started = wall_seconds();
  ChildProcess prometheus({"/usr/bin/unshare", "-u", "/bin/sh", "-c",
                           std::string("hostname ") + kHostname + " && exec /usr/bin/prometheus --config.file=" +
                               (dir / "prometheus.yml").string() + " --storage.tsdb.path=" + (dir / "tsdb").string() +
                               " --web.listen-address=127.0.0.1:" + std::to_string(port)},
                          (dir / "prometheus.log").string());
  ASSERT_TRUE(prometheus.started());
  // Every target scraped once, and both groups evaluated once: at most 2 intervals + startup.
  const bool scraped = wait_until(
      [&] {
        for (auto& e : exporters) {
          if (!e->first()) return false;
        }
        return true;
      },
      30s, 20ms);
  ASSERT_TRUE(scraped) << testing::read_file((dir / "prometheus.log").string());
  for (std::size_t i = 0; i < 3; ++i) {
    const double phase = schedule["targets"][i]["phase_seconds"].get<double>();
    const double first = *exporters[i]->first();
    std::printf("target %s: first scrape %.1f ms from the predicted phase\n",
                schedule["targets"][i]["instance"].get<std::string>().c_str(), 1000 * off_grid(first, phase, kInterval));
    EXPECT_LT(off_grid(first, phase, kInterval), 0.050)
        << "target " << schedule["targets"][i]["instance"] << ": first scrape at " << std::fixed << first << " (mod 5 s: "
        << std::fmod(first, kInterval) << "), predicted phase " << phase;
    EXPECT_LT(first - started, 30.0) << "the first scrape comes soon after the start";
  }
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1s);
  client.set_read_timeout(2s);
  for (std::size_t g = 0; g < 2; ++g) {
    const std::string series = g == 0 ? "first_eval_time" : "second_eval_time";
    std::optional<double> first_eval;
    wait_until(
        [&] {
          auto r = client.Get("/api/v1/query?query=min_over_time(" + series + "%5B1m%5D)");
          if (!r || r->status != 200) return false;
          const auto body = nlohmann::json::parse(r->body, nullptr, false);
          if (body.is_discarded() || body["data"]["result"].empty()) return false;
          first_eval = std::stod(body["data"]["result"][0]["value"][1].get<std::string>());
          return true;
        },
        30s, 100ms);
    ASSERT_TRUE(first_eval.has_value()) << series << " never recorded";
    const double phase = schedule["rule_groups"][g]["phase_seconds"].get<double>();
    std::printf("group %s: first evaluation %.1f ms from the predicted phase\n", series.c_str(),
                1000 * off_grid(*first_eval, phase, kInterval));
    EXPECT_LT(off_grid(*first_eval, phase, kInterval), 0.050)
        << "group " << schedule["rule_groups"][g]["name"] << ": first evaluation at " << std::fixed << *first_eval
        << ", predicted phase " << phase << " (file " << schedule["rule_groups"][g]["file"] << ")";
    EXPECT_LT(*first_eval - started, 30.0);
  }
  prometheus.stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace failsim
