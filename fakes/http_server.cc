#include "fakes/http_server.h"

#include <chrono>
#include <exception>

namespace failsim::fakes {

HttpServer::HttpServer(std::size_t max_body_bytes, const std::optional<TlsFiles>& tls) {
  if (tls) {
    server_ = std::make_unique<httplib::SSLServer>(tls->cert_path.c_str(), tls->key_path.c_str());
    tls_ = true;
  } else {
    server_ = std::make_unique<httplib::Server>();
  }
  server_->set_payload_max_length(max_body_bytes);
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

void HttpServer::stop() {
  if (!thread_.joinable()) return;
  server_->stop();
  thread_.join();
}

std::string HttpServer::url() const { return (tls_ ? "https://" : "http://") + (host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_); }

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace failsim::fakes
