// HttpServer's connection handling, over raw loopback sockets so nothing in between
// (a client library's own pool or timeouts) hides what the server does: an idle
// keep-alive connection outlives a pause up to keep_alive_idle (Toxiproxy's API keeps
// them 60 s: api.go's IdleTimeout), and stop() does not wait for idle connections.
#include "fakes/http_server.h"
#include "tests/fakes/raw_connection.h"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <vector>
#include <string>
#include <thread>

namespace failsim::fakes {
namespace {

using namespace std::chrono_literals;
using testing::RawConnection;

const std::string kRequest = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

void add_hello(HttpServer& server) {
  server.routes().Get("/hello", [](const httplib::Request&, httplib::Response& res) { res.set_content("hello", "text/plain"); });
}

TEST(HttpServerTest, AnIdleConnectionOutlivesAPauseShorterThanTheKeepAlivePeriod) {
  HttpServer server(HttpServerLimits{1 << 20, 60s, 512, 10s});
  add_hello(server);
  ASSERT_TRUE(server.start("127.0.0.1", 0));
  RawConnection c(server.port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send(kRequest));
  EXPECT_NE(c.read_until("hello", 2s).find("hello"), std::string::npos);
  // cpp-httplib's default (5 s) closed the connection here: the client that came back
  // after 6 s got "other side closed".
  std::this_thread::sleep_for(6s);
  ASSERT_TRUE(c.send(kRequest));
  const std::string second = c.read_until("hello", 2s);
  EXPECT_NE(second.find("200 OK"), std::string::npos) << second;
  EXPECT_NE(second.find("hello"), std::string::npos) << second;
  EXPECT_FALSE(c.closed());
}

TEST(HttpServerTest, AConnectionIsServedManyRequestsNotClosedAfterFive) {
  HttpServer server;
  add_hello(server);
  ASSERT_TRUE(server.start("127.0.0.1", 0));
  RawConnection c(server.port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(c.send(kRequest)) << i;
    const std::string answer = c.read_until("hello", 2s);
    ASSERT_NE(answer.find("hello"), std::string::npos) << "request " << i;
    EXPECT_EQ(answer.find("Connection: close"), std::string::npos) << "request " << i;
  }
}

TEST(HttpServerTest, StopDoesNotWaitForIdleKeepAliveConnections) {
  auto server = std::make_unique<HttpServer>(HttpServerLimits{1 << 20, 60s, 512, 10s});
  add_hello(*server);
  ASSERT_TRUE(server->start("127.0.0.1", 0));
  RawConnection idle(server->port());
  ASSERT_TRUE(idle.send(kRequest));
  ASSERT_NE(idle.read_until("hello", 2s).find("hello"), std::string::npos);
  // The worker now waits for the connection's next request, for up to 60 s.
  const auto t0 = std::chrono::steady_clock::now();
  server->stop();
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(took, 10s) << "stop() waited out the idle connection";
  idle.read_until("never", 2s);
  EXPECT_TRUE(idle.closed()) << "the idle connection was closed by stop()";
}

}  // namespace
}  // namespace failsim::fakes

namespace failsim::fakes {
namespace {

using testing::RawConnection;

// A client that sends its request head a byte at a time is cut off once it has not
// completed a head within keep_alive_idle + request_deadline (here 1 s + 1 s), while
// a correct client on another connection is answered at once throughout.
TEST(HttpServerTest, ASlowHeaderClientIsCutOffAtTheDeadlineAndOthersAreServed) {
  HttpServer server(HttpServerLimits{1 << 20, 1s, 512, 1s});
  add_hello(server);
  ASSERT_TRUE(server.start("127.0.0.1", 0));
  RawConnection slow(server.port());
  ASSERT_TRUE(slow.send("GET /hello HTTP/1.1\r\n"));
  const auto t0 = std::chrono::steady_clock::now();
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {  // a header byte every 200 ms, for up to 8 s
    slow.send("X");
    slow.read_until("never", 200ms);
    closed = slow.closed();
    RawConnection good(server.port());
    ASSERT_TRUE(good.send(kRequest));
    EXPECT_NE(good.read_until("hello", 1s).find("hello"), std::string::npos) << "at " << i;
  }
  EXPECT_TRUE(closed) << "the slow client was never cut off";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s);
}

// The control room's event stream was cut mid-chunk once it had lasted the deadline
// (Chromium: net::ERR_INCOMPLETE_CHUNKED_ENCODING): the watchdog took a connection whose
// answer was still being written for one that never sent its head. An answer lasts as
// long as its client reads; here 30 chunks over 3 s against a 1 s + 1 s deadline.
TEST(HttpServerTest, AStreamLongerThanTheDeadlineIsNotCut) {
  HttpServer server(HttpServerLimits{1 << 20, 1s, 512, 1s});
  server.routes().Get("/stream", [](const httplib::Request&, httplib::Response& res) {
    auto sent = std::make_shared<int>(0);
    res.set_chunked_content_provider("text/event-stream", [sent](std::size_t, httplib::DataSink& sink) {
      std::this_thread::sleep_for(100ms);
      if (++*sent > 30) {
        sink.done();
        return true;
      }
      const std::string chunk = "data: " + std::to_string(*sent) + "\n\n";
      return sink.write(chunk.data(), chunk.size());
    });
  });
  ASSERT_TRUE(server.start("127.0.0.1", 0));
  RawConnection c(server.port());
  ASSERT_TRUE(c.send("GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  const std::string body = c.read_until("\r\n0\r\n\r\n", 15s);
  EXPECT_NE(body.find("data: 30\n\n"), std::string::npos) << body;
  EXPECT_NE(body.find("\r\n0\r\n\r\n"), std::string::npos) << "the stream was cut before its last chunk: " << body;
}

// A request with a body is still watched from its head: a body sent a byte at a time
// is cut off at the deadline (1 s + 1 s) like a slow head.
TEST(HttpServerTest, ABodySentAByteAtATimeIsCutOffAtTheDeadline) {
  HttpServer server(HttpServerLimits{1 << 20, 1s, 512, 1s});
  server.routes().Post("/echo", [](const httplib::Request& req, httplib::Response& res) { res.set_content(req.body, "text/plain"); });
  ASSERT_TRUE(server.start("127.0.0.1", 0));
  RawConnection slow(server.port());
  ASSERT_TRUE(slow.send("POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n"));
  const auto t0 = std::chrono::steady_clock::now();
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {  // a body byte every 200 ms, for up to 8 s
    slow.send("X");
    slow.read_until("never", 200ms);
    closed = slow.closed();
  }
  EXPECT_TRUE(closed) << "the slow body was never cut off";
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s);
}

}  // namespace
}  // namespace failsim::fakes

namespace failsim::fakes {
namespace {

// cpp-httplib 0.11 listens with a backlog of 5; a burst of 200 connects overflowed it and
// every few connects waited out a 1 s SYN retransmission (30 s for the burst).
TEST(HttpServerTest, ABurstOfTwoHundredConnectsIsAcceptedWithoutSynRetries) {
  HttpServer server;
  add_hello(server);
  ASSERT_TRUE(server.start("127.0.0.1", 0));
  std::vector<std::unique_ptr<testing::RawConnection>> burst;
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i) {
    burst.push_back(std::make_unique<testing::RawConnection>(server.port()));
    ASSERT_TRUE(burst.back()->connected());
  }
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 900ms) << "a connect waited for a SYN retransmission";
}

}  // namespace
}  // namespace failsim::fakes

namespace failsim::fakes {
namespace {

// Past max_connections a connection is not left to wait unanswered: up to as many
// again are answered 503 at once (with Retry-After, then closed); when the held
// connections go away, new ones are served again.
TEST(HttpServerTest, ConnectionsPastTheCapAreAnswered503AndClosed) {
  HttpServer server(HttpServerLimits{1 << 20, 5s, 4, 10s});
  add_hello(server);
  ASSERT_TRUE(server.start("127.0.0.1", 0));
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 4; ++i) {  // four connections that each got an answer: served, kept alive
    held.push_back(std::make_unique<RawConnection>(server.port()));
    ASSERT_TRUE(held.back()->send(kRequest));
    ASSERT_NE(held.back()->read_until("hello", 2s).find("hello"), std::string::npos) << i;
  }
  RawConnection over(server.port());
  ASSERT_TRUE(over.send(kRequest));
  const std::string refused = over.read_until("retry shortly\n", 2s);
  EXPECT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << refused;
  EXPECT_NE(refused.find("Retry-After: 1"), std::string::npos) << refused;
  EXPECT_NE(refused.find("too many connections: this server serves 4 at once"), std::string::npos) << refused;
  over.read_until("never", 2s);
  EXPECT_TRUE(over.closed()) << "the refused connection stays open";
  held.clear();  // the four close: their threads end
  bool served = false;
  for (int i = 0; i < 20 && !served; ++i) {
    RawConnection again(server.port());
    again.send(kRequest);
    served = again.read_until("hello", 1s).find("200 OK") != std::string::npos;
    if (!served) std::this_thread::sleep_for(100ms);
  }
  EXPECT_TRUE(served);
}

// serve_in_process runs a request through the same parsing, hooks and routes as a
// socket would, with no socket: what the fuzz target of the fakes' handlers relies on.
TEST(HttpServerTest, ServeInProcessAnswersAsAConnectionWould) {
  HttpServer server(HttpServerLimits{64, 5s, 4, 10s});
  add_hello(server);
  server.routes().Post("/echo", [](const httplib::Request& req, httplib::Response& res) { res.set_content(req.body, "text/plain"); });
  server.routes().Get("/boom", [](const httplib::Request&, httplib::Response&) { throw std::runtime_error("kaput"); });
  std::string r = serve_in_process(server.routes(), kRequest);
  EXPECT_EQ(r.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r;
  EXPECT_NE(r.find("\r\n\r\nhello"), std::string::npos) << r;
  r = serve_in_process(server.routes(), "POST /echo HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
  EXPECT_NE(r.find("\r\n\r\nabc"), std::string::npos) << r;
  // POST without a length: no body (HttpServer's hook), answered at once.
  r = serve_in_process(server.routes(), "POST /echo HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 200", 0), 0u) << r;
  EXPECT_EQ(serve_in_process(server.routes(), "GARBAGE\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  EXPECT_EQ(serve_in_process(server.routes(), "POST /echo HTTP/1.1\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x'))
                .rfind("HTTP/1.1 413", 0),
            0u);
  r = serve_in_process(server.routes(), "GET /boom HTTP/1.1\r\n\r\n");
  EXPECT_EQ(r.rfind("HTTP/1.1 500", 0), 0u) << r;
  EXPECT_NE(r.find("kaput"), std::string::npos) << r;
  EXPECT_EQ(serve_in_process(server.routes(), ""), "");
}

}  // namespace
}  // namespace failsim::fakes
