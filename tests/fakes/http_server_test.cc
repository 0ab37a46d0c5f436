// HttpServer's connection handling, over raw loopback sockets so nothing in between
// (a client library's own pool or timeouts) hides what the server does: an idle
// keep-alive connection outlives a pause up to keep_alive_idle (Toxiproxy's API keeps
// them 60 s: api.go's IdleTimeout), and stop() does not wait for idle connections.
#include "fakes/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

namespace failsim::fakes {
namespace {

using namespace std::chrono_literals;

// One client connection; every read waits at most `wait`.
class RawConnection {
 public:
  explicit RawConnection(int port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  bool connected() const { return connected_; }
  bool send(const std::string& data) { return ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(data.size()); }
  // Reads until `marker` has arrived, the peer closed, or `wait` passed.
  std::string read_until(const std::string& marker, std::chrono::milliseconds wait) {
    std::string got;
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (got.find(marker) == std::string::npos) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) {
        closed_ = true;
        break;
      }
      got.append(buf, static_cast<std::size_t>(n));
    }
    return got;
  }
  bool closed() const { return closed_; }

 private:
  int fd_;
  bool connected_ = false;
  bool closed_ = false;
};

const std::string kRequest = "GET /hello HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

void add_hello(HttpServer& server) {
  server.routes().Get("/hello", [](const httplib::Request&, httplib::Response& res) { res.set_content("hello", "text/plain"); });
}

TEST(HttpServerTest, AnIdleConnectionOutlivesAPauseShorterThanTheKeepAlivePeriod) {
  HttpServer server(HttpServerLimits{1 << 20, 60s, 8});
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
  auto server = std::make_unique<HttpServer>(HttpServerLimits{1 << 20, 60s, 8});
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
