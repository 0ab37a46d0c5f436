// Target selection over ordered candidates under the health-gated policy: primary
// healthy; primary 0; primary series absent; Prometheus unreachable; both unhealthy;
// secondary not authorized.
#include "failover/selection.h"

#include <gtest/gtest.h>

#include "tests/failover/policy_files.h"

namespace failsim::failover {
namespace {

using Q = QueryOutcome;

std::vector<Q> healthy() { return {Q::of_value(1), Q::of_value(1), Q::of_value(10), Q::of_value(10), Q::of_value(20)}; }
std::vector<Q> status_zero() { return {Q::of_value(1), Q::of_value(0), Q::of_value(10), Q::of_value(10), Q::of_value(20)}; }
std::vector<Q> scrape_down() { return {Q::of_value(0), Q::empty(), Q::empty(), Q::empty(), Q::empty()}; }
std::vector<Q> unreachable() { return std::vector<Q>(5, Q::failed("connection refused")); }

std::optional<Assessment> assess_as(const Policy& p, std::size_t i, const std::vector<Q>& outcomes) {
  return assess(p.candidates[i], plan_checks(p, p.candidates[i], *p.candidates[i].hostname), outcomes);
}

struct Case {
  const char* what;
  std::vector<Q> primary;
  std::vector<Q> secondary;
  bool secondary_authorized;
  std::optional<std::size_t> target;
  const char* primary_reason;
  const char* secondary_reason;
};

TEST(Selection, OrderedCandidatesWithAuthorization) {
  const Policy base = load_shipped_policy("health-gated-failover.json");
  const Case cases[] = {
      {"primary healthy", healthy(), healthy(), true, 0, "", "healthy, but Serotonin-paws360 comes first"},
      {"primary reports 0", status_zero(), healthy(), true, 1, "gate runner_status: value 0", ""},
      {"primary series absent (scrape timeout)", scrape_down(), healthy(), true, 1, "gate up: value 0", ""},
      {"Prometheus unreachable", unreachable(), unreachable(), true, std::nullopt, "query failed (connection refused)", "query failed (connection refused)"},
      {"both unhealthy", scrape_down(), status_zero(), true, std::nullopt, "gate up: value 0", "gate runner_status: value 0"},
      {"secondary not authorized", scrape_down(), healthy(), false, std::nullopt, "gate up: value 0", "not authorized for production"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    Policy p = base;
    p.candidates[1].authorized_for_prod = c.secondary_authorized;
    std::vector<std::optional<Assessment>> assessments = {assess_as(p, 0, c.primary), std::nullopt};
    if (c.secondary_authorized) assessments[1] = assess_as(p, 1, c.secondary);
    const Selection s = select_target(p, assessments);
    EXPECT_EQ(s.target, c.target);
    ASSERT_EQ(s.candidates.size(), 2u);
    if (c.target) {
      EXPECT_EQ(s.labels, p.candidates[*c.target].labels);
      EXPECT_TRUE(s.candidates[*c.target].chosen);
      EXPECT_EQ(s.diagnosis, "target " + p.candidates[*c.target].name);
    } else {
      EXPECT_TRUE(s.labels.empty());
      EXPECT_EQ(s.diagnosis.rfind("no healthy authorized runner:", 0), 0u) << s.diagnosis;
    }
    const char* want[2] = {c.primary_reason, c.secondary_reason};
    for (int i = 0; i < 2; ++i) {
      if (!*want[i]) {
        EXPECT_TRUE(s.candidates[i].reasons.empty()) << s.candidates[i].name;
        continue;
      }
      ASSERT_FALSE(s.candidates[i].reasons.empty()) << s.candidates[i].name;
      EXPECT_NE(s.candidates[i].reasons[0].find(want[i]), std::string::npos) << s.candidates[i].reasons[0];
    }
  }
}

TEST(Selection, ExcludedCandidateIsSkipped) {
  const Policy p = load_shipped_policy("health-gated-failover.json");
  const Selection s = select_target(p, {assess_as(p, 0, healthy()), assess_as(p, 1, healthy())}, {true, false});
  EXPECT_EQ(s.target, 1u);
  EXPECT_NE(s.candidates[0].reasons.back().find("already tried"), std::string::npos);
}

}  // namespace
}  // namespace failsim::failover
