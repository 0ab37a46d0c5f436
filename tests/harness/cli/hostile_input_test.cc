// Hostile input never crashes, hangs or corrupts (issue 17), through the failsim binary:
// every case a hostile user found is exit 2 with a message naming the file and field,
// and no input or earlier report is lost.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/harness/cli_fixture.h"

namespace failsim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class HostileInput : public testing::CliTest {
 protected:
  HostileInput() : CliTest("hostile") {}
  // scenarios/failover.json with its references made absolute and `from` replaced by `to`.
  std::string scenario_with(const std::string& from, const std::string& to, const std::string& name = "s.json") {
    std::string text = testing::read_file(src + "/scenarios/failover.json");
    for (const std::string ref : {"\"policies/", "\"../worlds/", "\"slos/"}) {
      const auto at = text.find(ref);
      if (at != std::string::npos) text.replace(at, ref.size(), "\"" + src + "/scenarios/" + ref.substr(1));
    }
    const auto pos = text.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) text.replace(pos, from.size(), to);
    const std::string path = (dir / name).string();
    std::ofstream(path) << text;
    return path;
  }
  void expect_exit2(const std::string& args, const std::string& message) {
    const auto r = failsim(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(message), std::string::npos) << args << "\n" << r.out;
  }
};

TEST_F(HostileInput, NumbersAndNestingBeyondLimitsAreInputErrors) {
  expect_exit2("validate '" + scenario_with("\"run_length\"", "\"big\": 1e309, \"run_length\"") + "'",
               "invalid JSON: number overflow parsing '1e309' (the number is out of range)");
  const std::string deep = (dir / "deep.json").string();
  std::ofstream(deep) << std::string(60000, '[') << std::string(60000, ']');
  expect_exit2("validate '" + deep + "'", "nested deeper than 64 levels");
  expect_exit2("validate /dev/zero", "/dev/zero: cannot read (not a regular file (a FIFO, device or socket); failsim reads files)");
}

TEST_F(HostileInput, TimesBeyondTheRunLengthLimitAreRejectedNotRun) {
  const std::string run_length = "\"run_length\": \"1h\"";
  expect_exit2("validate '" + scenario_with(run_length, "\"run_length\": \"292471y\"") + "'", "longer than 366d");
  expect_exit2("validate '" + scenario_with(run_length, "\"run_length\": \"200d\"") + "'",
               "/run_length: expected a run length above 0s and at most 30d");
  expect_exit2("validate '" + scenario_with(run_length, "\"run_length\": \"0s\"") + "'", "/run_length: expected a run length above 0s");
  expect_exit2("validate '" + scenario_with("\"at\": \"10m\"", "\"at\": \"292471y\"") + "'", "longer than 366d");
}

TEST_F(HostileInput, ProbabilitiesOutsideZeroToOneAreRejected) {
  for (const std::string p : {"1.5", "-1"}) {
    const std::string path = scenario_with("{\"kind\": \"service_stop\", \"at\": \"2m\", \"runner\": \"Serotonin-paws360\"}",
                                          "{\"kind\": \"loss\", \"at\": \"2m\", \"probability\": " + p + ", \"to\": \"serotonin\"}");
    expect_exit2("validate '" + path + "'", "/probability: expected a probability in [0, 1], got " + p);
  }
}

TEST_F(HostileInput, APolicyCheckThatIsNotPromqlFailsValidateAlone) {
  json policy = json::parse(testing::read_file(src + "/scenarios/policies/health-gated-failover.json"));
  policy["rule_file"] = src + "/scenarios/rules/runner-up-corrected.yml";
  policy["gate"]["checks"][0]["query"] = "up{job=\"x\"";
  const std::string path = (dir / "policy.json").string();
  std::ofstream(path) << policy.dump(2);
  expect_exit2("validate '" + path + "'", "/gate/checks/0/query: not a PromQL expression (1:11: parse error: unexpected end of input");
  policy["gate"]["checks"][0]["query"] = "up{job=~\"x*++++++\"}";
  std::ofstream(path) << policy.dump(2);
  expect_exit2("validate '" + path + "'", "error parsing regexp");
}

TEST_F(HostileInput, SeedsThatWouldWrapAreRejected) {
  expect_exit2("run scenarios/failover.json --seed 18446744073709551615 --seeds 3 --out '" + (dir / "o").string() + "'",
               "goes past the largest seed");
  expect_exit2("run scenarios/failover.json --seed 18446744073709551616 --out '" + (dir / "o").string() + "'",
               "expected a seed of at most 18446744073709551615");
}

TEST_F(HostileInput, NoInputIsEverOverwritten) {
  const std::string scenario = scenario_with("\"run_length\"", "\"run_length\"");
  const std::string before = testing::read_file(scenario);
  expect_exit2("replay '" + scenario + "' --seed 1 --trace '" + scenario + "'", "is one of the run's inputs");
  EXPECT_EQ(testing::read_file(scenario), before);
  // A baseline in the output directory would be replaced by the new results.json.
  ASSERT_EQ(failsim("run '" + scenario + "' --seeds 2 --out '" + (dir / "in").string() + "'").exit_code, 0);
  const std::string baseline = testing::read_file((dir / "in" / "results.json").string());
  expect_exit2("run '" + scenario + "' --seeds 3 --baseline '" + (dir / "in" / "results.json").string() + "' --out '" +
                   (dir / "in").string() + "'",
               "is one of the run's inputs");
  EXPECT_EQ(testing::read_file((dir / "in" / "results.json").string()), baseline);
}

TEST_F(HostileInput, TheReportsAreReplacedAsASetOrNotAtAll) {
  const std::string scenario = scenario_with("\"run_length\"", "\"run_length\"");
  const fs::path out = dir / "out";
  ASSERT_EQ(failsim("run '" + scenario + "' --seeds 2 --out '" + out.string() + "'").exit_code, 0);
  const std::string results = testing::read_file((out / "results.json").string());
  fs::remove(out / "report.html");
  fs::create_directories(out / "report.html");  // cannot be written
  const auto r = failsim("run '" + scenario + "' --seeds 3 --out '" + out.string() + "'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("report.html: is a directory; nothing was written"), std::string::npos) << r.out;
  EXPECT_EQ(testing::read_file((out / "results.json").string()), results) << "results.json was replaced alone";
  for (const auto& e : fs::directory_iterator(out)) EXPECT_NE(e.path().extension(), ".tmp") << e.path();
}

TEST_F(HostileInput, ASecretThatIsOrdinaryTextIsRejected) {
  const std::string path = scenario_with("\"run_length\"", "\"secret\": \"1\", \"run_length\"");
  expect_exit2("validate '" + path + "'", "/secret: a secret must be at least 8 characters");
}

TEST_F(HostileInput, EveryCrossReferenceIsChecked) {
  const std::string fault = "{\"kind\": \"service_stop\", \"at\": \"2m\", \"runner\": \"Serotonin-paws360\"}";
  expect_exit2("validate '" + scenario_with(fault, "{\"kind\": \"partition\", \"at\": \"2m\", \"from\": \"monitoring\", "
                                                   "\"to\": \"nowhere\", \"port\": 9102, \"mode\": \"drop\"}") + "'",
               "/faults/0/to: no host named \"nowhere\" in the world; hosts: monitoring, github");
  json world = json::parse(testing::read_file(src + "/worlds/paws360.json"));
  world["runners"].push_back(world["runners"][0]);
  std::ofstream(dir / "dup.json") << world.dump(2);
  expect_exit2("validate '" + (dir / "dup.json").string() + "'", "/runners/2/name: duplicate runner name \"Serotonin-paws360\"");
  json policy = json::parse(testing::read_file(src + "/scenarios/policies/health-gated-failover.json"));
  policy["rule_file"] = src + "/scenarios/rules/runner-up-corrected.yml";
  policy["candidates"][1]["name"] = "ghost-runner";
  std::ofstream(dir / "ghost.json") << policy.dump(2);
  const std::string scenario = scenario_with(src + "/scenarios/policies/health-gated-failover.json", (dir / "ghost.json").string());
  expect_exit2("validate '" + scenario + "'", "/candidates/1/name: no runner named \"ghost-runner\"; runners: Serotonin-paws360");
  std::ofstream(dir / "bad.yml") << "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up{job=\"x}\n";
  expect_exit2("validate '" + (dir / "bad.yml").string() + "'",
               "bad.yml:5: rule A: could not parse expression: 1:8: parse error: unterminated quoted string");
}

// A name longer than the system allows (found by the fuzz smoke run) made std::filesystem
// throw out of the loader: now it is a file that does not exist.
TEST_F(HostileInput, AnOverlongFileNameIsAMissingFileNotACrash) {
  const std::string path =
      scenario_with(src + "/scenarios/slos/success-criteria.json", src + "/scenarios/slos/" + std::string(5000, 'x') + ".json");
  expect_exit2("validate '" + path + "'", "/slo_file: SLO file ");
}

}  // namespace
}  // namespace failsim
