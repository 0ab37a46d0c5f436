// A parser for failsim's PromQL subset, enough for runner alert rules and health-gate
// queries. Anything outside the subset is an error that names it, never a wrong answer.
//
// Supported
//   number literals (incl. Inf, NaN), durations inside [..]
//   instant selectors   name{l="v", l!="v", l=~"re", l!~"re"}, {__name__="x"}
//   range selectors     name{...}[5m]
//   unary minus; arithmetic + - * / % ^; comparisons == != > < >= <= with optional `bool`;
//   and, or, unless; vector matching with on(...) / ignoring(...) (one-to-one)
//   aggregations        sum, min, max, avg, count with by (...) / without (...), before or
//                       after the argument
//   functions           rate, increase, avg_over_time, min_over_time, max_over_time,
//                       sum_over_time, count_over_time, last_over_time, absent,
//                       absent_over_time, time
// Precedence, lowest first: or; and unless; comparisons; + -; * / %; ^ (right-assoc).
//
// Rejected with a message naming the construct: offset, @, subqueries, group_left /
// group_right, string literals, other aggregations and functions.
//
// Errors read like Prometheus's: "1:14: parse error: unexpected end of input".
#pragma once

#include <string_view>

#include "failover/result.h"
#include "sim/prometheus/promql_ast.h"

namespace failsim::sim::prometheus {

Result<NodePtr> parse_promql(std::string_view text);

}  // namespace failsim::sim::prometheus
