// Game-day plans (harness/inputs/gameday_plan.h) and their checkpoints (harness/inputs/checkpoint.h):
//  - the same plan live (`failsim serve`/`gameday` at 600x) and offline (`failsim run`)
//    gets the same scorecard, on PAWS360 and on Northwind;
//  - the judge: deadlines, `after`, `within`, `never` on an unhealthy runner, each as a
//    pass/fail with the time met and what was seen;
//  - bad plans are errors naming the file and the field (exit 2), and `failsim gameday`
//    refuses a plain scenario.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/inputs/checkpoint.h"
#include "harness/inputs/gameday_plan.h"
#include "harness/inputs/inputs.h"
#include "harness/runs/run.h"
#include "harness/live/serve.h"
#include "tests/harness/process.h"
#include "tests/source_dir.h"

namespace failsim::harness {
namespace {

using testing::kSource;

std::string scorecard_text(const std::vector<reports::CheckpointResult>& card) {
  std::ostringstream s;
  for (const auto& c : card) {
    s << c.name << " | " << (c.passed ? "pass" : "FAIL") << " | " << (c.met_seconds ? std::to_string(*c.met_seconds) : "-") << " | "
      << c.detail << "\n";
  }
  return s.str();
}

class PlanLiveAndOffline : public ::testing::TestWithParam<std::string> {};

TEST_P(PlanLiveAndOffline, GiveTheSameScorecard) {
  const std::string plan = kSource + "/scenarios/gamedays/" + GetParam();
  auto loaded = load_run(plan, "", "");
  ASSERT_TRUE(loaded) << loaded.error();
  LoadedRun run = std::move(loaded).value();
  ASSERT_EQ(run.scenario.checkpoints.size(), 5u);
  RunInputs in{&run.scenario, &run.policy, &run.rules};
  const RunResult offline = run_scenario(in, 1);
  ASSERT_EQ(offline.scorecard.size(), 5u);
  for (const auto& c : offline.scorecard) EXPECT_TRUE(c.passed) << c.name << ": " << c.detail;
  EXPECT_TRUE(offline.passed());

  const auto dir = std::filesystem::temp_directory_path() / ("failsim-plan-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  ServeOptions o;
  o.scenario_path = plan;
  o.speed = 600;  // 30 minutes in 3 s
  o.out_dir = dir.string();
  o.plan_required = true;
  o.command = "failsim gameday";
  std::ostringstream out, err;
  const ServeOutcome live = run_serve(o, out, err);
  ASSERT_TRUE(live.result.has_value()) << err.str();
  EXPECT_EQ(live.exit_code, 0) << out.str();
  EXPECT_EQ(scorecard_text(live.result->scorecard), scorecard_text(offline.scorecard));
  EXPECT_NE(out.str().find("scorecard: 5/5 checkpoints held"), std::string::npos) << out.str();
  // The scorecard is in the live report too.
  const std::string summary = testing::read_file((dir / "summary.md").string());
  EXPECT_NE(summary.find("## Game-day scorecards"), std::string::npos);
  EXPECT_NE(testing::read_file((dir / "report.html").string()).find("<caption>Game-day scorecard</caption>"), std::string::npos);
  EXPECT_NE(testing::read_file((dir / "results.json").string()).find("\"scorecard\""), std::string::npos);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(BothWorlds, PlanLiveAndOffline,
                         ::testing::Values("exporter-partition-drill.json", "northwind-exporter-drill.json"),
                         [](const auto& info) { return info.param.find("northwind") == 0 ? std::string("Northwind") : std::string("Paws360"); });

// The judge on observations made by hand (the run's start at 0).
TEST(Checkpoints, DeadlinesAfterWithinAndNeverArePassFailWithTheTimeMet) {
  using reports::TraceEvent;
  const std::vector<TraceEvent> trace = {
      {5'000'000, "scrape", "a:9100", "down: context deadline exceeded"},
      {60'000'000, "alert", "Down", "inactive->pending a:9100"},
      {120'000'000, "alert", "Down", "pending->firing a:9100"},
      {400'000'000, "alert", "Down", "firing->inactive a:9100"},
      {500'000'000, "alert", "Down", "pending->firing b:9100"},
  };
  std::vector<reports::DeployResult> deploys(2);
  deploys[0] = {"v2", "deployed", "deployed v2 on r2", "r2", 1, 700.0, 100.0, "schedule"};
  deploys[1] = {"v3", "failed", "no healthy runner", "", 0, 900.0, 800.0, "schedule"};
  CheckpointObservations seen;
  seen.trace = &trace;
  seen.deploys = &deploys;
  seen.notifications = {{150.0, {"Down"}}};
  seen.attempts = {{100.0, "r2", 'h'}, {300.0, "r1", 'd'}};
  seen.run_end = 1000;
  auto cp = [](const std::string& json_text) {
    const auto j = json_fields::json::parse(json_text);
    json_fields::Fields f(j, "");
    return read_checkpoint(f);
  };
  const auto card = judge_checkpoints(
      {cp(R"({"alert_firing": "Down", "by": "3m"})"), cp(R"({"alert_firing": "Down", "by": "1m"})"),
       cp(R"({"alert_firing": "Down", "after": "5m"})"), cp(R"({"alert_firing": "Down", "instance": "c:9100"})"),
       cp(R"({"alert_notified": "Down", "by": "2m30s"})"), cp(R"({"target_down": "a:9100", "by": "10s"})"),
       cp(R"({"deploy_lands": {"runner": "r2"}, "within": "10m"})"), cp(R"({"deploy_lands": {"runner": "r2"}, "within": "5m"})"),
       cp(R"({"deploy_lands": {"version": "v3"}})"), cp(R"({"never": "deploy_on_unhealthy_runner"})")},
      seen);
  ASSERT_EQ(card.size(), 10u);
  EXPECT_TRUE(card[0].passed);
  EXPECT_EQ(card[0].met_seconds, 120.0);
  EXPECT_EQ(card[0].text, "by T+3m the Down alert is firing");
  EXPECT_FALSE(card[1].passed) << "fired at 2m, the deadline was 1m";
  EXPECT_EQ(card[1].detail, "Down firing for a:9100 at T+2m00s, after the deadline T+1m");
  EXPECT_EQ(card[2].met_seconds, 500.0) << "only firings from T+5m count";
  EXPECT_FALSE(card[3].passed);
  EXPECT_EQ(card[3].detail, "missed: never happened by the run's end (T+16m40s)");
  EXPECT_TRUE(card[4].passed);
  EXPECT_EQ(card[4].met_seconds, 150.0);
  EXPECT_TRUE(card[5].passed);
  EXPECT_EQ(card[5].met_seconds, 5.0);
  EXPECT_TRUE(card[6].passed) << card[6].detail;
  EXPECT_EQ(card[6].detail, "v2 landed on r2 10m00s after its request at T+11m40s");
  EXPECT_FALSE(card[7].passed) << "it took 10m, not within 5m";
  EXPECT_NE(card[7].detail.find("v2 landed on r2 10m00s after its request"), std::string::npos) << card[7].detail;
  EXPECT_FALSE(card[8].passed);
  EXPECT_EQ(card[8].detail, "missed: never happened as asked (v3 failed: no healthy runner) by the run's end (T+16m40s)");
  EXPECT_FALSE(card[9].passed);
  EXPECT_EQ(card[9].met_seconds, 300.0);
  EXPECT_EQ(card[9].detail, "a deploy attempt started on r1 at T+5m00s while it was down");
  // With the cause: an exporter Prometheus cannot reach is not a runner that is down.
  seen.attempts = {{300.0, "r1", 'd', "down to Prometheus: its exporter was unreachable from mon (the runner itself was up)"}};
  const auto exporter_only = judge_checkpoints({cp(R"({"never": "deploy_on_unhealthy_runner"})")}, seen);
  EXPECT_EQ(exporter_only[0].detail, "a deploy attempt started on r1 at T+5m00s while it was down to Prometheus: its exporter "
                                     "was unreachable from mon (the runner itself was up)");
}

// The PAWS360 drill with its base scenario by absolute path and one text replaced.
std::string write_plan(const std::filesystem::path& dir, const std::string& name, const std::string& from, const std::string& to) {
  std::string text = testing::read_file(kSource + "/scenarios/gamedays/exporter-partition-drill.json");
  const std::string base = R"("scenario": "../healthy-primary.json")";
  text.replace(text.find(base), base.size(), "\"scenario\": \"" + kSource + "/scenarios/healthy-primary.json\"");
  if (!from.empty()) {
    const auto at = text.find(from);
    if (at == std::string::npos) return "";
    text.replace(at, from.size(), to);
  }
  const auto path = dir / name;
  std::ofstream(path) << text;
  return path.string();
}

TEST(GameDayPlanFile, MistakesAreErrorsNamingTheField) {
  const auto dir = std::filesystem::temp_directory_path() / ("failsim-plan-file-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  struct Case {
    std::string from, to, error;
  };
  const std::vector<Case> cases = {
      {R"("scenario": ")" + kSource + R"(/scenarios/healthy-primary.json")", R"("scenario": "/nonexistent/x.json")", "/scenario:"},
      {R"({"at": "2m", "inject": {"kind")", R"({"at": "2m", "inject": {"at": "1m", "kind")", "/steps/0/inject/at: the step's `at`"},
      {R"("to": "serotonin", "port": 9102)", R"("to": "serotonin", "port": 9999)", "/steps/0/inject/port: nothing listens on serotonin:9999"},
      {R"({"at": "8m", "deploy")", R"({"at": "31m", "deploy")", "/steps/1/at: the step at 31m comes after the run ends"},
      {R"("never": "deploy_on_unhealthy_runner")", R"("never": "rollback")", "/checkpoints/4/never: expected \"deploy_on_unhealthy_runner\""},
      {R"("target_down": "serotonin:9102", "by": "3m")", R"("target_down": "serotonin:9102", "alert_notified": "X", "by": "3m")",
       "/checkpoints/0/never: a checkpoint has exactly one of"},
      {R"("alert_firing": "RunnerScrapeDown", "instance")", R"("alert_firing": "RunnerScrapeDown", "within": "1m", "instance")",
       "/checkpoints/1/within: only deploy_lands takes `within`"},
      {R"("by": "8m"})", R"("by": "40m"})", "/checkpoints/2/by: by 40m is after the run ends"},
      {R"("name": "target down")", R"("name": "alert firing")", "/checkpoints/1/name: a second checkpoint named \"alert firing\""},
      {R"("steps": [)", R"("stepz": 1, "steps": [)", "/stepz: unknown field"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string path = write_plan(dir, "bad-" + std::to_string(i) + ".json", cases[i].from, cases[i].to);
    ASSERT_FALSE(path.empty()) << "case " << i << ": the plan no longer has " << cases[i].from;
    const auto r = testing::run_command("'" FAILSIM_BINARY "' run '" + path + "' --seeds 1 --out '" + (dir / "out").string() + "' 2>&1");
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find(path), std::string::npos) << "names the file: " << r.out;
    EXPECT_NE(r.out.find(cases[i].error), std::string::npos) << "case " << i << ": " << r.out;
    EXPECT_FALSE(std::filesystem::exists(dir / "out" / "results.json")) << "no half-written report";
  }
  // `failsim gameday` takes plans only.
  const auto r = testing::run_command("'" FAILSIM_BINARY "' gameday '" + kSource + "/scenarios/healthy-primary.json' --out '" +
                                      (dir / "out").string() + "' 2>&1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("is not a game-day plan"), std::string::npos) << r.out;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace failsim::harness
