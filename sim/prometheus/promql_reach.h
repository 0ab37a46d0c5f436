// How far back in time an expression can read samples, so a store may forget what no
// evaluation can see again (PrometheusConfig::sample_horizon).
#pragma once

#include <cstdint>
#include <optional>

#include "sim/prometheus/promql_ast.h"

namespace failsim::sim::prometheus {

// The furthest an evaluation at t reads before t, leaving out the lookback delta: a
// range selector reaches its range plus its offset; a subquery its range plus its
// offset plus how far its inner expression reaches; anything else the most of its
// parts. nullopt when the reach is not bounded by the expression (an @ modifier pins
// a selector to a time of its own).
std::optional<std::int64_t> reach_ms(const Node& expr);

}  // namespace failsim::sim::prometheus
