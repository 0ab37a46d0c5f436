// Policy: everything that decides how a deploy is gated, placed, retried, checked and
// rolled back. Loaded from a JSON file (format: scenarios/policies/README.md) and
// validated strictly: unknown fields, wrong types and out-of-range values are errors
// that name the source, the JSON pointer of the field and what was expected, e.g.
//   policy.json: /deploy/retry/max_attempts: expected an integer >= 1, got "three"
// A syntax error names the line and column.
//
// Pure: parse_policy takes the text; reading the file is the caller's job.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "failover/result.h"
#include "failover/time.h"

namespace failsim::failover {

// What an outcome of a health check means.
enum class Verdict { kPass, kWarn, kFail, kIgnore };

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe };

// One check of a health stage: a PromQL query, or a command (the team's own script).
// `query` may use ${hostname}, ${instance} and ${name}, filled from the candidate being
// assessed; a command's arguments may also use ${runner} (the runner it is about).
// A command passes when it exits 0; any other exit is `on_mismatch` (the file's
// "on_failure"); one that cannot start or runs past `timeout` (wall clock) is
// `on_error`. In a simulation it runs with virtual time frozen and then costs `takes`
// of virtual time (docs/command-checks.md).
struct HealthCheck {
  std::string name;
  std::string query;                 // empty for a command check
  std::vector<std::string> command;  // argv; empty for a query check
  Duration timeout = std::chrono::seconds(30);  // command only: wall-clock limit
  Duration takes = std::chrono::seconds(2);     // command only: virtual time it costs
  bool is_command() const { return !command.empty(); }
  CompareOp op = CompareOp::kEq;  // the value passes when `value op threshold`
  double threshold = 1.0;
  Verdict on_mismatch = Verdict::kFail;  // a value that does not satisfy op
  Verdict on_empty = Verdict::kFail;     // the query matched no series
  Verdict on_error = Verdict::kFail;     // the query could not be answered
};

// A runner the deploy may go to, in order of preference.
struct Candidate {
  std::string name;                     // GitHub runner name
  std::optional<std::string> hostname;  // OS hostname; nullopt: the runner the job lands on
  std::string instance;                 // Prometheus target (host:port of its exporter), e.g. "rack1-a:9200"
  std::vector<std::string> labels;      // the deploy job's runs-on when this is the target
  bool authorized_for_prod = false;     // pre-approved for production
};

enum class GatePlacement {
  kInJob,           // as built: preflight and gate run inside the deploy job, on whichever
                    // runner GitHub assigned, keyed by that runner's hostname
  kBeforeDispatch,  // intended: assess candidates first, dispatch to the chosen one
};

enum class WaitKind { kFixed, kExponential };
enum class Jitter { kNone, kFull, kEqual };
enum class RetryOn { kError, kTimeout, kAny };

struct RetryPolicy {
  int max_attempts = 1;
  Duration attempt_timeout = std::chrono::minutes(10);
  WaitKind wait_kind = WaitKind::kFixed;
  Duration wait_base = std::chrono::seconds(30);
  double multiplier = 2.0;                        // exponential only
  std::optional<Duration> wait_cap;               // exponential only
  Jitter jitter = Jitter::kNone;
  RetryOn retry_on = RetryOn::kError;
  bool wait_after_last_attempt = false;  // nick-fields/retry waits inside every failed attempt
};

enum class Rollback { kNone, kPreviousVersion };

struct Policy {
  std::string name;
  // The folder of the file it was read from (the caller sets it): a command check's
  // relative file arguments resolve there. "": the working directory.
  std::string base_dir;
  std::string description;
  std::string rule_file;  // the alert rules this deploy logic is deployed with
  GatePlacement placement = GatePlacement::kBeforeDispatch;
  std::vector<Candidate> candidates;
  std::vector<HealthCheck> preflight;  // run first; as built, a separate step
  std::vector<HealthCheck> gate;       // the health gate proper
  // The team's own selection (before-dispatch only): a command run once per gate, after
  // the checks, whose stdout names the target (failover/selection.h select_by_command).
  std::optional<HealthCheck> select;
  // GitHub job settings of the deploy job.
  std::string concurrency_group;
  bool cancel_in_progress = false;
  std::optional<int> timeout_minutes;  // nullopt: GitHub's default (360)
  // After a failed or lost deploy job, dispatch again to the next healthy candidate?
  bool redispatch_on_failure = false;
  bool redispatch_on_lost = false;
  int max_dispatches = 1;
  // A dispatched job still waiting for a runner this long after it entered GitHub's
  // runner queue (its runner went offline after the gate, say) is cancelled and, with
  // redispatch_on_lost, dispatched to the next healthy candidate. 0: wait (as built).
  Duration pickup_timeout{0};
  RetryPolicy retry;
  bool post_deploy_check = false;
  bool post_deploy_enforced = false;  // false: a failed check is ignored (as built)
  Rollback rollback = Rollback::kNone;
};

// Parses and validates a policy. `source` names the file in error messages.
Result<Policy> parse_policy(std::string_view json_text, std::string_view source);

const char* to_string(Verdict v);
const char* to_string(CompareOp op);

}  // namespace failsim::failover
