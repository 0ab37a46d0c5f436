// Alertmanager's notification timing (reference B7, v0.34 dispatch/route.go; the
// defaults are the route defaults): alerts are grouped by `group_by` labels; a new
// group's first notification goes out `group_wait` (30 s) after its first alert; after
// that the group is checked every `group_interval` (5 m) and notified when alerts were
// added or resolved since the last notification, or when `repeat_interval` (4 h) has
// passed. An alert resolved before its group's first notification sends nothing.
//
// Fed by PrometheusServer::on_alert_change (firing and resolution); Prometheus's own
// send delay is not modelled (it sends at the evaluation that changes the state).
// Thread safety: none; engine thread only.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "sim/engine.h"
#include "sim/prometheus/server.h"

namespace failsim::sim::prometheus {

struct AlertmanagerConfig {
  std::vector<std::string> group_by = {"alertname"};
  Duration group_wait = std::chrono::seconds(30);
  Duration group_interval = std::chrono::minutes(5);
  Duration repeat_interval = std::chrono::hours(4);
};

struct Notification {
  TimePoint at;
  Labels group;                     // the group_by labels
  std::vector<Labels> firing;       // alerts firing in the group
  std::vector<Labels> resolved;     // resolved since the last notification
};

class Alertmanager {
 public:
  Alertmanager(Engine& engine, AlertmanagerConfig config) : engine_(engine), config_(std::move(config)) {}

  void receive(const AlertChange& change);
  const std::vector<Notification>& notifications() const { return notifications_; }
  // The alerts it holds now (firing, not yet resolved), as its API v2 lists them: when
  // each first arrived and when it was last updated.
  struct Held {
    Labels labels;
    TimePoint received_at;
    TimePoint updated_at;
  };
  std::vector<Held> held() const;
  const AlertmanagerConfig& config() const { return config_; }
  // Time of the first notification that carried a firing alert with this name.
  std::optional<TimePoint> first_notified(const std::string& alertname) const;

 private:
  struct Group {
    std::map<Labels, bool> firing;    // alert labels -> present
    std::set<Labels> resolved;        // resolved since the last notification
    bool changed = false;
    bool notified_once = false;
    bool flush_scheduled = false;
    TimePoint last_notified{};
  };
  void flush(const Labels& key);

  Engine& engine_;
  AlertmanagerConfig config_;
  std::map<Labels, Group> groups_;
  std::map<Labels, Held> held_;
  std::vector<Notification> notifications_;
};

}  // namespace failsim::sim::prometheus
