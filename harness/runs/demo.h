// The built-in demo: a tiny scenario assembled in code on the engine, replaying the
// shape of the Serotonin incident. Prometheus scrapes one runner exporter; a one-way
// partition (drop) starts; every scrape waits out its timeout and records up=0 at the
// scrape's start while the runner series vanishes; an alert on `up == 0` fires after
// its `for`, and the documented `runner_status == 0` alert never can.
//
// This is a foretaste of the world models (sim/), kept deliberately small. The output
// is a pure function of the options: same seed, same text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "failover/time.h"

namespace failsim::harness {

struct DemoOptions {
  std::uint64_t seed = 1;
  Duration scrape_interval = std::chrono::seconds(15);
  Duration scrape_timeout = std::chrono::seconds(10);
  Duration evaluation_interval = std::chrono::seconds(15);
  Duration alert_for = std::chrono::minutes(1);
  Duration fault_start = std::chrono::minutes(2);
  Duration fault_length = std::chrono::minutes(6);
  Duration run_length = std::chrono::minutes(10);
};

struct DemoResult {
  std::string timeline;                      // human-readable, one line per transition
  std::optional<Duration> up_alert_firing;   // time the `up == 0` alert first fired
  std::optional<Duration> status_alert_firing;  // time `runner_status == 0` fired (never)
  std::uint64_t events = 0;                  // engine events executed
};

DemoResult run_demo(const DemoOptions& options);

}  // namespace failsim::harness
