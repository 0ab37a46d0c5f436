// `failsim import prometheus|github|workflow`: the importers (harness/inputs/import/import_prometheus.h,
// harness/inputs/import/import_github.h, harness/inputs/import/import_workflow.h) as commands. Each writes a world (or, while the world
// still lacks a part, a fragment to complete with the other importer), merging into an
// existing world file when given one; a complete world is validated before anything is
// written, and every file is written atomically. Notes (what was not modelled, with
// file:line) go to stderr. Exit 0 imported, 2 bad input (nothing written).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "harness/inputs/import/import_alertmanager.h"
#include "harness/inputs/import/import_github.h"
#include "harness/inputs/import/import_prometheus.h"
#include "harness/inputs/import/import_workflow.h"

namespace failsim::harness {

struct ImportPrometheusArgs {
  std::string file;
  std::string world;  // an existing world to merge into (default: the output, if it exists)
  PrometheusImportOptions options;  // options.out_path: the world to write ("" = stdout)
};

struct ImportWorkflowArgs {
  std::string file;
  std::string out;    // the world to write
  std::string world;  // an existing world to merge into (default: out, if it exists)
  WorkflowImportOptions options;
  std::string policy_out;
  std::string scenario_out;
};

struct ImportAlertmanagerArgs {
  std::string file;
  std::string silences;  // a saved GET /api/v2/silences ("" = none)
  std::string out;       // the world to write
  std::string world;     // an existing world to merge into (default: out, if it exists)
};

struct ImportGitHubArgs {
  GitHubFiles files;
  std::string out;    // the world to write
  std::string world;  // an existing world to merge into (default: out, if it exists)
};

int import_prometheus_command(const ImportPrometheusArgs& args, std::ostream& out, std::ostream& err);
int import_workflow_command(const ImportWorkflowArgs& args, std::ostream& out, std::ostream& err);
int import_github_command(const ImportGitHubArgs& args, std::ostream& out, std::ostream& err);
int import_alertmanager_command(const ImportAlertmanagerArgs& args, std::ostream& out, std::ostream& err);

}  // namespace failsim::harness
