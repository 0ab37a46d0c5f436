// failsim: the command line. Exit codes: 0 success, 1 a check failed, 2 usage or input
// error, 70 failsim's own defect. Each subcommand lives in its own file
// (harness/cli/commands.h); this file builds the app, parses and dispatches.
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "failover/utf8.h"
#include "harness/cli/commands.h"

namespace {

using failsim::harness::cli::Subcommand;

// An unknown first word is a mistyped command, not a stray argument.
bool known_command(const CLI::App& app, int argc, char** argv) {
  if (argc <= 1 || argv[1][0] == '-') return true;
  const std::string word = argv[1];
  std::string names;
  bool known = false;
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    known = known || sub->get_name() == word;
    names += (names.empty() ? "" : ", ") + sub->get_name();
  }
  if (!known) std::cerr << "failsim: unknown subcommand " << word << "; commands: " << names << " (failsim --help)\n";
  return known;
}

int run_main(int argc, char** argv) {
  // Every argument ends up in JSON (reports, worlds, traces), which must be UTF-8.
  for (int i = 1; i < argc; ++i) {
    if (const auto bad = failsim::utf8_error(argv[i])) {
      std::cerr << "failsim: argument " << i << ": " << bad->substr(bad->find(", ") + 2)
                << "; failsim takes UTF-8 arguments (names, paths, --set values)\n";
      return 2;
    }
  }
  CLI::App app{"failsim: a deterministic simulator and test harness for CI runner failover"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("failsim ") + FAILSIM_VERSION);
  namespace cli = failsim::harness::cli;
  std::vector<Subcommand> commands = {cli::add_demo(app),    cli::add_gate(app),     cli::add_run(app),
                                      cli::add_merge(app),   cli::add_compare(app),  cli::add_validate(app),
                                      cli::add_replay(app)};
  for (auto& s : cli::add_import(app)) commands.push_back(std::move(s));
  commands.push_back(cli::add_schedule(app));
  for (auto& s : cli::add_live(app)) commands.push_back(std::move(s));
  commands.push_back(cli::add_explore(app));
  commands.push_back(cli::add_alerts(app));
  commands.push_back(cli::add_export(app));
  if (!known_command(app, argc, argv)) return 2;
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
  for (const auto& c : commands) {
    if (c.command->parsed()) return c.run();
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // Every input error is reported where it is found (exit 2). An exception that gets
  // here is failsim's own defect: said as one, with a distinct exit code, never an abort
  // that leaves a half-written report (reports are written atomically,
  // harness/runs/report_files.h).
  try {
    return run_main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "failsim: internal error: " << e.what() << " (a failsim defect: please report it with the command)\n";
  } catch (...) {
    std::cerr << "failsim: internal error (a failsim defect: please report it with the command)\n";
  }
  return 70;  // EX_SOFTWARE
}
