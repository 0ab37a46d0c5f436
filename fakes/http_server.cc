#include "fakes/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <exception>
#include <filesystem>
#include <string>

namespace failsim::fakes {

HttpServer::HttpServer(const HttpServerLimits& limits, const std::optional<TlsFiles>& tls) {
  if (tls) {
    server_ = std::make_unique<httplib::SSLServer>(tls->cert_path.c_str(), tls->key_path.c_str());
    tls_ = true;
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  server_->set_payload_max_length(limits.max_body_bytes);
  server_->set_keep_alive_timeout(limits.keep_alive_idle.count());
  server_->set_keep_alive_max_count(100000);  // Go's servers have no cap; cpp-httplib's is 5
  const std::size_t workers = limits.workers;
  server_->new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
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
  server_->set_pre_routing_handler([this](const httplib::Request& const_req, httplib::Response&) {
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
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() before the accept loop started would be lost: wait until it runs.
  for (int i = 0; i < 2000 && !server_->is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return Result<int>::ok(port_);
}

namespace {

// Shuts down every accepted connection of the server listening on `port`: sockets of
// this process whose local port is `port` and that have a peer (the listener has none).
// cpp-httplib 0.11's worker waits out the whole keep-alive period on an idle
// connection before it looks at the stopped flag; a shut-down socket reads EOF at once.
void shutdown_connections(int port) {
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
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) continue;
    int local_port = -1;
    if (local.ss_family == AF_INET) local_port = ntohs(reinterpret_cast<sockaddr_in*>(&local)->sin_port);
    if (local.ss_family == AF_INET6) local_port = ntohs(reinterpret_cast<sockaddr_in6*>(&local)->sin6_port);
    if (local_port != port) continue;
    sockaddr_storage peer{};
    len = sizeof(peer);
    if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) continue;
    ::shutdown(fd, SHUT_RDWR);
  }
}

}  // namespace

void HttpServer::stop() {
  if (!thread_.joinable()) return;
  server_->stop();  // the listener is closed: no connection is accepted after this
  shutdown_connections(port_);
  thread_.join();
}

std::string HttpServer::url() const { return (tls_ ? "https://" : "http://") + (host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_); }

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace failsim::fakes
