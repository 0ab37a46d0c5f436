#include "sim/prometheus/server.h"

#include <algorithm>
#include <set>

#include "failover/duration.h"

namespace failsim::sim::prometheus {
namespace {

std::int64_t to_ms(TimePoint t) { return to_us(t) / 1000; }

}  // namespace

std::optional<Served<Exposition>> ExporterDirectory::serve(const std::string& host, int port) const {
  const auto it = handlers_.find(EndpointLess::View(host, port));
  if (it == handlers_.end()) return std::nullopt;
  return it->second();
}

PrometheusServer::PrometheusServer(Engine& engine, Network& network, const ExporterDirectory& exporters,
                                   PrometheusConfig config, Rng offsets)
    : engine_(engine), network_(network), exporters_(exporters), config_(std::move(config)), offsets_(std::move(offsets)) {
  // A subquery without a step steps at the global evaluation interval (2.42).
  if (config_.evaluation_interval > Duration(0)) config_.query.subquery_step_ms = to_us(config_.evaluation_interval) / 1000;
}

Result<bool> PrometheusServer::add_scrape_config(const ScrapeConfig& config) {
  if (config.scrape_timeout > config.scrape_interval) {
    return Result<bool>::error("scrape_config " + config.job + ": scrape timeout greater than scrape interval (" +
                               format_duration(config.scrape_timeout) + " > " +
                               format_duration(config.scrape_interval) + ")");
  }
  if (config.scrape_interval <= Duration(0)) {
    return Result<bool>::error("scrape_config " + config.job + ": scrape interval must be greater than 0");
  }
  scrape_configs_.push_back(std::make_unique<ScrapeConfig>(config));
  const ScrapeConfig* stored = scrape_configs_.back().get();
  for (const auto& declared : stored->targets) {
    ScrapeConfig::Target target = declared;
    TargetHealth h;
    h.job = stored->job;
    h.instance = target.host + ":" + std::to_string(target.port);
    h.labels = target.labels;
    set_label(h.labels, "job", stored->job);
    set_label(h.labels, "instance", h.instance);
    std::optional<Labels> relabelled;  // the whole set, __ labels included, when relabel_configs apply
    // Relabelling also removes __meta_* labels (file_sd's __meta_filepath): any __ label
    // takes the same path, so none reaches a series.
    const bool internal_labels = std::any_of(target.labels.begin(), target.labels.end(),
                                             [](const Label& l) { return l.first.rfind("__", 0) == 0; });
    if (!stored->relabel_configs.empty() || internal_labels) {
      Labels discovered = target.labels;
      set_label(discovered, "__address__", h.instance);
      const TargetDefaults defaults{stored->job, prometheus_duration(stored->scrape_interval),
                                    prometheus_duration(stored->scrape_timeout), stored->metrics_path, stored->scheme};
      auto populated = populate_target_labels(discovered, defaults, stored->relabel_configs);
      if (!populated || !populated.value()) {
        dropped_.push_back({stored->job, discovered_target_labels(discovered, defaults), populated ? "" : populated.error()});
        continue;
      }
      relabelled = *populated.value();
      // The address relabelling left is the one scraped.
      const std::string addr(label_value(*relabelled, "__address__"));
      const auto colon = addr.rfind(':');
      target.host = addr.substr(0, colon);
      target.port = std::atoi(addr.c_str() + colon + 1);
      h.labels = Labels();
      for (const auto& [name, value] : *relabelled) {
        if (name.rfind("__", 0) != 0) set_label(h.labels, name, value);
      }
      h.job = std::string(label_value(h.labels, "job"));
      h.instance = std::string(label_value(h.labels, "instance"));
    }
    h.interval = stored->scrape_interval;
    h.timeout = stored->scrape_timeout;
    health_.push_back(h);
    Duration offset{0};
    if (target.offset) {
      offset = *target.offset;
    } else if (stored->fixed_offset) {
      offset = *stored->fixed_offset;
    } else if (config_.jitter_seed && relabelled) {
      offset = scrape_phase_of(relabelled->pairs(), stored->scrape_interval, *config_.jitter_seed);
    } else if (config_.jitter_seed) {
      ScrapeTargetKey key{stored->job, h.instance, stored->scheme, stored->metrics_path, stored->scrape_interval,
                          stored->scrape_timeout, {}};
      for (const auto& [name, value] : target.labels) key.labels.emplace_back(name, value);
      offset = scrape_phase(key, *config_.jitter_seed);
    } else {
      // The server's FQDN unknown: a fixed phase per target, drawn from the seed.
      Rng per_target = offsets_.child(stored->job + "/" + h.instance);
      offset = Duration(per_target.uniform_int(0, stored->scrape_interval.count() - 1));
    }
    health_.back().offset = offset;
    Loop loop;
    loop.target = target;
    loop.config = stored;
    loop.health_index = health_.size() - 1;
    loop.offset = offset;
    loops_.push_back(std::move(loop));
  }
  return Result<bool>::ok(true);
}

void PrometheusServer::add_rule_group(RuleGroupSpec spec) {
  if (!spec.interval_set) spec.interval_ms = config_.evaluation_interval.count() / 1000;
  groups_.emplace_back(std::move(spec));
  groups_.back().set_restore_flags(to_us(config_.for_grace_period) / 1000, to_us(config_.for_outage_tolerance) / 1000);
  down_since_eval_.push_back(false);
  last_states_.emplace_back(groups_.back().alerting_rules().size());
}

void PrometheusServer::start() {
  const TimePoint now = engine_.now();
  for (std::size_t i = 0; i < loops_.size(); ++i) {
    const Loop& loop = loops_[i];
    const bool pinned = loop.target.offset || loop.config->fixed_offset;
    const TimePoint first = pinned || !config_.jitter_seed
                                ? now + loop.offset
                                : first_slot_after(now, loop.offset, loop.config->scrape_interval);
    engine_.schedule_at(first, [this, i] { scrape(i); });
  }
  for (std::size_t g = 0; g < groups_.size(); ++g) {
    engine_.schedule_at(first_evaluation(g, now), [this, g] { evaluate(g); });
  }
  if (config_.sample_horizon > Duration(0)) engine_.schedule_after(config_.sample_horizon, [this] { forget_old_samples(); });
}

void PrometheusServer::forget_old_samples() {
  store_.forget_before(to_ms(engine_.now() - config_.sample_horizon));
  engine_.schedule_after(config_.sample_horizon, [this] { forget_old_samples(); });
}

TimePoint PrometheusServer::first_evaluation(std::size_t group_index, TimePoint start) const {
  const RuleGroupSpec& spec = groups_[group_index].spec();
  if (const auto it = config_.group_offsets.find(spec.name); it != config_.group_offsets.end()) return start + it->second;
  if (!config_.hashed_evaluation_phase) return start + config_.evaluation_offset;
  const Duration interval(spec.interval_ms * 1000);
  return first_slot_after(start, evaluation_phase(spec.name, spec.file, interval), interval);
}

Labels PrometheusServer::final_labels(const Loop& loop, const Labels& exported) const {
  const TargetHealth& h = health_[loop.health_index];
  Labels out = exported;
  for (const auto& [name, value] : h.labels) {
    const std::string_view mine = label_value(exported, name);
    if (mine.empty()) {
      set_label(out, name, value);
    } else if (!loop.config->honor_labels) {
      // Without honor_labels the target's label wins; the exporter's is kept renamed.
      set_label(out, "exported_" + name, mine);
      set_label(out, name, value);
    }
  }
  return out;
}

void PrometheusServer::scrape(std::size_t loop_index) {
  const Loop& loop = loops_[loop_index];
  if (!network_.host_up(config_.host)) {  // the monitoring host is down: nothing scrapes
    engine_.schedule_after(loop.config->scrape_interval, [this, loop_index] { scrape(loop_index); });
    return;
  }
  const TimePoint started = engine_.now();
  network_.request<Exposition>(
      config_.host, loop.target.host, loop.target.port, loop.config->scrape_timeout,
      [this, loop_index] { return exporters_.serve(loops_[loop_index].target.host, loops_[loop_index].target.port); },
      [this, loop_index, started](const CallResult<Exposition>& r) { finish_scrape(loop_index, started, r); });
  engine_.schedule_after(loop.config->scrape_interval, [this, loop_index] { scrape(loop_index); });
}

void PrometheusServer::finish_scrape(std::size_t loop_index, TimePoint started, const CallResult<Exposition>& r) {
  Loop& loop = loops_[loop_index];
  TargetHealth& h = health_[loop.health_index];
  const std::int64_t ts = to_ms(started);
  const std::string health_before = h.health;
  std::vector<Series*>& written = loop.written;
  written.clear();
  double scraped = 0, added = 0, post_relabel = 0;
  if (r.status == CallStatus::kOk && *r.response) {
    const Samples& samples = **r.response;
    scraped = static_cast<double>(samples.size());
    // The label work (target labels, honor_labels, the store lookup) is done once per
    // distinct list of label sets; an unchanged exporter hands out the same object.
    if (loop.cached != *r.response) {
      // Values change at every scrape (a check-in time, a CPU reading); label sets rarely.
      const bool same_labels = loop.cached && loop.cached->size() == samples.size() &&
                               std::equal(samples.begin(), samples.end(), loop.cached->begin(),
                                          [](const auto& a, const auto& b) { return a.first == b.first; });
      loop.cached = *r.response;
      if (!same_labels) {
        loop.cached_series.clear();
        const auto& metric_relabel = loop.config->metric_relabel_configs;
        for (const auto& [labels, value] : samples) {
          // metric_relabel_configs see the series with its target labels; a drop keeps it out.
          const std::optional<Labels> kept =
              metric_relabel.empty() ? std::optional<Labels>(final_labels(loop, labels)) : relabel(final_labels(loop, labels), metric_relabel);
          loop.cached_series.push_back(kept && !kept->empty() ? &store_.series_for(*kept) : nullptr);
        }
      }
    }
    for (std::size_t i = 0; i < samples.size(); ++i) {
      if (loop.cached_series[i] == nullptr) continue;
      ++post_relabel;
      added += loop.cached_series[i]->empty() ? 1 : 0;
      if (SeriesStore::append_to(*loop.cached_series[i], ts, samples[i].second)) written.push_back(loop.cached_series[i]);
    }
    h.health = "up";
    h.last_error.clear();
  } else {
    h.health = "down";
    // Go's net/http error texts, as the targets API shows them.
    // An answer other than 200 fails the scrape (scrape.go: "server returned HTTP status %s").
    h.last_error = r.status == CallStatus::kTimeout ? "context deadline exceeded"
                   : r.status == CallStatus::kHttpError
                       ? "server returned HTTP status " + std::to_string(r.http_status) + " " + http_status_text(r.http_status)
                       : "Get \"http://" + h.instance + "/metrics\": dial tcp " + h.instance + ": connect: connection refused";
  }
  for (Series* s : loop.last_series) {
    if (std::find(written.begin(), written.end(), s) == written.end()) SeriesStore::append_stale_to(*s, ts);
  }
  std::swap(loop.last_series, loop.written);  // both keep their capacity
  if (loop.up == nullptr) {
    // The report series Prometheus 2.42 writes for every scrape, failed or not.
    auto report = [&](const char* name) {
      Labels l = h.labels;
      set_label(l, kMetricName, name);
      return &store_.series_for(l);
    };
    loop.up = report("up");
    loop.duration = report("scrape_duration_seconds");
    loop.samples_scraped = report("scrape_samples_scraped");
    loop.samples_post_relabel = report("scrape_samples_post_metric_relabeling");
    loop.series_added = report("scrape_series_added");
  }
  SeriesStore::append_to(*loop.up, ts, r.status == CallStatus::kOk ? 1.0 : 0.0);
  SeriesStore::append_to(*loop.duration, ts, to_seconds(r.elapsed));
  SeriesStore::append_to(*loop.samples_scraped, ts, scraped);
  SeriesStore::append_to(*loop.samples_post_relabel, ts, post_relabel);
  SeriesStore::append_to(*loop.series_added, ts, added);
  h.last_scrape = started;
  h.last_scrape_duration = r.elapsed;
  if (h.health != health_before) {
    for (const auto& l : health_listeners_) l(h);
  }
}

void PrometheusServer::evaluate(std::size_t group_index) {
  RuleGroup& group = groups_[group_index];
  const TimePoint now = engine_.now();
  if (!network_.host_up(config_.host)) {  // the monitoring host is down: nothing evaluates
    down_since_eval_[group_index] = true;
    for (const auto& l : eval_listeners_) l(group_index, now, false);
    engine_.schedule_after(Duration(group.spec().interval_ms * 1000), [this, group_index] { evaluate(group_index); });
    return;
  }
  if (down_since_eval_[group_index]) {
    // Up again: a new Prometheus process, whose rule manager starts from nothing (its
    // first evaluation is the first slot after the restart, as here).
    down_since_eval_[group_index] = false;
    group.restart();
    // 2.42 drops a pending alert with the process: the first evaluation after the
    // restart makes a new one (pending anew). Firing alerts are restored from
    // ALERTS_FOR_STATE (rules.h), and Alertmanager still holds them: not reported here.
    auto& last = last_states_[group_index];
    for (std::size_t r = 0; r < group.alerting_rules().size() && r < last.size(); ++r) {
      auto& before = last[r];
      for (auto it = before.begin(); it != before.end();) {
        if (it->second != AlertState::kPending) {
          ++it;
          continue;
        }
        for (const auto& l : listeners_) {
          l(AlertChange{now, group.alerting_rules()[r].spec().name, it->first, AlertState::kPending, AlertState::kInactive});
        }
        it = before.erase(it);
      }
    }
  }
  const auto result = group.eval(store_, to_ms(now), config_.query);
  if (!result) rule_errors_.push_back(format_duration(now.time_since_epoch()) + ": " + result.error());
  // Report state changes, alert by alert: first the rule's active alerts whose state
  // changed (in label order), then those that went inactive.
  auto& last = last_states_[group_index];
  for (std::size_t r = 0; r < group.alerting_rules().size(); ++r) {
    const AlertingRule& rule = group.alerting_rules()[r];
    auto& before = last[r];
    const auto& after = rule.alerts();
    const bool unchanged = before.size() == after.size() &&
                           std::equal(after.begin(), after.end(), before.begin(), [](const auto& a, const auto& b) {
                             return a.second.state == b.second && a.first == b.first;
                           });
    if (unchanged) continue;  // the common case: nothing to report, nothing to copy
    auto state_before = [&before](const Labels& labels) {
      const auto it = std::lower_bound(before.begin(), before.end(), labels,
                                       [](const auto& entry, const Labels& l) { return entry.first < l; });
      return it != before.end() && it->first == labels ? it->second : AlertState::kInactive;
    };
    for (const auto& [labels, alert] : after) {
      const AlertState prev = state_before(labels);
      if (prev != alert.state) {
        for (const auto& l : listeners_) l(AlertChange{now, rule.spec().name, labels, prev, alert.state});
      }
    }
    for (const auto& [labels, state] : before) {
      if (after.count(labels) == 0) {
        for (const auto& l : listeners_) l(AlertChange{now, rule.spec().name, labels, state, AlertState::kInactive});
      }
    }
    before.clear();
    for (const auto& [labels, alert] : after) before.emplace_back(labels, alert.state);
  }
  for (const auto& l : eval_listeners_) l(group_index, now, true);
  engine_.schedule_after(Duration(group.spec().interval_ms * 1000), [this, group_index] { evaluate(group_index); });
}

Result<Value> PrometheusServer::query(const std::string& promql) const {
  return prometheus::query(promql, store_, to_ms(engine_.now()), config_.query);
}

}  // namespace failsim::sim::prometheus
