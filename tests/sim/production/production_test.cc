// The production model: ordered idempotent steps, partial state when a deploy is cut
// off, overlapping mutators recorded, rollback to the previous version.
#include "sim/production/production.h"

#include <gtest/gtest.h>

namespace failsim::sim::production {
namespace {

TimePoint at(int s) { return TimePoint(std::chrono::seconds(s)); }

TEST(Production, DeployAppliesStepsThenBecomesCurrent) {
  Production p("v1");
  EXPECT_TRUE(p.healthy());
  p.begin(1, "v2", "Serotonin-paws360", at(0));
  p.apply_step(1, 0, at(10));
  p.apply_step(1, 1, at(20));
  EXPECT_TRUE(p.partial());
  EXPECT_FALSE(p.healthy()) << "mid-deploy, production is partial";
  EXPECT_EQ(p.current_version(), "v1");
  p.apply_step(1, 1, at(25));  // re-applied: harmless
  p.finish(1, at(40));
  EXPECT_FALSE(p.partial());
  EXPECT_EQ(p.current_version(), "v2");
  EXPECT_EQ(p.previous_version(), "v1");
  EXPECT_TRUE(p.history()[0].completed);
}

TEST(Production, CutOffDeployLeavesPartialUntilRollback) {
  Production p("v1");
  p.begin(7, "v2", "Serotonin-paws360", at(0));
  p.apply_step(7, 0, at(10));
  p.abandon(7, at(15));
  EXPECT_TRUE(p.partial());
  EXPECT_EQ(p.step_versions()[0], "v2");
  EXPECT_EQ(p.step_versions()[1], "v1");
  p.rollback("v1", at(30));
  EXPECT_FALSE(p.partial());
  EXPECT_EQ(p.current_version(), "v1");
  EXPECT_TRUE(p.history()[0].rolled_back);
}

TEST(Production, OverlappingDeploysAreRecorded) {
  Production p("v1");
  p.begin(1, "v2", "a", at(0));
  EXPECT_EQ(p.max_concurrent_mutators(), 1);
  p.begin(2, "v3", "b", at(5));
  EXPECT_EQ(p.max_concurrent_mutators(), 2);
  p.finish(1, at(10));
  p.finish(2, at(20));
  EXPECT_EQ(p.current_version(), "v3");
  EXPECT_EQ(p.previous_version(), "v2");
}

TEST(Production, HealthOverride) {
  Production p("v1");
  p.set_health_override(false);
  EXPECT_FALSE(p.healthy());
  EXPECT_FALSE(p.partial());
}

}  // namespace
}  // namespace failsim::sim::production
