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

// An inhibit rule keeps a warning about an instance out while a critical alert about the
// same instance fires (Alertmanager's inhibit_rules); the model counts, per rule, the
// firing alerts it kept out of notifications (the alert ledger's coverage).
TEST(Alertmanager, CountsTheAlertsEachInhibitRuleMuted) {
  Engine engine;
  AlertmanagerConfig config;
  config.group_by = {"alertname", "instance"};
  config.inhibit_rules = {{{parse_am_matcher("severity=\"critical\"").value()}, {parse_am_matcher("severity=\"warning\"").value()}, {"instance"}},
                          {{parse_am_matcher("severity=\"page\"").value()}, {parse_am_matcher("severity=\"ticket\"").value()}, {}}};
  Alertmanager am(engine, config);
  auto alert = [](const std::string& name, const std::string& severity, const std::string& instance) {
    return make_labels({{"alertname", name}, {"instance", instance}, {"severity", severity}});
  };
  engine.schedule_at(TimePoint(seconds(0)), [&] {
    am.receive(AlertChange{engine.now(), "Down", alert("Down", "critical", "a"), AlertState::kPending, AlertState::kFiring});
    am.receive(AlertChange{engine.now(), "Slow", alert("Slow", "warning", "a"), AlertState::kPending, AlertState::kFiring});
    am.receive(AlertChange{engine.now(), "Slow", alert("Slow", "warning", "b"), AlertState::kPending, AlertState::kFiring});
  });
  engine.run_until(TimePoint(minutes(1)));
  std::size_t slow_b = 0, slow_a = 0;
  for (const auto& n : am.notifications()) {
    for (const auto& l : n.firing) {
      slow_a += l == alert("Slow", "warning", "a") ? 1 : 0;
      slow_b += l == alert("Slow", "warning", "b") ? 1 : 0;
    }
  }
  EXPECT_EQ(slow_a, 0u) << "inhibited by Down on the same instance";
  EXPECT_EQ(slow_b, 1u) << "another instance: not inhibited";
  ASSERT_EQ(am.inhibitions().size(), 2u);
  EXPECT_EQ(am.inhibitions()[0], 1u);
  EXPECT_EQ(am.inhibitions()[1], 0u);
}

}  // namespace
}  // namespace failsim::sim::prometheus
