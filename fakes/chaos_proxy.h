// ChaosProxies: TCP proxies on loopback with Toxiproxy's model of faults ("toxics"),
// on Boost.Asio. Each proxy listens on `listen` and forwards every connection to
// `upstream`; toxics act per direction: "upstream" = client -> server bytes,
// "downstream" = server -> client bytes (Toxiproxy's names).
//
// Toxic types and attributes (Toxiproxy's, same units):
//   latency    latency (ms), jitter (ms): each chunk is delayed latency ± jitter
//   bandwidth  rate (KB/s): each chunk is delayed by its size / rate
//   slow_close delay (ms): the close (FIN) is passed on after the delay
//   timeout    timeout (ms): no data passes; the connection is closed after timeout,
//              or held open forever when 0 (a blackhole: clients wait out their own
//              timeout, like a dropped partition)
//   reset_peer timeout (ms): the connection is reset (RST) after timeout
//   limit_data bytes: the connection is closed once that many bytes passed
//   slicer     average_size, size_variation (bytes), delay (us): each chunk is cut in
//              pieces as Toxiproxy cuts them, sent `delay` microseconds apart
//   http_status  failsim's HTTP-level toxic (Toxiproxy has none: Shopify/toxiproxy#50,
//              #160, #404), made with any Toxiproxy client: status (a 4xx/5xx Go's
//              net/http names; required), first (only the first N requests it sees; 0:
//              every one), after (ms from the toxic's creation before it acts), duration
//              (ms it acts for; 0: until removed), and one text attribute, body (default:
//              a line naming the toxic). The proxy reads each request (headers and a
//              Content-Length body) before passing it on; a request the toxic hits is not
//              forwarded: the client gets `HTTP/1.1 <status> <text>` with the body and
//              `Connection: close`, and the connection closes. Its toxicity is the chance
//              per request (not per connection); the stream is not used (requests are read
//              on the way up, the answer goes down). Bytes that are not an HTTP/1.x request
//              (TLS, a chunked request body) pass untouched for the rest of the connection.
// toxicity (0..1) is the chance a new connection is affected. A disabled proxy closes
// its listener and every connection: clients get "connection refused".
// Toxics added or removed at run time act on open connections from their next chunk.
//
// Loopback only: listen and upstream addresses must be 127.0.0.0/8, ::1 or localhost.
// Thread safety: every public member is thread-safe (one internal I/O thread does the
// socket work; control calls hand over to it and wait).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "failover/result.h"

namespace failsim::fakes {

struct Toxic {
  std::string name;    // default: type + "_" + stream
  std::string type;    // latency, bandwidth, slow_close, timeout, reset_peer, limit_data
  std::string stream = "downstream";
  double toxicity = 1.0;
  std::map<std::string, std::int64_t> attributes;
  std::string body;  // http_status only: the answer's body ("" = the default line)
  std::int64_t attribute(const std::string& key) const {
    const auto it = attributes.find(key);
    return it == attributes.end() ? 0 : it->second;
  }
};

struct ProxyInfo {
  std::string name;
  std::string listen;    // "127.0.0.1:PORT" (the bound port, even when asked for :0)
  std::string upstream;  // "127.0.0.1:PORT"
  bool enabled = true;
  std::vector<Toxic> toxics;
};

// The length of the first HTTP/1.x request in `buf` (request line, headers and a
// Content-Length body), as a proxy with an http_status toxic frames a client's bytes:
// 0 when it is not complete yet; nullopt when the bytes are not a request it frames (not
// HTTP/1.x, a chunked body, headers over 64 KiB, a body over 16 MiB), which then pass
// untouched. `head_only`: it is a HEAD request (its answer has no body).
std::optional<std::size_t> http_request_length(const std::string& buf, bool& head_only);

// The attributes a toxic type has (nullptr: no such type).
const std::vector<std::string>* toxic_attributes(const std::string& type);
// Checks a toxic (type, stream, toxicity), drops attributes its type does not have
// (Toxiproxy ignores them) and fills the missing ones with 0.
Result<Toxic> validate_toxic(Toxic toxic);

class ChaosProxies {
 public:
  ChaosProxies();
  ~ChaosProxies();
  ChaosProxies(const ChaosProxies&) = delete;
  ChaosProxies& operator=(const ChaosProxies&) = delete;

  Result<ProxyInfo> create(const std::string& name, const std::string& listen, const std::string& upstream,
                           bool enabled = true);
  // Changes whichever of enabled / listen / upstream is given.
  Result<ProxyInfo> update(const std::string& name, std::optional<bool> enabled, std::optional<std::string> listen,
                           std::optional<std::string> upstream);
  bool remove(const std::string& name);
  std::optional<ProxyInfo> get(const std::string& name) const;
  std::vector<ProxyInfo> list() const;
  Result<Toxic> add_toxic(const std::string& proxy, Toxic toxic);
  Result<Toxic> update_toxic(const std::string& proxy, const std::string& toxic, double toxicity,
                             const std::map<std::string, std::int64_t>& attributes,
                             const std::optional<std::string>& body = std::nullopt);
  // Requests answered by an http_status toxic so far on `name` (for tests).
  std::uint64_t http_answers(const std::string& name) const;
  // "proxy not found" / "toxic not found" on failure.
  Result<bool> remove_toxic(const std::string& proxy, const std::string& toxic);
  // Enables every proxy and removes every toxic (Toxiproxy's POST /reset).
  void reset();
  // Connections accepted so far by `name` (for tests and the report).
  std::uint64_t connections(const std::string& name) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace failsim::fakes
