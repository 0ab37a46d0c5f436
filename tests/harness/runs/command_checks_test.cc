// Command checks end to end: a team's shell gate (curl + jq, examples/team-gate) run
// inside simulated runs by the failsim binary. Checks that it decides exactly as the
// built-in policy with the same query and thresholds, seed for seed; that reuse, thread
// count and running every command give byte-identical results; that a script reading
// the clock is caught by --check-determinism with its step named; that a hung script
// is killed at its timeout; and that ports and the token never reach the trace.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

#include "tests/harness/cli_fixture.h"

namespace failsim {
namespace {

using nlohmann::json;

class CommandChecksTest : public testing::CliTest {
 protected:
  CommandChecksTest() : CliTest("command-checks") {}

  void SetUp() override {
    CliTest::SetUp();
    const std::string ex = src + "/examples/team-gate/";
    std::filesystem::copy_file(ex + "check-runner.sh", dir / "check-runner.sh");
    std::filesystem::copy_file(ex + "check-runner-fixed.sh", dir / "check-runner-fixed.sh");
    // Scrapes of the primary's exporter lost at random from 5m: at each gate, whether its
    // series are there depends on the seed.
    json scenario = json::parse(testing::read_file(ex + "exporter-partition.json"));
    scenario["world"] = src + "/worlds/paws360.json";
    scenario["slo_file"] = src + "/scenarios/slos/success-criteria.json";
    scenario["faults"] = json::array({json{{"kind", "loss"}, {"at", "5m"}, {"from", "monitoring"}, {"to", "serotonin"},
                                          {"port", 9102}, {"probability", 0.5}}});
    scenario["workload"]["deploys"] = json::array({json{{"at", "12m"}, {"version", "v1.3.0"}},
                                                   json{{"at", "25m"}, {"version", "v1.3.1"}},
                                                   json{{"at", "40m"}, {"version", "v1.3.2"}}});
    scenario["run_length"] = "90m";
    scenario["expect"] = json{{"*", json::object()}};
    write("scenario.json", scenario.dump(2));
    base = json::parse(testing::read_file(ex + "policy.json"));
    base["rule_file"] = src + "/scenarios/rules/runner-up-corrected.yml";
  }

  void write(const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; }

  // The example policy with its gate replaced by `check`, written as NAME.json.
  std::string policy(const std::string& name, const json& check) {
    json p = base;
    p["name"] = name;
    p["gate"]["checks"] = json::array({check});
    write(name + ".json", p.dump(2));
    return out(name + ".json");
  }
  static json command(const std::string& script, const std::string& takes = "2s") {
    return json{{"name", "team-gate"}, {"command", {"bash", script, "${hostname}"}}, {"timeout", "30s"}, {"takes", takes}};
  }
  // The built-in check the scripts stand for: runner_status == 1; no series is
  // `on_empty` (the bug: "pass"; the fix: "fail").
  static json builtin(const std::string& on_empty) {
    return json{{"name", "runner_status"}, {"query", "runner_status{hostname=\"${hostname}\"}"}, {"pass_if", "=="},
                {"threshold", 1}, {"on_mismatch", "fail"}, {"on_empty", on_empty}, {"on_error", "fail"}};
  }

  // (policy, seed) -> every deploy's outcome and runner, the attempts and final version.
  std::map<std::pair<std::string, int>, std::string> outcomes(const std::string& results_path) {
    std::map<std::pair<std::string, int>, std::string> by;
    json r = json::parse(testing::read_file(results_path));
    for (auto& sc : r["scenarios"]) {
      for (auto& run : sc["runs"]) {
        std::string o = run["final_version"].dump() + " attempts " + run["attempts"].dump();
        for (auto& d : run["deploys"]) o += " | " + d["version"].get<std::string>() + " " + d["outcome"].get<std::string>() + " " + d["runner"].dump();
        by[{sc["policy"].get<std::string>(), run["seed"].get<int>()}] = o;
      }
    }
    return by;
  }

  json base;
};

TEST_F(CommandChecksTest, AShellGateDecidesAsTheBuiltInPolicyWithTheSameQuerySeedForSeed) {
  // takes 0s: the script's request travels the network as the query does, and costs
  // nothing more, so both reach their verdicts at the same instants.
  const std::string buggy = policy("script-buggy", command("check-runner.sh", "0s"));
  const std::string fixed = policy("script-fixed", command("check-runner-fixed.sh", "0s"));
  const std::string as_buggy = policy("builtin-empty-passes", builtin("pass"));
  const std::string as_fixed = policy("builtin-empty-fails", builtin("fail"));
  const int seeds = 60;
  const auto r = failsim("run " + out("scenario.json") + " --policy " + buggy + " --policy " + fixed + " --policy " + as_buggy +
                         " --policy " + as_fixed + " --seeds " + std::to_string(seeds) + " --out " + out("runs"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  auto by = outcomes((dir / "runs" / "results.json").string());
  ASSERT_EQ(by.size(), 4u * seeds);
  std::set<std::string> seen_fixed;
  int bug_mattered = 0;
  for (int seed = 1; seed <= seeds; ++seed) {
    const std::string buggy_run = by[std::make_pair(std::string("script-buggy"), seed)];
    const std::string fixed_run = by[std::make_pair(std::string("script-fixed"), seed)];
    EXPECT_EQ(buggy_run, by[std::make_pair(std::string("builtin-empty-passes"), seed)]) << "seed " << seed;
    EXPECT_EQ(fixed_run, by[std::make_pair(std::string("builtin-empty-fails"), seed)]) << "seed " << seed;
    seen_fixed.insert(fixed_run);
    bug_mattered += buggy_run != fixed_run ? 1 : 0;
  }
  // The comparison means something: the seeds lead to different decisions, and the
  // bug changes some of them.
  EXPECT_GE(seen_fixed.size(), 2u);
  EXPECT_GT(bug_mattered, 0);
  EXPECT_NE(r.out.find("command checks: "), std::string::npos) << r.out;
}

TEST_F(CommandChecksTest, ReuseThreadsAndRunningEveryCommandGiveByteIdenticalResults) {
  const std::string fixed = policy("script-fixed", command("check-runner-fixed.sh"));
  const std::string common = "run " + out("scenario.json") + " --policy " + fixed + " --seeds 12";
  const auto reused = failsim(common + " --jobs 2 --out " + out("reused"));
  ASSERT_EQ(reused.exit_code, 0) << reused.out;
  const auto every = failsim(common + " --jobs 1 --no-reuse --out " + out("every"));
  ASSERT_EQ(every.exit_code, 0) << every.out;
  EXPECT_EQ(testing::read_file((dir / "reused" / "results.json").string()),
            testing::read_file((dir / "every" / "results.json").string()));
  // "command checks: N calls, P run as processes, R reused"
  auto counts = [](const std::string& text) {
    std::smatch m;
    const bool found = std::regex_search(text, m, std::regex("command checks: (\\d+) calls, (\\d+) run as processes, (\\d+) reused"));
    return found ? std::make_tuple(std::stoi(m[1]), std::stoi(m[2]), std::stoi(m[3])) : std::make_tuple(-1, -1, -1);
  };
  const auto [calls, started, none_reused] = counts(every.out);
  EXPECT_GE(calls, 12 * 3 * 2) << "three deploys, two candidates a seed at least: " << every.out;
  EXPECT_EQ(started, calls);
  EXPECT_EQ(none_reused, 0);
  const auto [calls_again, started_again, reused_count] = counts(reused.out);
  EXPECT_EQ(calls_again, calls) << reused.out;
  EXPECT_LT(started_again, calls / 4) << "reuse spares most processes: " << reused.out;
  EXPECT_EQ(started_again + reused_count, calls);
  // The trace of one seed too (results.json holds its hash; this is the text).
  const std::string replay = "replay " + out("scenario.json") + " --policy " + fixed + " --seed 3 --trace ";
  ASSERT_EQ(failsim(replay + out("a.json")).exit_code, 0);
  ASSERT_EQ(failsim(replay + out("b.json")).exit_code, 0);
  const std::string trace = testing::read_file((dir / "a.json").string());
  EXPECT_EQ(trace, testing::read_file((dir / "b.json").string()));
  EXPECT_NE(trace.find("gate team-gate on Serotonin-paws360: exit "), std::string::npos);
}

TEST_F(CommandChecksTest, AScriptReadingTheClockIsCaughtByCheckDeterminismWithItsStepNamed) {
  std::string script = testing::read_file((dir / "check-runner-fixed.sh").string());
  script += "date +%s%N\n";
  write("check-clock.sh", script);
  const std::string p = policy("script-clock", command("check-clock.sh"));
  const auto r = failsim("run " + out("scenario.json") + " --policy " + p + " --seeds 2 --check-determinism --out " + out("det"));
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("the same seed produced a different trace"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("gate command): \"gate team-gate on "), std::string::npos) << "the step is named: " << r.out;
  // The same script without the clock passes the same check.
  const std::string ok = policy("script-fixed", command("check-runner-fixed.sh"));
  const auto clean = failsim("run " + out("scenario.json") + " --policy " + ok + " --seeds 2 --check-determinism --out " + out("det2"));
  EXPECT_EQ(clean.exit_code, 0) << clean.out;
}

TEST_F(CommandChecksTest, AHungScriptIsKilledAtItsTimeoutAndPortsAndTokenNeverShow) {
  write("hang.sh", "echo \"asking $PROMETHEUS_URL and $GITHUB_API_URL with $GITHUB_TOKEN for $RUNNER_NAME\"\n"
                   "[ \"$1\" = Serotonin ] && sleep 30\nexit 0\n");
  json check = command("hang.sh");
  check["timeout"] = "1s";
  const std::string p = policy("script-hang", check);
  const auto started = std::chrono::steady_clock::now();
  const auto r = failsim("replay " + out("scenario.json") + " --policy " + p + " --seed 1 --trace " + out("t.json"));
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20)) << "killed at 1s per call, not 30s";
  const std::string trace = testing::read_file((dir / "t.json").string());
  EXPECT_NE(trace.find("gate team-gate on Serotonin-paws360: ran past its timeout and was killed"), std::string::npos) << trace;
  EXPECT_NE(trace.find("command failed (ran past its timeout and was killed"), std::string::npos) << "the decision says why";
  EXPECT_NE(trace.find("asking $PROMETHEUS_URL and $GITHUB_API_URL with *** for dell-r640-01-runner"), std::string::npos);
  EXPECT_EQ(trace.find("127.0.0.1:"), std::string::npos) << "no port in the trace";
  EXPECT_EQ(trace.find("ghp_failsimDemoToken"), std::string::npos) << "the scenario's secret is GITHUB_TOKEN and never shows";
  EXPECT_NE(r.out.find("dell-r640-01-runner"), std::string::npos) << r.out;
}

TEST_F(CommandChecksTest, APolicyWithAMissingScriptOrABadCommandIsRefusedNamingTheField) {
  auto r = failsim("validate " + policy("missing", command("nosuch.sh")));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("/gate/checks/0/command/1: nosuch.sh: no such file"), std::string::npos) << r.out;
  json both = command("check-runner.sh");
  both["query"] = "up";
  r = failsim("validate " + policy("both", both));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("/gate/checks/0/command: a check has a \"query\" or a \"command\", not both"), std::string::npos) << r.out;
  json typo = json{{"name", "x"}, {"command", {"bash", "check-runner.sh", "${hostnme}"}}};
  r = failsim("validate " + policy("typo", typo));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("/gate/checks/0/command/2: unknown placeholder ${hostnme}"), std::string::npos) << r.out;
  json program = json{{"name", "x"}, {"command", {"no-such-program-here"}}};
  r = failsim("validate " + policy("program", program));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("/gate/checks/0/command/0: no-such-program-here: not found on PATH"), std::string::npos) << r.out;
}

// The team's selection script (examples/team-gate/select-runner.sh: the first candidate
// GitHub lists as online) chooses the target: the partitioned primary is still online to
// GitHub, so it is chosen; a primary whose runner service stopped is offline, so the
// secondary is. The script asked the world's GitHub API, with the token, inside the run.
TEST_F(CommandChecksTest, ATeamSelectionScriptChoosesTheTargetFromTheWorldsGitHub) {
  std::filesystem::copy_file(src + "/examples/team-gate/select-runner.sh", dir / "select-runner.sh");
  json p = json::parse(testing::read_file(src + "/examples/team-gate/policy-select.json"));
  p["rule_file"] = base["rule_file"];
  write("select.json", p.dump(2));
  json stopped = json::parse(testing::read_file(src + "/scenarios/failover.json"));
  stopped["world"] = src + "/worlds/paws360.json";
  stopped["slo_file"] = src + "/scenarios/slos/success-criteria.json";
  stopped["expect"] = json{{"*", json::object()}};
  write("stopped.json", stopped.dump(2));
  for (const auto& [scenario, runner] : {std::make_pair(std::string("scenario.json"), std::string("Serotonin-paws360")),
                                         std::make_pair(std::string("stopped.json"), std::string("dell-r640-01-runner"))}) {
    const auto r = failsim("replay " + out(scenario) + " --policy " + out("select.json") + " --seed 2 --trace " + out("t.json"));
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_NE(r.out.find("target " + runner + " (chosen by the selection command select-runner)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("select select-runner: exit 0 | stdout: " + runner), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace failsim
