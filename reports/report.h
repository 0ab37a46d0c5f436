// Suite-level report data and the writers: results.json (versioned schema), JUnit XML,
// Markdown summary (fits a CI step summary), Chrome trace-event JSON (opens in
// Perfetto). Every writer returns a string; the caller writes files atomically.
// Pure functions of plain data: same input, same bytes.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reports/results.h"

namespace failsim::reports {

inline constexpr int kSchemaVersion = 1;

struct Percentiles {
  std::size_t count = 0;  // runs with a value
  std::size_t nulls = 0;  // runs without one
  double p50 = 0, p95 = 0, p99 = 0, max = 0;
};

struct SloConfig {
  double min_success_rate = 0.95;       // SC-001
  double max_median_deploy_s = 600;     // SC-002: median deploy <= 10 min
  double max_detection_s = 300;         // SC-003: detection <= 5 min ...
  double min_detection_fraction = 0.95; // ... in >= 95 % of runs
};

struct Aggregate {
  std::map<std::string, Percentiles> metrics;  // detection/noticed/failover/deploy_seconds
  double success_rate = 0;                     // runs whose newest deploy landed
  std::map<std::string, bool> slo;
};

struct ScenarioReport {
  std::string name;
  std::string policy;
  std::string file;
  std::vector<RunResult> runs;
  Aggregate aggregate;
  bool passed = true;
};

struct SuiteReport {
  std::string failsim_version;
  std::vector<ScenarioReport> scenarios;
};

// Nearest-rank percentiles of the non-null values.
Percentiles percentiles(const std::vector<std::optional<double>>& values);
Aggregate aggregate(const std::vector<RunResult>& runs, const SloConfig& slo = {});

std::string results_json(const SuiteReport& suite);
std::string junit_xml(const SuiteReport& suite);
std::string summary_md(const SuiteReport& suite);
std::string chrome_trace(const RunResult& run);
// Self-contained HTML (no network): per scenario a timeline of its first seed and the
// CDFs of detection and deploy times, as inline SVG (reports/html.cc).
std::string html_report(const SuiteReport& suite);

}  // namespace failsim::reports
