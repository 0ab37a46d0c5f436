// Alertmanager notification timing (reference B7): group_wait 30 s for a new group,
// then group_interval 5 m ticks; nothing sent for an alert resolved before group_wait.
#include "sim/prometheus/alertmanager.h"

#include <gtest/gtest.h>

namespace failsim::sim::prometheus {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

AlertChange change(int at_s, const std::string& instance, AlertState from, AlertState to) {
  return AlertChange{TimePoint(seconds(at_s)), "RunnerScrapeDown",
                     make_labels({{"alertname", "RunnerScrapeDown"}, {"instance", instance}}), from, to};
}

TEST(Alertmanager, NewGroupWaitsGroupWaitThenLaterAlertsWaitForTheInterval) {
  Engine engine;
  Alertmanager am(engine, AlertmanagerConfig{});
  engine.schedule_at(TimePoint(seconds(100)), [&] { am.receive(change(100, "serotonin:9102", AlertState::kPending, AlertState::kFiring)); });
  // A second runner goes down in the same, already notifying group.
  engine.schedule_at(TimePoint(seconds(200)), [&] { am.receive(change(200, "dell-r640-01:9101", AlertState::kPending, AlertState::kFiring)); });
  engine.run_until(TimePoint(minutes(20)));
  ASSERT_GE(am.notifications().size(), 2u);
  EXPECT_EQ(am.notifications()[0].at, TimePoint(seconds(130))) << "group_wait 30 s";
  EXPECT_EQ(am.notifications()[0].firing.size(), 1u);
  EXPECT_EQ(am.notifications()[1].at, TimePoint(seconds(130) + minutes(5))) << "the next group_interval tick";
  EXPECT_EQ(am.notifications()[1].firing.size(), 2u);
  EXPECT_EQ(am.first_notified("RunnerScrapeDown"), TimePoint(seconds(130)));
}

TEST(Alertmanager, AlertResolvedBeforeGroupWaitSendsNothing) {
  Engine engine;
  Alertmanager am(engine, AlertmanagerConfig{});
  engine.schedule_at(TimePoint(seconds(10)), [&] { am.receive(change(10, "a", AlertState::kPending, AlertState::kFiring)); });
  engine.schedule_at(TimePoint(seconds(25)), [&] { am.receive(change(25, "a", AlertState::kFiring, AlertState::kInactive)); });
  engine.run_until(TimePoint(minutes(30)));
  EXPECT_TRUE(am.notifications().empty());
}

TEST(Alertmanager, ResolutionIsNotifiedAtTheNextTick) {
  Engine engine;
  Alertmanager am(engine, AlertmanagerConfig{});
  engine.schedule_at(TimePoint(seconds(0)), [&] { am.receive(change(0, "a", AlertState::kPending, AlertState::kFiring)); });
  engine.schedule_at(TimePoint(minutes(2)), [&] { am.receive(change(120, "a", AlertState::kFiring, AlertState::kInactive)); });
  engine.run_until(TimePoint(minutes(30)));
  ASSERT_EQ(am.notifications().size(), 2u);
  EXPECT_EQ(am.notifications()[1].at, TimePoint(seconds(30) + minutes(5)));
  EXPECT_TRUE(am.notifications()[1].firing.empty());
  EXPECT_EQ(am.notifications()[1].resolved.size(), 1u);
}

}  // namespace
}  // namespace failsim::sim::prometheus
