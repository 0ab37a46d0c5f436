// Evaluates a parsed PromQL expression at one instant over a SeriesStore, with
// Prometheus 2.42's semantics for float samples (Debian bookworm's promtool is the
// oracle; tests/sim/prometheus/promql_differential_test.cc compares the two):
//  - instant selectors take each series' newest sample in [t - lookback, t]; a stale
//    marker there means the series is absent (lookback default 5m); range selectors
//    every non-stale sample in [t - range, t]; `offset` and `@` move t, with
//    @ start() / @ end() the query's range;
//  - subqueries evaluate their expression at every multiple of the step in
//    [t - range, t] (the step defaults to the evaluation interval);
//  - every function and aggregation of 2.42 (promql_functions.h), vector matching
//    with on/ignoring and group_left/group_right, `bool`, and/or/unless;
//  - the execution errors of 2.42 (duplicate label sets, many-to-many matching,
//    invalid function parameters) with its messages.
//  - limits (Prometheus's --query.max-samples and --query.timeout): every sample a
//    query loads from the store or produces counts against max_samples (an upper
//    bound of Prometheus's peak in-memory count); a QueryBudget carries the count
//    across the steps of a range query and, optionally, a wall-clock deadline.
// Results are deterministic: vectors are sorted by labels. Without a deadline (every
// simulated run) an evaluation never reads a clock.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "failover/result.h"
#include "sim/prometheus/promql_ast.h"
#include "sim/prometheus/series_store.h"

namespace failsim::sim::prometheus {

struct VectorSample {
  Labels labels;
  double value;
};
using Vector = std::vector<VectorSample>;

struct MatrixSeries {
  Labels labels;
  std::vector<Point> points;
};
using Matrix = std::vector<MatrixSeries>;

struct Scalar {
  double value;
};

struct StringValue {
  std::string value;
};

using Value = std::variant<Scalar, Vector, Matrix, StringValue>;

struct EvalOptions {
  std::int64_t lookback_ms = 5 * 60 * 1000;  // --query.lookback-delta, default 5m
  std::int64_t max_samples = 50'000'000;     // --query.max-samples, default 50000000
  // A subquery without a step uses the global evaluation_interval (default 1m).
  std::int64_t subquery_step_ms = 60 * 1000;
  // The query's range, for `@ start()` / `@ end()`; unset: the evaluation time.
  std::optional<std::int64_t> start_ms, end_ms;
};

inline constexpr std::int64_t kBudgetPollEvery = 1024;

// What one query has spent: shared by the steps of a range query. `expired`, when
// set, is polled every kBudgetPollEvery units of work (series examined or samples
// counted) and at each step; it is how --query.timeout reaches the evaluator.
struct QueryBudget {
  enum class Limit { kNone, kSamples, kTime };
  std::function<bool()> expired;
  std::int64_t samples = 0;
  std::int64_t work = 0;
  std::int64_t next_poll = kBudgetPollEvery;  // work at which `expired` is polled next
  Limit hit = Limit::kNone;                   // which limit stopped the query
};

// Prometheus's messages (promql/engine.go): errorType execution (422) and timeout (503).
inline constexpr const char* kTooManySamples = "query processing would load too many samples into memory in query execution";
inline constexpr const char* kQueryTimedOut = "query timed out in expression evaluation";

// What a rule keeps of its expression's evaluation for the next one: label sets
// derived at each node, and which series each selector matched (valid while the
// store has the same series). Results never depend on it.
struct EvalMemo {
  struct Selection {
    std::uint64_t store_id = 0;
    std::size_t store_size = 0;
    std::int64_t examined = 0;  // series looked at to find them (the work charged)
    std::vector<const SeriesStore::Entry*> entries;
  };
  LabelMemo<Labels> labels;
  // By selector node: an expression has a few, so a scan beats a hash.
  std::vector<std::pair<const Node*, Selection>> selections;
  std::vector<Point> points;  // a buffer for range selections, kept for its capacity
};

// derive(in), through the memo's label sets at `site` when there is a memo.
template <class Derive>
Labels memoized(EvalMemo* memo, const void* site, const Labels& in, Derive&& derive) {
  return memo != nullptr ? memo->labels.get(site, in, derive) : derive(in);
}

// Evaluates at t_ms. Errors (e.g. many-to-many matching, a limit) are execution
// errors; `budget` (optional) says which limit, if any, stopped it. `memo`
// (optional) keeps label sets derived at this expression's nodes from one
// evaluation to the next: a rule passes its own; the result is the same without.
Result<Value> evaluate(const Node& expr, const SeriesStore& store, std::int64_t t_ms,
                       const EvalOptions& options = {}, QueryBudget* budget = nullptr,
                       EvalMemo* memo = nullptr);

// Whether a series' labels satisfy every matcher (a selector's), as Prometheus matches.
bool matches_all(const std::vector<Matcher>& matchers, const Labels& labels);

// Parses and evaluates; the result is an instant vector, a scalar or a string.
Result<Value> query(const std::string& promql, const SeriesStore& store, std::int64_t t_ms,
                    const EvalOptions& options = {}, QueryBudget* budget = nullptr);

}  // namespace failsim::sim::prometheus
