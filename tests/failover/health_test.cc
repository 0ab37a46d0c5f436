// Health assessment under both shipped policies: every outcome of every check
// (value / mismatch / empty / error / stale check-in / resource thresholds) and what
// the policy makes of it (../shared/reference/paws360-as-built.md §2.2 table).
#include "failover/health.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/failover/policy_files.h"

namespace failsim::failover {
namespace {

using Q = QueryOutcome;

// As built, the plan is [preflight runner_status, gate runner_status, cpu, memory].
struct AsBuiltCase {
  const char* what;
  Q status;  // the same runner_status query answers preflight and gate
  Q cpu;
  bool healthy;
  const char* reason;   // substring of the first failing reason ("" if healthy)
  const char* warning;  // substring of a warning ("" if none)
};

TEST(HealthAsBuilt, EveryOutcomeOfTheReferenceTable) {
  const Policy p = load_shipped_policy("paws360-as-built.json");
  const AsBuiltCase cases[] = {
      {"series, value 1", Q::of_value(1), Q::of_value(12), true, "", ""},
      {"series, value 0", Q::of_value(0), Q::of_value(12), false, "preflight runner_status: value 0, expected == 1 -> fail", ""},
      {"no matching series", Q::empty(), Q::empty(), false, "preflight runner_status: no series matched", ""},
      {"curl fails: preflight passes with warning, gate fails", Q::failed("connection refused"), Q::failed("connection refused"),
       false, "gate runner_status: query failed (connection refused) -> fail", "preflight runner_status: query failed (connection refused) -> warn"},
      {"CPU above 90 only warns", Q::of_value(1), Q::of_value(95.5), true, "", "gate cpu: value 95.5, expected <= 90 -> warn"},
      {"CPU query error is ignored", Q::of_value(1), Q::failed("timeout"), true, "", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const auto plan = plan_checks(p, p.candidates[0], "Serotonin");
    ASSERT_EQ(plan.size(), 4u);
    EXPECT_EQ(plan[0].query, R"(runner_status{hostname="Serotonin",environment="production"})");
    const auto a = assess(p.candidates[0], plan, {c.status, c.status, c.cpu, Q::of_value(20)});
    EXPECT_EQ(a.healthy, c.healthy);
    if (*c.reason) {
      ASSERT_FALSE(a.reasons.empty());
      EXPECT_NE(a.reasons[0].find(c.reason), std::string::npos) << a.reasons[0];
    } else {
      EXPECT_TRUE(a.reasons.empty());
    }
    if (*c.warning) {
      ASSERT_EQ(a.warnings.size(), 1u);
      EXPECT_NE(a.warnings[0].find(c.warning), std::string::npos) << a.warnings[0];
    } else {
      EXPECT_TRUE(a.warnings.empty());
    }
  }
}

// Health-gated: [up, runner_status, cpu, memory, check_in_age].
struct GatedCase {
  const char* what;
  std::vector<Q> outcomes;
  bool healthy;
  const char* reason;
  std::size_t warnings;
};

TEST(HealthGated, VanishedSeriesIsUnhealthyNotUnknown) {
  const Policy p = load_shipped_policy("health-gated-failover.json");
  const Q ok = Q::of_value(1);
  const GatedCase cases[] = {
      {"all healthy", {ok, ok, Q::of_value(40), Q::of_value(50), Q::of_value(30)}, true, "", 0},
      {"scrape failing: up 0, series gone", {Q::of_value(0), Q::empty(), Q::empty(), Q::empty(), Q::empty()}, false, "gate up: value 0", 3},
      {"target unknown to Prometheus", {Q::empty(), Q::empty(), Q::empty(), Q::empty(), Q::empty()}, false, "gate up: no series matched", 3},
      {"runner service stopped", {ok, Q::of_value(0), Q::of_value(3), Q::of_value(10), Q::of_value(30)}, false, "gate runner_status: value 0", 0},
      {"runner series missing from a healthy scrape", {ok, Q::empty(), Q::of_value(3), Q::of_value(10), Q::of_value(30)}, false, "gate runner_status: no series matched", 0},
      {"Prometheus unreachable", {Q::failed("connect: connection refused"), Q::failed("x"), Q::failed("x"), Q::failed("x"), Q::failed("x")}, false, "gate up: query failed (connect: connection refused) -> fail", 0},
      {"CPU exhausted", {ok, ok, Q::of_value(97), Q::of_value(50), Q::of_value(30)}, false, "gate cpu: value 97, expected <= 90 -> fail", 0},
      {"memory exhausted", {ok, ok, Q::of_value(40), Q::of_value(91), Q::of_value(30)}, false, "gate memory: value 91, expected <= 90", 0},
      {"stale check-in", {ok, ok, Q::of_value(40), Q::of_value(50), Q::of_value(301)}, false, "gate check_in_age: value 301, expected <= 300", 0},
      {"check-in metric absent only warns", {ok, ok, Q::of_value(40), Q::of_value(50), Q::empty()}, true, "", 1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const auto plan = plan_checks(p, p.candidates[0], *p.candidates[0].hostname);
    ASSERT_EQ(plan.size(), 5u);
    EXPECT_EQ(plan[0].query, R"(up{job="github-runner-health",instance="serotonin:9102"})");
    EXPECT_EQ(plan[1].query, R"(runner_status{hostname="Serotonin",environment="production",authorized_for_prod="true"})");
    const auto a = assess(p.candidates[0], plan, c.outcomes);
    EXPECT_EQ(a.healthy, c.healthy);
    if (*c.reason) {
      ASSERT_FALSE(a.reasons.empty());
      EXPECT_NE(a.reasons[0].find(c.reason), std::string::npos) << a.reasons[0];
    }
    EXPECT_EQ(a.warnings.size(), c.warnings);
  }
}

TEST(Health, PlaceholdersAreFilledEverywhere) {
  Candidate c;
  c.name = "r1";
  c.instance = "h:9100";
  EXPECT_EQ(fill_placeholders("a{x=\"${hostname}\",y=\"${hostname}\",i=\"${instance}\",n=\"${name}\"}", c, "host"),
            "a{x=\"host\",y=\"host\",i=\"h:9100\",n=\"r1\"}");
}

}  // namespace
}  // namespace failsim::failover
