// The control room of `failsim serve` (harness/live/control_room.h) and the Alertmanager API
// v2 (fakes/alertmanager_api.h):
//  - in Debian's Chromium through the Chrome DevTools protocol (puppeteer-core, pinned in
//    tests/package.json): a facilitator pauses and resumes the clock, partitions the
//    primary's exporter by a click, sees its target go down and the alert go pending
//    then firing, triggers a deploy and sees it land on the secondary, degrades GitHub's
//    API by a click; no console errors; screenshots kept in the test's output (PAWS360);
//  - its JSON API on Northwind: the state, the clock (pause holds virtual time, resume
//    moves it, bad bodies are 400s naming the field), cancelling a run, the event
//    stream, and Alertmanager's v2 alerts and status once a hand fault has fired;
//  - scripts/failsim-ssh: systemctl, stress-ng and reboot sent "to a host" become hand
//    faults through the API.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <sstream>
#include <thread>

#include "fakes/alertmanager_api.h"
#include "harness/live/serve.h"
#include "tests/harness/api_client.h"
#include "tests/harness/process.h"
#include "tests/source_dir.h"

namespace failsim::harness {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::Answer;
using testing::call;
using testing::client_for;

using testing::kSource;

// prometheus/common model/signature_test.go (TestLabelsToSignature; a LabelSet's
// Fingerprint is the same FNV-1a 64): {} -> 14695981039346656037,
// {name="garland, briggs", fear="love is not enough"} -> 5799056148416392346.
TEST(AlertmanagerApi, FingerprintsAreThoseOfPrometheusModel) {
  EXPECT_EQ(fakes::alert_fingerprint(sim::prometheus::Labels{}), "cbf29ce484222325");  // 14695981039346656037
  const sim::prometheus::Labels labels{{"fear", "love is not enough"}, {"name", "garland, briggs"}};
  EXPECT_EQ(fakes::alert_fingerprint(labels), "507a62d79ee76c9a");  // 5799056148416392346
}

TEST(ControlRoom, ChromiumInjectsAPartitionByAClickAndWatchesTheFailover) {
  ASSERT_TRUE(std::filesystem::exists(kSource + "/tests/node_modules/puppeteer-core"))
      << "tests/node_modules is missing: scripts/install-deps.sh installs it with npm ci";
  const auto dir = std::filesystem::temp_directory_path() / ("failsim-control-room-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  // The screenshots stay in the test's output directory (the build tree) afterwards.
  const auto shots = std::filesystem::current_path() / "test-output" / "control-room";
  std::filesystem::create_directories(shots);
  std::filesystem::remove(shots / "control-room.png");
  testing::ChildProcess serve({FAILSIM_BINARY, "serve", kSource + "/scenarios/healthy-primary.json", "--speed", "20", "--warm-start",
                               "--no-workload", "--keep-running", "--out", (dir / "out").string()},
                              (dir / "serve.log").string());
  ASSERT_TRUE(serve.started());
  ASSERT_TRUE(testing::wait_until([&] { return std::filesystem::exists(dir / "out" / "endpoints.json"); }, 30s, 20ms))
      << testing::read_file((dir / "serve.log").string());

  const auto r = testing::run_command("cd '" + kSource + "/tests/js' && timeout 180 node control_room.mjs '" +
                                      (dir / "out" / "endpoints.json").string() + "' '" + shots.string() + "' 2>&1");
  const auto last = r.out.rfind("\n{");
  json seen = json::parse(r.out.substr(last == std::string::npos ? 0 : last + 1), nullptr, false);
  ASSERT_TRUE(seen.is_object()) << r.out;
  EXPECT_EQ(seen["ok"], true) << r.out;
  EXPECT_EQ(seen["console_errors"], json::array()) << r.out;
  EXPECT_EQ(seen["title"], "failsim control room");
  EXPECT_EQ(seen["primary"], "Serotonin-paws360");
  EXPECT_EQ(seen["secondary"], "dell-r640-01-runner");
  EXPECT_EQ(seen["clock_held"], true) << "paused: the virtual clock must hold";
  EXPECT_EQ(seen["clock_resumed"], true);
  EXPECT_EQ(seen["target_down"], "serotonin:9102") << r.out;
  EXPECT_EQ(seen["alert_pending"], "RunnerScrapeDown") << r.out;
  EXPECT_EQ(seen["alert_firing"], "RunnerScrapeDown");
  EXPECT_EQ(seen["speed_set"], 60);
  EXPECT_EQ(seen["deploy"], json({{"outcome", "deployed"}, {"runner", "dell-r640-01-runner"}})) << r.out;
  EXPECT_EQ(seen["production"], "v9.9.9");
  EXPECT_EQ(seen["github_fault"], true);
  // The failover logic's decisions reached the timeline with their reasons.
  bool refused_primary = false;
  for (auto& d : seen["timeline_decisions"]) {  // non-const: a missing key reads as null
    const std::string line = d.get<std::string>();
    if (line.find("Serotonin-paws360 is unhealthy") != std::string::npos && line.find("gate up: value 0") != std::string::npos) {
      refused_primary = true;
    }
  }
  EXPECT_TRUE(refused_primary) << seen["timeline_decisions"];
  // A real PNG was written.
  std::ifstream png(shots / "control-room.png", std::ios::binary);
  std::string magic(8, '\0');
  png.read(magic.data(), 8);
  EXPECT_EQ(magic, std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_GT(std::filesystem::file_size(shots / "control-room.png"), 20'000u);

  // The report afterwards: the click was a hand fault of the run, the deploy an API request.
  serve.interrupt();
  EXPECT_EQ(serve.wait(30s), 0) << testing::read_file((dir / "serve.log").string());
  json results = json::parse(testing::read_file((dir / "out" / "results.json").string()), nullptr, false);
  ASSERT_TRUE(results.is_object());
  json& run = results["scenarios"][0]["runs"][0];
  ASSERT_EQ(run["faults"].size(), 2u) << run["faults"];
  EXPECT_EQ(run["faults"][0]["kind"], "partition");
  EXPECT_EQ(run["faults"][0]["source"], "hand");
  EXPECT_EQ(run["faults"][0]["what"], "partition monitoring->serotonin:9102 (by hand)");
  EXPECT_EQ(run["faults"][1]["what"], "github_degraded errors 100 % (HTTP 503) (by hand)") << "the GitHub \"API 503\" button";
  ASSERT_EQ(run["deploys"].size(), 1u);
  EXPECT_EQ(run["deploys"][0]["version"], "v9.9.9");
  EXPECT_EQ(run["deploys"][0]["source"], "api");
  EXPECT_EQ(run["deploys"][0]["outcome"], "deployed");
  EXPECT_EQ(run["deploys"][0]["runner"], "dell-r640-01-runner");
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "trace.json"));
  std::filesystem::remove_all(dir);
}

// Reads `stream` events of /api/events and stops.
std::vector<json> read_events(httplib::Client& c, std::size_t count) {
  std::vector<json> events;
  std::string buffer;
  c.Get("/api/events", [&](const char* data, std::size_t n) {
    buffer.append(data, n);
    for (auto end = buffer.find("\n\n"); end != std::string::npos; end = buffer.find("\n\n")) {
      const std::string message = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      const auto data_at = message.find("data: ");
      if (message.rfind("event: state\n", 0) == 0 && data_at != std::string::npos) {
        events.push_back(json::parse(message.substr(data_at + 6), nullptr, false));
      }
    }
    return events.size() < count;
  });
  return events;
}

// Northwind's healthy-primary live in-process without its workload: run() starts
// `failsim serve`, hands `client` (on a thread of its own) the endpoint URLs by name,
// and ends the run when the client returns.
struct LiveNorthwind {
  explicit LiveNorthwind(const std::string& tag, double speed = 60)
      : dir(std::filesystem::temp_directory_path() / ("failsim-" + tag + "-" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(dir);
    options.scenario_path = kSource + "/scenarios/northwind/healthy-primary.json";
    options.speed = speed;
    options.no_workload = true;
    options.keep_running = true;
    options.out_dir = dir.string();
    options.stop = &stop;
  }
  ~LiveNorthwind() { std::filesystem::remove_all(dir); }
  ServeOutcome run(const std::function<void(std::map<std::string, std::string>& url)>& client) {
    std::promise<std::vector<fakes::Endpoint>> ready;
    options.on_ready = [&ready](const std::vector<fakes::Endpoint>& e) { ready.set_value(e); };
    std::thread t([&] {
      auto f = ready.get_future();
      if (f.wait_for(30s) == std::future_status::ready) {
        std::map<std::string, std::string> url;
        for (const auto& e : f.get()) url[e.name] = e.url;
        client(url);
      }
      stop = true;
    });
    std::ostringstream out, err;
    ServeOutcome outcome = run_serve(options, out, err);
    t.join();
    errors = err.str();
    return outcome;
  }
  std::filesystem::path dir;
  ServeOptions options;
  std::atomic<bool> stop{false};
  std::string errors;
};

TEST(ControlRoom, StateClockRunsEventsAndAlertmanagerOnNorthwind) {
  LiveNorthwind live_world("control-api", 120);
  live_world.options.warm_start = true;

  std::map<std::string, Answer> a;
  std::string page, script;
  double t_paused_1 = -1, t_paused_2 = -2, t_resumed = -3;
  std::vector<json> events;
  json firing_state;
  const ServeOutcome live = live_world.run([&](std::map<std::string, std::string>& url) {
    auto api = client_for(url["api"]);
    if (auto r = api->Get("/")) page = r->body;
    if (auto r = api->Get("/app.js")) script = r->get_header_value("Content-Type");
    a["state"] = call(*api, "GET", "/api/state");
    a["pause"] = call(*api, "POST", "/api/clock", R"({"paused": true})");
    t_paused_1 = call(*api, "GET", "/api/state").body["clock"]["t_seconds"].get<double>();
    std::this_thread::sleep_for(400ms);
    t_paused_2 = call(*api, "GET", "/api/state").body["clock"]["t_seconds"].get<double>();
    a["bad_paused"] = call(*api, "POST", "/api/clock", R"({"paused": "yes"})");
    a["bad_speed"] = call(*api, "POST", "/api/clock", R"({"speed": 0})");
    a["bad_field"] = call(*api, "POST", "/api/clock", R"({"rate": 2})");
    a["bad_body"] = call(*api, "POST", "/api/clock", "[1]");
    a["resume"] = call(*api, "POST", "/api/clock", R"({"paused": false, "speed": 120})");
    std::this_thread::sleep_for(400ms);
    t_resumed = call(*api, "GET", "/api/state").body["clock"]["t_seconds"].get<double>();
    // A deploy by the API; its run, once dispatched, cancelled from the control room.
    a["deploy"] = call(*api, "POST", "/api/deploys", R"({"version": "3.0.0"})");
    std::int64_t run_id = 0;
    testing::wait_until([&] {
      json s = call(*api, "GET", "/api/state").body;
      if (s.is_object() && !s["runs"].empty()) run_id = s["runs"][0]["id"].get<std::int64_t>();
      return run_id != 0;
    }, 20s, 50ms);
    a["cancel"] = call(*api, "POST", "/api/runs/" + std::to_string(run_id) + "/cancel");
    a["cancel_unknown"] = call(*api, "POST", "/api/runs/987654/cancel");
    // The primary's exporter stopped by hand: its alert fires and Alertmanager notifies.
    a["fault"] = call(*api, "POST", "/api/faults", R"({"kind": "exporter_stop", "runner": "deploy-blue"})");
    testing::wait_until([&] {
      firing_state = call(*api, "GET", "/api/state").body;
      return firing_state.is_object() && !firing_state["notifications"].empty();
    }, 30s, 50ms);
    auto am = client_for(url["alertmanager"]);
    a["am_alerts"] = call(*am, "GET", "/api/v2/alerts");
    const std::string name = a["am_alerts"].body.empty() ? "" : a["am_alerts"].body[0]["labels"]["alertname"].get<std::string>();
    a["am_filtered"] = call(*am, "GET", "/api/v2/alerts?filter=" + httplib::detail::encode_query_param("alertname=\"" + name + "\""));
    a["am_nomatch"] = call(*am, "GET", "/api/v2/alerts?filter=" + httplib::detail::encode_query_param("alertname=\"nope\""));
    a["am_inactive"] = call(*am, "GET", "/api/v2/alerts?active=false");
    a["am_bad_bool"] = call(*am, "GET", "/api/v2/alerts?active=maybe");
    a["am_bad_filter"] = call(*am, "GET", "/api/v2/alerts?filter=" + httplib::detail::encode_query_param("not a matcher"));
    a["am_status"] = call(*am, "GET", "/api/v2/status");
    auto stream = client_for(url["api"]);
    events = read_events(*stream, 2);
  });
  ASSERT_TRUE(live.result.has_value()) << live_world.errors;

  EXPECT_NE(page.find("<title>failsim control room</title>"), std::string::npos);
  EXPECT_EQ(script, "text/javascript; charset=utf-8");
  json& s = a["state"].body;
  ASSERT_EQ(a["state"].status, 200);
  EXPECT_EQ(s["scenario"], "nw-healthy-primary");
  EXPECT_EQ(s["policy"], "northwind-gated");
  ASSERT_GE(s["runners"].size(), 3u);
  EXPECT_EQ(s["runners"][0]["name"], "deploy-blue");
  EXPECT_EQ(s["runners"][0]["role"], "primary");
  EXPECT_EQ(s["runners"][1]["name"], "deploy-green");
  EXPECT_EQ(s["runners"][1]["role"], "secondary");
  EXPECT_EQ(s["runners"][0]["health"]["healthy"], true) << s["runners"][0];
  EXPECT_EQ(s["runners"][2]["role"], "") << "the builder is no candidate";
  EXPECT_EQ(s["runners"][0]["exporter"], "running");
  // GitHub's own runner has no exporter to list (the trial saw one "running").
  for (auto& r : s["runners"]) {
    if (r.value("host", "") == "github-hosted") {
      EXPECT_EQ(r.value("exporter", ""), "none") << r;
    }
  }
  for (auto& t : s["targets"]) EXPECT_EQ(t["health"], "up") << "warm start: every target scraped; " << t;
  // The clock.
  EXPECT_EQ(a["pause"].status, 200);
  EXPECT_EQ(a["pause"].body["paused"], true);
  EXPECT_EQ(t_paused_1, t_paused_2) << "paused: virtual time holds";
  EXPECT_GT(t_resumed, t_paused_2 + 10) << "resumed at 120x: 400 ms of wall time is ~48 s";
  EXPECT_EQ(a["bad_paused"].status, 400);
  EXPECT_EQ(a["bad_paused"].body["error"], "POST /api/clock: /paused: expected true or false");
  EXPECT_EQ(a["bad_speed"].status, 400);
  EXPECT_NE(a["bad_speed"].body["error"].get<std::string>().find("/speed:"), std::string::npos);
  EXPECT_EQ(a["bad_field"].body["error"], "POST /api/clock: /rate: unknown field (paused, speed)");
  EXPECT_EQ(a["bad_body"].status, 400);
  EXPECT_EQ(a["resume"].body["paused"], false);
  // The run cancelled by hand.
  EXPECT_EQ(a["deploy"].status, 201);
  EXPECT_EQ(a["cancel"].status, 202) << a["cancel"].body;
  EXPECT_EQ(a["cancel_unknown"].status, 404);
  // Alertmanager v2.
  ASSERT_EQ(a["fault"].status, 201);
  ASSERT_FALSE(firing_state["notifications"].empty()) << "the exporter_stop alert was never notified";
  ASSERT_EQ(a["am_alerts"].status, 200);
  ASSERT_FALSE(a["am_alerts"].body.empty()) << a["am_alerts"].body;
  for (auto& alert : a["am_alerts"].body) {
    EXPECT_EQ(alert["status"]["state"], "active");
    EXPECT_EQ(alert["labels"]["instance"], "rack1-a:9200") << alert;
    EXPECT_EQ(alert["fingerprint"].get<std::string>().size(), 16u);
    EXPECT_EQ(alert["receivers"], json::array({{{"name", "default"}}}));
    // startsAt (fired) <= updatedAt (the last send) < endsAt (that send + 4 x max(1m, interval)).
    EXPECT_LE(alert["startsAt"].get<std::string>(), alert["updatedAt"].get<std::string>());
    EXPECT_LT(alert["updatedAt"].get<std::string>(), alert["endsAt"].get<std::string>());
  }
  EXPECT_EQ(a["am_filtered"].body.size(), 1u) << a["am_filtered"].body;
  EXPECT_EQ(a["am_nomatch"].body, json::array());
  EXPECT_EQ(a["am_inactive"].body, json::array());
  EXPECT_EQ(a["am_bad_bool"].status, 400);
  EXPECT_EQ(a["am_bad_filter"].status, 400);
  EXPECT_EQ(a["am_status"].body["cluster"]["status"], "disabled");
  EXPECT_NE(a["am_status"].body["config"]["original"].get<std::string>().find("group_by: ['alertname', 'tier']"), std::string::npos);
  // The event stream: the first event carries the whole trace so far and says so.
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["reset"], true);
  EXPECT_EQ(events[1]["reset"], false);
  EXPECT_FALSE(events[0]["trace"].empty());
  EXPECT_GE(events[1]["state"]["clock"]["t_seconds"].get<double>(), events[0]["state"]["clock"]["t_seconds"].get<double>());
  // The record: the cancelled request and the hand fault.
  const reports::RunResult& r = *live.result;
  ASSERT_EQ(r.deploys.size(), 1u);
  EXPECT_EQ(r.deploys[0].source, "api");
  EXPECT_EQ(r.deploys[0].outcome, "cancelled") << r.deploys[0].diagnosis;
  ASSERT_EQ(r.faults.size(), 1u);
  EXPECT_EQ(r.faults[0].kind, "exporter_stop");
  EXPECT_EQ(r.faults[0].source, "hand");
}

// scripts/failsim-ssh: what a script sends to a real host, mapped onto the game-day API.
// A raw TCP connection to 127.0.0.1:port with `request` sent; -1 on failure.
int open_with(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    if (fd >= 0) ::close(fd);
    return -1;
  }
  return fd;
}

// Issue 30: 500 event streams opened and closed left every server unresponsive for
// minutes (each stream built the state on the engine four times a second). Now the
// feed is built once per tick for all, at most 64 streams are served (the rest 503
// at once), and after any flood every endpoint answers within 1 s.
TEST(ControlRoom, AFloodOfEventStreamsLeavesEveryEndpointAnswering) {
  LiveNorthwind live_world("control-flood", 60);
  live_world.options.warm_start = true;
  int served = 0, refused = 0, other = 0;
  std::map<std::string, int> after;  // endpoint -> status within the 1 s read timeout
  std::vector<json> events;
  live_world.run([&](std::map<std::string, std::string>& url) {
    auto api = client_for(url["api"]);
    const std::string& base = url["api"];
    const int port = std::stoi(base.substr(base.rfind(':') + 1));
    for (int round = 0; round < 2; ++round) {  // twice: the first flood's streams must be gone
      std::vector<int> fds;
      for (int i = 0; i < 250; ++i) fds.push_back(open_with(port, "GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n"));
      for (int fd : fds) {
        if (fd < 0) {
          ++other;
          continue;
        }
        timeval tv{10, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char head[16] = {};
        const auto n = ::recv(fd, head, sizeof head - 1, 0);
        const std::string status = n > 12 ? std::string(head, 12) : "";
        (status == "HTTP/1.1 200" ? served : status == "HTTP/1.1 503" ? refused : other) += 1;
      }
      for (int fd : fds) {
        if (fd >= 0) ::close(fd);  // all at once, with every answer's head read
      }
      std::this_thread::sleep_for(600ms);  // two ticks: each stream's next write fails
    }
    for (const auto& [name, path] : std::vector<std::pair<std::string, std::string>>{
             {"api", "/api/state"}, {"prometheus", "/api/v1/query?query=up"}, {"github", "/repos/northwind/platform/actions/runners"},
             {"alertmanager", "/api/v2/status"}}) {
      auto c = client_for(url[name]);
      c->set_read_timeout(1s);
      const std::string token = testing::read_file((live_world.dir / "github-token").string());
      const auto r = c->Get(path, {{"Authorization", "Bearer " + token.substr(0, token.find('\n'))}, {"User-Agent", "failsim-test"}});
      after[name] = r ? r->status : 0;
    }
    events = read_events(*api, 2);
  });
  EXPECT_EQ(served, 2 * 64) << "64 streams per flood, none left over from the first";
  EXPECT_EQ(refused, 2 * (250 - 64));
  EXPECT_EQ(other, 0);
  EXPECT_EQ(after, (std::map<std::string, int>{{"alertmanager", 200}, {"api", 200}, {"github", 200}, {"prometheus", 200}}))
      << live_world.errors;
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["reset"], true);
  EXPECT_EQ(events[1]["reset"], false);
  EXPECT_TRUE(events[1]["state"].contains("clock")) << events[1];
}

TEST(FailsimSsh, SystemctlStressAndRebootBecomeFaultsOfTheRun) {
  LiveNorthwind live_world("ssh");
  std::vector<testing::CommandResult> r;
  const ServeOutcome live = live_world.run([&](std::map<std::string, std::string>&) {
    const std::string ssh = "FAILSIM_ENDPOINTS='" + (live_world.dir / "endpoints.json").string() + "' '" + kSource + "/scripts/failsim-ssh' ";
    const std::string service = "actions.runner.northwind-platform.deploy-blue.service";
    auto run = [&](const std::string& args) { r.push_back(testing::run_command(ssh + args + " 2>&1")); };
    run("-o StrictHostKeyChecking=no deploy@rack1-a sudo systemctl stop " + service);  // 0
    run("rack1-a systemctl is-active " + service);                                      // 1
    run("rack1-a 'systemctl start " + service + "'");                                   // 2
    run("rack1-a systemctl is-active " + service);                                      // 3
    run("rack1-a stress-ng --cpu 4 --cpu-load 95 --timeout 60");                         // 4
    run("rack1-a systemctl stop prometheus-node-exporter");                             // 5
    run("rack1-a reboot");                                                              // 6
    run("rack1-a rm -rf /");                                                            // 7
    run("nowhere systemctl stop x.service");                                            // 8
    run("rack1-a systemctl stop actions.runner.northwind-platform.nobody.service");         // 9
  });
  ASSERT_TRUE(live.result.has_value()) << live_world.errors;
  ASSERT_EQ(r.size(), 10u);
  EXPECT_EQ(r[0].exit_code, 0) << r[0].out;
  EXPECT_NE(r[0].out.find(R"("kind":"service_stop")"), std::string::npos) << r[0].out;
  EXPECT_EQ(r[1].out, "inactive\n");
  EXPECT_EQ(r[1].exit_code, 3) << "systemctl is-active: 3 for an inactive unit";
  EXPECT_EQ(r[2].exit_code, 0) << r[2].out;
  EXPECT_NE(r[2].out.find(R"("end_seconds":)"), std::string::npos) << r[2].out;
  EXPECT_EQ(r[3].out, "active\n");
  EXPECT_EQ(r[3].exit_code, 0);
  EXPECT_EQ(r[4].exit_code, 0) << r[4].out;
  EXPECT_NE(r[4].out.find(R"("kind":"resources")"), std::string::npos) << r[4].out;
  EXPECT_NE(r[5].out.find(R"("kind":"exporter_stop")"), std::string::npos) << r[5].out;
  EXPECT_NE(r[6].out.find(R"("kind":"host_down")"), std::string::npos) << r[6].out;
  EXPECT_EQ(r[7].exit_code, 2);
  EXPECT_NE(r[7].out.find("unsupported command: rm -rf /"), std::string::npos) << r[7].out;
  EXPECT_EQ(r[8].exit_code, 2);
  EXPECT_NE(r[8].out.find("no runner on host nowhere (hosts: rack1-a, "), std::string::npos) << r[8].out;
  EXPECT_EQ(r[9].exit_code, 2);
  EXPECT_NE(r[9].out.find("no runner named nobody"), std::string::npos) << r[9].out;
  // In the record: stop (ended by start), CPU load for 60s, exporter stop, reboot for 2m.
  const auto& f = live.result->faults;
  ASSERT_EQ(f.size(), 4u);
  EXPECT_EQ(f[0].kind, "service_stop");
  EXPECT_TRUE(f[0].end_seconds.has_value());
  EXPECT_EQ(f[1].kind, "resources");
  ASSERT_TRUE(f[1].end_seconds.has_value());
  EXPECT_NEAR(*f[1].end_seconds - f[1].start_seconds, 60.0, 1e-6);
  EXPECT_EQ(f[2].kind, "exporter_stop");
  EXPECT_EQ(f[3].kind, "host_down");
  for (const auto& x : f) EXPECT_EQ(x.source, "hand");
}

// github_degraded by hand: the fake GitHub API answers as the degraded service does
// (the model's status at error rate 1; 403 with remaining 0 when the rate limit is
// spent; /rate_limit is not counted and still answers), and normally once it ends.
TEST(GitHubDegradedLive, TheFakeRestApiAnswersAsTheDegradedService) {
  LiveNorthwind live_world("ghdeg");
  struct Seen {
    int status = 0;
    std::string message, remaining;
  };
  std::vector<Seen> seen;
  std::vector<Answer> faults;
  const ServeOutcome live = live_world.run([&](std::map<std::string, std::string>& url) {
    auto api = client_for(url["api"]);
    auto gh = client_for(url["github"]);
    const std::string token = testing::read_file((live_world.dir / "github-token").string());
    const httplib::Headers headers = {{"Authorization", "Bearer " + token.substr(0, token.find('\n'))}, {"User-Agent", "failsim-test"}};
    auto get = [&](const std::string& path) {
      Seen x;
      if (auto r = gh->Get("/repos/northwind/platform/actions" + path, headers)) {
        x.status = r->status;
        x.message = json::parse(r->body, nullptr, false).value("message", "");
        x.remaining = r->get_header_value("x-ratelimit-remaining");
      }
      seen.push_back(x);
    };
    get("/runs");                                                                                                // 0
    faults.push_back(call(*api, "POST", "/api/faults", R"({"kind": "github_degraded", "error_rate": 1, "status": 502})"));
    get("/runs");                                                                                                // 1
    faults.push_back(call(*api, "DELETE", "/api/faults/1"));
    get("/runners");                                                                                             // 2
    faults.push_back(call(*api, "POST", "/api/faults", R"({"kind": "github_degraded", "rate_limited": true})"));
    get("/workflows");                                                                                           // 3
    if (auto r = gh->Get("/rate_limit", headers)) seen.push_back(Seen{r->status, "", ""});                       // 4
  });
  ASSERT_TRUE(live.result.has_value()) << live_world.errors;
  ASSERT_EQ(seen.size(), 5u);
  ASSERT_EQ(faults.size(), 3u);
  EXPECT_EQ(faults[0].status, 201) << faults[0].body;
  EXPECT_EQ(faults[0].body["fault"]["what"], "github_degraded errors 100 % (HTTP 502) (by hand)");
  EXPECT_EQ(seen[0].status, 200);
  EXPECT_EQ(seen[1].status, 502);
  EXPECT_EQ(seen[1].message, "Bad Gateway");
  EXPECT_EQ(faults[1].status, 200) << "ended by hand";
  EXPECT_EQ(seen[2].status, 200) << "the degradation ended";
  EXPECT_EQ(seen[3].status, 403);
  EXPECT_EQ(seen[3].message.rfind("API rate limit exceeded for user ID 1.", 0), 0u) << seen[3].message;
  EXPECT_EQ(seen[3].remaining, "0");
  EXPECT_EQ(seen[4].status, 200) << "/rate_limit is not counted";
}

}  // namespace
}  // namespace failsim::harness
