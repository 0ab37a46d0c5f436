// LiveWorld: the simulated world made reachable over real HTTP on loopback.
//
// What it starts (every published port sits behind a chaos proxy, so a game day can
// add toxics anywhere through the control API):
//   proxy "github"              -> fake GitHub REST API (fakes/github_api.h)
//   proxy "prometheus"          -> fake Prometheus HTTP API (fakes/prometheus_api.h)
//   proxy "exporter-<runner>"   -> the runner's /metrics (text 0.0.4) and /health
//   proxy "alertmanager"        -> fake Alertmanager API v2 (fakes/alertmanager_api.h),
//                                  when the world has an Alertmanager
//   the proxy control API       (fakes/toxiproxy_api.h), not proxied itself
// Published ports: options.port_base + 0 (GitHub), + 1 (Prometheus), + 2 (control),
// + 4 (Alertmanager), + 10 + i (runner i's exporter); port_base 0 lets the kernel pick each one.
//
// The network model drives the proxies: every sync_interval of virtual time the live
// world asks the model (Network::peek, no random draws) how a message from the
// Prometheus host to each exporter would fare and mirrors it: delivered -> no fault;
// dropped (partition drop, host down) -> a "failsim_partition" timeout toxic, so
// scrapes hang until the scraper's timeout; rejected (partition reject, exporter
// stopped) -> the proxy disabled, so connections are refused; added-latency faults ->
// a "failsim_latency" toxic on the requests (upstream), the fault's duration taken as
// wall-clock time, since real clients time out in wall-clock time; an http_status fault
// -> a "failsim_http" http_status toxic with its status, probability and `first`. The
// Prometheus proxy mirrors the monitoring host the same way for clients outside the model.
// Faults made by hand through the control API on an exporter's proxy flow the other
// way, until removed (on_manual_fault hears each):
//   timeout (toxicity 1)     -> a drop partition Prometheus -> runner:port
//   timeout (toxicity p < 1) -> a loss fault with probability p (Toxiproxy draws per
//                               connection; a scrape is one connection)
//   disabled proxy           -> a reject partition
//   latency L ms             -> an added-latency fault of L ms
//   bandwidth R KB/s         -> an added-latency fault of the time one scrape's bytes
//                               take at R (Toxiproxy: 1 ms per R bytes): downstream,
//                               the exporter's current answer gzip-compressed as
//                               Prometheus asks for it, plus its headers; upstream,
//                               a scrape request
//   http_status S            -> an http_status fault: S, toxicity as its probability,
//                               `first`, its window (after, duration) scaled by the speed
//   http_status 500/502/503 on the "github" proxy -> the model's GitHub degraded (error
//                               rate = toxicity, that status)
// A latency or bandwidth toxic with toxicity < 1 has no model counterpart (the model's
// latency faults hit every message) and is left out of the model.
//
// Thread safety: start/stop on the engine thread before/after the loop runs;
// everything else the servers do goes through the LiveLoop.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "fakes/chaos_proxy.h"
#include "fakes/github_api.h"
#include "fakes/http_server.h"
#include "fakes/live_loop.h"
#include "sim/world.h"

namespace failsim::fakes {

struct LiveOptions {
  std::string listen = "127.0.0.1";  // loopback only
  int port_base = 0;
  GitHubApiConfig github;
  std::optional<TlsFiles> github_tls;  // the GitHub API over HTTPS with this certificate
  Duration sync_interval = std::chrono::seconds(1);
};

struct Endpoint {
  std::string name;  // "github", "prometheus", "alertmanager", "control", "exporter-<runner>"
  std::string url;   // where clients connect (the proxy's listen address)
};

class LiveWorld {
 public:
  LiveWorld(sim::World& world, LiveLoop& loop, LiveOptions options, DispatchHandler dispatch = {});
  ~LiveWorld();
  LiveWorld(const LiveWorld&) = delete;
  LiveWorld& operator=(const LiveWorld&) = delete;

  // Engine thread, after World::start(). Binds every server and proxy; errors name
  // the port. Schedules the model -> proxy mirror on the engine.
  Result<bool> start();
  void stop();

  std::vector<Endpoint> endpoints() const;
  std::string url(const std::string& name) const;  // "" when unknown
  ChaosProxies& proxies() { return proxies_; }
  // Engine thread: mirrors the network model onto the proxies now (sync does this every
  // sync_interval; a caller about to use an endpoint can make sure it is current).
  void refresh();
  // A hand-made fault mirrored into the model (or its end).
  struct ManualFault {
    bool started = true;
    std::string kind;  // partition | loss | latency ("" for an end)
    std::string host;  // the exporter's host
    std::string text;  // "start drop monitoring->h:9102 (by hand, exporter-R)" / "end exporter-R"
  };
  // Engine thread: a hand-made fault was mirrored into the model, or ended.
  void on_manual_fault(std::function<void(const ManualFault&)> listener) { manual_listener_ = std::move(listener); }

 private:
  struct Mirror {  // what failsim last applied to one proxy
    bool enabled = true;
    bool blackhole = false;
    std::int64_t latency_ms = 0;
    int http_fault = 0;  // the model's http_status fault mirrored as a toxic (0: none)
  };
  void sync();
  void apply(const std::string& proxy, sim::Network::Fate fate, Duration added_latency,
             std::pair<int, const sim::NetworkFault*> http);
  void mirror_manual(const std::string& proxy);
  void mirror_manual_github();
  Result<int> publish(const std::string& name, int upstream_port, int offset);

  sim::World& world_;
  LiveLoop& loop_;
  LiveOptions options_;
  DispatchHandler dispatch_;
  ChaosProxies proxies_;
  HttpServer github_;
  HttpServer prometheus_;
  HttpServer control_;
  HttpServer alertmanager_;
  std::vector<std::unique_ptr<HttpServer>> exporters_;
  std::vector<Endpoint> endpoints_;
  std::map<std::string, Mirror> applied_;
  std::map<std::string, std::vector<int>> manual_faults_;  // proxy -> model fault ids mirrored from its hand-made toxics
  bool github_manual_ = false;  // a hand-made http_status toxic on "github" degrades the model's GitHub
  std::set<int> manual_fault_ids() const;
  std::function<void(const ManualFault&)> manual_listener_;
  bool stopped_ = false;
};

}  // namespace failsim::fakes
