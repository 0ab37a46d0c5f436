// Plain result data of scenario runs: what the harness measures and the report
// writers read. No engine or model types: reports/ knows nothing of the simulator.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reports/alert_ledger.h"

namespace failsim::reports {

struct TraceEvent {
  std::int64_t t_us;     // Unix microseconds (virtual time)
  std::string category;  // fault, job, alert, deploy, decision, production
  std::string name;
  std::string detail;
};

struct DeployResult {
  std::string version;
  // deployed, failed, rolled_back, cancelled, stuck, or deployed_job_failed: production
  // runs the version but GitHub concluded the deploy job failure or cancelled (the runner's
  // "done" never reached GitHub): the run shows red and a re-run deploys again.
  std::string outcome;
  std::string diagnosis;  // why: non-empty for every outcome but deployed
  std::string runner;   // where it landed, or ""
  int attempts = 0;
  std::optional<double> finished_seconds;  // when it ended, after the run's start
  double triggered_seconds = 0;            // when it was triggered, after the run's start
  std::string source = "schedule";         // schedule | api (a REST dispatch or POST /api/deploys) | rerun
};

// A fault of the run, whoever made it: the scenario's schedule, a hand fault through
// the live API (POST /api/faults), or a toxic added by hand on an exporter's proxy.
struct FaultRecord {
  int id = 0;
  std::string kind;    // partition, loss, latency, host_down, ... (the scenario format's)
  std::string what;    // as the trace says it
  std::string source;  // schedule | hand | proxy
  double start_seconds = 0;                // after the run's start
  std::optional<double> end_seconds;       // none: it lasted to the end of the run
};

// How the first alert that fired after a fault was detected, step by step (seconds
// after the run's start): the fault the alert is about (the earliest fault that
// starts the detection clock on the alert's target host, else the earliest such
// fault), the first failed scrape of that target, the alert pending, firing, and the
// Alertmanager notifications carrying it (when the world has an Alertmanager).
struct DetectionChain {
  std::string fault;     // kind and target
  std::string alert;     // alertname
  std::string instance;  // the alert's instance label
  double fault_seconds = 0;
  std::optional<double> first_failed_scrape_seconds;
  std::optional<double> pending_seconds;
  double firing_seconds = 0;
  std::optional<double> notified_seconds;
  std::optional<double> resolved_notified_seconds;
};

// One checkpoint of a game-day plan (harness/inputs/checkpoint.h), judged after the run: whether
// it held and when it was met (seconds after the run's start).
struct CheckpointResult {
  std::string name;
  std::string text;      // "by T+7m the RunnerScrapeDown alert is firing"
  bool passed = false;
  std::optional<double> met_seconds;       // when it was met (none: never, or a `never` rule)
  std::optional<double> deadline_seconds;  // its `by`, if any
  std::string detail;    // what was seen: "firing at T+4m45s", "missed: ..."
};

struct RunResult {
  std::string scenario;
  std::string policy;
  std::uint64_t seed = 0;
  std::string outcome;                 // of the newest deploy request
  std::optional<std::string> runner;   // where it landed
  std::string final_version;
  // Detection: from the fault the first alert is about (the detection chain's fault)
  // to Alertmanager's first notification of that alert where the world has an
  // Alertmanager, else to the alert firing; `detection_to` says which.
  std::optional<double> detection_seconds;
  std::string detection_to = "firing";         // "notification" or "firing"
  std::optional<double> firing_seconds;        // the chain's fault -> the first alert firing
  std::optional<double> notification_seconds;  // the chain's fault -> its first notification
  std::optional<DetectionChain> detection_chain;
  std::optional<double> noticed_seconds;
  std::optional<double> failover_seconds;
  std::optional<double> deploy_seconds;  // newest request: its trigger -> landing
  int attempts = 0;
  std::map<std::string, bool> invariants;
  std::vector<DeployResult> deploys;
  std::vector<FaultRecord> faults;
  std::vector<CheckpointResult> scorecard;  // a game-day plan's checkpoints, in the plan's order
  std::vector<std::string> broken;     // expectations that did not hold
  std::vector<TraceEvent> trace;
  std::uint64_t trace_hash = 0;
  bool had_fault = false;              // the scenario injected a fault
  std::vector<std::string> expected_violations;  // known defects: violations reported, tolerated
  std::vector<std::string> failed_properties;    // names of the expectations' properties that did not hold
  // Outages, pages and their verdicts (a scenario with_background, or `failsim alerts`).
  std::optional<AlertLedger> alert_ledger;
  bool passed() const;
};

// Every invariant a run judges, in report order:
//   single_mutator, no_request_lost, production_not_partial, authorized_runners_only,
//   no_secret_in_output, and job_agrees_with_production (no deploy reached production
//   while GitHub concluded its job failed or cancelled).
const std::vector<std::string>& all_invariants();
// "a, b, c": the names above, for error messages.
std::string all_invariants_text();

// FNV-1a over the trace's serialization: equal traces, equal hashes.
std::uint64_t hash_trace(const std::vector<TraceEvent>& trace);

}  // namespace failsim::reports
