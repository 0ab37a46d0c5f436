#include "sim/prometheus/alertmanager.h"

namespace failsim::sim::prometheus {

void Alertmanager::receive(const AlertChange& change) {
  if (change.to == AlertState::kPending) return;  // Prometheus sends firing and resolved alerts only
  const bool firing = change.to == AlertState::kFiring;
  if (!firing && change.from != AlertState::kFiring) return;  // a pending alert that went away
  const Labels key = keep_only(change.labels, config_.group_by);
  Group& g = groups_[key];
  if (firing) {
    auto [it, added] = held_.try_emplace(change.labels, Held{change.labels, change.at, change.at});
    it->second.updated_at = change.at;
    g.firing[change.labels] = true;
    g.resolved.erase(change.labels);
  } else {
    held_.erase(change.labels);
    g.firing.erase(change.labels);
    if (g.notified_once) g.resolved.insert(change.labels);
  }
  g.changed = true;
  if (!g.flush_scheduled && !g.notified_once) {
    if (g.firing.empty()) return;  // resolved before anything was sent
    g.flush_scheduled = true;
    engine_.schedule_after(config_.group_wait, [this, key] { flush(key); });
  }
}

void Alertmanager::flush(const Labels& key) {
  Group& g = groups_[key];
  const TimePoint now = engine_.now();
  const bool repeat_due = g.notified_once && now - g.last_notified >= config_.repeat_interval;
  if ((g.changed || repeat_due) && (!g.firing.empty() || !g.resolved.empty())) {
    Notification n{now, key, {}, {g.resolved.begin(), g.resolved.end()}};
    for (const auto& [labels, present] : g.firing) n.firing.push_back(labels);
    notifications_.push_back(std::move(n));
    g.last_notified = now;
    g.notified_once = true;
    g.changed = false;
    g.resolved.clear();
  }
  if (g.firing.empty() && g.resolved.empty()) {
    g.flush_scheduled = false;  // the group ends; a new alert starts a new group_wait
    g.notified_once = false;
    return;
  }
  engine_.schedule_after(config_.group_interval, [this, key] { flush(key); });
}

std::vector<Alertmanager::Held> Alertmanager::held() const {
  std::vector<Held> out;
  for (const auto& [labels, h] : held_) out.push_back(h);
  return out;
}

std::optional<TimePoint> Alertmanager::first_notified(const std::string& alertname) const {
  for (const auto& n : notifications_) {
    for (const auto& l : n.firing) {
      if (label_value(l, "alertname") == alertname) return n.at;
    }
  }
  return std::nullopt;
}

}  // namespace failsim::sim::prometheus
