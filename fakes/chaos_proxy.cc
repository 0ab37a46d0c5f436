#include "fakes/chaos_proxy.h"

#include <boost/asio.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <deque>
#include <future>
#include <random>
#include <set>
#include <string_view>
#include <thread>

#include "fakes/http_server.h"
#include "sim/network/network.h"

namespace failsim::fakes {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

const std::set<std::string> kToxicTypes = {"latency",    "bandwidth", "slow_close", "timeout",
                                           "reset_peer", "limit_data", "slicer",     "http_status"};
constexpr std::size_t kMaxRequestHead = 64 * 1024;        // longer headers: not framed, passed on
constexpr std::int64_t kMaxFramedBody = 16 * 1024 * 1024;  // a larger body: not framed, passed on
constexpr std::size_t kMaxToxicBody = 64 * 1024;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string http_answer(const Toxic& t, int status, bool head_only) {
  const std::string text = sim::http_status_text(status);
  const std::string body = !t.body.empty() ? t.body
                                           : "failsim http_status toxic \"" + t.name + "\": " + std::to_string(status) + " " + text + "\n";
  return "HTTP/1.1 " + std::to_string(status) + " " + text + "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\nX-Failsim-Toxic: " + t.name + "\r\n\r\n" + (head_only ? "" : body);
}

// Toxiproxy's slicer (toxics/slicer.go): offsets splitting [start, end) in about
// halves, each moved by up to ±variation, until a piece is within `variation` of `average`.
void slice_offsets(std::size_t start, std::size_t end, std::int64_t average, std::int64_t variation, std::mt19937_64& rng,
                   std::vector<std::size_t>& out) {
  if (static_cast<std::int64_t>(end - start) - average <= variation) {
    out.push_back(end);
    return;
  }
  auto mid = static_cast<std::int64_t>(start + (end - start) / 2);
  if (variation > 0) mid += std::uniform_int_distribution<std::int64_t>(0, 2 * variation - 1)(rng) - variation;
  mid = std::clamp<std::int64_t>(mid, static_cast<std::int64_t>(start) + 1, static_cast<std::int64_t>(end) - 1);
  slice_offsets(start, static_cast<std::size_t>(mid), average, variation, rng, out);
  slice_offsets(static_cast<std::size_t>(mid), end, average, variation, rng, out);
}

Result<tcp::endpoint> parse_endpoint(const std::string& text, const std::string& what) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 >= text.size()) {
    return Result<tcp::endpoint>::error(what + " \"" + text + "\" is not host:port");
  }
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  if (!is_loopback(host)) {
    return Result<tcp::endpoint>::error(what + " \"" + text + "\" is not a loopback address (failsim proxies stay on 127.0.0.1)");
  }
  error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  int port = -1;
  try {
    std::size_t used = 0;
    port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1) port = -1;
  } catch (...) {
    port = -1;
  }
  if (ec || port < 0 || port > 65535) return Result<tcp::endpoint>::error(what + " \"" + text + "\" is not host:port");
  return Result<tcp::endpoint>::ok(tcp::endpoint(address, static_cast<unsigned short>(port)));
}

std::string endpoint_text(const tcp::endpoint& ep) {
  const std::string a = ep.address().to_string();
  return (ep.address().is_v6() ? "[" + a + "]" : a) + ":" + std::to_string(ep.port());
}

}  // namespace

std::optional<std::size_t> http_request_length(const std::string& buf, bool& head_only) {
  // A method is 1-16 capital letters and a space: anything else (a TLS hello) is not framed.
  const auto sp = buf.find(' ');
  const std::size_t method_end = sp == std::string::npos ? buf.size() : sp;
  if (sp == 0 || method_end > 16 ||
      !std::all_of(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(method_end), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return std::nullopt;
  }
  const auto end = buf.find("\r\n\r\n");
  const auto line_end = buf.find("\r\n");
  if (end == std::string::npos) {
    if (buf.size() > kMaxRequestHead) return std::nullopt;
    return 0;
  }
  const std::string_view line(buf.data(), line_end);
  if (line.size() < 10 || line.substr(line.size() - 9, 7) != " HTTP/1") return std::nullopt;
  head_only = line.substr(0, sp) == "HEAD";
  std::int64_t body = 0;
  std::size_t at = line_end + 2;
  while (at < end) {
    const auto eol = buf.find("\r\n", at);
    const std::string_view header(buf.data() + at, eol - at);
    at = eol + 2;
    const auto colon = header.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = header.substr(0, colon);
    std::string_view value = header.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    if (iequals(name, "transfer-encoding")) return std::nullopt;
    if (iequals(name, "content-length")) {
      if (value.empty() || value.size() > 9 || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
      }
      body = std::stoll(std::string(value));
      if (body > kMaxFramedBody) return std::nullopt;
    }
  }
  const std::size_t total = end + 4 + static_cast<std::size_t>(body);
  return buf.size() >= total ? total : 0;
}

const std::vector<std::string>* toxic_attributes(const std::string& type) {
  static const std::map<std::string, std::vector<std::string>> kToxicAttributes = {
      {"latency", {"latency", "jitter"}}, {"bandwidth", {"rate"}},     {"slow_close", {"delay"}},
      {"timeout", {"timeout"}},           {"reset_peer", {"timeout"}}, {"limit_data", {"bytes"}},
      {"slicer", {"average_size", "size_variation", "delay"}},
      {"http_status", {"status", "first", "after", "duration"}}};
  const auto it = kToxicAttributes.find(type);
  return it == kToxicAttributes.end() ? nullptr : &it->second;
}

Result<Toxic> validate_toxic(Toxic toxic) {
  if (kToxicTypes.count(toxic.type) == 0) {
    return Result<Toxic>::error("invalid toxic type: \"" + toxic.type +
                                "\" (latency, bandwidth, slow_close, timeout, reset_peer, limit_data, slicer, http_status)");
  }
  if (toxic.stream != "upstream" && toxic.stream != "downstream") {
    return Result<Toxic>::error("stream must be \"upstream\" or \"downstream\", not \"" + toxic.stream + "\"");
  }
  if (!(toxic.toxicity >= 0.0 && toxic.toxicity <= 1.0)) return Result<Toxic>::error("toxicity must be between 0 and 1");
  const auto& allowed = *toxic_attributes(toxic.type);
  // Attributes a type does not have are ignored, as Toxiproxy's JSON decoding does.
  for (auto it = toxic.attributes.begin(); it != toxic.attributes.end();) {
    it = std::find(allowed.begin(), allowed.end(), it->first) == allowed.end() ? toxic.attributes.erase(it) : std::next(it);
  }
  // Upper bounds keep every time the proxy computes from them in range (Toxiproxy itself
  // would overflow Go's time.Duration): a day of milliseconds (latency, jitter, timeout,
  // slow_close delay), a day of microseconds (slicer delay), a terabyte of bytes.
  static const std::map<std::string, std::int64_t> kMax = {
      {"latency", 86'400'000}, {"jitter", 86'400'000}, {"timeout", 86'400'000}, {"rate", 1'000'000'000'000},
      {"bytes", 1'000'000'000'000}, {"average_size", 1'000'000'000}, {"size_variation", 1'000'000'000},
      {"status", 599}, {"first", 1'000'000'000}, {"after", 86'400'000}, {"duration", 86'400'000}};
  for (const auto& [key, value] : toxic.attributes) {
    if (value < 0) return Result<Toxic>::error("attribute \"" + key + "\" must not be negative");
    const bool micro = toxic.type == "slicer" && key == "delay";
    const std::int64_t max = key == "delay" ? (micro ? 86'400'000'000 : 86'400'000) : kMax.at(key);
    if (value > max) {
      return Result<Toxic>::error("attribute \"" + key + "\" must be at most " + std::to_string(max) +
                                  (key == "rate" ? " (KB/s)" : key == "bytes" || key.find("size") != std::string::npos ? " (bytes)"
                                                               : micro ? " (microseconds)" : " (milliseconds)"));
    }
  }
  for (const auto& key : allowed) toxic.attributes.emplace(key, 0);
  if (toxic.type == "slicer" && toxic.attribute("average_size") <= 0) {
    return Result<Toxic>::error("attribute \"average_size\" of a slicer must be positive");
  }
  if (toxic.type == "http_status") {
    const std::int64_t status = toxic.attribute("status");
    if (status < 400 || *sim::http_status_text(static_cast<int>(status)) == '\0') {
      return Result<Toxic>::error("attribute \"status\" of an http_status toxic must be a 4xx or 5xx status Go's net/http "
                                  "names (e.g. 500, 502, 503, 429), got " + std::to_string(status));
    }
    if (toxic.body.size() > kMaxToxicBody) return Result<Toxic>::error("attribute \"body\" must be at most 65536 bytes");
  } else {
    toxic.body.clear();
  }
  if (toxic.name.empty()) toxic.name = toxic.type + "_" + toxic.stream;
  return Result<Toxic>::ok(std::move(toxic));
}

struct ChaosProxies::Impl {
  struct Session;

  struct Proxy {
    ProxyInfo info;
    tcp::endpoint listen;
    tcp::endpoint upstream;
    std::unique_ptr<tcp::acceptor> acceptor;
    std::uint64_t generation = 0;  // bumps when the acceptor is replaced
    std::vector<std::weak_ptr<Session>> sessions;
    std::uint64_t connections = 0;
    struct HttpToxicState {
      std::chrono::steady_clock::time_point added;
      std::int64_t seen = 0;  // requests seen while it acted
    };
    std::map<std::string, HttpToxicState> http_state;  // per http_status toxic
    std::uint64_t http_answers = 0;
    bool has_http_toxic() const {
      return std::any_of(info.toxics.begin(), info.toxics.end(), [](const Toxic& t) { return t.type == "http_status"; });
    }
    // The http_status toxic that answers a request arriving now (counting it), or nullptr.
    const Toxic* http_hit(std::mt19937_64& rng) {
      const auto now = std::chrono::steady_clock::now();
      for (const auto& t : info.toxics) {
        if (t.type != "http_status") continue;
        HttpToxicState& st = http_state[t.name];
        const auto from = st.added + std::chrono::milliseconds(t.attribute("after"));
        if (now < from) continue;
        if (t.attribute("duration") > 0 && now >= from + std::chrono::milliseconds(t.attribute("duration"))) continue;
        if (t.attribute("first") > 0 && st.seen >= t.attribute("first")) continue;
        ++st.seen;
        if (t.toxicity >= 1.0 || std::uniform_real_distribution<double>(0, 1)(rng) < t.toxicity) return &t;
      }
      return nullptr;
    }
  };

  // One proxied connection: two pumps, client -> server ("upstream") and back.
  struct Session : std::enable_shared_from_this<Session> {
    // One direction, as a pipeline (Toxiproxy's toxics/latency.go): reading goes on
    // while earlier chunks wait; each chunk leaves at its own due time, which is its
    // arrival plus its latency (± jitter), never before the chunk ahead of it, plus the
    // time its size takes at a bandwidth toxic's rate.
    struct Chunk {
      std::vector<char> bytes;
      std::chrono::steady_clock::time_point due;
      bool close_after = false;  // limit_data reached
      bool eof = false;          // pass the close (FIN) on
    };
    struct Pump {
      std::array<char, 16384> buf{};
      std::uint64_t passed = 0;
      bool done = false;
      std::unique_ptr<asio::steady_timer> timer;
      std::deque<Chunk> queue;
      bool writing = false;   // the writer is waiting or writing
      bool paused = false;    // reading stopped: the queue is full
      std::chrono::steady_clock::time_point latency_out{};  // when the previous chunk left the latency stage
      std::chrono::steady_clock::time_point last_due{};
    };
    static constexpr std::size_t kMaxQueuedChunks = 64;
    Session(Impl& impl, std::shared_ptr<Proxy> p, tcp::socket c)
        : impl(impl), proxy(std::move(p)), client(std::move(c)), server(impl.io), close_timer(impl.io), reset_timer(impl.io) {
      up.timer = std::make_unique<asio::steady_timer>(impl.io);
      down.timer = std::make_unique<asio::steady_timer>(impl.io);
    }
    Impl& impl;
    std::shared_ptr<Proxy> proxy;
    tcp::socket client;
    tcp::socket server;
    asio::steady_timer close_timer;
    asio::steady_timer reset_timer;
    bool close_armed = false;
    bool reset_armed = false;
    bool closed = false;
    Pump up;
    Pump down;
    std::map<std::string, bool> hit;  // toxicity draw per toxic name, once per connection
    std::string request_buf;          // requests read but not passed on yet (http_status)
    bool unframed = false;            // not HTTP/1.x requests: pass everything on

    std::vector<Toxic> active(bool upstream_dir) {
      std::vector<Toxic> out;
      for (const auto& t : proxy->info.toxics) {
        if ((t.stream == "upstream") != upstream_dir || t.type == "http_status") continue;
        auto it = hit.find(t.name);
        if (it == hit.end()) {
          const bool draw = t.toxicity >= 1.0 || std::uniform_real_distribution<double>(0, 1)(impl.rng) < t.toxicity;
          it = hit.emplace(t.name, draw).first;
        }
        if (it->second) out.push_back(t);
      }
      return out;
    }

    void start() {
      auto self = shared_from_this();
      server.async_connect(proxy->upstream, [self](const error_code& ec) {
        if (ec || self->closed) {
          self->close();
          return;
        }
        // Chunks go out as they come in: Nagle's algorithm would hold a small second
        // write (an HTTP body after its headers) for the peer's delayed ACK (~40 ms).
        error_code ignored;
        self->client.set_option(tcp::no_delay(true), ignored);
        self->server.set_option(tcp::no_delay(true), ignored);
        self->arm_standing_toxics();
        self->pump(true);
        self->pump(false);
      });
    }

    // timeout / reset_peer toxics act on the connection even when no data flows.
    void arm_standing_toxics() {
      for (bool dir : {true, false}) {
        for (const auto& t : active(dir)) {
          if (t.type == "timeout") arm_close(t.attribute("timeout"));
          if (t.type == "reset_peer") arm_reset(t.attribute("timeout"));
        }
      }
    }

    void arm_close(std::int64_t after_ms) {
      if (after_ms <= 0 || close_armed) return;
      close_armed = true;
      auto self = shared_from_this();
      close_timer.expires_after(std::chrono::milliseconds(after_ms));
      close_timer.async_wait([self](const error_code& ec) {
        if (!ec) self->close();
      });
    }

    void arm_reset(std::int64_t after_ms) {
      if (reset_armed) return;
      reset_armed = true;
      auto self = shared_from_this();
      reset_timer.expires_after(std::chrono::milliseconds(after_ms));
      reset_timer.async_wait([self](const error_code& ec) {
        if (!ec) self->reset();
      });
    }

    void pump(bool upstream_dir) {
      if (closed) return;
      Pump& p = upstream_dir ? up : down;
      tcp::socket& from = upstream_dir ? client : server;
      auto self = shared_from_this();
      from.async_read_some(asio::buffer(p.buf), [self, upstream_dir](const error_code& ec, std::size_t n) {
        self->on_read(upstream_dir, ec, n);
      });
    }

    void on_read(bool upstream_dir, const error_code& ec, std::size_t n) {
      if (closed) return;
      Pump& p = upstream_dir ? up : down;
      const std::vector<Toxic> toxics = active(upstream_dir);
      const auto now = std::chrono::steady_clock::now();
      if (ec) {
        if (ec != asio::error::eof) {
          close();
          return;
        }
        if (upstream_dir && !request_buf.empty()) {  // an unfinished request the client gave up on: pass it on
          const std::string rest = std::move(request_buf);
          request_buf.clear();
          if (!forward(true, rest.data(), rest.size(), toxics, now)) return;
        }
        std::int64_t delay_ms = 0;
        for (const auto& t : toxics) {
          if (t.type == "slow_close") delay_ms += t.attribute("delay");
        }
        enqueue(upstream_dir, Chunk{{}, std::max(p.last_due, now + std::chrono::milliseconds(delay_ms)), false, true});
        return;
      }
      // Framed while an http_status toxic is there, and until bytes it held are passed on
      // (a toxic removed mid-request must not lose them).
      if (upstream_dir && !unframed && (proxy->has_http_toxic() || !request_buf.empty())) {
        request_buf.append(p.buf.data(), n);
        while (!request_buf.empty()) {
          bool head_only = false;
          const auto length = http_request_length(request_buf, head_only);
          if (!length) {  // not a request failsim frames: everything passes from here on
            unframed = true;
            break;
          }
          if (*length == 0) break;  // wait for the rest of it
          if (const Toxic* t = proxy->http_hit(impl.rng)) {
            ++proxy->http_answers;
            const std::string answer = http_answer(*t, static_cast<int>(t->attribute("status")), head_only);
            request_buf.clear();
            enqueue(false, Chunk{std::vector<char>(answer.begin(), answer.end()), std::max(down.last_due, now), true, false});
            return;  // nothing more is read or passed on: the connection closes after the answer
          }
          if (!forward(true, request_buf.data(), *length, toxics, now)) return;
          request_buf.erase(0, *length);
        }
        if (unframed && !request_buf.empty()) {
          const std::string rest = std::move(request_buf);
          request_buf.clear();
          if (!forward(true, rest.data(), rest.size(), toxics, now)) return;
        }
        resume(true);
        return;
      }
      if (forward(upstream_dir, p.buf.data(), n, toxics, now)) resume(upstream_dir);
    }

    // Reads on unless too many chunks wait.
    void resume(bool upstream_dir) {
      Pump& p = upstream_dir ? up : down;
      if (p.queue.size() < kMaxQueuedChunks) {
        pump(upstream_dir);
      } else {
        p.paused = true;
      }
    }

    // Puts n bytes read in one direction through that direction's toxics. false: nothing
    // more passes (limit_data reached); a timeout toxic swallows them.
    bool forward(bool upstream_dir, const char* data, std::size_t n, const std::vector<Toxic>& toxics,
                 std::chrono::steady_clock::time_point now) {
      Pump& p = upstream_dir ? up : down;
      std::chrono::microseconds latency{0}, transfer{0};
      std::size_t pass = n;
      bool close_after = false;
      for (const auto& t : toxics) {
        if (t.type == "timeout") {  // swallow the bytes, keep reading
          arm_close(t.attribute("timeout"));
          return true;
        }
        if (t.type == "reset_peer") arm_reset(t.attribute("timeout"));
        if (t.type == "latency") {
          // Toxiproxy: latency + rand.Int63n(2 * jitter) - jitter, in milliseconds.
          const std::int64_t jitter = t.attribute("jitter");
          const std::int64_t j = jitter > 0 ? std::uniform_int_distribution<std::int64_t>(0, 2 * jitter - 1)(impl.rng) - jitter : 0;
          latency += std::chrono::milliseconds(std::max<std::int64_t>(0, t.attribute("latency") + j));
        }
        if (t.type == "bandwidth" && t.attribute("rate") > 0) {
          // toxics/bandwidth.go: len(data) * time.Millisecond / rate (rate in KB/s, 1000 bytes).
          transfer += std::chrono::microseconds(static_cast<std::int64_t>(n) * 1000 / t.attribute("rate"));
        }
        if (t.type == "limit_data") {
          const auto limit = static_cast<std::uint64_t>(t.attribute("bytes"));
          if (p.passed + pass >= limit) {
            pass = limit > p.passed ? static_cast<std::size_t>(limit - p.passed) : 0;
            close_after = true;
          }
        }
      }
      p.passed += pass;
      p.latency_out = std::max(p.latency_out, now + latency);
      const auto due = std::max(p.last_due, p.latency_out) + transfer;
      const Toxic* slicer = nullptr;
      for (const auto& t : toxics) {
        if (t.type == "slicer") slicer = &t;
      }
      if (slicer != nullptr && pass > 0) {  // pieces leave `delay` microseconds apart
        std::vector<std::size_t> ends;
        slice_offsets(0, pass, slicer->attribute("average_size"), slicer->attribute("size_variation"), impl.rng, ends);
        std::size_t from = 0;
        for (std::size_t k = 0; k < ends.size(); ++k) {
          const bool last = k + 1 == ends.size();
          enqueue(upstream_dir, Chunk{std::vector<char>(data + from, data + ends[k]),
                                      due + std::chrono::microseconds(slicer->attribute("delay") * static_cast<std::int64_t>(k)),
                                      last && close_after, false});
          from = ends[k];
        }
      } else {
        enqueue(upstream_dir, Chunk{std::vector<char>(data, data + pass), due, close_after, false});
      }
      return !close_after;
    }

    void enqueue(bool upstream_dir, Chunk c) {
      Pump& p = upstream_dir ? up : down;
      p.last_due = c.due;
      p.queue.push_back(std::move(c));
      if (!p.writing) write_next(upstream_dir);
    }

    // The writer of one direction: the head chunk leaves at its due time.
    void write_next(bool upstream_dir) {
      Pump& p = upstream_dir ? up : down;
      if (closed || p.queue.empty()) {
        p.writing = false;
        return;
      }
      p.writing = true;
      auto self = shared_from_this();
      auto send = [self, upstream_dir] {
        if (self->closed) return;
        Pump& q = upstream_dir ? self->up : self->down;
        Chunk& head = q.queue.front();
        if (head.eof) {
          q.queue.clear();
          q.writing = false;
          self->half_close(upstream_dir);
          return;
        }
        tcp::socket& to = upstream_dir ? self->server : self->client;
        asio::async_write(to, asio::buffer(head.bytes), [self, upstream_dir](const error_code& wec, std::size_t) {
          if (self->closed) return;
          Pump& r = upstream_dir ? self->up : self->down;
          const bool close_after = r.queue.front().close_after;
          r.queue.pop_front();
          if (wec || close_after) {
            self->close();
            return;
          }
          if (r.paused && r.queue.size() < kMaxQueuedChunks) {
            r.paused = false;
            self->pump(upstream_dir);
          }
          self->write_next(upstream_dir);
        });
      };
      if (p.queue.front().due <= std::chrono::steady_clock::now()) {
        send();
        return;
      }
      p.timer->expires_at(p.queue.front().due);
      p.timer->async_wait([self, send](const error_code& tec) {
        if (!tec && !self->closed) send();
      });
    }

    void half_close(bool upstream_dir) {
      if (closed) return;
      error_code ignored;
      (upstream_dir ? server : client).shutdown(tcp::socket::shutdown_send, ignored);
      (upstream_dir ? up : down).done = true;
      if (up.done && down.done) close();
    }

    void reset() {
      if (closed) return;
      error_code ignored;
      client.set_option(asio::socket_base::linger(true, 0), ignored);
      server.set_option(asio::socket_base::linger(true, 0), ignored);
      close();
    }

    void close() {
      if (closed) return;
      closed = true;
      error_code ignored;
      close_timer.cancel();
      reset_timer.cancel();
      up.timer->cancel();
      down.timer->cancel();
      client.close(ignored);
      server.close(ignored);
    }
  };

  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::thread thread;
  std::thread::id io_thread_id;
  std::map<std::string, std::shared_ptr<Proxy>> proxies;  // io thread only
  std::mt19937_64 rng{0x5eed};

  Impl() {
    thread = std::thread([this] { io.run(); });
    io_thread_id = thread.get_id();
  }

  ~Impl() {
    run([this] {
      for (auto& [name, p] : proxies) close_proxy(*p);
      proxies.clear();
      return true;
    });
    work.reset();
    io.stop();
    thread.join();
  }

  // Runs fn on the I/O thread and returns its result.
  template <class F>
  auto run(F fn) -> decltype(fn()) {
    if (std::this_thread::get_id() == io_thread_id) return fn();
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto future = task.get_future();
    asio::post(io, [&task] { task(); });
    return future.get();
  }

  void accept(const std::shared_ptr<Proxy>& p) {
    const std::uint64_t generation = p->generation;
    p->acceptor->async_accept([this, p, generation](const error_code& ec, tcp::socket socket) {
      if (ec || p->generation != generation || !p->acceptor) return;
      ++p->connections;
      auto session = std::make_shared<Session>(*this, p, std::move(socket));
      std::erase_if(p->sessions, [](const std::weak_ptr<Session>& w) { return w.expired(); });
      p->sessions.push_back(session);
      session->start();
      accept(p);
    });
  }

  Result<bool> open(const std::shared_ptr<Proxy>& p) {
    auto acceptor = std::make_unique<tcp::acceptor>(io);
    error_code ec;
    acceptor->open(p->listen.protocol(), ec);
    if (!ec) acceptor->set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor->bind(p->listen, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return Result<bool>::error("listen " + endpoint_text(p->listen) + ": " + ec.message());
    p->listen = acceptor->local_endpoint();
    p->info.listen = endpoint_text(p->listen);
    p->acceptor = std::move(acceptor);
    ++p->generation;
    accept(p);
    return Result<bool>::ok(true);
  }

  void close_proxy(Proxy& p) {
    ++p.generation;
    if (p.acceptor) {
      error_code ignored;
      p.acceptor->close(ignored);
      p.acceptor.reset();
    }
    for (auto& w : p.sessions) {
      if (auto s = w.lock()) s->close();
    }
    p.sessions.clear();
  }
};

ChaosProxies::ChaosProxies() : impl_(std::make_unique<Impl>()) {}
ChaosProxies::~ChaosProxies() = default;

Result<ProxyInfo> ChaosProxies::create(const std::string& name, const std::string& listen, const std::string& upstream,
                                       bool enabled) {
  if (name.empty()) return Result<ProxyInfo>::error("missing required field: name");
  auto listen_ep = parse_endpoint(listen.empty() ? "127.0.0.1:0" : listen, "listen");
  if (!listen_ep) return Result<ProxyInfo>::error(listen_ep.error());
  auto upstream_ep = parse_endpoint(upstream, "upstream");
  if (!upstream_ep) return Result<ProxyInfo>::error(upstream_ep.error());
  return impl_->run([&]() -> Result<ProxyInfo> {
    if (impl_->proxies.count(name) > 0) return Result<ProxyInfo>::error("proxy already exists");
    auto p = std::make_shared<Impl::Proxy>();
    p->info = ProxyInfo{name, endpoint_text(listen_ep.value()), endpoint_text(upstream_ep.value()), enabled, {}};
    p->listen = listen_ep.value();
    p->upstream = upstream_ep.value();
    if (enabled) {
      auto opened = impl_->open(p);
      if (!opened) return Result<ProxyInfo>::error(opened.error());
    }
    impl_->proxies[name] = p;
    return Result<ProxyInfo>::ok(p->info);
  });
}

Result<ProxyInfo> ChaosProxies::update(const std::string& name, std::optional<bool> enabled,
                                       std::optional<std::string> listen, std::optional<std::string> upstream) {
  std::optional<tcp::endpoint> listen_ep, upstream_ep;
  if (listen) {
    auto ep = parse_endpoint(*listen, "listen");
    if (!ep) return Result<ProxyInfo>::error(ep.error());
    listen_ep = ep.value();
  }
  if (upstream) {
    auto ep = parse_endpoint(*upstream, "upstream");
    if (!ep) return Result<ProxyInfo>::error(ep.error());
    upstream_ep = ep.value();
  }
  return impl_->run([&]() -> Result<ProxyInfo> {
    const auto it = impl_->proxies.find(name);
    if (it == impl_->proxies.end()) return Result<ProxyInfo>::error("proxy not found");
    auto& p = it->second;
    if (upstream_ep) {
      p->upstream = *upstream_ep;
      p->info.upstream = endpoint_text(*upstream_ep);
    }
    const bool want = enabled.value_or(p->info.enabled);
    const bool rebind = listen_ep && endpoint_text(*listen_ep) != p->info.listen;
    if ((!want || rebind) && p->info.enabled) impl_->close_proxy(*p);
    if (listen_ep) {
      p->listen = *listen_ep;
      p->info.listen = endpoint_text(*listen_ep);
    }
    if (want && (!p->info.enabled || rebind)) {
      auto opened = impl_->open(p);
      if (!opened) {
        p->info.enabled = false;
        return Result<ProxyInfo>::error(opened.error());
      }
    }
    p->info.enabled = want;
    return Result<ProxyInfo>::ok(p->info);
  });
}

bool ChaosProxies::remove(const std::string& name) {
  return impl_->run([&] {
    const auto it = impl_->proxies.find(name);
    if (it == impl_->proxies.end()) return false;
    impl_->close_proxy(*it->second);
    impl_->proxies.erase(it);
    return true;
  });
}

std::optional<ProxyInfo> ChaosProxies::get(const std::string& name) const {
  return impl_->run([&]() -> std::optional<ProxyInfo> {
    const auto it = impl_->proxies.find(name);
    if (it == impl_->proxies.end()) return std::nullopt;
    return it->second->info;
  });
}

std::vector<ProxyInfo> ChaosProxies::list() const {
  return impl_->run([&] {
    std::vector<ProxyInfo> out;
    for (const auto& [name, p] : impl_->proxies) out.push_back(p->info);
    return out;
  });
}

Result<Toxic> ChaosProxies::add_toxic(const std::string& proxy, Toxic toxic) {
  auto valid = validate_toxic(std::move(toxic));
  if (!valid) return valid;
  return impl_->run([&]() -> Result<Toxic> {
    const auto it = impl_->proxies.find(proxy);
    if (it == impl_->proxies.end()) return Result<Toxic>::error("proxy not found");
    auto& toxics = it->second->info.toxics;
    for (const auto& t : toxics) {
      if (t.name == valid.value().name) return Result<Toxic>::error("toxic already exists");
    }
    toxics.push_back(valid.value());
    if (valid.value().type == "http_status") it->second->http_state[valid.value().name] = {std::chrono::steady_clock::now(), 0};
    // Open connections feel standing toxics (timeout, reset_peer) at once.
    for (auto& w : it->second->sessions) {
      if (auto s = w.lock(); s && !s->closed) s->arm_standing_toxics();
    }
    return valid;
  });
}

Result<Toxic> ChaosProxies::update_toxic(const std::string& proxy, const std::string& toxic, double toxicity,
                                         const std::map<std::string, std::int64_t>& attributes,
                                         const std::optional<std::string>& body) {
  return impl_->run([&]() -> Result<Toxic> {
    const auto it = impl_->proxies.find(proxy);
    if (it == impl_->proxies.end()) return Result<Toxic>::error("proxy not found");
    for (auto& t : it->second->info.toxics) {
      if (t.name != toxic) continue;
      Toxic changed = t;
      changed.toxicity = toxicity;
      for (const auto& [k, v] : attributes) changed.attributes[k] = v;
      if (body) changed.body = *body;
      auto valid = validate_toxic(changed);
      if (!valid) return valid;
      t = valid.value();
      return valid;
    }
    return Result<Toxic>::error("toxic not found");
  });
}

Result<bool> ChaosProxies::remove_toxic(const std::string& proxy, const std::string& toxic) {
  return impl_->run([&]() -> Result<bool> {
    const auto it = impl_->proxies.find(proxy);
    if (it == impl_->proxies.end()) return Result<bool>::error("proxy not found");
    auto& toxics = it->second->info.toxics;
    const auto before = toxics.size();
    std::erase_if(toxics, [&](const Toxic& t) { return t.name == toxic; });
    if (toxics.size() == before) return Result<bool>::error("toxic not found");
    it->second->http_state.erase(toxic);
    return Result<bool>::ok(true);
  });
}

void ChaosProxies::reset() {
  impl_->run([&] {
    for (auto& [name, p] : impl_->proxies) {
      p->info.toxics.clear();
      p->http_state.clear();
      if (!p->info.enabled && impl_->open(p)) p->info.enabled = true;
    }
    return true;
  });
}

std::uint64_t ChaosProxies::http_answers(const std::string& name) const {
  return impl_->run([&]() -> std::uint64_t {
    const auto it = impl_->proxies.find(name);
    return it == impl_->proxies.end() ? 0 : it->second->http_answers;
  });
}

std::uint64_t ChaosProxies::connections(const std::string& name) const {
  return impl_->run([&]() -> std::uint64_t {
    const auto it = impl_->proxies.find(name);
    return it == impl_->proxies.end() ? 0 : it->second->connections;
  });
}

}  // namespace failsim::fakes
