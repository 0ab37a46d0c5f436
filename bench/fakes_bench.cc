// Live mode over loopback:
//  - BM_FakePrometheusQuery: requests/s of the fake Prometheus `/api/v1/query?query=up`
//    (one keep-alive client, the world paced at 1x on its own engine thread; each
//    request crosses into the engine thread and back);
//  - BM_HttpRoundTrip/direct and /proxied: one small GET to a loopback HTTP server,
//    straight and through a chaos proxy without toxics; the difference of the two
//    times is what the proxy adds per request.
#include "harness/inputs/world_file.h"
#include <benchmark/benchmark.h>
#include <httplib.h>

#include <memory>
#include <thread>

#include "fakes/chaos_proxy.h"
#include "fakes/http_server.h"
#include "fakes/live_loop.h"
#include "fakes/prometheus_api.h"
#include "sim/world.h"

namespace {

using namespace std::chrono_literals;
using failsim::fakes::ChaosProxies;
using failsim::fakes::HttpServer;
using failsim::fakes::LiveLoop;

void BM_FakePrometheusQuery(benchmark::State& state) {
  auto spec = failsim::harness::load_world(std::string(FAILSIM_SOURCE_DIR) + "/worlds/paws360.json");
  if (!spec) {
    state.SkipWithError(spec.error().c_str());
    return;
  }
  failsim::sim::World world(spec.value().spec);
  if (!world.start()) {
    state.SkipWithError("world did not start");
    return;
  }
  world.engine().run_for(5min);  // a few scrapes in the store
  LiveLoop loop(world.engine(), 1.0);
  HttpServer server;
  failsim::fakes::install_prometheus_api(server.routes(), loop, world.prometheus(), world.spec().start);
  if (!server.start("127.0.0.1", 0)) {
    state.SkipWithError("cannot listen");
    return;
  }
  std::thread engine([&] { loop.run_until(world.engine().now() + 24h); });
  httplib::Client client("127.0.0.1", server.port());
  client.set_keep_alive(true);
  std::size_t errors = 0;
  for (auto _ : state) {
    auto r = client.Get("/api/v1/query?query=up");
    if (!r || r->status != 200) ++errors;
    benchmark::DoNotOptimize(r);
  }
  loop.stop();
  engine.join();
  server.stop();
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["errors"] = static_cast<double>(errors);
}
BENCHMARK(BM_FakePrometheusQuery)->UseRealTime()->MinTime(2.0);

void BM_HttpRoundTrip(benchmark::State& state, bool proxied) {
  HttpServer upstream;
  upstream.routes().Get("/ping", [](const httplib::Request&, httplib::Response& res) { res.set_content("pong", "text/plain"); });
  if (!upstream.start("127.0.0.1", 0)) {
    state.SkipWithError("cannot listen");
    return;
  }
  ChaosProxies proxies;
  int port = upstream.port();
  if (proxied) {
    auto p = proxies.create("bench", "127.0.0.1:0", "127.0.0.1:" + std::to_string(upstream.port()));
    if (!p) {
      state.SkipWithError(p.error().c_str());
      return;
    }
    port = std::stoi(p.value().listen.substr(p.value().listen.rfind(':') + 1));
  }
  httplib::Client client("127.0.0.1", port);
  client.set_keep_alive(true);
  std::size_t errors = 0;
  for (auto _ : state) {
    auto r = client.Get("/ping");
    if (!r || r->status != 200) ++errors;
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.counters["errors"] = static_cast<double>(errors);
}
BENCHMARK_CAPTURE(BM_HttpRoundTrip, direct, false)->UseRealTime()->MinTime(2.0);
BENCHMARK_CAPTURE(BM_HttpRoundTrip, proxied, true)->UseRealTime()->MinTime(2.0);

}  // namespace
