// The alert ledger's arithmetic (reports/alert_ledger.h): page verdicts against outages,
// per-rule statistics worked out by hand, the exact Poisson interval against Garwood's
// published table, coverage, the results.json round trip, and the --fail-on forms of
// issue 32 (false_pages_per_week:+N, coverage<N%).
#include <gtest/gtest.h>

#include "reports/alert_ledger.h"
#include "reports/compare.h"

namespace failsim::reports {
namespace {

constexpr double kWeek = 7 * 24 * 3600.0;

Page page(double at, const std::string& rule, const std::string& about, double for_seconds, const std::string& route = "") {
  Page p;
  p.at_seconds = at;
  p.rule = rule;
  p.about = about;
  p.for_seconds = for_seconds;
  p.route = route;
  return p;
}

TEST(AlertLedgerTest, APageIsTrueDuringItsRunnersOutageOrWithinItsForAfter) {
  AlertLedger l;
  l.outages = {{"blue", 1000, 1600, "its host was down"}};
  l.pages = {page(999, "Down", "blue", 60),    // before the outage: false
             page(1300, "Down", "blue", 60),   // during: true
             page(1660, "Down", "blue", 60),   // ended 60 s ago, `for` 60 s: true
             page(1661, "Down", "blue", 60),   // one second later: false
             page(1300, "Down", "green", 60),  // another runner's: false
             page(1300, "Any", "", 0)};        // about no runner: any outage counts
  classify_pages(l);
  EXPECT_FALSE(l.pages[0].true_page);
  EXPECT_TRUE(l.pages[1].true_page);
  EXPECT_EQ(l.pages[1].outage, 0);
  EXPECT_TRUE(l.pages[2].true_page);
  EXPECT_FALSE(l.pages[3].true_page);
  EXPECT_FALSE(l.pages[4].true_page);
  EXPECT_TRUE(l.pages[5].true_page);
}

// Garwood (1936) exact 95 % limits for a Poisson count, as tabulated (e.g. Ulm 1990):
// 0 -> [0, 3.689], 1 -> [0.0253, 5.572], 5 -> [1.623, 11.668], 10 -> [4.795, 18.390].
TEST(AlertLedgerTest, PoissonIntervalIsGarwoods) {
  const struct {
    std::size_t k;
    double low, high;
  } table[] = {{0, 0, 3.6889}, {1, 0.0253, 5.5716}, {5, 1.6235, 11.6683}, {10, 4.7954, 18.3904}};
  for (const auto& row : table) {
    const Interval ci = poisson_interval(row.k);
    EXPECT_NEAR(ci.low, row.low, 5e-4) << row.k;
    EXPECT_NEAR(ci.high, row.high, 5e-4) << row.k;
  }
}

// Two simulated weeks by hand: week 1 has an outage of blue caught by Down 120 s in and
// one false page; week 2 an outage of green that Down misses (it pages blue instead,
// falsely). Down: caught 1/2, detection 120 s, 2 false pages in 2 weeks = 1 per week.
TEST(AlertLedgerTest, StatsPerRuleWorkedByHand) {
  AlertLedger w1, w2;
  for (auto* l : {&w1, &w2}) {
    l->run_seconds = kWeek;
    l->rules = {"Down", "Quiet"};
  }
  w1.outages = {{"blue", 5000, 5600, "its host was down"}};
  w1.pages = {page(5120, "Down", "blue", 60), page(90000, "Down", "blue", 60)};
  w2.outages = {{"green", 7000, 7300, "its runner service was not running"}};
  w2.pages = {page(7100, "Down", "blue", 60)};
  w2.pending_never_fired_seconds = {{"Quiet", 45}};
  classify_pages(w1);
  classify_pages(w2);
  const auto stats = alert_stats({{&w1, 1}, {&w2, 2}}, 200);
  ASSERT_EQ(stats.size(), 2u);
  const AlertStats& down = stats[0];
  EXPECT_EQ(down.rule, "Down");
  EXPECT_EQ(down.outages, 2u);
  EXPECT_EQ(down.caught, 1u);
  ASSERT_TRUE(down.detection_p50);
  EXPECT_DOUBLE_EQ(*down.detection_p50, 120);
  EXPECT_EQ(down.pages, 3u);
  EXPECT_EQ(down.false_pages, 2u);
  EXPECT_DOUBLE_EQ(down.weeks, 2);
  EXPECT_DOUBLE_EQ(down.false_pages_per_week, 1);
  EXPECT_NEAR(down.false_pages_per_week_ci.low, 0.2422 / 2, 1e-3);  // Garwood for 2: [0.2422, 7.2247]
  EXPECT_NEAR(down.false_pages_per_week_ci.high, 7.2247 / 2, 1e-3);
  const AlertStats& quiet = stats[1];
  EXPECT_EQ(quiet.pages, 0u);
  EXPECT_EQ(quiet.caught, 0u);
  EXPECT_FALSE(quiet.detection_p50);
  EXPECT_DOUBLE_EQ(quiet.pending_never_fired_seconds, 45);
}

TEST(AlertLedgerTest, CoverageCountsRulesThatFiredAndRoutesNotified) {
  AlertLedger l;
  l.rules = {"A", "B", "C"};
  l.routes = {"oncall", "slack"};
  l.reached = {{"A", "resolved"}, {"B", "pending"}};
  l.pages = {page(10, "A", "", 0, "oncall")};
  const Coverage c = coverage({{&l, 1}});
  EXPECT_DOUBLE_EQ(c.percent, 40);  // A fired, oncall notified: 2 of 5
  EXPECT_EQ(c.rules.at("B"), "pending");
  EXPECT_EQ(c.rules.at("C"), "never");
  ASSERT_EQ(c.never.size(), 3u);
  EXPECT_EQ(c.never[0], "rule B never fired (it went pending)");
  EXPECT_EQ(c.never[2], "route slack was never notified");
}

TEST(AlertLedgerTest, CoverageCountsInhibitRulesThatMutedAnAlert) {
  AlertLedger one, two;
  one.rules = two.rules = {"A"};
  one.reached = {{"A", "fired"}};
  one.inhibitions = {{"1: severity=\"critical\" -> severity=\"warning\", equal instance", 0}, {"2: x=\"y\" -> z=\"w\"", 0}};
  two.inhibitions = {{"1: severity=\"critical\" -> severity=\"warning\", equal instance", 2}, {"2: x=\"y\" -> z=\"w\"", 0}};
  const Coverage c = coverage({{&one, 1}, {&two, 2}});
  EXPECT_NEAR(c.percent, 200.0 / 3, 1e-9);  // A fired, inhibit rule 1 muted: 2 of 3
  EXPECT_EQ(c.inhibitions.at("1: severity=\"critical\" -> severity=\"warning\", equal instance"), 2u);
  ASSERT_EQ(c.never.size(), 1u);
  EXPECT_EQ(c.never[0], "inhibit rule 2: x=\"y\" -> z=\"w\" never muted an alert");
}

TEST(AlertLedgerTest, ResultsJsonRoundTrip) {
  AlertLedger l;
  l.run_seconds = 3600;
  l.rules = {"Down"};
  l.routes = {"oncall"};
  l.outages = {{"blue", 10, 200, "its host was down"}};
  l.pages = {page(100, "Down", "blue", 60, "oncall")};
  l.pending_never_fired_seconds = {{"Down", 30}};
  l.reached = {{"Down", "fired"}};
  l.background = {{"slow_scrape", 3}};
  l.inhibitions = {{"1: a=\"b\" -> c=\"d\"", 4}};
  classify_pages(l);
  const AlertLedger back = ledger_from_json(ledger_json(l));
  EXPECT_EQ(ledger_json(back), ledger_json(l));
  EXPECT_TRUE(back.pages.at(0).true_page);
  EXPECT_EQ(back.background.at("slow_scrape"), 3u);
}

TEST(AlertLedgerTest, FailOnReadsFalsePagesAndACoverageFloor) {
  auto t = parse_fail_on("false_pages_per_week:+0.5,coverage<90%");
  ASSERT_TRUE(t) << t.error();
  ASSERT_EQ(t.value().size(), 2u);
  EXPECT_EQ(t.value()[0].metric, "false_pages_per_week");
  EXPECT_DOUBLE_EQ(t.value()[0].amount, 0.5);
  EXPECT_FALSE(t.value()[0].floor);
  EXPECT_EQ(t.value()[1].metric, "coverage");
  EXPECT_DOUBLE_EQ(t.value()[1].amount, 0.9);
  EXPECT_TRUE(t.value()[1].floor);
  for (const char* bad : {"coverage<abc%", "coverage>90%", "coverage<190%", "coverage<90", "false_pages_per_week:-1"}) {
    EXPECT_FALSE(parse_fail_on(bad)) << bad;
  }
}

}  // namespace
}  // namespace failsim::reports
