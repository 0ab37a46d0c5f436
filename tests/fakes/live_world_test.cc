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

namespace failsim::fakes {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

class LiveWorldTest : public ::testing::Test {
 protected:
  void SetUp() override {
    live_ = std::make_unique<testing::LiveFixture>(world_spec());
    ASSERT_TRUE(live_->started);
    live_->advance(1min);
    live_->loop = std::make_unique<LiveLoop>(live_->world.engine(), speed());
    LiveOptions options;
    options.github.token = "test-token";
    world_ = std::make_unique<LiveWorld>(live_->world, *live_->loop, options);
    auto started = world_->start();
    ASSERT_TRUE(started) << started.error();
    const TimePoint until = live_->world.engine().now() + 24h;
    live_->engine_thread = std::thread([this, until] { live_->loop->run_until(until); });
    dir_ = std::filesystem::temp_directory_path() / ("failsim-live-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_ / "tsdb");
  }
  void TearDown() override {
    if (prometheus_) prometheus_->stop();
    live_->stop();
    world_->stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  static std::pair<std::string, int> host_port(const std::string& url) {
    const auto start = url.find("//") + 2;
    const auto colon = url.find(':', start);
    const auto slash = url.find('/', colon);
    return {url.substr(start, colon - start), std::stoi(url.substr(colon + 1, slash - colon - 1))};
  }
  httplib::Result fetch(const std::string& url, std::chrono::milliseconds read_timeout = 2s) {
    const auto [host, port] = host_port(url);
    httplib::Client c(host, port);
    c.set_connection_timeout(1s);
    c.set_read_timeout(read_timeout);
    const auto slash = url.find('/', url.find("//") + 2);
    return c.Get(slash == std::string::npos ? "/" : url.substr(slash));
  }
  template <class F>
  auto on_engine(F fn) {
    return live_->loop->call(std::move(fn));
  }
  // The seed's incident in the model: Prometheus -> serotonin:9102 dropped, from now on.
  void partition_serotonin_exporter() {
    on_engine([this] {
      sim::NetworkFault f;
      f.from = live_->world.spec().prometheus.host;
      f.to = "serotonin";
      f.port = 9102;
      f.start = live_->world.engine().now();
      return live_->world.network().add_fault(f);
    });
  }

  // Debian's real Prometheus on a free loopback port, scraping `targets` (host:port)
  // as job github-runner-health. Returns a client for its API.
  std::unique_ptr<httplib::Client> start_real_prometheus(const std::vector<std::string>& targets,
                                                         const std::string& scrape_interval, const std::string& scrape_timeout) {
    std::string list;
    for (const auto& t : targets) list += (list.empty() ? "'" : ", '") + t + "'";
    std::ofstream(dir_ / "prometheus.yml") << "global:\n  scrape_interval: " << scrape_interval << "\n  scrape_timeout: " << scrape_timeout
                                           << "\nscrape_configs:\n  - job_name: github-runner-health\n"
                                              "    honor_labels: true\n    static_configs:\n      - targets: ["
                                           << list << "]\n";
    return launch_real_prometheus(2s);
  }
  // Debian's Prometheus on DIR/prometheus.yml, on a free loopback port; a client for its API.
  std::unique_ptr<httplib::Client> launch_real_prometheus(std::chrono::milliseconds read_timeout) {
    const int port = testing::free_loopback_port();
    prometheus_ = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{"/usr/bin/prometheus", "--config.file=" + (dir_ / "prometheus.yml").string(),
                                 "--storage.tsdb.path=" + (dir_ / "tsdb").string(),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port)},
        (dir_ / "prometheus.log").string());
    if (!prometheus_->started()) return nullptr;
    auto prom = std::make_unique<httplib::Client>("127.0.0.1", port);
    prom->set_connection_timeout(1s);
    prom->set_read_timeout(read_timeout);
    return prom;
  }
  std::string exporter_target(const std::string& runner) {
    return "127.0.0.1:" + std::to_string(host_port(world_->url("exporter-" + runner)).second);
  }

  // The world under test and its pace; a subclass may change them.
  virtual sim::WorldSpec world_spec() const { return testing::corrected_world(11); }
  virtual double speed() const { return 10.0; }
  std::unique_ptr<testing::LiveFixture> live_;
  std::unique_ptr<LiveWorld> world_;
  std::filesystem::path dir_;
  std::unique_ptr<testing::ChildProcess> prometheus_;
};

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

namespace failsim::fakes {
namespace {

// The live world on the wall clock (speed 1, virtual time started so that it reads the
// wall clock's now after the fixture's 1-minute run-ahead, as `failsim serve --start now`
// does), scraped every second both by its own Prometheus and by Debian's real one
// through the exporters' proxies. Exporters answer in a fixed 200 ms.
class WallClockLiveWorldTest : public LiveWorldTest {
 protected:
  static constexpr double kCollectSeconds = 0.2;
  sim::WorldSpec world_spec() const override {
    sim::WorldSpec spec = testing::corrected_world(11);
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch());
    spec.start = TimePoint(now_ms - std::chrono::minutes(1));
    for (auto& job : spec.scrape_configs) {
      job.scrape_interval = std::chrono::seconds(1);
      job.scrape_timeout = std::chrono::seconds(1);
    }
    for (auto& r : spec.runners) r.collect_time = sim::Distribution::fixed(std::chrono::milliseconds(200));
    return spec;
  }
  double speed() const override { return 1.0; }
};

// Grafana's Prometheus data source (connect: buildinfo and the 1+1 health query; a
// dashboard: query_range, labels, label values, series, metadata, exemplars, rules) and
// prometheus-api-client (the web root, all_metrics, current and range values, targets and
// their metadata), sent to the world's Prometheus and to Debian's 2.42 scraping the same
// exporters with the same job, target labels and honor_labels. Each call must get the same
// status code, the same JSON "status" and "errorType", the same shape of "data" (keys and
// value types), and, where the answer does not depend on timing, the same data: label
// names and values, series, the up vector, metadata types, 1+1.
class GrafanaDifferential : public WallClockLiveWorldTest {
 protected:
  // Debian's Prometheus with the world's scrape config: each target through its proxy,
  // with the world's target labels (instance included, so series are named alike).
  std::unique_ptr<httplib::Client> start_twin() {
    json targets = json::parse(fetch(world_->url("prometheus") + "/api/v1/targets")->body);
    const auto& job = live_->world.spec().scrape_configs.at(0);
    std::string statics;
    for (const auto& t : targets["data"]["activeTargets"]) {
      std::string runner;
      for (const auto& r : live_->world.spec().runners) {
        if (t["labels"]["instance"] == r.host + ":" + std::to_string(r.exporter_port)) runner = r.runner_name;
      }
      statics += "      - targets: ['" + exporter_target(runner) + "']\n        labels:\n";
      for (const auto& [k, v] : t["labels"].items()) {
        if (k != "job") statics += "          " + k + ": " + v.dump() + "\n";
      }
    }
    // The world's rule files, as its Prometheus lists them.
    std::set<std::string> rule_files;
    json rules_api = json::parse(fetch(world_->url("prometheus") + "/api/v1/rules")->body);  // held: the loop walks into it
    for (const auto& g : rules_api["data"]["groups"]) rule_files.insert(g["file"].get<std::string>());
    std::string rules = rule_files.empty() ? "" : "rule_files:\n";
    for (const auto& f : rule_files) rules += "  - " + f + "\n";
    // Rules evaluated every second, so its recording rules have written before the calls.
    std::ofstream(dir_ / "prometheus.yml") << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n" << rules
                                           << "scrape_configs:\n  - job_name: " << job.job << "\n    honor_labels: "
                                           << (job.honor_labels ? "true" : "false") << "\n    static_configs:\n" << statics;
    return launch_real_prometheus(5s);
  }
  // Keys and value types; an array by its first element; objects keyed by data (metric
  // names in metadata) are compared by key too, which the same exporters make equal.
  static json shape(const json& j) {
    if (j.is_object()) {
      json out = json::object();
      for (const auto& [k, v] : j.items()) out[k] = shape(v);
      return out;
    }
    if (j.is_array()) return j.empty() ? json::array() : json::array({shape(j[0])});
    if (j.is_number()) return "number";
    return j.type_name();
  }
};

TEST_F(GrafanaDifferential, EveryCallGetsTheSameStatusShapeAndTimingFreeData) {
  auto real = start_twin();
  ASSERT_TRUE(real);
  httplib::Client fake("127.0.0.1", host_port(world_->url("prometheus")).second);
  fake.set_read_timeout(5s);
  // Both have scraped both targets a few times (sum(up) == 2 over the last 5 s in each).
  auto ready = [](httplib::Client& c) {
    auto r = c.Get("/api/v1/query?query=" + httplib::detail::encode_query_param("count_over_time(up[5s]) > 2"));
    return r && r->status == 200 && json::parse(r->body, nullptr, false)["data"]["result"].size() == 2;
  };
  // And the real one has evaluated every rule group once (the world's did long ago).
  auto evaluated = [&] {
    auto r = real->Get("/api/v1/rules");
    if (!r || r->status != 200) return false;
    json j = json::parse(r->body, nullptr, false);
    if (!j.is_object() || j["data"]["groups"].empty()) return false;
    for (const auto& g : j["data"]["groups"]) {
      if (g["lastEvaluation"].get<std::string>().rfind("0001", 0) == 0) return false;
    }
    return true;
  };
  ASSERT_TRUE(testing::wait_until([&] { return ready(*real) && ready(fake) && evaluated(); }, 60s));
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string now = std::to_string(now_s), start = std::to_string(now_s - 30), end = now;
  const std::string window = "start=" + start + "&end=" + end;
  auto q = [](const std::string& s) { return httplib::detail::encode_query_param(s); };
  struct Call {
    std::string what, method, path, form;
    bool same_data;
  };
  const std::vector<Call> calls = {
      {"grafana: version probe", "GET", "/api/v1/status/buildinfo", "", false},
      {"grafana: health check", "POST", "/api/v1/query", "query=1%2B1&time=" + now, true},
      {"grafana: panel", "POST", "/api/v1/query_range", "query=" + q("up") + "&" + window + "&step=5", false},
      {"grafana: label names", "GET", "/api/v1/labels?" + window, "", true},
      {"grafana: metric names", "GET", "/api/v1/label/__name__/values?" + window, "", true},
      {"grafana: instance values", "GET", "/api/v1/label/instance/values?" + window, "", true},
      {"grafana: series", "GET", "/api/v1/series?match%5B%5D=up&" + window, "", true},
      {"grafana: metadata", "GET", "/api/v1/metadata?metric=runner_status", "", true},
      {"grafana: exemplars", "POST", "/api/v1/query_exemplars", "query=up&" + window, true},
      {"grafana: rules", "GET", "/api/v1/rules?type=alert", "", false},
      {"client: web root", "GET", "/", "", false},
      {"client: current value", "GET", "/api/v1/query?query=up&time=" + now, "", false},
      {"client: range vector", "GET", "/api/v1/query?query=" + q("up[5s]") + "&time=" + now, "", false},
      {"client: targets", "GET", "/api/v1/targets", "", false},
      {"client: target metadata", "GET", "/api/v1/targets/metadata?metric=runner_status", "", false},
      {"client: label values", "GET", "/api/v1/label/job/values", "", true},
      {"error: parse", "GET", "/api/v1/query?query=" + q("up{"), "", false},
      {"error: range backwards", "GET", "/api/v1/query_range?query=up&start=10&end=5&step=1", "", false},
      {"error: too many points", "GET", "/api/v1/query_range?query=up&start=0&end=100000&step=1", "", false},
      {"error: no such endpoint", "GET", "/api/v1/nothing", "", false},
  };
  int agreed = 0;
  for (const auto& c : calls) {
    auto send = [&](httplib::Client& to) {
      to.set_follow_location(c.path == "/");  // requests follows the root's redirect
      return c.method == "GET" ? to.Get(c.path) : to.Post(c.path, c.form, "application/x-www-form-urlencoded");
    };
    auto a = send(fake);
    auto b = send(*real);
    ASSERT_TRUE(a && b) << c.what;
    EXPECT_EQ(a->status, b->status) << c.what << "\nfake: " << a->body << "\nreal: " << b->body;
    const json ja = json::parse(a->body, nullptr, false), jb = json::parse(b->body, nullptr, false);
    EXPECT_EQ(ja.is_discarded(), jb.is_discarded()) << c.what;
    if (!ja.is_object() || !jb.is_object()) {
      agreed += a->status == b->status && ja.is_object() == jb.is_object() ? 1 : 0;
      continue;
    }
    const std::string both = c.what + "\nfake: " + a->body.substr(0, 2000) + "\nreal: " + b->body.substr(0, 2000);
    bool same = a->status == b->status;
    same = same && ja.value("status", "") == jb.value("status", "");
    same = same && ja.value("errorType", "") == jb.value("errorType", "");
    const json shape_a = shape(ja.value("data", json())), shape_b = shape(jb.value("data", json()));
    EXPECT_EQ(shape_a, shape_b) << both;
    same = same && shape_a == shape_b;
    if (c.same_data) {
      EXPECT_EQ(ja.value("data", json()), jb.value("data", json())) << both;
      same = same && ja.value("data", json()) == jb.value("data", json());
    }
    EXPECT_TRUE(same) << both;
    agreed += same ? 1 : 0;
  }
  EXPECT_EQ(agreed, static_cast<int>(calls.size())) << testing::read_file((dir_ / "prometheus.yml").string())
                                                   << testing::read_file((dir_ / "prometheus.log").string());
  std::cout << "[ differential ] " << agreed << "/" << calls.size() << " Grafana and prometheus-api-client calls agree\n";
}

// The issue this answers: the live exporters stamped virtual time from 2025, so a real
// Prometheus computed a check-in age of ~353 days while the fake said seconds. Now both
// ask the same question at the same instant and must agree within one scrape interval
// (1 s; instants where the runner checked in during the last 3 s are skipped, since one
// server may have scraped the new check-in and the other not yet). The exporters' answer
// time agrees too: the real Prometheus measures the live exporter's scrape duration,
// the fake records the model's, both the world's 200 ms collect time.
TEST_F(WallClockLiveWorldTest, RealPrometheusAndTheFakeAgreeOnCheckInAgeAndScrapeDuration) {
  const std::string target = exporter_target("Serotonin-paws360");
  auto client = start_real_prometheus({target}, "1s", "1s");
  ASSERT_TRUE(client);
  auto instant = [&](httplib::Client& c, const std::string& expr, double at) -> std::optional<double> {
    char time_param[32];
    std::snprintf(time_param, sizeof time_param, "%.3f", at);
    auto r = c.Get("/api/v1/query?query=" + httplib::detail::encode_query_param(expr) + "&time=" + time_param);
    if (!r || r->status != 200) return std::nullopt;
    const json body = json::parse(r->body);
    const json& result = body["data"]["result"];
    if (result.size() != 1) return std::nullopt;
    return std::stod(result[0]["value"][1].get<std::string>());
  };
  const auto [fake_host, fake_port] = host_port(world_->url("prometheus"));
  httplib::Client fake(fake_host, fake_port);
  fake.set_connection_timeout(1s);
  fake.set_read_timeout(2s);
  const std::string age = "time() - runner_last_check_in_timestamp_seconds{hostname=\"Serotonin\"}";
  auto wall = [] { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); };
  // The real server has a few scrapes of the target.
  ASSERT_TRUE(testing::wait_until([&] { return instant(*client, "count_over_time(up[10s]) >= 3", wall()).has_value(); }, 30s, 200ms))
      << testing::read_file((dir_ / "prometheus.log").string());
  int compared = 0;
  double worst = 0;
  for (int probe = 0; probe < 12; ++probe) {
    const double at = wall() - 1.5;  // both servers have scraped up to here
    const auto real_age = instant(*client, age, at);
    const auto fake_age = instant(fake, age, at);
    const auto recent_check_in = instant(*client, "changes(runner_last_check_in_timestamp_seconds[3s])", at);
    ASSERT_TRUE(real_age && fake_age && recent_check_in) << "probe " << probe;
    EXPECT_GE(*real_age, -1.0);
    EXPECT_LT(*real_age, 120.0) << "a check-in age of seconds, not of a year (the runner checks in every 50 s)";
    if (*recent_check_in == 0) {
      ++compared;
      worst = std::max(worst, std::abs(*real_age - *fake_age));
      EXPECT_NEAR(*real_age, *fake_age, 1.0) << "probe " << probe << " at " << std::fixed << at;
    }
    std::this_thread::sleep_for(500ms);
  }
  EXPECT_GE(compared, 6) << "too few instants without a fresh check-in to compare";
  std::printf("check-in age: %d instants compared, largest difference %.3f s\n", compared, worst);
  const std::string duration = "avg_over_time(scrape_duration_seconds{instance=\"" + target + "\"}[5s])";
  const auto real_duration = instant(*client, duration, wall() - 1.5);
  const std::string fake_duration_expr = "avg_over_time(scrape_duration_seconds{instance=\"serotonin:9102\"}[5s])";
  const auto fake_duration = instant(fake, fake_duration_expr, wall() - 1.5);
  ASSERT_TRUE(real_duration && fake_duration);
  std::printf("scrape duration: real Prometheus %.3f s, the fake %.3f s (collect time %.3f s)\n", *real_duration, *fake_duration,
              kCollectSeconds);
  EXPECT_NEAR(*fake_duration, kCollectSeconds, 0.05);
  // The real measurement adds HTTP, the proxy and a loaded CI host (ASan): 0.202 s on a quiet one.
  EXPECT_NEAR(*real_duration, *fake_duration, 0.1);
}

}  // namespace
}  // namespace failsim::fakes
