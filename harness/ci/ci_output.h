// GitHub Actions' native output for `failsim run`, from the suite's plain report:
//  - GITHUB_STEP_SUMMARY (a file): summary.md as written (secrets redacted) is appended;
//  - GITHUB_OUTPUT (a file): name=value lines: passed, out_dir, results_json, junit_xml,
//    summary_md, report_html, rows, failed_rows, runs, failed_runs, and the headline
//    figures of the first row (deploy_success, detection_p95_seconds,
//    deploy_p95_seconds: "" when there is no value);
//  - GITHUB_ACTIONS=true: workflow commands on `out`: an `::error` annotation per broken
//    expectation kind and per failed SLO, a `::warning` per known defect, each pointing
//    at the scenario file and the line of the expectation that broke (file and line as
//    the runner expects them, relative to the workspace when possible), with the seeds
//    and the reproduce command in the message; `::group::`/`::endgroup::` around long
//    output is the caller's (group_begin/group_end).
// Values are escaped as the runner's toolkit does (%, CR, LF; in properties also : and ,).
#pragma once

#include <iosfwd>
#include <optional>
#include <string>

#include "failover/result.h"
#include "reports/report.h"

namespace failsim::harness {

struct CiEnvironment {
  bool github_actions = false;                   // GITHUB_ACTIONS == "true"
  std::optional<std::string> step_summary_path;  // GITHUB_STEP_SUMMARY
  std::optional<std::string> output_path;        // GITHUB_OUTPUT
  std::optional<std::string> workspace;          // GITHUB_WORKSPACE: annotation paths relative to it
  static CiEnvironment from_process();
};

// The annotations for a report (empty unless env.github_actions).
std::string github_annotations(const reports::SuiteReport& suite, const CiEnvironment& env);
// Appends the step summary and the outputs. Errors name the file.
Result<bool> write_github_files(const reports::SuiteReport& suite, const std::string& out_dir, bool passed,
                                const CiEnvironment& env);
std::string group_begin(const CiEnvironment& env, const std::string& title);
std::string group_end(const CiEnvironment& env);

}  // namespace failsim::harness
