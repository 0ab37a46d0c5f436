// `failsim import prometheus prometheus.yml [--targets targets.json]`: the world's
// Prometheus part from the file a team already keeps. Read: global (scrape_interval, scrape_timeout,
// evaluation_interval, external_labels), scrape_configs (job_name, static_configs with
// targets and labels, honor_labels, scrape_interval / scrape_timeout, metrics_path,
// scheme), rule_files (globs, resolved relative to the file, as Prometheus resolves
// them) and alerting.alertmanagers. Everything else (relabelling, service discovery,
// auth, remote write, ...) is listed as a note with file:line, never silently dropped.
// Optionally one runner per target of a scrape job (the runners' exporters), so the
// result is a world once the workflow importer adds the GitHub part; every other target
// becomes a plain exporter of the world (it answers scrapes, `up` reads 1).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "failover/result.h"
#include "harness/inputs/import/import_common.h"

namespace failsim::harness {

// Where Prometheus reads prometheus.yml unless told (Debian's package; the upstream
// default --config.file is prometheus.yml in the working directory, /etc/prometheus in
// its Docker image and every distribution package).
inline constexpr const char* kDefaultServerConfig = "/etc/prometheus/prometheus.yml";

struct PrometheusImportOptions {
  std::string out_path;             // where the world will be written (rule paths are made relative to it)
  std::string server_config_path;   // where the server reads the file (absolute; default kDefaultServerConfig)
  std::optional<std::string> fqdn;  // the server's FQDN (scrape phases); absent: drawn per seed
  std::string prometheus_host = "monitoring";
  std::optional<std::string> runners_from_job;  // make one runner per target of this job
  std::vector<std::string> runner_labels;       // extra labels for those runners
  // A saved GET /api/v1/targets of the team's running Prometheus (--targets): a job whose
  // service discovery failsim does not read (kubernetes_sd_configs, consul_sd_configs,
  // ...) gets the targets it had discovered then, with their __meta_* labels, so its own
  // relabel_configs make the same labels. "" = none.
  std::string targets_text;
  std::string targets_file;
};

struct PrometheusImport {
  nlohmann::json prometheus;                 // the world's "prometheus" object
  nlohmann::json runners = nlohmann::json::array();  // with runners_from_job
  std::vector<std::string> hosts;            // every target host, and the Prometheus host
  std::vector<std::string> exporters;        // targets that are not runners (the world's plain exporters)
  std::vector<ImportNote> notes;
};

Result<PrometheusImport> import_prometheus(const std::string& yaml_text, const std::string& file,
                                           const PrometheusImportOptions& options);

}  // namespace failsim::harness
