// `failsim export promtool` (harness/runs/promtool_export.h) against Debian's promtool
// 2.42: the exported tests pass on the rule file failsim ran, and fail once the rule
// changes what fires when. Also the refusals, and {{ $value }} printed as Go prints it.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "harness/runs/promtool_export.h"
#include "tests/harness/cli_fixture.h"

namespace failsim::testing {
namespace {

class PromtoolExportTest : public CliTest {
 protected:
  PromtoolExportTest() : CliTest("promtool-export") {}
  void SetUp() override {
    CliTest::SetUp();
    if (!std::filesystem::exists("/usr/bin/promtool")) GTEST_SKIP() << "promtool not installed";
    std::filesystem::copy_file(src + "/worlds/northwind/runner-alerts.yml", dir / "rules.yml");
  }
  CommandResult promtool() { return run_command("cd " + out("tests") + " && timeout 120 /usr/bin/promtool test rules *.test.yml 2>&1"); }
  void edit_rules(const std::string& from, const std::string& to) {
    std::ifstream in(dir / "rules.yml");
    std::stringstream s;
    s << in.rdbuf();
    std::string text = s.str();
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    std::ofstream(dir / "rules.yml") << text;
  }
};

// Northwind's exporter partition: RunnerTargetDown (for 1m) fires for rack1-a's exporter.
TEST_F(PromtoolExportTest, PassesOnTheRulesItRanAndFailsWhenTheyChange) {
  const auto r = failsim("export promtool scenarios/northwind/exporter-partition.json --seed 1 --out " + out("tests") +
                         " --rules " + out("rules.yml"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("wrote 1 promtool test file(s)"), std::string::npos) << r.out;
  std::ifstream in(dir / "tests" / "ci-runners.test.yml");
  std::stringstream file;
  file << in.rdbuf();
  EXPECT_NE(file.str().find("- ../rules.yml"), std::string::npos) << "the team's own file, relative to the tests";
  EXPECT_NE(file.str().find("alertname: RunnerTargetDown"), std::string::npos);
  EXPECT_NE(file.str().find("summary: Prometheus cannot scrape rack1-a:9200"), std::string::npos);
  auto p = promtool();
  EXPECT_EQ(p.exit_code, 0) << p.out;
  EXPECT_NE(p.out.find("SUCCESS"), std::string::npos) << p.out;

  edit_rules("for: 1m\n        labels:\n          severity: page\n        annotations:\n          summary: \"Prometheus cannot",
             "for: 3m\n        labels:\n          severity: page\n        annotations:\n          summary: \"Prometheus cannot");
  p = promtool();
  EXPECT_EQ(p.exit_code, 1) << p.out;
  EXPECT_NE(p.out.find("alertname: RunnerTargetDown"), std::string::npos) << p.out;
}

// A shorter `for` makes the alert fire where failsim saw it pending: the tests at the
// slots where it went pending catch that too.
TEST_F(PromtoolExportTest, AShorterForFailsToo) {
  ASSERT_EQ(failsim("export promtool scenarios/northwind/exporter-partition.json --seed 2 --out " + out("tests") +
                    " --rules " + out("rules.yml")).exit_code, 0);
  ASSERT_EQ(promtool().exit_code, 0);
  edit_rules("up{job=\"ci-runners\"} == 0\n        for: 1m", "up{job=\"ci-runners\"} == 0\n        for: 0s");
  EXPECT_EQ(promtool().exit_code, 1);
}

TEST_F(PromtoolExportTest, RefusesWhatItCannotExportFaithfully) {
  auto r = failsim("export promtool scenarios/northwind/exporter-partition.json --out " + out("tests") + " --set 'rules.*.for=5m'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("--set rules.*.for=5m changes the rules"), std::string::npos) << r.out;
  edit_rules("summary: \"Prometheus cannot scrape {{ $labels.instance }}\"", "summary: \"{{ $value | humanize }} down\"");
  r = failsim("export promtool scenarios/northwind/exporter-partition.json --out " + out("tests") + " --rules " + out("rules.yml"));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("rules.yml: alert RunnerTargetDown: annotation summary uses {{ $value | humanize }}"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "tests" / "ci-runners.test.yml"));
}

// {{ $value }} is fmt.Sprint(float64): strconv's shortest 'g' form, exponent from 1e+06
// and below 1e-04 (Go: fmt.Sprint(1e6) == "1e+06", fmt.Sprint(123456.0) == "123456").
TEST(GoFloatTest, PrintsAsGosFmtDoes) {
  using harness::go_float;
  EXPECT_EQ(go_float(0), "0");
  EXPECT_EQ(go_float(1), "1");
  EXPECT_EQ(go_float(0.5), "0.5");
  EXPECT_EQ(go_float(95), "95");
  EXPECT_EQ(go_float(123456), "123456");
  EXPECT_EQ(go_float(1e6), "1e+06");
  EXPECT_EQ(go_float(1234567), "1.234567e+06");
  EXPECT_EQ(go_float(0.0001), "0.0001");
  EXPECT_EQ(go_float(0.00001), "1e-05");
  EXPECT_EQ(go_float(-2.5), "-2.5");
  EXPECT_EQ(go_float(0.1 + 0.2), "0.30000000000000004");
  std::string why;
  EXPECT_EQ(harness::expand_annotation("{{ $labels.instance }} is {{ $value }}{{- \" \" -}}", {{"instance", "a:1"}}, 0, {}, &why), std::nullopt);
  EXPECT_EQ(*harness::expand_annotation("{{$labels.instance}} v={{ .Value }} c={{ $externalLabels.cluster }}", {{"instance", "a:1"}}, 2,
                                        {{"cluster", "nw"}}, nullptr),
            "a:1 v=2 c=nw");
}

}  // namespace
}  // namespace failsim::testing
