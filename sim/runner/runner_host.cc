#include "sim/runner/runner_host.h"

#include <algorithm>

namespace failsim::sim::runner {

using prometheus::Exposition;
using prometheus::make_labels;

const char* to_string(ServiceState s) {
  switch (s) {
    case ServiceState::kRunning: return "running";
    case ServiceState::kStopped: return "stopped";
    case ServiceState::kCrashed: return "crashed";
    case ServiceState::kRestarting: return "restarting";
  }
  return "?";
}

RunnerHost::RunnerHost(Engine& engine, Network& network, github::GitHub& github,
                       prometheus::ExporterDirectory& exporters, RunnerHostSpec spec, Rng rng)
    : engine_(engine),
      network_(network),
      github_(github),
      exporters_(exporters),
      spec_(std::move(spec)),
      rng_(std::move(rng)) {}

void RunnerHost::start() {
  network_.add_host(spec_.host);
  github_.register_runner(spec_.runner_name, spec_.labels, spec_.runner_group);
  github_.on_offer([this](const std::string& runner, std::int64_t job_id) {
    if (runner == spec_.runner_name) offered(job_id);
  });
  if (spec_.exporter_port != 0) {
    exporters_.listen(spec_.host, spec_.exporter_port, [this]() -> std::optional<Served<Exposition>> {
      if (!host_up_ || !exporter_running_) return std::nullopt;
      return Served<Exposition>{metrics(), spec_.collect_time.sample(rng_)};
    });
  }
  start_service();
}

void RunnerHost::call_github(std::function<void()> at_github) {
  network_.request<bool>(
      spec_.host, "github", 443, spec_.github_call_timeout,
      [at_github = std::move(at_github)]() -> std::optional<Served<bool>> {
        at_github();
        return Served<bool>{true, Duration(0)};
      },
      Network::IgnoreReply{});
}

void RunnerHost::start_service() {
  // `systemctl start` of a running unit does nothing: no second poll loop, no restart.
  if (!host_up_ || service_ == ServiceState::kRunning) return;
  service_ = ServiceState::kRunning;
  ++generation_;
  poll_loop(generation_);
}

void RunnerHost::poll_loop(std::uint64_t generation) {
  if (generation != generation_ || !alive()) return;
  call_github([this] { github_.poll(spec_.runner_name); });  // the name never changes
  // The listener writes its _diag log as it polls: that is the exporter's check-in.
  last_check_in_ = engine_.now();
  checked_in_ = true;
  engine_.schedule_after(spec_.poll_interval, [this, generation] { poll_loop(generation); });
}

void RunnerHost::offered(std::int64_t job_id) {
  if (!alive()) return;  // a dead runner never picks the offer up: GitHub re-queues at 60 s
  const std::uint64_t generation = generation_;
  engine_.schedule_after(spec_.pickup_delay, [this, job_id, generation] {
    if (generation != generation_ || !alive()) return;
    const std::string name = spec_.runner_name;
    call_github([this, name, job_id, generation] {
      if (!github_.pick_up(name, job_id)) return;
      job_ = job_id;
      renew_loop(job_id, generation);
      for (const auto& l : started_listeners_) l(job_id);
    });
  });
}

void RunnerHost::renew_loop(std::int64_t job_id, std::uint64_t generation) {
  engine_.schedule_after(github_.timings().lock_renewal_interval, [this, job_id, generation] {
    if (generation != generation_ || !alive() || job_ != job_id) return;
    const github::Job* j = github_.job(job_id);
    if (j == nullptr || j->status != github::Status::kInProgress) {
      job_.reset();
      return;
    }
    const std::string name = spec_.runner_name;
    call_github([this, name, job_id] { github_.renew_lock(name, job_id); });
    renew_loop(job_id, generation);
  });
}

void RunnerHost::run_step(std::int64_t job_id, Duration duration, std::function<void()> done) {
  const std::uint64_t generation = generation_;
  engine_.schedule_after(duration, [this, job_id, generation, done = std::move(done)] {
    if (generation != generation_ || !alive() || job_ != job_id) return;
    const github::Job* j = github_.job(job_id);
    if (j == nullptr || j->status != github::Status::kInProgress) return;
    done();
  });
}

void RunnerHost::finish_job(std::int64_t job_id, bool success) {
  if (!alive() || job_ != job_id) return;
  job_.reset();
  send_completion(job_id, success, kCompleteJobTries);
}

void RunnerHost::send_completion(std::int64_t job_id, bool success, int tries_left) {
  network_.request<bool>(
      spec_.host, "github", 443, spec_.github_call_timeout,
      [this, job_id, success]() -> std::optional<Served<bool>> {
        github_.complete_job(job_id, success);
        return Served<bool>{true, Duration(0)};
      },
      [this, job_id, success, tries_left](const CallResult<bool>& r) {
        if (r.status == CallStatus::kOk || tries_left <= 1) return;
        engine_.schedule_after(kCompleteJobRetryDelay, [this, job_id, success, tries_left] {
          // The worker process retries; a host that went down meanwhile takes it along.
          if (host_up_) send_completion(job_id, success, tries_left - 1);
        });
      });
}

void RunnerHost::stop_service() {
  if (service_ == ServiceState::kStopped) return;
  const bool was_alive = alive();
  service_ = ServiceState::kStopped;
  ++generation_;
  job_.reset();
  // A graceful stop tells GitHub (the session is deleted) when the network allows.
  if (was_alive) {
    const std::string name = spec_.runner_name;
    call_github([this, name] { github_.runner_stopped(name); });
  }
}

void RunnerHost::crash_service() {
  service_ = ServiceState::kCrashed;
  ++generation_;
  job_.reset();
}

void RunnerHost::restart_service(Duration after) {
  service_ = ServiceState::kRestarting;
  ++generation_;
  job_.reset();
  const std::uint64_t generation = generation_;
  engine_.schedule_after(after, [this, generation] {
    if (generation == generation_ && service_ == ServiceState::kRestarting) start_service();
  });
}

void RunnerHost::set_host_up(bool up) {
  if (host_up_ == up) return;
  host_up_ = up;
  network_.set_host_up(spec_.host, up);
  if (!up) {
    ++generation_;
    job_.reset();
    service_ = ServiceState::kCrashed;
  } else {
    start_service();  // systemd starts the enabled runner service at boot
  }
}

void RunnerHost::set_exporter_running(bool running) { exporter_running_ = running; }

void RunnerHost::set_resources(double cpu, double memory, double disk) {
  spec_.cpu_percent = cpu;
  spec_.memory_percent = memory;
  spec_.disk_percent = disk;
}

Exposition RunnerHost::metrics() const {
  const bool active = service_ == ServiceState::kRunning;
  const bool check_in = spec_.check_in_visible && checked_in_;
  const double check_in_s = static_cast<double>(to_us(last_check_in_) / 1'000'000);
  const std::array<double, 7> key = {static_cast<double>(service_), spec_.cpu_percent, spec_.memory_percent, spec_.disk_percent,
                             spec_.memory_total_bytes, spec_.disk_available_bytes, check_in ? check_in_s : -1.0};
  if (metrics_cache_ && key == metrics_key_) return metrics_cache_;
  const std::string active_state = active ? "active" : (service_ == ServiceState::kRestarting ? "activating" : "unknown");
  // The label sets depend only on the service state and whether a check-in shows; when
  // those are as last time, the last exposition's label sets are reused with new values.
  const bool relabel = !metrics_cache_ || metrics_key_[0] != key[0] || (metrics_key_[6] < 0) != (key[6] < 0);
  auto out = relabel ? std::make_shared<prometheus::Samples>() : std::make_shared<prometheus::Samples>(*metrics_cache_);
  std::size_t next = 0;
  auto emit = [&](const char* name, double value, const auto& labels) {
    if (!spec_.exported_metrics.empty() &&
        std::find(spec_.exported_metrics.begin(), spec_.exported_metrics.end(), name) == spec_.exported_metrics.end()) {
      return;
    }
    if (relabel) {
      out->push_back({labels(), value});
    } else {
      (*out)[next++].second = value;
    }
  };
  emit("runner_status", active ? 1.0 : 0.0, [&] {
    return make_labels({{"__name__", "runner_status"},
                        {"hostname", spec_.hostname},
                        {"environment", spec_.environment},
                        {"authorized_for_prod", spec_.authorized_for_prod},
                        {"active_state", active_state}});
  });
  auto gauge = [&](const char* name, double value) {
    emit(name, value, [&] { return make_labels({{"__name__", name}, {"hostname", spec_.hostname}, {"environment", spec_.environment}}); });
  };
  gauge("runner_cpu_usage_percent", spec_.cpu_percent);
  gauge("runner_memory_usage_percent", spec_.memory_percent);
  gauge("runner_memory_total_bytes", spec_.memory_total_bytes);
  gauge("runner_disk_usage_percent", spec_.disk_percent);
  gauge("runner_disk_available_bytes", spec_.disk_available_bytes);
  if (check_in) gauge("runner_last_check_in_timestamp_seconds", check_in_s);
  metrics_cache_ = std::move(out);
  metrics_key_ = key;
  return metrics_cache_;
}

}  // namespace failsim::sim::runner
