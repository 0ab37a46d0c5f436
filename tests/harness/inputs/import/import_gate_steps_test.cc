// The shell-step reader of the workflow importer (harness/inputs/import/import_gate_steps.h): each
// recognised shape gives the check the script makes; everything else gives no check and
// says what was missing. The polarity of `if ...; then exit 1` is the trap.
#include <gtest/gtest.h>

#include "harness/inputs/import/import_gate_steps.h"

namespace failsim::harness {
namespace {

nlohmann::json check(const std::string& run, std::string* why = nullptr) {
  std::string w;
  auto c = recognise_check(run, "step", w);
  if (why != nullptr) *why = w;
  return c;
}

TEST(GateSteps, EachRecognisedShapeGivesTheCheckTheScriptMakes) {
  auto c = check("v=$(curl -s 'http://p:9090/api/v1/query?query=runner_status%7Bhostname%3D%22$(hostname)%22%7D' | jq -r "
                 "'.data.result[0].value[1]')\nif [ \"$v\" != \"1\" ]; then\n  exit 1\nfi");
  ASSERT_FALSE(c.is_null());
  EXPECT_EQ(c["query"], "runner_status{hostname=\"${hostname}\"}");
  EXPECT_EQ(c["pass_if"], "==");  // fails when != 1: passes when == 1
  EXPECT_EQ(c["threshold"], 1.0);
  c = check("v=$(promtool query instant http://p:9090 'up{job=\"runners\",instance=\"$HOSTNAME:9100\"}' -o json | jq -r "
            "'.[0].value[1]')\n[ \"$v\" -eq 1 ] || exit 2");
  ASSERT_FALSE(c.is_null());
  EXPECT_EQ(c["query"], "up{job=\"runners\",instance=\"${hostname}:9100\"}");
  EXPECT_EQ(c["pass_if"], "==");
  c = check("curl -s p:9090/api/v1/query --data-urlencode \"query=node_load1{instance='${{ runner.name }}'}\" | "
            "jq -e '.data.result[0].value[1] | tonumber <= 4'");
  ASSERT_FALSE(c.is_null());
  EXPECT_EQ(c["query"], "node_load1{instance='${name}'}");
  EXPECT_EQ(c["pass_if"], "<=");
  EXPECT_EQ(c["threshold"], 4.0);
  c = check("cpu=$(wget -qO- 'http://p:9090/api/v1/query?query=cpu' | jq -r '.data.result[0].value[1]')\n"
            "if [ \"$cpu\" -gt 90 ]; then echo busy; exit 1; fi");
  ASSERT_FALSE(c.is_null());
  EXPECT_EQ(c["pass_if"], "<=");
  EXPECT_EQ(c["threshold"], 90.0);
}

TEST(GateSteps, AnythingElseIsNoCheckAndSaysWhy) {
  std::string why;
  EXPECT_TRUE(check("./scripts/health-gate.sh", &why).is_null());
  EXPECT_NE(why.find("no Prometheus query failsim recognises"), std::string::npos) << why;
  EXPECT_TRUE(check("curl -s 'http://p:9090/api/v1/query?query=up' > up.json", &why).is_null());
  EXPECT_NE(why.find("decides in a way failsim does not recognise"), std::string::npos) << why;
  EXPECT_TRUE(check("curl -s \"http://p:9090/api/v1/query?query=up%7Bjob%3D%22$JOB%22%7D\" | jq -e '.data.result[0].value[1] == \"1\"'",
                    &why).is_null());
  EXPECT_NE(why.find("uses $JOB"), std::string::npos) << why;
  EXPECT_TRUE(check("curl -s 'http://p:9090/api/v1/query_range?query=up&start=1' | jq -e '.x == 1'", &why).is_null());
  EXPECT_TRUE(check("curl -sf https://deploy.example/api/health || exit 1", &why).is_null());
}

TEST(GateSteps, StepsAreReadWithTheirLinesAndOnlyHealthLookingOnesAreReported) {
  const YAML::Node steps = YAML::Load(
      "- uses: actions/checkout@v4\n"
      "- name: Gate\n"
      "  run: ./gate.sh\n"
      "- name: Build\n"
      "  run: make\n"
      "- run: |\n"
      "    v=$(curl -s 'http://p:9090/api/v1/query?query=up' | jq -r '.data.result[0].value[1]')\n"
      "    [ \"$v\" == \"1\" ] || exit 1\n");
  const GateSteps g = read_gate_steps(steps, "deploy.yml", "deploy");
  ASSERT_EQ(g.checks.size(), 1u);
  EXPECT_EQ(g.checks[0]["name"], "step_4");
  EXPECT_EQ(g.unreadable, 1);
  ASSERT_EQ(g.notes.size(), 2u);
  EXPECT_EQ(g.notes[0].where(), "deploy.yml:2");
  EXPECT_NE(g.notes[0].what.find("step \"Gate\" of job deploy looks like a health check"), std::string::npos);
  EXPECT_EQ(g.notes[1].where(), "deploy.yml:6");
}

}  // namespace
}  // namespace failsim::harness
