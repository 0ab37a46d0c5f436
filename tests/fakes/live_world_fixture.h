// LiveWorldTest: a live world (fakes/live_world.h) on loopback for one test, with
// helpers to query it and to run Debian's real Prometheus against it; shared by the
// live-world test files.
#pragma once

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

namespace failsim::fakes {

using namespace std::chrono_literals;
using nlohmann::json;

class LiveWorldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    live_ = std::make_unique<testing::LiveFixture>(world_spec());
    ASSERT_TRUE(live_->started);
    live_->advance(1min);
    live_->loop = std::make_unique<LiveLoop>(live_->world.engine(), speed());
    LiveOptions options;
    options.github.token = "test-token";
    world_ = std::make_unique<LiveWorld>(live_->world, *live_->loop, options);
    auto started = world_->start();
    ASSERT_TRUE(started) << started.error();
    const TimePoint until = live_->world.engine().now() + 24h;
    live_->engine_thread = std::thread([this, until] { live_->loop->run_until(until); });
    dir_ = std::filesystem::temp_directory_path() / ("failsim-live-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_ / "tsdb");
  }
  void TearDown() override {
    if (prometheus_) prometheus_->stop();
    live_->stop();
    world_->stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  static std::pair<std::string, int> host_port(const std::string& url) {
    const auto start = url.find("//") + 2;
    const auto colon = url.find(':', start);
    const auto slash = url.find('/', colon);
    return {url.substr(start, colon - start), std::stoi(url.substr(colon + 1, slash - colon - 1))};
  }
  httplib::Result fetch(const std::string& url, std::chrono::milliseconds read_timeout = 2s) {
    const auto [host, port] = host_port(url);
    httplib::Client c(host, port);
    c.set_connection_timeout(1s);
    c.set_read_timeout(read_timeout);
    const auto slash = url.find('/', url.find("//") + 2);
    return c.Get(slash == std::string::npos ? "/" : url.substr(slash));
  }
  template <class F>
  auto on_engine(F fn) {
    return live_->loop->call(std::move(fn));
  }
  // The seed's incident in the model: Prometheus -> serotonin:9102 dropped, from now on.
  void partition_serotonin_exporter() {
    on_engine([this] {
      sim::NetworkFault f;
      f.from = live_->world.spec().prometheus.host;
      f.to = "serotonin";
      f.port = 9102;
      f.start = live_->world.engine().now();
      return live_->world.network().add_fault(f);
    });
  }

  // Debian's real Prometheus on a free loopback port, scraping `targets` (host:port)
  // as job github-runner-health. Returns a client for its API.
  std::unique_ptr<httplib::Client> start_real_prometheus(const std::vector<std::string>& targets,
                                                         const std::string& scrape_interval, const std::string& scrape_timeout) {
    std::string list;
    for (const auto& t : targets) list += (list.empty() ? "'" : ", '") + t + "'";
    std::ofstream(dir_ / "prometheus.yml") << "global:\n  scrape_interval: " << scrape_interval << "\n  scrape_timeout: " << scrape_timeout
                                           << "\nscrape_configs:\n  - job_name: github-runner-health\n"
                                              "    honor_labels: true\n    static_configs:\n      - targets: ["
                                           << list << "]\n";
    return launch_real_prometheus(2s);
  }
  // Debian's Prometheus on DIR/prometheus.yml, on a free loopback port; a client for its API.
  std::unique_ptr<httplib::Client> launch_real_prometheus(std::chrono::milliseconds read_timeout) {
    const int port = testing::free_loopback_port();
    prometheus_ = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{"/usr/bin/prometheus", "--config.file=" + (dir_ / "prometheus.yml").string(),
                                 "--storage.tsdb.path=" + (dir_ / "tsdb").string(),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port)},
        (dir_ / "prometheus.log").string());
    if (!prometheus_->started()) return nullptr;
    auto prom = std::make_unique<httplib::Client>("127.0.0.1", port);
    prom->set_connection_timeout(1s);
    prom->set_read_timeout(read_timeout);
    return prom;
  }
  std::string exporter_target(const std::string& runner) {
    return "127.0.0.1:" + std::to_string(host_port(world_->url("exporter-" + runner)).second);
  }

  // The world under test and its pace; a subclass may change them.
  virtual sim::WorldSpec world_spec() const { return testing::corrected_world(11); }
  virtual double speed() const { return 10.0; }
  std::unique_ptr<testing::LiveFixture> live_;
  std::unique_ptr<LiveWorld> world_;
  std::filesystem::path dir_;
  std::unique_ptr<testing::ChildProcess> prometheus_;
};

}  // namespace failsim::fakes
