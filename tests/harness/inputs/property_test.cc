// Properties (harness/inputs/property.h): the file format and its errors, the judging of each
// condition on hand-made observations, and properties checked by real runs: the exporter
// partition and a crash loop under both policies, with the crash loop's timeline computed
// by hand.
#include <gtest/gtest.h>

#include <algorithm>

#include "harness/inputs/inputs.h"
#include "harness/inputs/property.h"
#include "harness/runs/run.h"
#include "tests/source_dir.h"

namespace failsim::harness {
namespace {

using json_fields::Fields;
using json_fields::json;
using std::chrono::minutes;
using std::chrono::seconds;


Property parse(const std::string& text) {
  const json j = json::parse(text);
  Fields f(j, "/properties/0");
  return read_property(f);
}

std::string parse_error(const std::string& text) {
  try {
    parse(text);
  } catch (const json_fields::Invalid& e) {
    return e.what();
  }
  return "";
}

TEST(Property, ReadsEachConditionAndWritesItBack) {
  const Property p = parse(R"({"name": "flap", "if": {"runner_down_fraction": 0.25, "over": "10m", "times": 3},
                                "then": {"alert_fires_within": "5m"}})");
  EXPECT_EQ(p.when, Property::When::kRunnerDownFraction);
  EXPECT_DOUBLE_EQ(p.fraction, 0.25);
  EXPECT_EQ(p.over, minutes(10));
  EXPECT_EQ(p.times, 3);
  EXPECT_EQ(p.within, minutes(5));
  // Round trip through the file format.
  const json written = property_json(p);
  Fields f(written, "");
  const Property q = read_property(f);
  EXPECT_EQ(q.name, "flap");
  EXPECT_EQ(q.times, 3);
  EXPECT_EQ(q.over, minutes(10));
  EXPECT_EQ(describe(q), "if a runner is down 25 % of some 10m in 3 or more outages, an alert about it fires within 5m");
  const Property d = parse(R"({"name": "d", "if": {"deploy_requested_while_runner_healthy": "2m"},
                                "then": {"deploy_lands_within": "20m"}})");
  EXPECT_EQ(d.when, Property::When::kDeployWithHealthyRunner);
  EXPECT_EQ(d.quiet_for, minutes(2));
  EXPECT_EQ(d.then, Property::Then::kDeployLandsWithin);
}

TEST(Property, ErrorsNameTheField) {
  EXPECT_EQ(parse_error(R"({"name": "x", "if": {}, "then": {"alert_fires_within": "1m"}})"),
            "/properties/0/if: expected exactly one of runner_down_for, runner_down_fraction (with over), "
            "deploy_requested_quiet_for, deploy_requested_while_runner_healthy");
  EXPECT_EQ(parse_error(R"({"name": "x", "if": {"runner_down_for": "5m"}, "then": {"deploy_lands_within": "1m"}})"),
            "/properties/0/then/deploy_lands_within: a runner condition takes \"then\": {\"alert_fires_within\": DURATION}");
  EXPECT_EQ(parse_error(R"({"name": "x", "if": {"runner_down_for": "5m", "over": "1m"}, "then": {"alert_fires_within": "1m"}})"),
            "/properties/0/if/over: \"over\" goes with runner_down_fraction");
  EXPECT_NE(parse_error(R"({"name": "x", "if": {"runner_down_for": "soon"}, "then": {"alert_fires_within": "1m"}})")
                .find("/properties/0/if/runner_down_for"),
            std::string::npos);
  EXPECT_NE(parse_error(R"({"name": "x", "if": {"runner_down_fraction": 1.5, "over": "10m"}, "then": {"alert_fires_within": "1m"}})")
                .find("/properties/0/if/runner_down_fraction"),
            std::string::npos);
  EXPECT_EQ(parse_error(R"({"name": "x", "if": {"runner_down_for": "5m"}, "then": {"alert_fires_within": "1m"}, "extra": 1})"),
            "/properties/0/extra: unknown field; expected one of: if, name, then");
}

// A runner with `samples` ('u', 'd', '?', 'h'), one every 5 s from 0.
PropertyObservations runner(const std::string& samples, std::vector<std::pair<Duration, Duration>> firing = {}) {
  PropertyObservations seen;
  seen.runners.push_back(PropertyObservations::Runner{"r1", true, std::vector<char>(samples.begin(), samples.end()), firing});
  seen.run_end = kPropertySampleEvery * static_cast<std::int64_t>(samples.size());
  return seen;
}

std::string repeat(char c, int n) { return std::string(static_cast<std::size_t>(n), c); }

TEST(Property, OutageNeedsAnAlertWithinItsWindow) {
  const Property p = parse(R"({"name": "o", "if": {"runner_down_for": "1m"}, "then": {"alert_fires_within": "2m"}})");
  // Down from 1m for 2m (24 samples), then up to 10m; no alert: a violation at 1m + 2m.
  const std::string s = repeat('u', 12) + repeat('d', 24) + repeat('u', 84);
  auto v = judge_properties({p}, runner(s));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].detail, "r1 was down from 1m for 2m, and no alert about it fired by 3m");
  // An alert firing from 2m59s: in time. From 3m01s: too late.
  EXPECT_TRUE(judge_properties({p}, runner(s, {{seconds(179), seconds(300)}})).empty());
  EXPECT_EQ(judge_properties({p}, runner(s, {{seconds(181), seconds(300)}})).size(), 1u);
  // An alert already firing when the outage starts counts too.
  EXPECT_TRUE(judge_properties({p}, runner(s, {{seconds(0), seconds(61)}})).empty());
  // 55 s down is not 1m: nothing to judge. Unknown ('?': Prometheus down) breaks a streak.
  EXPECT_TRUE(judge_properties({p}, runner(repeat('u', 12) + repeat('d', 11) + repeat('u', 100))).empty());
  EXPECT_TRUE(judge_properties({p}, runner(repeat('d', 8) + "?" + repeat('d', 8) + repeat('u', 100))).empty());
  // The run ends (at 2m55s) before 1m + 2m: not judged.
  EXPECT_TRUE(judge_properties({p}, runner(repeat('u', 12) + repeat('d', 23))).empty());
}

TEST(Property, FractionCountsSamplesAndSeparateOutages) {
  const Property p = parse(R"({"name": "f", "if": {"runner_down_fraction": 0.25, "over": "1m", "times": 3},
                               "then": {"alert_fires_within": "1m"}})");
  // 12 samples per window; need 3 down and 3 outages. "dud" x3 per 12: 6 down, 3 outages? No:
  // "d" "uu" repeated: 4 outages and 4 down per 12 samples.
  const std::string flap = repeat('u', 12) + [] { std::string x; for (int i = 0; i < 8; ++i) x += "duu"; return x; }() + repeat('u', 60);
  auto v = judge_properties({p}, runner(flap));
  ASSERT_EQ(v.size(), 1u);
  EXPECT_NE(v[0].detail.find("in 3 outages"), std::string::npos) << v[0].detail;
  // One outage of 30 s is 50 % of a minute but a single outage: not a flap.
  EXPECT_TRUE(judge_properties({p}, runner(repeat('u', 12) + repeat('d', 6) + repeat('u', 60))).empty());
  // An alert firing during the window counts.
  EXPECT_TRUE(judge_properties({p}, runner(flap, {{seconds(70), seconds(80)}})).empty());
}

// min_outage: an outage counts once it has lasted that long inside the window. Two 75 s
// outages and a 5 s blip (one sample: shorter than a 15 s scrape interval, so
// Prometheus may never see it) are three outages, but only two of at least 30 s.
TEST(Property, MinOutageLeavesOutBlipsShorterThanIt) {
  auto flap = [](const char* min_outage) {
    return parse(std::string(R"({"name": "f", "if": {"runner_down_fraction": 0.25, "over": "10m", "times": 3)") +
                 (min_outage ? std::string(R"(, "min_outage": ")") + min_outage + "\"" : "") +
                 R"(}, "then": {"alert_fires_within": "5m"}})");
  };
  const std::string s = repeat('u', 12) + repeat('d', 15) + repeat('u', 20) + repeat('d', 15) + repeat('u', 20) + "d" +
                        repeat('u', 200);  // 31 of 120 samples down: over 25 %
  const auto any = judge_properties({flap(nullptr)}, runner(s));
  ASSERT_EQ(any.size(), 1u);
  EXPECT_NE(any[0].detail.find("in 3 outages"), std::string::npos) << any[0].detail;
  EXPECT_TRUE(judge_properties({flap("30s")}, runner(s)).empty());
  // A third outage of 30 s counts: it reached 30 s (6 samples) inside the window.
  const std::string longer = repeat('u', 12) + repeat('d', 15) + repeat('u', 20) + repeat('d', 15) + repeat('u', 20) +
                             repeat('d', 6) + repeat('u', 200);
  const auto three = judge_properties({flap("30s")}, runner(longer));
  ASSERT_EQ(three.size(), 1u);
  EXPECT_NE(three[0].detail.find("in 3 outages"), std::string::npos) << three[0].detail;
  // Written back and described with it; longer than the window is an error.
  const Property q = flap("30s");
  EXPECT_EQ(property_json(q)["if"]["min_outage"], "30s");
  EXPECT_EQ(describe(q), "if a runner is down 25 % of some 10m in 3 or more outages of at least 30s, an alert about it "
                         "fires within 5m");
  EXPECT_EQ(parse_error(R"({"name": "x", "if": {"runner_down_fraction": 0.5, "over": "1m", "min_outage": "2m"},
                            "then": {"alert_fires_within": "1m"}})"),
            "/properties/0/if/min_outage: expected at most the window (over)");
}

TEST(Property, DeploysAreJudgedOnlyWhenTheirConditionHeld) {
  const Property quiet = parse(R"({"name": "q", "if": {"deploy_requested_quiet_for": "2m"}, "then": {"deploy_lands_within": "10m"}})");
  const Property healthy = parse(R"({"name": "h", "if": {"deploy_requested_while_runner_healthy": "1m"},
                                     "then": {"deploy_lands_within": "10m"}})");
  PropertyObservations seen = runner(repeat('h', 12 * 30));  // healthy for 30 minutes
  seen.deploys.push_back({minutes(5), minutes(8), false});   // ended at 8m without landing
  auto v = judge_properties({quiet, healthy}, seen);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].detail, "the deploy requested at 5m (no fault from 3m to 15m) ended at 8m without landing");
  EXPECT_EQ(v[1].detail, "the deploy requested at 5m (an authorized runner healthy from 4m to 15m) ended at 8m without landing");
  // A fault in the window lifts the quiet condition; a cancel_run lifts both.
  seen.faults.push_back({"partition", minutes(14), minutes(20)});
  v = judge_properties({quiet, healthy}, seen);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].property, "h");
  seen.faults.push_back({"cancel_run", minutes(6), minutes(6) + seconds(1)});
  EXPECT_TRUE(judge_properties({quiet, healthy}, seen).empty());
  // A runner that is up but not healthy (e.g. cpu above 90 %), or not authorized: no condition.
  PropertyObservations up = runner(repeat('u', 12 * 30));
  up.deploys.push_back({minutes(5), minutes(8), false});
  EXPECT_TRUE(judge_properties({healthy}, up).empty());
  PropertyObservations other = runner(repeat('h', 12 * 30));
  other.runners[0].authorized = false;
  other.deploys.push_back({minutes(5), minutes(8), false});
  EXPECT_TRUE(judge_properties({healthy}, other).empty());
  // Landed in time: fine; landed late: a violation.
  PropertyObservations late = runner(repeat('h', 12 * 30));
  late.deploys.push_back({minutes(5), minutes(14), true});
  EXPECT_TRUE(judge_properties({healthy}, late).empty());
  late.deploys[0].done = minutes(16);
  ASSERT_EQ(judge_properties({healthy}, late).size(), 1u);
  // A request superseded by a later one (a concurrency group cancels it) is not judged.
  PropertyObservations superseded = runner(repeat('h', 12 * 30));
  superseded.deploys.push_back({minutes(1), minutes(2), false});
  superseded.deploys.push_back({minutes(1) + seconds(30), minutes(6), true});
  EXPECT_TRUE(judge_properties({healthy}, superseded).empty());
  // A request while another is in flight is not judged.
  PropertyObservations two = runner(repeat('h', 12 * 30));
  two.deploys.push_back({minutes(1), minutes(8), true});
  two.deploys.push_back({minutes(2), minutes(20), true});
  EXPECT_TRUE(judge_properties({healthy}, two).empty());
}

struct Loaded {
  LoadedRun run;
  Expectations expect;
};

Loaded load(const std::string& scenario, const std::string& policy) {
  auto r = load_run(testing::kScenariosDir + scenario, testing::kScenariosDir + "policies/" + policy + ".json", "", false);
  EXPECT_TRUE(r) << r.error();
  return Loaded{r.value(), {}};
}

reports::RunResult run(Loaded& l, std::uint64_t seed) {
  RunInputs in{&l.run.scenario, &l.run.policy, &l.run.rules, nullptr, &l.expect, nullptr};
  return run_scenario(in, seed);
}

const std::vector<Property> kOutageAndFlap = {
    parse(R"({"name": "outage", "if": {"runner_down_for": "5m"}, "then": {"alert_fires_within": "7m"}})"),
    parse(R"({"name": "flap", "if": {"runner_down_fraction": 0.25, "over": "10m", "times": 3}, "then": {"alert_fires_within": "5m"}})")};

// The Serotonin partition (serotonin-exporter-partition.json; monitoring -> serotonin:9102
// dropped from 5m on, for good): the as-built rule on runner_status cannot fire, the
// corrected rule on `up` can.
TEST(Property, TheExporterPartitionBreaksTheOutagePropertyOnlyUnderTheAsBuiltRules) {
  for (const std::string policy : {"paws360-as-built", "health-gated-failover"}) {
    Loaded l = load("serotonin-exporter-partition.json", policy);
    l.expect.properties = kOutageAndFlap;
    const auto r = run(l, 1);
    if (policy == "paws360-as-built") {
      EXPECT_EQ(r.failed_properties, std::vector<std::string>{"outage"});
      ASSERT_FALSE(r.broken.empty());
      EXPECT_EQ(r.broken.back(), "property outage: Serotonin-paws360 was down from 5m for 1h55m5s, and no alert about it fired by 12m")
          << r.broken.back();
    } else {
      EXPECT_TRUE(r.failed_properties.empty()) << r.broken.front();
    }
  }
}

// A crash loop: the runner service on Serotonin crashes at 20m, is restarted 20 s later,
// runs 40 s, crashes again, ... until 30m (10 outages). Prometheus scrapes every 15 s and
// the as-built RunnerOffline needs runner_status == 0 for 5m: at most 20 s of zeros at a
// time, so it goes pending and back, never firing (by hand: a 20 s outage holds 1 or 2
// scrapes). The corrected rules' avg_over_time(runner_status[10m]) < 0.8 fires.
TEST(Property, ACrashLoopKeepsTheAsBuiltAlertPendingAndBreaksTheFlapProperty) {
  for (const std::string policy : {"paws360-as-built", "health-gated-failover"}) {
    Loaded l = load("healthy-primary.json", policy);
    FaultSpec f;
    f.kind = FaultSpec::Kind::kServiceCrash;
    f.runner = "Serotonin-paws360";
    f.at = minutes(20);
    f.length = minutes(10);
    f.flap_down = seconds(20);
    f.flap_up = seconds(40);
    l.run.scenario.faults = {f};
    l.expect.properties = kOutageAndFlap;
    const auto r = run(l, 3);
    int pending = 0, firing = 0, starts = 0;
    for (const auto& e : r.trace) {
      if (e.category == "alert" && e.name == "RunnerOffline") {
        pending += e.detail.rfind("inactive->pending", 0) == 0 ? 1 : 0;
        firing += e.detail.rfind("pending->firing", 0) == 0 ? 1 : 0;
      }
      starts += e.category == "fault" && e.name == "start" ? 1 : 0;
    }
    EXPECT_EQ(starts, 1);  // one fault; its flaps are not separate faults
    if (policy == "paws360-as-built") {
      EXPECT_EQ(firing, 0);
      EXPECT_GE(pending, 9);  // one per outage (an outage between two scrapes is missed)
      EXPECT_EQ(r.failed_properties, std::vector<std::string>{"flap"});
    } else {
      EXPECT_TRUE(r.failed_properties.empty()) << (r.broken.empty() ? "" : r.broken.front());
    }
  }
}

TEST(Property, ScenarioExpectationsCarryProperties) {
  Loaded l = load("serotonin-exporter-partition.json", "paws360-as-built");
  const std::string text = R"({"scenario_version": 1, "world": "../worlds/paws360.json", "name": "p",
    "policy": "policies/paws360-as-built.json", "workload": {"deploys": [{"at": "5m", "version": "v2"}]},
    "expect": {"*": {"properties": [
      {"name": "a", "if": {"runner_down_for": "5m"}, "then": {"alert_fires_within": "7m"}},
      {"name": "a", "if": {"runner_down_for": "1m"}, "then": {"alert_fires_within": "7m"}}]}}})";
  const auto r = parse_scenario(text, testing::kScenariosDir + "p.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), testing::kScenariosDir + "p.json: /expect/*/properties/1/name: a second property named \"a\"");
  const std::string flap = R"({"scenario_version": 1, "world": "../worlds/paws360.json", "name": "p",
    "policy": "policies/paws360-as-built.json", "workload": {"deploys": [{"at": "5m", "version": "v2"}]},
    "faults": [{"kind": "service_stop", "at": "1m", "runner": "Serotonin-paws360", "flap_down": "20s"}]})";
  const auto f = parse_scenario(flap, testing::kScenariosDir + "p.json");
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error(), testing::kScenariosDir + "p.json: /faults/0/flap_up: a flapping fault needs both flap_down and flap_up above 0s");
}

}  // namespace
}  // namespace failsim::harness
