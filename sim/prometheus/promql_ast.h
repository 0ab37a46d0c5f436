// The syntax tree of PromQL as Prometheus 2.42 parses it (see promql_parser.h).
// A node knows its value type (Prometheus's checkAST has already passed) and the
// byte range of the input it came from, for error messages.
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
  kAdd, kSub, kMul, kDiv, kMod, kPow, kAtan2,  // arithmetic
  kEq, kNe, kGt, kLt, kGe, kLe,                // comparison
  kAnd, kOr, kUnless,                          // set
};
inline bool is_comparison(BinaryOp op) { return op >= BinaryOp::kEq && op <= BinaryOp::kLe; }
inline bool is_set(BinaryOp op) { return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kUnless; }

enum class AggregateOp { kSum, kMin, kMax, kAvg, kCount, kGroup, kStddev, kStdvar, kTopk, kBottomk, kCountValues, kQuantile };

// Prometheus's value types (parser.ValueType).
enum class ValueType { kScalar, kVector, kMatrix, kString };

// Vector matching cardinality (parser.VectorMatching.Card).
enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

// Where an @ modifier pins a selector or subquery.
enum class AtKind { kNone, kTime, kStart, kEnd };

// Deepest expression the parser accepts (nested parentheses, unary minus, operands):
// evaluation and destruction recurse over the tree.
inline constexpr int kMaxExpressionDepth = 256;

struct Node {
  enum class Kind { kNumber, kString, kVectorSelector, kMatrixSelector, kSubquery, kCall, kAggregate, kBinary, kNegate };
  Kind kind;
  ValueType type = ValueType::kScalar;
  bool parenthesized = false;               // written inside (...)
  std::size_t pos_start = 0, pos_end = 0;  // byte range in the input

  double number = 0.0;   // kNumber
  std::string text;      // kString: the unquoted value

  // kVectorSelector / kMatrixSelector (the metric name is an "__name__" matcher)
  std::vector<Matcher> matchers;
  std::int64_t range_ms = 0;  // kMatrixSelector, kSubquery
  std::int64_t step_ms = 0;   // kSubquery: 0 = the default (the evaluation interval)
  // kVectorSelector, kMatrixSelector, kSubquery
  std::int64_t offset_ms = 0;
  AtKind at = AtKind::kNone;
  std::int64_t at_ms = 0;  // AtKind::kTime

  std::string function;        // kCall
  std::vector<NodePtr> args;   // kCall; kAggregate/kNegate/kSubquery use args[0]; kBinary args[0], args[1]

  AggregateOp aggregate = AggregateOp::kSum;  // kAggregate
  NodePtr param;                              // kAggregate: topk/bottomk/quantile/count_values
  bool without = false;                       // kAggregate: by (false) or without (true)
  std::vector<std::string> grouping;          // kAggregate

  BinaryOp op = BinaryOp::kAdd;         // kBinary
  bool return_bool = false;             // kBinary: comparison with `bool`
  bool has_matching = false;            // kBinary: on(...) or ignoring(...) given
  bool matching_on = false;             // kBinary: on (true) or ignoring (false)
  std::vector<std::string> matching;    // kBinary
  Cardinality card = Cardinality::kOneToOne;  // kBinary between vectors
  std::vector<std::string> include;     // kBinary: group_left/group_right labels
  int height = 1;                       // levels of this subtree (a leaf: 1)
};

}  // namespace failsim::sim::prometheus
