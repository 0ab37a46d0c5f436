// failsim's PromQL subset: parse errors that name what is unsupported, and evaluation
// with Prometheus 2.42's semantics (reference B: lookback, staleness, name dropping,
// vector matching, rate extrapolation).
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "sim/prometheus/promql_eval.h"
#include "sim/prometheus/promql_parser.h"

namespace failsim::sim::prometheus {
namespace {

constexpr std::int64_t kOneMinuteMs = 60'000;

TEST(PromqlParse, AcceptsTheSubset) {
  const char* ok[] = {
      "up",
      "up{job=\"runner\"} == 0",
      "up{job=\"github-runner-health\",instance=~\"sero.*\",x!=\"\",y!~\"a|b\"} == bool 1",
      "runner_status{hostname=\"Serotonin\",environment=\"production\"}",
      "time() - runner_last_check_in_timestamp_seconds{hostname=\"x\"} > 300",
      "rate(jobs_total[5m]) * 60",
      "increase(jobs_total[1h30m])",
      "sum by (instance) (up)",
      "sum(up) by (instance)",
      "count without (instance, job) (up == 1)",
      "avg(min_over_time(up[10m]))",
      "absent(up{job=\"x\"})",
      "absent_over_time(runner_status[5m])",
      "up == 1 unless on(instance) runner_status",
      "a and ignoring(x) b or c",
      "-up + 2 ^ 3 ^ 2 % 5",
      "{__name__=\"up\"}",
      "up # trailing comment",
      "(up)",
      "NaN",
      "Inf > bool 1",
  };
  for (const char* q : ok) {
    const auto r = parse_promql(q);
    EXPECT_TRUE(r.has_value()) << q << ": " << (r.has_value() ? "" : r.error());
  }
}

// Parse errors as Prometheus 2.42 writes them: each message below is what Debian's
// `promtool check rules` printed for the expression (position and wording).
TEST(PromqlParse, ErrorsReadAsPrometheus242Writes) {
  struct Case {
    const char* query;
    const char* message;
  };
  const Case cases[] = {
      {"", "1:1: parse error: no expression found in input"},
      {"rate(up)", "1:6: parse error: expected type range vector in call to function \"rate\", got instant vector"},
      {"absent(up[5m])", "1:8: parse error: expected type instant vector in call to function \"absent\", got range vector"},
      {"up{job=x}", "1:8: parse error: unexpected identifier \"x\" in label matching, expected string"},
      {"{job=\"\"}", "1:1: parse error: vector selector must contain at least one non-empty matcher"},
      {"up + bool 1", "1:4: parse error: bool modifier can only be used on comparison operators"},
      {"up > 5m", "1:6: parse error: unexpected duration \"5m\""},
      // Found by the fuzz smoke run: a negated range vector reached the evaluator (500).
      {"x - -up[5m]", "1:5: parse error: unary expression only allowed on expressions of type scalar or instant vector, "
                      "got \"range vector\""},
      {"1 > 2", "1:3: parse error: comparisons between scalars must use BOOL modifier"},
      {"foo(up)", "1:1: parse error: unknown function with name \"foo\""},
      {"sum(up) offset 5m", "1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery"},
      {"(up)[5m]", "1:5: parse error: ranges only allowed for vector selectors"},
      {"up offset 5m [5m]", "1:14: parse error: no offset modifiers allowed before range"},
      {"topk(up)", "1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1"},
      {"count_values(1, up)", "1:14: parse error: expected type string in aggregation parameter, got scalar"},
      {"up and 1", "1:1: parse error: set operator \"and\" not allowed in binary scalar expression"},
      {"up + on(a) group_left(a) up", "1:4: parse error: label \"a\" must not occur in ON and GROUP clause at once"},
      {"label_replace(up, \"a\", \"b\")", "1:1: parse error: expected 5 argument(s) in call to \"label_replace\", got 3"},
      {"up @ start", "1:11: parse error: unexpected end of input in @, expected timestamp"},
      {"up\n  == == 1", "2:6: parse error: unexpected <op:==>"},
  };
  for (const auto& c : cases) {
    const auto r = parse_promql(c.query);
    ASSERT_FALSE(r.has_value()) << "accepted: " << c.query;
    EXPECT_EQ(r.error(), c.message) << c.query;
  }
  // Accepted by 2.42, and so here: keywords in any case, strings, empty on().
  for (const char* q : {"\"text\"", "up == bool on() 1", "SUM by (job) (up) OR on() vector(1)", "up OFFSET 5m @ 100",
                        "rate(up[5m:1m] @ end())", "topk(3, up) BY (job)", "a * on(x) group_left(y) b", "-2 ^ -1"}) {
    EXPECT_TRUE(parse_promql(q)) << q << ": " << parse_promql(q).error();
  }
}

class PromqlEval : public ::testing::Test {
 protected:
  SeriesStore store;
  Labels L(std::vector<Label> l) { return make_labels(std::move(l)); }

  Vector vec(const std::string& q, std::int64_t t_ms) {
    auto r = query(q, store, t_ms);
    EXPECT_TRUE(r.has_value()) << q << ": " << (r.has_value() ? "" : r.error());
    if (!r.has_value()) return {};
    const Vector* v = std::get_if<Vector>(&r.value());
    EXPECT_NE(v, nullptr) << q;
    return v ? *v : Vector{};
  }
  double scalar(const std::string& q, std::int64_t t_ms) {
    auto r = query(q, store, t_ms);
    EXPECT_TRUE(r.has_value()) << q;
    return r.has_value() && std::holds_alternative<Scalar>(r.value()) ? std::get<Scalar>(r.value()).value : NAN;
  }
};

TEST_F(PromqlEval, LookbackIsFiveMinutesClosedOnTheLeft) {
  store.append(L({{"__name__", "up"}, {"instance", "a"}}), 0, 1);
  EXPECT_EQ(vec("up", 0).size(), 1u);
  EXPECT_EQ(vec("up", 5 * kOneMinuteMs).size(), 1u) << "2.42 includes a sample exactly 5m old";
  EXPECT_EQ(vec("up", 5 * kOneMinuteMs + 1).size(), 0u);
  EXPECT_EQ(vec("up", -1).size(), 0u) << "no sample yet";
}

TEST_F(PromqlEval, StaleMarkerMakesTheSeriesVanishNotZero) {
  const Labels up = L({{"__name__", "runner_status"}, {"hostname", "Serotonin"}});
  store.append(up, 0, 1);
  store.append(up, 15'000, 1);
  store.append_stale(up, 30'000);  // the scrape at 30 s failed
  EXPECT_EQ(vec("runner_status", 29'999).size(), 1u);
  EXPECT_TRUE(vec("runner_status", 30'000).empty());
  EXPECT_TRUE(vec("runner_status == 0", 45'000).empty()) << "the documented alert has nothing to fire on";
  const auto absent = vec("absent(runner_status{hostname=\"Serotonin\"})", 45'000);
  ASSERT_EQ(absent.size(), 1u);
  EXPECT_EQ(absent[0].labels, L({{"hostname", "Serotonin"}}));
  EXPECT_EQ(absent[0].value, 1);
  EXPECT_EQ(vec("count_over_time(runner_status[1m])", 45'000)[0].value, 2) << "stale markers are not samples";
}

TEST_F(PromqlEval, ComparisonsFilterOrReturnBoolAndArithmeticDropsTheName) {
  store.append(L({{"__name__", "up"}, {"instance", "a"}}), 0, 1);
  store.append(L({{"__name__", "up"}, {"instance", "b"}}), 0, 0);
  auto v = vec("up == 0", 0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].labels, L({{"__name__", "up"}, {"instance", "b"}})) << "filter keeps the sample as is";
  v = vec("up == bool 0", 0);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].labels, L({{"instance", "a"}}));
  EXPECT_EQ(v[0].value, 0);
  EXPECT_EQ(v[1].value, 1);
  v = vec("up * 10 + 1", 0);
  EXPECT_EQ(v[0].labels, L({{"instance", "a"}}));
  EXPECT_EQ(v[0].value, 11);
  v = vec("1 - up", 0);
  EXPECT_EQ(v[1].value, 1);
  EXPECT_EQ(scalar("2 ^ 3 ^ 2", 0), 512) << "^ is right-associative";
  EXPECT_EQ(scalar("-2 ^ 2", 0), -4);
  EXPECT_EQ(scalar("7 % 4 + 1 > bool 3", 0), 1);
  EXPECT_EQ(scalar("time()", 90'500), 90.5);
  EXPECT_FALSE(query("1 > 2", store, 0).has_value()) << "scalar comparisons need bool";
}

TEST_F(PromqlEval, SetOperatorsAndVectorMatching) {
  store.append(L({{"__name__", "up"}, {"instance", "a"}, {"job", "r"}}), 0, 1);
  store.append(L({{"__name__", "up"}, {"instance", "b"}, {"job", "r"}}), 0, 1);
  store.append(L({{"__name__", "runner_status"}, {"instance", "a"}, {"hostname", "h1"}}), 0, 1);
  auto v = vec("up == 1 unless on(instance) runner_status", 0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(label_value(v[0].labels, "instance"), "b") << "b answers but has no runner series";
  v = vec("up and on(instance) runner_status", 0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(label_value(v[0].labels, "instance"), "a");
  v = vec("up{instance=\"a\"} or runner_status", 0);
  EXPECT_EQ(v.size(), 2u) << "runner_status{a,h1} has its own label set, so `or` keeps it";
  v = vec("up + on(instance) runner_status", 0);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].labels, L({{"instance", "a"}}));
  EXPECT_EQ(v[0].value, 2);
  v = vec("up - ignoring(job) up", 0);
  EXPECT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].labels, L({{"instance", "a"}}));
  const auto dup = query("up + on(job) up", store, 0);
  ASSERT_FALSE(dup.has_value());
  EXPECT_NE(dup.error().find("many-to-many matching not allowed"), std::string::npos) << dup.error();
}

TEST_F(PromqlEval, AggregationsByAndWithout) {
  store.append(L({{"__name__", "cpu"}, {"host", "a"}, {"env", "prod"}}), 0, 10);
  store.append(L({{"__name__", "cpu"}, {"host", "b"}, {"env", "prod"}}), 0, 30);
  store.append(L({{"__name__", "cpu"}, {"host", "c"}, {"env", "staging"}}), 0, 5);
  auto v = vec("sum by (env) (cpu)", 0);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].labels, L({{"env", "prod"}}));
  EXPECT_EQ(v[0].value, 40);
  EXPECT_EQ(v[1].value, 5);
  EXPECT_EQ(vec("avg(cpu)", 0)[0].value, 15);
  EXPECT_EQ(vec("max(cpu) by (env)", 0)[0].value, 30);
  EXPECT_EQ(vec("min without (host) (cpu)", 0)[0].labels, L({{"env", "prod"}}));
  EXPECT_EQ(vec("min without (host) (cpu)", 0)[0].value, 10);
  EXPECT_EQ(vec("count(cpu > 6)", 0)[0].value, 2);
  EXPECT_TRUE(vec("sum(nothing)", 0).empty());
}

TEST_F(PromqlEval, OverTimeFunctions) {
  const Labels s = L({{"__name__", "mem"}, {"host", "a"}});
  for (int i = 0; i <= 4; ++i) store.append(s, i * 15'000, 10.0 * i);
  EXPECT_EQ(vec("avg_over_time(mem[1m])", 60'000)[0].value, 20);
  EXPECT_EQ(vec("sum_over_time(mem[1m])", 60'000)[0].value, 100);
  EXPECT_EQ(vec("max_over_time(mem[1m])", 60'000)[0].value, 40);
  EXPECT_EQ(vec("min_over_time(mem[30s])", 60'000)[0].value, 20) << "[30s, 60s] closed: 30, 45, 60 s";
  EXPECT_EQ(vec("count_over_time(mem[30s])", 60'000)[0].value, 3);
  auto last = vec("last_over_time(mem[1m])", 60'000);
  EXPECT_EQ(last[0].value, 40);
  EXPECT_EQ(label_value(last[0].labels, "__name__"), "mem");
  EXPECT_EQ(label_value(vec("avg_over_time(mem[1m])", 60'000)[0].labels, "__name__"), "");
  EXPECT_TRUE(vec("absent_over_time(mem[1m])", 60'000).empty());
  // changes(): value changes between consecutive samples; resets(): decreases.
  const Labels u = L({{"__name__", "up"}, {"instance", "a"}});
  const double ups[] = {1, 0, 0, 1, 0, 1, 1, 0};
  for (int i = 0; i < 8; ++i) store.append(u, i * 15'000, ups[i]);
  EXPECT_EQ(vec("changes(up[2m])", 105'000)[0].value, 5);
  EXPECT_EQ(vec("resets(up[2m])", 105'000)[0].value, 3);
  EXPECT_EQ(vec("changes(up[30s])", 105'000)[0].value, 1) << "samples at 75, 90, 105 s: 1, 1, 0";
  EXPECT_EQ(label_value(vec("changes(up[2m])", 105'000)[0].labels, "__name__"), "");
  EXPECT_EQ(vec("absent_over_time(mem{host=\"z\"}[1m])", 60'000)[0].labels, L({{"host", "z"}}));
}

TEST_F(PromqlEval, RateAndIncreaseExtrapolateLikePrometheus) {
  // A counter growing 1 per 15 s, sampled at 0..120 s. At t=120 with [1m]: samples at
  // 60..120 (5 samples, delta 4 over 60 s), no extrapolation needed at the start (the
  // first sample sits on the boundary) or the end: increase 4, rate 4/60.
  const Labels c = L({{"__name__", "jobs_total"}, {"runner", "a"}});
  for (int i = 0; i <= 8; ++i) store.append(c, i * 15'000, i);
  EXPECT_DOUBLE_EQ(vec("increase(jobs_total[1m])", 120'000)[0].value, 4.0);
  EXPECT_DOUBLE_EQ(vec("rate(jobs_total[1m])", 120'000)[0].value, 4.0 / 60);
  // At t=127.5 s the window [67.5, 127.5] holds 75..120 (4 samples, delta 3 over 45 s):
  // the gaps to both ends (7.5 s) are below 1.1 * 15 s, so extrapolate over the whole
  // 60 s: 3 * 60 / 45 = 4.
  EXPECT_DOUBLE_EQ(vec("increase(jobs_total[1m])", 127'500)[0].value, 4.0);
  // A counter reset adds the value before the reset.
  const Labels r = L({{"__name__", "resets_total"}});
  const double values[] = {5, 6, 1, 2};
  for (int i = 0; i < 4; ++i) store.append(r, i * 20'000, values[i]);
  // (2 - 5) + 6 for the reset = 3; the window [0, 60] is fully covered, no extrapolation.
  EXPECT_DOUBLE_EQ(vec("increase(resets_total[1m])", 60'000)[0].value, 3.0);
  EXPECT_TRUE(vec("rate(resets_total[10s])", 60'000).empty()) << "one sample is not enough";
}

}  // namespace
}  // namespace failsim::sim::prometheus

namespace failsim::sim::prometheus {
namespace {

// Hostile queries (issue 17): deep nesting, long operator chains and comment floods are
// parse errors or parse fine in bounded stack; regex matchers are RE2 (Go's syntax, as
// Prometheus 2.42 compiles "^(?:" + re + ")$"): a pattern Prometheus rejects is a parse
// error, and a pattern that backtracks catastrophically in std::regex runs in linear time.
TEST(PromqlHostile, DeepNestingIsAnErrorNotACrash) {
  for (const std::string& q : {std::string(30000, '(') + "1" + std::string(30000, ')'), std::string(100000, '-') + "1",
                              [] {
                                std::string s = "1";
                                for (int i = 0; i < 100000; ++i) s += "+1";
                                return s;
                              }(),
                              [] {
                                std::string s = "2";
                                for (int i = 0; i < 100000; ++i) s += "^2";
                                return s;
                              }()}) {
    const auto r = parse_promql(q);
    ASSERT_FALSE(r) << q.substr(0, 20);
    EXPECT_NE(r.error().find("nested too deeply (more than 256 levels)"), std::string::npos) << r.error();
  }
  // Up to the limit is fine, and evaluates.
  const std::string ok = std::string(200, '(') + "1" + std::string(200, ')');
  EXPECT_TRUE(parse_promql(ok));
}

TEST(PromqlHostile, ThirtyThousandCommentLinesParse) {
  std::string q;
  for (int i = 0; i < 30000; ++i) q += "# a comment line\n";
  q += "up";
  EXPECT_TRUE(parse_promql(q));
}

TEST(PromqlHostile, RegexMatchersAreRe2) {
  // Go's regexp rejects nested repetition; so does RE2; std::regex accepted it and
  // backtracked for minutes.
  const auto bad = parse_promql("up{job=~\"x*++++++\"}");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().find("error parsing regexp"), std::string::npos) << bad.error();
  EXPECT_FALSE(parse_promql("up{job=~\"(\"}"));
  // Anchored at both ends.
  SeriesStore store;
  store.append(make_labels({{"__name__", "up"}, {"job", "node-exporter"}}), 1000, 1);
  store.append(make_labels({{"__name__", "up"}, {"job", "node"}}), 1000, 1);
  auto v = query("up{job=~\"node\"}", store, 2000);
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(std::get<Vector>(v.value()).size(), 1u);
  // A pattern exponential for a backtracking engine, on a long value: linear in RE2.
  store.append(make_labels({{"__name__", "up"}, {"job", std::string(5000, 'a') + "!"}}), 1000, 1);
  v = query("up{job=~\"(a|aa)*b\"}", store, 2000);
  ASSERT_TRUE(v) << v.error();
  EXPECT_TRUE(std::get<Vector>(v.value()).empty());
}

// Prometheus's query limits (promql/engine.go 2.42: --query.max-samples, default
// 50000000; --query.timeout, default 2m): every sample loaded or produced counts, a
// range query's steps share one budget, and the deadline is polled as work goes on.
TEST(PromqlHostile, SampleLimitAndDeadlineStopAQuery) {
  EXPECT_EQ(EvalOptions{}.max_samples, 50'000'000);
  SeriesStore store;
  for (int s = 0; s < 10; ++s) {
    for (int t = 0; t < 20; ++t) store.append(make_labels({{"__name__", "up"}, {"i", std::to_string(s)}}), t * 1000, 1);
  }
  EvalOptions tight;
  tight.max_samples = 10;
  QueryBudget budget;
  auto v = query("up", store, 19000, tight, &budget);  // 10 samples: at the limit
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(budget.samples, 10);
  EXPECT_EQ(budget.hit, QueryBudget::Limit::kNone);
  v = query("up", store, 19000, tight, &budget);  // the same budget: 20 > 10
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error(), kTooManySamples);
  EXPECT_EQ(budget.hit, QueryBudget::Limit::kSamples);
  // A range selector loads its points: 10 series x 20 points.
  tight.max_samples = 199;
  QueryBudget range_budget;
  v = query("count_over_time(up[1m])", store, 19000, tight, &range_budget);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error(), kTooManySamples);
  // The deadline: checked before the first step and every kBudgetPollEvery units.
  int polls = 0;
  QueryBudget timed;
  timed.expired = [&polls] { return ++polls > 3; };
  std::string many = "up";
  for (int i = 0; i < 200; ++i) many += " + up";  // 201 selectors x 10 series: over 4,000 units
  v = query(many, store, 19000, {}, &timed);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error(), kQueryTimedOut);
  EXPECT_EQ(timed.hit, QueryBudget::Limit::kTime);
  EXPECT_EQ(polls, 4);
  // Without an expired callback nothing reads a clock, and the query completes.
  QueryBudget unlimited;
  v = query(many, store, 19000, {}, &unlimited);
  ASSERT_TRUE(v) << v.error();
  EXPECT_EQ(std::get<Vector>(v.value()).size(), 10u);
}

}  // namespace
}  // namespace failsim::sim::prometheus
