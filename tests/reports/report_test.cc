// The report writers over plain data: nearest-rank percentiles, SLO verdicts, the
// results.json contract, JUnit failures naming the seed, XML escaping, Markdown.
#include "reports/report.h"
#include "reports/compare.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace failsim::reports {
namespace {

RunResult run(std::uint64_t seed, const std::string& outcome, std::optional<double> deploy, std::optional<double> detection) {
  RunResult r;
  r.scenario = "s";
  r.policy = "p";
  r.seed = seed;
  r.outcome = outcome;
  r.deploy_seconds = deploy;
  r.detection_seconds = detection;
  r.had_fault = true;
  r.invariants = {{"single_mutator", true}, {"no_secret_in_output", true}};
  return r;
}

TEST(Percentiles, NearestRankOverNonNullValues) {
  std::vector<std::optional<double>> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  v.push_back(std::nullopt);
  const auto p = percentiles(v);
  EXPECT_EQ(p.count, 100u);
  EXPECT_EQ(p.nulls, 1u);
  EXPECT_EQ(p.p50, 50);
  EXPECT_EQ(p.p95, 95);
  EXPECT_EQ(p.p99, 99);
  EXPECT_EQ(p.max, 100);
  EXPECT_EQ(percentiles({3.0}).p99, 3.0);
  EXPECT_EQ(percentiles({}).count, 0u);
}

std::string status(const Aggregate& a, const std::string& id) {
  for (const auto& v : a.slos) {
    if (v.id == id) return v.status;
  }
  return "absent";
}

TEST(Aggregate, SloVerdictsCarryTheFigureTheyWereJudgedOn) {
  std::vector<RunResult> runs;
  for (int i = 0; i < 19; ++i) runs.push_back(run(i, "deployed", 300, 120));
  runs.push_back(run(19, "failed", std::nullopt, 400));
  Aggregate a = aggregate(runs);
  EXPECT_DOUBLE_EQ(a.success_rate, 0.95);
  EXPECT_EQ(status(a, "SC-001"), "met");
  EXPECT_EQ(a.slos[0].figure, "95.0 % (19/20)");
  EXPECT_EQ(status(a, "SC-002"), "met");
  EXPECT_EQ(a.slos[1].figure, "5m00s (p50 of 19 landed)") << "the failed run is SC-001's, not in the median";
  EXPECT_EQ(status(a, "SC-003"), "met") << "19 of 20 within 5 min is 95 %";
  runs[0].detection_seconds.reset();
  a = aggregate(runs);
  EXPECT_EQ(status(a, "SC-003"), "missed");
  EXPECT_EQ(a.slos[2].figure, "90.0 % (18/20) within 5m00s");
  runs[1].invariants["no_secret_in_output"] = false;
  EXPECT_EQ(status(aggregate(runs), "SC-004"), "missed");
  for (auto& r : runs) r.deploy_seconds = 700;
  EXPECT_EQ(status(aggregate(runs), "SC-002"), "missed");
  // Applicability: no clock-starting fault -> SC-003 not applicable; nothing landed ->
  // SC-002 not judged; a scenario's scope leaves the rest out.
  for (auto& r : runs) {
    r.had_fault = false;
    r.outcome = "failed";
  }
  a = aggregate(runs, builtin_slos(), std::vector<std::string>{"SC-001", "SC-002", "SC-003"});
  EXPECT_EQ(status(a, "SC-001"), "missed");
  EXPECT_EQ(status(a, "SC-002"), "not_judged");
  EXPECT_EQ(status(a, "SC-003"), "not_applicable");
  EXPECT_EQ(status(a, "SC-004"), "out_of_scope");
}

TEST(Writers, ResultsJsonJunitAndMarkdown) {
  SuiteReport suite;
  suite.failsim_version = "9.9.9";
  ScenarioReport s;
  s.name = "exporter <partition> & co";
  s.policy = "p";
  s.file = "x.json";
  s.runs = {run(1, "deployed", 200, 150), run(2, "failed", std::nullopt, std::nullopt)};
  s.runs[1].broken = {"outcome: expected deployed, got failed"};
  s.passed = false;
  s.aggregate = aggregate(s.runs);
  suite.scenarios.push_back(s);
  const auto j = nlohmann::json::parse(results_json(suite));
  EXPECT_EQ(j["schema_version"], 2);
  EXPECT_EQ(j["failsim_version"], "9.9.9");
  const auto& sc = j["scenarios"][0];
  EXPECT_EQ(sc["seeds"], 2);
  EXPECT_FALSE(sc["passed"].get<bool>());
  EXPECT_EQ(sc["runs"][0]["deploy_seconds"], 200.0);
  EXPECT_TRUE(sc["runs"][1]["deploy_seconds"].is_null());
  EXPECT_EQ(sc["aggregate"]["deploy_seconds"]["nulls"], 1);
  EXPECT_EQ(sc["aggregate"]["success_rate"], 0.5);
  for (const char* k : {"seed", "outcome", "runner", "final_version", "detection_seconds", "noticed_seconds",
                        "failover_seconds", "deploy_seconds", "attempts", "invariants"}) {
    EXPECT_TRUE(sc["runs"][0].contains(k)) << k;
  }
  const std::string junit = junit_xml(suite);
  EXPECT_NE(junit.find("failures=\"1\""), std::string::npos);
  EXPECT_NE(junit.find("exporter &lt;partition&gt; &amp; co"), std::string::npos);
  EXPECT_NE(junit.find("seed 2: outcome: expected deployed, got failed"), std::string::npos) << junit;
  EXPECT_NE(junit.find("failsim replay x.json --seed 2"), std::string::npos) << junit;
  const std::string md = summary_md(suite);
  EXPECT_NE(md.find("❌ FAIL"), std::string::npos);
  EXPECT_NE(md.find("## Broken expectations"), std::string::npos);
  EXPECT_EQ(summary_md(suite), md) << "a pure function";
  // The footnote says where detection ends as the column does: at the notification.
  EXPECT_NE(md.find("to Alertmanager's first notification of that alert where the world has an Alertmanager, else to the "
                    "alert firing"), std::string::npos) << md;
  EXPECT_EQ(md.find("to the first alert firing (runs where one fired)"), std::string::npos) << md;
}

TEST(Writers, ChromeTraceIsValidJson) {
  RunResult r = run(3, "deployed", 1, 1);
  r.trace = {{1000, "fault", "start", "partition"}, {2000, "alert", "RunnerScrapeDown", "inactive->pending"}};
  const auto j = nlohmann::json::parse(chrome_trace(r));
  ASSERT_TRUE(j["traceEvents"].is_array());
  EXPECT_EQ(j["traceEvents"][0]["ts"], 1000);
  EXPECT_EQ(j["traceEvents"][0]["ph"], "i");
  EXPECT_EQ(j["metadata"]["seed"], 3);
}

// --fail-on amounts strtod would read as NaN or infinity, or a rate tolerance over 100 %,
// switched the CI gate off silently; each is now refused naming the item.
TEST(FailOn, NonFiniteOrImpossibleTolerancesAreRefused) {
  for (const std::string bad : {"deploy_p50:+nans", "deploy_p50:+infs", "deploy_p50:+1e309s", "deploy_success:-200%",
                                "deploy_success:-nan%", "attempts_mean:+inf", "attempts_mean:+0x10", "alert_fired:-1e400%"}) {
    const auto r = parse_fail_on(bad);
    ASSERT_FALSE(r) << bad << " was accepted";
    EXPECT_NE(r.error().find("--fail-on " + bad + ":"), std::string::npos) << r.error();
  }
  const auto good = parse_fail_on("deploy_p50:+1m30s,deploy_success:-100%,attempts_mean:+0.5");
  ASSERT_TRUE(good) << good.error();
  ASSERT_EQ(good.value().size(), 3u);
  EXPECT_DOUBLE_EQ(good.value()[0].amount, 90.0);
  EXPECT_DOUBLE_EQ(good.value()[1].amount, 1.0);
}

}  // namespace
}  // namespace failsim::reports
