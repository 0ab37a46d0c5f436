// The syntax tree of failsim's PromQL subset (see promql_parser.h for the grammar).
#pragma once

#include <re2/re2.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace failsim::sim::prometheus {

struct Matcher {
  enum class Op { kEq, kNe, kRe, kNre };
  std::string name;
  Op op = Op::kEq;
  std::string value;
  // kRe / kNre: the value compiled once, anchored as Prometheus 2.42 anchors it
  // ("^(?:" + value + ")$", Go's RE2 syntax), linear-time (RE2). Set by the parser.
  std::shared_ptr<const re2::RE2> regex;
};

struct Node;
using NodePtr = std::unique_ptr<Node>;

enum class BinaryOp {
  kAdd, kSub, kMul, kDiv, kMod, kPow,         // arithmetic
  kEq, kNe, kGt, kLt, kGe, kLe,               // comparison
  kAnd, kOr, kUnless,                         // set
};

enum class AggregateOp { kSum, kMin, kMax, kAvg, kCount };

// Deepest expression the parser accepts (nested parentheses, unary minus, operands):
// evaluation and destruction recurse over the tree.
inline constexpr int kMaxExpressionDepth = 256;

struct Node {
  enum class Kind { kNumber, kVectorSelector, kMatrixSelector, kCall, kAggregate, kBinary, kNegate };
  Kind kind;

  double number = 0.0;  // kNumber

  // kVectorSelector / kMatrixSelector (the metric name is an "__name__" matcher)
  std::vector<Matcher> matchers;
  std::int64_t range_ms = 0;  // kMatrixSelector

  std::string function;        // kCall
  std::vector<NodePtr> args;   // kCall; kAggregate/kNegate use args[0]; kBinary args[0], args[1]

  AggregateOp aggregate = AggregateOp::kSum;  // kAggregate
  bool without = false;                       // kAggregate: by (false) or without (true)
  std::vector<std::string> grouping;          // kAggregate

  BinaryOp op = BinaryOp::kAdd;         // kBinary
  bool return_bool = false;             // kBinary: comparison with `bool`
  bool has_matching = false;            // kBinary: on(...) or ignoring(...) given
  bool matching_on = false;             // kBinary: on (true) or ignoring (false)
  std::vector<std::string> matching;    // kBinary
  int height = 1;                       // levels of this subtree (a leaf: 1)
};

}  // namespace failsim::sim::prometheus
