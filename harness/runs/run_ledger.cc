// Run's alert ledger (reports/alert_ledger.h) and background (harness/inputs/background.h):
// normal life laid out from streams of its own, each runner's outages as ground truth,
// every page with its verdict. Kept by a scenario with_background, or by `failsim alerts`.
#include <algorithm>
#include <set>

#include "harness/runs/run_parts.h"
#include "failover/health.h"
#include "sim/prometheus/promql_parser.h"
#include "sim/prometheus/promql_reach.h"

namespace failsim::harness::run_detail {

namespace {

constexpr double kWeekSeconds = 7 * 24 * 3600.0;
// How often outages are also checked between the faults' own events (a runner model
// change no fault announces, such as a service coming back by itself).
constexpr Duration kOutageCheckEvery = std::chrono::minutes(1);

// One background target: the fault it suffers, and a name for its random stream.
struct BackgroundTarget {
  std::string name;
  FaultSpec fault;
};

}  // namespace

Duration Run::sample_horizon(const RunInputs& in, const sim::WorldSpec& spec) {
  if (in.live != nullptr) return Duration(0);
  std::int64_t reach = 0;
  auto take = [&reach](const sim::prometheus::Node& expr) {
    const auto r = sim::prometheus::reach_ms(expr);
    if (r) reach = std::max(reach, *r);
    return r.has_value();
  };
  for (const auto& g : spec.rules) {
    for (const auto& r : g.rules) {
      if (r.expr == nullptr || !take(*r.expr)) return Duration(0);
    }
  }
  const failover::Candidate sample{"runner", std::string("host"), "host:9100", {}, true};
  for (const auto* checks : {&in.policy->preflight, &in.policy->gate}) {
    for (const auto& c : *checks) {
      if (c.is_command()) return Duration(0);  // it may ask the API for any range
      const auto parsed = sim::prometheus::parse_promql(failover::fill_placeholders(c.query, sample, "host"));
      if (!parsed || !take(*parsed.value())) return Duration(0);
    }
  }
  // Kept: the lookback and the furthest reach, with room; forgotten once an hour at most.
  const Duration needed = Duration((spec.prometheus.query.lookback_ms + reach) * 1000) + std::chrono::minutes(10);
  return std::max<Duration>(needed, std::chrono::hours(1));
}

bool Run::keeps_ledger() const { return in_.keep_ledger || in_.scenario->with_background; }

// Each kind's targets: every runner's exporter as a scrape target, every runner, or the
// Prometheus host.
void Run::lay_out_background() {
  const Scenario& sc = *in_.scenario;
  const Background& b = sc.world_file.background;
  const std::string& prometheus = world_.spec().prometheus.host;
  std::vector<BackgroundTarget> scrape_targets;  // (job's timeout) per runner exporter target
  for (const auto& c : world_.spec().scrape_configs) {
    for (const auto& t : c.targets) {
      FaultSpec f;
      f.from = prometheus;
      f.to = t.host;
      f.port = t.port;
      f.added_latency = c.scrape_timeout + std::chrono::seconds(1);
      scrape_targets.push_back({t.host + ":" + std::to_string(t.port), f});
    }
  }
  for (const auto& kind : b.kinds) {
    if (kind.per_week <= 0) continue;
    std::vector<BackgroundTarget> targets;
    if (kind.name == "slow_scrape" || kind.name == "dropped_connection") {
      for (auto t : scrape_targets) {
        t.fault.kind = kind.name == "slow_scrape" ? FaultSpec::Kind::kLatency : FaultSpec::Kind::kPartition;
        t.fault.mode = sim::FaultMode::kReject;
        targets.push_back(t);
      }
    } else if (kind.name == "prometheus_restart") {
      FaultSpec f;
      f.kind = FaultSpec::Kind::kHostDown;
      f.to = prometheus;
      targets.push_back({prometheus, f});
    } else {
      for (const auto& r : world_.spec().runners) {
        if (kind.name == "exporter_restart" && r.exporter_port == 0) continue;
        FaultSpec f;
        f.kind = kind.name == "exporter_restart" ? FaultSpec::Kind::kExporterStop
                 : kind.name == "runner_restart" ? FaultSpec::Kind::kServiceStop
                                                 : FaultSpec::Kind::kResources;
        f.runner = r.runner_name;
        f.cpu = b.spike_cpu_percent;
        f.memory = r.memory_percent;
        f.disk = r.disk_percent;
        targets.push_back({r.runner_name, f});
      }
    }
    const double mean_gap = kWeekSeconds / kind.per_week;
    const double run_seconds = to_seconds(sc.run_length);
    for (const auto& t : targets) {
      Rng rng = Rng::stream(seed_, "background/" + kind.name + "/" + t.name);
      double at = 0, free_from = 0;
      while ((at += rng.exponential(mean_gap)) < run_seconds) {
        const Duration length = std::max<Duration>(kind.duration.sample(rng), std::chrono::seconds(1));
        if (at < free_from) continue;  // the previous one is still going on there
        FaultSpec f = t.fault;
        f.at = std::chrono::duration_cast<Duration>(std::chrono::duration<double>(at));
        f.length = length;
        free_from = at + to_seconds(length);
        apply_fault(f, "background " + kind.name);
        ++ledger_->background[kind.name];
      }
    }
  }
}

void Run::start_ledger() {
  ledger_.emplace();
  label_runners();
  std::set<std::string> rules;
  for (const auto& g : *in_.rules) {
    for (const auto& r : g.rules) {
      if (!r.alerting) continue;
      rules.insert(r.name);
      rule_for_seconds_[r.name] = static_cast<double>(r.for_ms) / 1000.0;
    }
  }
  ledger_->rules.assign(rules.begin(), rules.end());
  if (const auto* am = world_.alertmanager()) {
    std::set<std::string> routes;
    for (const auto& r : am->routes()) routes.insert(r.receiver);
    ledger_->routes.assign(routes.begin(), routes.end());
  }
  ledger_runners_.assign(world_.runners().size(), LedgerRunner{});
  check_outages_every();
}

void Run::check_outages_every() {
  check_outages();
  world_.engine().schedule_after(kOutageCheckEvery, [this] { check_outages_every(); });
}

// A runner can take and finish a job while its host is up, its service runs and it
// reaches GitHub; an outage is a spell of not, longer than the background's min_outage.
void Run::check_outages() {
  if (!ledger_) return;
  const TimePoint now = world_.engine().now();
  for (std::size_t i = 0; i < world_.runners().size(); ++i) {
    const auto& r = *world_.runners()[i];
    std::string why;
    if (!r.host_up()) {
      why = "its host was down";
    } else if (r.service() != sim::runner::ServiceState::kRunning) {
      why = "its runner service was not running";
    } else if (world_.network().peek(r.spec().host, "github", 443) != sim::Network::Fate::kDelivered) {
      why = "it could not reach GitHub";
    }
    LedgerRunner& l = ledger_runners_[i];
    if (!why.empty() && !l.unable_since) {
      l.unable_since = now;
      l.why = why;
    } else if (why.empty() && l.unable_since) {
      close_outage(i, now);
    }
  }
}

void Run::close_outage(std::size_t runner, TimePoint end) {
  LedgerRunner& l = ledger_runners_[runner];
  const TimePoint start = world_.spec().start;
  if (end - *l.unable_since >= in_.scenario->world_file.background.min_outage) {
    ledger_->outages.push_back(reports::Outage{world_.runners()[runner]->spec().runner_name, to_seconds(*l.unable_since - start),
                                               to_seconds(end - start), l.why});
  }
  l.unable_since.reset();
}

std::size_t Run::runner_about(const sim::prometheus::Labels& labels) const {
  for (const char* label : {"instance", "hostname", "runner_name"}) {
    const auto r = runner_of_label_.find(std::string(label) + "=" + std::string(sim::prometheus::label_value(labels, label)));
    if (r != runner_of_label_.end()) return r->second;
  }
  return SIZE_MAX;
}

reports::Page Run::page_of(TimePoint at, const sim::prometheus::Labels& labels, const std::string& route) {
  reports::Page p;
  p.at_seconds = to_seconds(at - world_.spec().start);
  p.rule = std::string(sim::prometheus::label_value(labels, "alertname"));
  p.route = route;
  const std::size_t runner = runner_about(labels);
  if (runner != SIZE_MAX) p.about = world_.runners()[runner]->spec().runner_name;
  const auto f = rule_for_seconds_.find(p.rule);
  p.for_seconds = f == rule_for_seconds_.end() ? 0 : f->second;
  return p;
}

void Run::ledger_alert_change(const sim::prometheus::AlertChange& c) {
  if (!ledger_) return;
  using sim::prometheus::AlertState;
  const auto key = std::make_pair(c.alertname, sim::prometheus::to_string(c.labels));
  std::string& reached = ledger_->reached[c.alertname];
  if (c.to == AlertState::kPending) {
    pending_since_[key] = c.at;
    if (reached.empty()) reached = "pending";
  } else if (c.to == AlertState::kFiring) {
    pending_since_.erase(key);
    if (reached != "resolved") reached = "fired";
    if (world_.alertmanager() == nullptr) ledger_->pages.push_back(page_of(c.at, c.labels, ""));
  } else if (c.from == AlertState::kPending) {
    const auto since = pending_since_.find(key);
    if (since != pending_since_.end()) {
      ledger_->pending_never_fired_seconds[c.alertname] += to_seconds(c.at - since->second);
      pending_since_.erase(since);
    }
  } else if (c.from == AlertState::kFiring) {
    reached = "resolved";
  }
}

// Pages from the Alertmanager's notifications: an alert firing in a group's notification
// that the group's previous one (to that receiver) did not carry firing.
void Run::finish_ledger() {
  if (!ledger_) return;
  const TimePoint now = world_.engine().now();
  for (std::size_t i = 0; i < ledger_runners_.size(); ++i) {
    if (ledger_runners_[i].unable_since) close_outage(i, now);
  }
  for (const auto& [key, since] : pending_since_) ledger_->pending_never_fired_seconds[key.first] += to_seconds(now - since);
  if (const auto* am = world_.alertmanager()) {
    std::map<std::pair<std::string, sim::prometheus::Labels>, std::vector<sim::prometheus::Labels>> last;
    for (const auto& n : am->notifications()) {
      auto& before = last[{n.receiver, n.group}];
      for (const auto& alert : n.firing) {
        if (std::find(before.begin(), before.end(), alert) == before.end()) ledger_->pages.push_back(page_of(n.at, alert, n.receiver));
      }
      before = n.firing;
    }
  }
  if (const auto* am = world_.alertmanager()) {
    const auto& rules = am->config().inhibit_rules;
    for (std::size_t i = 0; i < rules.size(); ++i) {
      std::string name = std::to_string(i + 1) + ": ";
      for (const auto& m : rules[i].source) name += sim::prometheus::to_string(m) + " ";
      name += "->";
      for (const auto& m : rules[i].target) name += " " + sim::prometheus::to_string(m);
      if (!rules[i].equal.empty()) {
        name += ", equal";
        for (const auto& e : rules[i].equal) name += " " + e;
      }
      ledger_->inhibitions[name] = i < am->inhibitions().size() ? am->inhibitions()[i] : 0;
    }
  }
  ledger_->run_seconds = to_seconds(now - world_.spec().start);
  std::sort(ledger_->outages.begin(), ledger_->outages.end(),
            [](const reports::Outage& a, const reports::Outage& b) { return std::tie(a.start_seconds, a.runner) < std::tie(b.start_seconds, b.runner); });
  reports::classify_pages(*ledger_);
  result_.alert_ledger = std::move(ledger_);
  ledger_.reset();
  // The background's faults are counted in the ledger, not listed: a week has hundreds.
  std::erase_if(result_.faults, [](const reports::FaultRecord& f) { return f.source == "background"; });
}

}  // namespace failsim::harness::run_detail
