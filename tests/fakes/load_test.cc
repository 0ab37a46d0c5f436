// A bounded load test of the live endpoints: four client threads for two seconds of
// wall time, through the chaos proxies (no toxics), against the fake GitHub
// (`/runs`, `/runners`, `/jobs` of a dispatched run) and the fake Prometheus (GET and
// POST `/api/v1/query`, `/api/v1/targets`), with the world running at 60x. Passes when
// every request succeeded (transport and status) and every body parsed as JSON; the
// counts are recorded as test properties. Loopback only; stops by itself.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>

#include "fakes/live_world.h"
#include "tests/fakes/live_fixture.h"

namespace failsim::fakes {
namespace {

using namespace std::chrono_literals;

TEST(LiveLoad, FourClientsForTwoSecondsWithZeroErrors) {
  testing::LiveFixture live(testing::corrected_world(2));
  ASSERT_TRUE(live.started);
  live.advance(2min);
  live.loop = std::make_unique<LiveLoop>(live.world.engine(), 60.0);
  LiveOptions options;
  options.github.token = "load-token";
  options.github.rate_limit_per_hour = 10'000'000;  // the load, not the budget, is under test
  LiveWorld world(live.world, *live.loop, options);
  ASSERT_TRUE(world.start());
  const TimePoint until = live.world.engine().now() + 24h;
  live.engine_thread = std::thread([&] { live.loop->run_until(until); });

  auto port_of = [](const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); };
  const int github = port_of(world.url("github"));
  const int prometheus = port_of(world.url("prometheus"));
  const httplib::Headers auth{{"Authorization", "Bearer load-token"}, {"User-Agent", "failsim-load"}};
  std::string jobs_path;
  {
    httplib::Client c("127.0.0.1", github);
    auto r = c.Post("/repos/rmnanney/PAWS360/actions/workflows/ci.yml/dispatches", auth,
                    R"({"ref":"master","return_run_details":true})", "application/json");
    ASSERT_TRUE(r && r->status == 200);
    jobs_path = "/repos/rmnanney/PAWS360/actions/runs/" +
                std::to_string(nlohmann::json::parse(r->body)["workflow_run_id"].get<std::int64_t>()) + "/jobs";
  }
  std::atomic<std::uint64_t> ok{0}, failed{0};
  const auto deadline = std::chrono::steady_clock::now() + 2s;
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      httplib::Client gh("127.0.0.1", github);
      httplib::Client pr("127.0.0.1", prometheus);
      for (auto* c : {&gh, &pr}) {
        c->set_keep_alive(true);
        c->set_connection_timeout(2s);
        c->set_read_timeout(5s);
      }
      for (std::uint64_t i = 0; std::chrono::steady_clock::now() < deadline; ++i) {
        auto request = [&]() -> httplib::Result {
          switch ((i + static_cast<std::uint64_t>(t)) % 6) {
            case 0: return gh.Get("/repos/rmnanney/PAWS360/actions/runs?per_page=5", auth);
            case 1: return gh.Get("/repos/rmnanney/PAWS360/actions/runners", auth);
            case 2: return gh.Get(jobs_path, auth);
            case 3: return pr.Get("/api/v1/query?query=up");
            case 4:
              return pr.Post("/api/v1/query", "query=runner_status%7Benvironment%3D%22production%22%7D",
                             "application/x-www-form-urlencoded");
            default: return pr.Get("/api/v1/targets");
          }
        };
        const httplib::Result r = request();
        const bool good = r && r->status == 200 && !nlohmann::json::parse(r->body, nullptr, false).is_discarded();
        (good ? ok : failed)++;
      }
    });
  }
  for (auto& c : clients) c.join();
  live.stop();
  world.stop();
  ::testing::Test::RecordProperty("requests_ok", std::to_string(ok.load()));
  ::testing::Test::RecordProperty("requests_failed", std::to_string(failed.load()));
  std::printf("load: %llu requests in 2 s, %llu failed\n", static_cast<unsigned long long>(ok.load() + failed.load()),
              static_cast<unsigned long long>(failed.load()));
  EXPECT_EQ(failed.load(), 0u);
  EXPECT_GT(ok.load(), 100u);
}

}  // namespace
}  // namespace failsim::fakes
