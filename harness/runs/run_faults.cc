// Run's faults (harness/runs/run_parts.h): laid out on schedule or by hand, flapped,
// ended early, and the proxy faults of live mode recorded.
#include "harness/runs/run_parts.h"

#include <algorithm>
#include <cstdio>

#include "failover/duration.h"

namespace failsim::harness::run_detail {

bool Run::starts_clock(const std::string& kind) const {
  static const std::vector<std::string> kBuiltinClock = reports::builtin_slos().clock_fault_kinds;
  const auto& clock = in_.clock_fault_kinds != nullptr ? *in_.clock_fault_kinds : kBuiltinClock;
  return std::find(clock.begin(), clock.end(), kind) != clock.end();
}

namespace {

// A network fault of the model from a scenario's partition, loss, latency or http_status
// fault starting at `start`.
sim::NetworkFault network_fault(const FaultSpec& f, TimePoint start) {
  sim::NetworkFault nf;
  nf.kind = f.kind == FaultSpec::Kind::kPartition ? sim::NetworkFault::Kind::kPartition
            : f.kind == FaultSpec::Kind::kLoss    ? sim::NetworkFault::Kind::kLoss
            : f.kind == FaultSpec::Kind::kLatency ? sim::NetworkFault::Kind::kLatency
                                                  : sim::NetworkFault::Kind::kHttpStatus;
  nf.http_status = f.http_status;
  nf.http_probability = f.probability;
  nf.http_first = f.http_first;
  nf.from = f.from;
  nf.to = f.to;
  nf.port = f.port;
  nf.mode = f.mode;
  nf.loss_probability = f.probability;
  nf.added_latency = f.added_latency;
  nf.start = start;
  nf.length = f.length;
  nf.flap_down = f.flap_down;
  nf.flap_up = f.flap_up;
  return nf;
}

}  // namespace

int Run::apply_fault(const FaultSpec& f, const std::string& source) {
  const TimePoint start = world_.spec().start + f.at;
  // Normal life (source "background KIND") is not what a detection is measured from.
  const bool background = source.rfind("background", 0) == 0;
  const bool starts = !background && starts_clock(to_string(f.kind));
  if (starts && (!fault_start_ || start < *fault_start_)) fault_start_ = start;
  if (!background && !f.runner.empty() && f.runner != "$deploy" && faulted_runner_.empty()) faulted_runner_ = f.runner;
  for (const auto& r : world_.runners()) {
    if (!background && faulted_runner_.empty() && !f.to.empty() && r->spec().host == f.to) faulted_runner_ = r->spec().runner_name;
  }
  const std::string what = std::string(to_string(f.kind)) + " " +
                           (f.kind == FaultSpec::Kind::kHttpStatus ? std::to_string(f.http_status) + " " : "") +
                           (f.kind == FaultSpec::Kind::kGitHubDegraded ? describe_degradation(f.github)
                            : f.runner.empty() ? f.from + "->" + f.to + (f.port ? ":" + std::to_string(f.port) : "")
                                               : f.runner) +
                           (source == "hand" ? " (by hand)" : background ? " (" + source + ")" : "");
  const int id = static_cast<int>(result_.faults.size()) + 1;
  reports::FaultRecord record;
  record.id = id;
  record.kind = to_string(f.kind);
  record.what = what;
  record.source = background ? "background" : source;
  record.start_seconds = to_seconds(f.at);
  if (f.kind == FaultSpec::Kind::kCancelRun) record.end_seconds = record.start_seconds;
  if (f.length > Duration(0)) record.end_seconds = to_seconds(f.at + f.length);
  result_.faults.push_back(record);
  FaultHandle& handle = fault_handles_[id];
  handle.spec = f;
  handle.what = what;
  handle.ended = std::make_shared<bool>(false);
  if (starts) {
    std::string host = f.to;  // network faults and host_down name the host
    if (const auto* r = f.runner.empty() ? nullptr : world_.runner(f.runner)) host = r->spec().host;
    clock_faults_.emplace_back(start, host, what);
  }
  switch (f.kind) {
    case FaultSpec::Kind::kPartition:
    case FaultSpec::Kind::kLoss:
    case FaultSpec::Kind::kLatency:
    case FaultSpec::Kind::kHttpStatus: {
      handle.network_id = world_.network().add_fault(network_fault(f, start));
      world_.engine().schedule_at(start, [this, what] {
        trace("fault", "start", what);
        check_outages();
      });
      if (ledger_ && f.length > Duration(0)) world_.engine().schedule_at(start + f.length, [this] { check_outages(); });
      break;
    }
    default: {
      // The runner a "$deploy" fault hit is fixed when it starts, so its end undoes it there.
      auto target = std::make_shared<std::string>();
      handle.target = target;
      std::shared_ptr<const bool> ended = handle.ended;
      world_.engine().schedule_at(start, [this, f, what, target, ended, background] {
        trace("fault", "start", what);
        *target = f.runner.empty() ? "" : resolve_runner(f.runner);
        auto* host = target->empty() ? nullptr : world_.runner(*target);
        if (host != nullptr && faulted_runner_.empty() && !background) faulted_runner_ = host->spec().runner_name;
        if (host == nullptr && !f.runner.empty()) {
          trace("fault", "skipped", "no runner to apply it to");
          return;
        }
        set_runner_fault(f, host, true);
        if (f.flap_down > Duration(0)) schedule_flap(f, *target, world_.engine().now() + f.flap_down, false, ended);
      });
      if (f.length > Duration(0)) {
        world_.engine().schedule_at(start + f.length, [this, f, what, target, ended] {
          if (*ended) return;  // ended early by hand
          trace("fault", "end", what);
          auto* host = target->empty() ? nullptr : world_.runner(*target);
          if (host == nullptr && !f.runner.empty()) return;
          set_runner_fault(f, host, false);  // a flap may be in an up phase already: starting is idempotent
        });
      }
      break;
    }
  }
  return id;
}

Result<reports::FaultRecord> Run::end_fault(int id) {
  reports::FaultRecord* record = fault_record(id);
  const auto handle = fault_handles_.find(id);
  if (record == nullptr || handle == fault_handles_.end()) {
    return Result<reports::FaultRecord>::error("no fault " + std::to_string(id) + " (GET /api/faults lists them)");
  }
  const TimePoint now = world_.engine().now();
  const TimePoint start = world_.spec().start;
  const auto already_over = [&] {
    return *handle->second.ended || (record->end_seconds && *record->end_seconds <= to_seconds(now - start));
  };
  if (already_over()) return Result<reports::FaultRecord>::error("fault " + std::to_string(id) + " is already over");
  if (record->start_seconds > to_seconds(now - start)) {
    return Result<reports::FaultRecord>::error("fault " + std::to_string(id) + " has not started yet");
  }
  FaultHandle& h = handle->second;
  *h.ended = true;
  if (h.network_id >= 0) {
    world_.network().remove_fault(h.network_id);
  } else if (h.target != nullptr) {
    auto* host = h.target->empty() ? nullptr : world_.runner(*h.target);
    if (host != nullptr || h.spec.runner.empty()) set_runner_fault(h.spec, host, false);
  }
  trace("fault", "end", h.what);
  record->end_seconds = to_seconds(now - start);
  return Result<reports::FaultRecord>::ok(*record);
}

void Run::note_proxy_fault(const std::string& kind, const std::string& host, const std::string& what, bool started) {
  const TimePoint now = world_.engine().now();
  const double at = to_seconds(now - world_.spec().start);
  if (!started) {
    const auto open = open_proxy_faults_.find(host);
    if (open == open_proxy_faults_.end()) return;
    for (int id : open->second) {
      if (auto* r = fault_record(id)) r->end_seconds = at;
    }
    open_proxy_faults_.erase(open);
    return;
  }
  reports::FaultRecord record;
  record.id = static_cast<int>(result_.faults.size()) + 1;
  record.kind = kind;
  record.what = what;
  record.source = "proxy";
  record.start_seconds = at;
  result_.faults.push_back(record);
  open_proxy_faults_[host].push_back(record.id);
  // A proxy fault is a network fault on the exporter's host: it starts the detection
  // clock like a scheduled one of its kind.
  if (starts_clock(kind)) {
    if (!fault_start_ || now < *fault_start_) fault_start_ = now;
    clock_faults_.emplace_back(now, host, what);
  }
  hand_quiet_after_ = std::max(hand_quiet_after_, now + std::chrono::minutes(10));
}

// Applies (on) or undoes (off) a fault on a runner or host.
void Run::set_runner_fault(const FaultSpec& f, sim::runner::RunnerHost* host, bool on) {
  switch (f.kind) {
    case FaultSpec::Kind::kHostDown: set_host_up(f, host, !on); break;
    case FaultSpec::Kind::kServiceStop:
      if (on) {
        host->stop_service();
      } else {
        host->start_service();
      }
      break;
    case FaultSpec::Kind::kServiceCrash:
      if (on) {
        host->crash_service();
      } else {
        host->start_service();
      }
      break;
    case FaultSpec::Kind::kExporterStop: host->set_exporter_running(!on); break;
    case FaultSpec::Kind::kResources:
      if (on) {
        host->set_resources(f.cpu, f.memory, f.disk);
      } else {
        // A resources fault with a length ends: the runner is back at the world's levels.
        for (const auto& r : in_.scenario->world.runners) {
          if (r.runner_name == host->spec().runner_name) host->set_resources(r.cpu_percent, r.memory_percent, r.disk_percent);
        }
      }
      break;
    case FaultSpec::Kind::kGitHubDegraded:
      world_.github().set_degradation(on ? std::optional<sim::github::ApiDegradation>(f.github) : std::nullopt);
      break;
    case FaultSpec::Kind::kCancelRun: {
      if (!on) break;
      std::int64_t newest = 0;
      for (const auto& [id, run] : world_.github().runs()) {
        if (run.status != sim::github::Status::kCompleted) newest = id;
      }
      if (newest != 0) world_.github().cancel_run(newest);
      break;
    }
    default: break;
  }
  check_outages();
}

// A flapping runner fault: off for flap_up, on for flap_down, ... until its window ends
// (the fault's own end event undoes it then).
void Run::schedule_flap(const FaultSpec& f, const std::string& target, TimePoint at, bool on, std::shared_ptr<const bool> ended) {
  const TimePoint window_end = f.length > Duration(0) ? world_.spec().start + f.at + f.length
                                                      : world_.spec().start + in_.scenario->run_length;
  if (at >= window_end) return;
  world_.engine().schedule_at(at, [this, f, target, on, ended] {
    if (*ended) return;  // ended early by hand
    auto* host = target.empty() ? nullptr : world_.runner(target);
    if (host == nullptr && !f.runner.empty()) return;
    set_runner_fault(f, host, on);
    schedule_flap(f, target, world_.engine().now() + (on ? f.flap_down : f.flap_up), !on, ended);
  });
}

}  // namespace failsim::harness::run_detail
