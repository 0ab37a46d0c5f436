// The process contract of a command check (harness/gate/command_exec.h): exit status, a
// timeout that kills the whole process group, bounded output kept as its tail, a
// scratch working directory and only the environment given.
#include "harness/gate/command_exec.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

namespace failsim::harness {
namespace {

CommandResult sh(const std::string& script, std::chrono::milliseconds timeout = std::chrono::seconds(10),
                 std::vector<std::pair<std::string, std::string>> env = {}, std::size_t max_output_bytes = 4096) {
  CommandSpec spec;
  spec.argv = {"bash", "-c", script};
  spec.timeout = timeout;
  spec.env = std::move(env);
  spec.max_output_bytes = max_output_bytes;
  return run_command(spec);
}

TEST(CommandExec, ExitStatusAndLastLineAreWhatTheScriptSaid) {
  const auto r = sh("echo first; echo 'runner down' >&2; exit 3");
  EXPECT_EQ(r.kind, CommandResult::Kind::kExited);
  EXPECT_EQ(r.exit_status, 3);
  EXPECT_EQ(r.out, "first\n");
  EXPECT_EQ(r.last_line(), "runner down") << "stderr's last line first";
  EXPECT_EQ(r.describe(), "exit 3");
  const auto o = command_outcome(r);
  EXPECT_EQ(o.kind, failover::QueryOutcome::Kind::kValue);
  EXPECT_EQ(o.value, 3);
  EXPECT_EQ(o.error, "runner down");
}

TEST(CommandExec, ATimeoutKillsTheWholeGroupPromptly) {
  const auto started = std::chrono::steady_clock::now();
  // A child in the background holding the pipes, and the script waiting on it.
  const auto r = sh("sleep 30 & wait", std::chrono::milliseconds(300));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
  EXPECT_EQ(r.kind, CommandResult::Kind::kTimedOut);
  EXPECT_EQ(command_outcome(r).kind, failover::QueryOutcome::Kind::kError);
  EXPECT_NE(command_outcome(r).error.find("ran past its timeout"), std::string::npos);
}

// A process left behind that goes on writing to the pipes (in a session of its own, so
// out of the group's reach) does not keep the call open: the command's own exit ends it.
TEST(CommandExec, AWriterLeftBehindDoesNotHoldTheCall) {
  const auto started = std::chrono::steady_clock::now();
  const auto r = sh("setsid bash -c 'for i in $(seq 1 50); do echo more; sleep 0.1; done' & echo started; exit 4",
                    std::chrono::seconds(20));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3));
  EXPECT_EQ(r.kind, CommandResult::Kind::kExited);
  EXPECT_EQ(r.exit_status, 4);
  EXPECT_EQ(r.out.rfind("started\n", 0), 0u) << r.out;
}

TEST(CommandExec, OutputIsBoundedToItsTailAndPrintable) {
  const auto r = sh("for i in $(seq 1 200); do echo line $i; done; printf 'bell\\a\\xff end\\n'", std::chrono::seconds(10), {}, 64);
  EXPECT_LE(r.out.size(), 64u + 8u);
  EXPECT_EQ(r.out.rfind("…", 0), 0u) << "marked as cut: " << r.out;
  EXPECT_NE(r.out.find("line 200"), std::string::npos);
  EXPECT_NE(r.out.find("bell\xEF\xBF\xBD\xEF\xBF\xBD end"), std::string::npos) << "BEL and a stray byte show as U+FFFD: " << r.out;
}

TEST(CommandExec, RunsInAScratchDirectoryWithOnlyTheEnvironmentGiven) {
  ::setenv("FAILSIM_SHOULD_NOT_LEAK", "1", 1);
  const auto r = sh("pwd; echo \"home=$HOME leak=${FAILSIM_SHOULD_NOT_LEAK:-none} url=$PROMETHEUS_URL\"; touch here", std::chrono::seconds(10),
                    {{"PROMETHEUS_URL", "http://x"}});
  ::unsetenv("FAILSIM_SHOULD_NOT_LEAK");
  ASSERT_EQ(r.exit_status, 0) << r.describe() << " " << r.error << " " << r.err;
  const std::string dir = r.out.substr(0, r.out.find('\n'));
  EXPECT_EQ(dir.rfind("/tmp/failsim-command-", 0), 0u) << dir;
  EXPECT_NE(r.out.find("home=" + dir + " leak=none url=http://x"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir)) << "the scratch directory is removed";
}

TEST(CommandExec, AProgramThatDoesNotExistIsNotStarted) {
  CommandSpec spec;
  spec.argv = {"no-such-program-here"};
  const auto r = run_command(spec);
  EXPECT_EQ(r.kind, CommandResult::Kind::kNotStarted);
  EXPECT_NE(r.describe().find("could not start: no-such-program-here"), std::string::npos) << r.describe();
}

TEST(CommandExec, RelativeScriptPathsResolveFromThePolicysFolder) {
  const auto dir = std::filesystem::temp_directory_path() / "failsim-resolve-test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "check.sh") << "exit 0\n";
  const auto argv = resolve_relative_files({"bash", "check.sh", "rack1-a", "-x"}, dir.string());
  EXPECT_EQ(argv, (std::vector<std::string>{"bash", (dir / "check.sh").string(), "rack1-a", "-x"}));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace failsim::harness
