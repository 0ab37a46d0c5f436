// Scenario files: the world, the workload, the faults and the expectations of one
// situation, in JSON (format: scenarios/README.md, schema: scenarios/schema/scenario.schema.json).
// A bad file is rejected before anything runs, with the file, the JSON pointer of the
// field and what was expected: "failover.json: /faults/0/at: invalid duration ...".
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "failover/json_fields.h"
#include "failover/result.h"
#include "failover/time.h"
#include "sim/distribution.h"
#include "harness/inputs/checkpoint.h"
#include "harness/inputs/property.h"
#include "harness/inputs/world_file.h"
#include "sim/world.h"

namespace failsim::harness {

struct DeployTrigger {
  Duration at{0};
  std::string version;
};

struct FaultSpec {
  enum class Kind {
    kPartition,       // network: from -> to[:port], drop or reject
    kLoss,            // network: loss probability
    kLatency,         // network: added latency
    kHostDown,        // a host is down
    kServiceStop,     // a runner's service stops gracefully
    kServiceCrash,    // a runner's service dies abruptly
    kExporterStop,    // a runner's exporter stops (connection refused)
    kResources,       // a runner's cpu/memory/disk levels change
    kCancelRun,       // the newest deploy run is cancelled through the API
    kGitHubDegraded,  // GitHub's API fails, slows, is rate-limited; job pickup slows
    kHttpStatus,      // requests to to[:port] are answered an HTTP status (a scrape fails)
  };
  Kind kind = Kind::kPartition;
  Duration at{0};
  Duration length{0};  // 0: until the end of the run
  std::string from = "*";
  std::string to;       // host (network faults, host_down)
  int port = 0;
  std::string runner;   // runner faults; "$deploy": the runner running the deploy then
  sim::FaultMode mode = sim::FaultMode::kDrop;
  double probability = 0.0;
  Duration added_latency{0};
  Duration flap_down{0};  // network faults, and host_down / service_* / exporter_stop: on for
  Duration flap_up{0};    // flap_down, off for flap_up, repeating within the fault's window
  double cpu = 0, memory = 0, disk = 0;
  sim::github::ApiDegradation github;  // kGitHubDegraded
  int http_status = 503;                // kHttpStatus (its probability is `probability`)
  std::int64_t http_first = 0;          // kHttpStatus: only the first N requests; 0: all
};

struct Expectations {
  std::optional<std::string> outcome;  // deployed | failed | rolled_back | cancelled | stuck | deployed_job_failed
  std::optional<std::string> runner;   // where the deploy landed
  std::optional<Duration> deploy_within;
  std::optional<Duration> detection_within;
  std::optional<bool> alert_fires;     // does any alert of the rule file fire?
  std::optional<std::string> final_version;
  // Over all seeds of the run (per-seed keys above are for deterministic facts):
  std::optional<Duration> detection_p50_within, detection_p95_within;  // of runs whose alert fired
  std::optional<Duration> deploy_p50_within, deploy_p95_within;        // of runs whose deploy landed
  std::optional<double> deploy_success_at_least;  // fraction of runs whose newest deploy landed
  std::optional<double> alert_fires_in_at_least;  // fraction of runs in which an alert fired
  // Invariants this policy is known to break here (a finding, e.g. the as-built
  // rollback that does nothing leaves production partial): a violation of one of
  // them is reported, but does not fail the run.
  std::vector<std::string> known_violations;
  // If-then rules about ground truth (harness/inputs/property.h), judged per run.
  std::vector<Property> properties;
};

// The longest run a scenario may ask for: a run's cost grows with its length, and a
// month of virtual time is far beyond any deploy's story.
inline constexpr Duration kMaxRunLength = std::chrono::hours(24 * 30);
// The shortest flap_down or flap_up a fault may have.
inline constexpr Duration kMinFlap = std::chrono::seconds(1);
// At most this many deploys, faults, plan steps or checkpoints in one document.
inline constexpr std::size_t kMaxScheduled = 1000;

struct Scenario {
  std::string name;
  std::string description;
  std::string file;         // where it was loaded from
  std::string policy_path;  // resolved path (scenario-relative in the file)
  std::optional<std::string> rules_path;  // overrides the policy's rule_file
  std::string world_path;   // resolved path of the world file
  WorldFile world_file;     // the world as loaded
  sim::WorldSpec world;     // world_file.spec with the workload's overrides; seed filled in per run
  std::vector<DeployTrigger> deploys;
  std::vector<FaultSpec> faults;
  sim::Distribution deploy_step = sim::Distribution::lognormal(std::chrono::seconds(45), 0.3);
  sim::Distribution rollback_time = sim::Distribution::fixed(std::chrono::seconds(60));
  double attempt_failure_probability = 0.0;
  Duration run_length = std::chrono::hours(3);  // above 0 and at most kMaxRunLength
  std::string secret;  // a token that must never appear in any output
  // Lay out the world's background (harness/inputs/background.h) over the whole run,
  // run to run_length, and keep the alert ledger (reports/alert_ledger.h).
  bool with_background = false;
  std::map<std::string, Expectations> expect;  // by policy name; "*" for every policy
  std::optional<std::string> slo_file;          // resolved path; none: the built-in SC-001..SC-004
  std::optional<std::vector<std::string>> slos; // SLO ids in scope; none: every SLO that applies
  // A game-day plan (harness/inputs/gameday_plan.h): its checkpoints, judged after each run.
  std::vector<Checkpoint> checkpoints;
  std::string base_scenario;  // a plan: the scenario file it is built on
};

// One expectations object (a scenario's /expect/KEY, or a variant's); throws
// json_fields::Invalid naming the field.
Expectations read_expectations(json_fields::Fields& f);

// `overrides` (--set) apply to the scenario and to the world it names.
Result<Scenario> parse_scenario(const std::string& json_text, const std::string& source,
                                const std::vector<Override>& overrides = {});
Result<Scenario> load_scenario(const std::string& path, const std::vector<Override>& overrides = {});

const char* to_string(FaultSpec::Kind k);

// `/run_length` above 0 and at most kMaxRunLength; throws json_fields::Invalid.
void check_run_length(Duration run_length);

// One fault in the scenario format, its references checked against the scenario's
// world; throws json_fields::Invalid naming the field. A hand fault or a plan's
// injection (at_required false) may leave out `at`.
FaultSpec read_fault(json_fields::Fields& f, const Scenario& s, bool at_required);

// One fault in the scenario format, made by hand (`failsim serve`'s POST /api/faults):
// `at` may be left out (it starts when it arrives; a later `at` is from then on), and
// every runner, host and port it names must be in `scenario`'s world. Errors name the
// field: "SOURCE: /to: no host named ...".
Result<FaultSpec> parse_fault(const std::string& json_text, const std::string& source, const Scenario& scenario);

// One fault as a scenario file writes it (the inverse of the parser: a fault written
// so and read back by parse_scenario is the same fault), fields in a readable order
// and defaults left out. `failsim explore` writes its findings with it.
nlohmann::ordered_json fault_to_json(const FaultSpec& f);

}  // namespace failsim::harness
