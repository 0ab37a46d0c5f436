// failsim explore: search the fault space for runs that break an oracle, shrink each
// failure to a minimal fault schedule and write it out as an ordinary scenario.
//
//  - Generation (draw_schedule): per run, which fault kinds are enabled is drawn first
//    (swarm testing: each kind of the config's with probability 1/2), then 1..max_faults
//    faults of those kinds with times, lengths, targets, modes, flaps and levels drawn
//    from the config's ranges. Every drawn fault ends (a length within `length`); the
//    run lasts until 30 minutes after the last one ends. The workload is the scenario's,
//    or drawn too (draw_workload). A schedule is a pure function of (config, base
//    scenario, run seed): the run seed also seeds the world.
//  - Oracles: the invariants (single_mutator, no_request_lost, production_not_partial,
//    authorized_runners_only, no_secret_in_output) and properties (harness/inputs/property.h;
//    default_properties() unless the config lists its own). A run fails an oracle
//    "invariant:NAME" or "property:NAME"; its first failing oracle in that order is the
//    one its finding is filed under.
//  - Shrinking (shrink_schedule): deterministic greedy reduction that keeps the oracle
//    failing on the same seed: drop faults (halves, then one by one), drop flapping,
//    shorten each fault to the shortest readable length, move it to the most readable
//    time, then drop and round deploys.
//  - Output (explore_command): OUT/explore.json, OUT/explore.md, OUT/explore.html
//    (reports/explore_report.h), and one scenario per
//    finding in OUT/findings/, with `expect` set so that `failsim run` fails it today
//    (on the seed it was found with) and passes once the defect is fixed.
//
// Budget: a number of runs (deterministic: same seed, same findings, byte-identical
// files) or a wall-clock time (as many runs as fit; the report says how many).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "failover/policy.h"
#include "failover/result.h"
#include "harness/inputs/property.h"
#include "harness/inputs/scenario.h"
#include "reports/results.h"
#include "sim/prometheus/rules.h"

namespace failsim::harness {

struct DurationRange {
  Duration min{0};
  Duration max{0};
};

struct ExploreConfig {
  std::vector<FaultSpec::Kind> kinds;  // default: every kind
  int max_faults = 3;
  DurationRange at{Duration(0), std::chrono::minutes(30)};
  DurationRange length{std::chrono::seconds(30), std::chrono::minutes(20)};
  double flap_probability = 0.3;
  DurationRange flap_down{std::chrono::seconds(20), std::chrono::minutes(3)};
  DurationRange flap_up{std::chrono::seconds(20), std::chrono::minutes(3)};
  double loss_min = 0.2, loss_max = 1.0;
  DurationRange added_latency{std::chrono::seconds(1), std::chrono::seconds(30)};
  std::vector<std::string> targets;  // runner or host names faults may hit; empty: all
  bool draw_workload = false;
  int max_deploys = 3;
  DurationRange deploy_at{std::chrono::minutes(1), std::chrono::minutes(30)};
  std::vector<std::string> invariants;  // default: all five
  std::vector<Property> properties;     // default: default_properties()
  int shrink_runs = 300;                // runs one shrink may use
  int max_findings = 24;                // distinct failures shrunk (the most frequent first)
};

// The four properties explore checks unless its config lists others:
//   outage-alerts: a runner down for 5m -> an alert about it fires within 7m;
//   flap-alerts: a runner down 25 % of some 10m in 3+ outages -> an alert about it within 5m;
//   quiet-deploys-land: a deploy with no fault 2m before to 15m after lands within 15m;
//   healthy-runner-deploys-land: a deploy while an authorized runner is healthy from 2m
//     before it to 20m after lands within 20m (GitHub's lost-communication rule alone
//     takes 10m, so a failover after a lost job needs ~15m).
std::vector<Property> default_properties();

// An explore config file (format: docs/explore.md); errors name the file and field.
Result<ExploreConfig> parse_explore_config(const std::string& json_text, const std::string& source);
Result<ExploreConfig> load_explore_config(const std::string& path);

struct Schedule {
  std::vector<FaultSpec> faults;
  std::vector<DeployTrigger> deploys;
  Duration run_length{0};
};

Schedule draw_schedule(const ExploreConfig& config, const Scenario& base, std::uint64_t run_seed);

// What explore leaves out of its faults unless `targets` names it, each with why: the
// runners GitHub hosts (host github-hosted) are not the team's to break or to alert on.
// "" reasons none. One line each: "github-hosted-ubuntu-latest: GitHub's own runner ...".
std::vector<std::string> explore_exclusions(const ExploreConfig& config, const Scenario& base);

// "partition+service_crash~flap": the kinds of a schedule's faults, sorted ("~flap": flapping).
std::string shape_of(const Schedule& s);

// What one exploration runs against: a base scenario under one policy.
struct ExploreTarget {
  Scenario base;
  failover::Policy policy;
  std::string policy_path;
  std::vector<sim::prometheus::RuleGroupSpec> rules;
  std::vector<std::string> invariants;
  std::vector<Property> properties;
};

reports::RunResult run_schedule(const ExploreTarget& t, const Schedule& s, std::uint64_t seed);
// The oracles a run failed, in oracle order ("invariant:NAME", then "property:NAME").
std::vector<std::string> failed_oracles(const ExploreTarget& t, const reports::RunResult& r);

// Reduces `s` while the run on `seed` keeps failing `oracle`. At most max_runs runs.
Schedule shrink_schedule(const ExploreTarget& t, Schedule s, const std::string& oracle, std::uint64_t seed,
                         int max_runs, int* runs_used = nullptr);

struct ExploreOptions {
  std::string input;                      // a world or a scenario file
  std::vector<std::string> policy_paths;  // at least one
  std::optional<std::string> config_path;
  std::uint64_t seed = 1;
  std::string budget = "2000";            // runs ("100000") or time ("10m")
  int jobs = 0;                           // 0: all cores
  std::string out_dir = "explore-out";
  bool progress = false;                  // a progress line on stderr (a terminal)
};

// 0: nothing found; 1: findings; 2: usage or input error.
int explore_command(const ExploreOptions& options, std::ostream& out, std::ostream& err);

}  // namespace failsim::harness
