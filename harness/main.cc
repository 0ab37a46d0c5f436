// failsim: the command line. Exit codes: 0 success, 1 a check failed, 2 usage or input error.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "failover/duration.h"
#include "harness/demo.h"
#include "harness/gate.h"

namespace {

int run_demo_command(std::uint64_t seed) {
  failsim::harness::DemoOptions options;
  options.seed = seed;
  const auto result = failsim::harness::run_demo(options);
  std::cout << "failsim demo (seed " << seed << "): Prometheus scrapes serotonin:9102 every "
            << failsim::format_duration(options.scrape_interval) << " (timeout "
            << failsim::format_duration(options.scrape_timeout) << "); alerts evaluated every "
            << failsim::format_duration(options.evaluation_interval) << " with for: "
            << failsim::format_duration(options.alert_for) << "\n\n"
            << result.timeline << "\n";
  const auto fault = options.fault_start;
  if (result.up_alert_firing) {
    std::cout << "detection: the alert on `up == 0` fired "
              << failsim::format_duration(*result.up_alert_firing - fault)
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

int main(int argc, char** argv) {
  CLI::App app{"failsim: a deterministic simulator and test harness for CI runner failover"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("failsim ") + FAILSIM_VERSION);

  std::uint64_t seed = 1;
  auto* demo = app.add_subcommand("demo", "Run the built-in demo scenario and print its timeline");
  demo->add_option("--seed", seed, "Seed of the run")->capture_default_str();

  failsim::harness::GateOptions gate_options;
  std::string gate_timeout = "5s";
  auto* gate = app.add_subcommand(
      "gate", "Run the production health gate against Prometheus and print the chosen target as JSON");
  gate->add_option("--policy", gate_options.policy_path, "Policy file (JSON)")->required();
  gate->add_option("--prometheus", gate_options.prometheus_url, "Prometheus base URL, e.g. http://127.0.0.1:9090")
      ->required();
  gate->add_option("--timeout", gate_timeout, "Connect and read timeout per query (Prometheus-style duration)")
      ->capture_default_str();
  gate->add_option("--hostname", gate_options.hostname,
                   "Hostname for an in-job gate (default: this machine's hostname)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  if (*demo) return run_demo_command(seed);
  if (*gate) {
    const auto timeout = failsim::parse_duration(gate_timeout);
    if (!timeout) {
      std::cerr << "failsim gate: --timeout: " << timeout.error() << "\n";
      return 2;
    }
    gate_options.timeout = timeout.value();
    if (const char* gh = std::getenv("GITHUB_OUTPUT"); gh != nullptr && *gh != '\0') gate_options.github_output = gh;
    return failsim::harness::run_gate(gate_options, std::cout, std::cerr);
  }
  return 2;
}
