// --set PATH=VALUE: which document a path names, how it changes the document, and that
// the changed document is read (and rejected) exactly like the file; the SLO file as
// shipped equals the built-in definitions.
#include "harness/inputs/overrides.h"

#include <gtest/gtest.h>

#include "harness/inputs/scenario.h"
#include "harness/inputs/slo_file.h"
#include "reports/slo.h"
#include "tests/source_dir.h"

namespace failsim::harness {
namespace {


Override parse(const std::string& text) {
  auto o = parse_override(text);
  EXPECT_TRUE(o.has_value()) << o.error();
  return o.has_value() ? o.value() : Override{};
}

TEST(Overrides, ThePathsFirstKeyPicksTheDocument) {
  EXPECT_EQ(parse("prometheus.global.scrape_interval=30s").document, "world");
  EXPECT_EQ(parse("workload.deploys.0.version=v2").document, "scenario");
  EXPECT_EQ(parse("deploy.retry.max_attempts=5").document, "policy");
  EXPECT_EQ(parse("policy.name=renamed").document, "policy");
  EXPECT_EQ(parse("/scenario/run_length=1h").document, "scenario");
  EXPECT_EQ(parse("rules.RunnerScrapeDown.for=2m").document, "rules");
  // Values: JSON when they parse as JSON, else the text.
  EXPECT_EQ(parse("deploy.retry.max_attempts=5").value, 5);
  EXPECT_EQ(parse("prometheus.global.scrape_interval=30s").value, "30s");
  EXPECT_EQ(parse("gate.checks.0.query=\"up == 1\"").value, "up == 1");
  // The shorthand sets the global interval and every scrape job's.
  const auto s = parse("prometheus.scrape_interval=30s");
  ASSERT_EQ(s.paths.size(), 2u);
  EXPECT_EQ(s.paths[1], (std::vector<std::string>{"prometheus", "scrape_configs", "*", "scrape_interval"}));
  for (const char* bad : {"name=x", "x.y=30s", "novalue", "=1", "rules.X.severity=1", "world=1", "a..b=1"}) {
    EXPECT_FALSE(parse_override(bad).has_value()) << bad;
  }
}

TEST(Overrides, AChangedWorldIsReadLikeTheFile) {
  auto sets = parse_overrides({"prometheus.scrape_interval=30s", "/workload/deploys/0/version=v9.9.9"});
  ASSERT_TRUE(sets.has_value());
  auto s = load_scenario(testing::kScenariosDir + "failover.json", sets.value());
  ASSERT_TRUE(s.has_value()) << s.error();
  EXPECT_EQ(s.value().deploys[0].version, "v9.9.9");
  ASSERT_FALSE(s.value().world.scrape_configs.empty());
  for (const auto& job : s.value().world.scrape_configs) EXPECT_EQ(job.scrape_interval, std::chrono::seconds(30));
  // Unchanged without overrides for that document: the same bytes go to the reader.
  auto same = apply_overrides("{\"a\": 1}", "f.json", "policy", sets.value());
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same.value(), "{\"a\": 1}");
  // A timeout above the new interval is the world's own validation error.
  auto tight = parse_overrides({"prometheus.scrape_interval=5s"});
  auto t = load_scenario(testing::kScenariosDir + "failover.json", tight.value());
  ASSERT_FALSE(t.has_value());
  EXPECT_NE(t.error().find("(after --set prometheus.scrape_interval=5s)"), std::string::npos) << t.error();
  EXPECT_NE(t.error().find("scrape_timeout"), std::string::npos) << t.error();
}

TEST(Overrides, PathsThatDoNotExistNameWhatDoes) {
  auto apply = [](const std::string& set) {
    auto o = parse_overrides({set});
    EXPECT_TRUE(o.has_value());
    auto r = apply_overrides(R"({"runners": [{"name": "a"}], "prometheus": {"global": {}}})", "w.json", "world", o.value());
    return r.has_value() ? std::string("ok") : r.error();
  };
  EXPECT_EQ(apply("runners.0.name=b"), "ok");
  EXPECT_NE(apply("runners.3.name=b").find("/runners/3 does not exist (/runners has 1 element(s))"), std::string::npos);
  EXPECT_NE(apply("runners.x.name=b").find("/runners is an array; expected an index or *"), std::string::npos);
  EXPECT_NE(apply("prometheus.glob.x=1").find("/prometheus/glob does not exist; fields there: global"), std::string::npos);
  EXPECT_NE(apply("runners.*.name=b"), "");
  EXPECT_EQ(apply("runners.*.name=b"), "ok");
}

TEST(SloFile, TheShippedFileEqualsTheBuiltInDefinitions) {
  auto file = load_slo_file(testing::kScenariosDir + "slos/success-criteria.json");
  ASSERT_TRUE(file.has_value()) << file.error();
  const auto builtin = reports::builtin_slos();
  EXPECT_EQ(file.value().clock_fault_kinds, builtin.clock_fault_kinds);
  ASSERT_EQ(file.value().slos.size(), builtin.slos.size());
  for (std::size_t i = 0; i < builtin.slos.size(); ++i) {
    const auto& a = file.value().slos[i];
    const auto& b = builtin.slos[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.metric, b.metric);
    EXPECT_EQ(a.at_least, b.at_least);
    EXPECT_EQ(a.at_most_seconds, b.at_most_seconds);
    EXPECT_EQ(a.within_seconds, b.within_seconds);
    EXPECT_EQ(a.definition, b.definition);
  }
  auto bad = parse_slo_file(R"({"slo_version": 1, "detection_clock": {"fault_kinds": ["partiton"]}, "slos": []})", "s.json");
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().find("s.json: /detection_clock/fault_kinds/0: unknown fault kind \"partiton\""), std::string::npos)
      << bad.error();
  auto metric = parse_slo_file(
      R"({"slo_version": 1, "detection_clock": {"fault_kinds": ["partition"]}, "slos": [{"id": "X", "name": "x", "definition": "", "metric": "p99"}]})",
      "s.json");
  ASSERT_FALSE(metric.has_value());
  EXPECT_NE(metric.error().find("/slos/0/metric"), std::string::npos) << metric.error();
}

}  // namespace
}  // namespace failsim::harness
