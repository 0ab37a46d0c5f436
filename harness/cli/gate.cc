// `failsim gate --policy FILE --prometheus URL ...`: the production health gate
// (harness/gate/gate.h); the chosen target as JSON on stdout.
#include <cstdlib>
#include <iostream>
#include <memory>

#include "failover/duration.h"
#include "harness/cli/commands.h"
#include "harness/gate/gate.h"

namespace failsim::harness::cli {

Subcommand add_gate(CLI::App& app) {
  struct Args {
    GateOptions options;
    std::string timeout = "5s";
    std::vector<std::string> after_dashes;
  };
  auto a = std::make_shared<Args>();
  auto* gate = app.add_subcommand(
      "gate", "Run the production health gate against Prometheus and print the chosen target as JSON");
  gate->add_option("--policy", a->options.policy_path, "Policy file (JSON)")->required();
  gate->add_option("--prometheus", a->options.prometheus_url, "Prometheus base URL, e.g. http://127.0.0.1:9090")->required();
  gate->add_option("--timeout", a->timeout, "Connect and read timeout per query (Prometheus-style duration)")
      ->capture_default_str();
  gate->add_option("--hostname", a->options.hostname, "Hostname for an in-job gate (default: this machine's hostname)");
  gate->add_option("--command", a->options.command,
                   "ARG...: one more gate check, this command (exit 0 passes); ${runner}, ${hostname}, ${instance} and "
                   "${name} are filled per candidate. Arguments that begin with - go after -- instead")
      ->expected(1, -1);
  gate->add_option("command", a->after_dashes, "-- ARG...: the same as --command ARG..., for any arguments");
  return {gate, [a] {
            const auto timeout = parse_duration(a->timeout);
            if (!timeout) {
              std::cerr << "failsim gate: --timeout: " << timeout.error() << "\n";
              return 2;
            }
            a->options.timeout = timeout.value();
            if (!a->after_dashes.empty()) {
              if (!a->options.command.empty()) {
                std::cerr << "failsim gate: give the command once: --command ARG... or -- ARG...\n";
                return 2;
              }
              a->options.command = a->after_dashes;
            }
            if (const char* gh = std::getenv("GITHUB_OUTPUT"); gh != nullptr && *gh != '\0') a->options.github_output = gh;
            return run_gate(a->options, std::cout, std::cerr);
          }};
}

}  // namespace failsim::harness::cli
