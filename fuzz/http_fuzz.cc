// libFuzzer target: the request handlers of the fakes, driven in-process through
// serve_in_process (cpp-httplib's parsing, HttpServer's hooks, the routes): the fake
// GitHub REST API, the fake Prometheus HTTP API (queries and metadata), the
// Toxiproxy-style control API and the Alertmanager API v2, over a PAWS360 world that
// keeps running on its engine thread at 600x (a fresh one every 2,000 inputs, so the
// runs a fuzzer dispatches do not pile up and slow it down). The world has data in it
// before the first input: 20 virtual minutes run first, with the primary's exporter
// cut off from Prometheus, so targets have been scraped (one of them down), alerts
// have fired and reached the Alertmanager (a crash in targets/metadata hid behind an
// empty store). The first byte picks the server; the rest is the raw request. Every request must
// get an answer: a status line, and no 5xx but 503 (a query timeout) and the control
// API's 500 for a listen address that cannot be bound (Toxiproxy's own answer, api.go
// apiError). Proxies the input created are removed after it, so inputs stay independent.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <set>
#include <string>
#include <thread>

#include "fakes/alertmanager_api.h"
#include "fakes/chaos_proxy.h"
#include "fakes/github_api.h"
#include "fakes/http_server.h"
#include "fakes/live_loop.h"
#include "fakes/prometheus_api.h"
#include "fakes/prometheus_metadata_api.h"
#include "fakes/toxiproxy_api.h"
#include "harness/inputs/world_file.h"
#include "sim/world.h"

namespace {

using namespace failsim;

struct Fakes {
  explicit Fakes(sim::WorldSpec spec) : world(std::move(spec)), loop(world.engine(), 600.0) {
    if (!world.start()) std::abort();
    sim::NetworkFault cut;  // the one-way partition of the incident: scrapes fail, alerts fire
    cut.from = world.spec().prometheus.host;
    cut.to = world.spec().runners.front().host;
    world.network().add_fault(cut);
    world.engine().run_for(std::chrono::minutes(20));
    fakes::GitHubApiConfig config;
    config.token = "fuzz-token-0123456789";
    config.rate_limit_per_hour = 1 << 30;  // the budget would turn every request into a 403 within seconds
    fakes::install_github_api(github.routes(), loop, world.github(), config);
    fakes::install_prometheus_api(prometheus.routes(), loop, world.prometheus(), world.spec().start);
    fakes::PrometheusStatus status;
    status.started = world.spec().start;
    status.alertmanager_urls.push_back("alertmanager:9093");
    fakes::install_prometheus_metadata_api(prometheus.routes(), loop, world.prometheus(), status);
    fakes::install_alertmanager_api(alertmanager.routes(), loop, world);
    fakes::install_toxiproxy_api(control.routes(), proxies);
    if (!proxies.create("exporter-a", "127.0.0.1:0", "127.0.0.1:9")) std::abort();
    engine = std::thread([this] { loop.run_until(world.engine().now() + std::chrono::hours(24 * 365)); });
  }
  ~Fakes() {
    loop.stop();
    engine.join();
  }
  sim::World world;
  fakes::LiveLoop loop;
  fakes::ChaosProxies proxies;
  fakes::HttpServer github;
  fakes::HttpServer prometheus;
  fakes::HttpServer control;
  fakes::HttpServer alertmanager;
  std::thread engine;
};

Fakes& fakes_now() {
  static std::unique_ptr<Fakes> f;
  static int served = 0;
  if (!f || ++served % 2000 == 0) {
    static const sim::WorldSpec spec = [] {
      auto world = harness::load_world(std::string(FAILSIM_SOURCE_DIR) + "/worlds/paws360.json");
      if (!world) std::abort();
      sim::WorldSpec s = world.value().spec;
      s.seed = 1;
      if (!s.alertmanager) s.alertmanager.emplace();
      return s;
    }();
    f.reset();
    f = std::make_unique<Fakes>(spec);
  }
  return *f;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  Fakes& f = fakes_now();
  fakes::HttpServer* servers[] = {&f.github, &f.prometheus, &f.control, &f.alertmanager};
  const int which = data[0] % 4;
  fakes::HttpServer& server = *servers[which];
  const std::string reply =
      fakes::serve_in_process(server.routes(), std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  if (!reply.empty()) {
    const bool response = reply.rfind("HTTP/1.1 ", 0) == 0;                      // every answer is a response
    const bool bind_failed = which == 2 && reply.rfind("HTTP/1.1 500", 0) == 0 && reply.find("\r\n\r\n{\"error\":\"listen ") != std::string::npos;
    const bool failed = reply.size() > 9 && reply[9] == '5' && reply.rfind("HTTP/1.1 503", 0) != 0 && !bind_failed;
    if (!response || failed) {
      std::fprintf(stderr, "http fuzz: unexpected answer:\n%s\n", reply.substr(0, 2000).c_str());
      std::abort();
    }
  }
  for (const auto& p : f.proxies.list()) {
    if (p.name != "exporter-a") f.proxies.remove(p.name);
  }
  f.proxies.reset();
  return 0;
}
