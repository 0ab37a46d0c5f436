#include "sim/world.h"

namespace failsim::sim {

World::World(WorldSpec spec)
    : spec_(std::move(spec)),
      engine_(spec_.start),
      network_(engine_, Rng::stream(spec_.seed, "network")),
      github_(engine_, Rng::stream(spec_.seed, "github"), spec_.github),
      prometheus_(engine_, network_, exporters_, spec_.prometheus, Rng::stream(spec_.seed, "prometheus/offsets")),
      production_(spec_.production_version, spec_.production_steps) {
  if (spec_.alertmanager) {
    alertmanager_ = std::make_unique<prometheus::Alertmanager>(engine_, *spec_.alertmanager, spec_.start);
    prometheus_.on_alert_change([this](const prometheus::AlertChange& c) { alertmanager_->receive(c); });
  }
  github_.set_environments(spec_.environments);
  network_.set_default_latency(spec_.lan_latency);
  network_.add_host(spec_.prometheus.host);
  network_.add_host("github");
  for (const auto& h : spec_.hosts) network_.add_host(h);
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
  auto empty = std::make_shared<const prometheus::Samples>();
  for (const auto& [host, port] : spec_.plain_exporters) {
    exporters_.listen(host, port, [this, empty, host = host]() -> std::optional<Served<prometheus::Exposition>> {
      if (!network_.host_up(host)) return std::nullopt;
      return Served<prometheus::Exposition>{empty, std::chrono::milliseconds(5)};
    });
  }
  for (const auto& scrape : spec_.scrape_configs) {
    auto added = prometheus_.add_scrape_config(scrape);
    if (!added) return added;
  }
  for (const auto& g : spec_.rules) prometheus_.add_rule_group(g);
  prometheus_.start();
  return Result<bool>::ok(true);
}

}  // namespace failsim::sim
