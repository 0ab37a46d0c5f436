#include "sim/world.h"

#include <algorithm>

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
    if (spec_.alertmanager->host.empty()) {
      prometheus_.on_alert_change([this](const prometheus::AlertChange& c) { alertmanager_->receive(c); });
    } else {
      prometheus_.on_alert_change([this](const prometheus::AlertChange& c) { send_to_alertmanager(c); });
    }
  }
  github_.set_environments(spec_.environments);
  network_.set_default_latency(spec_.lan_latency);
  network_.add_host(spec_.prometheus.host);
  network_.add_host("github");
  if (spec_.alertmanager && !spec_.alertmanager->host.empty()) network_.add_host(spec_.alertmanager->host);
  for (const auto& h : spec_.hosts) network_.add_host(h);
  for (const auto& r : spec_.runners) {
    runners_.push_back(std::make_unique<runner::RunnerHost>(engine_, network_, github_, exporters_, r,
                                                            Rng::stream(spec_.seed, "runner/" + r.runner_name)));
  }
}

namespace {

// What Prometheus's notifier sends: the alert's labels with each external label it does
// not carry already (notifier.go, Send: `if a.Labels.Get(l.Name) == "" { lb.Set(...) }`).
prometheus::Labels with_external_labels(const prometheus::Labels& labels,
                                        const std::vector<std::pair<std::string, std::string>>& external) {
  if (external.empty()) return labels;
  prometheus::Labels::Pairs pairs = labels.pairs();
  for (const auto& [name, value] : external) {
    if (value.empty() || !prometheus::label_value(labels, name).empty()) continue;
    pairs.emplace_back(name, value);
  }
  std::sort(pairs.begin(), pairs.end());
  return prometheus::Labels(std::move(pairs));
}

}  // namespace

void World::send_to_alertmanager(const prometheus::AlertChange& c) {
  if (c.to == prometheus::AlertState::kPending) return;  // pending alerts are not sent
  if (c.to == prometheus::AlertState::kFiring) {
    const std::uint64_t generation = next_generation_++;
    firing_generation_[c.labels] = generation;
    engine_.schedule_after(spec_.prometheus.resend_delay, [this, labels = c.labels, generation] { resend_while_firing(labels, generation); });
  } else {
    firing_generation_.erase(c.labels);
  }
  const auto& am = *spec_.alertmanager;
  network_.request<bool>(
      spec_.prometheus.host, am.host, am.port, std::chrono::seconds(10),
      [this, c]() -> std::optional<Served<bool>> {
        if (!network_.host_up(spec_.alertmanager->host)) return std::nullopt;
        prometheus::AlertChange arrived = c;
        arrived.at = engine_.now();
        arrived.labels = with_external_labels(c.labels, spec_.prometheus.external_labels);
        alertmanager_->receive(arrived);
        return Served<bool>{true, Duration(0)};
      },
      [this](const CallResult<bool>& r) {
        if (r.status != CallStatus::kOk) ++am_sends_lost_;
      });
}

void World::resend_while_firing(const prometheus::Labels& labels, std::uint64_t generation) {
  const auto it = firing_generation_.find(labels);
  if (it == firing_generation_.end() || it->second != generation) return;  // resolved (or firing anew) since
  // A resend of a firing alert: Alertmanager starts a group only for an alert it does not
  // hold yet, so a resend after a lost send is what gets it there.
  const bool held = [&] {
    const prometheus::Labels sent = with_external_labels(labels, spec_.prometheus.external_labels);
    for (const auto& h : alertmanager_->held()) {
      if (h.labels == sent) return true;
    }
    return false;
  }();
  if (!held) {
    send_to_alertmanager(prometheus::AlertChange{engine_.now(), std::string(prometheus::label_value(labels, "alertname")), labels,
                                                 prometheus::AlertState::kPending, prometheus::AlertState::kFiring});
    return;  // (send_to_alertmanager schedules the next resend)
  }
  engine_.schedule_after(spec_.prometheus.resend_delay, [this, labels, generation] { resend_while_firing(labels, generation); });
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
