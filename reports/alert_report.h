// The alert-quality section of a run's reports (issue 32), from the runs' alert ledgers
// (reports/alert_ledger.h): per row, a table per rule and route; across the suite, the
// coverage; for a sweep, the trade-off between detection p95 and false pages per week
// (a table and an SVG). Every function returns "" (or an empty value) when no run kept
// a ledger, so reports of runs without one are unchanged.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/alert_ledger.h"
#include "reports/report.h"

namespace failsim::reports {

// The runs of a row that kept a ledger.
std::vector<LedgerRun> ledger_runs(const ScenarioReport& s);
std::vector<LedgerRun> ledger_runs(const SuiteReport& suite);

// Every rule and route of a row taken as one ("any rule"): each outage's first page of
// any rule, every false page.
AlertStats any_rule_stats(const ScenarioReport& s, int resamples = 1000);

// "## Alerts": per row, the table; then the coverage across the suite.
std::string alerts_markdown(const SuiteReport& suite);
// One row's stats for results.json (an array; empty without ledgers).
nlohmann::json alerts_json(const ScenarioReport& s);
nlohmann::json coverage_json(const Coverage& c);
// The same section for report.html.
std::string alerts_html(const SuiteReport& suite);

// A sweep of a ledgered suite: per row of each (scenario, policy), the swept values,
// detection p95 and false pages per week (any rule). "" without a sweep.
std::string tradeoff_markdown(const SuiteReport& suite);
// The same as a chart: x false pages per week, y detection p95, one point per sweep
// value, joined in sweep order, with both intervals.
std::string tradeoff_svg(const SuiteReport& suite);

}  // namespace failsim::reports
