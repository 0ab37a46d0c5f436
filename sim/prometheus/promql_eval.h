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
// Results are deterministic: vectors are sorted by labels.
#pragma once

#include <cstdint>
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
};

// Evaluates at t_ms. Errors (e.g. many-to-many matching) are execution errors.
Result<Value> evaluate(const Node& expr, const SeriesStore& store, std::int64_t t_ms,
                       const EvalOptions& options = {});

// Parses and evaluates; the result is an instant vector or a scalar.
Result<Value> query(const std::string& promql, const SeriesStore& store, std::int64_t t_ms,
                    const EvalOptions& options = {});

}  // namespace failsim::sim::prometheus
