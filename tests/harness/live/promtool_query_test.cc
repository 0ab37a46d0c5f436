// promtool's query commands against `failsim serve`, on loopback, with promtool's own
// default times (instant: now; range: the last 5 minutes; series and labels: now
// +-9999h): the live virtual clock starts at the wall clock's now, so they see the
// world's series. Also the 2.42 status and metadata endpoints a Grafana probes.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>
#include <string>

#include "tests/harness/process.h"
#include "tests/source_dir.h"

namespace failsim {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

using testing::kSource;

TEST(PromtoolQuery, InstantRangeSeriesAndLabelsWithPromtoolsDefaultTimes) {
  if (!std::filesystem::exists("/usr/bin/promtool")) GTEST_SKIP() << "promtool not installed";
  const auto dir = std::filesystem::temp_directory_path() / ("failsim-promtool-query-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  // Speed 5: a scrape falls in the first seconds of wall time, and virtual time runs
  // ahead of the wall clock, so "now" is always in the recorded past.
  auto serve = std::make_unique<testing::ChildProcess>(
      std::vector<std::string>{FAILSIM_BINARY, "serve", kSource + "/scenarios/healthy-primary.json", "--speed", "5",
                               "--keep-running", "--out", (dir / "out").string()},
      (dir / "serve.log").string());
  ASSERT_TRUE(serve->started());
  ASSERT_TRUE(testing::wait_until([&] { return std::filesystem::exists(dir / "out" / "endpoints.json"); }, 20s, 20ms))
      << testing::read_file((dir / "serve.log").string());
  const json endpoints = json::parse(testing::read_file((dir / "out" / "endpoints.json").string()));
  const std::string url = endpoints["endpoints"]["prometheus"];
  auto promtool = [&](const std::string& args) { return testing::run_command("timeout 20 /usr/bin/promtool query " + args + " 2>&1"); };

  std::string instant;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        instant = promtool("instant " + url + " 'up'").out;
        return instant.find("serotonin:9102\", job") != std::string::npos && instant.find("dell-r640-01:9101\", job") != std::string::npos;
      },
      30s, 500ms))
      << instant;
  EXPECT_NE(instant.find("=> 1 @["), std::string::npos) << instant;
  // The sample's time is the wall clock's now (promtool sent none), not 2025.
  const auto at = instant.find("@[");
  const double t = std::stod(instant.substr(at + 2));
  const double now = static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  EXPECT_NEAR(t, now, 60.0) << instant;

  const auto range = promtool("range " + url + " 'runner_status'");
  EXPECT_EQ(range.exit_code, 0) << range.out;
  EXPECT_NE(range.out.find("runner_status{"), std::string::npos) << range.out;
  EXPECT_NE(range.out.find("1 @["), std::string::npos) << range.out;

  const auto series = promtool("series " + url + " --match='up{instance=\"serotonin:9102\"}'");
  EXPECT_EQ(series.exit_code, 0) << series.out;
  EXPECT_NE(series.out.find("{__name__=\"up\""), std::string::npos) << series.out;
  EXPECT_EQ(series.out.find("dell-r640-01"), std::string::npos) << series.out;

  const auto labels = promtool("labels " + url + " instance");
  EXPECT_EQ(labels.exit_code, 0) << labels.out;
  EXPECT_NE(labels.out.find("dell-r640-01:9101\nserotonin:9102"), std::string::npos) << labels.out;

  // Grafana's version probe and metric browser.
  const auto build = testing::run_command("curl -s " + url + "/api/v1/status/buildinfo");
  EXPECT_EQ(json::parse(build.out, nullptr, false)["data"]["version"], "2.42.0") << build.out;
  const auto metadata = json::parse(testing::run_command("curl -s '" + url + "/api/v1/metadata?metric=runner_status'").out, nullptr, false);
  EXPECT_EQ(metadata["data"]["runner_status"][0]["type"], "gauge") << metadata.dump();
  const auto names = json::parse(testing::run_command("curl -s " + url + "/api/v1/label/__name__/values").out, nullptr, false);
  bool has_scrape_samples = false;
  for (const auto& n : names["data"]) has_scrape_samples |= n == "scrape_samples_scraped";
  EXPECT_TRUE(has_scrape_samples) << names.dump();
  // A range vector where an instant vector belongs is a parse error (400), as 2.42 says.
  const auto bad = testing::run_command("curl -s -o /dev/null -w '%{http_code}' '" + url + "/api/v1/query?query=sum(up%5B1m%5D)'");
  EXPECT_EQ(bad.out, "400");
  // Grafana's and prometheus-api-client's config view: the world's prometheus.yml as
  // loaded (PAWS360: global scrape_interval 15s; the trial saw 2.42's default, 1m).
  const auto config = json::parse(testing::run_command("curl -s " + url + "/api/v1/status/config").out, nullptr, false);
  const std::string yaml = config["data"].value("yaml", "");
  EXPECT_NE(yaml.find("global:\n  scrape_interval: 15s\n  scrape_timeout: 10s\n  evaluation_interval: 15s\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("  honor_labels: true\n  honor_timestamps: true\n  scrape_interval: 15s\n"), std::string::npos) << yaml;
  // Target labels as Go's YAML writes them: a string that reads as a bool is quoted.
  EXPECT_NE(yaml.find("    - serotonin:9102\n    labels:\n      authorized_for_prod: \"true\"\n      environment: production\n"),
            std::string::npos) << yaml;

  serve->interrupt();
  serve->wait(20s);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace failsim
