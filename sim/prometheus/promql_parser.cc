#include "sim/prometheus/promql_parser.h"

#include <algorithm>
#include <cctype>
#include <memory>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>

#include "failover/duration.h"

namespace failsim::sim::prometheus {
namespace {

struct ParseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class Tok {
  kEnd, kIdent, kNumber, kString, kDuration,
  kLParen, kRParen, kLBrace, kRBrace, kLBracket, kRBracket, kComma,
  kAdd, kSub, kMul, kDiv, kMod, kPow,
  kEqlEq, kNeq, kGt, kLt, kGte, kLte, kAssign, kRegexMatch, kRegexNoMatch,
  kAt,
};

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;
  std::size_t pos = 0;  // 0-based offset
};

class Lexer {
 public:
  explicit Lexer(std::string_view s) : s_(s) {}

  // `in_brackets`: a duration is expected (inside [...]).
  Token next(bool in_brackets) {
    for (;;) {  // spaces and comments (to end of line), however many lines of them
      while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
      if (i_ >= s_.size() || s_[i_] != '#') break;
      while (i_ < s_.size() && s_[i_] != '\n') ++i_;
    }
    Token t;
    t.pos = i_;
    if (i_ >= s_.size()) return t;
    const char c = s_[i_];
    auto one = [&](Tok k) {
      t.kind = k;
      t.text = std::string(1, c);
      ++i_;
      return t;
    };
    auto two = [&](Tok k) {
      t.kind = k;
      t.text = std::string(s_.substr(i_, 2));
      i_ += 2;
      return t;
    };
    const char n = i_ + 1 < s_.size() ? s_[i_ + 1] : '\0';
    if (in_brackets && std::isdigit(static_cast<unsigned char>(c))) {
      std::size_t j = i_;
      while (j < s_.size() && std::isalnum(static_cast<unsigned char>(s_[j]))) ++j;
      t.kind = Tok::kDuration;
      t.text = std::string(s_.substr(i_, j - i_));
      i_ = j;
      return t;
    }
    switch (c) {
      case '(': return one(Tok::kLParen);
      case ')': return one(Tok::kRParen);
      case '{': return one(Tok::kLBrace);
      case '}': return one(Tok::kRBrace);
      case '[': return one(Tok::kLBracket);
      case ']': return one(Tok::kRBracket);
      case ',': return one(Tok::kComma);
      case '+': return one(Tok::kAdd);
      case '-': return one(Tok::kSub);
      case '*': return one(Tok::kMul);
      case '/': return one(Tok::kDiv);
      case '%': return one(Tok::kMod);
      case '^': return one(Tok::kPow);
      case '@': return one(Tok::kAt);
      case '=':
        if (n == '=') return two(Tok::kEqlEq);
        if (n == '~') return two(Tok::kRegexMatch);
        return one(Tok::kAssign);
      case '!':
        if (n == '=') return two(Tok::kNeq);
        if (n == '~') return two(Tok::kRegexNoMatch);
        throw error(i_, "unexpected character '!'");
      case '>':
        if (n == '=') return two(Tok::kGte);
        return one(Tok::kGt);
      case '<':
        if (n == '=') return two(Tok::kLte);
        return one(Tok::kLt);
      case '"':
      case '\'':
      case '`':
        return string_literal(c);
      default:
        break;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || (c == '.' && std::isdigit(static_cast<unsigned char>(n)))) {
      std::size_t j = i_;
      if (c == '0' && (n == 'x' || n == 'X')) {
        j += 2;
        while (j < s_.size() && std::isxdigit(static_cast<unsigned char>(s_[j]))) ++j;
      } else {
        while (j < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[j])) || s_[j] == '.')) ++j;
        if (j < s_.size() && (s_[j] == 'e' || s_[j] == 'E')) {
          ++j;
          if (j < s_.size() && (s_[j] == '+' || s_[j] == '-')) ++j;
          while (j < s_.size() && std::isdigit(static_cast<unsigned char>(s_[j]))) ++j;
        }
      }
      if (j < s_.size() && std::isalpha(static_cast<unsigned char>(s_[j]))) {
        throw error(i_, "a duration such as \"" + std::string(s_.substr(i_, j - i_ + 1)) +
                            "...\" is only allowed inside [...] (offset and durations as numbers are not supported)");
      }
      t.kind = Tok::kNumber;
      t.text = std::string(s_.substr(i_, j - i_));
      i_ = j;
      return t;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':') {
      std::size_t j = i_;
      while (j < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[j])) || s_[j] == '_' || s_[j] == ':')) ++j;
      t.kind = Tok::kIdent;
      t.text = std::string(s_.substr(i_, j - i_));
      i_ = j;
      return t;
    }
    throw error(i_, std::string("unexpected character '") + c + "'");
  }

  ParseError error(std::size_t pos, const std::string& what) const {
    // Prometheus reports line:column (1-based).
    std::size_t line = 1;
    std::size_t col = 1;
    for (std::size_t k = 0; k < pos && k < s_.size(); ++k) {
      if (s_[k] == '\n') {
        ++line;
        col = 1;
      } else {
        ++col;
      }
    }
    return ParseError(std::to_string(line) + ":" + std::to_string(col) + ": parse error: " + what);
  }

 private:
  Token string_literal(char quote) {
    Token t;
    t.kind = Tok::kString;
    t.pos = i_;
    ++i_;
    while (i_ < s_.size() && s_[i_] != quote) {
      char c = s_[i_];
      if (c == '\\' && quote != '`' && i_ + 1 < s_.size()) {
        ++i_;
        const char e = s_[i_];
        switch (e) {
          case 'n': c = '\n'; break;
          case 't': c = '\t'; break;
          case '\\': c = '\\'; break;
          case '"': c = '"'; break;
          case '\'': c = '\''; break;
          default:
            // Regex escapes such as \. pass through unchanged.
            t.text += '\\';
            c = e;
            break;
        }
      }
      t.text += c;
      ++i_;
    }
    if (i_ >= s_.size()) throw error(t.pos, "unterminated quoted string");
    ++i_;
    return t;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

bool is_keyword(const std::string& s) {
  return s == "and" || s == "or" || s == "unless" || s == "by" || s == "without" || s == "on" ||
         s == "ignoring" || s == "bool" || s == "offset" || s == "group_left" || s == "group_right";
}

class Parser {
 public:
  explicit Parser(std::string_view text) : lex_(text) { advance(); }

  NodePtr parse() {
    NodePtr n = expr(0);
    if (tok_.kind != Tok::kEnd) throw unexpected();
    return n;
  }

 private:
  void advance(bool in_brackets = false) { tok_ = lex_.next(in_brackets); }

  ParseError unexpected() const {
    if (tok_.kind == Tok::kEnd) return lex_.error(tok_.pos, "unexpected end of input");
    return lex_.error(tok_.pos, "unexpected \"" + tok_.text + "\"");
  }
  ParseError unsupported(const std::string& what) const {
    return lex_.error(tok_.pos, what + " is not supported by failsim's PromQL subset");
  }
  void expect(Tok kind, const char* what) {
    if (tok_.kind != kind) {
      if (tok_.kind == Tok::kEnd) throw lex_.error(tok_.pos, std::string("unexpected end of input, expected ") + what);
      throw lex_.error(tok_.pos, "unexpected \"" + tok_.text + "\", expected " + what);
    }
  }

  // Binary operator at the current token, with its precedence; -1 when none.
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
      case Tok::kIdent:
        if (tok_.text == "and") { op = BinaryOp::kAnd; return 2; }
        if (tok_.text == "unless") { op = BinaryOp::kUnless; return 2; }
        if (tok_.text == "or") { op = BinaryOp::kOr; return 1; }
        if (tok_.text == "atan2") return -2;
        return -1;
      default:
        return -1;
    }
  }

  // Counts the parser's recursion (parentheses, unary operators, right-associative ^),
  // so no input can exhaust the stack.
  struct DepthGuard {
    DepthGuard(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxExpressionDepth) {
        throw p_.lex_.error(p_.tok_.pos, "expression nested too deeply (more than " + std::to_string(kMaxExpressionDepth) + " levels)");
      }
    }
    ~DepthGuard() { --p_.depth_; }
    Parser& p_;
  };
  // A node's height from its children; a tree taller than the limit (e.g. 1+1+1+... a
  // thousand times, built by the loop in expr) is rejected like deep nesting.
  void seal(Node& n) const {
    for (const auto& a : n.args) n.height = std::max(n.height, a->height + 1);
    if (n.height > kMaxExpressionDepth) {
      throw lex_.error(tok_.pos, "expression nested too deeply (more than " + std::to_string(kMaxExpressionDepth) + " levels)");
    }
  }

  NodePtr expr(int min_prec) {
    DepthGuard guard(*this);
    NodePtr lhs = unary();
    for (;;) {
      BinaryOp op{};
      const int prec = binary_precedence(op);
      if (prec == -2) throw unsupported("the atan2 operator");
      if (prec < 0 || prec < min_prec) return lhs;
      advance();
      auto node = std::make_unique<Node>();
      node->kind = Node::Kind::kBinary;
      node->op = op;
      if (tok_.kind == Tok::kIdent && tok_.text == "bool") {
        if (prec != 3) throw lex_.error(tok_.pos, "bool modifier can only be used on comparison operators");
        node->return_bool = true;
        advance();
      }
      if (tok_.kind == Tok::kIdent && (tok_.text == "on" || tok_.text == "ignoring")) {
        node->has_matching = true;
        node->matching_on = tok_.text == "on";
        advance();
        node->matching = label_list();
      }
      if (tok_.kind == Tok::kIdent && (tok_.text == "group_left" || tok_.text == "group_right")) {
        throw unsupported(tok_.text + " (many-to-one matching)");
      }
      // ^ is right-associative; everything else left-associative.
      NodePtr rhs = expr(op == BinaryOp::kPow ? prec : prec + 1);
      node->args.push_back(std::move(lhs));
      node->args.push_back(std::move(rhs));
      seal(*node);
      lhs = std::move(node);
    }
  }

  NodePtr unary() {
    if (tok_.kind == Tok::kSub || tok_.kind == Tok::kAdd) {
      const bool negate = tok_.kind == Tok::kSub;
      const std::size_t sign_pos = tok_.pos;
      advance();
      // Unary minus binds looser than ^: -2^2 is -(2^2).
      NodePtr operand = expr(6);
      if (operand->kind == Node::Kind::kMatrixSelector) {  // promql/parser/parse.go checkAST
        throw lex_.error(sign_pos,
                         "unary expression only allowed on expressions of type scalar or instant vector, got \"range vector\"");
      }
      if (!negate) return operand;
      if (operand->kind == Node::Kind::kNumber) {
        operand->number = -operand->number;
        return operand;
      }
      auto node = std::make_unique<Node>();
      node->kind = Node::Kind::kNegate;
      node->args.push_back(std::move(operand));
      seal(*node);
      return node;
    }
    return postfix(primary());
  }

  NodePtr postfix(NodePtr n) {
    if (tok_.kind == Tok::kLBracket) {
      if (n->kind != Node::Kind::kVectorSelector) {
        throw unsupported("a subquery or range of a non-selector expression");
      }
      advance(/*in_brackets=*/true);
      expect(Tok::kDuration, "a duration such as 5m");
      const auto d = parse_duration(tok_.text);
      if (!d) throw lex_.error(tok_.pos, d.error());
      const Token dur = tok_;
      advance(true);
      if (tok_.kind != Tok::kRBracket) {
        if (!tok_.text.empty() && tok_.text[0] == ':') throw unsupported("a subquery");
        expect(Tok::kRBracket, "\"]\"");
      }
      advance();
      n->kind = Node::Kind::kMatrixSelector;
      n->range_ms = d.value().count() / 1000;
      if (n->range_ms <= 0) throw lex_.error(dur.pos, "range must be greater than 0");
    }
    if (tok_.kind == Tok::kIdent && tok_.text == "offset") throw unsupported("the offset modifier");
    if (tok_.kind == Tok::kAt) throw unsupported("the @ modifier");
    return n;
  }

  NodePtr primary() {
    switch (tok_.kind) {
      case Tok::kNumber: {
        auto n = std::make_unique<Node>();
        n->kind = Node::Kind::kNumber;
        n->number = std::strtod(tok_.text.c_str(), nullptr);
        advance();
        return n;
      }
      case Tok::kString:
        throw unsupported("a string literal");
      case Tok::kLParen: {
        advance();
        NodePtr inner = expr(0);
        expect(Tok::kRParen, "\")\"");
        advance();
        return inner;
      }
      case Tok::kLBrace:
        return selector(std::string());
      case Tok::kIdent:
        return identifier();
      default:
        throw unexpected();
    }
  }

  NodePtr identifier() {
    const Token name = tok_;
    if (name.text == "Inf" || name.text == "inf" || name.text == "NaN" || name.text == "nan") {
      advance();
      auto n = std::make_unique<Node>();
      n->kind = Node::Kind::kNumber;
      n->number = (name.text[0] == 'I' || name.text[0] == 'i') ? std::numeric_limits<double>::infinity()
                                                               : std::numeric_limits<double>::quiet_NaN();
      return n;
    }
    if (is_keyword(name.text)) throw unexpected();
    advance();
    static const char* kAggregations[] = {"sum", "min", "max", "avg", "count"};
    static const char* kOtherAggregations[] = {"stddev", "stdvar", "topk", "bottomk", "count_values",
                                               "quantile", "group"};
    for (const char* a : kAggregations) {
      if (name.text == a && (tok_.kind == Tok::kLParen || (tok_.kind == Tok::kIdent && (tok_.text == "by" || tok_.text == "without")))) {
        return aggregation(name.text);
      }
    }
    for (const char* a : kOtherAggregations) {
      if (name.text == a && tok_.kind == Tok::kLParen) throw lex_.error(name.pos, std::string("the ") + a + " aggregation is not supported by failsim's PromQL subset");
    }
    if (tok_.kind == Tok::kLParen) return call(name);
    return selector(name.text);
  }

  NodePtr aggregation(const std::string& op) {
    auto n = std::make_unique<Node>();
    n->kind = Node::Kind::kAggregate;
    n->aggregate = op == "sum" ? AggregateOp::kSum
                   : op == "min" ? AggregateOp::kMin
                   : op == "max" ? AggregateOp::kMax
                   : op == "avg" ? AggregateOp::kAvg
                                 : AggregateOp::kCount;
    bool grouped = false;
    auto grouping = [&] {
      if (tok_.kind == Tok::kIdent && (tok_.text == "by" || tok_.text == "without")) {
        if (grouped) throw unexpected();
        grouped = true;
        n->without = tok_.text == "without";
        advance();
        n->grouping = label_list();
      }
    };
    grouping();
    expect(Tok::kLParen, "\"(\"");
    advance();
    n->args.push_back(expr(0));
    if (tok_.kind == Tok::kComma) throw unsupported("a parameter to " + op);
    expect(Tok::kRParen, "\")\"");
    advance();
    grouping();
    return n;
  }

  NodePtr call(const Token& name) {
    static const char* kMatrixFunctions[] = {"rate", "increase", "avg_over_time", "min_over_time", "max_over_time",
                                             "sum_over_time", "count_over_time", "last_over_time", "absent_over_time",
                                             "changes", "resets"};
    bool known = name.text == "absent" || name.text == "time";
    bool wants_matrix = false;
    for (const char* f : kMatrixFunctions) {
      if (name.text == f) known = wants_matrix = true;
    }
    if (!known) throw lex_.error(name.pos, "function \"" + name.text + "\" is not supported by failsim's PromQL subset");
    auto n = std::make_unique<Node>();
    n->kind = Node::Kind::kCall;
    n->function = name.text;
    advance();  // (
    if (tok_.kind != Tok::kRParen) {
      n->args.push_back(expr(0));
      while (tok_.kind == Tok::kComma) {
        advance();
        n->args.push_back(expr(0));
      }
    }
    expect(Tok::kRParen, "\")\"");
    advance();
    const std::size_t want = name.text == "time" ? 0 : 1;
    if (n->args.size() != want) {
      throw lex_.error(name.pos, "expected " + std::to_string(want) + " argument(s) in call to \"" + name.text +
                                     "\", got " + std::to_string(n->args.size()));
    }
    if (want == 1) {
      const auto k = n->args[0]->kind;
      if (wants_matrix && k != Node::Kind::kMatrixSelector) {
        throw lex_.error(name.pos, "expected type range vector in call to function \"" + name.text + "\"");
      }
      if (!wants_matrix && k == Node::Kind::kMatrixSelector) {
        throw lex_.error(name.pos, "expected type instant vector in call to function \"" + name.text +
                                       "\", got range vector");
      }
    }
    return n;
  }

  NodePtr selector(const std::string& metric) {
    auto n = std::make_unique<Node>();
    n->kind = Node::Kind::kVectorSelector;
    if (!metric.empty()) n->matchers.push_back(Matcher{"__name__", Matcher::Op::kEq, metric});
    if (tok_.kind == Tok::kLBrace) {
      advance();
      while (tok_.kind != Tok::kRBrace) {
        expect(Tok::kIdent, "a label name");
        Matcher m;
        m.name = tok_.text;
        advance();
        switch (tok_.kind) {
          case Tok::kAssign: m.op = Matcher::Op::kEq; break;
          case Tok::kNeq: m.op = Matcher::Op::kNe; break;
          case Tok::kRegexMatch: m.op = Matcher::Op::kRe; break;
          case Tok::kRegexNoMatch: m.op = Matcher::Op::kNre; break;
          default: throw lex_.error(tok_.pos, "unexpected \"" + tok_.text + "\" in label matching, expected one of =, !=, =~, !~");
        }
        advance();
        expect(Tok::kString, "a quoted label value");
        m.value = tok_.text;
        if (m.op == Matcher::Op::kRe || m.op == Matcher::Op::kNre) {
          RE2::Options options;
          options.set_log_errors(false);
          auto re = std::make_shared<const RE2>("^(?:" + m.value + ")$", options);
          if (!re->ok()) throw lex_.error(tok_.pos, "invalid regular expression in label matcher: " + re->error());
          m.regex = std::move(re);
        }
        advance();
        n->matchers.push_back(std::move(m));
        if (tok_.kind == Tok::kComma) {
          advance();
        } else if (tok_.kind != Tok::kRBrace) {
          expect(Tok::kRBrace, "\",\" or \"}\"");
        }
      }
      advance();
    }
    // Prometheus: a selector must contain at least one matcher that does not match "".
    bool has_nonempty = false;
    for (const auto& m : n->matchers) {
      if ((m.op == Matcher::Op::kEq && !m.value.empty()) || m.op == Matcher::Op::kNe ||
          (m.op == Matcher::Op::kRe && m.value != ".*" && !m.value.empty()) || m.op == Matcher::Op::kNre) {
        has_nonempty = true;
      }
    }
    if (!has_nonempty) {
      throw lex_.error(tok_.pos, "vector selector must contain at least one non-empty matcher");
    }
    return n;
  }

  std::vector<std::string> label_list() {
    expect(Tok::kLParen, "\"(\"");
    advance();
    std::vector<std::string> labels;
    while (tok_.kind != Tok::kRParen) {
      expect(Tok::kIdent, "a label name");
      labels.push_back(tok_.text);
      advance();
      if (tok_.kind == Tok::kComma) {
        advance();
      } else {
        expect(Tok::kRParen, "\",\" or \")\"");
      }
    }
    advance();
    return labels;
  }

  Lexer lex_;
  Token tok_;
  int depth_ = 0;
};

}  // namespace

Result<NodePtr> parse_promql(std::string_view text) {
  try {
    Parser p(text);
    if (text.find_first_not_of(" \t\n") == std::string_view::npos) {
      return Result<NodePtr>::error("1:1: parse error: no expression found in input");
    }
    return Result<NodePtr>::ok(p.parse());
  } catch (const ParseError& e) {
    return Result<NodePtr>::error(e.what());
  }
}

}  // namespace failsim::sim::prometheus
