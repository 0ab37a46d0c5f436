#include "sim/network/network.h"

namespace failsim::sim {

const char* to_string(CallStatus s) {
  switch (s) {
    case CallStatus::kOk: return "ok";
    case CallStatus::kTimeout: return "timeout";
    case CallStatus::kRefused: return "refused";
    case CallStatus::kHttpError: return "http_error";
  }
  return "?";
}

const char* http_status_text(int status) {
  switch (status) {  // net/http/status.go, 4xx and 5xx
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Request Entity Too Large";
    case 414: return "Request URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Requested Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Entity";
    case 423: return "Locked";
    case 424: return "Failed Dependency";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 506: return "Variant Also Negotiates";
    case 507: return "Insufficient Storage";
    case 508: return "Loop Detected";
    case 510: return "Not Extended";
    case 511: return "Network Authentication Required";
    default: return "";
  }
}

const std::pair<std::string, bool>* Network::find_host(std::string_view name) const {
  for (const auto& h : hosts_) {
    if (h.first.size() == name.size() && h.first == name) return &h;
  }
  return nullptr;
}

void Network::set_host_up(const std::string& name, bool up) {
  for (auto& h : hosts_) {
    if (h.first == name) {
      h.second = up;
      return;
    }
  }
  hosts_.emplace_back(name, up);
}

bool Network::host_up(const std::string& name) const {
  const auto* h = find_host(name);
  return h != nullptr && h->second;
}

void Network::set_link_latency(const std::string& from, const std::string& to, Distribution latency) {
  latency_[{from, to}] = latency;
}

int Network::add_fault(NetworkFault fault) {
  const int id = next_fault_id_++;
  faults_.emplace(id, std::move(fault));
  live_dirty_ = true;
  return id;
}

const std::vector<std::pair<int, NetworkFault*>>& Network::live(TimePoint now) const {
  if (!live_dirty_ && now >= live_from_ && now < live_until_) return live_;
  live_.clear();
  live_from_ = now;
  live_until_ = TimePoint::max();
  for (auto& [id, f] : const_cast<std::map<int, NetworkFault>&>(faults_)) {
    const bool ends = f.length > Duration(0);
    if (now < f.start) {
      live_until_ = std::min(live_until_, f.start);
    } else if (!ends || now < f.start + f.length) {
      live_.emplace_back(id, &f);
      if (ends) live_until_ = std::min(live_until_, f.start + f.length);
    }
  }
  live_dirty_ = false;
  return live_;
}

bool Network::active(const NetworkFault& f, TimePoint now) const {
  if (now < f.start) return false;
  if (f.length > Duration(0) && now >= f.start + f.length) return false;
  if (f.flap_down > Duration(0)) {
    const Duration period = f.flap_down + f.flap_up;
    const Duration phase = Duration((now - f.start).count() % period.count());
    return phase < f.flap_down;  // each period starts with the link down
  }
  return true;
}

bool Network::applies(const NetworkFault& f, const std::string& from, const std::string& to, int port) const {
  return (f.from == "*" || f.from == from) && f.to == to && (f.port == 0 || f.port == port);
}

Network::Route Network::route(const std::string& from, const std::string& to, int port) {
  const TimePoint now = engine_.now();
  const auto link = latency_.find(LinkLess::View(from, to));
  Duration latency = (link != latency_.end() ? link->second : default_latency_).sample(rng_);
  if (!host_up(from) || !host_up(to)) return Route{Fate::kDropped, latency};
  for (const auto& [id, fault] : live(now)) {
    const NetworkFault& f = *fault;
    if (f.kind != NetworkFault::Kind::kPartition || !active(f, now) || !applies(f, from, to, port)) continue;
    // A rejection costs the round trip of the RST.
    return Route{f.mode == FaultMode::kDrop ? Fate::kDropped : Fate::kRejected, latency + latency};
  }
  for (const auto& [id, fault] : live(now)) {
    const NetworkFault& f = *fault;
    if (!active(f, now) || !applies(f, from, to, port)) continue;
    if (f.kind == NetworkFault::Kind::kLoss && rng_.bernoulli(f.loss_probability)) {
      return Route{Fate::kDropped, latency};
    }
    if (f.kind == NetworkFault::Kind::kLatency) latency += f.added_latency;
  }
  return Route{Fate::kDelivered, latency};
}

int Network::http_answer(const std::string& from, const std::string& to, int port) {
  const TimePoint now = engine_.now();
  for (const auto& [id, fault] : live(now)) {
    NetworkFault& f = *fault;
    if (f.kind != NetworkFault::Kind::kHttpStatus || !active(f, now) || !applies(f, from, to, port)) continue;
    if (f.http_first > 0 && f.http_seen >= f.http_first) continue;
    ++f.http_seen;
    if (f.http_probability >= 1.0 || rng_.bernoulli(f.http_probability)) return f.http_status;
  }
  return 0;
}

std::pair<int, const NetworkFault*> Network::peek_http(const std::string& from, const std::string& to, int port,
                                                       const std::set<int>& ignore) const {
  for (const auto& [id, fault] : live(engine_.now())) {
    const NetworkFault& f = *fault;
    if (ignore.count(id) != 0 || f.kind != NetworkFault::Kind::kHttpStatus) continue;
    if (!active(f, engine_.now()) || !applies(f, from, to, port)) continue;
    if (f.http_first > 0 && f.http_seen >= f.http_first) continue;
    return {id, &f};
  }
  return {0, nullptr};
}

Network::Fate Network::peek(const std::string& from, const std::string& to, int port, const std::set<int>& ignore) const {
  if ((has_host(from) && !host_up(from)) || !host_up(to)) return Fate::kDropped;
  const TimePoint now = engine_.now();
  for (const auto& [id, fault] : live(now)) {
    const NetworkFault& f = *fault;
    if (ignore.count(id) != 0) continue;
    if (f.kind != NetworkFault::Kind::kPartition || !active(f, now) || !applies(f, from, to, port)) continue;
    return f.mode == FaultMode::kDrop ? Fate::kDropped : Fate::kRejected;
  }
  return Fate::kDelivered;
}

Duration Network::peek_added_latency(const std::string& from, const std::string& to, int port,
                                     const std::set<int>& ignore) const {
  Duration added{0};
  for (const auto& [id, fault] : live(engine_.now())) {
    const NetworkFault& f = *fault;
    if (ignore.count(id) != 0) continue;
    if (f.kind == NetworkFault::Kind::kLatency && active(f, engine_.now()) && applies(f, from, to, port)) {
      added += f.added_latency;
    }
  }
  return added;
}

}  // namespace failsim::sim
