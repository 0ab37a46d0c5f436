// The game-day API of `failsim serve` (harness/live/gameday_api.h) and the live report it
// feeds: a hand fault is the same fault object as a scheduled one (model, trace, report),
// bad ones are 400s naming the field, DELETE ends one, and the report afterwards is
// right: the newest request's outcome, the alert the hand fault raised, the deploys that
// landed, no negative times, hand faults and API requests marked, a trace file.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

#include "harness/inputs/inputs.h"
#include "harness/runs/run.h"
#include "harness/live/serve.h"
#include "tests/harness/api_client.h"
#include "tests/harness/process.h"
#include "tests/source_dir.h"

namespace failsim::harness {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

using testing::source;

using testing::Answer;
using testing::call;
using testing::client_for;

// healthy-primary (one deploy at 5m) live at 300x, seed 1, with the seed's incident made
// by hand through the API at the start: Prometheus -> serotonin:9102 dropped.
TEST(GameDayApi, AHandFaultIsAFaultOfTheRunAndTheReportAfterwardsIsRight) {
  const auto dir = std::filesystem::temp_directory_path() / ("failsim-gameday-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  ServeOptions o;
  o.scenario_path = source("scenarios/healthy-primary.json");
  o.policy_path = source("scenarios/policies/health-gated-failover.json");
  o.speed = 300;
  o.out_dir = dir.string();
  std::promise<std::string> api_url;
  std::string control_url;
  o.on_ready = [&api_url, &control_url](const std::vector<fakes::Endpoint>& endpoints) {
    for (const auto& e : endpoints) {
      if (e.name == "control") control_url = e.url;
    }
    for (const auto& e : endpoints) {
      if (e.name == "api") api_url.set_value(e.url);
    }
  };
  std::vector<Answer> answers;
  std::thread client([&] {
    auto url = api_url.get_future();
    if (url.wait_for(30s) != std::future_status::ready) return;
    auto api = client_for(url.get());
    httplib::Client& c = *api;
    answers.push_back(call(c, "POST", "/api/faults", R"({"kind": "partition", "from": "monitoring", "to": "nowhere"})"));
    answers.push_back(call(c, "POST", "/api/faults", R"({"kind": "partition", "from": "monitoring", "to": "serotonin", "port": 9102})"));
    answers.push_back(call(c, "POST", "/api/faults", R"({"kind": "exporter_stop", "runner": "dell-r640-01-runner"})"));
    const int second = answers.back().body["fault"]["id"].get<int>();
    answers.push_back(call(c, "DELETE", "/api/faults/" + std::to_string(second)));
    answers.push_back(call(c, "DELETE", "/api/faults/" + std::to_string(second)));
    answers.push_back(call(c, "DELETE", "/api/faults/99"));
    answers.push_back(call(c, "GET", "/api/faults"));
    answers.push_back(call(c, "POST", "/api/faults", "{not json"));
    // A toxic by hand on the secondary's exporter proxy (1 ms of latency), then removed.
    auto control = client_for(control_url);
    answers.push_back(call(*control, "POST", "/proxies/exporter-dell-r640-01-runner/toxics",
                           R"({"name": "gd", "type": "latency", "attributes": {"latency": 1}})"));
    answers.push_back(call(*control, "DELETE", "/proxies/exporter-dell-r640-01-runner/toxics/gd"));
    // A version with an escape sequence (every summary prints it to a terminal) is refused.
    answers.push_back(call(c, "POST", "/api/deploys", R"({"version": "v1\u001b[2J"})"));
  });
  std::ostringstream out, err;
  const ServeOutcome live = run_serve(o, out, err);
  client.join();
  ASSERT_TRUE(live.result.has_value()) << err.str();
  ASSERT_EQ(answers.size(), 11u) << out.str();
  EXPECT_EQ(answers[8].status, 200);
  EXPECT_EQ(answers[9].status, 204);
  EXPECT_EQ(answers[10].status, 400);
  EXPECT_EQ(answers[10].body["error"], "POST /api/deploys: /version: byte 3 is a control character (0x1B)");
  // The API's answers.
  EXPECT_EQ(answers[0].status, 400);
  EXPECT_NE(answers[0].body["error"].get<std::string>().find("POST /api/faults: /to: no host named \"nowhere\""), std::string::npos)
      << answers[0].body;
  EXPECT_EQ(answers[1].status, 201) << answers[1].body;
  EXPECT_EQ(answers[1].body["fault"]["source"], "hand");
  EXPECT_EQ(answers[1].body["fault"]["end_seconds"], nullptr) << "no `for`: to the end of the run";
  EXPECT_EQ(answers[2].status, 201);
  EXPECT_EQ(answers[3].status, 200) << answers[3].body;
  EXPECT_TRUE(answers[3].body["fault"]["end_seconds"].is_number());
  EXPECT_EQ(answers[4].status, 409) << "already over";
  EXPECT_EQ(answers[5].status, 404);
  EXPECT_EQ(answers[6].status, 200);
  EXPECT_EQ(answers[6].body["faults"].size(), 2u);
  EXPECT_EQ(answers[7].status, 400);
  EXPECT_NE(answers[7].body["error"].get<std::string>().find("invalid JSON"), std::string::npos) << answers[7].body;

  // The run record: the fault went into the model (the alert on `up` fired and the
  // deploy went to the secondary), the trace and the report.
  const reports::RunResult& r = *live.result;
  ASSERT_EQ(r.faults.size(), 3u);
  EXPECT_EQ(r.faults[2].source, "proxy");
  EXPECT_EQ(r.faults[2].kind, "latency");
  EXPECT_TRUE(r.faults[2].end_seconds.has_value()) << "the toxic was removed";
  EXPECT_EQ(r.faults[0].source, "hand");
  EXPECT_EQ(r.faults[0].what, "partition monitoring->serotonin:9102 (by hand)");
  EXPECT_GE(r.faults[0].start_seconds, 0.0);
  ASSERT_TRUE(r.firing_seconds.has_value()) << "the alert the hand fault raised fired (was: \"never fired\")";
  ASSERT_TRUE(r.detection_chain.has_value());
  EXPECT_EQ(r.detection_chain->fault, "partition monitoring->serotonin:9102 (by hand)");
  EXPECT_EQ(r.outcome, "deployed");
  EXPECT_EQ(r.runner, "dell-r640-01-runner");
  int hand_lines = 0;
  for (const auto& e : r.trace) {
    if (e.category == "fault" && e.detail.find("(by hand)") != std::string::npos) ++hand_lines;
  }
  EXPECT_EQ(hand_lines, 3) << "two starts and the DELETE's end";
  for (const auto& d : r.deploys) {
    EXPECT_GE(d.triggered_seconds, 0.0);
    if (d.finished_seconds) {
      EXPECT_GE(*d.finished_seconds, d.triggered_seconds);
    }
  }
  const json results = json::parse(testing::read_file((dir / "results.json").string()));
  const json& run = results["scenarios"][0]["runs"][0];
  EXPECT_EQ(run["faults"][0]["source"], "hand");
  EXPECT_EQ(results["scenarios"][0]["aggregate"]["success_rate"], 1.0);
  const std::string summary = testing::read_file((dir / "summary.md").string());
  EXPECT_NE(summary.find("alert fired in 1/1 runs"), std::string::npos) << summary;
  EXPECT_NE(testing::read_file((dir / "report.html").string()).find("(by hand)"), std::string::npos);
  const json trace = json::parse(testing::read_file((dir / "trace.json").string()));
  EXPECT_GT(trace["traceEvents"].size(), 10u);
  std::filesystem::remove_all(dir);
}

// A REST dispatch before the scheduled trigger is added after it, but the scheduled
// one is the newest request: the run's outcome, runner and deploy time are its own
// (they came from the last request added).
TEST(GameDayReport, TheNewestRequestIsTheLastTriggeredNotTheLastAdded) {
  auto loaded = load_run(source("scenarios/healthy-primary.json"), source("scenarios/policies/health-gated-failover.json"), "");
  ASSERT_TRUE(loaded) << loaded.error();
  LiveHooks hooks;
  hooks.started = [](LiveControl& control) {
    control.trigger_deploy("v0.9-hotfix");  // at the run's start; the scheduled v1.3.0 comes at 5m
    return Result<bool>::ok(true);
  };
  const RunInputs in{&loaded.value().scenario, &loaded.value().policy, &loaded.value().rules, &hooks};
  const reports::RunResult r = run_scenario(in, 1);
  ASSERT_EQ(r.deploys.size(), 2u);
  EXPECT_EQ(r.deploys[0].version, "v1.3.0");
  EXPECT_EQ(r.deploys[0].source, "schedule");
  EXPECT_EQ(r.deploys[1].version, "v0.9-hotfix");
  EXPECT_EQ(r.deploys[1].source, "api");
  EXPECT_LT(r.deploys[1].triggered_seconds, r.deploys[0].triggered_seconds);
  ASSERT_TRUE(r.deploys[0].finished_seconds && r.deploy_seconds);
  EXPECT_EQ(*r.deploy_seconds, *r.deploys[0].finished_seconds - r.deploys[0].triggered_seconds);
  EXPECT_EQ(r.final_version, "v1.3.0");
  EXPECT_EQ(r.outcome, r.deploys[0].outcome);
}

// --warm-start: the APIs open on a world whose Prometheus has scraped every target and
// evaluated its rules (before, every gate failed "no series matched" for the first scrape
// interval), with virtual time reading the wall clock's now. --no-workload: no scheduled
// deploy; the only request is the client's, marked "api".
TEST(GameDayOptions, WarmStartOpensWithSeriesAndNoWorkloadLeavesDeploysToClients) {
  const auto dir = std::filesystem::temp_directory_path() / ("failsim-warm-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  ServeOptions o;
  o.scenario_path = source("scenarios/healthy-primary.json");
  o.speed = 1;
  o.out_dir = dir.string();
  o.warm_start = true;
  o.no_workload = true;
  const auto wall_ms = [] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  };
  o.start = TimePoint(std::chrono::milliseconds(wall_ms()));
  std::atomic<bool> stop{false};
  o.stop = &stop;
  std::promise<std::vector<fakes::Endpoint>> ready;
  o.on_ready = [&ready](const std::vector<fakes::Endpoint>& endpoints) { ready.set_value(endpoints); };
  Answer up, rules, clock, deploy;
  double opened_ms = 0;
  std::thread client([&] {
    auto f = ready.get_future();
    if (f.wait_for(30s) != std::future_status::ready) return;
    opened_ms = static_cast<double>(wall_ms());
    std::map<std::string, std::unique_ptr<httplib::Client>> c;
    for (const auto& e : f.get()) {
      c[e.name] = client_for(e.url);
    }
    up = call(*c["prometheus"], "GET", "/api/v1/query?query=up");
    rules = call(*c["prometheus"], "GET", "/api/v1/rules");
    clock = call(*c["prometheus"], "GET", "/api/v1/query?query=time()");
    deploy = call(*c["api"], "POST", "/api/deploys", R"({"version": "v7"})");
    stop = true;
  });
  std::ostringstream out, err;
  const ServeOutcome live = run_serve(o, out, err);
  client.join();
  ASSERT_TRUE(live.result.has_value()) << err.str();
  ASSERT_EQ(up.status, 200);
  EXPECT_EQ(up.body["data"]["result"].size(), 2u) << "both targets scraped before the first client: " << up.body;
  ASSERT_EQ(rules.status, 200);
  ASSERT_FALSE(rules.body["data"]["groups"].empty());
  for (const auto& g : rules.body["data"]["groups"]) {
    for (const auto& rule : g["rules"]) EXPECT_EQ(rule["health"], "ok") << rule["name"] << " evaluated before the APIs opened";
  }
  ASSERT_EQ(clock.status, 200);
  const double virtual_ms = 1000 * clock.body["data"]["result"][0].get<double>();
  EXPECT_NEAR(virtual_ms, opened_ms, 5'000) << "the clock reads the wall clock's now once the APIs open";
  EXPECT_EQ(deploy.status, 201) << deploy.body;
  const reports::RunResult& r = *live.result;
  ASSERT_EQ(r.deploys.size(), 1u) << "no scheduled deploy";
  EXPECT_EQ(r.deploys[0].version, "v7");
  EXPECT_EQ(r.deploys[0].source, "api");
  EXPECT_TRUE(r.broken.empty()) << "the scenario's expectations were about its own deploys";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace failsim::harness
