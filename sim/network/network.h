// Network: named hosts, per-link latency, and directional, time-bounded faults, for
// request/response calls with a caller timeout.
//
// Fates of one message from A to B:port at time t (first match wins):
//   A or B down            -> dropped (a dead host answers nothing)
//   an active partition     -> its mode: drop (silence: the caller waits out its
//     fault A->B (or *->B)     timeout) or reject (connection refused: the caller learns
//                             at once, after one round trip)
//   an active loss fault    -> dropped with its probability (seeded draw)
//   otherwise               -> delivered after the link latency plus any active
//                             added-latency faults
// A delivered request meets an active http_status fault on B:port before B's handler:
// an HTTP-level fault in front of the service (live mode: a chaos proxy's http_status
// toxic). Each request it sees counts; the first `http_first` of them (0: every one) are
// answered `http_status` with probability `http_probability` (a draw only when below 1),
// without reaching the handler. The caller gets kHttpError with that status.
// A fault is directional (from -> to[:port]; from "*" is any host; port 0 is any
// port), active from `start` for `length` (0: forever), and optionally flapping: within
// its window it is active for `flap_down`, then inactive for `flap_up`, repeating.
//
// request(): the request travels A->B; on arrival B's handler runs (nullopt: nothing
// listens on that port -> refused); after its service time the response travels B->A.
// The caller's callback runs exactly once: with the response, or with kTimeout at
// t0 + timeout, or with kRefused. One-way partitions therefore behave as in the
// Serotonin incident: Prometheus -> serotonin:9102 dropped, while serotonin -> GitHub
// and a workstation -> serotonin:9102 still work.
//
// Determinism: latency and loss draws come from the Rng handed in (one stream).
// Thread safety: none; lives on the engine's thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "failover/time.h"
#include "sim/distribution.h"
#include "sim/engine.h"
#include "sim/random.h"

namespace failsim::sim {

enum class FaultMode { kDrop, kReject };

struct NetworkFault {
  enum class Kind { kPartition, kLoss, kLatency, kHttpStatus };
  Kind kind = Kind::kPartition;
  std::string from = "*";  // a host name or "*"
  std::string to;          // a host name
  int port = 0;            // 0: every port
  FaultMode mode = FaultMode::kDrop;  // kPartition
  double loss_probability = 0.0;      // kLoss
  Duration added_latency{0};          // kLatency
  int http_status = 503;              // kHttpStatus: 400..599
  double http_probability = 1.0;      // kHttpStatus: of each counted request
  std::int64_t http_first = 0;        // kHttpStatus: only the first N requests it sees; 0: all
  std::int64_t http_seen = 0;         // kHttpStatus: requests seen so far (state)
  TimePoint start{};
  Duration length{0};     // 0: until removed
  Duration flap_down{0};  // 0: no flapping
  Duration flap_up{0};
};

enum class CallStatus { kOk, kTimeout, kRefused, kHttpError };
const char* to_string(CallStatus s);
// Go's http.StatusText for a status (Prometheus's "server returned HTTP status 503
// Service Unavailable"); "" for one it does not name.
const char* http_status_text(int status);

template <class Response>
struct CallResult {
  CallStatus status;
  std::optional<Response> response;  // set when status == kOk
  Duration elapsed{0};
  int http_status = 0;  // set when status == kHttpError
};

template <class Response>
struct Served {
  Response response;
  Duration service_time{0};
};

class Network {
 public:
  Network(Engine& engine, Rng rng) : engine_(engine), rng_(std::move(rng)) {}

  void add_host(const std::string& name) { set_host_up(name, true); }
  bool has_host(const std::string& name) const { return find_host(name) != nullptr; }
  void set_host_up(const std::string& name, bool up);
  bool host_up(const std::string& name) const;
  // Latency of one direction of a link; default for every link: default_latency.
  void set_link_latency(const std::string& from, const std::string& to, Distribution latency);
  void set_default_latency(Distribution latency) { default_latency_ = latency; }

  int add_fault(NetworkFault fault);
  void remove_fault(int id) {
    faults_.erase(id);
    live_dirty_ = true;
  }

  enum class Fate { kDelivered, kDropped, kRejected };
  struct Route {
    Fate fate;
    Duration latency;  // one way, when delivered (or the time to learn of a rejection)
  };
  // The fate of one message sent now. Draws latency and loss from the network's stream.
  Route route(const std::string& from, const std::string& to, int port);
  // The fate host state and partitions give a message sent now, without drawing from
  // the stream (loss and latency are left out): what live mode mirrors onto its real
  // endpoints. An unknown `from` counts as up (a client outside the model).
  // `ignore`: fault ids to leave out (live mode's faults mirrored from hand-made toxics).
  Fate peek(const std::string& from, const std::string& to, int port, const std::set<int>& ignore = {}) const;
  // The status an active http_status fault answers a request arriving now at to:port
  // with (counts the request; draws only for a probability below 1); 0: none.
  int http_answer(const std::string& from, const std::string& to, int port);
  // The first active http_status fault on to:port for a request from `from` sent now
  // (no counting, no draws; one whose `first` requests are spent is left out), with its
  // id; {0, nullptr}: none.
  std::pair<int, const NetworkFault*> peek_http(const std::string& from, const std::string& to, int port,
                                                const std::set<int>& ignore = {}) const;
  // The latency active added-latency faults add to a message sent now (no draws).
  Duration peek_added_latency(const std::string& from, const std::string& to, int port,
                              const std::set<int>& ignore = {}) const;

  // A `done` for a caller that wants no answer (a runner's poll): the request travels
  // and is served as any other, with the same draws, but no event is scheduled for the
  // reply or the timeout, which nobody would see.
  struct IgnoreReply {
    template <class R>
    void operator()(const CallResult<R>&) const {}
  };

  // Sends a request; see the header comment. `serve` (() -> std::optional<Served<
  // Response>>) runs at the destination; done(const CallResult<Response>&) runs once.
  template <class Response, class Serve, class Done>
  void request(const std::string& from, const std::string& to, int port, Duration timeout, Serve serve, Done done);

 private:
  bool active(const NetworkFault& f, TimePoint now) const;
  bool applies(const NetworkFault& f, const std::string& from, const std::string& to, int port) const;

  Engine& engine_;
  Rng rng_;
  // Looked up twice per message; a world has a handful of hosts, so a scan (lengths
  // compared first) beats a tree or a hash.
  const std::pair<std::string, bool>* find_host(std::string_view name) const;
  std::vector<std::pair<std::string, bool>> hosts_;
  // Ordered by (from, to); looked up with string views, without copying names.
  struct LinkLess {
    using is_transparent = void;
    using View = std::pair<std::string_view, std::string_view>;
    static View view(const std::pair<std::string, std::string>& p) { return {p.first, p.second}; }
    static View view(const View& v) { return v; }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return view(a) < view(b);
    }
  };
  std::map<std::pair<std::string, std::string>, Distribution, LinkLess> latency_;
  Distribution default_latency_ = Distribution::fixed(std::chrono::microseconds(500));
  std::map<int, NetworkFault> faults_;
  int next_fault_id_ = 1;
  // The faults whose window holds `now` (started, not over), in id order: what every
  // message checks. Rebuilt when a fault is added or removed, or `now` passes the next
  // start or end of any fault, so a long run with many short faults laid out ahead
  // (a week's background) does not scan them all per message.
  const std::vector<std::pair<int, NetworkFault*>>& live(TimePoint now) const;
  mutable std::vector<std::pair<int, NetworkFault*>> live_;
  mutable TimePoint live_from_{}, live_until_{};
  mutable bool live_dirty_ = true;
};

template <class Response, class Serve, class Done>
void Network::request(const std::string& from, const std::string& to, int port, Duration timeout, Serve serve,
                      Done done) {
  // One state per call, shared by its events (each captures only `this` and the
  // state, so it fits the engine's inline storage); the callback fires exactly once
  // (timeout or answer first).
  struct Call {
    std::string from, to;
    int port;
    TimePoint t0, deadline;
    Serve serve;  // held here, not in a std::function: one allocation per call in all
    Done done;
    std::optional<Response> response;
    bool finished = false;
    int http_status = 0;
  };
  const TimePoint t0 = engine_.now();
  auto call = std::make_shared<Call>(Call{from, to, port, t0, t0 + timeout, std::move(serve), std::move(done), {}, false, 0});
  // No captures of their own (static), so each event below holds only `this` and the
  // call: inline in the engine's slot, no allocation per event.
  constexpr bool replies = !std::is_same_v<Done, IgnoreReply>;
  [[maybe_unused]] static constexpr auto finish = [](Network& net, Call& c, CallStatus status) {
    if (c.finished) return;
    c.finished = true;
    c.done(CallResult<Response>{status, std::move(c.response), net.engine_.now() - c.t0, c.http_status});
  };
  // The caller learns nothing before its deadline: the timeout answers then. Scheduled
  // only on the paths that end so (never to be cancelled), which keeps a long run's
  // queue free of the dead timers of every request that was answered.
  static constexpr auto time_out = [](Network& net, const std::shared_ptr<Call>& c) {
    if constexpr (replies) net.engine_.schedule_at(c->deadline, [&net, c] { finish(net, *c, CallStatus::kTimeout); });
  };

  const Route out = route(from, to, port);
  if (out.fate == Fate::kDropped) return time_out(*this, call);
  if (out.fate == Fate::kRejected) {
    if (t0 + out.latency < call->deadline) {
      if constexpr (replies) engine_.schedule_after(out.latency, [this, call] { finish(*this, *call, CallStatus::kRefused); });
      return;
    }
    return time_out(*this, call);
  }
  if (t0 + out.latency >= call->deadline) return time_out(*this, call);
  engine_.schedule_after(out.latency, [this, call] {
    if (const int status = http_answer(call->from, call->to, call->port); status != 0) {
      const Route back = route(call->to, call->from, call->port);
      if (back.fate != Fate::kDelivered || engine_.now() + back.latency >= call->deadline) return time_out(*this, call);
      call->http_status = status;
      if constexpr (replies) engine_.schedule_after(back.latency, [this, call] { finish(*this, *call, CallStatus::kHttpError); });
      return;
    }
    std::optional<Served<Response>> served = call->serve();
    const Route back = route(call->to, call->from, call->port);
    if (!served) {  // nothing listens: RST travels back
      if (back.fate == Fate::kDelivered && engine_.now() + back.latency < call->deadline) {
        if constexpr (replies) engine_.schedule_after(back.latency, [this, call] { finish(*this, *call, CallStatus::kRefused); });
        return;
      }
      return time_out(*this, call);
    }
    if (back.fate != Fate::kDelivered) return time_out(*this, call);
    const Duration total = served->service_time + back.latency;
    if (engine_.now() + total >= call->deadline) return time_out(*this, call);
    call->response = std::move(served->response);
    if constexpr (replies) engine_.schedule_after(total, [this, call] { finish(*this, *call, CallStatus::kOk); });
  });
}

}  // namespace failsim::sim
