// RunnerHost: one self-hosted runner machine: the GitHub runner service, its exporter
// (PAWS360's runner-exporter, ../shared/reference/paws360-as-built.md §3.1), resource
// levels, and the execution of a job's steps.
//
//  - Runner service: running, stopped (graceful: GitHub sees it offline at once and a
//    running job fails with the shutdown message), crashed (abrupt: polls and lock
//    renewals just stop), restarting (back to running after a delay). While running, the
//    listener long-polls GitHub every poll_interval and renews a running job's lock every
//    lock_renewal_interval; both are network calls to the "github" host, so a partition
//    between the runner and GitHub silences them as a crash would.
//  - Host down: nothing answers or sends; the exporter and the runner are gone.
//  - Exporter (a separate service on exporter_port): answers each scrape after a
//    collection time (PAWS360's exporter runs ~6 subprocesses per scrape) with
//    runner_status{hostname, environment, authorized_for_prod, active_state} = 1 iff the
//    runner service is active (0 otherwise, active_state "unknown"), and the cpu, memory,
//    disk and check-in gauges; environment and authorized_for_prod come from the
//    exporter's own settings (defaults "production" and "false", as the unit file leaves
//    them), which with honor_labels override the scrape target's labels.
//  - Steps: run_step() completes after its duration if the job is still running here and
//    the host and service stayed up; otherwise the step never completes (the job is then
//    lost, failed or cancelled by GitHub).
//
// Thread safety: none; engine thread only.
#pragma once

#include <array>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sim/distribution.h"
#include "sim/engine.h"
#include "sim/github/github.h"
#include "sim/network/network.h"
#include "sim/prometheus/server.h"

namespace failsim::sim::runner {

// The worker's job-completion report: 5 tries, 5 s apart (actions/runner JobRunner.cs).
inline constexpr int kCompleteJobTries = 5;
inline constexpr Duration kCompleteJobRetryDelay = std::chrono::seconds(5);

enum class ServiceState { kRunning, kStopped, kCrashed, kRestarting };
const char* to_string(ServiceState s);

struct RunnerHostSpec {
  std::string runner_name;  // GitHub runner name, e.g. "deploy-blue"
  std::string host;         // network host name, e.g. "rack1-a"
  std::string hostname;     // OS hostname the exporter reports, e.g. "rack1-a"
  std::vector<std::string> labels;
  std::string runner_group = "Default";       // GitHub's runner group
  int exporter_port = 9100;                   // the exporter's default --port; 0: no exporter (e.g. GitHub-hosted)
  // The metrics the exporter serves, among kExporterMetrics; empty: all of them.
  std::vector<std::string> exported_metrics;
  std::string environment = "production";     // ENVIRONMENT default
  std::string authorized_for_prod = "false";  // AUTHORIZED_FOR_PROD default
  bool check_in_visible = true;               // the _diag log is readable by the exporter
  Duration poll_interval = std::chrono::seconds(50);  // listener long poll (parameter)
  Duration pickup_delay = std::chrono::seconds(1);
  Duration github_call_timeout = std::chrono::seconds(100);
  Distribution collect_time = Distribution::lognormal(std::chrono::milliseconds(300), 0.3);
  double cpu_percent = 5.9;
  double memory_percent = 23.16;
  double disk_percent = 11.07;
  double memory_total_bytes = 24030.0 * 1024 * 1024;
  double disk_available_bytes = 200.0 * 1024 * 1024 * 1024;
};

// Every metric the modelled exporter can serve (paws360-as-built.md §3.1).
inline const std::vector<std::string> kExporterMetrics = {
    "runner_status",           "runner_cpu_usage_percent",  "runner_memory_usage_percent",
    "runner_memory_total_bytes", "runner_disk_usage_percent", "runner_disk_available_bytes",
    "runner_last_check_in_timestamp_seconds"};

class RunnerHost {
 public:
  RunnerHost(Engine& engine, Network& network, github::GitHub& github, prometheus::ExporterDirectory& exporters,
             RunnerHostSpec spec, Rng rng);

  // Registers with GitHub, starts the exporter and the listener.
  void start();

  // Faults and operations.
  void stop_service();
  void crash_service();
  void restart_service(Duration after);
  void start_service();  // idempotent: a running service is left as it is
  void set_host_up(bool up);
  void set_exporter_running(bool running);
  void set_resources(double cpu_percent, double memory_percent, double disk_percent);

  // Runs one step of the current job. `done` runs after `duration` only if the job is
  // still running on this host and the host and service stayed up throughout.
  void run_step(std::int64_t job_id, Duration duration, std::function<void()> done);
  // Reports the job's result to GitHub (over the network, like every runner call),
  // retried as the worker retries it (send_completion).
  void finish_job(std::int64_t job_id, bool success);

  // Called when a job starts on this runner (after pick-up).
  void on_job_started(std::function<void(std::int64_t job_id)> listener) { started_listeners_.push_back(std::move(listener)); }

  const RunnerHostSpec& spec() const { return spec_; }
  ServiceState service() const { return service_; }
  bool host_up() const { return host_up_; }
  bool exporter_running() const { return exporter_running_; }
  bool alive() const { return host_up_ && service_ == ServiceState::kRunning; }
  std::optional<std::int64_t> current_job() const { return job_; }
  // The exporter's answer. Rebuilt only when a reported value changed; otherwise the
  // same shared object is returned.
  prometheus::Exposition metrics() const;

 private:
  void poll_loop(std::uint64_t generation);
  void renew_loop(std::int64_t job_id, std::uint64_t generation);
  void offered(std::int64_t job_id);
  void call_github(std::function<void()> at_github);
  // The worker's JobCompletedEvent: up to kCompleteJobTries calls, kCompleteJobRetryDelay
  // apart after a failed one (actions/runner src/Runner.Worker/JobRunner.cs:
  // completeJobRetryLimit = 5, Task.Delay(5 s)); after the last, GitHub never hears.
  void send_completion(std::int64_t job_id, bool success, int tries_left);

  Engine& engine_;
  Network& network_;
  github::GitHub& github_;
  prometheus::ExporterDirectory& exporters_;
  RunnerHostSpec spec_;
  Rng rng_;
  ServiceState service_ = ServiceState::kStopped;
  bool host_up_ = true;
  bool exporter_running_ = true;
  std::optional<std::int64_t> job_;
  TimePoint last_check_in_{};
  bool checked_in_ = false;
  // Bumped whenever the service stops, so loops of an earlier life end.
  std::uint64_t generation_ = 0;
  std::vector<std::function<void(std::int64_t)>> started_listeners_;
  mutable prometheus::Exposition metrics_cache_;
  mutable std::array<double, 7> metrics_key_{};  // the values metrics_cache_ was built from
};

}  // namespace failsim::sim::runner
