// `failsim demo [--seed N]`: the built-in demo (harness/runs/demo.h) and its timeline.
#include <iostream>
#include <memory>

#include "failover/duration.h"
#include "harness/cli/commands.h"
#include "harness/runs/demo.h"

namespace failsim::harness::cli {
namespace {

int run_demo_command(std::uint64_t seed) {
  DemoOptions options;
  options.seed = seed;
  const auto result = run_demo(options);
  std::cout << "failsim demo (seed " << seed << "): Prometheus scrapes serotonin:9102 every "
            << format_duration(options.scrape_interval) << " (timeout " << format_duration(options.scrape_timeout)
            << "); alerts evaluated every " << format_duration(options.evaluation_interval)
            << " with for: " << format_duration(options.alert_for) << "\n\n"
            << result.timeline << "\n";
  const auto fault = options.fault_start;
  if (result.up_alert_firing) {
    std::cout << "detection: the alert on `up == 0` fired " << format_duration(*result.up_alert_firing - fault)
              << " after the fault started\n";
  } else {
    std::cout << "detection: the alert on `up == 0` never fired\n";
  }
  std::cout << "the documented alert `runner_status == 0` "
            << (result.status_alert_firing ? "fired" : "never fired: a failed scrape makes the series vanish, it does not read 0")
            << "\n"
            << "(" << result.events << " simulated events)\n";
  return 0;
}

}  // namespace

Subcommand add_demo(CLI::App& app) {
  auto seed = std::make_shared<std::uint64_t>(1);
  auto* demo = app.add_subcommand("demo", "Run the built-in demo scenario and print its timeline");
  demo->add_option("--seed", *seed, "Seed of the run")->capture_default_str()->check(kSeed);
  return {demo, [seed] { return run_demo_command(*seed); }};
}

}  // namespace failsim::harness::cli
