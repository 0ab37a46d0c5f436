// The background of a quiet week (issue 32): what goes wrong in normal life without
// anyone breaking anything, as world parameters (a world file's /background) with
// stated defaults. Each kind is a fault of the model with a rate per week (per target)
// and a duration distribution; a run with `"with_background": true` lays them out from
// a random stream of its own per kind and target ("background/<kind>/<target>"), so
// adding a kind, a target or a scenario fault perturbs no other draw.
//
// The defaults are assumptions, not measurements, and say so (docs/alerts.md):
//   slow_scrape         4/week per scrape target: the exporter answers past the job's
//                       scrape_timeout (latency timeout + 1s on the Prometheus -> target
//                       path), lognormal median 20s
//   dropped_connection  4/week per scrape target: connections refused, lognormal median 10s
//   exporter_restart    1/week per runner exporter: the exporter stops, lognormal median 5s
//   runner_restart      1/week per runner: the runner service restarts (an update),
//                       lognormal median 45s
//   resource_spike     10/week per runner: CPU at spike_cpu_percent during a job,
//                       lognormal median 4m
//   prometheus_restart  0.25/week: the Prometheus host is down (a restart), lognormal
//                       median 60s; its alerts' `for` state is restored as Prometheus does
// A runner is in an *outage* (the alert ledger's ground truth) while it cannot take or
// finish a job (its host or service down, or GitHub unreachable from it) for longer
// than min_outage (default 1m).
#pragma once

#include <string>
#include <vector>

#include "failover/json_fields.h"
#include "failover/time.h"
#include "sim/distribution.h"

namespace failsim::harness {

struct BackgroundKind {
  std::string name;     // slow_scrape, dropped_connection, ...
  double per_week = 0;  // per target (per world for prometheus_restart); 0: off
  sim::Distribution duration;
};

struct Background {
  std::vector<BackgroundKind> kinds;  // every kind, in the order above
  Duration min_outage = std::chrono::minutes(1);
  double spike_cpu_percent = 95;
  const BackgroundKind* kind(const std::string& name) const;
};

// The defaults above.
Background default_background();
// "slow_scrape, dropped_connection, ..." for error messages.
std::string background_kind_names();
// A world file's /background (absent: the defaults); throws json_fields::Invalid
// naming the field.
Background read_background(json_fields::Fields& top);

}  // namespace failsim::harness
