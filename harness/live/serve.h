// `failsim serve`: one scenario run live. The world of `failsim run` (same models, same
// failover logic, same seed) is paced in scaled real time (fakes/live_loop.h) and
// reachable over loopback HTTP (fakes/live_world.h): the fake GitHub REST API, the fake
// Prometheus HTTP API, each runner's /metrics, all behind chaos proxies with a
// Toxiproxy-style control API. The scenario's schedule (deploys, faults) runs live;
// faults can be added by hand through the control API; a REST workflow dispatch is a
// deploy request. Every health gate is `failsim gate` (harness/gate/gate.h) calling the fake
// Prometheus over HTTP, with virtual time frozen while it runs, so a live run reaches
// the same outcome as `failsim run` for the same seed. The game-day API's port also
// serves the control room (harness/live/control_room.h); a world with an Alertmanager gets
// its API v2. `failsim gameday` is this with a game-day plan (harness/inputs/gameday_plan.h).
//
// On start it prints the URLs and where the GitHub token is (never the token), and
// writes endpoints.json and github-token (mode 0600) into the output directory. It
// ends when the scenario ends (or, with keep_running, when stopped), on SIGINT/SIGTERM
// or when *stop turns true; then it writes results.json, junit.xml, summary.md and
// report.html like `failsim run` (one run), each atomically.
// Exit: 0 the run met its expectations, 1 it did not, 2 input or startup errors.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "fakes/live_world.h"
#include "reports/results.h"

namespace failsim::harness {

struct ServeOptions {
  std::string scenario_path;
  std::string policy_path;  // "" : the scenario's own
  std::string rules_path;   // "" : the policy's / scenario's
  std::vector<std::string> sets;  // --set PATH=VALUE (harness/inputs/overrides.h)
  std::uint64_t seed = 1;
  double speed = 60.0;      // virtual seconds per wall second
  // Where virtual time starts; unset: the scenario's own start (as `failsim run`).
  // The command line's default is the wall clock's now (--start now).
  std::optional<TimePoint> start;
  std::string listen = "127.0.0.1";
  int port_base = 0;        // 0: the kernel picks every port
  std::string out_dir = "failsim-serve";
  bool keep_running = false;  // after the schedule, serve until stopped
  // Before the APIs open, run the world ahead (virtual time, unpaced) by the longest
  // scrape interval + scrape timeout + two evaluation intervals: every target has been
  // scraped and every group evaluated twice (so `for` state is restored and ALERTS is
  // written), and the first gate finds series.
  bool warm_start = false;
  // Without the scenario's scheduled deploys and their expectations: deploys come from
  // clients (REST dispatch, POST /api/deploys); the run lasts its run_length.
  bool no_workload = false;
  bool tls = false;           // the GitHub API over HTTPS, with a certificate written to OUT/tls/
  bool live_gate = true;      // health gates through `failsim gate` over HTTP
  // `failsim gameday`: the input must be a game-day plan; the scorecard is printed at the end.
  bool plan_required = false;
  std::string command = "failsim serve";  // how messages name the command
  std::atomic<bool>* stop = nullptr;  // set true to end the run (tests; Ctrl-C does the same)
  // Called once every endpoint is up (from the engine thread).
  std::function<void(const std::vector<fakes::Endpoint>&)> on_ready;
};

struct ServeOutcome {
  int exit_code = 2;
  std::optional<reports::RunResult> result;
};

ServeOutcome run_serve(const ServeOptions& options, std::ostream& out, std::ostream& err);

}  // namespace failsim::harness
