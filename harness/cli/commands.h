// The command line, one file per subcommand. Each add_*(app) declares its subcommand on
// `app` (options, help, validators) and returns the function that runs it once the
// arguments are parsed: it finishes reading the options, calls into runs/, live/, gate/
// or inputs/, prints, and returns the exit code: 0 success, 1 a check failed, 2 usage
// or input error. main.cc only builds the app, parses and dispatches.
#pragma once

#include <functional>
#include <vector>

#include <CLI/CLI.hpp>

namespace failsim::harness::cli {

struct Subcommand {
  CLI::App* command = nullptr;
  std::function<int()> run;
};

// A seed: an integer in [0, 2^64-1] ("-1" would otherwise wrap to 2^64-1).
extern const CLI::Validator kSeed;

Subcommand add_demo(CLI::App& app);
Subcommand add_gate(CLI::App& app);
Subcommand add_run(CLI::App& app);
Subcommand add_alerts(CLI::App& app);
Subcommand add_export(CLI::App& app);  // export promtool
Subcommand add_merge(CLI::App& app);
Subcommand add_compare(CLI::App& app);
Subcommand add_validate(CLI::App& app);
Subcommand add_replay(CLI::App& app);
std::vector<Subcommand> add_import(CLI::App& app);  // import prometheus | alertmanager | github | workflow
Subcommand add_schedule(CLI::App& app);
std::vector<Subcommand> add_live(CLI::App& app);    // serve and gameday
Subcommand add_explore(CLI::App& app);

}  // namespace failsim::harness::cli
