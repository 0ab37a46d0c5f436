// The live world end to end: every endpoint up behind its proxy, exporters in the
// text format promtool accepts, network-model faults mirrored onto the real sockets,
// hand-made faults mirrored into the model, and Debian's real Prometheus scraping the
// live exporters through the proxies: blackholing the primary's exporter makes it
// report the target down with "context deadline exceeded", as in the Serotonin
// incident (paws360-as-built.md §6; reference B1). Loopback only; every wait bounded.
#include "fakes/live_world.h"

#include <gtest/gtest.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "tests/fakes/live_fixture.h"
#include "tests/fakes/raw_connection.h"
#include "tests/harness/process.h"
#include "tests/fakes/live_world_fixture.h"

namespace failsim::fakes {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;


TEST_F(LiveWorldTest, EveryEndpointAnswersOnLoopback) {
  const auto eps = world_->endpoints();
  std::set<std::string> names;
  for (const auto& e : eps) {
    names.insert(e.name);
    EXPECT_EQ(e.url.rfind("http://127.0.0.1:", 0), 0u) << e.url;
  }
  EXPECT_EQ(names, (std::set<std::string>{"github", "prometheus", "alertmanager", "control", "exporter-Serotonin-paws360",
                                          "exporter-dell-r640-01-runner"}));
  auto r = fetch(world_->url("prometheus") + "/api/v1/query?query=up");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  r = fetch(world_->url("github") + "/repos/rmnanney/PAWS360/actions/runners");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);  // no credentials
  r = fetch(world_->url("control") + "/proxies");
  ASSERT_TRUE(r);
  EXPECT_TRUE(json::parse(r->body).contains("exporter-Serotonin-paws360"));
}

TEST_F(LiveWorldTest, ExportersServeTheTextFormatThatPromtoolAccepts) {
  for (const char* name : {"exporter-Serotonin-paws360", "exporter-dell-r640-01-runner"}) {
    auto r = fetch(world_->url(name));
    ASSERT_TRUE(r) << name;
    ASSERT_EQ(r->status, 200);
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");  // B5
    ASSERT_FALSE(r->body.empty());
    EXPECT_EQ(r->body.back(), '\n');
    EXPECT_NE(r->body.find("# TYPE runner_status gauge\n"), std::string::npos);
    const std::string file = (dir_ / "metrics.txt").string();
    std::ofstream(file) << r->body;
    const auto check = testing::run_command("promtool check metrics < '" + file + "' 2>&1");
    EXPECT_EQ(check.exit_code, 0) << name << ":\n" << check.out << "\n" << r->body;
  }
  auto r = fetch(world_->url("exporter-Serotonin-paws360"));
  EXPECT_NE(r->body.find("runner_status{active_state=\"active\",authorized_for_prod=\"true\",environment=\"production\",hostname=\"Serotonin\"} 1\n"),
            std::string::npos)
      << r->body;
}

TEST_F(LiveWorldTest, ExportersFollowTheRunnerStateInRealTime) {
  on_engine([this] {
    live_->world.runner("Serotonin-paws360")->stop_service();
    return true;
  });
  auto r = fetch(world_->url("exporter-Serotonin-paws360"));
  ASSERT_TRUE(r);
  EXPECT_NE(r->body.find("hostname=\"Serotonin\"} 0\n"), std::string::npos) << r->body;
  EXPECT_NE(r->body.find("active_state=\"unknown\""), std::string::npos);
}

TEST_F(LiveWorldTest, ModelFaultsBecomeRefusalsAndBlackholesOnTheRealSockets) {
  const std::string url = world_->url("exporter-Serotonin-paws360");
  // Exporter stopped (host up): connection refused.
  on_engine([this] {
    live_->world.runner("Serotonin-paws360")->set_exporter_running(false);
    return true;
  });
  ASSERT_TRUE(testing::wait_until([&] { auto r = fetch(url); return !r && r.error() == httplib::Error::Connection; }, 5s, 20ms));
  on_engine([this] {
    live_->world.runner("Serotonin-paws360")->set_exporter_running(true);
    return true;
  });
  ASSERT_TRUE(testing::wait_until([&] { return static_cast<bool>(fetch(url)); }, 5s, 20ms));
  // A drop partition from the Prometheus host: the request hangs until the client's timeout.
  partition_serotonin_exporter();
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto r = fetch(url, 300ms);
        return !r && r.error() == httplib::Error::Read;
      },
      5s, 20ms));
  // The other runner is untouched.
  EXPECT_TRUE(fetch(world_->url("exporter-dell-r640-01-runner")));
}

TEST_F(LiveWorldTest, ModelLatencyFaultsBecomeALatencyToxicOnTheExportersRequests) {
  on_engine([this] {
    sim::NetworkFault f;
    f.kind = sim::NetworkFault::Kind::kLatency;
    f.from = live_->world.spec().prometheus.host;
    f.to = "dell-r640-01";
    f.added_latency = std::chrono::milliseconds(250);
    f.start = live_->world.engine().now();
    return live_->world.network().add_fault(f);
  });
  const auto [host, port] = host_port(world_->url("control"));
  httplib::Client control(host, port);
  json toxic;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto r = control.Get("/proxies/exporter-dell-r640-01-runner/toxics/failsim_latency");
        if (!r || r->status != 200) return false;
        toxic = json::parse(r->body);
        return true;
      },
      5s, 20ms));
  EXPECT_EQ(toxic["type"], "latency");
  EXPECT_EQ(toxic["stream"], "upstream");
  EXPECT_EQ(toxic["attributes"]["latency"], 250);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(fetch(world_->url("exporter-dell-r640-01-runner")));
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 250ms);
  // Serotonin's proxy is untouched.
  auto r = control.Get("/proxies/exporter-Serotonin-paws360/toxics");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body), json::array());
}

TEST_F(LiveWorldTest, AHandMadeBlackholeReachesTheModelsPrometheus) {
  std::vector<std::string> heard;
  world_->on_manual_fault([&heard](const LiveWorld::ManualFault& m) { heard.push_back(m.text); });
  const auto [host, port] = host_port(world_->url("control"));
  httplib::Client control(host, port);
  auto r = control.Post("/proxies/exporter-Serotonin-paws360/toxics",
                        json{{"name", "gameday"}, {"type", "timeout"}, {"stream", "upstream"}}.dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  // 10x: the 15 s scrape and its 10 s timeout pass in a few wall seconds.
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto q = fetch(world_->url("prometheus") + "/api/v1/query?query=up%7Binstance%3D%22serotonin%3A9102%22%7D");
        return q && json::parse(q->body)["data"]["result"].size() == 1 &&
               json::parse(q->body)["data"]["result"][0]["value"][1] == "0";
      },
      20s, 100ms));
  auto h = on_engine([&heard] { return heard; });
  ASSERT_TRUE(h);
  ASSERT_FALSE(h->empty());
  EXPECT_NE(h->front().find("drop monitoring->serotonin:9102"), std::string::npos) << h->front();
}

// 200 connections sending their request head a byte at a time, held for 10 s against
// a fake (GitHub, Prometheus, the proxy control API, an exporter), while a correct client
// asks every 250 ms: every answer arrives, each within 1 s. (Eight such connections used
// to take all eight workers of a server: every correct request timed out.)
class SlowHeaders : public LiveWorldTest, public ::testing::WithParamInterface<std::pair<const char*, const char*>> {};

TEST_P(SlowHeaders, TwoHundredSlowHeaderConnectionsDoNotStarveACorrectClient) {
  const std::string name = GetParam().first, path = GetParam().second;
  const auto [host, port] = host_port(world_->url(name));
  std::vector<std::unique_ptr<testing::RawConnection>> slow;
  for (int i = 0; i < 200; ++i) {
    slow.push_back(std::make_unique<testing::RawConnection>(port));
    ASSERT_TRUE(slow.back()->connected()) << i;
    slow.back()->send("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  }
  httplib::Client good(host, port);
  good.set_connection_timeout(1s);
  good.set_read_timeout(1s);
  if (name == "github") good.set_bearer_token_auth("test-token");
  int asked = 0, answered = 0;
  const auto end = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < end) {
    for (auto& c : slow) c->send("X");  // a byte of a header that never ends
    const auto t0 = std::chrono::steady_clock::now();
    auto r = good.Get(path);
    ++asked;
    EXPECT_TRUE(r) << (r ? "" : httplib::to_string(r.error()));
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
    answered += r && r->status == 200 ? 1 : 0;
    std::this_thread::sleep_for(250ms);
  }
  EXPECT_GE(asked, 10);
  EXPECT_EQ(answered, asked);
}

INSTANTIATE_TEST_SUITE_P(EachFake, SlowHeaders,
                         ::testing::Values(std::make_pair("github", "/rate_limit"), std::make_pair("prometheus", "/-/healthy"),
                                           std::make_pair("control", "/version"),
                                           std::make_pair("exporter-dell-r640-01-runner", "/metrics")),
                         [](const auto& info) {
                           std::string n = info.param.first;
                           for (char& c : n) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return n;
                         });

TEST_F(LiveWorldTest, RealPrometheusSeesTheBlackholedPrimaryDownWithDeadlineExceeded) {
  const std::string s_target = exporter_target("Serotonin-paws360");
  const std::string d_target = exporter_target("dell-r640-01-runner");
  auto client = start_real_prometheus({s_target, d_target}, "1s", "1s");
  ASSERT_TRUE(client);
  httplib::Client& prom = *client;
  std::string last;
  auto targets = [&] {
    std::map<std::string, json> by;
    auto r = prom.Get("/api/v1/targets");
    if (!r || r->status != 200) {
      last = r ? r->body : httplib::to_string(r.error());
      return by;
    }
    last = r->body;
    const json body = json::parse(r->body);  // kept alive: the loop walks a part of it
    for (const auto& t : body["data"]["activeTargets"]) by[t["labels"]["instance"].get<std::string>()] = t;
    return by;
  };
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto t = targets();
        return t.size() == 2 && t[s_target]["health"] == "up" && t[d_target]["health"] == "up";
      },
      30s))
      << last;
  // The seed's incident: Prometheus -> serotonin:9102 dropped, in the network model.
  partition_serotonin_exporter();
  json down;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto t = targets();
        down = t[s_target];
        return down["health"] == "down";
      },
      30s));
  EXPECT_NE(down["lastError"].get<std::string>().find("context deadline exceeded"), std::string::npos) << down.dump();
  EXPECT_EQ(targets()[d_target]["health"], "up");
  // From the runner itself (a client outside the model's Prometheus) the exporter is
  // just as blackholed on loopback: the proxy cannot tell clients apart, so the live
  // mirror applies the Prometheus host's view to everyone (see live_world.h).
}

}  // namespace
}  // namespace failsim::fakes

namespace failsim::fakes {
namespace {

// A hand-made toxic on the primary's exporter proxy, and what it does to a scrape with a
// 250 ms timeout (unless the case says; every second) of an exporter that answers in
// 10 ms: each case says whether the scrape fails. Both a real
// Prometheus scraping through the proxy and the world's own Prometheus must agree, and
// both recover once the toxic is removed. (Before, a hand-made latency toxic never
// reached the model, and a bandwidth toxic reached neither it nor the right rate.)
struct HandMadeToxic {
  std::string name;
  json toxic;       // as a Toxiproxy client posts it
  bool scrape_fails;
  int scrape_timeout_ms = 250;
};

// Scrapes every second with a timeout of `timeout_ms`, of exporters that answer in 10 ms
// (PAWS360's take about 300 ms, in the model and in live mode alike), so a 250 ms timeout
// leaves room for a small toxic.
sim::WorldSpec fast_scrape_world(int timeout_ms) {
  sim::WorldSpec spec = testing::corrected_world(11);
  for (auto& job : spec.scrape_configs) {
    job.scrape_interval = std::chrono::seconds(1);
    job.scrape_timeout = std::chrono::milliseconds(timeout_ms);
  }
  for (auto& r : spec.runners) r.collect_time = sim::Distribution::fixed(std::chrono::milliseconds(10));
  return spec;
}

class HandMadeToxicTest : public LiveWorldTest, public ::testing::WithParamInterface<HandMadeToxic> {
 protected:
  sim::WorldSpec world_spec() const override { return fast_scrape_world(GetParam().scrape_timeout_ms); }
};

TEST_P(HandMadeToxicTest, TheWorldsPrometheusAndARealOneAgreeOnTheTarget) {
  const std::string target = exporter_target("Serotonin-paws360");
  auto client = start_real_prometheus({target}, "1s", std::to_string(GetParam().scrape_timeout_ms) + "ms");
  ASSERT_TRUE(client);
  httplib::Client& prom = *client;
  // The health of the real one's newest scrape.
  auto real_health = [&] {
    auto r = prom.Get("/api/v1/targets");
    if (!r || r->status != 200) return std::string("?");
    const json body = json::parse(r->body);
    const auto& active = body["data"]["activeTargets"];
    return active.empty() ? std::string("?") : active[0]["health"].get<std::string>();
  };
  auto fake_up = [&] {
    auto q = fetch(world_->url("prometheus") + "/api/v1/query?query=up%7Binstance%3D%22serotonin%3A9102%22%7D");
    if (!q) return std::string("?");
    const json j = json::parse(q->body, nullptr, false);
    if (!j.is_object() || j["data"]["result"].size() != 1) return std::string("?");
    return j["data"]["result"][0]["value"][1].get<std::string>();
  };
  ASSERT_TRUE(testing::wait_until([&] { return real_health() == "up" && fake_up() == "1"; }, 30s));
  const auto [host, cport] = host_port(world_->url("control"));
  httplib::Client control(host, cport);
  json toxic = GetParam().toxic;
  toxic["name"] = "by-hand";
  auto r = control.Post("/proxies/exporter-Serotonin-paws360/toxics", toxic.dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  if (GetParam().scrape_fails) {
    EXPECT_TRUE(testing::wait_until([&] { return real_health() == "down"; }, 30s)) << "real Prometheus";
    EXPECT_TRUE(testing::wait_until([&] { return fake_up() == "0"; }, 30s)) << "the world's Prometheus";
  } else {
    // Six scrapes of each (the world runs at 10x) under the toxic: every one up.
    for (int i = 0; i < 6; ++i) {
      std::this_thread::sleep_for(1s);
      EXPECT_EQ(real_health(), "up") << "real Prometheus, second " << i;
      EXPECT_EQ(fake_up(), "1") << "the world's Prometheus, second " << i;
    }
  }
  ASSERT_EQ(control.Delete("/proxies/exporter-Serotonin-paws360/toxics/by-hand")->status, 204);
  EXPECT_TRUE(testing::wait_until([&] { return real_health() == "up"; }, 30s)) << "real Prometheus recovers";
  EXPECT_TRUE(testing::wait_until([&] { return fake_up() == "1"; }, 30s)) << "the world's Prometheus recovers";
  // Nothing of failsim's own is left on the proxy.
  EXPECT_EQ(json::parse(control.Get("/proxies/exporter-Serotonin-paws360")->body)["toxics"], json::array());
}

// failsim's http_status toxic, made with the unmodified npm Toxiproxy client on the
// primary's exporter proxy: Debian's Prometheus scraping through the proxy and the world's
// own Prometheus (the hand-made toxic mirrored into the model) both see the target down
// with the same lastError, scrape.go's "server returned HTTP status 503 Service
// Unavailable", and both recover when the client removes it. With `first: 3` each fails
// exactly three scrapes: the proxy counts the real one's requests, the model its own.
class HttpStatusToxicLive : public LiveWorldTest {
 protected:
  sim::WorldSpec world_spec() const override { return fast_scrape_world(900); }  // room for a loaded machine
  void SetUp() override {
    LiveWorldTest::SetUp();
    ASSERT_TRUE(std::filesystem::exists(std::string(FAILSIM_SOURCE_DIR) + "/tests/node_modules/toxiproxy-node-client"))
        << "tests/node_modules is missing: scripts/install-deps.sh installs it with npm ci";
    target_ = exporter_target("Serotonin-paws360");
    real_ = start_real_prometheus({target_}, "1s", "900ms");
    ASSERT_TRUE(real_);
    ASSERT_TRUE(testing::wait_until([&] { return real_target()["health"] == "up" && fake_target()["health"] == "up"; }, 30s));
  }
  json toxiproxy_client(const std::string& args) {
    const auto r = testing::run_command("cd '" + std::string(FAILSIM_SOURCE_DIR) + "/tests/js' && timeout 60 node http_status_toxic.mjs '" +
                                        world_->url("control") + "' exporter-Serotonin-paws360 " + args + " 2>&1");
    EXPECT_EQ(r.exit_code, 0) << r.out;
    const auto last = r.out.rfind("\n{");  // the script's one line, after anything node printed
    json j = json::parse(r.out.substr(last == std::string::npos ? 0 : last + 1), nullptr, false);
    return j.is_object() ? j : json::object();
  }
  static json first_target(const httplib::Result& r) {
    if (!r || r->status != 200) return json::object();
    json body = json::parse(r->body, nullptr, false);
    if (!body.is_object() || body["data"]["activeTargets"].empty()) return json::object();
    for (const auto& t : body["data"]["activeTargets"]) {
      if (t["labels"]["instance"] == "serotonin:9102" || t["scrapeUrl"].get<std::string>().find("/metrics") != std::string::npos) return t;
    }
    return json::object();
  }
  json real_target() { return first_target(real_->Get("/api/v1/targets")); }
  json fake_target() { return first_target(fetch(world_->url("prometheus") + "/api/v1/targets")); }
  // Failed scrapes of the primary in the last `range`: count_over_time - sum_over_time of up.
  static std::string failed_query(const std::string& selector, const std::string& range) {
    return httplib::detail::encode_query_param("count_over_time(up" + selector + "[" + range + "]) - sum_over_time(up" + selector + "[" + range + "])");
  }
  static std::optional<std::string> scalar_of(const httplib::Result& r) {
    if (!r || r->status != 200) return std::nullopt;
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_object() || j["data"]["result"].size() != 1) return std::nullopt;
    return j["data"]["result"][0]["value"][1].get<std::string>();
  }
  std::string target_;
  std::unique_ptr<httplib::Client> real_;
};

TEST_F(HttpStatusToxicLive, TheRealPrometheusAndTheWorldsSeeTheSame503AndRecover) {
  json added = toxiproxy_client("add maintenance 503");
  EXPECT_EQ(added["type"], "http_status");
  EXPECT_EQ(added["attributes"]["status"], 503);
  const std::string message = "server returned HTTP status 503 Service Unavailable";
  json real, fake;
  EXPECT_TRUE(testing::wait_until([&] { return (real = real_target())["lastError"] == message; }, 30s)) << real.dump();
  EXPECT_TRUE(testing::wait_until([&] { return (fake = fake_target())["lastError"] == message; }, 30s)) << fake.dump();
  EXPECT_EQ(real["health"], "down");
  EXPECT_EQ(fake["health"], "down");
  EXPECT_EQ(toxiproxy_client("remove maintenance")["removed"], "maintenance");
  EXPECT_TRUE(testing::wait_until([&] { return real_target()["health"] == "up"; }, 30s)) << "real Prometheus recovers";
  EXPECT_TRUE(testing::wait_until([&] { return fake_target()["health"] == "up"; }, 30s)) << "the world's Prometheus recovers";
  EXPECT_EQ(json::parse(fetch(world_->url("control") + "/proxies/exporter-Serotonin-paws360")->body)["toxics"], json::array())
      << "nothing of failsim's own is left on the proxy";
}

// On the GitHub proxy a hand-made http_status of 502 degrades the model's GitHub (what the
// deploy tooling inside the model calls): error rate = toxicity, that status; a 404 reaches
// real clients only; removing the toxic ends the degradation.
// The model's own http_status fault (a scenario's or the game-day API's) reaches real
// clients: the exporter's proxy answers its status while it lasts, and only then.
TEST_F(LiveWorldTest, AModelHttpStatusFaultIsAnsweredByTheExportersProxy) {
  const std::string exporter = world_->url("exporter-Serotonin-paws360");
  const int id = on_engine([this] {
    sim::NetworkFault f;
    f.kind = sim::NetworkFault::Kind::kHttpStatus;
    f.from = live_->world.spec().prometheus.host;
    f.to = "serotonin";
    f.port = 9102;
    f.http_status = 502;
    f.start = live_->world.engine().now();
    return live_->world.network().add_fault(f);
  }).value_or(0);
  ASSERT_NE(id, 0);
  std::string toxic;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto r = fetch(exporter);
        if (!r || r->status != 502) return false;
        toxic = r->get_header_value("X-Failsim-Toxic");
        return true;
      },
      10s));
  EXPECT_EQ(toxic, "failsim_http");
  on_engine([this, id] {
    live_->world.network().remove_fault(id);
    return true;
  });
  EXPECT_TRUE(testing::wait_until(
      [&] {
        auto r = fetch(exporter);
        return r && r->status == 200;
      },
      10s));
  EXPECT_EQ(json::parse(fetch(world_->url("control") + "/proxies/exporter-Serotonin-paws360")->body)["toxics"], json::array());
}

TEST_F(LiveWorldTest, AnHttpStatusToxicOnGitHubDegradesTheModelsGitHub) {
  const auto [host, cport] = host_port(world_->url("control"));
  httplib::Client control(host, cport);
  auto degradation = [&] {
    // call() answers nullopt if the loop has stopped: then no degradation is seen.
    return on_engine([this] { return live_->world.github().degradation(); }).value_or(std::nullopt);
  };
  auto add = [&](int status, double toxicity) {
    return control.Post("/proxies/github/toxics",
                        json{{"name", "gw"}, {"type", "http_status"}, {"toxicity", toxicity}, {"attributes", {{"status", status}}}}.dump(),
                        "application/json");
  };
  ASSERT_EQ(add(502, 0.25)->status, 200);
  ASSERT_TRUE(testing::wait_until([&] { return degradation().has_value(); }, 10s));
  EXPECT_EQ(degradation()->status, 502);
  EXPECT_EQ(degradation()->error_rate, 0.25);
  ASSERT_EQ(control.Delete("/proxies/github/toxics/gw")->status, 204);
  EXPECT_TRUE(testing::wait_until([&] { return !degradation().has_value(); }, 10s));
  ASSERT_EQ(add(404, 1.0)->status, 200);
  auto answered = fetch(world_->url("github") + "/repos/rmnanney/PAWS360/actions/runners");
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->get_header_value("X-Failsim-Toxic"), "gw") << "the proxy answered, not the fake";
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(degradation().has_value()) << "the model's GitHub answers only 500, 502 or 503 when degraded";
}

TEST_F(HttpStatusToxicLive, FirstThreeFailsExactlyThreeScrapesOfEach) {
  toxiproxy_client("add flaky 502 3");
  // The real one scrapes every wall second, the world's every virtual second (10 a wall
  // second): wait until each has scraped well past its three answered requests.
  std::this_thread::sleep_for(7s);
  const auto real_failed = scalar_of(real_->Get("/api/v1/query?query=" + failed_query("{instance=\"" + target_ + "\"}", "5m")));
  const auto fake_failed =
      scalar_of(fetch(world_->url("prometheus") + "/api/v1/query?query=" + failed_query("{instance=\"serotonin:9102\"}", "5m")));
  EXPECT_EQ(real_failed, std::optional<std::string>("3")) << "Debian's Prometheus";
  EXPECT_EQ(fake_failed, std::optional<std::string>("3")) << "the world's Prometheus";
  EXPECT_EQ(real_target()["health"], "up");
  EXPECT_EQ(fake_target()["health"], "up");
}

// The exporter's answer is about 430 bytes gzip-compressed plus 150 of headers: at
// 1 KB/s about 580 ms (> 250 ms), at 20 KB/s about 29 ms.
INSTANTIATE_TEST_SUITE_P(
    Toxics, HandMadeToxicTest,
    ::testing::Values(HandMadeToxic{"Latency2sUnder1sTimeout", {{"type", "latency"}, {"attributes", {{"latency", 2000}}}}, true, 1000},
                      HandMadeToxic{"Latency1s", {{"type", "latency"}, {"attributes", {{"latency", 1000}}}}, true},
                      HandMadeToxic{"Latency50ms", {{"type", "latency"}, {"attributes", {{"latency", 50}}}}, false},
                      HandMadeToxic{"Bandwidth1KBps", {{"type", "bandwidth"}, {"attributes", {{"rate", 1}}}}, true},
                      HandMadeToxic{"Bandwidth20KBps", {{"type", "bandwidth"}, {"attributes", {{"rate", 20}}}}, false},
                      HandMadeToxic{"Timeout", {{"type", "timeout"}, {"attributes", {{"timeout", 0}}}}, true}),
    [](const ::testing::TestParamInfo<HandMadeToxic>& info) { return info.param.name; });

}  // namespace
}  // namespace failsim::fakes
