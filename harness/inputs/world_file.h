// World files: one team's setup as data (format: worlds/README.md, schema:
// worlds/world.schema.json): hosts, runners and their exporters, Prometheus (global
// settings, scrape jobs with static targets, rule files, Alertmanager timing), GitHub
// (repository, workflows and their jobs, every timing of the model) and production.
// Scenarios name a world ("world": "../worlds/paws360.json") and add the workload,
// faults, run length and expectations.
//
// A bad file is rejected before anything runs, naming the file, the JSON pointer and
// the valid choices: "acme.json: /prometheus/scrape_configs/0/static_configs/0/targets/2:
// no exporter listens on build-03:9103; exporters: ...". Every reference is checked:
// scrape targets name a declared host and a port some runner's exporter listens on;
// `needs` name jobs of the workflow (no cycles); the deploy workflow and job exist;
// rule files exist and parse.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "failover/result.h"
#include "harness/inputs/background.h"
#include "harness/inputs/overrides.h"
#include "sim/distribution.h"
#include "sim/world.h"

namespace failsim::harness {

// A GitHub timing the reference marks UNCONFIRMED, and the value this world uses.
struct UnconfirmedParameter {
  std::string name;
  std::string value;
};

struct WorldFile {
  std::string name;
  std::string description;
  std::string file;        // where it was loaded from
  sim::WorldSpec spec;     // seed filled in per run
  std::string repository;  // owner/name
  std::string default_branch = "main";  // the ref deploys are dispatched on
  std::vector<sim::github::WorkflowSpec> workflows;
  std::string deploy_workflow;  // file of the workflow that deploys
  std::string deploy_job;       // the job (id) in it that deploys
  // How long each non-deploy job's steps take (by job id), e.g. an upstream build.
  std::map<std::string, sim::Distribution> job_run_time;
  std::vector<std::string> rule_files;  // resolved paths (relative to the world file)
  // The same files as the world's Prometheus loads them (prometheus.config_dir joined
  // with the path as written, like Prometheus's JoinDir): the `file` that, with the
  // group's name, sets a rule group's evaluation phase.
  std::vector<std::string> rule_server_paths;
  std::string prometheus_config_dir = "/etc/prometheus";
  // Where the world's Prometheus would load a rule file from elsewhere (a policy's,
  // --rules): config_dir + its file name. Independent of where failsim runs.
  std::string server_path_for(const std::string& local_path) const;
  sim::Distribution deploy_step = sim::Distribution::lognormal(std::chrono::seconds(45), 0.3);
  sim::Distribution rollback_time = sim::Distribution::fixed(std::chrono::seconds(60));
  double attempt_failure_probability = 0.0;
  std::vector<UnconfirmedParameter> unconfirmed;
  Background background;  // /background: normal life, laid out in runs that ask for it

  const sim::github::WorkflowSpec& deploy_workflow_spec() const;
  // "instance" -> runner name, for every scrape target that is a runner's exporter.
  std::map<std::string, std::string> instances() const;
};

// "" when some runner can take a job that runs on `labels` (every one, ignoring case)
// in runner group `group` ("" = any); else why none can, naming the closest runner:
// "no runner has all of [self-hosted, production, build-a]; closest: build-a (missing: build-a)".
std::string why_no_runner(const std::vector<std::string>& labels, const std::string& group,
                          const std::vector<sim::runner::RunnerHostSpec>& runners);

Result<WorldFile> parse_world(const std::string& json_text, const std::string& source);
Result<WorldFile> load_world(const std::string& path, const std::vector<Override>& overrides = {});

}  // namespace failsim::harness
