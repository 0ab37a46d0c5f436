// Alertmanager's notification timing (reference B7, v0.34 dispatch/route.go; the
// defaults are the route defaults): alerts are grouped by `group_by` labels; a new
// group's first notification goes out `group_wait` (30 s) after its first alert; after
// that the group is checked every `group_interval` (5 m) and notified when alerts were
// added or resolved since the last notification, or when `repeat_interval` (4 h) has
// passed. An alert resolved before its group's first notification sends nothing.
//
// Routing as 0.25's dispatch/route.go: an alert walks the route tree from the root; a
// child whose matchers match takes it (and, without `continue`, stops the search among
// its siblings); a route no child of which matched is a match itself. Each matching
// route groups the alert by its own group_by ("..." = every label) with its own timings
// (children inherit what they do not set). At notification time, alerts an inhibit
// rule or an active silence mutes are left out (notify.go MuteStage); a group whose
// alerts are all muted sends nothing.
//
// Fed by PrometheusServer::on_alert_change (firing and resolution); Prometheus's own
// send delay is not modelled (it sends at the evaluation that changes the state).
// Thread safety: none; engine thread only.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sim/engine.h"
#include "sim/prometheus/server.h"

namespace failsim::sim::prometheus {

// One matcher as Alertmanager writes them: name, =, !=, =~ or !~, value (regexes are
// anchored, RE2 syntax as Go's).
struct AmMatcher {
  enum class Op { kEq, kNe, kRe, kNre };
  std::string name;
  Op op = Op::kEq;
  std::string value;
  bool matches(const Labels& labels) const;
};
// `severity="critical"`, `team=~"a|b"`, `alertname!=X` (quotes optional, as 0.25's parser).
Result<AmMatcher> parse_am_matcher(const std::string& text);
std::string to_string(const AmMatcher& m);

struct AmRoute {
  std::string receiver;  // "" inherits
  std::vector<AmMatcher> matchers;
  std::optional<std::vector<std::string>> group_by;  // unset inherits; {"..."} groups by every label
  std::optional<Duration> group_wait, group_interval, repeat_interval;
  bool continue_matching = false;  // `continue`
  std::vector<AmRoute> routes;
};

struct InhibitRule {
  std::vector<AmMatcher> source, target;
  std::vector<std::string> equal;
};

// A silence (from a saved GET /api/v2/silences): mutes the alerts its matchers all match
// from `starts` to `ends` after the run's start (no end: to the end of the run).
struct Silence {
  std::string id;
  std::vector<AmMatcher> matchers;
  Duration starts{0};
  std::optional<Duration> ends;
};

struct AlertmanagerConfig {
  // The root route (its timings are every route's defaults, reference B7).
  std::vector<std::string> group_by = {"alertname"};
  Duration group_wait = std::chrono::seconds(30);
  Duration group_interval = std::chrono::minutes(5);
  Duration repeat_interval = std::chrono::hours(4);
  std::string receiver = "default";
  std::vector<AmRoute> routes;  // the root's children
  std::vector<InhibitRule> inhibit_rules;
  std::vector<Silence> silences;
  // Where it runs. With a host, Prometheus's sends cross the network (from the Prometheus
  // host to host:port, alertmanager_config.timeout 10 s), so a fault on that link loses
  // them, and a firing alert is sent again every --rules.alert.resend-delay (notifier.go,
  // rules/alerting.go: sent at each change, re-sent while firing); a lost send is not
  // retried otherwise. "" = on the Prometheus host with nothing between (the default).
  std::string host;
  int port = 9093;
};

struct Notification {
  TimePoint at;
  std::string receiver;
  Labels group;                     // the group_by labels
  std::vector<Labels> firing;       // alerts firing in the group
  std::vector<Labels> resolved;     // resolved since the last notification
};

class Alertmanager {
 public:
  // `start`: the run's start, which silences count from.
  Alertmanager(Engine& engine, AlertmanagerConfig config, TimePoint start = TimePoint{});

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

  // The routes an alert with these labels takes (route indexes into routes()), in order.
  std::vector<std::size_t> match(const Labels& labels) const;
  // Every route of the tree, flattened depth-first (0 is the root), with what it inherits.
  struct FlatRoute {
    std::string receiver;
    std::vector<AmMatcher> matchers;  // its own
    std::vector<std::string> group_by;
    bool group_by_all = false;
    Duration group_wait{}, group_interval{}, repeat_interval{};
    bool continue_matching = false;
    std::vector<std::size_t> children;
  };
  const std::vector<FlatRoute>& routes() const { return routes_; }
  // Whether an inhibit rule or an active silence mutes the alert now.
  bool muted(const Labels& labels, TimePoint now) const;

  // Silences, as the API v2 lists them: the configured ones (a configured silence with
  // no end lasts the run: its `ends` is the far future, 2099-12-31) and those made at
  // run time, which mute like configured ones from `starts` until `ends`.
  struct SilenceRecord {
    std::string id;
    std::vector<AmMatcher> matchers;
    TimePoint starts, ends, updated;
    std::string created_by, comment;
  };
  std::vector<SilenceRecord> silences() const;
  // A silence made at run time (POST /api/v2/silences); its id, deterministic:
  // 00000000-0000-4000-8000-<12 hex digits of a counter>. REQUIRES: starts < ends.
  std::string add_silence(std::vector<AmMatcher> matchers, TimePoint starts, TimePoint ends, std::string created_by,
                          std::string comment);
  // Ends a silence now (DELETE /api/v2/silence/{id}): "" when done, else why not
  // ("not found", or "already expired").
  std::string expire_silence(const std::string& id, TimePoint now);
  // The ids of the silences muting the alert now, and the alerts inhibiting it.
  std::vector<std::string> silenced_by(const Labels& labels, TimePoint now) const;
  std::vector<Labels> inhibited_by(const Labels& labels) const;
  // Per inhibit rule (config order): how many firing alerts it kept out of notifications
  // (the alert ledger's coverage, reports/alert_ledger.h).
  const std::vector<std::size_t>& inhibitions() const { return inhibitions_; }

 private:
  struct GroupKey {
    std::size_t route;
    Labels labels;
    auto operator<=>(const GroupKey&) const = default;
  };
  struct Group {
    std::map<Labels, bool> firing;    // alert labels -> present
    std::set<Labels> resolved;        // resolved since the last notification
    bool changed = false;
    bool notified_once = false;
    bool flush_scheduled = false;
    TimePoint last_notified{};
  };
  void flush(const GroupKey& key);
  std::size_t flatten(const AmRoute* route, const FlatRoute& parent);
  void match_into(std::size_t route, const Labels& labels, std::vector<std::size_t>& out) const;

  Engine& engine_;
  AlertmanagerConfig config_;
  TimePoint start_;
  std::vector<FlatRoute> routes_;
  std::map<GroupKey, Group> groups_;
  std::map<Labels, Held> held_;
  std::vector<std::size_t> inhibitions_;  // by inhibit rule
  // Whether inhibit rule `rule` mutes an alert with these labels now (the held alerts
  // that do it added to `sources`, when given).
  bool inhibits(const InhibitRule& rule, const Labels& labels, std::vector<Labels>* sources = nullptr) const;
  std::vector<Notification> notifications_;
  std::vector<SilenceRecord> made_silences_;
};

}  // namespace failsim::sim::prometheus
