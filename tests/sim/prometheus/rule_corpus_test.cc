// A corpus of 266 alert rules in the styles teams write (data/alert_corpus.yml: node,
// database, queue, HTTP service, blackbox, Kubernetes; every PromQL construct of
// 2.42 somewhere): Debian's promtool accepts the file, failsim loads every rule, and
// every expression evaluates without error over series made to match its selectors,
// most of them to a non-empty result.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>

#include "sim/prometheus/promql_eval.h"
#include "sim/prometheus/rules.h"

namespace failsim::sim::prometheus {
namespace {

std::string corpus_path() { return std::string(FAILSIM_SOURCE_DIR) + "/tests/sim/prometheus/data/alert_corpus.yml"; }

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The labels `on (...)` names, and "" for an `ignoring (...)` (then one series per
// selector: which labels tell series apart is the rule's business).
void matching_labels(const Node& n, std::set<std::string>& names) {
  if (n.kind == Node::Kind::kBinary && n.has_matching && !n.matching_on) names.insert("");
  names.insert(n.matching.begin(), n.matching.end());
  for (const auto& a : n.args) matching_labels(*a, names);
  if (n.param) matching_labels(*n.param, names);
}

// Adds, for each selector in the expression, two series that match its equality
// matchers, told apart by every label the expression matches on, with an hour of
// samples every 15 s.
void add_series_for(const Node& n, SeriesStore& store, std::set<std::string>& made, const std::set<std::string>& on) {
  if (n.kind == Node::Kind::kVectorSelector || n.kind == Node::Kind::kMatrixSelector) {
    const int copies = on.count("") ? 1 : 2;
    for (int copy = 0; copy < copies; ++copy) {
      std::vector<Label> pairs = {{"job", "node"}};
      for (const auto& name : on) {
        if (!name.empty()) pairs.emplace_back(name, "v" + std::to_string(copy));
      }
      pairs.emplace_back("instance", "host-" + std::to_string(copy));
      for (const auto& m : n.matchers) {
        if (m.op == Matcher::Op::kEq) pairs.emplace_back(m.name, m.value);
      }
      Labels labels = make_labels(pairs);
      if (label_value(labels, "__name__").empty()) continue;
      if (!made.insert(to_string(labels)).second) continue;
      for (int i = 0; i <= 240; ++i) {
        const double v = label_value(labels, "__name__").ends_with("_total") ? i * (3.0 + copy) : 50 + ((i * 7 + copy * 13) % 23);
        store.append(labels, static_cast<std::int64_t>(i) * 15'000, v);
      }
    }
  }
  for (const auto& a : n.args) add_series_for(*a, store, made, on);
  if (n.param) add_series_for(*n.param, store, made, on);
}

TEST(RuleCorpus, PromtoolAcceptsTheCorpus) {
  if (!std::filesystem::exists("/usr/bin/promtool")) GTEST_SKIP() << "promtool not installed";
  const std::string cmd = "/usr/bin/promtool check rules '" + corpus_path() + "' 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  EXPECT_EQ(::pclose(pipe), 0) << out;
  EXPECT_NE(out.find("SUCCESS: 266 rules found"), std::string::npos) << out;
}

TEST(RuleCorpus, EveryRuleLoadsAndEvaluates) {
  auto groups = parse_rule_file(read(corpus_path()), "alert_corpus.yml");
  ASSERT_TRUE(groups) << groups.error();
  std::size_t rules = 0;
  int non_empty = 0;
  for (const auto& g : groups.value()) {
    for (const auto& r : g.rules) {
      ++rules;
      // Each rule over its own series (two rules may use one metric differently).
      SeriesStore store;
      std::set<std::string> made, on;
      matching_labels(*r.expr, on);
      add_series_for(*r.expr, store, made, on);
      for (std::int64_t t : {1'800'000LL, 3'600'000LL}) {
        auto v = evaluate(*r.expr, store, t);
        ASSERT_TRUE(v) << g.name << "/" << r.name << ": " << v.error() << "\n" << r.expr_text;
        ASSERT_FALSE(std::holds_alternative<Matrix>(v.value())) << r.name;
        if (t == 3'600'000LL && std::holds_alternative<Vector>(v.value()) && !std::get<Vector>(v.value()).empty()) ++non_empty;
      }
    }
  }
  EXPECT_EQ(rules, 266u);
  EXPECT_EQ(groups.value().size(), 6u);
  // Most rules see their series (the rest compare against thresholds they do not
  // pass, or need labels only a regex names).
  EXPECT_GT(non_empty, 60) << non_empty << " of " << rules;
  std::cout << "[rule-corpus] " << rules << " rules, " << non_empty << " with alerts at t=1h\n";
}

}  // namespace
}  // namespace failsim::sim::prometheus
