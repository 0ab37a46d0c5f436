// One scenario run: build the world from the scenario and seed, drive the real
// failover logic (failover/orchestrator.h) against it, apply the faults, measure, and
// check the invariants and expectations. A run is a pure function of
// (scenario, policy, rules, seed): same inputs, byte-identical trace.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "failover/health.h"
#include "failover/policy.h"
#include "failover/query.h"
#include "failover/result.h"
#include "fakes/live_loop.h"
#include "harness/inputs/scenario.h"
#include "reports/results.h"
#include "sim/prometheus/rules.h"
#include "sim/world.h"

namespace failsim::harness {

using reports::DeployResult;
using reports::RunResult;
using reports::TraceEvent;

// ---- live mode (`failsim serve`, harness/live/serve.h) ----------------------------------
// The same run, driven in scaled real time by fakes/: only who advances the engine
// and who answers the health gate's queries change; the models and the failover logic
// are the ones `failsim run` uses.

// One deploy request as it stands (the control room's view): its result so far
// (outcome "scheduled" before its trigger, "pending" while the policy is at work) and the failover logic's
// decisions, each with its reasons, as the trace will list them.
struct LiveDeploy {
  DeployResult result;
  std::int64_t run_id = 0;  // the GitHub run it dispatched; 0: none yet
  std::vector<TraceEvent> decisions;
};

// What a live driver may do to a running scenario. Engine thread only.
class LiveControl {
 public:
  virtual ~LiveControl() = default;
  virtual sim::World& world() = 0;
  // A deploy request starting now, like a scheduled trigger. Returns the GitHub run id
  // when the policy dispatched at once (in-job placement), else nullopt.
  // `ref`: the dispatched ref (refs/heads/NAME); "" for the world's default branch.
  virtual std::optional<std::int64_t> trigger_deploy(const std::string& version, const std::string& ref = "") = 0;
  virtual void trace(const std::string& category, const std::string& name, const std::string& detail) = 0;
  // A fault by hand: the same fault object a scenario schedules, starting f.at from now
  // (so usually now). It goes into the model, the trace ("... (by hand)") and the
  // report's fault list. Returns its id.
  virtual int inject_fault(FaultSpec f) = 0;
  // Ends a fault now (its record gets its end). Errors: no such fault, or already over.
  virtual Result<reports::FaultRecord> end_fault(int id) = 0;
  // Every fault of the run so far, scheduled, by hand or on a proxy, in the order made
  // (scheduled ones first, laid out at the start).
  virtual std::vector<reports::FaultRecord> faults() const = 0;
  // A toxic made by hand on an exporter's proxy was mirrored into the network model
  // (fakes/live_world.h): recorded like a fault (source "proxy"); a started one starts
  // the detection clock for `host`.
  virtual void note_proxy_fault(const std::string& kind, const std::string& host, const std::string& what, bool started) = 0;
  // The run's trace so far from event `from` on (events are appended as they happen;
  // decisions are in deploys_now() until the run ends).
  virtual std::vector<TraceEvent> trace_since(std::size_t from) const = 0;
  virtual std::vector<LiveDeploy> deploys_now() const = 0;
  // Each candidate of the policy as the health gate would assess it now, from the
  // model Prometheus (in-job candidates keyed by their own runner's hostname).
  virtual std::vector<failover::Assessment> health_now() = 0;
  virtual const failover::Policy& policy() const = 0;
  // A game-day plan's checkpoints judged on the record so far (empty without a plan):
  // one not met yet reads "missed ... by the run's end (now)".
  virtual std::vector<reports::CheckpointResult> scorecard_now() = 0;
};

// What `failsim gate` saw when a live run asked it: each query's outcome, and a
// one-line verdict for the trace.
struct GateAnswers {
  std::map<std::string, failover::QueryOutcome> by_query;
  std::string verdict;
};

struct LiveHooks {
  // After the world started and the schedule is laid out; an error ends the run.
  std::function<Result<bool>(LiveControl&)> started;
  // Replaces Engine::run_until(until). false: stop the run now (Ctrl-C).
  std::function<bool(TimePoint until)> advance;
  // Runs `failsim gate` for `hostname` ("" for a before-dispatch gate) against the
  // live Prometheus with virtual time frozen. Used whenever the model lets the gate
  // reach Prometheus; the gate's answers then feed the orchestrator.
  std::function<GateAnswers(const std::string& hostname)> gate;
  // After the schedule ended (or was stopped), before the results are measured.
  std::function<void()> finished;
  // The live loop (set by `started`): a command check holds it while it runs.
  fakes::LiveLoop* loop = nullptr;
};

struct RunInputs {
  const Scenario* scenario;
  const failover::Policy* policy;
  const std::vector<sim::prometheus::RuleGroupSpec>* rules;
  LiveHooks* live = nullptr;  // null: a plain simulated run
  // The run's expectations (the suite merges scenario, variant and policy entries);
  // null: the scenario's entry for the policy's name, else its "*" entry.
  const Expectations* expect = nullptr;
  // Fault kinds ("partition", ...) that start the detection clock; null: every kind but
  // cancel_run (reports::builtin_slos()).
  const std::vector<std::string>* clock_fault_kinds = nullptr;
  // Run to the scenario's run_length even when every request has its outcome (a live
  // run without a workload: requests come from clients). A game-day plan always runs to
  // its run_length: its checkpoints may be about anything until then.
  bool run_to_end = false;
  // Keep the alert ledger (reports/alert_ledger.h) even when the scenario has no
  // background: `failsim alerts`.
  bool keep_ledger = false;
  // Called once the world has started (before any fault or deploy), to watch it:
  // `failsim export promtool` records every rule evaluation's inputs. Must not change it.
  std::function<void(sim::World&)> watch;
};

// The expectations a run of `scenario` under the policy named `policy_name` checks.
const Expectations* expectations_for(const Scenario& scenario, const std::string& policy_name);

RunResult run_scenario(const RunInputs& inputs, std::uint64_t seed);


}  // namespace failsim::harness
