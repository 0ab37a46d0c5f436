// The chaos proxies: pass-through, each Toxiproxy toxic's effect on a real HTTP
// exchange over loopback, run-time changes, and the Toxiproxy-style control API.
// Timing assertions are lower bounds (a toxic never makes things faster than it says).
#include "fakes/chaos_proxy.h"

#include <gtest/gtest.h>

#include <thread>

#include "tests/harness/process.h"
#include <nlohmann/json.hpp>

#include "fakes/http_server.h"
#include "fakes/toxiproxy_api.h"
#include "tests/fakes/live_fixture.h"
#include "tests/fakes/raw_connection.h"

namespace failsim::fakes {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

class ChaosProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    upstream_.routes().Get("/ping", [](const httplib::Request&, httplib::Response& res) { res.set_content("pong", "text/plain"); });
    upstream_.routes().Get("/big", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(50 * 1024, 'b'), "text/plain");
    });
    ASSERT_TRUE(upstream_.start("127.0.0.1", 0));
    auto p = proxies_.create("web", "127.0.0.1:0", "127.0.0.1:" + std::to_string(upstream_.port()));
    ASSERT_TRUE(p) << p.error();
    port_ = std::stoi(p.value().listen.substr(p.value().listen.rfind(':') + 1));
  }
  httplib::Result ping(const char* path = "/ping", std::chrono::milliseconds read_timeout = 3s) {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(2s);
    c.set_read_timeout(read_timeout);
    return c.Get(path);
  }
  static Toxic toxic(const std::string& type, const std::string& stream, std::map<std::string, std::int64_t> attrs) {
    Toxic t;
    t.type = type;
    t.stream = stream;
    t.attributes = std::move(attrs);
    return t;
  }

  HttpServer upstream_;
  ChaosProxies proxies_;
  int port_ = 0;
};

TEST_F(ChaosProxyTest, ForwardsBytesBothWays) {
  auto r = ping();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "pong");
  auto big = ping("/big");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->body.size(), 50u * 1024);
  EXPECT_GE(proxies_.connections("web"), 2u);
}

// Toxiproxy delays each chunk by the latency from its own arrival (toxics/latency.go),
// so a response written in several chunks (headers, then a 50 KiB body) is late by the
// latency once, not once per chunk. Every response through a 500 ms toxic takes 500 to
// 600 ms; the proxy used to delay chunk after chunk (about 1,000 ms for two).
TEST_F(ChaosProxyTest, LatencyIsPerChunkFromItsArrivalNotCumulative) {
  ASSERT_TRUE(proxies_.add_toxic("web", toxic("latency", "downstream", {{"latency", 500}})));
  for (int i = 0; i < 6; ++i) {
    const auto t0 = Clock::now();
    auto r = ping(i % 2 == 0 ? "/ping" : "/big");
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_GE(took, 500ms) << "request " << i;
    EXPECT_LT(took, 600ms) << "request " << i;
  }
  // Jitter: latency + [-jitter, jitter), Toxiproxy's rand.Int63n(2 * jitter) - jitter.
  ASSERT_TRUE(proxies_.update_toxic("web", "latency_downstream", 1.0, {{"latency", 300}, {"jitter", 100}}));
  for (int i = 0; i < 4; ++i) {
    const auto t0 = Clock::now();
    ASSERT_TRUE(ping());
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
    EXPECT_GE(took, 200ms);
    EXPECT_LT(took, 500ms);
  }
}

TEST_F(ChaosProxyTest, LatencyDelaysTheResponseAtLeastThatLong) {
  ASSERT_TRUE(proxies_.add_toxic("web", toxic("latency", "downstream", {{"latency", 200}})));
  const auto t0 = Clock::now();
  auto r = ping();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "pong");
  EXPECT_GE(Clock::now() - t0, 200ms);
}

TEST_F(ChaosProxyTest, TimeoutBlackholesUntilTheClientGivesUpAndRemovingItHeals) {
  ASSERT_TRUE(proxies_.add_toxic("web", toxic("timeout", "upstream", {{"timeout", 0}})));
  const auto t0 = Clock::now();
  auto r = ping("/ping", 300ms);
  EXPECT_FALSE(r);  // the connection is accepted, the request swallowed
  EXPECT_GE(Clock::now() - t0, 300ms);
  EXPECT_EQ(r.error(), httplib::Error::Read);
  ASSERT_TRUE(proxies_.remove_toxic("web", "timeout_upstream"));
  r = ping();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "pong");
}

TEST_F(ChaosProxyTest, ADisabledProxyRefusesConnectionsUntilEnabled) {
  ASSERT_TRUE(proxies_.update("web", false, std::nullopt, std::nullopt));
  auto r = ping();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), httplib::Error::Connection);
  ASSERT_TRUE(proxies_.update("web", true, std::nullopt, std::nullopt));
  r = ping();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "pong");
}

TEST_F(ChaosProxyTest, ResetPeerAndLimitDataBreakTheExchange) {
  ASSERT_TRUE(proxies_.add_toxic("web", toxic("reset_peer", "upstream", {{"timeout", 0}})));
  EXPECT_FALSE(ping());
  ASSERT_TRUE(proxies_.remove_toxic("web", "reset_peer_upstream"));
  ASSERT_TRUE(proxies_.add_toxic("web", toxic("limit_data", "downstream", {{"bytes", 1000}})));
  auto r = ping("/big");
  EXPECT_TRUE(!r || r->body.size() < 50u * 1024);
}

TEST_F(ChaosProxyTest, BandwidthLimitsThroughput) {
  ASSERT_TRUE(proxies_.add_toxic("web", toxic("bandwidth", "downstream", {{"rate", 100}})));  // 100 KB/s
  const auto t0 = Clock::now();
  auto r = ping("/big");  // 51,200 bytes at 100 KB/s of 1,000 bytes (toxics/bandwidth.go): 512 ms
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.size(), 50u * 1024);
  EXPECT_GE(Clock::now() - t0, 500ms);
}

TEST_F(ChaosProxyTest, ToxicsAndAddressesAreValidated) {
  EXPECT_FALSE(validate_toxic(toxic("lightning", "downstream", {})));
  EXPECT_FALSE(validate_toxic(toxic("latency", "sideways", {})));
  // An attribute the type does not have is dropped, as Toxiproxy's JSON decoding ignores it.
  const auto ignored = validate_toxic(toxic("latency", "upstream", {{"bytes", 1}, {"latency", 5}}));
  ASSERT_TRUE(ignored);
  EXPECT_EQ(ignored.value().attributes, (std::map<std::string, std::int64_t>{{"jitter", 0}, {"latency", 5}}));
  EXPECT_FALSE(validate_toxic(toxic("slicer", "downstream", {{"average_size", 0}})));
  EXPECT_FALSE(validate_toxic(toxic("latency", "upstream", {{"latency", -1}})));
  Toxic t = toxic("latency", "upstream", {});
  t.toxicity = 1.5;
  EXPECT_FALSE(validate_toxic(t));
  const auto ok = validate_toxic(toxic("latency", "upstream", {{"latency", 5}}));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok.value().name, "latency_upstream");
  EXPECT_EQ(ok.value().attribute("jitter"), 0);
  // Loopback only, both ends.
  EXPECT_FALSE(proxies_.create("out", "0.0.0.0:0", "127.0.0.1:1"));
  EXPECT_FALSE(proxies_.create("out", "127.0.0.1:0", "10.0.0.1:80"));
  EXPECT_FALSE(proxies_.create("web", "127.0.0.1:0", "127.0.0.1:1"));  // exists
}

// failsim's http_status toxic: a request it hits is answered by the proxy (status, body,
// Connection: close) and never reaches the server; `first` counts requests across
// connections; a window that has not opened or has closed lets requests through.
TEST_F(ChaosProxyTest, AnHttpStatusToxicAnswersRequestsInsteadOfTheServer) {
  int served = 0;
  upstream_.routes().Post("/echo", [&served](const httplib::Request& req, httplib::Response& res) {
    ++served;
    res.set_content(req.body, "text/plain");
  });
  Toxic t = toxic("http_status", "upstream", {{"status", 503}});
  t.name = "unavailable";
  ASSERT_TRUE(proxies_.add_toxic("web", t));
  auto r = ping();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "failsim http_status toxic \"unavailable\": 503 Service Unavailable\n");
  EXPECT_EQ(r->get_header_value("X-Failsim-Toxic"), "unavailable");
  EXPECT_EQ(r->get_header_value("Connection"), "close");
  httplib::Client c("127.0.0.1", port_);
  auto post = c.Post("/echo", std::string(100'000, 'x'), "text/plain");  // a body in many reads
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 503);
  EXPECT_EQ(served, 0) << "a request the toxic answers never reaches the server";
  EXPECT_EQ(proxies_.http_answers("web"), 2u);
  ASSERT_TRUE(proxies_.remove_toxic("web", "unavailable"));
  post = c.Post("/echo", std::string(100'000, 'x'), "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 200);
  EXPECT_EQ(post->body.size(), 100'000u) << "the body passes whole once the toxic is gone";
  EXPECT_EQ(served, 1);
}

TEST_F(ChaosProxyTest, HttpStatusFirstNCountsRequestsOnKeptAliveConnections) {
  Toxic t = toxic("http_status", "downstream", {{"status", 502}, {"first", 2}});
  t.body = "{\"message\": \"bad gateway\"}";
  ASSERT_TRUE(proxies_.add_toxic("web", t));
  httplib::Client c("127.0.0.1", port_);
  c.set_keep_alive(true);
  std::vector<int> statuses;
  for (int i = 0; i < 4; ++i) {
    auto r = c.Get("/ping");
    statuses.push_back(r ? r->status : -1);
    if (i == 0 && r) {
      EXPECT_EQ(r->body, "{\"message\": \"bad gateway\"}");
    }
  }
  EXPECT_EQ(statuses, (std::vector<int>{502, 502, 200, 200}));
  // On one kept-alive connection, a request after some that passed is framed and hit too.
  ASSERT_TRUE(proxies_.remove_toxic("web", "http_status_downstream"));
  httplib::Client k("127.0.0.1", port_);
  k.set_keep_alive(true);
  ASSERT_EQ(k.Get("/ping")->status, 200);
  ASSERT_TRUE(proxies_.add_toxic("web", toxic("http_status", "upstream", {{"status", 429}})));
  auto r = k.Get("/ping");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 429);
  EXPECT_EQ(k.Get("/ping")->status, 429) << "the client reconnects after Connection: close and is answered again";
}

// A request the proxy held (half of it read) when the toxic was removed reaches the
// server whole: no byte a client sent is lost to the framing.
TEST_F(ChaosProxyTest, BytesHeldForFramingAreNotLostWhenTheToxicGoes) {
  upstream_.routes().Post("/echo", [](const httplib::Request& req, httplib::Response& res) { res.set_content(req.body, "text/plain"); });
  ASSERT_TRUE(proxies_.add_toxic("web", toxic("http_status", "upstream", {{"status", 503}, {"after", 3'600'000}})));
  testing::RawConnection c(port_);
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nhello"));
  std::this_thread::sleep_for(100ms);  // held: the request is not complete
  ASSERT_TRUE(proxies_.remove_toxic("web", "http_status_upstream"));
  ASSERT_TRUE(c.send("world"));
  const std::string answer = c.read_until("helloworld", 3s);
  EXPECT_NE(answer.find("HTTP/1.1 200"), std::string::npos) << answer;
  EXPECT_NE(answer.find("helloworld"), std::string::npos) << answer;
}

TEST_F(ChaosProxyTest, HttpStatusActsOnlyWithinItsWindowAndAtItsToxicity) {
  ASSERT_TRUE(proxies_.add_toxic("web", toxic("http_status", "upstream", {{"status", 500}, {"after", 3'600'000}})));
  EXPECT_EQ(ping()->status, 200) << "an hour before its window opens";
  ASSERT_TRUE(proxies_.remove_toxic("web", "http_status_upstream"));
  ASSERT_TRUE(proxies_.add_toxic("web", toxic("http_status", "upstream", {{"status", 500}, {"duration", 1}})));
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(ping()->status, 200) << "its 1 ms window has closed";
  ASSERT_TRUE(proxies_.remove_toxic("web", "http_status_upstream"));
  Toxic never = toxic("http_status", "upstream", {{"status", 500}});
  never.toxicity = 0.0;
  ASSERT_TRUE(proxies_.add_toxic("web", never));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(ping()->status, 200) << "toxicity 0";
  EXPECT_EQ(proxies_.http_answers("web"), 0u);
}

TEST(HttpStatusToxic, RequestsAreFramedByTheirHeadersAndContentLength) {
  bool head = false;
  const std::string get = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_EQ(http_request_length(get + "GET /next", head), get.size());
  EXPECT_FALSE(head);
  EXPECT_EQ(http_request_length(get.substr(0, 20), head), 0u) << "incomplete: wait for more";
  EXPECT_EQ(http_request_length("GE", head), 0u);
  const std::string post = "POST /d HTTP/1.1\r\nContent-Length:  5 \r\n\r\nhello";
  EXPECT_EQ(http_request_length(post, head), post.size());
  EXPECT_EQ(http_request_length(post.substr(0, post.size() - 1), head), 0u) << "the body is part of the request";
  EXPECT_EQ(http_request_length("HEAD / HTTP/1.0\r\n\r\n", head), 19u);
  EXPECT_TRUE(head);
  for (const std::string& bad : {std::string("\x16\x03\x01\x02\x00", 5), std::string("get / HTTP/1.1\r\n\r\n"),
                                std::string("GET / SPDY/3\r\n\r\n"), std::string("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"),
                                std::string("POST / HTTP/1.1\r\nContent-Length: 1e3\r\n\r\n"),
                                std::string("POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n"), std::string(" GET / HTTP/1.1\r\n\r\n"),
                                "GET /" + std::string(70 * 1024, 'a')}) {
    EXPECT_FALSE(http_request_length(bad, head).has_value()) << bad.substr(0, 60);
  }
}

TEST(HttpStatusToxic, StatusAndBodyAreValidated) {
  auto with = [](std::int64_t status) {
    Toxic t;
    t.type = "http_status";
    t.attributes = {{"status", status}};
    return validate_toxic(t);
  };
  EXPECT_TRUE(with(503));
  EXPECT_TRUE(with(429));
  for (std::int64_t bad : {0, 200, 302, 399, 419, 599, 600}) {
    auto r = with(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().find("attribute \"status\""), std::string::npos) << r.error();
  }
  Toxic t;
  t.type = "http_status";
  t.attributes = {{"status", 503}};
  t.body = std::string(65 * 1024, 'b');
  EXPECT_FALSE(validate_toxic(t));
  Toxic latency;
  latency.type = "latency";
  latency.body = "kept only by http_status";
  EXPECT_EQ(validate_toxic(latency).value().body, "");
}

class ToxiproxyApiTest : public ChaosProxyTest {
 protected:
  void SetUp() override {
    ChaosProxyTest::SetUp();
    install_toxiproxy_api(control_.routes(), proxies_, [this](const std::string& name) { changed_.push_back(name); });
    ASSERT_TRUE(control_.start("127.0.0.1", 0));
    client_ = testing::client_for(control_);
  }
  static json body(const httplib::Result& r) { return r ? json::parse(r->body, nullptr, false) : json(); }
  HttpServer control_;
  std::unique_ptr<httplib::Client> client_;
  std::vector<std::string> changed_;
};

TEST_F(ToxiproxyApiTest, ProxiesAreCreatedListedAndConflictsAre409) {
  auto r = client_->Post("/proxies", json{{"name", "api"}, {"listen", "127.0.0.1:0"}, {"upstream", "127.0.0.1:" + std::to_string(upstream_.port())}}.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  json p = body(r);
  EXPECT_EQ(p["name"], "api");
  EXPECT_EQ(p["enabled"], true);
  EXPECT_EQ(p["toxics"], json::array());
  EXPECT_NE(p["listen"], "127.0.0.1:0");  // the bound port is reported
  r = client_->Post("/proxies", json{{"name", "api"}, {"upstream", "127.0.0.1:1"}}.dump(), "application/json");
  EXPECT_EQ(r->status, 409);
  EXPECT_EQ(body(r), json({{"error", "proxy already exists"}, {"status", 409}}));
  const json all = body(client_->Get("/proxies"));
  EXPECT_TRUE(all.contains("api"));
  EXPECT_TRUE(all.contains("web"));
  EXPECT_EQ(client_->Get("/proxies/nope")->status, 404);
  EXPECT_EQ(client_->Post("/proxies", "{bad", "application/json")->status, 400);
  EXPECT_EQ(client_->Post("/proxies", json{{"upstream", "127.0.0.1:1"}}.dump(), "application/json")->status, 400);
  EXPECT_EQ(client_->Delete("/proxies/api")->status, 204);
  EXPECT_EQ(client_->Delete("/proxies/api")->status, 404);
  EXPECT_EQ(changed_, (std::vector<std::string>{"api", "api"}));
}

TEST_F(ToxiproxyApiTest, ToxicsAreAddedUpdatedAndRemovedAtRunTime) {
  auto r = client_->Post("/proxies/web/toxics", json{{"type", "latency"}, {"attributes", {{"latency", 150}}}}.dump(), "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json t = body(r);
  EXPECT_EQ(t["name"], "latency_downstream");  // Toxiproxy's default name and stream
  EXPECT_EQ(t["stream"], "downstream");
  EXPECT_EQ(t["toxicity"], 1.0);
  EXPECT_EQ(t["attributes"]["latency"], 150);
  EXPECT_EQ(t["attributes"]["jitter"], 0);
  const auto t0 = Clock::now();
  ASSERT_TRUE(ping());
  EXPECT_GE(Clock::now() - t0, 150ms);
  EXPECT_EQ(client_->Post("/proxies/web/toxics", json{{"type", "latency"}}.dump(), "application/json")->status, 409);
  EXPECT_EQ(client_->Post("/proxies/web/toxics", json{{"type", "nope"}}.dump(), "application/json")->status, 400);
  EXPECT_EQ(client_->Post("/proxies/none/toxics", json{{"type", "latency"}}.dump(), "application/json")->status, 404);
  r = client_->Post("/proxies/web/toxics/latency_downstream", json{{"attributes", {{"latency", 10}}}}.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(body(r)["attributes"]["latency"], 10);
  EXPECT_EQ(body(client_->Get("/proxies/web/toxics")).size(), 1u);
  EXPECT_EQ(body(client_->Get("/proxies/web/toxics/latency_downstream"))["type"], "latency");
  EXPECT_EQ(client_->Delete("/proxies/web/toxics/latency_downstream")->status, 204);
  EXPECT_EQ(client_->Get("/proxies/web/toxics/latency_downstream")->status, 404);
}

TEST_F(ToxiproxyApiTest, DisablingAndResetWorkThroughTheApi) {
  auto r = client_->Post("/proxies/web", R"({"enabled":false})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(body(r)["enabled"], false);
  EXPECT_FALSE(ping());
  client_->Post("/proxies/web/toxics", json{{"type", "timeout"}}.dump(), "application/json");
  EXPECT_EQ(client_->Post("/reset", "", "application/json")->status, 204);
  const json p = body(client_->Get("/proxies/web"));
  EXPECT_EQ(p["enabled"], true);
  EXPECT_EQ(p["toxics"], json::array());
  auto ok = ping();
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->body, "pong");
  EXPECT_TRUE(body(client_->Get("/version")).contains("version"));
  EXPECT_EQ(body(client_->Get("/no/such/path"))["status"], 404);
}

// Toxiproxy decodes attributes into int64 fields: 1.5 or "500" is a 400 (the fake used to
// truncate 1.5 to 1), an attribute the type lacks is ignored (the fake used to refuse it).
TEST_F(ToxiproxyApiTest, AttributesAreReadAsToxiproxyReadsThem) {
  auto r = client_->Post("/proxies/web/toxics", R"({"type":"latency","attributes":{"latency":1.5}})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(body(r)["error"].get<std::string>().find("cannot unmarshal number 1.5 into Go struct field .attributes.latency of type int64"),
            std::string::npos) << r->body;
  r = client_->Post("/proxies/web/toxics", R"({"type":"latency","attributes":{"latency":"500"}})", "application/json");
  EXPECT_EQ(r->status, 400);
  r = client_->Post("/proxies/web/toxics", R"({"type":"latency","attributes":{"latency":50,"colour":"red","rate":7}})",
                    "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(body(r)["attributes"], json({{"jitter", 0}, {"latency", 50}}));
  r = client_->Post("/proxies/web/toxics/latency_downstream", R"({"attributes":{"latency":2.5}})", "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(body(client_->Get("/proxies/web/toxics/latency_downstream"))["attributes"]["latency"], 50);
}

// The slicer cuts each chunk in pieces of about average_size ± size_variation bytes, sent
// `delay` microseconds apart: the bytes arrive complete and in order, later.
TEST_F(ToxiproxyApiTest, TheSlicerDeliversEveryByteInPieces) {
  auto r = client_->Post("/proxies/web/toxics",
                         R"({"type":"slicer","attributes":{"average_size":1024,"size_variation":256,"delay":2000}})",
                         "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(body(r)["attributes"], json({{"average_size", 1024}, {"delay", 2000}, {"size_variation", 256}}));
  const auto t0 = Clock::now();
  auto big = ping("/big");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->body, std::string(50 * 1024, 'b'));
  // 50 KiB in pieces of 768-1280 bytes: at least 39 pieces, 2 ms apart.
  EXPECT_GE(Clock::now() - t0, 39 * 2ms);
}

// The official CLI updates with PATCH (Toxiproxy routes POST and PATCH to the same
// update), and clients reset with a bare `POST /reset`: no body, no Content-Length.
TEST_F(ToxiproxyApiTest, PatchUpdatesAndABodilessResetIsAnsweredAtOnce) {
  ASSERT_EQ(client_->Post("/proxies/web/toxics", json{{"type", "latency"}, {"attributes", {{"latency", 150}}}}.dump(),
                          "application/json")->status, 200);
  auto r = client_->Patch("/proxies/web/toxics/latency_downstream", json{{"attributes", {{"latency", 20}}}}.dump(),
                          "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(body(client_->Get("/proxies/web/toxics/latency_downstream"))["attributes"]["latency"], 20);
  r = client_->Patch("/proxies/web", R"({"enabled":false})", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(body(r)["enabled"], false);
  EXPECT_FALSE(ping());
  const auto reset = testing::run_command("curl -sS -m 3 -o /dev/null -w '%{http_code}' -X POST '" + control_.url() + "/reset' 2>&1");
  EXPECT_EQ(reset.exit_code, 0) << reset.out;
  EXPECT_EQ(reset.out, "204");
  const json p = body(client_->Get("/proxies/web"));
  EXPECT_EQ(p["enabled"], true);
  EXPECT_EQ(p["toxics"], json::array());
  EXPECT_EQ(changed_.back(), "web");
}

}  // namespace
}  // namespace failsim::fakes

namespace failsim::fakes {
namespace {

// Attribute bounds (issue 17): a bandwidth of 2^54 KB/s killed serve with SIGFPE and a
// latency of INT64_MAX overflowed; both are refused (400 through the API) now.
TEST_F(ToxiproxyApiTest, AnHttpStatusToxicTakesItsBodyAsATextAttribute) {
  auto r = client_->Post("/proxies/web/toxics",
                         json{{"type", "http_status"}, {"name", "gw"}, {"attributes", {{"status", 502}, {"body", "down for maintenance"}}}}.dump(),
                         "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(body(r), json::parse(R"({"name":"gw","type":"http_status","stream":"downstream","toxicity":1.0,)"
                                 R"("attributes":{"after":0,"duration":0,"first":0,"status":502,"body":"down for maintenance"}})"));
  auto answered = ping();
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->status, 502);
  EXPECT_EQ(answered->body, "down for maintenance");
  r = client_->Post("/proxies/web/toxics/gw", json{{"attributes", {{"body", "back soon"}, {"status", 503}}}}.dump(), "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(body(r)["attributes"]["body"], "back soon");
  EXPECT_EQ(ping()->body, "back soon");
  r = client_->Post("/proxies/web/toxics/gw", json{{"attributes", {{"body", 5}}}}.dump(), "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(body(r)["error"], "bad request body: json: cannot unmarshal number into Go struct field .attributes.body of type string");
  r = client_->Post("/proxies/web/toxics", json{{"type", "http_status"}, {"attributes", {{"status", 200}}}}.dump(), "application/json");
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(body(r)["error"].get<std::string>().find("4xx or 5xx"), std::string::npos);
}

// docs/live-mode.md's http_status example, as written there, through the control API.
TEST_F(ToxiproxyApiTest, TheDocumentedHttpStatusExampleWorksAsWritten) {
  const std::string doc = testing::read_file(std::string(FAILSIM_SOURCE_DIR) + "/docs/live-mode.md");
  const auto section = doc.find("### HTTP-level faults");
  ASSERT_NE(section, std::string::npos);
  const auto start = doc.find("```json\n", section);
  ASSERT_NE(start, std::string::npos);
  const auto end = doc.find("```", start + 8);
  const std::string example = doc.substr(start + 8, end - start - 8);
  auto r = client_->Post("/proxies/web/toxics", example, "application/json");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  const json documented = json::parse(example);
  EXPECT_EQ(body(r)["attributes"], documented["attributes"]);
  auto answered = ping();
  ASSERT_TRUE(answered);
  EXPECT_EQ(answered->status, documented["attributes"]["status"].get<int>());
  EXPECT_EQ(answered->body, documented["attributes"]["body"].get<std::string>());
}

TEST(ToxicBounds, AttributesOutsideTheirRangeAreRefused) {
  auto toxic = [](const std::string& type, std::map<std::string, std::int64_t> attributes) {
    Toxic t;
    t.type = type;
    t.attributes = std::move(attributes);
    return validate_toxic(t);
  };
  const auto latency = toxic("latency", {{"latency", std::numeric_limits<std::int64_t>::max()}});
  ASSERT_FALSE(latency);
  EXPECT_EQ(latency.error(), "attribute \"latency\" must be at most 86400000 (milliseconds)");
  const auto rate = toxic("bandwidth", {{"rate", std::int64_t{1} << 54}});
  ASSERT_FALSE(rate);
  EXPECT_EQ(rate.error(), "attribute \"rate\" must be at most 1000000000000 (KB/s)");
  EXPECT_TRUE(toxic("bandwidth", {{"rate", 1'000'000'000'000}}));
  EXPECT_FALSE(toxic("slicer", {{"average_size", 10}, {"delay", 86'400'000'001}}));
  EXPECT_TRUE(toxic("slicer", {{"average_size", 10}, {"delay", 86'400'000'000}}));
}

}  // namespace
}  // namespace failsim::fakes
