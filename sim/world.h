// World: every model of the simulation wired together on one engine, from one seed:
// the network, GitHub, the runner hosts with their exporters, the monitoring host's
// Prometheus (scraping the exporters, evaluating the rules) and production.
// WorldSpec is plain data, built from a world file (harness/inputs/world_file.h); nothing here
// names a team's hosts, runners or ports.
//
// Each component draws from its own named stream of the run's seed (sim/random.h), so
// adding a runner or a fault never perturbs the draws of the others.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/engine.h"
#include "sim/prometheus/alertmanager.h"
#include "sim/github/github.h"
#include "sim/network/network.h"
#include "sim/production/production.h"
#include "sim/prometheus/server.h"
#include "sim/runner/runner_host.h"

namespace failsim::sim {

struct WorldSpec {
  std::uint64_t seed = 1;
  // Virtual time starts at a real moment so that every timestamp is Unix time:
  // 2025-12-11T21:00:00Z, the evening of the Serotonin incident.
  TimePoint start = TimePoint(std::chrono::seconds(1765486800));
  std::vector<std::string> hosts;  // every network host (runner hosts are added too)
  std::vector<runner::RunnerHostSpec> runners;
  // Exporters that are not runners' (host, port): each answers a scrape at once with no
  // samples, so its target's `up` reads 1 while the host is up and reachable.
  std::vector<std::pair<std::string, int>> plain_exporters;
  std::vector<prometheus::ScrapeConfig> scrape_configs;
  prometheus::PrometheusConfig prometheus;
  int prometheus_port = 9090;
  std::optional<prometheus::AlertmanagerConfig> alertmanager;
  std::vector<prometheus::RuleGroupSpec> rules;
  github::GitHubTimings github;
  std::map<std::string, github::EnvironmentSpec> environments;  // by name
  Distribution lan_latency = Distribution::lognormal(std::chrono::microseconds(400), 0.3);
  std::string production_version = "v1.2.3";
  std::vector<std::string> production_steps = {"database", "backend", "frontend", "loadbalancer"};
};

class World {
 public:
  explicit World(WorldSpec spec);
  // Starts the runner services, the exporters and Prometheus.
  Result<bool> start();

  Engine& engine() { return engine_; }
  Network& network() { return network_; }
  github::GitHub& github() { return github_; }
  const github::GitHub& github() const { return github_; }
  prometheus::PrometheusServer& prometheus() { return prometheus_; }
  // The world's Alertmanager, fed with Prometheus's firing and resolved alerts; null
  // when the world has none.
  const prometheus::Alertmanager* alertmanager() const { return alertmanager_.get(); }
  prometheus::Alertmanager* alertmanager() { return alertmanager_.get(); }
  // Sends per alert that Prometheus's notifier made and that were lost on the way (a
  // fault between Prometheus and a networked Alertmanager).
  std::size_t alertmanager_sends_lost() const { return am_sends_lost_; }
  production::Production& production() { return production_; }
  runner::RunnerHost* runner(const std::string& runner_name);
  std::vector<std::unique_ptr<runner::RunnerHost>>& runners() { return runners_; }
  const WorldSpec& spec() const { return spec_; }

 private:
  WorldSpec spec_;
  Engine engine_;
  Network network_;
  github::GitHub github_;
  prometheus::ExporterDirectory exporters_;
  prometheus::PrometheusServer prometheus_;
  std::unique_ptr<prometheus::Alertmanager> alertmanager_;
  // Prometheus -> a networked Alertmanager: one send now, and resends while firing.
  void send_to_alertmanager(const prometheus::AlertChange& c);
  void resend_while_firing(const prometheus::Labels& labels, std::uint64_t generation);
  std::map<prometheus::Labels, std::uint64_t> firing_generation_;  // labels -> its current firing spell
  std::uint64_t next_generation_ = 1;
  std::size_t am_sends_lost_ = 0;
  production::Production production_;
  std::vector<std::unique_ptr<runner::RunnerHost>> runners_;
};

}  // namespace failsim::sim
