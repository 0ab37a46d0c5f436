// Policy files: the two shipped policies load and say what the reference says
// (../shared/reference/paws360-as-built.md §2.2, §2.3, §8), and bad input is rejected
// with the file, the JSON pointer of the field and what was expected.
#include "failover/policy.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "failover/duration.h"
#include "failover/health.h"
#include "tests/failover/policy_files.h"

namespace failsim::failover {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

TEST(ShippedPolicies, AsBuiltMatchesTheReference) {
  const Policy p = load_shipped_policy("paws360-as-built.json");
  EXPECT_EQ(p.placement, GatePlacement::kInJob);  // §2.2: gates run inside the deploy job
  ASSERT_EQ(p.candidates.size(), 1u);            // §2.1: one label set, no secondary job
  EXPECT_EQ(p.candidates[0].labels, (std::vector<std::string>{"self-hosted", "production", "primary"}));
  EXPECT_FALSE(p.candidates[0].hostname.has_value());  // keyed by the assigned runner's hostname
  EXPECT_EQ(p.concurrency_group, "production-deployment");
  EXPECT_FALSE(p.cancel_in_progress);
  EXPECT_FALSE(p.timeout_minutes.has_value());  // no timeout-minutes: GitHub's 360 applies
  EXPECT_FALSE(p.redispatch_on_failure);
  EXPECT_FALSE(p.redispatch_on_lost);
  EXPECT_EQ(p.max_dispatches, 1);
  // §2.3: 3 attempts, fixed 30 s, 600 s per attempt, retry_on error, wait in every attempt.
  EXPECT_EQ(p.retry.max_attempts, 3);
  EXPECT_EQ(p.retry.wait_kind, WaitKind::kFixed);
  EXPECT_EQ(p.retry.wait_base, seconds(30));
  EXPECT_EQ(p.retry.attempt_timeout, seconds(600));
  EXPECT_EQ(p.retry.retry_on, RetryOn::kError);
  EXPECT_TRUE(p.retry.wait_after_last_attempt);
  EXPECT_TRUE(p.post_deploy_check);
  EXPECT_FALSE(p.post_deploy_enforced);  // `|| true`: never fails the job
  EXPECT_EQ(p.rollback, Rollback::kNone);  // the playbook does not exist
  ASSERT_EQ(p.preflight.size(), 1u);
  EXPECT_EQ(p.preflight[0].on_error, Verdict::kWarn);  // curl fails -> "unknown" -> pass
  EXPECT_EQ(p.preflight[0].on_empty, Verdict::kFail);  // "null" -> exit 1
  EXPECT_EQ(p.gate[0].on_error, Verdict::kFail);       // curl fails -> "0" -> exit 1
  EXPECT_EQ(p.gate[1].on_mismatch, Verdict::kWarn);    // CPU > 90 only warns
  EXPECT_EQ(p.rule_file, "../rules/paws360-documented.yml");
}

TEST(ShippedPolicies, HealthGatedIsTheIntendedDesign) {
  const Policy p = load_shipped_policy("health-gated-failover.json");
  EXPECT_EQ(p.placement, GatePlacement::kBeforeDispatch);
  ASSERT_EQ(p.candidates.size(), 2u);
  EXPECT_EQ(p.candidates[0].name, "Serotonin-paws360");
  EXPECT_EQ(p.candidates[1].name, "dell-r640-01-runner");
  EXPECT_TRUE(p.redispatch_on_failure);
  EXPECT_TRUE(p.redispatch_on_lost);
  EXPECT_EQ(p.max_dispatches, 2);
  EXPECT_EQ(p.retry.wait_kind, WaitKind::kExponential);
  EXPECT_EQ(p.retry.wait_cap, minutes(5));
  EXPECT_EQ(p.retry.jitter, Jitter::kEqual);
  EXPECT_TRUE(p.post_deploy_enforced);
  EXPECT_EQ(p.rollback, Rollback::kPreviousVersion);
  for (const auto& c : p.gate) EXPECT_NE(c.on_empty, Verdict::kPass) << c.name;
  EXPECT_EQ(p.gate[0].name, "up");
  EXPECT_EQ(p.gate[0].on_empty, Verdict::kFail);  // a vanished series is unhealthy
}

struct BadCase {
  std::string from;  // text to replace in the as-built policy
  std::string to;
  std::string message;
};

TEST(PolicyErrors, NameTheFieldAndWhatWasExpected) {
  const std::string good = read_shipped_policy("paws360-as-built.json");
  const BadCase cases[] = {
      {R"("max_attempts": 3)", R"("max_attempts": "three")",
       R"(p.json: /deploy/retry/max_attempts: expected an integer in [1, 100], got "three")"},
      {R"("max_attempts": 3)", R"("max_attempts": 0)", "/deploy/retry/max_attempts: expected an integer in [1, 100], got 0"},
      {R"("wait_base": "30s")", R"("wait_base": "30")", R"(/deploy/retry/wait_base: invalid duration "30": missing unit)"},
      {R"("wait_base": "30s")", R"("wait_base": 30)", "/deploy/retry/wait_base: expected a duration string"},
      {R"("retry_on": "error")", R"("retry_on": "errors")", R"(/deploy/retry/retry_on: expected one of "any", "error", "timeout", got "errors")"},
      {R"("wait": "fixed")", R"("wait": "fixed", "jitter": "full")", "/deploy/retry/wait: multiplier, wait_cap and jitter apply only"},
      {R"("rollback": "none")", R"("rolback": "none")", "/post_deploy/rolback: unknown field; expected one of"},
      {R"("placement": "in-job")", R"("placement": "before-dispatch")", "/candidates/0/hostname: required when /gate/placement is \"before-dispatch\""},
      {R"("on_error": "warn")", R"("on_error": "maybe")", "/gate/preflight/0/on_error: expected one of"},
      {R"("pass_if": "==", "threshold": 1,)", R"("pass_if": "=", "threshold": 1,)", "/gate/preflight/0/pass_if: expected one of"},
      {R"("labels": ["self-hosted", "production", "primary"])", R"("labels": [])", "/candidates/0/labels: expected a non-empty array of strings"},
      {R"("labels": ["self-hosted", "production", "primary"])", R"("labels": ["self-hosted", 7])", "/candidates/0/labels/1: expected a non-empty string, got 7"},
      {R"("policy_version": 1,)", "", "/policy_version: missing required field"},
      {R"("name": "paws360-as-built",)", R"("name": ["x"],)", "/name: expected a string, got [\"x\"]"},
      {R"("cancel_in_progress": false)", R"("cancel_in_progress": "no")", "/job/cancel_in_progress: expected true or false"},
      // JSON keeps only the last of two equal keys: a second value silently won before.
      {R"("max_attempts": 3)", R"("max_attempts": 3, "max_attempts": 5)",
       "p.json: /deploy/retry/max_attempts: the field is given twice in one object"},
      {R"("labels": ["self-hosted", "production", "primary"])",
       R"("labels": ["self-hosted", "production", "primary"], "labels": ["x"])",
       "p.json: /candidates/0/labels: the field is given twice"},
  };
  for (const auto& c : cases) {
    std::string text = good;
    const auto pos = text.find(c.from);
    ASSERT_NE(pos, std::string::npos) << c.from;
    text.replace(pos, c.from.size(), c.to);
    const auto parsed = parse_policy(text, "p.json");
    ASSERT_FALSE(parsed.has_value()) << "accepted: " << c.to;
    EXPECT_NE(parsed.error().find(c.message), std::string::npos) << "got: " << parsed.error();
    EXPECT_EQ(parsed.error().rfind("p.json: /", 0), 0u) << parsed.error();
  }
}

// A check may be a command (the team's own script): argv with placeholders, a wall-clock
// timeout and the virtual time it costs; exit 0 passes, another exit is on_failure,
// no exit (timeout, cannot start) is on_error.
TEST(CommandChecks, ParseWithDefaultsAndPlanWithPlaceholdersFilled) {
  std::string text = read_shipped_policy("health-gated-failover.json");
  const std::string from = R"("checks": [)";
  const auto pos = text.find(from);
  ASSERT_NE(pos, std::string::npos);
  text.insert(pos + from.size(), R"({"name": "team-gate", "command": ["bash", "check.sh", "${runner}", "${hostname}:${instance}"],
                                    "on_failure": "warn"},
                                   {"name": "slow", "command": ["true"], "timeout": "5s", "takes": "0s"},)");
  const auto parsed = parse_policy(text, "p.json");
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  const Policy& p = parsed.value();
  const HealthCheck& team = p.gate[0];
  EXPECT_TRUE(team.is_command());
  EXPECT_TRUE(team.query.empty());
  EXPECT_EQ(team.timeout, seconds(30)) << "the default";
  EXPECT_EQ(team.takes, seconds(2)) << "the default";
  EXPECT_EQ(team.on_mismatch, Verdict::kWarn);
  EXPECT_EQ(team.on_error, Verdict::kFail);
  EXPECT_EQ(p.gate[1].timeout, seconds(5));
  EXPECT_EQ(p.gate[1].takes, seconds(0));
  EXPECT_FALSE(p.gate[2].is_command());
  const auto plan = plan_checks(p, p.candidates[1], "dell-r640-01");
  EXPECT_EQ(plan[0].argv, (std::vector<std::string>{"bash", "check.sh", "dell-r640-01-runner", "dell-r640-01:dell-r640-01:9101"}));
  EXPECT_EQ(plan[0].runner, "dell-r640-01-runner");
  EXPECT_TRUE(plan[0].query.empty());
  // In a job, the runner is the one the job landed on.
  EXPECT_EQ(plan_checks(p, p.candidates[0], "dell-r640-01", "dell-r640-01-runner")[0].argv[2], "dell-r640-01-runner");
  // Exit 0 passes; exit 1 is on_failure (warn here); a timeout is on_error.
  auto outcome = [](double exit, const std::string& last) {
    auto o = QueryOutcome::of_value(exit);
    o.error = last;
    return o;
  };
  const std::vector<PlannedCheck> two(plan.begin(), plan.begin() + 2);
  auto a = assess(p.candidates[1], two, {outcome(0, ""), outcome(0, "")});
  EXPECT_TRUE(a.healthy);
  a = assess(p.candidates[1], two, {outcome(1, "runner down"), outcome(0, "")});
  EXPECT_TRUE(a.healthy) << "on_failure warn";
  ASSERT_EQ(a.warnings.size(), 1u);
  EXPECT_EQ(a.warnings[0], "gate team-gate: exited 1 (runner down) -> warn");
  a = assess(p.candidates[1], two, {outcome(0, ""), QueryOutcome::failed("ran past its timeout and was killed")});
  EXPECT_FALSE(a.healthy);
  EXPECT_EQ(a.reasons[0], "gate slow: command failed (ran past its timeout and was killed) -> fail");
}

TEST(CommandChecks, BadCommandsNameTheField) {
  const std::string good = read_shipped_policy("health-gated-failover.json");
  const std::string from = R"("checks": [)";
  const std::pair<std::string, std::string> cases[] = {
      {R"({"name": "x", "command": []},)", "p.json: /gate/checks/0/command: expected a non-empty array of strings"},
      {R"({"name": "x", "command": "bash check.sh"},)", "p.json: /gate/checks/0/command: expected a non-empty array of strings"},
      {R"({"name": "x", "command": ["bash", ""]},)", "p.json: /gate/checks/0/command/1: expected a non-empty string"},
      {R"({"name": "x", "command": ["bash", "${host}"]},)", "p.json: /gate/checks/0/command/1: unknown placeholder ${host}"},
      {R"({"name": "x", "command": ["true"], "query": "up"},)", "a check has a \"query\" or a \"command\", not both"},
      {R"({"name": "x", "command": ["true"], "timeout": "0s"},)", "p.json: /gate/checks/0/timeout: expected a duration in (0, 1h]"},
      {R"({"name": "x", "command": ["true"], "takes": "2h"},)", "p.json: /gate/checks/0/takes: expected a duration in [0, 1h]"},
      {R"({"name": "x", "command": ["true"], "pass_if": "=="},)", "p.json: /gate/checks/0/pass_if: unknown field"},
      {R"({"name": "x", "query": "up", "takes": "2s"},)", "p.json: /gate/checks/0/takes: unknown field"},
  };
  for (const auto& [check, message] : cases) {
    std::string text = good;
    text.insert(text.find(from) + from.size(), check);
    const auto parsed = parse_policy(text, "p.json");
    ASSERT_FALSE(parsed.has_value()) << "accepted: " << check;
    EXPECT_NE(parsed.error().find(message), std::string::npos) << "got: " << parsed.error();
  }
}

TEST(CommandChecks, ASelectionCommandIsReadAndChecked) {
  const std::string good = read_shipped_policy("health-gated-failover.json");
  const std::string from = R"("placement": "before-dispatch",)";
  std::string text = good;
  text.insert(text.find(from) + from.size(), R"("select": {"command": ["bash", "pick.sh", "${candidates}"], "takes": "1s"},)");
  const auto parsed = parse_policy(text, "p.json");
  ASSERT_TRUE(parsed.has_value()) << parsed.error();
  ASSERT_TRUE(parsed.value().select.has_value());
  EXPECT_EQ(parsed.value().select->name, "select") << "the default name";
  EXPECT_EQ(parsed.value().select->takes, seconds(1));
  const std::pair<std::string, std::string> bad[] = {
      {R"("select": {"command": ["pick.sh", "${runner}"]},)", "p.json: /gate/select/command/1: unknown placeholder ${runner}; a selection command may use ${candidates} and ${healthy}"},
      {R"("select": {"name": "pick"},)", "p.json: /gate/select/command: missing required field"},
      {R"("select": {"command": ["x"], "on_failure": "warn"},)", "p.json: /gate/select/on_failure: unknown field"},
      {R"("select": ["x"],)", "p.json: /gate/select: expected an object"},
  };
  for (const auto& [field, message] : bad) {
    std::string t = good;
    t.insert(t.find(from) + from.size(), field);
    const auto r = parse_policy(t, "p.json");
    ASSERT_FALSE(r.has_value()) << field;
    EXPECT_NE(r.error().find(message), std::string::npos) << r.error();
  }
  std::string in_job = read_shipped_policy("paws360-as-built.json");
  const std::string job_from = R"("placement": "in-job",)";
  in_job.insert(in_job.find(job_from) + job_from.size(), R"("select": {"command": ["x"]},)");
  const auto r = parse_policy(in_job, "p.json");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().find("/gate/select: a selection command needs \"placement\": \"before-dispatch\""), std::string::npos) << r.error();
}

TEST(PolicyErrors, SyntaxErrorNamesLineAndColumn) {
  const auto parsed = parse_policy("{\n  \"name\": \"x\",\n  \"gate\": {,}\n}", "bad.json");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().find("bad.json: line 3, column 12: invalid JSON"), std::string::npos) << parsed.error();
  EXPECT_FALSE(parse_policy("", "empty.json").has_value());
  EXPECT_NE(parse_policy("[1]", "arr.json").error().find("arr.json: /: expected an object"), std::string::npos);
}

}  // namespace
}  // namespace failsim::failover
