// A policy's command checks (and its selection command) inside a simulated run: the
// team's own script, run with virtual time frozen (docs/command-checks.md).
//
// At the first command of a run that must run (see reuse below), the fake GitHub REST
// API and the fake Prometheus HTTP API start on loopback (ephemeral ports, one pair per
// run, so runs on several threads never share them) over the run's own world. Each
// command then runs as a child process (harness/gate/command_exec.h) while the engine is held
// at that instant: the engine thread serves the APIs' requests from the world as it is
// now (time() is the virtual now) and nothing else moves until the command ends. The
// caller (harness/runs/run.cc) sends the check's request over the modelled network first and
// delivers the outcome `takes` of virtual time after its round trip.
//
// The command's environment: PROMETHEUS_URL, GITHUB_API_URL, GITHUB_TOKEN,
// GITHUB_REPOSITORY, RUNNER_NAME. Where the network model says the checking host cannot
// reach Prometheus, PROMETHEUS_URL points where the model says: a port that refuses
// (a reject partition) or one that accepts and never answers (a drop: the script waits
// for its own timeout, in wall-clock time). Faults between the checking host and GitHub
// are not applied to commands (docs/command-checks.md says so).
//
// What a command printed goes to the trace as written, except: the APIs' URLs read
// $PROMETHEUS_URL / $GITHUB_API_URL (their ports differ from run to run) and the token
// reads ***. So a deterministic script gives a byte-identical trace on any thread count.
//
// Reuse (on unless options.memo is false): a command is a function of its argv, its
// environment, its files and the answers it gets. A command whose every request was a
// read of the Prometheus API is remembered as the tree of its requests and the answers
// it got; a later call with the same argv and files replays those reads against the
// world now and, if every answer is the same (ignoring the evaluation timestamp a query
// answer carries, which is the virtual now), reuses the outcome without starting a
// process. A request to GitHub, or any other, is never replayed: such a command always
// runs. Reads have no side effects, so reuse never changes the world. It assumes the
// command is deterministic, which `failsim run --check-determinism` (reuse off) checks,
// and that it does not act on the evaluation timestamp, which the run's summary says.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "failover/health.h"
#include "failover/query.h"
#include "fakes/live_loop.h"
#include "harness/gate/command_exec.h"
#include "harness/inputs/world_file.h"
#include "sim/world.h"

namespace failsim::harness {

struct Exchange;  // a request a command made and its answer (command_checks.cc)

struct CommandCheckOptions {
  std::string policy;    // its name, for the counts
  std::string base_dir;  // the policy file's folder: relative script paths resolve there
  bool memo = true;
  // Live mode (`failsim serve`): the session's loop, so that a command holds the whole
  // live world (its clients wait, and the wall-clock pacing resumes from the instant
  // the command began). null: a loop of its own (a simulated run).
  fakes::LiveLoop* loop = nullptr;
};

// Counts across the process (for the CLI's summary): calls, processes started, and
// how many calls each (policy, check, runner) ended how, with the last line printed.
struct CommandStats {
  std::uint64_t calls = 0;
  std::uint64_t started = 0;
  struct Verdict {
    std::string policy;
    std::string check;   // "team-gate on Serotonin-paws360"
    std::string result;  // "exit 0"
    std::string last_line;
    bool operator<(const Verdict& o) const {
      return std::tie(policy, check, result, last_line) < std::tie(o.policy, o.check, o.result, o.last_line);
    }
  };
  std::map<Verdict, std::uint64_t> verdicts;
};
CommandStats command_stats();
// While one lives, command calls on this thread are not counted (a run repeated for its
// trace, or to check determinism, is not more calls).
class UncountedCommands {
 public:
  UncountedCommands();
  ~UncountedCommands();
  UncountedCommands(const UncountedCommands&) = delete;
  UncountedCommands& operator=(const UncountedCommands&) = delete;

 private:
  bool was_;
};
// Reuse on or off for every run in this process (`--no-reuse`, `--check-determinism`).
void set_command_memo(bool on);
bool command_memo();

class CommandChecks {
 public:
  // `token`: what GITHUB_TOKEN holds (never written anywhere: output shows ***).
  CommandChecks(sim::World& world, const WorldFile& world_file, std::string token, CommandCheckOptions options);
  ~CommandChecks();
  CommandChecks(const CommandChecks&) = delete;
  CommandChecks& operator=(const CommandChecks&) = delete;

  struct Answer {
    failover::QueryOutcome outcome;
    std::string trace;  // "exit 1; stdout: ...; stderr: ..." (bounded, normalised)
  };
  // Whether the checking host's requests reach Prometheus (the caller asks the network
  // model): kDropped points PROMETHEUS_URL at a port that accepts and never answers,
  // kRejected at one that refuses.
  enum class Reach { kDelivered, kDropped, kRejected };
  // Engine thread. Runs the check's command now.
  Answer run(const failover::PlannedCheck& check, Reach reach);

 private:
  struct Servers;
  // Starts the APIs (once); false, with start_error_ set, when they cannot start.
  bool start_servers();
  // Runs the command with time frozen; `transcript` gets the API requests it made.
  CommandResult execute(const CommandSpec& spec, const std::string& runner, Reach reach, const std::string& now_text,
                        std::vector<Exchange>& transcript);
  sim::World& world_;
  const WorldFile& world_file_;
  std::string token_;
  CommandCheckOptions options_;
  std::unique_ptr<Servers> servers_;
  std::map<std::vector<std::string>, std::string> identities_;  // argv -> argv and its files' contents
  std::string start_error_;
};

}  // namespace failsim::harness
