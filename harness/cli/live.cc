// `failsim serve SCENARIO` and `failsim gameday PLAN`: one scenario (or game-day plan)
// live on loopback, with the same options (harness/live/serve.h).
#include <chrono>
#include <iostream>
#include <memory>

#include "fakes/wire_format.h"
#include "harness/cli/commands.h"
#include "harness/live/serve.h"

namespace failsim::harness::cli {
namespace {

struct LiveArgs {
  ServeOptions options;
  std::string start = "now";
  bool no_live_gate = false;
};

void add_live_options(CLI::App* cmd, LiveArgs& a, const char* input, const char* input_help) {
  ServeOptions& o = a.options;
  cmd->add_option(input, o.scenario_path, input_help)->required()->check(CLI::ExistingFile);
  cmd->add_option("--policy", o.policy_path, "Policy file (default: the scenario's)")->check(CLI::ExistingFile);
  cmd->add_option("--set", o.sets, "PATH=VALUE: change a world, scenario, policy or rule field (repeatable)");
  cmd->add_option("--rules", o.rules_path, "Rule file overriding the policy's and scenario's own")->check(CLI::ExistingFile);
  cmd->add_option("--speed", o.speed, "Virtual seconds per wall-clock second")->capture_default_str();
  cmd->add_option("--seed", o.seed, "Seed of the run")->capture_default_str()->check(kSeed);
  cmd->add_option("--start", a.start,
                  "Virtual clock start: now (the wall clock, default), scenario (the scenario's own, as failsim run), "
                  "or a time (RFC 3339 or Unix seconds)")
      ->capture_default_str();
  cmd->add_option("--listen", o.listen, "Address to serve on (loopback only)")->capture_default_str();
  cmd->add_option("--port-base", o.port_base,
                  "GitHub on PORT, Prometheus PORT+1, proxy control PORT+2, control room and game-day API PORT+3, "
                  "Alertmanager PORT+4, exporters PORT+10.. (0: any free ports)")
      ->capture_default_str();
  cmd->add_option("--out", o.out_dir, "Output directory (reports, endpoints.json, github-token)")->capture_default_str();
  cmd->add_flag("--tls", o.tls, "Serve the GitHub API over HTTPS (self-signed certificate in OUT/tls/)");
  cmd->add_flag("--keep-running", o.keep_running, "After the schedule, keep serving until Ctrl-C");
  cmd->add_flag("--warm-start", o.warm_start,
                "Run the world ahead in virtual time until every target has been scraped and every rule group "
                "evaluated twice, before the APIs open");
  cmd->add_flag("--no-live-gate", a.no_live_gate, "Answer health gates from the model instead of failsim gate over HTTP");
}

int run_live(LiveArgs& a, bool gameday) {
  ServeOptions& o = a.options;
  o.live_gate = !a.no_live_gate;
  o.command = gameday ? "failsim gameday" : "failsim serve";
  o.plan_required = gameday;
  if (a.start == "now") {
    o.start = TimePoint(std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()));
  } else if (a.start != "scenario") {
    auto t = fakes::parse_api_time(a.start);
    if (!t) {
      std::cerr << o.command << ": --start " << a.start << ": " << t.error() << "\n";
      return 2;
    }
    o.start = TimePoint(std::chrono::milliseconds(t.value()));
  }
  return run_serve(o, std::cout, std::cerr).exit_code;
}

}  // namespace

std::vector<Subcommand> add_live(CLI::App& app) {
  auto serve_args = std::make_shared<LiveArgs>();
  auto* serve = app.add_subcommand(
      "serve", "Run one scenario live: fake GitHub and Prometheus APIs, runner exporters and chaos proxies on loopback");
  add_live_options(serve, *serve_args, "scenario", "Scenario file (or a game-day plan)");
  serve->add_flag("--no-workload", serve_args->options.no_workload,
                  "Leave out the scenario's scheduled deploys (and its expectations): deploys come from clients; the "
                  "run lasts its run_length");
  auto gameday_args = std::make_shared<LiveArgs>();
  auto* gameday = app.add_subcommand(
      "gameday", "Run a game-day plan live (as failsim serve, with the control room): its injections and deploys on "
                 "schedule, hand faults on top; ends with the plan's scorecard");
  add_live_options(gameday, *gameday_args, "plan", "Game-day plan file (scenarios/README.md, \"Game-day plans\")");
  return {{serve, [serve_args] { return run_live(*serve_args, false); }},
          {gameday, [gameday_args] { return run_live(*gameday_args, true); }}};
}

}  // namespace failsim::harness::cli
