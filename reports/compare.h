// `failsim compare BASE.json NEW.json` (and `failsim run --baseline`): per scenario row
// and metric, the two values, the difference (new - base) and a 95 % interval for it,
// and a verdict. Rates (deploy_success, alert_fired, invariant_violations) use
// Newcombe's hybrid score interval; percentiles (detection_p50/p95, deploy_p50/p95)
// and attempts_mean a seeded percentile bootstrap (reports/stats.h). The verdict is
// "better" or "worse" when the interval excludes 0, else "no detectable change at
// N seeds". Rows match on (scenario, policy, variant), else on (scenario, policy) when
// that is unique on both sides. Reads results.json (schema 1 or 2) only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "failover/result.h"
#include "reports/stats.h"

namespace failsim::reports {

struct MetricDiff {
  std::string metric;
  std::string unit;  // rate | seconds | count
  std::optional<double> base, fresh, diff;
  std::optional<Interval> ci;
  std::string method;   // "Newcombe", "bootstrap"
  std::string verdict;  // better | worse | no detectable change | n/a
  std::string note;     // why n/a
};

struct CompareRow {
  std::string scenario, policy, base_variant, new_variant;
  std::size_t base_seeds = 0, new_seeds = 0;
  std::vector<MetricDiff> metrics;
};

// A --fail-on entry: fail when `metric` got worse by more than `amount` (in its unit:
// seconds, a fraction for rates, a count).
// `coverage<90%` is a floor instead: fail when the suite's alert coverage
// (reports/alert_ledger.h) is below `amount` (a fraction); it needs no baseline.
struct Tolerance {
  std::string metric;
  double amount = 0;
  std::string text;
  bool floor = false;
};

struct CompareOptions {
  int resamples = 2000;
  std::uint64_t seed = 1;
  std::vector<Tolerance> fail_on;
};

struct CompareReport {
  std::string base_source, new_source;
  int resamples = 0;
  std::vector<CompareRow> rows;
  std::vector<std::string> only_in_base, only_in_new;
  std::vector<std::string> failures;  // --fail-on breaches, in words
};

// The metrics compare knows, in display order, and whether higher is better.
const std::vector<std::pair<std::string, bool>>& compare_metrics();

// "detection_p95:+30s,deploy_success:-1%,false_pages_per_week:+0.5,coverage<90%"
Result<std::vector<Tolerance>> parse_fail_on(const std::string& text);

Result<CompareReport> compare_results(const std::string& base_json, const std::string& base_source,
                                      const std::string& new_json, const std::string& new_source,
                                      const CompareOptions& options);

std::string compare_markdown(const CompareReport& report);
std::string compare_json(const CompareReport& report);
// A <section> for report.html, and a whole self-contained page.
std::string compare_html_section(const CompareReport& report);
std::string compare_html(const CompareReport& report);

}  // namespace failsim::reports
