#include "harness/runs/run.h"

#include <algorithm>
#include <cstdio>

#include "failover/duration.h"
#include "harness/runs/run_parts.h"
#include "reports/slo.h"

namespace failsim::harness {
namespace run_detail {

void Run::run_upstream_job(std::int64_t job_id) {
  const sim::github::Job* job = world_.github().job(job_id);
  auto* host = world_.runner(job->runner_name);
  if (host == nullptr) return;
  const auto& times = in_.scenario->world_file.job_run_time;
  const auto it = times.find(job->spec.name);
  const Duration d = it == times.end() ? Duration(std::chrono::minutes(2)) : it->second.sample(steps_rng_);
  trace("job", "started", job->spec.name + " on " + job->runner_name);
  host->run_step(job_id, d, [host, job_id] { host->finish_job(job_id, true); });
}

void Run::record_detection_chain(TimePoint run_start) {
  namespace prom = sim::prometheus;
  const std::string instance(prom::label_value(first_alert_labels_, "instance"));
  const std::string host = instance.substr(0, instance.find(':'));
  // The fault the alert is about: the earliest clock fault on its host before it fired.
  const std::tuple<TimePoint, std::string, std::string>* fault = nullptr;
  for (const auto& f : clock_faults_) {
    if (std::get<0>(f) > *first_alert_) continue;
    const bool about = !host.empty() && std::get<1>(f) == host;
    const bool fault_about = fault != nullptr && !host.empty() && std::get<1>(*fault) == host;
    if (fault == nullptr || (about && !fault_about) || (about == fault_about && std::get<0>(f) < std::get<0>(*fault))) fault = &f;
  }
  if (fault == nullptr) return;
  const TimePoint fault_at = std::get<0>(*fault);
  auto since = [run_start](TimePoint t) { return to_seconds(t - run_start); };
  reports::DetectionChain ch;
  ch.fault = std::get<2>(*fault);
  ch.alert = first_alert_name_;
  ch.instance = instance;
  ch.fault_seconds = since(fault_at);
  ch.firing_seconds = since(*first_alert_);
  result_.firing_seconds = to_seconds(*first_alert_ - fault_at);
  if (const auto it = failed_scrapes_.find(instance); it != failed_scrapes_.end()) {
    for (TimePoint t : it->second) {
      if (t >= fault_at && t <= *first_alert_) {
        ch.first_failed_scrape_seconds = since(t);
        break;
      }
    }
  }
  // The pending that fired: the last one before the firing (a Prometheus restart drops a
  // pending alert and makes a new one).
  for (const auto& [t, name, labels] : pendings_) {
    if (t >= fault_at && t <= *first_alert_ && name == first_alert_name_ && labels == first_alert_labels_) {
      ch.pending_seconds = since(t);
    }
  }
  if (const prom::Alertmanager* am = world_.alertmanager()) {
    for (const auto& n : am->notifications()) {
      const auto& list = ch.notified_seconds ? n.resolved : n.firing;
      if (n.at < *first_alert_ || std::find(list.begin(), list.end(), first_alert_labels_) == list.end()) continue;
      if (!ch.notified_seconds) {
        ch.notified_seconds = since(n.at);
        result_.notification_seconds = to_seconds(n.at - fault_at);
      } else {
        ch.resolved_notified_seconds = since(n.at);
        break;
      }
    }
  }
  result_.detection_chain = ch;
  // Nobody is paged by a firing alert: where the world has an Alertmanager, detection
  // ends at its notification (none sent: not detected).
  result_.detection_to = world_.alertmanager() != nullptr ? "notification" : "firing";
  result_.detection_seconds = world_.alertmanager() != nullptr ? result_.notification_seconds : result_.firing_seconds;
}

RunResult Run::execute() {
  const Scenario& sc = *in_.scenario;
  result_.scenario = sc.name;
  result_.policy = in_.policy->name;
  result_.seed = seed_;
  result_.invariants = {{"single_mutator", true},
                        {"no_request_lost", true},
                        {"production_not_partial", true},
                        {"authorized_runners_only", true},
                        {"no_secret_in_output", true},
                        {"job_agrees_with_production", true}};
  world_.network().add_host(kGateHost);
  auto started = world_.start();
  if (!started) {
    result_.outcome = "failed";
    result_.broken.push_back("world did not start: " + started.error());
    return result_;
  }
  if (judges_properties()) watch_runners();
  if (keeps_ledger()) start_ledger();
  if (in_.watch) in_.watch(world_);
  world_.prometheus().on_alert_change([this](const sim::prometheus::AlertChange& c) { on_alert_change(c); });
  world_.prometheus().on_target_health([this](const sim::prometheus::TargetHealth& h) {
    if (h.health == "down") failed_scrapes_[h.instance].push_back(h.last_scrape);
    trace("scrape", h.instance, h.health + (h.last_error.empty() ? "" : ": " + h.last_error));
  });
  world_.github().on_job_event([this](const sim::github::JobEvent& e) { on_job_event(e); });
  for (const auto& f : sc.faults) apply_fault(f);
  if (sc.with_background) lay_out_background();
  std::string previous = sc.world.production_version;
  for (std::size_t i = 0; i < sc.deploys.size(); ++i) {
    drivers_.push_back(std::make_unique<DeployDriver>(*this, i, *in_.policy, sc.deploys[i].version, previous));
    previous = sc.deploys[i].version;
    DeployDriver* d = drivers_.back().get();
    world_.engine().schedule_at(world_.spec().start + sc.deploys[i].at, [this, d, i] {
      trace("deploy", "trigger", in_.scenario->deploys[i].version);
      d->start();
    });
  }
  LiveHooks* live = in_.live;
  if (live != nullptr && live->started) {
    auto ok = live->started(*this);
    if (!ok) {
      result_.outcome = "failed";
      result_.broken.push_back("live mode did not start: " + ok.error());
      return result_;
    }
  }
  run_until_told();
  if (live != nullptr && live->finished) live->finished();
  finish_result();
  return result_;
}

// The run ends at run_length, or earlier once it has nothing left to tell: every deploy
// request has its outcome, 5 minutes have passed since the last outcome (for
// post-outcome effects) and 10 since the last fault began (for its alerts).
void Run::run_until_told() {
  const Scenario& sc = *in_.scenario;
  const TimePoint end = world_.spec().start + sc.run_length;
  TimePoint quiet_after = world_.spec().start;
  // A run that judges properties waits for 10 minutes after the last fault *ends*: its
  // conditions are about how long a runner was down.
  const bool from_end = judges_properties();
  for (const auto& f : sc.faults) {
    // (A fault without a length lasts to the end of the run; cancel_run is an instant.)
    const bool instant = !from_end || f.kind == FaultSpec::Kind::kCancelRun;
    const Duration lasts = instant ? Duration(0) : f.length > Duration(0) ? f.length : sc.run_length;
    quiet_after = std::max(quiet_after, world_.spec().start + f.at + lasts + std::chrono::minutes(10));
  }
  LiveHooks* live = in_.live;
  while (world_.engine().now() < end) {
    const TimePoint until = std::min(end, world_.engine().now() + std::chrono::minutes(1));
    if (live != nullptr && live->advance) {
      if (!live->advance(until)) {
        trace("run", "interrupted", "stopped by hand before the scenario ended");
        break;
      }
    } else {
      world_.engine().run_until(until);
    }
    bool all_done = true;
    TimePoint last_done = world_.spec().start;
    for (const auto& d : drivers_) {
      all_done = all_done && d->settled(world_.github());
      if (d->done_at) last_done = std::max(last_done, *d->done_at);
    }
    if (!in_.run_to_end && !sc.with_background && in_.scenario->checkpoints.empty() && all_done &&
        world_.engine().now() >= std::max({quiet_after, hand_quiet_after_, last_done + std::chrono::minutes(5)})) {
      break;
    }
  }
}

// Properties watch every runner: which labels name it, sampled from the start.
void Run::watch_runners() {
  label_runners();
  for (const auto& r : world_.runners()) {
    const auto& spec = r->spec();
    seen_.runners.push_back(PropertyObservations::Runner{spec.runner_name, spec.authorized_for_prod == "true", {}, {}});
  }
  sample_ground_truth();
}

void Run::label_runners() {
  for (std::size_t i = 0; i < world_.runners().size(); ++i) {
    const auto& spec = world_.runners()[i]->spec();
    runner_of_label_["runner_name=" + spec.runner_name] = i;
    runner_of_label_["hostname=" + spec.hostname] = i;
    if (spec.exporter_port != 0) runner_of_label_["instance=" + spec.host + ":" + std::to_string(spec.exporter_port)] = i;
  }
}

// An alert changed state: the properties' firing intervals, the trace, the first alert
// after the fault (detection) and the pending transitions (the detection chain).
void Run::on_alert_change(const sim::prometheus::AlertChange& c) {
  if (!seen_.runners.empty()) {
    const auto key = std::make_pair(c.alertname, sim::prometheus::to_string(c.labels));
    if (c.to == sim::prometheus::AlertState::kFiring) {
      const std::size_t runner = runner_about(c.labels);
      if (runner != SIZE_MAX) firing_since_[key] = {c.at, runner};
    } else if (c.from == sim::prometheus::AlertState::kFiring) {
      const auto it = firing_since_.find(key);
      if (it != firing_since_.end()) {
        const auto [since, runner] = it->second;
        seen_.runners[runner].firing.emplace_back(since - world_.spec().start, c.at - world_.spec().start);
        firing_since_.erase(it);
      }
    }
  }
  ledger_alert_change(c);
  trace("alert", c.alertname, std::string(sim::prometheus::to_string(c.from)) + "->" + sim::prometheus::to_string(c.to) +
                                  " " + std::string(sim::prometheus::label_value(c.labels, "instance")));
  if (c.to == sim::prometheus::AlertState::kFiring && fault_start_ && c.at >= *fault_start_ && !first_alert_) {
    first_alert_ = c.at;
    first_alert_name_ = c.alertname;
    first_alert_labels_ = c.labels;
  }
  if (c.to == sim::prometheus::AlertState::kPending) pendings_.emplace_back(c.at, c.alertname, c.labels);
}

// GitHub's job events, routed to the deploy request they belong to: its deploy job
// queued (or queued again by a re-run), waiting, started, completed; an upstream job.
void Run::on_job_event(const sim::github::JobEvent& e) {
  const sim::github::Job* job = world_.github().job(e.job_id);
  if (job == nullptr) return;
  if (e.kind == sim::github::JobEvent::Kind::kQueued) {
    // The deploy job of a driver's run (it exists once its upstream jobs are done).
    const auto run = by_run_.find(job->run_id);
    if (run != by_run_.end() && job->spec.name == in_.scenario->world_file.deploy_job && job->attempt > 1 &&
        run->second->job_id != 0 && run->second->job_id != e.job_id) {
      adopt_rerun(*job);  // someone re-ran the run: a new deploy of the same version
      return;
    }
    if (run != by_run_.end() && job->spec.name == in_.scenario->world_file.deploy_job) {
      run->second->job_id = e.job_id;
      by_job_[e.job_id] = run->second;
    }
    return;
  }
  const auto it = by_job_.find(e.job_id);
  if (it == by_job_.end()) {
    const auto run = by_run_.find(job->run_id);
    if (run == by_run_.end()) return;
    if (e.kind == sim::github::JobEvent::Kind::kStarted) run_upstream_job(e.job_id);
    if (e.kind == sim::github::JobEvent::Kind::kCompleted) run->second->upstream_completed(*job);
    return;
  }
  if (e.kind == sim::github::JobEvent::Kind::kWaitingForRunner) {
    it->second->job_waiting(e.job_id);
  } else if (e.kind == sim::github::JobEvent::Kind::kStarted) {
    const std::string runner = world_.github().job(e.job_id)->runner_name;
    if (fault_start_ && e.at >= *fault_start_ && !failover_at_ && !faulted_runner_.empty() && runner != faulted_runner_) {
      failover_at_ = e.at;
    }
    it->second->job_started(e.job_id, runner);
  } else if (e.kind == sim::github::JobEvent::Kind::kCompleted) {
    it->second->job_completed(e.job_id);
  }
}

// Ground truth of one runner now, for properties (sampled every kPropertySampleEvery)
// and a plan's `never deploy_on_unhealthy_runner` (at each attempt): down (host down,
// service not active, exporter stopped or unreachable from Prometheus's host), up, or
// healthy. Reads the model only; changes nothing and draws nothing, so the run is the same.
char Run::ground_truth(const sim::runner::RunnerHost& r, std::string* why) {
  std::string ignored;
  std::string& w = why != nullptr ? *why : ignored;
  const std::string& prometheus = world_.spec().prometheus.host;
  const int prometheus_port = world_.spec().prometheus_port;
  sim::Network& net = world_.network();
  if (!net.host_up(prometheus)) return w = "unknown: the Prometheus host is down", '?';
  const auto delivered = [&](const std::string& from, const std::string& to, int port) {
    return net.peek(from, to, port) == sim::Network::Fate::kDelivered;
  };
  const auto& spec = r.spec();
  if (!r.host_up()) return w = "down: its host is down", 'd';
  if (r.service() != sim::runner::ServiceState::kRunning) return w = "down: its runner service is not running", 'd';
  if (spec.exporter_port != 0 && !r.exporter_running()) return w = "down to Prometheus: its exporter is stopped (the runner itself was up)", 'd';
  if (spec.exporter_port != 0 && !delivered(prometheus, spec.host, spec.exporter_port)) {
    return w = "down to Prometheus: its exporter was unreachable from " + prometheus + " (the runner itself was up)", 'd';
  }
  if (!delivered(kGateHost, prometheus, prometheus_port)) return w = "up but not healthy: the gate cannot reach Prometheus", 'u';
  if (!delivered(spec.host, "github", 443)) return w = "up but not healthy: it cannot reach GitHub", 'u';
  if (!delivered(spec.host, prometheus, prometheus_port)) return w = "up but not healthy: it cannot reach Prometheus", 'u';
  if (spec.cpu_percent > 90 || spec.memory_percent > 90 || spec.disk_percent > 90) {
    return w = "up but not healthy: CPU, memory or disk above 90 %", 'u';
  }
  return w = "healthy", 'h';
}

void Run::sample_ground_truth() {
  for (std::size_t i = 0; i < world_.runners().size(); ++i) seen_.runners[i].samples.push_back(ground_truth(*world_.runners()[i]));
  world_.engine().schedule_after(kPropertySampleEvery, [this] { sample_ground_truth(); });
}

void Run::judge_properties_now(const Expectations& e) {
  const TimePoint start = world_.spec().start;
  const TimePoint now = world_.engine().now();
  seen_.run_end = now - start;
  for (const auto& [key, firing] : firing_since_) {
    seen_.runners[firing.second].firing.emplace_back(firing.first - start, now - start + Duration(1));
  }
  for (const auto& f : in_.scenario->faults) {
    const Duration until = f.kind == FaultSpec::Kind::kCancelRun ? f.at + std::chrono::seconds(1)
                           : f.length > Duration(0)              ? f.at + f.length
                                                                 : in_.scenario->run_length;
    seen_.faults.push_back(PropertyObservations::Fault{to_string(f.kind), f.at, until});
  }
  for (const auto& d : drivers_) {
    if (!d->triggered_at) continue;
    PropertyObservations::Deploy o;
    o.requested = *d->triggered_at - start;
    if (d->done_at) o.done = *d->done_at - start;
    o.landed = d->orchestrator().outcome() == failover::Outcome::kDeployed;
    seen_.deploys.push_back(o);
  }
  for (const auto& v : judge_properties(e.properties, seen_)) {
    result_.failed_properties.push_back(v.property);
    result_.broken.push_back("property " + v.property + ": " + v.detail);
  }
}

DeployResult Run::deploy_result(const DeployDriver& driver, const char* pending) const {
  const TimePoint run_start = world_.spec().start;
  const DeployOrchestrator& o = driver.orchestrator();
  DeployResult d;
  d.version = driver.version;
  d.outcome = o.outcome() == failover::Outcome::kPending ? pending : failover::to_string(o.outcome());
  d.diagnosis = o.diagnosis();
  if (o.outcome() == failover::Outcome::kPending && driver.triggered_at) {
    // Not done: what the failover logic waits for, and what GitHub says about it.
    d.diagnosis = o.waiting_for();
    const std::string github = driver.run_id != 0 ? world_.github().describe_run(driver.run_id) : "";
    if (!github.empty()) d.diagnosis += "; " + github;
  } else if (o.outcome() == failover::Outcome::kPending) {
    d.diagnosis = "not triggered yet";
  }
  if (!driver.job_disagrees.empty()) {
    d.outcome = "deployed_job_failed";
    d.diagnosis += "; but GitHub concluded the deploy job " + driver.job_disagrees +
                   ": the run shows red although production runs " + driver.version + ", and a re-run deploys it again";
  }
  d.runner = o.deployed_on();
  d.attempts = o.attempts();
  d.source = driver.source;
  // Both after the run's start: a request dispatched through the live API before the
  // first scheduled trigger is not "negative seconds".
  if (driver.done_at) d.finished_seconds = to_seconds(*driver.done_at - run_start);
  if (driver.triggered_at) d.triggered_seconds = to_seconds(*driver.triggered_at - run_start);
  return d;
}

std::vector<TraceEvent> Run::decisions_of(const DeployDriver& driver) {
  std::vector<TraceEvent> out;
  for (const auto& dec : driver.orchestrator().log()) {
    std::string reasons;
    for (const auto& r : dec.reasons) reasons += (reasons.empty() ? "" : "; ") + r;
    out.push_back(TraceEvent{to_us(dec.at), "decision", failover::to_string(dec.kind),
                             dec.message + (reasons.empty() ? "" : " [" + reasons + "]")});
  }
  return out;
}

std::vector<LiveDeploy> Run::deploys_now() const {
  std::vector<LiveDeploy> out;
  for (const auto& d : drivers_) {
    LiveDeploy live;
    live.result = deploy_result(*d, d->triggered_at ? "pending" : "scheduled");
    live.run_id = d->run_id;
    live.decisions = decisions_of(*d);
    out.push_back(std::move(live));
  }
  return out;
}

std::vector<failover::Assessment> Run::health_now() {
  std::vector<failover::Assessment> out;
  for (const auto& c : in_.policy->candidates) {
    std::string hostname = c.hostname.value_or("");
    if (hostname.empty()) {
      if (const auto* host = world_.runner(c.name)) hostname = host->spec().hostname;
    }
    const auto plan = failover::plan_checks(*in_.policy, c, hostname);
    std::vector<QueryOutcome> outcomes;
    for (const auto& check : plan) outcomes.push_back(to_outcome(world_.prometheus().query(check.query)));
    out.push_back(failover::assess(c, plan, outcomes));
  }
  return out;
}

CheckpointObservations Run::checkpoint_observations(const std::vector<DeployResult>& deploys) {
  CheckpointObservations seen;
  seen.trace = &result_.trace;
  seen.start_us = to_us(world_.spec().start);
  if (const auto* am = world_.alertmanager()) {
    for (const auto& n : am->notifications()) {
      std::vector<std::string> names;
      for (const auto& l : n.firing) names.emplace_back(sim::prometheus::label_value(l, "alertname"));
      seen.notifications.emplace_back(to_seconds(n.at - world_.spec().start), std::move(names));
    }
  }
  seen.deploys = &deploys;
  seen.attempts = attempts_;
  seen.run_end = to_seconds(world_.engine().now() - world_.spec().start);
  return seen;
}

std::vector<reports::CheckpointResult> Run::scorecard_now() {
  if (in_.scenario->checkpoints.empty()) return {};
  std::vector<DeployResult> deploys;
  for (const auto& d : drivers_) deploys.push_back(deploy_result(*d, "pending"));
  return judge_checkpoints(in_.scenario->checkpoints, checkpoint_observations(deploys));
}

void Run::judge_checkpoints_now() {
  result_.scorecard = judge_checkpoints(in_.scenario->checkpoints, checkpoint_observations(result_.deploys));
  for (const auto& c : result_.scorecard) {
    if (!c.passed) result_.broken.push_back("checkpoint \"" + c.name + "\": " + c.detail);
  }
}

void Run::finish_result() {
  finish_ledger();
  const TimePoint run_start = world_.spec().start;
  auto seconds_since = [](TimePoint from, TimePoint to) { return to_seconds(to - from); };
  for (std::size_t i = 0; i < drivers_.size(); ++i) {
    DeployOrchestrator& o = drivers_[i]->orchestrator();
    DeployResult d = deploy_result(*drivers_[i], "stuck");
    // The timeline says why it stops: a request still pending at the run's end.
    if (d.outcome == "stuck" && drivers_[i]->triggered_at) trace("deploy", "stuck", d.version + ": " + d.diagnosis);
    result_.attempts += d.attempts;
    if (o.outcome() == failover::Outcome::kPending) result_.invariants["no_request_lost"] = false;
    if (!drivers_[i]->job_disagrees.empty()) result_.invariants["job_agrees_with_production"] = false;
    if (o.first_noticed() && fault_start_ && *o.first_noticed() >= *fault_start_) {
      const double s = seconds_since(*fault_start_, *o.first_noticed());
      if (!result_.noticed_seconds || s < *result_.noticed_seconds) result_.noticed_seconds = s;
    }
    result_.deploys.push_back(d);
  }
  result_.had_fault = fault_start_.has_value();
  // The newest request: the last one triggered (a REST dispatch may come before a
  // scheduled trigger, and is added after it), else the last one laid out.
  static const DeployResult kNoRequest{"", "none", "no deploy request was made", "", 0, std::nullopt, 0, "schedule"};
  std::size_t newest = result_.deploys.size() - 1;  // (unused when there is none)
  std::optional<TimePoint> newest_at;
  for (std::size_t i = 0; i < drivers_.size(); ++i) {
    if (drivers_[i]->triggered_at && (!newest_at || *drivers_[i]->triggered_at >= *newest_at)) {
      newest_at = drivers_[i]->triggered_at;
      newest = i;
    }
  }
  const DeployResult& last = result_.deploys.empty() ? kNoRequest : result_.deploys[newest];
  result_.outcome = last.outcome;
  if (!last.runner.empty()) result_.runner = last.runner;
  result_.final_version = world_.production().current_version();
  if (last.outcome == "deployed" && last.finished_seconds) {
    result_.deploy_seconds = *last.finished_seconds - last.triggered_seconds;
  }
  result_.detection_to = world_.alertmanager() != nullptr ? "notification" : "firing";
  if (first_alert_) record_detection_chain(run_start);
  if (failover_at_) result_.failover_seconds = seconds_since(*fault_start_, *failover_at_);
  result_.invariants["single_mutator"] = world_.production().max_concurrent_mutators() <= 1;
  result_.invariants["production_not_partial"] = !world_.production().partial();
  for (const auto& d : drivers_) {
    for (auto& e : decisions_of(*d)) result_.trace.push_back(std::move(e));
  }
  std::stable_sort(result_.trace.begin(), result_.trace.end(),
                   [](const TraceEvent& a, const TraceEvent& b) { return a.t_us < b.t_us; });
  result_.trace_hash = hash_trace(result_.trace);
  if (!in_.scenario->checkpoints.empty()) judge_checkpoints_now();
  const Expectations* expect = expectations();
  if (expect == nullptr) return;
  if (!expect->properties.empty()) judge_properties_now(*expect);
  judge_expectations(*expect, last.diagnosis);
}

// The per-seed expectations against the result; each broken one in words, with the figure.
void Run::judge_expectations(const Expectations& e, const std::string& diagnosis) {
  auto fmt = [](double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fs", s);
    return std::string(buf);
  };
  if (e.outcome && *e.outcome != result_.outcome) {
    result_.broken.push_back("outcome: expected " + *e.outcome + ", got " + result_.outcome + " (" + diagnosis + ")");
  }
  if (e.runner && result_.runner.value_or("") != *e.runner) {
    result_.broken.push_back("runner: expected " + *e.runner + ", got " + result_.runner.value_or("none"));
  }
  if (e.final_version && result_.final_version != *e.final_version) {
    result_.broken.push_back("final_version: expected " + *e.final_version + ", got " + result_.final_version);
  }
  if (e.deploy_within) {
    if (!result_.deploy_seconds) {
      result_.broken.push_back("deploy_within " + format_duration(*e.deploy_within) + ": the deploy never landed");
    } else if (*result_.deploy_seconds > to_seconds(*e.deploy_within)) {
      result_.broken.push_back("deploy_within " + format_duration(*e.deploy_within) + ": took " + fmt(*result_.deploy_seconds));
    }
  }
  if (e.detection_within) {
    const std::string head = "detection_within " + format_duration(*e.detection_within);
    if (!result_.detection_seconds) {
      result_.broken.push_back(head + (result_.firing_seconds ? ": the alert fired but no notification was sent" : ": no alert fired"));
    } else if (*result_.detection_seconds > to_seconds(*e.detection_within)) {
      result_.broken.push_back(head + ": took " + fmt(*result_.detection_seconds) + " to the " +
                               (result_.detection_to == "notification" ? "Alertmanager notification" : "alert firing"));
    }
  }
  for (const auto& name : e.known_violations) result_.expected_violations.push_back(name);
  if (e.alert_fires && *e.alert_fires != result_.firing_seconds.has_value()) {
    result_.broken.push_back(*e.alert_fires ? "alert_fires: no alert fired after the fault" : "alert_fires: expected no alert, one fired");
  }
}

}  // namespace run_detail

const Expectations* expectations_for(const Scenario& scenario, const std::string& policy_name) {
  auto it = scenario.expect.find(policy_name);
  if (it == scenario.expect.end()) it = scenario.expect.find("*");
  return it == scenario.expect.end() ? nullptr : &it->second;
}

RunResult run_scenario(const RunInputs& inputs, std::uint64_t seed) {
  run_detail::Run run(inputs, seed);
  return run.execute();
}

}  // namespace failsim::harness
