#include "sim/prometheus/promql_parser.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "sim/prometheus/labels.h"
#include "sim/prometheus/promql_functions.h"

#include "sim/prometheus/promql_lexer.h"

namespace failsim::sim::prometheus {
namespace {

using namespace promql_detail;  // the lexer and its tokens

std::string documented(ValueType t) {
  switch (t) {
    case ValueType::kScalar: return "scalar";
    case ValueType::kVector: return "instant vector";
    case ValueType::kMatrix: return "range vector";
    case ValueType::kString: return "string";
  }
  return "none";
}

std::string plain(ValueType t) {  // ValueType.String()
  switch (t) {
    case ValueType::kScalar: return "scalar";
    case ValueType::kVector: return "vector";
    case ValueType::kMatrix: return "matrix";
    case ValueType::kString: return "string";
  }
  return "none";
}


const char* op_text(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAnd: return "and";
    case BinaryOp::kOr: return "or";
    case BinaryOp::kUnless: return "unless";
    default: return "";
  }
}

class Parser {
 public:
  explicit Parser(std::string_view text) : lex_(text) { advance(); }

  NodePtr parse() {
    if (tok_.kind == Tok::kEnd) throw lex_.error(0, "no expression found in input");
    NodePtr n = expr(0);
    if (tok_.kind != Tok::kEnd) throw unexpected("", "");
    return n;
  }

 private:
  void advance() { tok_ = lex_.next(); }

  // The description of the current token, as Prometheus's Item.desc() gives it.
  std::string describe() const {
    switch (tok_.kind) {
      case Tok::kEnd: return "end of input";
      case Tok::kIdent: return "identifier \"" + tok_.raw + "\"";
      case Tok::kMetricIdent: return "metric identifier \"" + tok_.raw + "\"";
      case Tok::kNumber: return "number \"" + tok_.raw + "\"";
      case Tok::kString: return "string " + go_quote(tok_.text);
      case Tok::kDuration: return "duration \"" + tok_.raw + "\"";
      case Tok::kKeyword:
        if (is_aggregator(tok_.text)) return "<aggr:" + tok_.raw + ">";
        if (tok_.text == "and" || tok_.text == "or" || tok_.text == "unless" || tok_.text == "atan2") return "<op:" + tok_.raw + ">";
        return "<" + tok_.raw + ">";
      case Tok::kLParen: return "(";
      case Tok::kRParen: return ")";
      case Tok::kLBrace: return "{";
      case Tok::kRBrace: return "}";
      case Tok::kLBracket: return "[";
      case Tok::kRBracket: return "]";
      case Tok::kComma: return ",";
      case Tok::kColon: return ":";
      case Tok::kAssign: return "=";
      case Tok::kAt: return "@";
      default: return "<op:" + tok_.raw + ">";
    }
  }
  static std::string go_quote(const std::string& s) {
    std::string out = "\"";
    for (char c : s.substr(0, std::min<std::size_t>(s.size(), 10))) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
    if (s.size() > 10) out += "...";
    return out;
  }

  ParseError unexpected(const std::string& context, const std::string& expected) const {
    std::string m = "unexpected " + describe();
    if (!context.empty()) m += " in " + context;
    if (!expected.empty()) m += ", expected " + expected;
    return lex_.error(tok_.pos, m);
  }
  ParseError at(const Node& n, const std::string& what) const { return lex_.error(n.pos_start, what); }

  bool keyword(const char* k) const { return tok_.kind == Tok::kKeyword && tok_.text == k; }

  struct DepthGuard {
    explicit DepthGuard(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxExpressionDepth) {
        throw p_.lex_.error(p_.tok_.pos, "expression nested too deeply (more than " + std::to_string(kMaxExpressionDepth) + " levels)");
      }
    }
    ~DepthGuard() { --p_.depth_; }
    Parser& p_;
  };

  // A node's height from its children; a tree taller than the limit (e.g. 1+1+1+...)
  // is refused, as evaluation and destruction recurse over it.
  NodePtr finish(NodePtr n) {
    for (const auto& a : n->args) n->height = std::max(n->height, a->height + 1);
    if (n->param) n->height = std::max(n->height, n->param->height + 1);
    if (n->height > kMaxExpressionDepth) {
      throw lex_.error(n->pos_start, "expression nested too deeply (more than " + std::to_string(kMaxExpressionDepth) + " levels)");
    }
    return n;
  }

  // The binary operator at the current token and its precedence (lowest 1); 0: none.
  int binary_precedence(BinaryOp& op) const {
    switch (tok_.kind) {
      case Tok::kPow: op = BinaryOp::kPow; return 6;
      case Tok::kMul: op = BinaryOp::kMul; return 5;
      case Tok::kDiv: op = BinaryOp::kDiv; return 5;
      case Tok::kMod: op = BinaryOp::kMod; return 5;
      case Tok::kAdd: op = BinaryOp::kAdd; return 4;
      case Tok::kSub: op = BinaryOp::kSub; return 4;
      case Tok::kEqlEq: op = BinaryOp::kEq; return 3;
      case Tok::kNeq: op = BinaryOp::kNe; return 3;
      case Tok::kGt: op = BinaryOp::kGt; return 3;
      case Tok::kLt: op = BinaryOp::kLt; return 3;
      case Tok::kGte: op = BinaryOp::kGe; return 3;
      case Tok::kLte: op = BinaryOp::kLe; return 3;
      case Tok::kKeyword:
        if (tok_.text == "atan2") { op = BinaryOp::kAtan2; return 5; }
        if (tok_.text == "and") { op = BinaryOp::kAnd; return 2; }
        if (tok_.text == "unless") { op = BinaryOp::kUnless; return 2; }
        if (tok_.text == "or") { op = BinaryOp::kOr; return 1; }
        return 0;
      default: return 0;
    }
  }

  NodePtr expr(int min_prec) {
    DepthGuard guard(*this);
    NodePtr lhs = unary();
    for (;;) {
      BinaryOp op{};
      const int prec = binary_precedence(op);
      if (prec == 0 || prec < min_prec) return lhs;
      const std::size_t op_pos = tok_.pos;
      advance();
      auto node = std::make_unique<Node>();
      node->kind = Node::Kind::kBinary;
      node->op = op;
      if (keyword("bool")) {
        node->return_bool = true;
        advance();
      }
      if (keyword("on") || keyword("ignoring")) {
        node->has_matching = true;
        node->matching_on = tok_.text == "on";
        advance();
        node->matching = grouping_labels();
        if (keyword("group_left") || keyword("group_right")) {
          node->card = tok_.text == "group_left" ? Cardinality::kManyToOne : Cardinality::kOneToMany;
          advance();
          if (tok_.kind == Tok::kLParen) node->include = grouping_labels();
        }
      }
      NodePtr rhs = expr(op == BinaryOp::kPow ? prec : prec + 1);
      node->pos_start = lhs->pos_start;
      node->pos_end = rhs->pos_end;
      node->args.push_back(std::move(lhs));
      node->args.push_back(std::move(rhs));
      check_binary(*node, op_pos);
      lhs = finish(std::move(node));
    }
  }

  // Prometheus's checkAST for a binary expression.
  void check_binary(Node& n, std::size_t op_pos) {
    const ValueType lt = n.args[0]->type, rt = n.args[1]->type;
    if (n.return_bool && !is_comparison(n.op)) throw lex_.error(op_pos, "bool modifier can only be used on comparison operators");
    if (is_comparison(n.op) && !n.return_bool && lt == ValueType::kScalar && rt == ValueType::kScalar) {
      throw lex_.error(op_pos, "comparisons between scalars must use BOOL modifier");
    }
    if (is_set(n.op) && n.card == Cardinality::kOneToOne) n.card = Cardinality::kManyToMany;
    if (n.matching_on) {
      for (const auto& l : n.matching) {
        if (std::find(n.include.begin(), n.include.end(), l) != n.include.end()) {
          throw lex_.error(op_pos, "label \"" + l + "\" must not occur in ON and GROUP clause at once");
        }
      }
    }
    if (lt != ValueType::kScalar && lt != ValueType::kVector) throw at(*n.args[0], "binary expression must contain only scalar and instant vector types");
    if (rt != ValueType::kScalar && rt != ValueType::kVector) throw at(*n.args[1], "binary expression must contain only scalar and instant vector types");
    if (lt != ValueType::kVector || rt != ValueType::kVector) {
      if (!n.matching.empty()) throw at(n, "vector matching only allowed between instant vectors");
      n.has_matching = false;
      n.card = Cardinality::kOneToOne;
    } else if (is_set(n.op)) {
      if (n.card == Cardinality::kOneToMany || n.card == Cardinality::kManyToOne) {
        throw at(n, std::string("no grouping allowed for \"") + op_text(n.op) + "\" operation");
      }
    }
    if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && is_set(n.op)) {
      throw at(n, std::string("set operator \"") + op_text(n.op) + "\" not allowed in binary scalar expression");
    }
    n.type = lt == ValueType::kScalar && rt == ValueType::kScalar ? ValueType::kScalar : ValueType::kVector;
  }

  NodePtr unary() {
    if (tok_.kind == Tok::kAdd || tok_.kind == Tok::kSub) {
      const bool negate = tok_.kind == Tok::kSub;
      const std::size_t start = tok_.pos;
      advance();
      DepthGuard guard(*this);
      NodePtr operand = expr(6);  // unary binds as * does: only ^ binds tighter
      if (operand->kind == Node::Kind::kNumber && !operand->parenthesized) {
        if (negate) operand->number = -operand->number;
        operand->pos_start = start;
        return operand;
      }
      if (operand->type != ValueType::kScalar && operand->type != ValueType::kVector) {
        throw lex_.error(start, "unary expression only allowed on expressions of type scalar or instant vector, got \"" +
                                    documented(operand->type) + "\"");
      }
      if (!negate) {
        operand->pos_start = start;
        return operand;  // unary plus changes nothing, the metric name included
      }
      auto n = std::make_unique<Node>();
      n->kind = Node::Kind::kNegate;
      n->type = operand->type;
      n->pos_start = start;
      n->pos_end = operand->pos_end;
      n->args.push_back(std::move(operand));
      return finish(std::move(n));
    }
    return postfix(primary());
  }

  // Range and subquery brackets, offset and @ after an operand.
  NodePtr postfix(NodePtr n) {
    for (;;) {
      if (tok_.kind == Tok::kLBracket) {
        n = brackets(std::move(n));
      } else if (keyword("offset")) {
        offset(*n);
      } else if (tok_.kind == Tok::kAt) {
        at_modifier(*n);
      } else {
        return n;
      }
    }
  }

  bool modifiable(const Node& n) const {
    return !n.parenthesized && (n.kind == Node::Kind::kVectorSelector || n.kind == Node::Kind::kMatrixSelector ||
                                n.kind == Node::Kind::kSubquery);
  }

  std::int64_t duration() {
    if (tok_.kind != Tok::kDuration) throw unexpected("", "duration");
    const auto d = parse_prom_duration(tok_.text);
    if (!d) throw lex_.error(tok_.pos, "not a valid duration string: \"" + tok_.text + "\"");
    advance();
    return *d;
  }

  NodePtr brackets(NodePtr inner) {
    const std::size_t open = tok_.pos;
    advance();
    if (tok_.kind != Tok::kDuration) throw unexpected("", "duration");
    const std::size_t range_pos = tok_.pos;
    const std::int64_t range = duration();
    if (tok_.kind == Tok::kColon) {
      advance();
      std::int64_t step = 0;
      if (tok_.kind == Tok::kDuration) step = duration();
      if (tok_.kind != Tok::kRBracket) throw unexpected("subquery selector", step == 0 ? "duration or \"]\"" : "\"]\"");
      auto n = std::make_unique<Node>();
      n->kind = Node::Kind::kSubquery;
      n->type = ValueType::kMatrix;
      n->range_ms = range;
      n->step_ms = step;
      n->pos_start = inner->pos_start;
      n->pos_end = tok_.end;
      advance();
      if (inner->type != ValueType::kVector) {
        throw at(*n, "subquery is only allowed on instant vector, got " + plain(inner->type) + " instead");
      }
      n->args.push_back(std::move(inner));
      return finish(std::move(n));
    }
    if (tok_.kind != Tok::kRBracket) throw unexpected("range", "\"]\" or \":\"");
    const std::size_t close_end = tok_.end;
    advance();
    if (inner->kind != Node::Kind::kVectorSelector || inner->parenthesized) {
      throw lex_.error(open, "ranges only allowed for vector selectors");
    }
    if (inner->offset_ms != 0) throw lex_.error(open, "no offset modifiers allowed before range");
    if (inner->at != AtKind::kNone) throw lex_.error(open, "no @ modifiers allowed before range");
    if (range <= 0) throw lex_.error(range_pos, "range must be greater than 0");
    inner->kind = Node::Kind::kMatrixSelector;
    inner->type = ValueType::kMatrix;
    inner->range_ms = range;
    inner->pos_end = close_end;
    return inner;
  }

  void offset(Node& n) {
    advance();
    bool negative = false;
    if (tok_.kind == Tok::kSub) {
      negative = true;
      advance();
    }
    if (tok_.kind != Tok::kDuration) throw unexpected("offset", "duration");
    const std::int64_t d = duration();
    if (!modifiable(n)) throw at(n, "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery");
    if (n.offset_ms != 0) throw at(n, "offset may not be set multiple times");
    n.offset_ms = negative ? -d : d;
  }

  void at_modifier(Node& n) {
    advance();
    AtKind kind = AtKind::kTime;
    double seconds = 0;
    if (keyword("start") || keyword("end")) {
      kind = tok_.text == "start" ? AtKind::kStart : AtKind::kEnd;
      advance();
      if (tok_.kind != Tok::kLParen) throw unexpected("@", "timestamp");
      advance();
      if (tok_.kind != Tok::kRParen) throw unexpected("@", "\")\"");
      advance();
    } else {
      double sign = 1;
      if (tok_.kind == Tok::kAdd || tok_.kind == Tok::kSub) {
        sign = tok_.kind == Tok::kSub ? -1 : 1;
        advance();
      }
      if (tok_.kind != Tok::kNumber) throw unexpected("@", "timestamp");
      seconds = sign * number_value(tok_.text);
      advance();
      if (std::isinf(seconds) || std::isnan(seconds) || seconds >= 9.223372036854775807e18 || seconds <= -9.223372036854775807e18) {
        throw at(n, "timestamp out of bounds for @ modifier: " + std::to_string(seconds));
      }
    }
    if (!modifiable(n)) throw at(n, "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery");
    if (n.at != AtKind::kNone) throw at(n, "@ <timestamp> may not be set multiple times");
    n.at = kind;
    if (kind == AtKind::kTime) {
      // Go's int64(math.Round(ts * 1000)); kept within 2^61 ms so that offsets and ranges
      // cannot overflow (no data lies that far either way).
      n.at_ms = static_cast<std::int64_t>(std::clamp(std::round(seconds * 1000.0), -2.305843009213694e18, 2.305843009213694e18));
    }
  }

  // Prometheus's number(): an integer in Go syntax (0x.., 0.. octal) or a float.
  static double number_value(const std::string& s) {
    std::string lower = s;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char ch) { return std::tolower(ch); });
    if (lower == "inf" || lower == "+inf") return std::numeric_limits<double>::infinity();
    if (lower == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (lower.size() > 2 && lower[0] == '0' && lower[1] == 'x') {
      errno = 0;
      const unsigned long long v = std::strtoull(lower.c_str() + 2, nullptr, 16);
      if (errno == 0 && v <= static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max())) return static_cast<double>(v);
      return std::strtod(lower.c_str(), nullptr);
    }
    if (lower.size() > 1 && lower[0] == '0' && lower.find_first_not_of("01234567") == std::string::npos) {
      return static_cast<double>(std::strtoll(lower.c_str(), nullptr, 8));
    }
    return std::strtod(lower.c_str(), nullptr);
  }

  NodePtr primary() {
    auto leaf = [&](Node::Kind kind, ValueType type) {
      auto n = std::make_unique<Node>();
      n->kind = kind;
      n->type = type;
      n->pos_start = tok_.pos;
      n->pos_end = tok_.end;
      return n;
    };
    switch (tok_.kind) {
      case Tok::kNumber: {
        auto n = leaf(Node::Kind::kNumber, ValueType::kScalar);
        n->number = number_value(tok_.text);
        advance();
        return n;
      }
      case Tok::kString: {
        auto n = leaf(Node::Kind::kString, ValueType::kString);
        n->text = tok_.text;
        advance();
        return n;
      }
      case Tok::kLParen: {
        const std::size_t start = tok_.pos;
        advance();
        NodePtr inner = expr(0);
        if (tok_.kind != Tok::kRParen) throw unexpected("paren expression", "\")\"");
        inner->parenthesized = true;
        inner->pos_start = start;
        inner->pos_end = tok_.end;
        advance();
        return inner;
      }
      case Tok::kLBrace: return selector("", tok_.pos);
      case Tok::kIdent:
      case Tok::kMetricIdent: {
        Token name = tok_;
        advance();
        if (name.kind == Tok::kIdent && tok_.kind == Tok::kLParen) return call(name);
        return selector(name.raw, name.pos);
      }
      case Tok::kKeyword: {
        Token kw = tok_;
        advance();
        if (is_aggregator(kw.text) && (tok_.kind == Tok::kLParen || keyword("by") || keyword("without"))) {
          return aggregation(kw);
        }
        static const char* kMetricKeywords[] = {"avg", "bottomk", "by", "count", "count_values", "group", "and", "or",
                                                "unless", "max", "min", "offset", "quantile", "stddev", "stdvar",
                                                "sum", "topk", "without", "start", "end"};
        if (std::any_of(std::begin(kMetricKeywords), std::end(kMetricKeywords), [&](const char* k) { return kw.text == k; })) {
          return selector(kw.raw, kw.pos);
        }
        tok_ = kw;
        throw unexpected("", "");
      }
      case Tok::kEnd: throw unexpected("", "");
      default: throw unexpected("", "");
    }
  }

  std::vector<NodePtr> call_args() {
    std::vector<NodePtr> args;
    if (tok_.kind != Tok::kLParen) throw unexpected("", "\"(\"");
    advance();
    while (tok_.kind != Tok::kRParen) {
      args.push_back(expr(0));
      if (tok_.kind == Tok::kComma) {
        advance();
        continue;
      }
      if (tok_.kind != Tok::kRParen) throw unexpected("function call", "\",\" or \")\"");
    }
    return args;
  }

  NodePtr call(const Token& name) {
    const FunctionSignature* f = find_promql_function(name.raw);
    if (f == nullptr) throw lex_.error(name.pos, "unknown function with name \"" + name.raw + "\"");
    auto n = std::make_unique<Node>();
    n->kind = Node::Kind::kCall;
    n->function = name.raw;
    n->type = f->result;
    n->pos_start = name.pos;
    n->args = call_args();
    n->pos_end = tok_.end;
    advance();  // ")"
    const std::size_t declared = f->args.size();
    const std::size_t given = n->args.size();
    if (f->variadic == 0) {
      if (given != declared) {
        throw at(*n, "expected " + std::to_string(declared) + " argument(s) in call to \"" + n->function + "\", got " + std::to_string(given));
      }
    } else {
      const std::size_t least = declared - 1;
      if (given < least) {
        throw at(*n, "expected at least " + std::to_string(least) + " argument(s) in call to \"" + n->function + "\", got " + std::to_string(given));
      }
      if (f->variadic > 0 && given > least + static_cast<std::size_t>(f->variadic)) {
        throw at(*n, "expected at most " + std::to_string(least + static_cast<std::size_t>(f->variadic)) +
                         " argument(s) in call to \"" + n->function + "\", got " + std::to_string(given));
      }
    }
    for (std::size_t i = 0; i < given; ++i) {
      const ValueType want = f->args[std::min(i, declared - 1)];
      expect_type(*n->args[i], want, "call to function \"" + n->function + "\"");
    }
    return finish(std::move(n));
  }

  void expect_type(const Node& n, ValueType want, const std::string& context) const {
    if (n.type != want) {
      throw at(n, "expected type " + documented(want) + " in " + context + ", got " + documented(n.type));
    }
  }

  std::vector<std::string> grouping_labels() {
    if (tok_.kind != Tok::kLParen) throw unexpected("grouping opts", "\"(\"");
    advance();
    std::vector<std::string> labels;
    while (tok_.kind != Tok::kRParen) {
      if (!(tok_.kind == Tok::kIdent || tok_.kind == Tok::kKeyword) || !is_valid_label_name(tok_.raw)) {
        throw unexpected("grouping opts", "label");
      }
      labels.push_back(tok_.raw);
      advance();
      if (tok_.kind == Tok::kComma) {
        advance();
        continue;
      }
      if (tok_.kind != Tok::kRParen) throw unexpected("grouping opts", "\",\" or \")\"");
    }
    advance();
    return labels;
  }

  NodePtr aggregation(const Token& op) {
    auto n = std::make_unique<Node>();
    n->kind = Node::Kind::kAggregate;
    n->type = ValueType::kVector;
    n->pos_start = op.pos;
    static const std::pair<const char*, AggregateOp> kOps[] = {
        {"sum", AggregateOp::kSum}, {"min", AggregateOp::kMin}, {"max", AggregateOp::kMax},
        {"avg", AggregateOp::kAvg}, {"count", AggregateOp::kCount}, {"group", AggregateOp::kGroup},
        {"stddev", AggregateOp::kStddev}, {"stdvar", AggregateOp::kStdvar}, {"topk", AggregateOp::kTopk},
        {"bottomk", AggregateOp::kBottomk}, {"count_values", AggregateOp::kCountValues}, {"quantile", AggregateOp::kQuantile}};
    for (const auto& [name, value] : kOps) {
      if (op.text == name) n->aggregate = value;
    }
    bool modifier = false;
    auto maybe_modifier = [&] {
      if (keyword("by") || keyword("without")) {
        n->without = tok_.text == "without";
        advance();
        n->grouping = grouping_labels();
        modifier = true;
      }
    };
    maybe_modifier();
    std::vector<NodePtr> args = call_args();
    n->pos_end = tok_.end;
    advance();
    if (!modifier) maybe_modifier();
    if (args.empty()) throw at(*n, "no arguments for aggregate expression provided");
    const bool with_param = n->aggregate == AggregateOp::kTopk || n->aggregate == AggregateOp::kBottomk ||
                            n->aggregate == AggregateOp::kCountValues || n->aggregate == AggregateOp::kQuantile;
    const std::size_t want = with_param ? 2 : 1;
    if (args.size() != want) {
      throw at(*n, "wrong number of arguments for aggregate expression provided, expected " + std::to_string(want) +
                       ", got " + std::to_string(args.size()));
    }
    if (with_param) n->param = std::move(args[0]);
    n->args.push_back(std::move(args.back()));
    expect_type(*n->args[0], ValueType::kVector, "aggregation expression");
    if (with_param) {
      expect_type(*n->param, n->aggregate == AggregateOp::kCountValues ? ValueType::kString : ValueType::kScalar,
                  "aggregation parameter");
    }
    return finish(std::move(n));
  }

  NodePtr selector(const std::string& metric, std::size_t start) {
    auto n = std::make_unique<Node>();
    n->kind = Node::Kind::kVectorSelector;
    n->type = ValueType::kVector;
    n->pos_start = start;
    n->pos_end = start + metric.size();
    if (tok_.kind == Tok::kLBrace) {
      advance();
      while (tok_.kind != Tok::kRBrace) {
        if (tok_.kind != Tok::kIdent) throw unexpected("label matching", "identifier or \"}\"");
        Matcher m;
        m.name = tok_.raw;
        advance();
        switch (tok_.kind) {
          case Tok::kAssign: m.op = Matcher::Op::kEq; break;
          case Tok::kNeq: m.op = Matcher::Op::kNe; break;
          case Tok::kRegexMatch: m.op = Matcher::Op::kRe; break;
          case Tok::kRegexNoMatch: m.op = Matcher::Op::kNre; break;
          default: throw unexpected("label matching", "label matching operator");
        }
        advance();
        if (tok_.kind != Tok::kString) throw unexpected("label matching", "string");
        m.value = tok_.text;
        if (m.op == Matcher::Op::kRe || m.op == Matcher::Op::kNre) {
          RE2::Options options;
          options.set_log_errors(false);
          options.set_dot_nl(true);  // Go's regexp in Prometheus: (?s)
          auto re = std::make_shared<const RE2>("^(?:" + m.value + ")$", options);
          if (!re->ok()) throw lex_.error(tok_.pos, "error parsing regexp: " + re->error());
          m.regex = std::move(re);
        }
        n->matchers.push_back(std::move(m));
        advance();
        if (tok_.kind == Tok::kComma) {
          advance();
          continue;
        }
        if (tok_.kind != Tok::kRBrace) throw unexpected("label matching", "\",\" or \"}\"");
      }
      n->pos_end = tok_.end;
      advance();
    }
    if (!metric.empty()) {
      for (const auto& m : n->matchers) {
        if (m.name == kMetricNameLabel) {
          throw at(*n, "metric name must not be set twice: \"" + metric + "\" or \"" + m.value + "\"");
        }
      }
      n->matchers.push_back(Matcher{std::string(kMetricNameLabel), Matcher::Op::kEq, metric, nullptr});
    } else {
      // Prometheus: a selector must contain at least one matcher that does not match "".
      const bool non_empty = std::any_of(n->matchers.begin(), n->matchers.end(), [](const Matcher& m) {
        switch (m.op) {
          case Matcher::Op::kEq: return !m.value.empty();
          case Matcher::Op::kNe: return m.value.empty();
          case Matcher::Op::kRe: return !RE2::FullMatch("", *m.regex);
          case Matcher::Op::kNre: return RE2::FullMatch("", *m.regex);
        }
        return false;
      });
      if (!non_empty) throw at(*n, "vector selector must contain at least one non-empty matcher");
    }
    return n;
  }

  static constexpr std::string_view kMetricNameLabel = "__name__";

  Lexer lex_;
  Token tok_;
  int depth_ = 0;
};

}  // namespace

Result<NodePtr> parse_promql(std::string_view text) {
  try {
    Parser p(text);
    return Result<NodePtr>::ok(p.parse());
  } catch (const ParseError& e) {
    return Result<NodePtr>::error(e.what());
  }
}

}  // namespace failsim::sim::prometheus
