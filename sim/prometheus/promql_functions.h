// The functions of Prometheus 2.42's PromQL (promql/parser/functions.go): name,
// argument types, how many arguments may follow the declared ones (variadic: 0 =
// none, k > 0 = up to k optional, -1 = any number), and the result type. The parser
// checks calls against this table; the evaluator implements every entry.
#pragma once

#include <string_view>
#include <vector>

#include "sim/prometheus/promql_ast.h"

namespace failsim::sim::prometheus {

struct FunctionSignature {
  std::string_view name;
  std::vector<ValueType> args;
  int variadic = 0;
  ValueType result = ValueType::kVector;
};

// Every function, sorted by name.
const std::vector<FunctionSignature>& promql_functions();
// The function called `name` (case-sensitive, as in Prometheus), or null.
const FunctionSignature* find_promql_function(std::string_view name);

}  // namespace failsim::sim::prometheus
