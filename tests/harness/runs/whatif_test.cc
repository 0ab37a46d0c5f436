// Pre-change what-if, end to end through the failsim binary: --set, variants, sweeps,
// `failsim compare` / --baseline (its intervals against an independent Python
// computation, tests/reports/compare_reference.py), --fail-on, and each trap of issue 13
// shown fixed: a renamed policy, an expect key that matches nothing, two rows with one
// name, per-seed vs distribution expectations, and SLOs judged where they apply with the
// figure the table shows.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "reports/format.h"
#include "tests/harness/cli_fixture.h"

namespace failsim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class WhatIf : public testing::CliTest {
 protected:
  WhatIf() : CliTest("whatif") {}
  // A copy of scenarios/NAME.json in the temporary directory, its references made
  // absolute, with `from` replaced by `to`.
  std::string scenario_copy(const std::string& name, const std::string& from, const std::string& to) {
    std::string text = testing::read_file(src + "/scenarios/" + name + ".json");
    const auto pos = text.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    if (pos != std::string::npos) text.replace(pos, from.size(), to);
    for (const std::string ref : {"\"policies/", "\"../worlds/", "\"slos/"}) {
      const auto at = text.find(ref);
      if (at != std::string::npos) text.replace(at, ref.size(), "\"" + src + "/scenarios/" + ref.substr(1));
    }
    const std::string path = (dir / (name + "-" + std::to_string(++copies) + ".json")).string();
    std::ofstream(path) << text;
    return "'" + path + "'";
  }
  std::string out(const std::string& sub) const { return (dir / sub).string(); }
  json results(const std::string& sub) const { return json::parse(testing::read_file((dir / sub / "results.json").string())); }
  int copies = 0;
};

const json* row(const json& results, const std::string& scenario, const std::string& policy, const std::string& variant = "") {
  for (const auto& s : results["scenarios"]) {
    if (s["name"] == scenario && s["policy"] == policy && s["variant"] == variant) return &s;
  }
  return nullptr;
}

bool near(double a, double b) { return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(a)); }

// The done-when command: all scenarios with a 30 s scrape interval against a baseline.
// Every value and interval of compare.json equals the independent computation.
TEST_F(WhatIf, BaselineCompareIntervalsMatchAnIndependentComputation) {
  auto base = failsim("run scenarios/*.json --seeds 40 --out '" + out("base") + "'");
  ASSERT_EQ(base.exit_code, 0) << base.out;
  auto fresh = failsim("run scenarios/*.json --seeds 40 --set prometheus.scrape_interval=30s --baseline '" +
                       out("base/results.json") + "' --out '" + out("new") + "'");
  ASSERT_EQ(fresh.exit_code, 0) << fresh.out;
  EXPECT_NE(fresh.out.find("## Compared with the baseline"), std::string::npos);
  // 15 s -> 30 s scrapes: the partition is detected (to the notification) 15 s later in every seed.
  EXPECT_NE(fresh.out.find("| failover | health-gated-failover | detection_p95 | 2m45s | 3m00s | +15.0s | [+15.0s, +15.0s] | 🔴 worse |"),
            std::string::npos)
      << fresh.out;
  const auto ref_run = testing::run_command("python3 '" + src + "/tests/reports/compare_reference.py' '" + out("base/results.json") +
                                            "' '" + out("new/results.json") + "' 2000 1");
  ASSERT_EQ(ref_run.exit_code, 0) << ref_run.out;
  const json ref = json::parse(ref_run.out);
  const json compare = json::parse(testing::read_file(out("new/compare.json")));
  ASSERT_EQ(compare["rows"].size(), 7u);
  int checked = 0;
  for (const auto& r : compare["rows"]) {
    const json* expected = nullptr;
    for (const auto& x : ref) {
      if (x["scenario"] == r["scenario"] && x["policy"] == r["policy"]) expected = &x;
    }
    ASSERT_NE(expected, nullptr) << r["scenario"];
    for (const auto& m : r["metrics"]) {
      const json& e = (*expected)["metrics"][m["metric"].get<std::string>()];
      if (e.is_null()) {
        EXPECT_TRUE(m["ci95"].is_null()) << r["scenario"] << " " << m["metric"];
        continue;
      }
      for (const char* k : {"base", "new", "diff"}) {
        EXPECT_TRUE(near(m[k].get<double>(), e[k].get<double>())) << r["scenario"] << " " << m["metric"] << " " << k;
      }
      for (int i = 0; i < 2; ++i) {
        EXPECT_TRUE(near(m["ci95"][i].get<double>(), e["ci95"][i].get<double>()))
            << r["scenario"] << " " << m["metric"] << " ci " << m["ci95"] << " vs " << e["ci95"];
        ++checked;
      }
    }
  }
  EXPECT_GE(checked, 60);
  // --fail-on: 15 s worse is beyond a 10 s tolerance (exit 1), within 1 minute (exit 0);
  // a tolerance in the wrong direction is a usage error.
  auto strict = failsim("compare '" + out("base/results.json") + "' '" + out("new/results.json") + "' --fail-on detection_p95:+10s");
  EXPECT_EQ(strict.exit_code, 1) << strict.out;
  EXPECT_NE(strict.out.find("failover / health-gated-failover: detection_p95 2m45s -> 3m00s"), std::string::npos) << strict.out;
  auto lenient = failsim("compare '" + out("base/results.json") + "' '" + out("new/results.json") + "' --fail-on detection_p95:+1m,deploy_success:-1%");
  EXPECT_EQ(lenient.exit_code, 0) << lenient.out;
  auto wrong = failsim("compare '" + out("base/results.json") + "' '" + out("new/results.json") + "' --fail-on detection_p95:-10s");
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.out.find("a worse detection_p95 is higher; write the tolerance with +"), std::string::npos) << wrong.out;
  auto not_results = failsim("compare '" + out("base/results.json") + "' '" + src + "/worlds/paws360.json'");
  EXPECT_EQ(not_results.exit_code, 2);
  EXPECT_NE(not_results.out.find("not a failsim results.json"), std::string::npos) << not_results.out;
}

// A sweep of the scrape interval and of every alert's `for`: 9 variants, sweep.md and
// sweep.svg; `for` adds exactly its own length to detection in every seed.
TEST_F(WhatIf, SweepTableChartAndTheForArithmetic) {
  auto r = failsim("run scenarios/serotonin-exporter-partition.json --seeds 8 --sweep prometheus.scrape_interval=15s,30s,60s "
                   "--sweep 'rules.*.for=1m,2m,5m' --out '" + out("sweep") + "'");
  // for=5m breaks the scenario's per-seed detection_within 5m: a finding, exit 1.
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("detection_within 5m: 8/8 seeds failed"), std::string::npos) << r.out;
  const json res = results("sweep");
  ASSERT_EQ(res["scenarios"].size(), 9u);
  EXPECT_EQ(res["sweep_paths"], json::array({"prometheus.scrape_interval", "rules.*.for"}));
  for (const char* interval : {"15s", "30s", "60s"}) {
    auto at = [&](const char* f) {
      return row(res, "serotonin-exporter-partition", "health-gated-failover",
                 std::string("prometheus.scrape_interval=") + interval + ", rules.*.for=" + f);
    };
    ASSERT_NE(at("1m"), nullptr);
    for (std::size_t seed = 0; seed < 8; ++seed) {
      const double d1 = (*at("1m"))["runs"][seed]["detection_seconds"], d2 = (*at("2m"))["runs"][seed]["detection_seconds"],
                   d5 = (*at("5m"))["runs"][seed]["detection_seconds"];
      EXPECT_DOUBLE_EQ(d2 - d1, 60) << interval << " seed " << seed;
      EXPECT_DOUBLE_EQ(d5 - d2, 180) << interval << " seed " << seed;
    }
  }
  const std::string md = testing::read_file(out("sweep/sweep.md"));
  EXPECT_EQ(std::count(md.begin(), md.end(), '\n'), 4 + 9 + 2) << md;
  EXPECT_NE(md.find("| serotonin-exporter-partition | health-gated-failover | 60s | 5m |"), std::string::npos) << md;
  const auto xml = testing::run_command("python3 -c \"import sys,xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); "
                                        "print(sum(1 for e in r.iter() if e.tag.endswith('circle')))\" '" + out("sweep/sweep.svg") + "'");
  ASSERT_EQ(xml.exit_code, 0) << xml.out << " (sweep.svg is not well-formed XML)";
  EXPECT_EQ(std::stoi(xml.out), 9 * 4) << "one point per variant in each of the four panels";
}

// Overrides are validated like the files: a mistyped field, a bad value, a missing
// index and an unknown rule name are exit 2, naming the --set and the pointer.
TEST_F(WhatIf, BadOverridesAreRejectedBeforeAnyRun) {
  struct Case {
    std::string set, message;
  };
  for (const auto& c : std::vector<Case>{
           {"prometheus.global.scrape_intervall=30s", "/prometheus/global"},
           {"prometheus.scrape_interval=3x", "invalid duration \"3x\""},
           {"runners.7.labels=[]", "/runners/7 does not exist (/runners has 2 element(s))"},
           {"name=x", "no document has a top-level field \"name\""},
           {"rules.NoSuchAlert.for=1m", "no alerting rule named \"NoSuchAlert\""},
           {"deploy.retry.max_attempts=0", "/deploy/retry/max_attempts"}}) {
    auto r = failsim("run scenarios/failover.json --seeds 1 --set '" + c.set + "' --out '" + out("bad") + "'");
    EXPECT_EQ(r.exit_code, 2) << c.set << "\n" << r.out;
    EXPECT_NE(r.out.find(c.message), std::string::npos) << c.set << "\n" << r.out;
    EXPECT_NE(r.out.find(c.set.substr(0, c.set.find('='))), std::string::npos) << "names the --set: " << r.out;
    EXPECT_FALSE(fs::exists(out("bad/results.json")));
  }
}

// Trap 1, a renamed policy: its known violations silently dropped. Now a policy of the
// run with no expectations is an error, and the change runs as a labelled variant that
// keeps the policy's expectations.
TEST_F(WhatIf, RenamedPolicyIsAnErrorAndAVariantKeepsItsExpectations) {
  std::string policy = testing::read_file(src + "/scenarios/policies/paws360-as-built.json");
  policy.replace(policy.find("\"name\": \"paws360-as-built\""), 26, "\"name\": \"paws360-as-built-v2\"");
  policy.replace(policy.find("\"../rules/"), 10, "\"" + src + "/scenarios/rules/");
  const auto renamed = (dir / "renamed.json").string();
  std::ofstream(renamed) << policy;
  auto r = failsim("run scenarios/interruption.json --seeds 5 --policy '" + renamed + "' --out '" + out("r") + "'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("policy paws360-as-built-v2 of this run has no expectations here"), std::string::npos) << r.out;
  // ... or the renamed policy carries its expectations in its own file, keyed by
  // scenario; a key that names no scenario is an error too.
  auto with_expect = [&](const std::string& key) {
    std::string text = policy;
    text.replace(text.find("\"rule_file\""), 0,
                 "\"expect\": {\"" + key + "\": {\"outcome\": \"failed\", \"known_violations\": [\"production_not_partial\"]}},\n  ");
    std::ofstream(renamed) << text;
    return failsim("run scenarios/interruption.json --seeds 5 --policy '" + renamed + "' --out '" + out("own") + "'");
  };
  auto own = with_expect("interruption");
  EXPECT_EQ(own.exit_code, 0) << own.out;
  EXPECT_NE(own.out.find("Known defect: production_not_partial violated in"), std::string::npos) << own.out;
  auto typo = with_expect("interuption");
  EXPECT_EQ(typo.exit_code, 2) << typo.out;
  EXPECT_NE(typo.out.find("/expect/interuption: names no scenario"), std::string::npos) << typo.out;
  auto v = failsim("run scenarios/interruption.json --seeds 5 --policy scenarios/policies/paws360-as-built.json "
                   "--variant 'v2:deploy.retry.max_attempts=2' --out '" + out("v") + "'");
  EXPECT_EQ(v.exit_code, 0) << v.out;
  const json res = results("v");
  const json* s = row(res, "interruption", "paws360-as-built", "v2");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ((*s)["overrides"], json::array({"deploy.retry.max_attempts=2"}));
  EXPECT_EQ((*s)["runs"][0]["known_violations"], json::array({"production_not_partial"}));
  EXPECT_TRUE((*s)["passed"].get<bool>());
  EXPECT_NE(v.out.find("**interruption** / `paws360-as-built · v2`"), std::string::npos) << v.out;
}

// Trap 2, an expect key that matches nothing was ignored when "*" existed; trap 3, two
// rows with one name.
TEST_F(WhatIf, UnmatchedKeysAndSameNamedRowsAreErrors) {
  const auto typo = scenario_copy("failover", "\"expect\": {", "\"expect\": {\n    \"*\": {\"outcome\": \"deployed\"},\n    \"healthgated-failover\": {\"outcome\": \"failed\"},");
  auto r = failsim("run " + typo + " --seeds 2 --out '" + out("t") + "'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("/expect/healthgated-failover: names no policy"), std::string::npos) << r.out;
  const auto variants = (dir / "variants.json").string();
  std::ofstream(variants) << R"({"variants": [{"name": "a", "set": {"prometheus.scrape_interval": "30s"}},
                                              {"name": "a", "set": {"prometheus.scrape_interval": "60s"}}]})";
  auto twice = failsim("run scenarios/failover.json --seeds 2 --variants '" + variants + "' --out '" + out("a") + "'");
  EXPECT_EQ(twice.exit_code, 2) << twice.out;
  EXPECT_NE(twice.out.find("two variants are named \"a\""), std::string::npos) << twice.out;
  std::string policy = testing::read_file(src + "/scenarios/policies/health-gated-failover.json");
  const auto copy = (dir / "copy.json").string();
  std::ofstream(copy) << policy;
  auto same = failsim("run scenarios/failover.json --seeds 2 --policy scenarios/policies/health-gated-failover.json --policy '" +
                      copy + "' --out '" + out("p") + "'");
  EXPECT_EQ(same.exit_code, 2) << same.out;
  EXPECT_NE(same.out.find("two policies are named \"health-gated-failover\""), std::string::npos) << same.out;
  auto twice_scenario = failsim("run scenarios/failover.json " + scenario_copy("failover", "\"run_length\"", "\"run_length\"") +
                                " --seeds 2 --out '" + out("s") + "'");
  EXPECT_EQ(twice_scenario.exit_code, 2) << twice_scenario.out;
  EXPECT_NE(twice_scenario.out.find("two scenarios are named \"failover\""), std::string::npos) << twice_scenario.out;
}

// Trap 4: a per-seed time limit turns red with more seeds; a distribution expectation
// says what was meant. Both are reported with how many seeds broke them.
TEST_F(WhatIf, PerSeedVersusDistributionExpectations) {
  const std::string limit = "\"deploy_within\": \"10m\"";
  const auto per_seed = scenario_copy("failover", limit, "\"deploy_within\": \"3m30s\"");
  auto r = failsim("run " + per_seed + " --seeds 100 --out '" + out("s") + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("deploy_within 3m30s: (\\d+)/100 seeds failed"))) << r.out;
  const int broken = std::stoi(m[1]);
  EXPECT_GT(broken, 0);
  EXPECT_LT(broken, 50);
  const auto p50 = scenario_copy("failover", limit, "\"deploy_p50_within\": \"3m30s\", \"deploy_success_at_least\": \"95%\"");
  auto ok = failsim("run " + p50 + " --seeds 100 --out '" + out("d") + "'");
  EXPECT_EQ(ok.exit_code, 0) << ok.out;
  const auto p95 = scenario_copy("failover", limit, "\"deploy_p95_within\": \"3m30s\"");
  auto bad = failsim("run " + p95 + " --seeds 100 --out '" + out("e") + "'");
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  const json res = results("e");
  const json* s = row(res, "failover", "health-gated-failover");
  ASSERT_NE(s, nullptr);
  const std::string p95_text = reports::format_seconds((*s)["aggregate"]["deploy_seconds"]["p95"].get<double>());
  EXPECT_EQ((*s)["distribution_broken"], json::array({"deploy_p95_within 3m30s: was " + p95_text}));
}

// Trap 5, the SLO column: cancel_run does not start the detection clock, the scenario's
// scope leaves out what does not apply, deploy time is per request (not first trigger to
// last version), and each verdict shows the figure the neighbouring column shows.
TEST_F(WhatIf, SlosApplyWhereTheyApplyAndAgreeWithTheTable) {
  auto r = failsim("run scenarios/interruption-cancelled.json scenarios/concurrency.json scenarios/failover.json --seeds 20 "
                   "--policy scenarios/policies/paws360-as-built.json --policy scenarios/policies/health-gated-failover.json "
                   "--out '" + out("slo") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const json res = results("slo");
  for (const char* policy : {"paws360-as-built", "health-gated-failover"}) {
    const json& cancelled = (*row(res, "interruption-cancelled", policy))["aggregate"]["slo"];
    EXPECT_EQ(cancelled["SC-001"]["status"], "out_of_scope");
    EXPECT_EQ(cancelled["SC-003"]["status"], "not_applicable") << "cancel_run is not a fault an alert is about";
    EXPECT_FALSE((*row(res, "interruption-cancelled", policy))["runs"][0]["had_fault"].get<bool>());
    const json& conc = *row(res, "concurrency", policy);
    const double p50 = conc["aggregate"]["deploy_seconds"]["p50"];
    EXPECT_LT(p50, 600) << "each request's own trigger to landing, not first trigger to last version (31 m)";
    EXPECT_EQ(conc["aggregate"]["slo"]["SC-002"]["status"], "met");
    EXPECT_EQ(conc["aggregate"]["slo"]["SC-002"]["figure"],
              reports::format_seconds(p50) + " (p50 of " + std::to_string(conc["aggregate"]["deploy_seconds"]["count"].get<int>()) +
                  " landed)");
    for (const auto& s : res["scenarios"]) {
      if (s["policy"] != policy) continue;
      const std::string rate = reports::format_percent(s["aggregate"]["success_rate"].get<double>());
      if (s["aggregate"]["slo"]["SC-001"]["status"] != "out_of_scope") {
        EXPECT_EQ(s["aggregate"]["slo"]["SC-001"]["figure"].get<std::string>().rfind(rate, 0), 0u) << s["name"];
      }
    }
  }
  // As built, the failover alert fires at 5m15s: SC-003 is missed, and says by how much.
  EXPECT_EQ((*row(res, "failover", "paws360-as-built"))["aggregate"]["slo"]["SC-003"]["figure"], "0.0 % (0/20) within 5m00s");
  EXPECT_NE(r.out.find("➖ SC-001 out of scope"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace failsim
