// Label sets (sim/prometheus/labels.h) share storage on copy and copy it before a
// change; LabelMemo (label_memo.h) and the evaluator's memo (promql_eval.h EvalMemo)
// never change a result: every expression below gives the same vectors, evaluation
// after evaluation, with a memo and without, while the store grows under it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/prometheus/label_memo.h"
#include "sim/prometheus/labels.h"
#include "sim/prometheus/promql_eval.h"
#include "sim/prometheus/promql_parser.h"
#include "sim/random.h"

namespace failsim::sim::prometheus {
namespace {

TEST(Labels, CopiesShareStorageAndAChangeCopiesFirst) {
  const Labels a = make_labels({{"job", "runner"}, {"__name__", "up"}, {"instance", "r1:9101"}});
  Labels b = a;
  EXPECT_EQ(a.identity(), b.identity());
  set_label(b, "instance", "r2:9101");
  EXPECT_NE(a.identity(), b.identity());
  EXPECT_EQ(label_value(a, "instance"), "r1:9101");  // the original is untouched
  EXPECT_EQ(label_value(b, "instance"), "r2:9101");
  EXPECT_EQ(to_string(a), "up{instance=\"r1:9101\", job=\"runner\"}");
}

TEST(Labels, AChangeThatChangesNothingKeepsTheStorage) {
  const Labels a = make_labels({{"job", "runner"}, {"instance", "r1:9101"}});
  Labels b = a;
  set_label(b, "job", "runner");  // same value
  set_label(b, "absent", "");     // removing what is not there
  EXPECT_EQ(a.identity(), b.identity());
  EXPECT_EQ(without_name(a).identity(), a.identity());  // no __name__ to drop
  EXPECT_EQ(keep_only(a, {"instance", "job"}).identity(), a.identity());
  EXPECT_EQ(drop(a, {"zone"}).identity(), a.identity());
  EXPECT_EQ(keep_only(a, {"job"}), make_labels({{"job", "runner"}}));
}

TEST(Labels, EqualityAndOrderDependOnContentsNotStorage) {
  const Labels a = make_labels({{"a", "1"}, {"b", "2"}});
  const Labels same = make_labels({{"b", "2"}, {"a", "1"}});
  const Labels more = make_labels({{"a", "1"}, {"b", "2"}, {"c", "3"}});
  const Labels other = make_labels({{"a", "1"}, {"b", "3"}});
  EXPECT_NE(a.identity(), same.identity());
  EXPECT_EQ(a, same);
  EXPECT_FALSE(a < same);
  EXPECT_LT(a, more);  // a prefix sorts first, as the pairs' vector does
  EXPECT_LT(a, other);
  EXPECT_EQ(Labels{}, make_labels({}));
  EXPECT_LT(Labels{}, a);
  // A uniquely held set is changed in place; one shared is copied.
  Labels c = make_labels({{"a", "1"}});
  const void* before = c.identity();
  c.push_back({"b", "2"});
  EXPECT_EQ(c.identity(), before);
}

TEST(LabelMemo, DerivesOncePerInputAndSiteAndStaysBounded) {
  LabelMemo<Labels> memo;
  int derived = 0;
  auto add_zone = [&derived](const Labels& in) {
    ++derived;
    Labels out = in;
    set_label(out, "zone", "a");
    return out;
  };
  const Labels in = make_labels({{"job", "runner"}});
  const char site_a = 0, site_b = 0;
  const Labels first = memo.get(&site_a, in, add_zone);
  const Labels again = memo.get(&site_a, in, add_zone);
  EXPECT_EQ(derived, 1);
  EXPECT_EQ(first.identity(), again.identity());
  memo.get(&site_b, in, add_zone);  // another site derives anew
  EXPECT_EQ(derived, 2);
  memo.get(&site_a, make_labels({{"job", "runner"}}), add_zone);  // equal contents, other storage: a miss, same answer
  EXPECT_EQ(derived, 3);
  // Many distinct inputs: the memo forgets rather than grows, and answers stay right.
  for (int i = 0; i < static_cast<int>(LabelMemo<Labels>::kMaxEntries) * 2 + 5; ++i) {
    const Labels l = make_labels({{"i", std::to_string(i)}});
    const Labels out = memo.get(&site_a, l, add_zone);
    ASSERT_EQ(label_value(out, "i"), std::to_string(i));
    ASSERT_EQ(label_value(out, "zone"), "a");
    ASSERT_LE(memo.size(), LabelMemo<Labels>::kMaxEntries);
  }
}

std::string render(const Result<Value>& r) {
  if (!r) return "error: " + r.error();
  if (const auto* s = std::get_if<Scalar>(&r.value())) return "scalar " + std::to_string(s->value);
  std::string out;
  for (const auto& sample : std::get<Vector>(r.value())) out += to_string(sample.labels) + " " + std::to_string(sample.value) + "\n";
  return out;
}

TEST(EvalMemo, EveryExpressionGivesTheSameResultWithAndWithoutAMemoAsTheStoreGrows) {
  const std::vector<std::string> exprs = {
      "up",
      "up{job=\"runner\"} == 0",
      "-up",
      "up == bool 1",
      "sum by (job) (up)",
      "max without (instance) (up)",
      "count(up) by (zone)",
      "min by (instance) (up{job=\"runner\"}) == 0 or min by (instance) (status) == 0",
      "up == 1 unless on(instance) status",
      "up and ignoring(zone) status",
      "up * on(instance) status",
      "up + ignoring(zone) status",
      "changes(up[10m]) >= 2",
      "rate(requests_total[5m])",
      "last_over_time(status[5m])",
      "absent(up{job=\"nothing\"})",
      "absent_over_time(status{instance=\"r9:1\"}[5m])",
      "max without (state) (status)",
      "status{state=~\"a.*\"} != 0",
  };
  std::vector<NodePtr> parsed;
  for (const auto& e : exprs) {
    auto p = parse_promql(e);
    ASSERT_TRUE(p) << e << ": " << p.error();
    parsed.push_back(std::move(p).value());
  }
  SeriesStore store;
  std::vector<EvalMemo> memos(exprs.size());
  Rng rng(7);
  std::int64_t requests = 0;
  for (int step = 0; step < 120; ++step) {
    const std::int64_t t_ms = step * 15'000;
    // Three runners at first, a fourth from step 40 on (new series: selections must see
    // it); r2's series go stale from step 60 to 80.
    for (int r = 1; r <= (step >= 40 ? 4 : 3); ++r) {
      const std::string instance = "r" + std::to_string(r) + ":9101";
      const std::string zone = r % 2 == 0 ? "b" : "a";
      const bool stale = r == 2 && step >= 60 && step < 80;
      const Labels up = make_labels({{"__name__", "up"}, {"job", "runner"}, {"instance", instance}, {"zone", zone}});
      const Labels status = make_labels({{"__name__", "status"}, {"instance", instance}, {"state", r == 3 ? "b" : "active"}});
      const Labels req = make_labels({{"__name__", "requests_total"}, {"instance", instance}});
      if (stale) {
        store.append_stale(up, t_ms);
        store.append_stale(status, t_ms);
        continue;
      }
      store.append(up, t_ms, rng.bernoulli(0.7) ? 1.0 : 0.0);
      store.append(status, t_ms, rng.bernoulli(0.8) ? 1.0 : 0.0);
      requests += static_cast<std::int64_t>(rng.uniform_below(10));
      store.append(req, t_ms, static_cast<double>(step % 50 == 49 ? 0 : requests));
    }
    for (std::size_t i = 0; i < exprs.size(); ++i) {
      const auto plain = evaluate(*parsed[i], store, t_ms);
      const auto memoized = evaluate(*parsed[i], store, t_ms, {}, nullptr, &memos[i]);
      ASSERT_EQ(render(plain), render(memoized)) << exprs[i] << " at step " << step;
    }
  }
  // The memo was used: selections were cached and label sets derived.
  EXPECT_FALSE(memos[4].selections.empty());
  EXPECT_GT(memos[4].labels.size(), 0u);
}

}  // namespace
}  // namespace failsim::sim::prometheus
