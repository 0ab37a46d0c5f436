// Evaluates a parsed PromQL expression at one instant over a SeriesStore, with
// Prometheus 2.42's semantics (Debian bookworm's Prometheus is the oracle):
//  - instant selectors take each series' newest sample in [t - lookback, t]; a stale
//    marker there means the series is absent (lookback default 5m);
//  - arithmetic, comparisons with `bool`, and functions drop the metric name;
//    comparisons without `bool` filter and keep the left-hand sample as it is;
//  - vector/vector operations match one-to-one on all labels but the name, or on
//    on(...)/ignoring(...); a duplicate on either side is an execution error;
//  - rate/increase extrapolate as Prometheus does (counter resets, extrapolation to
//    the range boundaries capped at 1.1 average sample intervals, not below zero);
//  - absent/absent_over_time return {labels of the selector's equality matchers} = 1.
//  - limits (Prometheus's --query.max-samples and --query.timeout): every sample a
//    query loads from the store or produces counts against max_samples (an upper
//    bound of Prometheus's peak in-memory count); a QueryBudget carries the count
//    across the steps of a range query and, optionally, a wall-clock deadline.
// Results are deterministic: vectors are sorted by labels. Without a deadline (every
// simulated run) an evaluation never reads a clock.
#pragma once

#include <cstdint>
#include <functional>
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

using Value = std::variant<Scalar, Vector, Matrix>;

struct EvalOptions {
  std::int64_t lookback_ms = 5 * 60 * 1000;  // --query.lookback-delta, default 5m
  std::int64_t max_samples = 50'000'000;     // --query.max-samples, default 50000000
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

// Parses and evaluates; the result is an instant vector or a scalar.
Result<Value> query(const std::string& promql, const SeriesStore& store, std::int64_t t_ms,
                    const EvalOptions& options = {}, QueryBudget* budget = nullptr);

}  // namespace failsim::sim::prometheus
