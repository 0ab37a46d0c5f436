// `failsim import prometheus|workflow`: the importers (harness/import_prometheus.h,
// harness/import_workflow.h) as commands. Each writes a world (or, while the world
// still lacks a part, a fragment to complete with the other importer), merging into an
// existing world file when given one; a complete world is validated before anything is
// written, and every file is written atomically. Notes (what was not modelled, with
// file:line) go to stderr. Exit 0 imported, 2 bad input (nothing written).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace failsim::harness {

struct ImportPrometheusArgs {
  std::string file;
  std::string out;    // the world to write
  std::string world;  // an existing world to merge into (default: out, if it exists)
  std::optional<std::string> fqdn;
  std::string server_config;
  std::optional<std::string> runners_from;
  std::vector<std::string> runner_labels;
  std::string prometheus_host = "monitoring";
};

struct ImportWorkflowArgs {
  std::string file;
  std::string out;    // the world to write
  std::string world;  // an existing world to merge into (default: out, if it exists)
  std::optional<std::string> deploy_job;
  std::string repository = "your-org/your-repo";
  std::string policy_out;
  std::string scenario_out;
};

int import_prometheus_command(const ImportPrometheusArgs& args, std::ostream& out, std::ostream& err);
int import_workflow_command(const ImportWorkflowArgs& args, std::ostream& out, std::ostream& err);

}  // namespace failsim::harness
