#include "sim/world.h"

namespace failsim::sim {

using std::chrono::seconds;

WorldSpec paws360_world(std::uint64_t seed, int runner_count) {
  WorldSpec w;
  w.seed = seed;
  runner::RunnerHostSpec serotonin;
  serotonin.runner_name = "Serotonin-paws360";
  serotonin.host = "serotonin";
  serotonin.hostname = "Serotonin";
  serotonin.labels = {"self-hosted", "Linux", "X64", "primary", "production"};
  serotonin.exporter_port = 9102;
  serotonin.authorized_for_prod = "true";
  w.runners.push_back(serotonin);
  runner::RunnerHostSpec dell;
  dell.runner_name = "dell-r640-01-runner";
  dell.host = "dell-r640-01";
  dell.hostname = "dell-r640-01";
  dell.labels = {"self-hosted", "Linux", "X64", "staging", "primary", "production", "secondary"};
  dell.exporter_port = 9101;
  dell.authorized_for_prod = "true";
  dell.check_in_visible = false;  // ProtectHome hides the _diag log (§3.1)
  dell.cpu_percent = 2.3;
  dell.memory_percent = 18.5;
  w.runners.push_back(dell);
  for (int i = 3; i <= runner_count; ++i) {
    runner::RunnerHostSpec extra = dell;
    extra.runner_name = "runner-" + std::to_string(i);
    extra.host = "runner-" + std::to_string(i);
    extra.hostname = extra.host;
    extra.labels = {"self-hosted", "Linux", "X64"};
    extra.exporter_port = 9100;
    w.runners.push_back(extra);
  }
  w.scrape.job = "github-runner-health";
  w.scrape.scrape_interval = seconds(15);
  w.scrape.scrape_timeout = seconds(10);
  w.scrape.honor_labels = true;
  w.prometheus.evaluation_interval = seconds(15);
  return w;
}

World::World(WorldSpec spec)
    : spec_(std::move(spec)),
      engine_(spec_.start),
      network_(engine_, Rng::stream(spec_.seed, "network")),
      github_(engine_, Rng::stream(spec_.seed, "github"), spec_.github),
      prometheus_(engine_, network_, exporters_, spec_.prometheus, Rng::stream(spec_.seed, "prometheus/offsets")),
      production_(spec_.production_version) {
  network_.set_default_latency(spec_.lan_latency);
  network_.add_host(spec_.prometheus.host);
  network_.add_host("github");
  for (const auto& r : spec_.runners) {
    runners_.push_back(std::make_unique<runner::RunnerHost>(engine_, network_, github_, exporters_, r,
                                                            Rng::stream(spec_.seed, "runner/" + r.runner_name)));
  }
}

runner::RunnerHost* World::runner(const std::string& runner_name) {
  for (auto& r : runners_) {
    if (r->spec().runner_name == runner_name) return r.get();
  }
  return nullptr;
}

Result<bool> World::start() {
  for (auto& r : runners_) r->start();
  prometheus::ScrapeConfig scrape = spec_.scrape;
  if (scrape.targets.empty()) {
    for (const auto& r : spec_.runners) {
      // The as-built target labels (§3.2); honor_labels lets the exporter's win.
      scrape.targets.push_back({r.host, r.exporter_port,
                                prometheus::make_labels({{"environment", "production"},
                                                         {"runner_name", r.runner_name},
                                                         {"authorized_for_prod", r.authorized_for_prod},
                                                         {"service", "github-runner"}})});
    }
  }
  auto added = prometheus_.add_scrape_config(scrape);
  if (!added) return added;
  for (const auto& g : spec_.rules) prometheus_.add_rule_group(g);
  prometheus_.start();
  return Result<bool>::ok(true);
}

}  // namespace failsim::sim
