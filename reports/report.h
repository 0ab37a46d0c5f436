// Suite-level report data and the writers: results.json (versioned schema), JUnit XML,
// Markdown summary (fits a CI step summary), Chrome trace-event JSON (opens in
// Perfetto). Every writer returns a string; the caller writes files atomically.
// Pure functions of plain data: same input, same bytes.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "failover/result.h"
#include "reports/results.h"
#include "reports/slo.h"
#include "reports/stats.h"

namespace failsim::reports {

// 2: rows carry a variant and its overrides; SLO verdicts are objects with the figure
// they were judged on; deploy_seconds is the newest request's trigger -> landing.
inline constexpr int kSchemaVersion = 2;

struct Percentiles {
  std::size_t count = 0;  // runs with a value
  std::size_t nulls = 0;  // runs without one
  double p50 = 0, p95 = 0, p99 = 0, max = 0;
};

struct Aggregate {
  std::map<std::string, Percentiles> metrics;  // detection/noticed/failover/deploy_seconds
  double success_rate = 0;                     // runs whose newest deploy landed
  std::size_t deployed = 0;                    // ... how many
  std::vector<SloVerdict> slos;
};

struct ScenarioReport {
  std::string name;
  std::string policy;
  std::string variant;                 // "" without --variant/--sweep
  std::string variant_name;            // the --variant name alone (variant = name · sweep point)
  std::vector<std::string> overrides;  // the --set texts this row ran with
  std::vector<std::pair<std::string, std::string>> sweep_point;  // swept path -> value
  std::string file;
  // The arguments of `failsim replay` that rerun one seed of this row exactly (scenario
  // file, --policy, --rules, --variants/--variant, --set ...), without --seed.
  std::vector<std::string> replay_args;
  std::vector<RunResult> runs;
  Aggregate aggregate;
  std::vector<std::string> distribution_broken;  // expectations over all seeds that failed
  std::vector<std::string> expectations;         // every expectation that applied, as written
  std::optional<std::vector<std::string>> slo_scope;
  std::optional<std::uint64_t> timeline_seed;  // the user's pick (--timeline-seed)
  bool passed = true;
  std::string label() const { return variant.empty() ? policy : policy + " · " + variant; }
};

// A shard of a larger run (failsim run --shard K/N): which one, of the run's seeds, and
// the run's plan (everything that shaped it, as JSON text) so `failsim merge` can
// rebuild the unsharded report. Absent from an unsharded (or merged) run's results.json.
struct ShardInfo {
  int index = 1;  // 1..count
  int count = 1;
  std::uint64_t first_seed = 1;  // of the whole run
  std::uint64_t seeds = 1;       // of the whole run
  std::string plan_json;
};

struct SuiteReport {
  std::optional<ShardInfo> shard;
  std::string failsim_version;
  std::string slo_source;
  std::vector<std::string> sweep_paths;  // in --sweep order
  std::vector<SloSpec> slo_definitions;  // of the first SLO set, for the report's definitions
  std::vector<ScenarioReport> scenarios;
  std::optional<std::string> compare_markdown;  // a baseline was given: its compare table
  std::optional<std::string> compare_html;      // ... and its HTML section
};

// Nearest-rank percentiles of the non-null values.
Percentiles percentiles(const std::vector<std::optional<double>>& values);
Aggregate aggregate(const std::vector<RunResult>& runs, const SloSet& slos = builtin_slos(),
                    const std::optional<std::vector<std::string>>& slo_scope = std::nullopt);
// A row's headline numbers with 95 % intervals: Wilson for the deploy success rate,
// a seeded percentile bootstrap (`resamples`, seeded by the row's label) for the
// percentiles of detection (runs where an alert fired) and deploy time (runs that landed).
struct RowNumbers {
  std::size_t n = 0, deployed = 0, fired = 0;
  Interval deployed_ci;
  std::optional<double> detection_p50, detection_p95, deploy_p50, deploy_p95;
  std::optional<Interval> detection_p50_ci, detection_p95_ci, deploy_p50_ci, deploy_p95_ci;
};
RowNumbers row_numbers(const ScenarioReport& s, int resamples = 1000);
// "2m30s [2m15s–2m45s]", or "never" when there is no value.
std::string with_interval(const std::optional<double>& v, const std::optional<Interval>& ci);

// The run whose timeline the report shows: the user's pick, else the first that
// failed, else the first.
const RunResult* timeline_run(const ScenarioReport& s);

// What went wrong in a row, for every writer: the first failure in words ("seed 7: ..."
// or "over 200 seeds: ..."); each broken expectation or unexpected invariant violation
// with the number of seeds it broke in; the known violations with theirs; one SLO verdict
// as a table cell ("✅ SC-001 100.0 % (200/200)").
std::string first_failure(const ScenarioReport& s);
// A game-day plan's scorecard over one row's runs: each checkpoint, in how many runs it
// held, when it was met (p50 of the runs that met it) and, for one run, what was seen.
struct ScorecardRow {
  std::string name;
  std::string text;
  std::size_t passed = 0;
  std::size_t runs = 0;
  std::optional<double> met_p50;
  std::string detail;  // the timeline run's
};
std::vector<ScorecardRow> scorecard_rows(const ScenarioReport& s);
std::vector<std::pair<std::string, std::size_t>> broken_counts(const ScenarioReport& s);
std::map<std::string, std::size_t> known_violation_counts(const ScenarioReport& s);
std::string slo_cell(const SloVerdict& v);
// "failsim replay ARGS --seed N", each argument quoted for a POSIX shell when needed.
std::string reproduce_command(const ScenarioReport& s, std::uint64_t seed);
// Per failure kind (as broken_counts names them, per-seed kinds only): the failing seeds
// in seed order.
std::map<std::string, std::vector<std::uint64_t>> failing_seeds(const ScenarioReport& s);
// A failing row in lines: each distribution expectation that broke; per failure kind,
// how many seeds failed, the first kFirstSeedsShown of them and the command that
// reproduces the first. failure_details adds "Reproduce: ..." for `shown_seed`.
inline constexpr std::size_t kFirstSeedsShown = 5;
std::vector<std::string> failure_lines(const ScenarioReport& s);
std::string failure_details(const ScenarioReport& s, std::uint64_t shown_seed);

std::string results_json(const SuiteReport& suite);
// One run of results.json's "runs", read back (scenario and policy from its row).
// Errors name the field.
Result<RunResult> run_from_json(const std::string& text_of_run, const std::string& scenario, const std::string& policy);
// What makes one run of a results.json impossible, or nullopt: an outcome failsim never
// writes, a time that is negative or not finite, a negative attempt count. Read back by
// merge (run_from_json) and compare, so a forged or damaged file is refused, not summed.
std::optional<std::string> implausible_run(const nlohmann::json& run);
std::string junit_xml(const SuiteReport& suite);
std::string summary_md(const SuiteReport& suite);
// Where a scenario's detection ends: "notified" (its world has an Alertmanager: the runs
// measure to the notification) or "fired".
std::string detection_end(const ScenarioReport& s);
std::string chrome_trace(const RunResult& run);
// One fault record as results.json and the live API write it.
nlohmann::json fault_record_json(const FaultRecord& f);
// Self-contained HTML (no network): per scenario a timeline of its first seed and the
// CDFs of detection and deploy times, as inline SVG (reports/html.cc).
std::string html_report(const SuiteReport& suite);
// A sweep (--sweep): each metric as a function of the swept values, per scenario and
// policy: a Markdown table, and an SVG with one panel per metric (x: the first swept
// path's values in the order given; one line per combination of the other swept
// values; 95 % interval bars as in row_numbers). Empty without sweep paths.
std::string sweep_markdown(const SuiteReport& suite);
std::string sweep_svg(const SuiteReport& suite);

}  // namespace failsim::reports
