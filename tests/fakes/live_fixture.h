// Test helper: a PAWS360 world (sim/world.h) with the corrected rule file, started,
// optionally run ahead in virtual time, then handed to a LiveLoop whose engine thread
// runs in the background until the fixture is destroyed (bounded: it stops itself).
#pragma once

#include <httplib.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "fakes/http_server.h"
#include "fakes/live_loop.h"
#include "sim/prometheus/rules.h"
#include "sim/world.h"
#include "tests/world_fixture.h"

namespace failsim::testing {

inline sim::WorldSpec corrected_world(std::uint64_t seed) {
  sim::WorldSpec spec = paws360_world(seed);
  auto rules = sim::prometheus::load_rule_file(std::string(FAILSIM_SOURCE_DIR) + "/scenarios/rules/runner-up-corrected.yml");
  if (rules) spec.rules = rules.value();
  return spec;
}

class LiveFixture {
 public:
  explicit LiveFixture(sim::WorldSpec spec) : world(std::move(spec)) { started = static_cast<bool>(world.start()); }
  ~LiveFixture() { stop(); }

  // Runs the model ahead synchronously (before the loop starts).
  void advance(std::chrono::seconds by) { world.engine().run_for(by); }

  // Starts pacing at `speed` on a background engine thread, for at most 2 simulated days.
  void go(double speed) {
    loop = std::make_unique<fakes::LiveLoop>(world.engine(), speed);
    const TimePoint until = world.engine().now() + std::chrono::hours(48);
    engine_thread = std::thread([this, until] { loop->run_until(until); });
  }

  void stop() {
    if (loop) loop->stop();
    if (engine_thread.joinable()) engine_thread.join();
  }

  sim::World world;
  bool started = false;
  std::unique_ptr<fakes::LiveLoop> loop;
  std::thread engine_thread;
};

inline std::unique_ptr<httplib::Client> client_for(const fakes::HttpServer& server) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", server.port());
  c->set_connection_timeout(std::chrono::seconds(2));
  c->set_read_timeout(std::chrono::seconds(5));
  return c;
}

}  // namespace failsim::testing

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

namespace failsim::testing {

// Sends raw bytes to 127.0.0.1:port and returns what comes back before the peer closes
// or 3 s pass (for malformed requests no HTTP client would send).
inline std::string raw_exchange(int port, const std::string& bytes) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  timeval tv{3, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    (void)!::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    char buf[4096];
    for (;;) {
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
      if (out.find("\r\n\r\n") != std::string::npos && out.size() > 12) break;
    }
  }
  ::close(fd);
  return out;
}

}  // namespace failsim::testing
