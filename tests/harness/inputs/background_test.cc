// A world's background of normal life (harness/inputs/background.h): the stated
// defaults when a world says nothing, a world's own rates and durations, and errors
// that name the field.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "harness/inputs/world_file.h"
#include "tests/source_dir.h"

namespace failsim::harness {
namespace {

std::string northwind_text() {
  std::ifstream in(std::string(FAILSIM_SOURCE_DIR) + "/worlds/northwind.json");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The world with its /background replaced by `background` (a JSON object's text).
Result<WorldFile> with_background(const std::string& background) {
  auto world = nlohmann::json::parse(northwind_text());
  world["background"] = nlohmann::json::parse(background);
  return parse_world(world.dump(), std::string(FAILSIM_SOURCE_DIR) + "/worlds/northwind.json");
}

// Northwind writes the defaults out; a world without the section gets the same.
TEST(BackgroundTest, AWorldWithoutOneHasTheStatedDefaults) {
  auto world = nlohmann::json::parse(northwind_text());
  world.erase("background");
  auto w = parse_world(world.dump(), std::string(FAILSIM_SOURCE_DIR) + "/worlds/northwind.json");
  ASSERT_TRUE(w) << w.error();
  const Background& b = w.value().background;
  ASSERT_EQ(b.kinds.size(), 6u);
  EXPECT_EQ(background_kind_names(), "slow_scrape, dropped_connection, exporter_restart, runner_restart, resource_spike, prometheus_restart");
  EXPECT_DOUBLE_EQ(b.kind("slow_scrape")->per_week, 4);
  EXPECT_DOUBLE_EQ(b.kind("runner_restart")->per_week, 1);
  EXPECT_DOUBLE_EQ(b.kind("prometheus_restart")->per_week, 0.25);
  EXPECT_EQ(b.kind("runner_restart")->duration.a, std::chrono::seconds(45));
  EXPECT_EQ(b.min_outage, std::chrono::minutes(1));
  EXPECT_DOUBLE_EQ(b.spike_cpu_percent, 95);
  // ... which are what the shipped world writes out.
  auto shipped = parse_world(northwind_text(), std::string(FAILSIM_SOURCE_DIR) + "/worlds/northwind.json");
  ASSERT_TRUE(shipped) << shipped.error();
  for (const auto& k : b.kinds) {
    const BackgroundKind* s = shipped.value().background.kind(k.name);
    EXPECT_DOUBLE_EQ(s->per_week, k.per_week) << k.name;
    EXPECT_EQ(s->duration.a, k.duration.a) << k.name;
    EXPECT_DOUBLE_EQ(s->duration.sigma, k.duration.sigma) << k.name;
  }
}

TEST(BackgroundTest, AWorldSetsItsOwnRatesAndDurations) {
  auto w = with_background(R"({"min_outage": "2m", "runner_restart": {"per_week": 3, "duration": "90s"},
                                "slow_scrape": {"per_week": 0}})");
  ASSERT_TRUE(w) << w.error();
  const Background& b = w.value().background;
  EXPECT_EQ(b.min_outage, std::chrono::minutes(2));
  EXPECT_DOUBLE_EQ(b.kind("runner_restart")->per_week, 3);
  EXPECT_EQ(b.kind("runner_restart")->duration.kind, sim::Distribution::Kind::kFixed);
  EXPECT_EQ(b.kind("runner_restart")->duration.a, std::chrono::seconds(90));
  EXPECT_DOUBLE_EQ(b.kind("slow_scrape")->per_week, 0);
  EXPECT_DOUBLE_EQ(b.kind("exporter_restart")->per_week, 1);  // untouched: the default
}

TEST(BackgroundTest, ErrorsNameTheField) {
  struct Case {
    const char* background;
    const char* error;
  } cases[] = {
      {R"({"runner_restart": {"per_week": -1}})", "/background/runner_restart/per_week: expected a rate in [0, 10000] per week"},
      {R"({"runner_restrat": {"per_week": 1}})", "/background/runner_restrat: unknown field"},
      {R"({"slow_scrape": {"rate": 1}})", "/background/slow_scrape/rate: unknown field"},
      {R"({"min_outage": "soon"})", "/background/min_outage"},
      {R"({"spike_cpu_percent": 120})", "/background/spike_cpu_percent: expected a percentage in [0, 100]"},
  };
  for (const auto& c : cases) {
    auto w = with_background(c.background);
    ASSERT_FALSE(w) << c.background;
    EXPECT_NE(w.error().find("northwind.json"), std::string::npos) << w.error();
    EXPECT_NE(w.error().find(c.error), std::string::npos) << w.error();
  }
}

}  // namespace
}  // namespace failsim::harness
