#include "fakes/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <vector>
#include <string>

#include <nlohmann/json.hpp>

namespace failsim::fakes {

namespace {

int port_of(const sockaddr_storage& a) {
  if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&a)->sin_port);
  if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&a)->sin6_port);
  return -1;
}

// Calls fn(fd) for every socket of this process bound to local port `port`: the
// server's listener and its accepted connections. Linux (/proc/self/fd).
template <class Fn>
void for_each_socket(int port, Fn fn) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    int fd = -1;
    try {
      fd = std::stoi(entry.path().filename().string());
    } catch (const std::exception&) {
      continue;
    }
    sockaddr_storage local{};
    socklen_t len = sizeof(local);
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) == 0 && port_of(local) == port) fn(fd);
  }
}

// Calls fn(fd, peer port) for every accepted connection of the server on `port` (the
// sockets that have a peer; the listener has none).
template <class Fn>
void for_each_connection(int port, Fn fn) {
  for_each_socket(port, [&fn](int fd) {
    sockaddr_storage peer{};
    socklen_t len = sizeof(peer);
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0) fn(fd, port_of(peer));
  });
}

// cpp-httplib 0.11 listens with a backlog of 5: a burst of clients overflows it and each
// overflowing connect waits out a SYN retransmission (1 s). Listening again on the bound
// socket raises the backlog (Linux keeps the socket and takes the new value).
void raise_listen_backlog(int port) {
  for_each_socket(port, [](int fd) {
    int listening = 0;
    socklen_t len = sizeof(listening);
    if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) == 0 && listening != 0) ::listen(fd, SOMAXCONN);
  });
}

// cpp-httplib 0.11's worker waits out the whole keep-alive period on an idle
// connection before it looks at the stopped flag; a shut-down socket reads EOF at once.
void shutdown_connections(int port) {
  for_each_connection(port, [](int fd, int) { ::shutdown(fd, SHUT_RDWR); });
}

// Set on the thread of a connection accepted past max_connections: its requests are
// answered 503 and the connection is closed.
thread_local bool t_over_capacity = false;

// A thread per connection. Up to `max` serve requests; up to `max` more are accepted
// past the cap only to be answered 503 (over capacity) at once; beyond both, enqueue
// (the accept loop) waits and new connections wait in the listen backlog. Finished
// threads are joined as new ones start, and all at shutdown.
class ConnectionThreads : public httplib::TaskQueue {
 public:
  explicit ConnectionThreads(std::size_t max) : max_(max) {}
  void enqueue(std::function<void()> fn) override {
    std::unique_lock<std::mutex> lock(mutex_);
    idle_.wait(lock, [this] { return serving_ < max_ || refusing_ < max_; });
    reap(lock);
    const bool over = serving_ >= max_;
    ++(over ? refusing_ : serving_);
    const std::uint64_t id = next_id_++;
    threads_.emplace(id, std::thread([this, id, over, fn = std::move(fn)] {
      t_over_capacity = over;
      fn();
      std::lock_guard<std::mutex> done(mutex_);
      --(over ? refusing_ : serving_);
      finished_.push_back(id);
      idle_.notify_all();
    }));
  }
  void shutdown() override {
    std::map<std::uint64_t, std::thread> all;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      all.swap(threads_);
      finished_.clear();
    }
    for (auto& [id, t] : all) t.join();
  }

 private:
  void reap(std::unique_lock<std::mutex>&) {
    for (std::uint64_t id : finished_) {
      auto it = threads_.find(id);
      if (it == threads_.end()) continue;
      it->second.join();  // it has finished: returns at once
      threads_.erase(it);
    }
    finished_.clear();
  }
  const std::size_t max_;
  std::mutex mutex_;
  std::condition_variable idle_;
  std::size_t serving_ = 0;
  std::size_t refusing_ = 0;
  std::uint64_t next_id_ = 0;
  std::map<std::uint64_t, std::thread> threads_;
  std::vector<std::uint64_t> finished_;
};

// A connection's two directions as memory: reads come from the request bytes, writes
// go to the response.
class MemoryStream final : public httplib::Stream {
 public:
  explicit MemoryStream(std::string_view in) : in_(in) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const std::size_t n = std::min(size, in_.size() - read_);
    std::copy_n(in_.data() + read_, n, ptr);
    read_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 1;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 2;
  }
  socket_t socket() const override { return INVALID_SOCKET; }
  std::string& out() { return out_; }

 private:
  std::string_view in_;
  std::size_t read_ = 0;
  std::string out_;
};

// cpp-httplib's per-connection entry point is protected; a derived class may name it,
// and the pointer it yields applies to any Server (an SSLServer included).
struct RequestProcessor : httplib::Server {
  static void run(httplib::Server& server, httplib::Stream& stream) {
    bool closed = true;
    (server.*&RequestProcessor::process_request)(stream, true, closed, [](httplib::Request&) {});
  }
};

}  // namespace

std::string serve_in_process(httplib::Server& server, std::string_view request) {
  MemoryStream stream(request);
  RequestProcessor::run(server, stream);
  return std::move(stream.out());
}

HttpServer::HttpServer(const HttpServerLimits& limits, const std::optional<TlsFiles>& tls) : limits_(limits) {
  if (tls) {
    server_ = std::make_unique<httplib::SSLServer>(tls->cert_path.c_str(), tls->key_path.c_str());
    tls_ = true;
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  server_->set_payload_max_length(limits.max_body_bytes);
  server_->set_keep_alive_timeout(limits.keep_alive_idle.count());
  server_->set_keep_alive_max_count(100000);  // Go's servers have no cap; cpp-httplib's is 5
  const std::size_t max_connections = limits.max_connections;
  server_->new_task_queue = [max_connections] { return new ConnectionThreads(max_connections); };
  server_->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
    if (answer_hook_ && !t_over_capacity) answer_hook_(req, res);
    if (t_over_capacity) {  // answered 503: the connection ends here (its next read sees EOF)
      for_each_connection(port_, [&req](int fd, int peer) {
        if (peer == req.remote_port) ::shutdown(fd, SHUT_RD);
      });
      return;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    answering_.erase(req.remote_port);
    activity_[req.remote_port] = std::chrono::steady_clock::now();  // answered: idle from now
  });
  // Answers go out at once: with Nagle, the body written after the headers would wait
  // for the client's delayed ACK (tens of ms per request).
  server_->set_tcp_nodelay(true);
  server_->set_read_timeout(std::chrono::seconds(5));
  server_->set_write_timeout(std::chrono::seconds(5));
  // A request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112
  // section 6.3). cpp-httplib 0.11 reads one until the client closes or the read times
  // out, so `curl -X POST URL` (no -d, no Content-Length) waited 5 s and got 400 where
  // GitHub answers at once. Say "no body" before it reads: the Request is the server's
  // own non-const object, handed to this hook as const.
  server_->set_pre_routing_handler([this](const httplib::Request& const_req, httplib::Response& res) {
    {
      // A request head arrived. Without a body nothing more is awaited from the client:
      // its answer (an event stream, a slow query) is not cut. With one, the deadline
      // still runs from here, so a body sent a byte at a time is cut off too.
      std::lock_guard<std::mutex> lock(mutex_);
      const bool bodiless = (!const_req.has_header("Content-Length") || const_req.get_header_value("Content-Length") == "0") &&
                            !const_req.has_header("Transfer-Encoding");
      if (bodiless) {
        answering_.insert(const_req.remote_port);
      } else {
        activity_[const_req.remote_port] = std::chrono::steady_clock::now();
      }
    }
    if (t_over_capacity) {
      res.status = 503;
      res.set_header("Connection", "close");
      res.set_header("Retry-After", "1");
      res.set_content("too many connections: this server serves " + std::to_string(limits_.max_connections) +
                          " at once; retry shortly\n",
                      "text/plain; charset=utf-8");
      return httplib::Server::HandlerResponse::Handled;
    }
    auto& req = const_cast<httplib::Request&>(const_req);
    if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) req.headers.emplace("Content-Length", "0");
    req.headers.erase(kPathPrefixHeader);  // only this hook sets it
    if (!prefix_.empty() && req.path.rfind(prefix_ + "/", 0) == 0) {
      req.path = req.path.substr(prefix_.size());
      req.headers.emplace(kPathPrefixHeader, prefix_);
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  server_->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const nlohmann::json::type_error& e) {
      // 316: a string to be written is not UTF-8. The fakes write such bytes as U+FFFD, as
      // Go does; a reply written otherwise is the request's bytes, not a server fault.
      if (e.id == 316) {
        res.status = 400;
        res.set_content("the request holds bytes that are not UTF-8; the fakes take UTF-8\n", "text/plain; charset=utf-8");
        return;
      }
      what = e.what();
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    res.status = 500;
    res.set_content(what + "\n", "text/plain; charset=utf-8");
  });
}

HttpServer::~HttpServer() { stop(); }


Result<int> HttpServer::start(const std::string& host, int port) {
  host_ = host;
  if (!server_->is_valid()) return Result<int>::error("the TLS certificate or key cannot be used");
  const int bound = port == 0 ? server_->bind_to_any_port(host) : (server_->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return Result<int>::error("cannot listen on " + host + ":" + std::to_string(port) + " (address in use or not local)");
  }
  port_ = bound;
  raise_listen_backlog(port_);
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() before the accept loop started would be lost: wait until it runs.
  for (int i = 0; i < 2000 && !server_->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  watchdog_ = std::thread([this] { watch(); });
  return Result<int>::ok(port_);
}


void HttpServer::watch() {
  const auto deadline = limits_.keep_alive_idle + limits_.request_deadline;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(250));
    if (stopping_) break;
    lock.unlock();
    const auto now = std::chrono::steady_clock::now();
    std::map<int, int> open;  // peer port -> fd
    for_each_connection(port_, [&open](int fd, int peer) { open[peer] = fd; });
    lock.lock();
    for (auto it = activity_.begin(); it != activity_.end();) {  // closed connections
      it = open.count(it->first) == 0 ? activity_.erase(it) : std::next(it);
    }
    for (auto it = answering_.begin(); it != answering_.end();) {
      it = open.count(*it) == 0 ? answering_.erase(it) : std::next(it);
    }
    for (const auto& [peer, fd] : open) {
      if (answering_.count(peer) != 0) continue;  // its answer is being written (a stream, a slow query)
      auto [it, fresh] = activity_.emplace(peer, now);  // first seen: the clock starts
      if (!fresh && now - it->second > deadline) {
        ::shutdown(fd, SHUT_RDWR);  // no request head within the deadline
        activity_.erase(it);
      }
    }
  }
}

void HttpServer::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
  server_->stop();  // the listener is closed: no connection is accepted after this
  shutdown_connections(port_);
  thread_.join();
}

std::string HttpServer::url() const { return (tls_ ? "https://" : "http://") + (host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_); }

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace failsim::fakes
