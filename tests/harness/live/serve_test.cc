// `failsim serve`: the seed's four scenarios run live at high speed, every health gate
// being `failsim gate` calling the fake Prometheus over HTTP, and reach exactly what
// `failsim run` reaches for the same seed: the same outcomes, measurements and
// invariants, and the same trace once the live gate's own lines are set aside. Then
// the command itself: URLs and token file, REST calls with the token, Ctrl-C, reports
// without the token, and bad input refused with exit 2.
#include "harness/live/serve.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <sstream>
#include <thread>

#include "harness/inputs/inputs.h"
#include "harness/runs/run.h"
#include "tests/harness/process.h"
#include "tests/source_dir.h"

namespace failsim::harness {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

using testing::source;

std::filesystem::path temp_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("failsim-serve-" + name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

std::vector<reports::TraceEvent> without_gate_lines(const std::vector<reports::TraceEvent>& trace) {
  std::vector<reports::TraceEvent> out;
  for (const auto& e : trace) {
    if (e.category != "gate") out.push_back(e);
  }
  return out;
}

struct Case {
  std::string scenario;
  std::string policy;
  std::uint64_t seed;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.scenario << " under " << c.policy << ", seed " << c.seed; }

class LiveMatchesSimulated : public ::testing::TestWithParam<Case> {};

TEST_P(LiveMatchesSimulated, SameOutcomesAndTraceAsFailsimRun) {
  const Case c = GetParam();
  const std::string scenario = source("scenarios/" + c.scenario + ".json");
  const std::string policy = source("scenarios/policies/" + c.policy + ".json");
  auto loaded = load_run(scenario, policy, "");
  ASSERT_TRUE(loaded) << loaded.error();
  const RunInputs in{&loaded.value().scenario, &loaded.value().policy, &loaded.value().rules};
  const reports::RunResult simulated = run_scenario(in, c.seed);

  ServeOptions o;
  o.scenario_path = scenario;
  o.policy_path = policy;
  o.seed = c.seed;
  o.speed = 3000;
  o.out_dir = temp_dir(c.scenario + "-" + c.policy).string();
  std::ostringstream out, err;
  const ServeOutcome live = run_serve(o, out, err);
  ASSERT_TRUE(live.result.has_value()) << err.str();
  const reports::RunResult& r = *live.result;

  EXPECT_EQ(r.outcome, simulated.outcome);
  EXPECT_EQ(r.runner, simulated.runner);
  EXPECT_EQ(r.final_version, simulated.final_version);
  EXPECT_EQ(r.detection_seconds, simulated.detection_seconds);
  EXPECT_EQ(r.failover_seconds, simulated.failover_seconds);
  EXPECT_EQ(r.deploy_seconds, simulated.deploy_seconds);
  EXPECT_EQ(r.attempts, simulated.attempts);
  EXPECT_EQ(r.invariants, simulated.invariants);
  EXPECT_EQ(r.broken, simulated.broken);
  ASSERT_EQ(r.deploys.size(), simulated.deploys.size());
  for (std::size_t i = 0; i < r.deploys.size(); ++i) {
    EXPECT_EQ(r.deploys[i].outcome, simulated.deploys[i].outcome);
    EXPECT_EQ(r.deploys[i].runner, simulated.deploys[i].runner);
    EXPECT_EQ(r.deploys[i].finished_seconds, simulated.deploys[i].finished_seconds);
  }
  const auto live_trace = without_gate_lines(r.trace);
  EXPECT_EQ(reports::hash_trace(live_trace), simulated.trace_hash);
  // The gate really ran over HTTP, and chose what the orchestrator chose.
  int gates = 0;
  for (const auto& e : r.trace) {
    if (e.category != "gate") continue;
    EXPECT_EQ(e.name, "failsim gate") << e.detail;  // never "not asked by failsim gate"
    EXPECT_EQ(e.detail.find("no JSON report"), std::string::npos) << e.detail;
    ++gates;
  }
  EXPECT_GE(gates, 1);
  EXPECT_EQ(live.exit_code, simulated.passed() ? 0 : 1);
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::path(o.out_dir) / "results.json"));
  std::filesystem::remove_all(o.out_dir);
}

std::vector<Case> cases() {
  std::vector<Case> all;
  for (const char* s : {"healthy-primary", "failover", "concurrency", "interruption"}) {
    for (const char* p : {"paws360-as-built", "health-gated-failover"}) {
      for (std::uint64_t seed : {1, 7}) all.push_back(Case{s, p, seed});
    }
  }
  return all;
}

INSTANTIATE_TEST_SUITE_P(SeedScenarios, LiveMatchesSimulated, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           std::string name = info.param.scenario + "_" + info.param.policy + "_" + std::to_string(info.param.seed);
                           for (auto& ch : name) ch = std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
                           return name;
                         });

// A team's gate script (examples/team-gate) in a live run: the whole live world holds
// while it runs, and the run is the simulated run, trace and all (the command's lines
// name no port, so they match too).
TEST(LiveCommandChecks, ATeamGateScriptRunsLiveExactlyAsInTheSimulation) {
  const std::string scenario = source("examples/team-gate/exporter-partition.json");
  const std::string policy = source("examples/team-gate/policy-fixed.json");
  auto loaded = load_run(scenario, policy, "");
  ASSERT_TRUE(loaded) << loaded.error();
  const RunInputs in{&loaded.value().scenario, &loaded.value().policy, &loaded.value().rules};
  const reports::RunResult simulated = run_scenario(in, 3);

  ServeOptions o;
  o.scenario_path = scenario;
  o.policy_path = policy;
  o.seed = 3;
  o.speed = 3000;
  o.out_dir = temp_dir("team-gate").string();
  std::ostringstream out, err;
  const ServeOutcome live = run_serve(o, out, err);
  ASSERT_TRUE(live.result.has_value()) << err.str();
  const reports::RunResult& r = *live.result;
  EXPECT_EQ(r.outcome, "deployed");
  EXPECT_EQ(r.runner, "dell-r640-01-runner");
  EXPECT_EQ(r.deploy_seconds, simulated.deploy_seconds);
  int commands = 0;
  for (const auto& e : r.trace) commands += e.category == "gate" && e.name == "command" ? 1 : 0;
  EXPECT_EQ(commands, 2) << "one per candidate";
  EXPECT_EQ(reports::hash_trace(r.trace), simulated.trace_hash) << "the command lines included";
  std::filesystem::remove_all(o.out_dir);
}

// ---- the command --------------------------------------------------------------------

TEST(ServeCommand, ServesRestCallsWithTheTokenStopsOnSigintAndWritesReportsWithoutIt) {
  const auto dir = temp_dir("cli");
  testing::ChildProcess serve({FAILSIM_BINARY, "serve", source("scenarios/failover.json"), "--speed", "20", "--keep-running",
                               "--seed", "3", "--out", (dir / "out").string()},
                              (dir / "serve.log").string());
  ASSERT_TRUE(serve.started());
  ASSERT_TRUE(testing::wait_until([&] { return std::filesystem::exists(dir / "out" / "endpoints.json"); }, 20s, 20ms))
      << testing::read_file((dir / "serve.log").string());
  const json ep = json::parse(testing::read_file((dir / "out" / "endpoints.json").string()));
  std::string token = testing::read_file((dir / "out" / "github-token").string());
  token.erase(token.find_last_not_of("\n") + 1);
  ASSERT_GE(token.size(), 16u);
  EXPECT_EQ(std::filesystem::status(dir / "out" / "github-token").permissions() & std::filesystem::perms::others_read,
            std::filesystem::perms::none);
  const std::string api = ep["endpoints"]["github"];
  const std::string auth = " -H 'Authorization: Bearer " + token + "' -H 'User-Agent: t' ";
  auto curl = [&](const std::string& args) { return testing::run_command("curl -s -m 5 -w '\\n%{http_code}' " + args); };
  auto status_of = [](const testing::CommandResult& r) { return r.out.substr(r.out.rfind('\n') + 1); };
  auto r = curl(auth + api + "/runners");
  EXPECT_EQ(status_of(r), "200") << r.out;
  EXPECT_EQ(json::parse(r.out.substr(0, r.out.rfind('\n')))["total_count"], 2);
  // The health-gated policy gates before dispatching: wait until Prometheus has
  // scraped both runners (15 s of virtual time), or the gate rightly finds no one healthy.
  const std::string prometheus = ep["endpoints"]["prometheus"];
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto q = curl("'" + prometheus + "/api/v1/query?query=sum%28up%29'");
        auto j = json::parse(q.out.substr(0, q.out.rfind('\n')), nullptr, false);
        return j.is_object() && j["data"]["result"].size() == 1 && j["data"]["result"][0]["value"][1] == "2";
      },
      20s, 50ms));
  // PAWS360's ci.yml declares no input (workflow_dispatch: {}): a version input is refused.
  r = curl("-X POST" + auth + "-d '{\"ref\":\"hotfix/1\",\"inputs\":{\"version\":\"v9.9.9\"}}' " + api + "/workflows/ci.yml/dispatches");
  EXPECT_EQ(status_of(r), "422") << r.out;
  r = curl("-X POST" + auth + "-d '{\"ref\":\"hotfix/1\"}' " + api + "/workflows/ci.yml/dispatches");
  EXPECT_EQ(status_of(r), "204") << r.out;
  r = curl(std::string(ep["endpoints"]["control"]) + "/proxies");
  EXPECT_EQ(status_of(r), "200");
  // The REST-dispatched deploy reaches GitHub's model (the health-gated policy dispatches
  // after its gate) on the ref it was dispatched with, so the usual way to find one's
  // run, by branch and event, finds it.
  std::string runs_body;
  EXPECT_TRUE(testing::wait_until(
      [&] {
        auto runs = curl(auth + "'" + api + "/runs?branch=hotfix/1&event=workflow_dispatch'");
        runs_body = runs.out;
        auto j = json::parse(runs.out.substr(0, runs.out.rfind('\n')), nullptr, false);
        return j.is_object() && j["total_count"].get<int>() == 1 && j["workflow_runs"][0]["head_branch"] == "hotfix/1";
      },
      20s, 100ms))
      << runs_body;
  serve.interrupt();
  const int code = serve.wait(10s);
  EXPECT_TRUE(code == 0 || code == 1) << code << "\n" << testing::read_file((dir / "serve.log").string());
  const std::string log = testing::read_file((dir / "serve.log").string());
  EXPECT_NE(log.find("GitHub API"), std::string::npos);
  EXPECT_NE(log.find("github-token"), std::string::npos);
  const std::string results = testing::read_file((dir / "out" / "results.json").string());
  ASSERT_FALSE(results.empty());
  EXPECT_NE(results.find("\"manual-1\""), std::string::npos);  // the hand-made deploy is in the report
  EXPECT_EQ(results.find("v9.9.9"), std::string::npos) << "the refused dispatch made no deploy";
  for (const char* f : {"results.json", "junit.xml", "summary.md", "report.html", "endpoints.json"}) {
    EXPECT_EQ(testing::read_file((dir / "out" / f).string()).find(token), std::string::npos) << f;
  }
  EXPECT_EQ(log.find(token), std::string::npos);
  std::filesystem::remove_all(dir);
}

// Ctrl-C always stops serve: even while the fake Prometheus evaluates a query that
// would hold the engine thread for many seconds (at speed 1, --query.timeout's 2
// minutes are 2 wall-clock minutes), the query is cancelled and serve exits promptly
// with its reports written.
TEST(ServeCommand, CtrlCStopsServeDuringAHeavyQuery) {
  const auto dir = temp_dir("ctrlc");
  testing::ChildProcess serve({FAILSIM_BINARY, "serve", source("scenarios/healthy-primary.json"), "--speed", "1",
                               "--keep-running", "--seed", "1", "--out", (dir / "out").string()},
                              (dir / "serve.log").string());
  ASSERT_TRUE(serve.started());
  ASSERT_TRUE(testing::wait_until([&] { return std::filesystem::exists(dir / "out" / "endpoints.json"); }, 20s, 20ms))
      << testing::read_file((dir / "serve.log").string());
  const json ep = json::parse(testing::read_file((dir / "out" / "endpoints.json").string()));
  std::string chain = "nope";
  for (int i = 1; i < 250; ++i) chain += "%2Bnope";
  const std::string form = "query=((" + chain + ")%2B(" + chain + "))%2B((" + chain + ")%2B(" + chain +
                           "))&start=0&end=10999&step=1";
  testing::CommandResult query;
  std::thread client([&] {
    query = testing::run_command("curl -s -m 30 -w '\\n%{http_code}' -d '" + form + "' " +
                                 std::string(ep["endpoints"]["prometheus"]) + "/api/v1/query_range");
  });
  // Ctrl-C only once the heavy query holds the engine (a light query then gets no
  // answer within 300 ms). A fixed 700 ms sleep raced curl's start on a busy machine:
  // the signal came first and the query was refused instead of cancelled.
  const std::string prometheus = ep["endpoints"]["prometheus"];
  httplib::Client probe(prometheus);
  probe.set_read_timeout(300ms);
  const bool busy = testing::wait_until([&] { return !probe.Get("/api/v1/query?query=1"); }, 20s, 50ms);
  const auto t0 = std::chrono::steady_clock::now();
  serve.interrupt();
  const int code = serve.wait(10s);
  const auto took = std::chrono::steady_clock::now() - t0;
  client.join();
  ASSERT_TRUE(busy) << "the heavy query never reached the engine: " << query.out;
  EXPECT_TRUE(code == 0 || code == 1) << code << "\n" << testing::read_file((dir / "serve.log").string());
  EXPECT_LT(took, 3s);
  EXPECT_NE(query.out.rfind("\n503"), std::string::npos) << query.out;  // cancelled, not answered after 2 minutes
  EXPECT_TRUE(json::parse(testing::read_file((dir / "out" / "results.json").string()), nullptr, false).is_object());
  std::filesystem::remove_all(dir);
}

TEST(ServeCommand, BadInputIsRefusedWithExit2AndAClearMessage) {
  const auto dir = temp_dir("bad");
  std::ofstream(dir / "broken.json") << "{\"name\": \"x\",\n  \"deploys\": 3}\n";
  struct Bad {
    std::string args;
    std::string says;
  };
  for (const Bad& b : std::vector<Bad>{
           {source("scenarios/failover.json") + " --listen 0.0.0.0", "loopback only"},
           {source("scenarios/failover.json") + " --speed 0", "--speed"},
           {source("scenarios/failover.json") + " --set prometheus.global.scrape_interval=3x", "(after --set prometheus.global.scrape_interval=3x)"},
           {source("scenarios/failover.json") + " --port-base 70000", "--port-base"},
           {(dir / "broken.json").string(), "broken.json"},
           {(dir / "missing.json").string(), "missing.json"},
       }) {
    const auto r = testing::run_command(std::string("'") + FAILSIM_BINARY + "' serve " + b.args + " --out '" +
                                        (dir / "out").string() + "' 2>&1");
    EXPECT_EQ(r.exit_code, 2) << b.args << "\n" << r.out;
    EXPECT_NE(r.out.find(b.says), std::string::npos) << b.args << "\n" << r.out;
  }
  // A port already taken: the endpoint that cannot listen is named, and nothing runs.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const auto r = testing::run_command(std::string("'") + FAILSIM_BINARY + "' serve " + source("scenarios/failover.json") +
                                      " --port-base " + std::to_string(ntohs(addr.sin_port)) + " --out '" +
                                      (dir / "out").string() + "' 2>&1");
  ::close(fd);
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("GitHub API"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "out" / "results.json"));  // nothing half-written
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace failsim::harness
