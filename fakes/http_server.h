// HttpServer: one cpp-httplib server on a loopback port, on its own thread, with the
// limits every fake shares:
//  - binds 127.0.0.1 unless told otherwise (port 0: the kernel picks one);
//  - request bodies over max_body_bytes (default 1 MiB) get 413, malformed requests
//    400 (cpp-httplib), long URIs 414, handler exceptions 500 with a plain message;
//    the server keeps serving after each;
//  - reads time out after 5 s, so a stalled client cannot hold a worker forever;
//  - an idle keep-alive connection is kept keep_alive_idle (default 5 s, cpp-httplib's;
//    Toxiproxy's API keeps them 60 s) with no cap on requests per connection;
//  - a thread per open connection, up to max_connections (default 512), so slow or
//    idle clients never starve others of a worker; up to max_connections more are
//    accepted only to be answered 503 "too many connections" (Retry-After: 1) and
//    closed; beyond those, new connections wait in the listen backlog;
//  - a watchdog shuts down a connection that has not completed a request head within
//    keep_alive_idle + request_deadline (default 10 s) of opening or of its last
//    answer (or of a head announcing a body): a client sending its headers or body a
//    byte at a time is cut off; the answer to a bodiless request is never cut (an
//    event stream lasts as long as its client reads);
//  - a handler that would write a request's bytes that are not UTF-8 into strict JSON
//    answers 400, not 500 (the fakes write such bytes as U+FFFD, as Go does);
//  - a request without Content-Length or Transfer-Encoding has an empty body and is
//    answered at once (curl -X POST without data), as RFC 9112 says;
//  - stop() (or the destructor) closes the listener, shuts down every open
//    connection (an idle keep-alive one would otherwise hold it for keep_alive_idle)
//    and joins the thread.
// Routes are added to routes() before start().
#pragma once

#include <httplib.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include "failover/result.h"
#include "fakes/tls_cert.h"

namespace failsim::fakes {

// Set on a request whose path began with a prefix accept_path_prefix() strips: the
// prefix, so handlers can write URLs the client can follow.
inline constexpr const char* kPathPrefixHeader = "X-Failsim-Path-Prefix";

struct HttpServerLimits {
  std::size_t max_body_bytes = 1 << 20;
  std::chrono::seconds keep_alive_idle{5};
  std::size_t max_connections = 512;
  std::chrono::seconds request_deadline{10};
};

class HttpServer {
 public:
  // With `tls`: HTTPS with that certificate and key (fakes/tls_cert.h).
  explicit HttpServer(std::size_t max_body_bytes = 1 << 20, const std::optional<TlsFiles>& tls = std::nullopt)
      : HttpServer(HttpServerLimits{max_body_bytes, std::chrono::seconds(5), 512, std::chrono::seconds(10)}, tls) {}
  explicit HttpServer(const HttpServerLimits& limits, const std::optional<TlsFiles>& tls = std::nullopt);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  httplib::Server& routes() { return *server_; }
  // Also serve every route under `prefix` (GitHub Enterprise's "/api/v3", which `gh`
  // uses for any GH_HOST but github.com). Before start().
  void accept_path_prefix(std::string prefix) { prefix_ = std::move(prefix); }
  // Binds and starts serving. Returns the bound port; errors name host and port.
  Result<int> start(const std::string& host, int port);
  void stop();
  int port() const { return port_; }
  // "http://127.0.0.1:PORT" ("https://" with TLS)
  std::string url() const;
  bool tls() const { return tls_; }
  // Before start(): `hook` hears every answered request, on the thread that answered it.
  void on_answer(std::function<void(const httplib::Request&, const httplib::Response&)> hook) { answer_hook_ = std::move(hook); }

 private:
  void watch();  // the watchdog's loop

  std::unique_ptr<httplib::Server> server_;
  HttpServerLimits limits_;
  bool tls_ = false;
  std::thread thread_;
  std::thread watchdog_;
  std::mutex mutex_;  // guards activity_, answering_ and stopping_
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<int, std::chrono::steady_clock::time_point> activity_;  // peer port -> last answer, or first seen
  std::set<int> answering_;  // peer ports whose bodiless request is being answered: not watched
  std::string host_;
  std::string prefix_;
  int port_ = 0;
  std::function<void(const httplib::Request&, const httplib::Response&)> answer_hook_;
};

// Loopback addresses only (127.0.0.0/8, ::1, "localhost").
bool is_loopback(const std::string& host);

// Runs the raw bytes of one HTTP/1.x request through `server` exactly as a connection
// would (cpp-httplib's request parsing, the hooks HttpServer installs, the routes,
// error and exception handlers) without a socket, and returns the raw response
// ("" when there was no request line at all). The request comes from 127.0.0.1:1.
// For fuzzing and tests of the handlers; the server need not be started.
std::string serve_in_process(httplib::Server& server, std::string_view request);

}  // namespace failsim::fakes
