// Failures that reproduce (issue 14): every failure line of a red `failsim run` carries
// the exact `failsim replay` command, with every option that shaped the run (--policy,
// --rules, --set, a variants file's variant); executed as printed, it fails the same
// way (the same broken expectation) with the same trace hash as the run's seed. The
// summary says how many seeds failed per kind and names the first few.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "tests/harness/cli_fixture.h"

namespace failsim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class Reproduce : public testing::CliTest {
 protected:
  Reproduce() : CliTest("reproduce") {}
};

// The `failsim replay ...` commands of a summary, in order.
std::vector<std::string> reproduce_lines(const std::string& summary) {
  std::vector<std::string> out;
  const std::regex line("`(failsim replay [^`]*)`");
  for (auto it = std::sregex_iterator(summary.begin(), summary.end(), line); it != std::sregex_iterator(); ++it) {
    out.push_back((*it)[1]);
  }
  return out;
}

const json& run_of(const json& row, std::uint64_t seed) {
  for (const auto& r : row["runs"]) {
    if (r["seed"] == seed) return r;
  }
  static const json none;
  return none;
}

TEST_F(Reproduce, EveryPrintedReplayCommandFailsTheSameWayWithTheSameTraceHash) {
  // A variant from a file with an expectation of its own that breaks (the alert's `for`
  // made 4m, detection asked within 4m), next to --policy, --rules and --set.
  const std::string variants = (dir / "variants.json").string();
  std::ofstream(variants) << R"({"variants": [{"name": "slow alert", "set": {"rules.RunnerScrapeDown.for": "4m", "rules.RunnerUnavailable.for": "4m"},
    "expect": {"serotonin-exporter-partition": {"detection_within": "4m"}}}]})";
  const auto run = in_source("'" FAILSIM_BINARY "' run scenarios/serotonin-exporter-partition.json "
                             "--policy scenarios/policies/health-gated-failover.json --rules scenarios/rules/runner-up-corrected.yml "
                             "--set prometheus.scrape_interval=20s --variants '" + variants + "' --variant 'quick:rules.RunnerScrapeDown.for=1m' "
                             "--seeds 12 --out '" + (dir / "out").string() + "'");
  ASSERT_EQ(run.exit_code, 1) << run.out;
  const std::string summary = testing::read_file((dir / "out" / "summary.md").string());
  const json results = json::parse(testing::read_file((dir / "out" / "results.json").string()));
  // The summary counts the failing seeds of the failing row and names the first five.
  EXPECT_NE(summary.find("detection_within 4m: 12/12 seeds failed (seeds 1, 2, 3, 4, 5, …)"), std::string::npos) << summary;
  const auto lines = reproduce_lines(summary);
  ASSERT_FALSE(lines.empty()) << summary;
  for (const auto& line : lines) {
    EXPECT_NE(line.find("--policy scenarios/policies/health-gated-failover.json"), std::string::npos) << line;
    EXPECT_NE(line.find("--rules scenarios/rules/runner-up-corrected.yml"), std::string::npos) << line;
    EXPECT_NE(line.find("--set prometheus.scrape_interval=20s"), std::string::npos) << line;
    EXPECT_NE(line.find("--variant 'slow alert'"), std::string::npos) << line;
    // Run exactly as printed (failsim on PATH), with a trace file of its own.
    const std::string trace = (dir / "trace.json").string();
    const auto replay = in_source("PATH='" + fs::path(FAILSIM_BINARY).parent_path().string() + "':\"$PATH\" " + line +
                                  " --trace '" + trace + "'");
    EXPECT_EQ(replay.exit_code, 1) << replay.out;
    const std::smatch seed_match = [&] {
      std::smatch m;
      std::regex_search(line, m, std::regex("--seed ([0-9]+)"));
      return m;
    }();
    ASSERT_FALSE(seed_match.empty()) << line;
    const std::uint64_t seed = std::stoull(seed_match[1]);
    const json* row = nullptr;
    for (const auto& s : results["scenarios"]) {
      if (s["variant"] == "slow alert") row = &s;
    }
    ASSERT_NE(row, nullptr);
    const json& r = run_of(*row, seed);
    ASSERT_TRUE(r.is_object()) << seed;
    for (const auto& b : r["broken_expectations"]) {
      EXPECT_NE(replay.out.find("broken expectation: " + b.get<std::string>()), std::string::npos) << replay.out;
    }
    EXPECT_NE(replay.out.find("hash " + std::to_string(r["trace_hash"].get<std::uint64_t>()) + ")"), std::string::npos)
        << "trace hash of seed " << seed << ": " << replay.out;
  }
  // The passing row (quick) has no reproduce line; JUnit carries the same command.
  std::string junit = testing::read_file((dir / "out" / "junit.xml").string());
  for (const auto& [entity, c] : std::vector<std::pair<std::string, std::string>>{{"&apos;", "'"}, {"&quot;", "\""}, {"&amp;", "&"}}) {
    for (auto p = junit.find(entity); p != std::string::npos; p = junit.find(entity, p)) junit.replace(p, entity.size(), c);
  }
  EXPECT_NE(junit.find(lines.front().substr(0, lines.front().find(" --seed"))), std::string::npos) << junit;
}

TEST_F(Reproduce, ReplayNamesEachBrokenExpectationAndViolatedInvariantWithItsValues) {
  const auto replay = in_source("'" FAILSIM_BINARY "' replay scenarios/serotonin-exporter-partition.json --seed 3 "
                                "--policy scenarios/policies/health-gated-failover.json --set rules.RunnerScrapeDown.for=5m "
                                "--set rules.RunnerUnavailable.for=5m "
                                "--trace '" + (dir / "t.json").string() + "'");
  EXPECT_EQ(replay.exit_code, 1) << replay.out;
  EXPECT_TRUE(std::regex_search(replay.out, std::regex("broken expectation: detection_within 5m: took [0-9.]+s"))) << replay.out;
  EXPECT_NE(replay.out.find("FAILED"), std::string::npos) << replay.out;
  const auto ok = in_source("'" FAILSIM_BINARY "' replay scenarios/serotonin-exporter-partition.json --seed 3 "
                            "--trace '" + (dir / "t.json").string() + "'");
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_EQ(ok.out.find("broken expectation"), std::string::npos) << ok.out;
  // A variants file without --variant is a usage error.
  const std::string variants = (dir / "v.json").string();
  std::ofstream(variants) << R"({"variants": [{"name": "a", "set": {}}, {"name": "b", "set": {}}]})";
  const auto ambiguous = in_source("'" FAILSIM_BINARY "' replay scenarios/failover.json --seed 1 --variants '" + variants +
                                   "' --trace '" + (dir / "t.json").string() + "'");
  EXPECT_EQ(ambiguous.exit_code, 2) << ambiguous.out;
  EXPECT_NE(ambiguous.out.find("--variant NAME"), std::string::npos) << ambiguous.out;
}

}  // namespace
}  // namespace failsim
