// amtool (Debian's prometheus-alertmanager 0.25) against `failsim serve`'s Alertmanager
// API v2 and against Debian's real Alertmanager 0.25 holding the same alerts, side by
// side: Northwind's world, the blue deploy runner's exporter stopped by hand until its
// alert fires; the real server is started with the configuration failsim's
// /api/v2/status reports (so that YAML must load in the real one) and sent the alerts
// failsim's API lists. Every `amtool alert query` below (each matcher syntax 0.25
// accepts, and ones it refuses) must give the same exit status and the same alerts:
// labels, fingerprints, expanded annotations, receivers, state. Also /api/v2/receivers,
// /api/v2/alerts/groups and /-/healthy; then `amtool silence add/query/expire` on both.
// Bounded: 90 s of waiting at most.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/harness/process.h"
#include "tests/source_dir.h"

namespace failsim {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

using testing::kSource;

// What amtool printed, reduced to what both servers must agree on.
struct Query {
  int exit_code = -1;
  json alerts;  // sorted by fingerprint; times left out
  std::string text;
};

Query amtool_query(const std::string& url, const std::string& args) {
  const auto r = testing::run_command("timeout 20 /usr/bin/amtool alert query -o json --alertmanager.url=" + url + " " + args + " 2>&1");
  Query q{r.exit_code, json::array(), r.out};
  const json all = json::parse(r.out, nullptr, false);
  if (!all.is_array()) return q;
  for (const auto& a : all) {
    q.alerts.push_back({{"fingerprint", a.value("fingerprint", "")},
                        {"labels", a.value("labels", json::object())},
                        {"annotations", a.value("annotations", json::object())},
                        {"receivers", a.value("receivers", json::array())},
                        {"state", a.contains("status") ? a["status"].value("state", "") : ""}});
  }
  std::sort(q.alerts.begin(), q.alerts.end(), [](const json& x, const json& y) { return x["fingerprint"] < y["fingerprint"]; });
  return q;
}

TEST(Amtool, EveryMatcherSyntaxAnswersAsDebiansAlertmanager) {
  if (!std::filesystem::exists("/usr/bin/amtool") || !std::filesystem::exists("/usr/bin/prometheus-alertmanager")) {
    GTEST_SKIP() << "prometheus-alertmanager (amtool) not installed: scripts/install-deps.sh installs it";
  }
  const auto dir = std::filesystem::temp_directory_path() / ("failsim-amtool-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  testing::ChildProcess serve({FAILSIM_BINARY, "serve", kSource + "/scenarios/northwind/healthy-primary.json", "--speed", "20",
                               "--warm-start", "--no-workload", "--keep-running", "--out", (dir / "out").string()},
                              (dir / "serve.log").string());
  ASSERT_TRUE(serve.started());
  ASSERT_TRUE(testing::wait_until([&] { return std::filesystem::exists(dir / "out" / "endpoints.json"); }, 30s, 20ms))
      << testing::read_file((dir / "serve.log").string());
  const json endpoints = json::parse(testing::read_file((dir / "out" / "endpoints.json").string()), nullptr, false);
  std::string fake = endpoints["endpoints"].value("alertmanager", "");
  ASSERT_FALSE(fake.empty()) << endpoints;
  fake = fake.substr(0, fake.find("/api/v2"));
  std::string api = endpoints["endpoints"].value("api", "");
  api = api.substr(0, api.find("/api/faults"));
  httplib::Client control(api);
  auto fault = control.Post("/api/faults", R"({"kind": "exporter_stop", "runner": "deploy-blue"})", "application/json");
  ASSERT_TRUE(fault && fault->status == 201) << (fault ? fault->body : "no answer");
  httplib::Client fake_client(fake);
  json listed;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto r = fake_client.Get("/api/v2/alerts");
        listed = r ? json::parse(r->body, nullptr, false) : json();
        return listed.is_array() && !listed.empty();
      },
      60s, 100ms))
      << "no alert reached failsim's Alertmanager";

  // The real Alertmanager, with the configuration failsim reports, holding its alerts.
  auto status = fake_client.Get("/api/v2/status");
  ASSERT_TRUE(status && status->status == 200);
  const json fake_status = json::parse(status->body, nullptr, false);
  std::ofstream(dir / "alertmanager.yml") << fake_status["config"]["original"].get<std::string>();
  const int port = testing::free_loopback_port();
  testing::ChildProcess real({"/usr/bin/prometheus-alertmanager", "--config.file=" + (dir / "alertmanager.yml").string(),
                              "--storage.path=" + (dir / "data").string(), "--web.listen-address=127.0.0.1:" + std::to_string(port),
                              "--cluster.listen-address="},
                             (dir / "am.log").string());
  ASSERT_TRUE(real.started());
  const std::string real_url = "http://127.0.0.1:" + std::to_string(port);
  httplib::Client real_client(real_url);
  ASSERT_TRUE(testing::wait_until([&] { auto r = real_client.Get("/-/ready"); return r && r->status == 200; }, 15s, 50ms))
      << "failsim's reported configuration did not load in Alertmanager 0.25:\n"
      << fake_status["config"]["original"].get<std::string>() << testing::read_file((dir / "am.log").string());
  json posted = json::array();
  for (const auto& a : listed) {
    posted.push_back({{"labels", a["labels"]},
                      {"annotations", a["annotations"]},
                      {"generatorURL", a["generatorURL"]},
                      {"startsAt", a["startsAt"]},
                      {"endsAt", "2099-01-01T00:00:00Z"}});
  }
  auto sent = real_client.Post("/api/v2/alerts", posted.dump(), "application/json");
  ASSERT_TRUE(sent && sent->status == 200) << (sent ? sent->body : "no answer");

  const std::string name = listed[0]["labels"]["alertname"];
  for (const std::string& args : std::vector<std::string>{
           "", "alertname=" + name, name, "'instance=~.+'", "severity!=none", "'alertname!=\"x\"'", "'severity=\"\"'",
           "'tier=~\"[a-z]+\"'", "'alertname=\"" + name + "\"'", "'instance=~\"rack1-.*\"' alertname=" + name,
           "'alertname=\"unterminated'", "'instance=~(['"}) {
    SCOPED_TRACE("amtool alert query " + args);
    const Query theirs = amtool_query(real_url, args);
    const Query ours = amtool_query(fake, args);
    EXPECT_EQ(ours.exit_code, theirs.exit_code) << "failsim: " << ours.text << "\nAlertmanager: " << theirs.text;
    EXPECT_EQ(ours.alerts, theirs.alerts) << "failsim: " << ours.text << "\nAlertmanager: " << theirs.text;
  }
  // The annotations were expanded ({{ $labels.instance }} and the like) before they left.
  for (const auto& a : listed) {
    for (const auto& [k, v] : a["annotations"].items()) EXPECT_EQ(v.get<std::string>().find("{{"), std::string::npos) << k << ": " << v;
    EXPECT_NE(a["generatorURL"].get<std::string>().find("/graph?g0.expr="), std::string::npos) << a["generatorURL"];
  }
  // Receivers, groups and health, as the real one answers them.
  auto fake_receivers = fake_client.Get("/api/v2/receivers");
  auto real_receivers = real_client.Get("/api/v2/receivers");
  ASSERT_TRUE(fake_receivers && real_receivers);
  EXPECT_EQ(json::parse(fake_receivers->body, nullptr, false), json::parse(real_receivers->body, nullptr, false));
  auto group_keys = [](const std::string& body) {
    json keys = json::array();
    for (const auto& g : json::parse(body, nullptr, false)) keys.push_back({g["labels"], g["receiver"], g["alerts"].size()});
    std::sort(keys.begin(), keys.end());
    return keys;
  };
  auto fake_groups = fake_client.Get("/api/v2/alerts/groups");
  auto real_groups = real_client.Get("/api/v2/alerts/groups");
  ASSERT_TRUE(fake_groups && real_groups);
  EXPECT_EQ(group_keys(fake_groups->body), group_keys(real_groups->body)) << fake_groups->body << "\n" << real_groups->body;
  for (const char* path : {"/-/healthy", "/-/ready"}) {
    auto ours = fake_client.Get(path);
    ASSERT_TRUE(ours) << path;
    EXPECT_EQ(ours->status, 200) << path;
    EXPECT_EQ(ours->body, "OK") << path;
  }
  EXPECT_EQ(fake_status["versionInfo"]["version"], "0.25.0");

  // Silences by amtool on both: add one for the firing alert, list it, see the alert
  // suppressed (gone from the default query, listed with --silenced), expire it.
  auto amtool = [](const std::string& url, const std::string& args) {
    return testing::run_command("timeout 20 /usr/bin/amtool --alertmanager.url=" + url + " " + args + " 2>&1");
  };
  std::map<std::string, std::string> ids;
  for (const std::string& url : {fake, real_url}) {
    SCOPED_TRACE(url == fake ? "failsim" : "Alertmanager 0.25");
    const auto added = amtool(url, "silence add -a failsim-test -c 'game day' -d 30m alertname=" + name);
    ASSERT_EQ(added.exit_code, 0) << added.out;
    ids[url] = added.out.substr(0, added.out.find('\n'));
    EXPECT_EQ(ids[url].size(), 36u) << added.out;
    const json listed_silences = json::parse(amtool(url, "silence query -o json").out, nullptr, false);
    ASSERT_TRUE(listed_silences.is_array() && listed_silences.size() == 1) << listed_silences;
    EXPECT_EQ(listed_silences[0]["id"], ids[url]);
    EXPECT_EQ(listed_silences[0]["createdBy"], "failsim-test");
    EXPECT_EQ(listed_silences[0]["comment"], "game day");
    EXPECT_EQ(listed_silences[0]["status"]["state"], "active");
    EXPECT_EQ(listed_silences[0]["matchers"],
              json::array({{{"isEqual", true}, {"isRegex", false}, {"name", "alertname"}, {"value", name}}}));
  }
  const Query fake_active = amtool_query(fake, name), real_active = amtool_query(real_url, name);
  EXPECT_EQ(fake_active.alerts, json::array()) << fake_active.text;
  EXPECT_EQ(real_active.alerts, json::array()) << real_active.text;
  const Query fake_silenced = amtool_query(fake, "--silenced " + name), real_silenced = amtool_query(real_url, "--silenced " + name);
  ASSERT_FALSE(fake_silenced.alerts.empty()) << fake_silenced.text;
  for (const auto& a : fake_silenced.alerts) EXPECT_EQ(a["state"], "suppressed");
  EXPECT_EQ(fake_silenced.alerts.size(), real_silenced.alerts.size()) << fake_silenced.text << "\n" << real_silenced.text;
  for (const std::string& url : {fake, real_url}) {
    SCOPED_TRACE(url == fake ? "failsim" : "Alertmanager 0.25");
    const auto expired = amtool(url, "silence expire " + ids[url]);
    EXPECT_EQ(expired.exit_code, 0) << expired.out;
    // amtool sorts silences into expired or not by endsAt against the wall clock, and
    // failsim's virtual clock runs 20x ahead of it: ask the server for the state.
    httplib::Client c(url);
    auto after = c.Get("/api/v2/silence/" + ids[url]);
    ASSERT_TRUE(after && after->status == 200) << (after ? after->body : "no answer");
    EXPECT_EQ(json::parse(after->body, nullptr, false)["status"]["state"], "expired") << after->body;
  }
  EXPECT_EQ(amtool_query(fake, name).alerts.size(), fake_silenced.alerts.size()) << "expired: the alert is active again";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace failsim
