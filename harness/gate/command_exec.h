// Running a team's command (a check script) as a child process, bounded: a fresh
// scratch directory as its working directory and HOME, only the environment given
// (plus PATH, LANG, TZ), a wall-clock timeout after which its whole process group is
// killed, and at most max_output_bytes of stdout and of stderr kept (the last ones:
// a script's verdict is usually its last line). Output is kept as valid UTF-8 with
// control characters other than newline and tab shown as U+FFFD.
//
// Used by `failsim gate` (production) and by simulated runs (harness/runs/command_checks.h),
// so a script meets the same process contract in both.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "failover/query.h"
#include "failover/time.h"

namespace failsim::harness {

struct CommandSpec {
  std::vector<std::string> argv;                            // argv[0] found on PATH
  std::vector<std::pair<std::string, std::string>> env;    // added to the base environment
  Duration timeout = std::chrono::seconds(30);              // wall clock
  std::size_t max_output_bytes = 4096;                      // per stream
};

struct CommandResult {
  enum class Kind { kExited, kSignaled, kTimedOut, kNotStarted };
  Kind kind = Kind::kNotStarted;
  int exit_status = -1;  // kExited
  int signal = 0;        // kSignaled
  std::string out;       // stdout (bounded)
  std::string err;       // stderr (bounded)
  std::string error;     // kNotStarted: why, in words
  // "exit 1", "killed by signal 9", "timed out after 30s (killed)", "could not start: ..."
  std::string describe() const;
  // The last non-empty line of stderr, else of stdout ("" when both are empty).
  std::string last_line() const;
};

CommandResult run_command(const CommandSpec& spec);

// What a check's command result means to the failover logic (failover/query.h): an
// exit is a value (its status), with its last line for the reason; no exit (a signal,
// the timeout, no start) is an error.
failover::QueryOutcome command_outcome(const CommandResult& result);

// Arguments naming a file relative to `base_dir` (the policy's folder) become that
// file's absolute path, so a command runs the same from any working directory.
std::vector<std::string> resolve_relative_files(std::vector<std::string> argv, const std::string& base_dir);

}  // namespace failsim::harness
