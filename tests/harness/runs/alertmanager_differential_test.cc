// Alertmanager routing (sim/prometheus/alertmanager.h) against Debian's real
// Alertmanager 0.25 on loopback. One route tree (matchers in both forms, a nested route,
// `continue`, group_by by labels and by "...", per-route group_wait), one inhibit rule
// and one silence; generated alerts are posted to the real server at once, and its
// webhook notifications are recorded. failsim's model receives the same alerts; the
// first notification of every group must agree: the same receiver, the same group
// labels, the same firing alerts (inhibited and silenced ones left out), at the route's
// group_wait. Bounded: one server, at most 20 s of waiting.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sim/engine.h"
#include "sim/prometheus/alertmanager.h"
#include "tests/harness/process.h"

namespace failsim {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using sim::prometheus::Labels;

struct Delivery {
  double at = 0;  // seconds after the alerts were posted
  std::string receiver;
  std::string group;                // group labels, canonical
  std::set<std::string> firing;     // alert label sets, canonical
};

std::string canonical(const json& labels) {
  json sorted = json::object();
  for (const auto& [k, v] : labels.items()) sorted[k] = v;
  return sorted.dump();
}

std::string canonical(const Labels& l) {
  json j = json::object();
  for (const auto& [k, v] : l) j[k] = v;
  return j.dump();
}

const char* kConfig = R"(route:
  receiver: default
  group_by: [alertname]
  group_wait: 2s
  group_interval: 30s
  repeat_interval: 1h
  routes:
    - matchers: ['severity="page"']
      receiver: pager
      group_by: [alertname, instance]
      group_wait: 1s
    - match_re:
        job: 'node|ci-runners'
      receiver: tickets
      continue: true
    - matchers: [team=db]
      receiver: db
      group_by: ['...']
    - matchers: [team=~"web|edge"]
      receiver: web
      routes:
        - matchers: [severity!=critical]
          receiver: web-low
          group_wait: 3s
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [instance]
receivers:
)";

const std::vector<std::string> kReceivers = {"default", "pager", "tickets", "db", "web", "web-low"};

std::vector<Labels> draw_alerts(std::uint64_t seed, int n) {
  std::mt19937_64 rng(seed);
  const std::vector<std::string> names = {"RunnerDown", "DiskFull", "HighLoad", "Silenced"};
  const std::vector<std::string> severities = {"page", "critical", "warning", "info"};
  const std::vector<std::string> jobs = {"node", "ci-runners", "api"};
  const std::vector<std::string> teams = {"", "db", "web", "edge"};
  std::set<Labels> seen;
  std::vector<Labels> out;
  while (static_cast<int>(out.size()) < n) {
    Labels l;
    sim::prometheus::set_label(l, "alertname", names[rng() % names.size()]);
    sim::prometheus::set_label(l, "severity", severities[rng() % severities.size()]);
    sim::prometheus::set_label(l, "job", jobs[rng() % jobs.size()]);
    sim::prometheus::set_label(l, "team", teams[rng() % teams.size()]);
    sim::prometheus::set_label(l, "instance", "i" + std::to_string(rng() % 3));
    if (seen.insert(l).second) out.push_back(l);
  }
  return out;
}

sim::prometheus::AlertmanagerConfig model_config() {
  using sim::prometheus::AmRoute;
  auto m = [](const std::string& text) { return sim::prometheus::parse_am_matcher(text).value(); };
  sim::prometheus::AlertmanagerConfig c;
  c.receiver = "default";
  c.group_by = {"alertname"};
  c.group_wait = 2s;
  c.group_interval = 30s;
  c.repeat_interval = 1h;
  AmRoute pager{"pager", {m("severity=\"page\"")}, std::vector<std::string>{"alertname", "instance"}, 1s, {}, {}, false, {}};
  AmRoute tickets{"tickets", {m("job=~\"node|ci-runners\"")}, {}, {}, {}, {}, true, {}};
  AmRoute db{"db", {m("team=db")}, std::vector<std::string>{"..."}, {}, {}, {}, false, {}};
  AmRoute low{"web-low", {m("severity!=critical")}, {}, 3s, {}, {}, false, {}};
  AmRoute web{"web", {m("team=~\"web|edge\"")}, {}, {}, {}, {}, false, {low}};
  c.routes = {pager, tickets, db, web};
  c.inhibit_rules = {{{m("severity=\"critical\"")}, {m("severity=\"warning\"")}, {"instance"}}};
  c.silences = {{"s1", {m("alertname=\"Silenced\"")}, 0s, std::nullopt}};
  return c;
}

TEST(AlertmanagerDifferential, FirstNotificationsAgreeWithAlertmanager025) {
  const auto dir = std::filesystem::temp_directory_path() / ("failsim-am-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "data");
  // The webhook receiver: one path per receiver.
  httplib::Server hooks;
  // One request per connection and threads to spare: an idle keep-alive connection must
  // not hold a worker while another receiver's notification waits (that would delay it).
  hooks.set_keep_alive_max_count(1);
  hooks.new_task_queue = [] { return new httplib::ThreadPool(16); };
  std::mutex mu;
  std::vector<std::pair<std::chrono::steady_clock::time_point, std::string>> received;
  hooks.Post(R"(/(.+))", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard lock(mu);
    received.emplace_back(std::chrono::steady_clock::now(), req.body);
    res.status = 200;
  });
  const int hook_port = testing::free_loopback_port();
  std::thread hook_thread([&] { hooks.listen("127.0.0.1", hook_port); });
  ASSERT_TRUE(testing::wait_until([&] { return hooks.is_running(); }, 5s, 5ms));
  std::string config = kConfig;
  for (const auto& r : kReceivers) {
    config += "  - name: " + r + "\n    webhook_configs:\n      - url: http://127.0.0.1:" + std::to_string(hook_port) + "/" + r +
              "\n        send_resolved: false\n";
  }
  std::ofstream(dir / "alertmanager.yml") << config;
  const int port = testing::free_loopback_port();
  testing::ChildProcess am({"/usr/bin/prometheus-alertmanager", "--config.file=" + (dir / "alertmanager.yml").string(),
                            "--storage.path=" + (dir / "data").string(), "--web.listen-address=127.0.0.1:" + std::to_string(port),
                            "--cluster.listen-address="},
                           (dir / "am.log").string());
  ASSERT_TRUE(am.started());
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1s);
  const bool ready = testing::wait_until([&] { auto r = client.Get("/-/ready"); return r && r->status == 200; }, 15s, 50ms);
  ASSERT_TRUE(ready) << testing::read_file((dir / "am.log").string());
  const auto silence = client.Post("/api/v2/silences",
                                   R"({"matchers": [{"name": "alertname", "value": "Silenced", "isRegex": false, "isEqual": true}],
                                       "startsAt": "2020-01-01T00:00:00Z", "endsAt": "2099-01-01T00:00:00Z",
                                       "createdBy": "failsim", "comment": "differential test"})",
                                   "application/json");
  ASSERT_TRUE(silence && silence->status == 200) << (silence ? silence->body : "no answer");
  const std::vector<Labels> alerts = draw_alerts(20261207, 28);
  json body = json::array();
  for (const auto& a : alerts) {
    json labels = json::object();
    for (const auto& [k, v] : a) labels[k] = v;
    body.push_back({{"labels", labels}, {"endsAt", "2099-01-01T00:00:00Z"}});
  }
  const auto posted_at = std::chrono::steady_clock::now();
  const auto post = client.Post("/api/v2/alerts", body.dump(), "application/json");
  ASSERT_TRUE(post && post->status == 200) << (post ? post->body : "no answer");
  std::this_thread::sleep_for(8s);  // every route's group_wait (at most 3 s) and slack for a loaded host; group_interval is 30 s
  am.interrupt();
  am.wait(5s);
  hooks.stop();
  hook_thread.join();

  // The real server's first notification per (receiver, group).
  std::map<std::pair<std::string, std::string>, Delivery> real;
  for (const auto& [at, text] : received) {
    const json n = json::parse(text);
    Delivery d;
    d.at = std::chrono::duration<double>(at - posted_at).count();
    d.receiver = n["receiver"];
    d.group = canonical(n["groupLabels"]);
    for (const auto& a : n["alerts"]) {
      if (a["status"] == "firing") d.firing.insert(canonical(a["labels"]));
    }
    real.try_emplace({d.receiver, d.group}, d);
  }
  // The model, fed the same alerts at once.
  sim::Engine engine(TimePoint{});
  sim::prometheus::Alertmanager model(engine, model_config(), TimePoint{});
  for (const auto& a : alerts) {
    model.receive(sim::prometheus::AlertChange{TimePoint{}, std::string(sim::prometheus::label_value(a, "alertname")), a,
                                               sim::prometheus::AlertState::kPending, sim::prometheus::AlertState::kFiring});
  }
  engine.run_until(TimePoint{} + 10s);
  std::map<std::pair<std::string, std::string>, Delivery> mine;
  for (const auto& n : model.notifications()) {
    Delivery d;
    d.at = to_seconds(n.at - TimePoint{});
    d.receiver = n.receiver;
    d.group = canonical(n.group);
    for (const auto& l : n.firing) d.firing.insert(canonical(l));
    mine.try_emplace({d.receiver, d.group}, d);
  }
  int compared = 0;
  for (const auto& [key, d] : mine) {
    const auto it = real.find(key);
    if (it == real.end()) {
      ADD_FAILURE() << "failsim notifies " << key.first << " " << key.second << "; Alertmanager 0.25 does not";
      continue;
    }
    ++compared;
    EXPECT_EQ(d.firing, it->second.firing) << key.first << " " << key.second;
    // At the route's group_wait: never before it; the real one later by its own scheduling
    // and the webhook (up to 2.5 s on a loaded host; the routes' waits differ by 1 s, so the
    // lower bound is what tells them apart).
    EXPECT_GE(it->second.at, d.at - 0.3) << key.first << " " << key.second;
    EXPECT_LE(it->second.at, d.at + 2.5) << key.first << " " << key.second;
  }
  for (const auto& [key, d] : real) {
    if (mine.count(key) == 0) ADD_FAILURE() << "Alertmanager 0.25 notifies " << key.first << " " << key.second << "; failsim does not";
  }
  std::set<std::string> receivers;
  for (const auto& [key, d] : real) receivers.insert(key.first);
  std::printf("alertmanager differential: %zu alerts, %d groups compared over %zu receivers, %zu notifications by the real "
              "server\n", alerts.size(), compared, receivers.size(), received.size());
  EXPECT_GE(compared, 12);
  EXPECT_GE(receivers.size(), 5u);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace failsim
