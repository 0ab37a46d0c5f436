// PrometheusServer: the monitoring host's Prometheus, on the engine and the network.
//
// Scraping (reference B, Prometheus 2.42 scrape/scrape.go):
//  - one loop per target: the first scrape at a fixed per-target phase within the
//    interval, then every scrape_interval. The phase is Prometheus's own (target hash
//    XOR the server's jitter seed, sim/prometheus/schedule.h) when the config gives a
//    jitter seed, a seeded draw per target when it does not (the server's FQDN unknown),
//    or pinned per target or per job;
//  - each scrape is a network request from the Prometheus host with scrape_timeout
//    (<= interval, checked); samples are stamped with the scrape's *start* time (ms);
//  - success: the exported samples get the target labels (job, instance, static
//    labels); with honor_labels the exporter's value wins a conflict, without it the
//    exporter's label is renamed exported_<name>; series of the previous scrape that
//    are gone get stale markers; up = 1, scrape_duration_seconds = the elapsed time;
//  - failure (timeout, refused): up = 0 and scrape_duration_seconds stamped at the
//    scrape's start, and stale markers for every series of the previous scrape, so they
//    vanish from instant queries instead of reading 0;
//  - samples become visible when the scrape completes, not before.
// Rules: every group is evaluated every `interval`, first at the group's phase as
// Prometheus computes it (hash of name and file) or at a pinned offset; results
// (ALERTS, recording rules) are written into the same store. A listener hears every
// alert state change, for detection-time measurements.
//
// Determinism: offsets come from the Rng handed in; everything runs on the engine.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/engine.h"
#include "sim/network/network.h"
#include "sim/prometheus/relabel.h"
#include "sim/prometheus/rules.h"
#include "sim/prometheus/schedule.h"
#include "sim/prometheus/series_store.h"

namespace failsim::sim::prometheus {

// What an exporter answers to one scrape: its samples (labels include __name__).
// Shared and immutable: an exporter whose state did not change hands out the same
// object again, which lets the scrape loop reuse its label work (see finish_scrape).
using Samples = std::vector<std::pair<Labels, double>>;
using Exposition = std::shared_ptr<const Samples>;
// Runs at the exporter's host when a scrape arrives; nullopt: nothing listens.
using ExporterHandler = std::function<std::optional<Served<Exposition>>()>;

// Which exporter answers on host:port. Models register themselves here.
class ExporterDirectory {
 public:
  void listen(const std::string& host, int port, ExporterHandler handler) { handlers_[{host, port}] = std::move(handler); }
  void close(const std::string& host, int port) { handlers_.erase({host, port}); }
  std::optional<Served<Exposition>> serve(const std::string& host, int port) const;

 private:
  // By (host, port); looked up at every scrape with a view, without copying the name.
  struct EndpointLess {
    using is_transparent = void;
    using View = std::pair<std::string_view, int>;
    static View view(const std::pair<std::string, int>& e) { return {e.first, e.second}; }
    static View view(const View& v) { return v; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return view(a) < view(b);
    }
  };
  std::map<std::pair<std::string, int>, ExporterHandler, EndpointLess> handlers_;
};

struct ScrapeConfig {
  std::string job;
  std::string scheme = "http";
  std::string metrics_path = "/metrics";
  Duration scrape_interval = std::chrono::minutes(1);  // Prometheus's global default
  Duration scrape_timeout = std::chrono::seconds(10);  // Prometheus's global default
  bool honor_labels = false;                           // Prometheus's default
  // Pins every target's offset instead of drawing it (0 aligns scrapes with promtool's
  // sample grid, for cross-checks); Prometheus itself has no such setting.
  std::optional<Duration> fixed_offset;
  struct Target {
    std::string host;
    int port = 0;
    Labels labels;  // static labels of the target (job and instance are added)
    std::optional<Duration> offset = std::nullopt;  // pins this target's phase (tests)
  };
  std::vector<Target> targets;
  std::vector<RelabelConfig> relabel_configs;         // target relabelling (relabel.h)
  std::vector<RelabelConfig> metric_relabel_configs;  // each scraped series, after the target's labels
};

// A target relabelling dropped (or refused: "no address"), as /api/v1/targets lists it.
struct DroppedTarget {
  std::string job;
  Labels discovered;  // before relabelling
  std::string error;  // "" when a config dropped it
};

struct PrometheusConfig {
  std::string host = "monitoring";
  Duration evaluation_interval = std::chrono::minutes(1);  // global default
  // The global scrape settings jobs inherit (reference B1: 1m and min(10s, interval));
  // kept for /api/v1/status/config, which shows the configuration as loaded.
  Duration global_scrape_interval = std::chrono::minutes(1);
  Duration global_scrape_timeout = std::chrono::seconds(10);
  // Rule groups: with hashed_evaluation_phase each group's phase is Prometheus's (first
  // evaluation at the first slot after start); otherwise, and for groups named in
  // group_offsets, the first evaluation is at start + the offset.
  bool hashed_evaluation_phase = false;
  Duration evaluation_offset{0};
  std::map<std::string, Duration> group_offsets;  // by group name
  // Scrape phases: Prometheus's when set (FNV-1a of FQDN + external labels).
  std::optional<std::uint64_t> jitter_seed;
  std::vector<std::pair<std::string, std::string>> external_labels;
  EvalOptions query;  // lookback 5m, max samples 50,000,000
  Duration query_timeout = std::chrono::minutes(2);  // --query.timeout, default 2m (the HTTP API's)
  // Restoring alerts' `for` state after a restart (rules/manager.go RestoreForState):
  Duration for_grace_period = std::chrono::minutes(10);  // --rules.alert.for-grace-period, default 10m
  Duration for_outage_tolerance = std::chrono::hours(1);  // --rules.alert.for-outage-tolerance, default 1h
  // --rules.alert.resend-delay, default 1m: a firing alert is sent again at the first
  // evaluation this long after its last send (only Alertmanager's updatedAt/endsAt show it).
  Duration resend_delay = std::chrono::minutes(1);
  // Samples older than this are forgotten, every horizon (0: kept for the whole run,
  // as a Prometheus within its 15d retention keeps them). A simulated run with no
  // reader but its rules and its gate's queries sets it beyond what they can read
  // (harness/runs/run.cc), which makes a long run's store small; live mode, whose API
  // may read any range, never does.
  Duration sample_horizon{0};
};

struct TargetHealth {
  std::string job;
  std::string instance;
  Labels labels;
  std::string health = "unknown";  // "up", "down", "unknown"
  std::string last_error;          // e.g. "context deadline exceeded"
  TimePoint last_scrape{};
  Duration last_scrape_duration{0};
  Duration interval{0};
  Duration timeout{0};
  Duration offset{0};  // phase of the scrapes within the interval (first scrape: start + offset when aligned)
};

struct AlertChange {
  TimePoint at;
  std::string alertname;
  Labels labels;
  AlertState from;
  AlertState to;
};

class PrometheusServer {
 public:
  PrometheusServer(Engine& engine, Network& network, const ExporterDirectory& exporters, PrometheusConfig config,
                   Rng offsets);

  // REQUIRES: scrape_timeout <= scrape_interval (Prometheus rejects the config too).
  Result<bool> add_scrape_config(const ScrapeConfig& config);
  void add_rule_group(RuleGroupSpec spec);
  // Schedules the scrape loops and rule evaluations from now on.
  void start();

  SeriesStore& store() { return store_; }
  const SeriesStore& store() const { return store_; }
  const std::vector<TargetHealth>& targets() const { return health_; }
  // The scrape configurations as added, in order.
  std::vector<const ScrapeConfig*> scrape_configs() const {
    std::vector<const ScrapeConfig*> all;
    for (const auto& c : scrape_configs_) all.push_back(c.get());
    return all;
  }
  const std::vector<DroppedTarget>& dropped_targets() const { return dropped_; }
  const std::vector<RuleGroup>& rule_groups() const { return groups_; }
  // When a group is first evaluated after a start() at `start`.
  TimePoint first_evaluation_after(std::size_t group_index, TimePoint start) const { return first_evaluation(group_index, start); }
  const PrometheusConfig& config() const { return config_; }
  // An instant query at now(), as /api/v1/query would answer it.
  Result<Value> query(const std::string& promql) const;
  void on_alert_change(std::function<void(const AlertChange&)> listener) { listeners_.push_back(std::move(listener)); }
  // Called when a target's health changes (unknown/up -> down, down -> up).
  void on_target_health(std::function<void(const TargetHealth&)> listener) { health_listeners_.push_back(std::move(listener)); }
  // Called at each evaluation slot of a rule group, after it evaluated (`ran`; its alerts
  // are in their new states), or when it could not (the monitoring host was down: `ran`
  // false). The scraped series then hold what the evaluation saw: failsim export
  // promtool reads the inputs at these instants.
  void on_evaluated(std::function<void(std::size_t group_index, TimePoint at, bool ran)> listener) {
    eval_listeners_.push_back(std::move(listener));
  }
  // Rule evaluation errors so far (e.g. many-to-many matching), newest last.
  const std::vector<std::string>& rule_errors() const { return rule_errors_; }

 private:
  using Series = std::vector<Sample>;
  struct Loop {
    ScrapeConfig::Target target;
    const ScrapeConfig* config = nullptr;
    std::size_t health_index = 0;
    Duration offset{0};
    std::vector<Series*> last_series;  // series written by the previous scrape
    std::vector<Series*> written;      // this scrape's (a buffer, swapped with last_series)
    Exposition cached;                 // the last exposition; `cached_series` fits its label sets
    std::vector<Series*> cached_series;  // its samples' series, in order
    Series* up = nullptr;
    Series* duration = nullptr;
    Series* samples_scraped = nullptr;       // scrape_samples_scraped
    Series* samples_post_relabel = nullptr;  // scrape_samples_post_metric_relabeling
    Series* series_added = nullptr;          // scrape_series_added
  };

  void scrape(std::size_t loop_index);
  void finish_scrape(std::size_t loop_index, TimePoint started, const CallResult<Exposition>& result);
  void evaluate(std::size_t group_index);
  void forget_old_samples();
  TimePoint first_evaluation(std::size_t group_index, TimePoint start) const;
  Labels final_labels(const Loop& loop, const Labels& exported) const;

  Engine& engine_;
  Network& network_;
  const ExporterDirectory& exporters_;
  PrometheusConfig config_;
  Rng offsets_;
  SeriesStore store_;
  std::vector<std::unique_ptr<ScrapeConfig>> scrape_configs_;
  std::vector<Loop> loops_;
  std::vector<TargetHealth> health_;
  std::vector<DroppedTarget> dropped_;
  std::vector<RuleGroup> groups_;
  std::vector<bool> down_since_eval_;  // by group: the monitoring host was down at an evaluation slot
  // Per group, per alerting rule: its alerts' states after the last evaluation.
  std::vector<std::vector<std::vector<std::pair<Labels, AlertState>>>> last_states_;
  std::vector<std::function<void(const AlertChange&)>> listeners_;
  std::vector<std::function<void(const TargetHealth&)>> health_listeners_;
  std::vector<std::function<void(std::size_t, TimePoint, bool)>> eval_listeners_;
  std::vector<std::string> rule_errors_;
};

}  // namespace failsim::sim::prometheus
