#include "fakes/live_world.h"

#include <zlib.h>

#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "fakes/alertmanager_api.h"
#include "fakes/exposition.h"
#include "fakes/prometheus_api.h"
#include "fakes/prometheus_metadata_api.h"
#include "fakes/toxiproxy_api.h"

namespace failsim::fakes {
namespace {

constexpr const char* kPartitionToxic = "failsim_partition";
constexpr const char* kLatencyToxic = "failsim_latency";
constexpr const char* kHttpToxic = "failsim_http";
constexpr const char* kOutsideClient = "failsim-client";  // a loopback client outside the model

std::string exporter_proxy(const std::string& runner) { return "exporter-" + runner; }

// An exporter's collect-time draws; HTTP worker threads share it.
struct CollectDraws {
  explicit CollectDraws(sim::Rng r) : rng(std::move(r)) {}
  std::mutex mutex;
  sim::Rng rng;
};

// What one scrape puts on the wire besides the exposition body: Prometheus's GET with
// its headers (Accept, Accept-Encoding, User-Agent, X-Prometheus-Scrape-Timeout-Seconds)
// (its Accept header alone is about 150 bytes), and the exporter's status line and
// headers (Content-Encoding, Content-Length, Content-Type, Keep-Alive): about 290 and
// 150 bytes.
constexpr std::size_t kScrapeRequestBytes = 290;
constexpr std::size_t kResponseHeaderBytes = 150;

// The size of `body` gzip-compressed at zlib's default level, as the exporter's
// answer travels to a Prometheus (it sends Accept-Encoding: gzip).
std::size_t gzip_size(const std::string& body) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return body.size();
  std::string out(deflateBound(&z, body.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  z.avail_in = static_cast<uInt>(body.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  const std::size_t n = z.total_out;
  deflateEnd(&z);
  return rc == Z_STREAM_END ? n : body.size();
}

}  // namespace

LiveWorld::LiveWorld(sim::World& world, LiveLoop& loop, LiveOptions options, DispatchHandler dispatch)
    : world_(world), loop_(loop), options_(std::move(options)), dispatch_(std::move(dispatch)),
      github_(1 << 20, options_.github_tls),
      // Toxiproxy's API server keeps an idle connection 60 s (api.go: IdleTimeout);
      // clients with keep-alive agents (toxiproxy-node-client) reuse it after pauses.
      control_(HttpServerLimits{1 << 20, std::chrono::seconds(60), 512, std::chrono::seconds(10)}) {
  if (options_.github_tls) options_.github.scheme = "https";
}

LiveWorld::~LiveWorld() { stop(); }

Result<int> LiveWorld::publish(const std::string& name, int upstream_port, int offset) {
  const int port = options_.port_base == 0 ? 0 : options_.port_base + offset;
  auto p = proxies_.create(name, options_.listen + ":" + std::to_string(port), "127.0.0.1:" + std::to_string(upstream_port));
  if (!p) return Result<int>::error("proxy " + name + ": " + p.error());
  const std::string listen = p.value().listen;
  endpoints_.push_back(Endpoint{name, "http://" + listen});
  return Result<int>::ok(std::stoi(listen.substr(listen.rfind(':') + 1)));
}

Result<bool> LiveWorld::start() {
  if (!is_loopback(options_.listen)) {
    return Result<bool>::error("--listen " + options_.listen + ": failsim serves on loopback only (127.0.0.1, ::1)");
  }
  auto fail = [](const std::string& what, const std::string& why) { return Result<bool>::error(what + ": " + why); };
  github_.accept_path_prefix("/api/v3");  // GitHub Enterprise's prefix, which gh uses with GH_HOST
  install_github_api(github_.routes(), loop_, world_.github(), options_.github, dispatch_);
  install_prometheus_api(prometheus_.routes(), loop_, world_.prometheus(), world_.spec().start);
  PrometheusStatus status;
  status.started = world_.spec().start;
  if (world_.spec().alertmanager) status.alertmanager_urls.push_back("alertmanager:9093");
  install_prometheus_metadata_api(prometheus_.routes(), loop_, world_.prometheus(), status);
  install_toxiproxy_api(control_.routes(), proxies_, [this](const std::string& proxy) {
    loop_.post([this, proxy] { mirror_manual(proxy); });
  });
  auto gh = github_.start("127.0.0.1", 0);
  if (!gh) return fail("GitHub API", gh.error());
  auto pr = prometheus_.start("127.0.0.1", 0);
  if (!pr) return fail("Prometheus API", pr.error());
  if (auto p = publish("github", gh.value(), 0); !p) return fail("GitHub API", p.error());
  if (github_.tls()) endpoints_.back().url.replace(0, 4, "https");
  if (auto p = publish("prometheus", pr.value(), 1); !p) return fail("Prometheus API", p.error());
  if (world_.alertmanager() != nullptr) {
    install_alertmanager_api(alertmanager_.routes(), loop_, world_);
    auto am = alertmanager_.start("127.0.0.1", 0);
    if (!am) return fail("Alertmanager API", am.error());
    if (auto p = publish("alertmanager", am.value(), 4); !p) return fail("Alertmanager API", p.error());
  }
  auto ctl = control_.start(options_.listen, options_.port_base == 0 ? 0 : options_.port_base + 2);
  if (!ctl) return fail("proxy control API", ctl.error());
  endpoints_.push_back(Endpoint{"control", control_.url()});
  int index = 0;
  for (const auto& host : world_.runners()) {
    if (host->spec().exporter_port == 0) continue;  // a runner without an exporter
    auto server = std::make_unique<HttpServer>();
    const std::string runner = host->spec().runner_name;
    // The exporter takes its collect time to answer, as in the model (there in virtual
    // time, here in wall-clock time like every mirrored latency), drawn from a stream
    // of its own: live clients must not move the model's draws.
    auto collect = std::make_shared<CollectDraws>(sim::Rng::stream(0, "live-collect-" + runner));
    const sim::Distribution collect_time = host->spec().collect_time;
    server->routes().Get("/metrics", [this, runner, collect, collect_time](const httplib::Request&, httplib::Response& res) {
      auto body = loop_.call([this, runner]() -> std::optional<std::string> {
        const auto* h = world_.runner(runner);
        if (h == nullptr || !h->host_up() || !h->exporter_running()) return std::nullopt;
        return render_exposition(*h->metrics());
      });
      if (!body || !*body) {
        res.status = 503;
        res.set_content("exporter not running\n", "text/plain; charset=utf-8");
        return;
      }
      Duration wait{0};
      {
        std::lock_guard<std::mutex> lock(collect->mutex);
        wait = collect_time.sample(collect->rng);
      }
      std::this_thread::sleep_for(wait);
      res.set_content(**body, kExpositionContentType);
    });
    server->routes().Get("/health", [](const httplib::Request&, httplib::Response& res) { res.set_content("OK", "text/plain"); });
    auto port = server->start("127.0.0.1", 0);
    if (!port) return fail("exporter of " + runner, port.error());
    if (auto p = publish(exporter_proxy(runner), port.value(), 10 + index); !p) return fail("exporter of " + runner, p.error());
    endpoints_.back().url += "/metrics";
    exporters_.push_back(std::move(server));
    ++index;
  }
  sync();
  return Result<bool>::ok(true);
}

void LiveWorld::stop() {
  if (stopped_) return;
  stopped_ = true;
  control_.stop();
  github_.stop();
  prometheus_.stop();
  alertmanager_.stop();
  for (auto& e : exporters_) e->stop();
}

std::vector<Endpoint> LiveWorld::endpoints() const { return endpoints_; }

std::string LiveWorld::url(const std::string& name) const {
  for (const auto& e : endpoints_) {
    if (e.name == name) return e.url;
  }
  return "";
}

void LiveWorld::apply(const std::string& proxy, sim::Network::Fate fate, Duration added_latency,
                      std::pair<int, const sim::NetworkFault*> http) {
  const Mirror want{fate != sim::Network::Fate::kRejected, fate == sim::Network::Fate::kDropped, to_us(added_latency) / 1000,
                    http.first};
  auto it = applied_.find(proxy);
  if (it != applied_.end() && it->second.enabled == want.enabled && it->second.blackhole == want.blackhole &&
      it->second.latency_ms == want.latency_ms && it->second.http_fault == want.http_fault) {
    return;
  }
  const Mirror had = it != applied_.end() ? it->second : Mirror{};
  if (want.http_fault != had.http_fault) {
    // The model's http_status fault, once, as a toxic: its own count of requests starts
    // when it reaches the proxy (the requests the model's fault has seen are not real ones).
    if (had.http_fault != 0) proxies_.remove_toxic(proxy, kHttpToxic);
    if (want.http_fault != 0) {
      const sim::NetworkFault& f = *http.second;
      Toxic t;
      t.name = kHttpToxic;
      t.type = "http_status";
      t.stream = "upstream";
      t.toxicity = f.http_probability;
      t.attributes = {{"status", f.http_status}, {"first", f.http_first}};
      proxies_.add_toxic(proxy, t);
    }
  }
  if (want.latency_ms != had.latency_ms) {
    if (had.latency_ms > 0) proxies_.remove_toxic(proxy, kLatencyToxic);
    if (want.latency_ms > 0) {
      Toxic t;
      t.name = kLatencyToxic;
      t.type = "latency";
      t.stream = "upstream";
      t.attributes = {{"latency", want.latency_ms}};
      proxies_.add_toxic(proxy, t);
    }
  }
  if (want.blackhole && !had.blackhole) {
    Toxic t;
    t.name = kPartitionToxic;
    t.type = "timeout";
    t.stream = "upstream";
    proxies_.add_toxic(proxy, t);
  } else if (!want.blackhole && had.blackhole) {
    proxies_.remove_toxic(proxy, kPartitionToxic);
  }
  if (want.enabled != had.enabled) proxies_.update(proxy, want.enabled, std::nullopt, std::nullopt);
  applied_[proxy] = want;
}

void LiveWorld::sync() {
  if (stopped_) return;
  refresh();
  world_.engine().schedule_after(options_.sync_interval, [this] { sync(); });
}

std::set<int> LiveWorld::manual_fault_ids() const {
  std::set<int> ids;
  for (const auto& [proxy, list] : manual_faults_) ids.insert(list.begin(), list.end());
  return ids;
}

// The model's own faults onto the proxies; the faults mirrored from hand-made toxics are
// left out (their toxics are already there: mirroring them back would leave an internal
// toxic behind once the hand-made one is removed, or double a latency).
void LiveWorld::refresh() {
  auto& net = world_.network();
  const std::set<int> manual = manual_fault_ids();
  const std::string& monitoring = world_.spec().prometheus.host;
  for (const auto& host : world_.runners()) {
    const auto& spec = host->spec();
    if (spec.exporter_port == 0) continue;
    sim::Network::Fate fate = net.peek(monitoring, spec.host, spec.exporter_port, manual);
    if (fate == sim::Network::Fate::kDelivered && !host->exporter_running()) fate = sim::Network::Fate::kRejected;
    apply(exporter_proxy(spec.runner_name), fate, net.peek_added_latency(monitoring, spec.host, spec.exporter_port, manual),
          net.peek_http(monitoring, spec.host, spec.exporter_port, manual));
  }
  const int port = world_.spec().prometheus_port;
  apply("prometheus", net.peek(kOutsideClient, monitoring, port, manual), net.peek_added_latency(kOutsideClient, monitoring, port, manual),
        net.peek_http(kOutsideClient, monitoring, port, manual));
}

// A hand-made http_status toxic on the GitHub proxy (500, 502 or 503, the statuses the
// model's degraded GitHub answers) degrades the model's GitHub: its error rate is the
// toxic's toxicity, so the deploy tooling inside the model meets what real clients meet.
void LiveWorld::mirror_manual_github() {
  const auto info = proxies_.get("github");
  if (!info) return;
  std::optional<sim::github::ApiDegradation> want;
  for (const auto& t : info->toxics) {
    const std::int64_t status = t.attribute("status");
    if (t.type != "http_status" || t.name == kHttpToxic || (status != 500 && status != 502 && status != 503)) continue;
    sim::github::ApiDegradation d;
    d.error_rate = t.toxicity;
    d.status = static_cast<int>(status);
    want = d;
  }
  if (github_manual_) {
    world_.github().set_degradation(std::nullopt);
    github_manual_ = false;
    if (manual_listener_) manual_listener_({false, "", "github", "end github"});
  }
  if (want) {
    world_.github().set_degradation(want);
    github_manual_ = true;
    if (manual_listener_) {
      manual_listener_({true, "github_degraded", "github",
                        "start github_degraded " + std::to_string(want->status) + " at " +
                            std::to_string(static_cast<int>(want->error_rate * 100 + 0.5)) + " % (by hand, github)"});
    }
  }
}

// Hand-made toxics on an exporter's proxy become the model's faults on the scrapes of
// that exporter, so the world's Prometheus sees what a real one scraping through the
// proxy sees: a timeout toxic (blackhole) a dropped partition, a disabled proxy a
// refused one, latency toxics (both streams, jitter at its mean) an added latency.
void LiveWorld::mirror_manual(const std::string& proxy) {
  if (proxy == "github") return mirror_manual_github();
  const std::string prefix = "exporter-";
  if (proxy.rfind(prefix, 0) != 0) return;
  const auto* host = world_.runner(proxy.substr(prefix.size()));
  const auto info = proxies_.get(proxy);
  if (host == nullptr || !info) return;
  bool blackhole = false;
  double pass_probability = 1.0;  // of a connection, through every partial timeout toxic
  Duration added{0};
  std::vector<Toxic> answering;  // http_status toxics
  for (const auto& t : info->toxics) {  // failsim's own toxics are not hand-made
    if (t.name == kPartitionToxic || t.name == kLatencyToxic || t.name == kHttpToxic) continue;
    if (t.type == "http_status") {
      answering.push_back(t);
      continue;
    }
    if (t.type == "timeout") {
      if (t.toxicity >= 1.0) blackhole = true;
      pass_probability *= 1.0 - t.toxicity;
    }
    if (t.toxicity < 1.0) continue;
    if (t.type == "latency") added += std::chrono::milliseconds(t.attribute("latency"));
    if (t.type == "bandwidth" && t.attribute("rate") > 0) {
      const std::size_t bytes = t.stream == "upstream" ? kScrapeRequestBytes
                                                        : kResponseHeaderBytes + gzip_size(render_exposition(*host->metrics()));
      added += std::chrono::microseconds(static_cast<std::int64_t>(bytes) * 1000 / t.attribute("rate"));
    }
  }
  const auto applied = applied_.find(proxy);
  const bool refused = !info->enabled && (applied == applied_.end() || applied->second.enabled);
  auto existing = manual_faults_.find(proxy);
  if (existing != manual_faults_.end()) {
    for (int id : existing->second) world_.network().remove_fault(id);
    manual_faults_.erase(existing);
    if (manual_listener_) manual_listener_({false, "", host->spec().host, "end " + proxy});
  }
  sim::NetworkFault f;
  f.from = world_.spec().prometheus.host;
  f.to = host->spec().host;
  f.port = host->spec().exporter_port;
  f.start = world_.engine().now();
  const std::string where = f.from + "->" + f.to + ":" + std::to_string(f.port) + " (by hand, " + proxy + ")";
  if (blackhole || refused) {
    f.kind = sim::NetworkFault::Kind::kPartition;
    f.mode = refused ? sim::FaultMode::kReject : sim::FaultMode::kDrop;
    manual_faults_[proxy].push_back(world_.network().add_fault(f));
    if (manual_listener_) manual_listener_({true, "partition", f.to, std::string("start ") + (refused ? "reject " : "drop ") + where});
  }
  if (!blackhole && pass_probability < 1.0) {
    f.kind = sim::NetworkFault::Kind::kLoss;
    f.loss_probability = 1.0 - pass_probability;
    manual_faults_[proxy].push_back(world_.network().add_fault(f));
    if (manual_listener_) manual_listener_({true, "loss", f.to, "start loss " + std::to_string(f.loss_probability) + " " + where});
  }
  if (added > Duration(0)) {
    f.kind = sim::NetworkFault::Kind::kLatency;
    f.added_latency = added;
    manual_faults_[proxy].push_back(world_.network().add_fault(f));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(added).count();
    if (manual_listener_) manual_listener_({true, "latency", f.to, "start latency " + std::to_string(ms) + "ms " + where});
  }
  // An http_status toxic answers the model's scrapes as it answers real ones: its window
  // (after, duration: wall-clock milliseconds from now) scaled to virtual time by the speed.
  for (const auto& t : answering) {
    sim::NetworkFault h = f;
    h.kind = sim::NetworkFault::Kind::kHttpStatus;
    h.http_status = static_cast<int>(t.attribute("status"));
    h.http_probability = t.toxicity;
    h.http_first = t.attribute("first");
    const auto virtual_of = [this](std::int64_t wall_ms) {
      return std::chrono::duration_cast<Duration>(std::chrono::duration<double, std::milli>(static_cast<double>(wall_ms) * loop_.speed()));
    };
    h.start = f.start + virtual_of(t.attribute("after"));
    h.length = virtual_of(t.attribute("duration"));
    manual_faults_[proxy].push_back(world_.network().add_fault(h));
    if (manual_listener_) {
      manual_listener_({true, "http_status", f.to, "start http_status " + std::to_string(h.http_status) + " " + where});
    }
  }
  refresh();  // at once: no internal toxic outlives the hand-made one
}

}  // namespace failsim::fakes
