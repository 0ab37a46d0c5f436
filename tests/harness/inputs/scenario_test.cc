// The shipped scenarios under both policies (fixed seeds), the exact detection time of
// the exporter partition computed by hand, determinism across runs and thread counts,
// scenario-file errors, the secret check, and the run command's exit codes.
#include <gtest/gtest.h>

#include <filesystem>
#include <cmath>
#include <fstream>
#include <iterator>
#include <sstream>

#include "failover/policy.h"
#include "harness/inputs/inputs.h"
#include "harness/runs/run.h"
#include "harness/inputs/world_schedule.h"
#include "harness/inputs/scenario.h"
#include "harness/runs/suite.h"
#include "harness/inputs/world_file.h"
#include "sim/world.h"
#include "tests/world_fixture.h"
#include "tests/harness/process.h"
#include "tests/source_dir.h"

namespace failsim::harness {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

const char* kScenarios[] = {"healthy-primary", "failover", "concurrency", "interruption", "interruption-cancelled",
                            "serotonin-exporter-partition", "prometheus-down"};
const char* kPolicies[] = {"paws360-as-built", "health-gated-failover"};

struct Loaded {
  Scenario scenario;
  failover::Policy policy;
  std::vector<sim::prometheus::RuleGroupSpec> rules;
};

Loaded load(const std::string& scenario, const std::string& policy) {
  Loaded l;
  auto s = load_scenario(testing::kScenariosDir + scenario + ".json");
  EXPECT_TRUE(s.has_value()) << s.error();
  l.scenario = s.value();
  std::ifstream in(testing::kScenariosDir + "policies/" + policy + ".json");
  std::stringstream text;
  text << in.rdbuf();
  auto p = failover::parse_policy(text.str(), policy);
  EXPECT_TRUE(p.has_value()) << p.error();
  l.policy = p.value();
  auto r = sim::prometheus::load_rule_file(testing::kScenariosDir + "policies/" + l.policy.rule_file);
  EXPECT_TRUE(r.has_value()) << r.error();
  l.rules = r.value();
  return l;
}

RunResult run(const Loaded& l, std::uint64_t seed) { return run_scenario(RunInputs{&l.scenario, &l.policy, &l.rules}, seed); }

TEST(ShippedScenarios, MeetTheirExpectationsUnderBothPolicies) {
  for (const char* scenario : kScenarios) {
    for (const char* policy : kPolicies) {
      const Loaded l = load(scenario, policy);
      for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        const RunResult r = run(l, seed);
        std::string why;
        for (const auto& b : r.broken) why += b + "; ";
        EXPECT_TRUE(r.passed()) << scenario << " / " << policy << " seed " << seed << ": " << why;
      }
    }
  }
}

// The headline of the main job, pinned for fixed seeds.
TEST(ShippedScenarios, ExporterPartitionHeadline) {
  const Loaded built = load("serotonin-exporter-partition", "paws360-as-built");
  const Loaded gated = load("serotonin-exporter-partition", "health-gated-failover");
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const RunResult b = run(built, seed);
    EXPECT_FALSE(b.detection_seconds.has_value()) << "the documented runner_status == 0 alert never fires";
    // A deploy GitHub places on Serotonin fails at preflight; one placed on dell lands.
    if (b.outcome == "failed") {
      EXPECT_NE(b.deploys[0].diagnosis.find("preflight runner_status: no series matched"), std::string::npos)
          << b.deploys[0].diagnosis;
    } else {
      EXPECT_EQ(b.runner, "dell-r640-01-runner");
    }
    const RunResult g = run(gated, seed);
    EXPECT_EQ(g.outcome, "deployed");
    EXPECT_EQ(g.runner, "dell-r640-01-runner");
    EXPECT_EQ(g.final_version, "v1.3.0");
    ASSERT_TRUE(g.detection_seconds.has_value());
  }
}

// Detection time of the partition under the corrected rule, by hand:
//   fault at 5m (a multiple of the 15 s scrape interval), serotonin's scrapes start at
//   offset o + k * 15 s, so the first dropped scrape starts at 5m + o and its up = 0
//   (stamped 5m + o) becomes visible when the 10 s timeout expires, at 5m + o + 10 s.
//   Rules are evaluated every 15 s from 0: the first evaluation after that instant is
//   5m15s when o < 5 s, else 5m30s; RunnerScrapeDown (for: 2m) fires 2m later: 2m15s
//   after the fault when o < 5 s, 2m30s otherwise. Detection ends at the Alertmanager's
//   notification (paws360.json has one), group_wait (30 s) later: 2m45s or 3m00s.
TEST(ShippedScenarios, PartitionDetectionTimeMatchesTheArithmetic) {
  const Loaded gated = load("serotonin-exporter-partition", "health-gated-failover");
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    sim::World world(testing::paws360_world(seed));
    ASSERT_TRUE(world.start().has_value());
    const Duration o = world.prometheus().targets()[0].offset;
    ASSERT_EQ(world.prometheus().targets()[0].instance, "serotonin:9102");
    const double fired = o < seconds(5) ? 135.0 : 150.0;
    const RunResult g = run(gated, seed);
    ASSERT_TRUE(g.firing_seconds.has_value());
    EXPECT_EQ(*g.firing_seconds, fired) << "seed " << seed << ", offset " << o.count() << " us";
    EXPECT_EQ(g.detection_to, "notification");
    ASSERT_TRUE(g.detection_seconds.has_value());
    EXPECT_EQ(*g.detection_seconds, fired + 30.0) << "seed " << seed << ", offset " << o.count() << " us";
  }
}

// The Serotonin incident with an HTTP-level fault instead of the drop: from 5m serotonin's
// exporter is answered 503 (an http_status fault, e.g. a proxy in front of it). Each scrape
// fails at once (a round trip, not the 10 s timeout), so its up = 0 is visible at 5m + o +
// 2 ms and the first evaluation after it is 5m15s for every phase o (< 14.998 s):
// RunnerScrapeDown fires at 7m15s (135 s after the fault), the notification 30 s later.
// The gate sees serotonin down and deploys on dell; the as-built rule never fires.
TEST(ShippedScenarios, AnExporterAnswered503IsDetectedSoonerThanADroppedOne) {
  Loaded gated = load("serotonin-exporter-partition", "health-gated-failover");
  ASSERT_EQ(gated.scenario.faults.size(), 1u);
  auto f = parse_fault(R"({"kind": "http_status", "at": "5m", "from": "monitoring", "to": "serotonin", "port": 9102,
                           "status": 503})",
                       "test", gated.scenario);
  ASSERT_TRUE(f) << f.error();
  gated.scenario.faults = {f.value()};
  Loaded built = load("serotonin-exporter-partition", "paws360-as-built");
  built.scenario.faults = gated.scenario.faults;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    const RunResult g = run(gated, seed);
    ASSERT_TRUE(g.firing_seconds.has_value()) << "seed " << seed;
    EXPECT_EQ(*g.firing_seconds, 135.0) << "seed " << seed;
    EXPECT_EQ(g.detection_seconds, std::optional<double>(165.0)) << "seed " << seed;
    EXPECT_EQ(g.outcome, "deployed");
    ASSERT_FALSE(g.deploys.empty());
    EXPECT_EQ(g.deploys.back().runner, "dell-r640-01-runner");
    ASSERT_EQ(g.faults.size(), 1u);
    EXPECT_EQ(g.faults[0].what, "http_status 503 monitoring->serotonin:9102");
    const RunResult b = run(built, seed);
    EXPECT_FALSE(b.firing_seconds.has_value()) << "runner_status == 0 never fires: the series vanish";
  }
}

TEST(ScenarioFile, HttpStatusFaultsAreCheckedAndWrittenBack) {
  const Loaded l = load("serotonin-exporter-partition", "health-gated-failover");
  auto ok = parse_fault(R"({"kind": "http_status", "at": "1m", "for": "5m", "to": "serotonin", "port": 9102, "status": 429,
                            "probability": 0.5, "first": 7})",
                        "test", l.scenario);
  ASSERT_TRUE(ok) << ok.error();
  EXPECT_EQ(fault_to_json(ok.value()).dump(),
            R"({"kind":"http_status","at":"1m","for":"5m","to":"serotonin","port":9102,"status":429,"probability":0.5,"first":7})");
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"kind": "http_status", "to": "serotonin", "status": 200})", "/status"},
      {R"({"kind": "http_status", "to": "serotonin", "status": 599})", "/status: expected a 4xx or 5xx status Go's net/http names"},
      {R"({"kind": "http_status", "to": "github", "status": 502})", "/to: an http_status fault on GitHub: use github_degraded"},
      {R"({"kind": "http_status", "to": "nowhere"})", "/to: no host named \"nowhere\""},
      {R"({"kind": "http_status", "to": "serotonin", "port": 9999})", "/port: nothing listens on serotonin:9999"},
      {R"({"kind": "http_status", "to": "serotonin", "first": -1})", "/first"},
      {R"({"kind": "http_status", "to": "serotonin", "probability": 2})", "/probability"},
  };
  for (const auto& [text, error] : bad) {
    auto r = parse_fault(text, "test", l.scenario);
    ASSERT_FALSE(r) << text;
    EXPECT_NE(r.error().find(error), std::string::npos) << text << ": " << r.error();
  }
}

// The detection chain of the exporter partition, step by step, against the arithmetic:
// the first scrape of serotonin that starts after the fault (at 5m + its phase o)
// fails; its up = 0 sample (stamped at the scrape's start) is visible when it times
// out 10 s later; the next rule evaluation (every 15 s) finds RunnerScrapeDown
// pending; it fires 2m (its `for`) later; Alertmanager's group_wait (30 s) later the
// notification goes out (paws360.json's route: 30s / 5m / 4h).
TEST(ShippedScenarios, TheDetectionChainFromFaultToNotificationMatchesTheArithmetic) {
  const Loaded gated = load("serotonin-exporter-partition", "health-gated-failover");
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    sim::World world(testing::paws360_world(seed));
    ASSERT_TRUE(world.start().has_value());
    const double o = to_seconds(world.prometheus().targets()[0].offset);
    const RunResult g = run(gated, seed);
    ASSERT_TRUE(g.detection_chain.has_value()) << "seed " << seed;
    const auto& c = *g.detection_chain;
    EXPECT_EQ(c.fault, "partition monitoring->serotonin:9102");
    EXPECT_EQ(c.alert, "RunnerScrapeDown");
    EXPECT_EQ(c.fault_seconds, 300.0);
    ASSERT_TRUE(c.first_failed_scrape_seconds.has_value());
    EXPECT_NEAR(*c.first_failed_scrape_seconds, 300.0 + o, 1e-6) << "seed " << seed;
    const double pending = std::floor((300.0 + o + 10.0) / 15.0 + 1) * 15.0;
    ASSERT_TRUE(c.pending_seconds.has_value());
    EXPECT_EQ(*c.pending_seconds, pending) << "seed " << seed;
    EXPECT_EQ(c.firing_seconds, pending + 120.0);
    ASSERT_TRUE(c.notified_seconds.has_value());
    EXPECT_EQ(*c.notified_seconds, pending + 150.0);
    ASSERT_TRUE(g.notification_seconds.has_value());
    EXPECT_EQ(*g.notification_seconds, pending + 150.0 - 300.0);
    EXPECT_EQ(*g.firing_seconds, pending + 120.0 - 300.0);
    EXPECT_EQ(*g.detection_seconds, *g.notification_seconds) << "detection ends at the notification";
  }
}

// A Prometheus outage (1m-3m) before the partition (5m): the alert is about the
// partitioned target, so its chain starts at the partition, not at the outage.
TEST(ShippedScenarios, TheDetectionChainStartsAtTheFaultTheAlertIsAbout) {
  Loaded l = load("serotonin-exporter-partition", "health-gated-failover");
  FaultSpec outage;
  outage.kind = FaultSpec::Kind::kHostDown;
  outage.to = "monitoring";
  outage.at = std::chrono::minutes(1);
  outage.length = std::chrono::minutes(2);
  l.scenario.faults.insert(l.scenario.faults.begin(), outage);
  const RunResult r = run(l, 1);
  ASSERT_TRUE(r.detection_chain.has_value());
  EXPECT_EQ(r.detection_chain->fault, "partition monitoring->serotonin:9102");
  EXPECT_EQ(r.detection_chain->fault_seconds, 300.0);
  ASSERT_TRUE(r.notification_seconds.has_value());
  EXPECT_LT(*r.notification_seconds, 200.0) << "measured from the partition";
  EXPECT_EQ(r.detection_seconds, r.notification_seconds) << "detection is measured from the partition too";
  EXPECT_LT(*r.firing_seconds, *r.notification_seconds);
}

// A world without an Alertmanager: nobody is notified, detection ends at the alert
// firing (and results say so), from the same fault.
TEST(ShippedScenarios, WithoutAnAlertmanagerDetectionEndsAtFiring) {
  Loaded l = load("serotonin-exporter-partition", "health-gated-failover");
  l.scenario.world.alertmanager.reset();
  const RunResult r = run(l, 1);
  EXPECT_EQ(r.detection_to, "firing");
  EXPECT_FALSE(r.notification_seconds.has_value());
  ASSERT_TRUE(r.firing_seconds.has_value());
  EXPECT_EQ(r.detection_seconds, r.firing_seconds);
  const Loaded with = load("serotonin-exporter-partition", "health-gated-failover");
  EXPECT_EQ(run(with, 1).firing_seconds, r.firing_seconds) << "the Alertmanager does not move the alert";
}

TEST(Determinism, SameSeedSameTraceAndThreadCountDoesNotMatter) {
  const Loaded l = load("interruption", "health-gated-failover");
  const RunResult a = run(l, 7);
  const RunResult b = run(l, 7);
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_EQ(a.trace.size(), b.trace.size());
  EXPECT_NE(run(l, 8).trace_hash, a.trace_hash);
  SuiteOptions o;
  o.scenario_paths = {testing::kScenariosDir + "failover.json", testing::kScenariosDir + "concurrency.json"};
  o.policy_paths = {testing::kScenariosDir + "policies/paws360-as-built.json", testing::kScenariosDir + "policies/health-gated-failover.json"};
  o.seeds = 6;
  std::ostringstream sink;
  o.jobs = 1;
  const auto one = run_suite(o, sink);
  o.jobs = 2;
  const auto two = run_suite(o, sink);
  ASSERT_TRUE(one.has_value() && two.has_value());
  EXPECT_EQ(reports::results_json(one.value()), reports::results_json(two.value()));
}

TEST(ScenarioFiles, ErrorsNameTheFileAndTheJsonPointer) {
  const std::string good = testing::read_file(testing::kScenariosDir + "failover.json");
  struct Case {
    std::string from, to, message;
  };
  const Case cases[] = {
      {R"("at": "2m")", R"("at": "2 minutes")", R"(/faults/0/at: invalid duration "2 minutes")"},
      {R"("runner": "Serotonin-paws360")", R"("runner": "serotonin")", R"(/faults/0/runner: no runner named "serotonin" in the world)"},
      {R"("kind": "service_stop")", R"("kind": "service_stopp")", "/faults/0/kind: expected one of"},
      {R"("version": "v1.3.0")", R"("versoin": "v1.3.0")",
       R"(/workload/deploys/0/version: missing required field (a string) (the object has "versoin", not a known field: a typo?))"},
      {R"("outcome": "deployed", "runner": "dell-r640-01-runner", "alert_fires": true, "final_version")",
       R"("outcome": "landed", "runner": "dell-r640-01-runner", "alert_fires": true, "final_version")",
       R"(/expect/paws360-as-built/outcome: expected one of deployed, failed, rolled_back, cancelled, stuck, deployed_job_failed, got "landed")"},
      {R"("run_length": "1h")", R"("run_length": 3600)", "/run_length: expected a duration string"},
  };
  for (const auto& c : cases) {
    std::string text = good;
    const auto pos = text.find(c.from);
    ASSERT_NE(pos, std::string::npos) << c.from;
    text.replace(pos, c.from.size(), c.to);
    const auto r = parse_scenario(text, testing::kScenariosDir + "failover.json");
    ASSERT_FALSE(r.has_value()) << c.to;
    EXPECT_EQ(r.error().rfind(testing::kScenariosDir + "failover.json: /", 0), 0u) << r.error();
    EXPECT_NE(r.error().find(c.message), std::string::npos) << r.error();
  }
  const auto syntax = parse_scenario("{\n \"name\": \n}", "x.json");
  ASSERT_FALSE(syntax.has_value());
  EXPECT_NE(syntax.error().find("x.json: line 3, column 1: invalid JSON"), std::string::npos) << syntax.error();
}

class RunCommand : public ::testing::Test {
 protected:
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("failsim-run-" + std::to_string(::getpid()));
  void SetUp() override { std::filesystem::create_directories(dir); }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string write_scenario(const std::string& name, const std::string& from, const std::string& to) {
    std::string text = testing::read_file(testing::kScenariosDir + "failover.json");
    if (!from.empty()) text.replace(text.find(from), from.size(), to);
    // Keep the policy path valid from the temporary directory.
    text.replace(text.find("\"policies/"), 10, "\"" + testing::kScenariosDir + "policies/");
    text.replace(text.find("\"../worlds/"), 11, "\"" + testing::kScenariosDir + "../worlds/");
    text.replace(text.find("\"slos/"), 6, "\"" + testing::kScenariosDir + "slos/");
    const auto path = (dir / name).string();
    std::ofstream(path) << text;
    return path;
  }
  testing::CommandResult failsim(const std::string& args) {
    return testing::run_command("'" FAILSIM_BINARY "' " + args + " 2>&1");
  }
};

TEST_F(RunCommand, ExitCodesAndReports) {
  const auto good = write_scenario("good.json", "", "");
  auto r = failsim("run '" + good + "' --seeds 3 --out '" + (dir / "out").string() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  for (const char* f : {"results.json", "junit.xml", "summary.md"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / "out" / f)) << f;
    EXPECT_FALSE(std::filesystem::exists(dir / "out" / (std::string(f) + ".tmp"))) << "no half-written file left";
  }
  const std::string results = testing::read_file((dir / "out" / "results.json").string());
  EXPECT_NE(results.find("\"schema_version\": 2"), std::string::npos);
  EXPECT_NE(results.find("\"deploy_seconds\""), std::string::npos);

  r = failsim("run '" + good + "' --seeds 3 --jobs 2 --check-determinism --out '" + (dir / "det").string() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(testing::read_file((dir / "det" / "results.json").string()).find("\"deterministic\": true"), std::string::npos);

  const auto wrong = write_scenario("wrong.json", R"("runner": "dell-r640-01-runner", "alert_fires": true, "detection_within")",
                                    R"("runner": "Serotonin-paws360", "alert_fires": true, "detection_within")");
  r = failsim("run '" + wrong + "' --seeds 2 --out '" + (dir / "out2").string() + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  const std::string junit = testing::read_file((dir / "out2" / "junit.xml").string());
  EXPECT_NE(junit.find("<failure message=\"seed 1: runner: expected Serotonin-paws360, got dell-r640-01-runner"), std::string::npos)
      << junit;

  const auto bad = write_scenario("bad.json", R"("at": "2m")", R"("at": "2x")");
  r = failsim("run '" + bad + "' --out '" + (dir / "out3").string() + "'");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("/faults/0/at: invalid duration \"2x\""), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "out3" / "results.json")) << "nothing runs on bad input";
  r = failsim("validate '" + bad + "'");
  EXPECT_EQ(r.exit_code, 2);
  r = failsim("validate '" + good + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

// What-if: the as-built deploy logic with the corrected rule file (--rules) now raises
// an alert on the partition, which breaks the scenario's "alert_fires: false".
TEST_F(RunCommand, RulesOverrideIsAWhatIf) {
  const auto r = failsim("run '" + testing::kScenariosDir + "serotonin-exporter-partition.json' --policy '" + testing::kScenariosDir +
                         "policies/paws360-as-built.json' --rules '" + testing::kScenariosDir + "rules/runner-up-corrected.yml' --seeds 2 --out '" +
                         (dir / "whatif").string() + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("alert_fires: expected no alert, one fired"), std::string::npos) << r.out;
}

TEST_F(RunCommand, ASecretThatReachesAnOutputIsRedactedAndFailsTheRun) {
  // The runner's name is in every report, so using it as the "secret" must trip the check.
  const auto leaky = write_scenario("leaky.json", "\"run_length\": \"1h\",", "\"run_length\": \"1h\", \"secret\": \"dell-r640-01-runner\",");
  const auto r = failsim("run '" + leaky + "' --seeds 1 --out '" + (dir / "leak").string() + "'");
  EXPECT_EQ(r.exit_code, 1);
  for (const char* f : {"results.json", "junit.xml", "summary.md"}) {
    const std::string text = testing::read_file((dir / "leak" / f).string());
    EXPECT_EQ(text.find("dell-r640-01-runner"), std::string::npos) << f;
  }
  EXPECT_NE(testing::read_file((dir / "leak" / "results.json").string()).find("\"no_secret_in_output\": false"), std::string::npos);
}

}  // namespace
}  // namespace failsim::harness

namespace failsim::harness {
namespace {

// fault_to_json is the parser's inverse: every kind of fault, with every field it can
// carry set away from its default, is written, read back by parse_scenario, and
// comes back the same (what `failsim explore` relies on for its findings).
TEST(ScenarioFile, EveryFaultKindRoundTripsThroughItsJson) {
  auto fault = [](FaultSpec::Kind kind) {
    FaultSpec f;
    f.kind = kind;
    f.at = minutes(3) + seconds(15);
    f.length = minutes(7);
    return f;
  };
  std::vector<FaultSpec> faults;
  FaultSpec p = fault(FaultSpec::Kind::kPartition);
  p.from = "monitoring", p.to = "serotonin", p.port = 9102, p.mode = sim::FaultMode::kReject;
  p.flap_down = seconds(20), p.flap_up = seconds(40);
  faults.push_back(p);
  FaultSpec loss = fault(FaultSpec::Kind::kLoss);
  loss.to = "dell-r640-01", loss.probability = 0.25;
  faults.push_back(loss);
  FaultSpec latency = fault(FaultSpec::Kind::kLatency);
  latency.from = "serotonin", latency.to = "github", latency.port = 443, latency.added_latency = std::chrono::milliseconds(1500);
  faults.push_back(latency);
  FaultSpec host = fault(FaultSpec::Kind::kHostDown);
  host.to = "dell-r640-01", host.length = Duration(0);  // until the end of the run
  faults.push_back(host);
  FaultSpec host_of_runner = fault(FaultSpec::Kind::kHostDown);
  host_of_runner.runner = "$deploy", host_of_runner.flap_down = minutes(1), host_of_runner.flap_up = seconds(30);
  faults.push_back(host_of_runner);
  for (auto kind : {FaultSpec::Kind::kServiceStop, FaultSpec::Kind::kServiceCrash, FaultSpec::Kind::kExporterStop}) {
    FaultSpec r = fault(kind);
    r.runner = "Serotonin-paws360";
    faults.push_back(r);
  }
  FaultSpec resources = fault(FaultSpec::Kind::kResources);
  resources.runner = "dell-r640-01-runner", resources.cpu = 97.5, resources.memory = 88, resources.disk = 91;
  faults.push_back(resources);
  faults.push_back(fault(FaultSpec::Kind::kCancelRun));

  nlohmann::ordered_json doc = {{"scenario_version", 1}, {"world", "../worlds/paws360.json"}, {"name", "round-trip"},
                                {"policy", "policies/paws360-as-built.json"},
                                {"workload", {{"deploys", {{{"at", "5m"}, {"version", "v2"}}}}}}};
  for (const auto& f : faults) doc["faults"].push_back(fault_to_json(f));
  const auto parsed = parse_scenario(doc.dump(), testing::kScenariosDir + "round-trip.json");
  ASSERT_TRUE(parsed) << parsed.error();
  const auto& back = parsed.value().faults;
  ASSERT_EQ(back.size(), faults.size());
  for (std::size_t i = 0; i < faults.size(); ++i) {
    const FaultSpec& a = faults[i];
    const FaultSpec& b = back[i];
    SCOPED_TRACE(std::string(to_string(a.kind)) + " #" + std::to_string(i) + ": " + doc["faults"][i].dump());
    EXPECT_EQ(b.kind, a.kind);
    EXPECT_EQ(b.at, a.at);
    EXPECT_EQ(b.length, a.length);
    EXPECT_EQ(b.from, a.from);
    EXPECT_EQ(b.to, a.to);
    EXPECT_EQ(b.port, a.port);
    EXPECT_EQ(b.runner, a.runner);
    EXPECT_EQ(b.mode, a.mode);
    if (a.kind == FaultSpec::Kind::kLoss) {
      EXPECT_EQ(b.probability, a.probability);  // only loss has one
    }
    EXPECT_EQ(b.added_latency, a.added_latency);
    EXPECT_EQ(b.flap_down, a.flap_down);
    EXPECT_EQ(b.flap_up, a.flap_up);
    EXPECT_EQ(b.cpu, a.cpu);
    EXPECT_EQ(b.memory, a.memory);
    EXPECT_EQ(b.disk, a.disk);
  }
}

// The second shipped world, worlds/northwind.json: three runners, 30 s scrapes with
// Prometheus's own phases, a workflow-level concurrency group with queue: max and a
// deploy job that waits on an upstream build job.
const char* kNorthwindScenarios[] = {"healthy-primary", "failover", "concurrency", "interruption",
                                     "interruption-cancelled", "exporter-partition", "prometheus-down"};

TEST(SecondWorld, CounterpartsMeetTheirExpectationsUnderBothPolicies) {
  for (const char* scenario : kNorthwindScenarios) {
    for (const char* policy : {"northwind-gated", "northwind-in-job"}) {
      auto loaded = load_run(testing::kScenariosDir + "northwind/" + scenario + ".json", testing::kScenariosDir + "policies/" + policy + ".json", "");
      ASSERT_TRUE(loaded.has_value()) << loaded.error();
      const auto& l = loaded.value();
      for (std::uint64_t seed = 1; seed <= 3; ++seed) {
        const RunResult r = run_scenario(RunInputs{&l.scenario, &l.policy, &l.rules}, seed);
        std::string why;
        for (const auto& b : r.broken) why += b + "; ";
        EXPECT_TRUE(r.passed()) << scenario << " / " << policy << " seed " << seed << ": " << why;
      }
    }
  }
}

// queue: max at workflow level (reference A1): five dispatches within 80 s all wait and
// all deploy, in order; PAWS360's default queue cancels the superseded pending ones.
TEST(SecondWorld, QueueMaxReleasesEveryDeployInOrder) {
  auto loaded = load_run(testing::kScenariosDir + "northwind/concurrency.json", testing::kScenariosDir + "policies/northwind-gated.json", "");
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  const auto& l = loaded.value();
  const RunResult r = run_scenario(RunInputs{&l.scenario, &l.policy, &l.rules}, 1);
  ASSERT_EQ(r.deploys.size(), 5u);
  double last = 0;
  for (const auto& d : r.deploys) {
    EXPECT_EQ(d.outcome, "deployed") << d.version << ": " << d.diagnosis;
    ASSERT_TRUE(d.finished_seconds.has_value());
    EXPECT_GT(*d.finished_seconds, last) << d.version << " finished after the one dispatched before it";
    last = *d.finished_seconds;
  }
  auto paws = load_run(testing::kScenariosDir + "concurrency.json", testing::kScenariosDir + "policies/health-gated-failover.json", "");
  ASSERT_TRUE(paws.has_value());
  const RunResult p = run_scenario(RunInputs{&paws.value().scenario, &paws.value().policy, &paws.value().rules}, 1);
  int cancelled = 0;
  for (const auto& d : p.deploys) cancelled += d.outcome == "cancelled";
  EXPECT_GT(cancelled, 0) << "the default queue supersedes pending deploys";
}

// The upstream build job runs on the builder (runner group `builders`) before the deploy
// job is even queued.
TEST(SecondWorld, TheBuildJobRunsOnTheBuilderBeforeTheDeployJob) {
  auto loaded = load_run(testing::kScenariosDir + "northwind/healthy-primary.json", testing::kScenariosDir + "policies/northwind-gated.json", "");
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  const auto& l = loaded.value();
  const RunResult r = run_scenario(RunInputs{&l.scenario, &l.policy, &l.rules}, 2);
  std::int64_t build_started = -1, deploy_started = -1;
  for (const auto& e : r.trace) {
    if (e.category == "job" && e.name == "started" && e.detail == "build on builder") build_started = e.t_us;
    if (e.category == "job" && e.name == "started" && e.detail == "deploy-blue") deploy_started = e.t_us;
  }
  ASSERT_GE(build_started, 0);
  ASSERT_GE(deploy_started, 0);
  EXPECT_GE(deploy_started - build_started, 170'000'000) << "the build takes 2m50s-3m10s (worlds/northwind.json)";
}

// The build job's runner crashes for 10 s during the build: GitHub fails the job (lost
// communication), the run fails, and its deploy job never exists. The request is not
// lost: the gated policy re-dispatches (redispatch_on_lost) and the deploy lands (found
// by `failsim explore`: the orchestrator used to wait for a deploy job forever).
TEST(SecondWorld, ARunThatFailsInItsBuildJobIsRedispatchedNotLost) {
  auto loaded = load_run(testing::kScenariosDir + "northwind/healthy-primary.json", testing::kScenariosDir + "policies/northwind-gated.json", "");
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  auto l = std::move(loaded).value();
  FaultSpec crash;
  crash.kind = FaultSpec::Kind::kServiceCrash;
  crash.runner = "builder";
  crash.at = std::chrono::minutes(11);
  crash.length = std::chrono::seconds(10);
  l.scenario.faults.push_back(crash);
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    const RunResult r = run_scenario(RunInputs{&l.scenario, &l.policy, &l.rules}, seed);
    EXPECT_TRUE(r.invariants.at("no_request_lost")) << "seed " << seed;
    ASSERT_EQ(r.deploys.size(), 1u);
    EXPECT_EQ(r.deploys[0].outcome, "deployed") << "seed " << seed;
    bool build_failed = false, redispatched = false;
    for (const auto& e : r.trace) {
      if (e.category == "job" && e.name == "completed" && e.detail.rfind("build on builder: failure", 0) == 0) build_failed = true;
      if (build_failed && e.category == "deploy" && e.name == "dispatch") redispatched = true;
    }
    EXPECT_TRUE(build_failed) << "seed " << seed << ": the crash must hit the build";
    EXPECT_TRUE(redispatched) << "seed " << seed;
  }
}

// Detection of the partition by hand, from the phases `failsim schedule` prints:
//   the first scrape of rack1-a:9200 at or after the fault (5m) starts at t_s, the
//   first slot >= 5m with phase p; its up = 0 is visible after the 10 s timeout; the
//   group (phase q, every 30 s) first sees it at t_e, the first slot after t_s + 10 s;
//   RunnerTargetDown (for: 1m) fires at t_e + 60 s, t_e + 60 s - 5m after the fault;
//   detection ends group_wait (30 s) later, at the notification.
TEST(SecondWorld, PartitionDetectionTimeMatchesTheArithmeticOfPrometheusPhases) {
  auto loaded = load_run(testing::kScenariosDir + "northwind/exporter-partition.json", testing::kScenariosDir + "policies/northwind-gated.json", "");
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  const auto& l = loaded.value();
  auto schedule = world_schedule(l.scenario.world_file);
  ASSERT_TRUE(schedule.has_value());
  double p = -1;
  for (const auto& t : schedule.value()["targets"]) {
    if (t["instance"] == "rack1-a:9200") p = t["phase_seconds"].get<double>();
  }
  const double q = schedule.value()["rule_groups"][0]["phase_seconds"].get<double>();
  ASSERT_GE(p, 0);
  const double start = 1765486800.0;  // aligned to 30 s
  auto next_slot = [&](double at_or_after, double phase, bool strictly) {
    double t = start + phase;
    while (t < at_or_after || (strictly && t == at_or_after)) t += 30;
    return t;
  };
  const double t_s = next_slot(start + 300, p, false);
  const double t_e = next_slot(t_s + 10, q, true);
  const double fired = t_e + 60 - (start + 300);
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const RunResult r = run_scenario(RunInputs{&l.scenario, &l.policy, &l.rules}, seed);
    ASSERT_TRUE(r.firing_seconds.has_value());
    EXPECT_NEAR(*r.firing_seconds, fired, 1e-3) << "seed " << seed << ", phases " << p << " / " << q;
    // northwind.json's route: group_wait 30 s.
    ASSERT_TRUE(r.detection_seconds.has_value());
    EXPECT_NEAR(*r.detection_seconds, fired + 30, 1e-3) << "seed " << seed;
  }
}

}  // namespace
}  // namespace failsim::harness

namespace failsim::harness {
namespace {

// A rollback restores what production runs, not the previous request's version: here
// v1.3.0 is cancelled before its job starts (it never reaches production), then every
// attempt of v1.4.0 fails and the gated policy rolls back, to v1.2.3. Before the fix it
// "rolled back to v1.3.0", a version production never ran. Trigger and finish times are
// after the run's start, never negative.
TEST(Rollback, RestoresTheVersionProductionRunsNotTheLastRequested) {
  const std::string text = R"({
    "scenario_version": 1, "world": "../worlds/paws360.json", "name": "rollback-target",
    "policy": "policies/health-gated-failover.json",
    "workload": {"deploys": [{"at": "5m", "version": "v1.3.0"}, {"at": "8m", "version": "v1.4.0"}],
                 "attempt_failure_probability": 1.0},
    "faults": [{"kind": "cancel_run", "at": "5m500ms"}],
    "run_length": "2h"})";
  auto s = parse_scenario(text, testing::kScenariosDir + "rollback-target.json");
  ASSERT_TRUE(s.has_value()) << s.error();
  Loaded l = load("failover", "health-gated-failover");
  l.scenario = s.value();
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const RunResult r = run(l, seed);
    ASSERT_EQ(r.deploys.size(), 2u);
    EXPECT_EQ(r.deploys[0].outcome, "cancelled") << r.deploys[0].diagnosis;
    EXPECT_EQ(r.deploys[1].outcome, "rolled_back") << r.deploys[1].diagnosis;
    EXPECT_NE(r.deploys[1].diagnosis.find("rolled back to v1.2.3"), std::string::npos) << r.deploys[1].diagnosis;
    EXPECT_EQ(r.deploys[1].diagnosis.find("v1.3.0"), std::string::npos) << r.deploys[1].diagnosis;
    EXPECT_EQ(r.final_version, "v1.2.3");
    for (const auto& d : r.deploys) {
      ASSERT_TRUE(d.finished_seconds.has_value());
      EXPECT_GE(d.triggered_seconds, 0);
      EXPECT_GE(*d.finished_seconds, d.triggered_seconds);
    }
    EXPECT_DOUBLE_EQ(r.deploys[0].triggered_seconds, 300);
    EXPECT_DOUBLE_EQ(r.deploys[1].triggered_seconds, 480);
  }
}

}  // namespace
}  // namespace failsim::harness

namespace failsim::harness {
namespace {

// A deploy cancelled through the API and then re-run (POST .../runs/{id}/rerun): the new
// attempt's deploy job really runs through the world (queue, a runner, the deploy) as a
// deploy request of its own; before, it was attached to the finished request, never
// deployed and held its runner until the job timeout.
TEST(Rerun, ARerunAttemptDeploysThroughTheWorld) {
  Loaded l = load("healthy-primary", "health-gated-failover");
  std::int64_t cancelled_run = 0;
  Result<bool> rerun = Result<bool>::error("not asked");
  LiveHooks hooks;
  hooks.started = [&](LiveControl& control) {
    sim::World& w = control.world();
    const TimePoint start = w.spec().start;
    const TimePoint trigger = start + l.scenario.deploys.front().at;
    w.engine().schedule_at(trigger + std::chrono::seconds(20), [&w, &cancelled_run] {
      for (const auto& [id, run] : w.github().runs()) {
        if (run.status != sim::github::Status::kCompleted) cancelled_run = id;
      }
      if (cancelled_run != 0) w.github().cancel_run(cancelled_run);
    });
    w.engine().schedule_at(trigger + std::chrono::minutes(3), [&w, &cancelled_run, &rerun] { rerun = w.github().rerun_run(cancelled_run); });
    return Result<bool>::ok(true);
  };
  RunInputs in{&l.scenario, &l.policy, &l.rules};
  in.live = &hooks;
  const RunResult r = run_scenario(in, 3);
  ASSERT_NE(cancelled_run, 0);
  ASSERT_TRUE(rerun.has_value()) << rerun.error();
  ASSERT_EQ(r.deploys.size(), 2u);
  EXPECT_EQ(r.deploys[0].outcome, "cancelled") << r.deploys[0].diagnosis;
  EXPECT_EQ(r.deploys[1].version, "v1.3.0");
  EXPECT_EQ(r.deploys[1].outcome, "deployed") << r.deploys[1].diagnosis;
  EXPECT_FALSE(r.deploys[1].runner.empty());
  EXPECT_EQ(r.final_version, "v1.3.0");
  EXPECT_GE(r.deploys[1].triggered_seconds, 300 + 180);
  bool traced = false;
  for (const auto& e : r.trace) traced = traced || (e.category == "deploy" && e.name == "rerun");
  EXPECT_TRUE(traced);
}

// The Prometheus server's --query.* flags (reference B4: --query.timeout 2m,
// --query.lookback-delta 5m, --query.max-samples 50000000) and --rules.alert.* flags
// (2.42's cmd/prometheus/main.go: for-grace-period 10m, for-outage-tolerance 1h) are
// world parameters with those defaults; out-of-range values are input errors naming the field.
TEST(WorldFile, QueryFlagsDefaultToPrometheussAndCanBeSet) {
  const std::string path = std::string(FAILSIM_SOURCE_DIR) + "/worlds/northwind.json";
  std::ifstream in(path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto plain = parse_world(text, path);
  ASSERT_TRUE(plain) << plain.error();
  EXPECT_EQ(plain.value().spec.prometheus.query_timeout, minutes(2));
  EXPECT_EQ(plain.value().spec.prometheus.query.lookback_ms, 300'000);
  EXPECT_EQ(plain.value().spec.prometheus.query.max_samples, 50'000'000);
  EXPECT_EQ(plain.value().spec.prometheus.for_grace_period, minutes(10));
  EXPECT_EQ(plain.value().spec.prometheus.for_outage_tolerance, minutes(60));
  auto with = [&](const std::string& query, const std::string& key = "query") {
    std::string t = text;
    const auto at = t.find("\"scrape_configs\"");
    t.insert(at, "\"" + key + "\": " + query + ", ");
    return parse_world(t, path);
  };
  auto flags = with(R"({"for_grace_period": "7s", "for_outage_tolerance": "30m"})", "rules_alert");
  ASSERT_TRUE(flags) << flags.error();
  EXPECT_EQ(flags.value().spec.prometheus.for_grace_period, seconds(7));
  EXPECT_EQ(flags.value().spec.prometheus.for_outage_tolerance, minutes(30));
  flags = with(R"({"for_outage_tolerance": "0s"})", "rules_alert");
  ASSERT_FALSE(flags);
  EXPECT_NE(flags.error().find("/prometheus/rules_alert/for_outage_tolerance"), std::string::npos) << flags.error();
  auto set = with(R"({"timeout": "30s", "lookback_delta": "2m", "max_samples": 1000})");
  ASSERT_TRUE(set) << set.error();
  EXPECT_EQ(set.value().spec.prometheus.query_timeout, seconds(30));
  EXPECT_EQ(set.value().spec.prometheus.query.lookback_ms, 120'000);
  EXPECT_EQ(set.value().spec.prometheus.query.max_samples, 1000);
  auto bad = with(R"({"timeout": "0s"})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("/prometheus/query/timeout: must be greater than 0"), std::string::npos) << bad.error();
  bad = with(R"({"max_samples": 0})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("/prometheus/query/max_samples"), std::string::npos) << bad.error();
  bad = with(R"({"timout": "1m"})");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("timout"), std::string::npos) << bad.error();
}

}  // namespace
}  // namespace failsim::harness
