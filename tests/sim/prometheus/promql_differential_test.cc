// Differential test of the PromQL evaluator against Debian's promtool (Prometheus
// 2.42): a seeded generator writes random well-typed expressions over random series;
// promtool evaluates every one (a `test rules` file whose promql_expr_tests expect
// nothing, so promtool prints what it got, at full precision) and failsim evaluates
// the same; label sets must agree exactly, values to 1e-9 relative, errors with
// errors. All expressions go to one promtool call. On a disagreement the test also
// evaluates the failing expression's sub-expressions and prints the smallest one
// that disagrees, as a promtool test file to reproduce it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sim/prometheus/promql_eval.h"
#include "sim/prometheus/promql_functions.h"
#include "sim/prometheus/promql_parser.h"

namespace failsim::sim::prometheus {
namespace {

// Samples every 13 s (evaluation times fall between samples) up to 11m55s: promtool
// loads input samples only up to the last multiple of evaluation_interval (1m) at or
// before the latest eval_time, so nothing lies beyond 12m.
constexpr std::int64_t kIntervalMs = 13'000;
constexpr int kSamples = 56;

// ---- Input series ---------------------------------------------------------------

struct InputSeries {
  std::string selector;  // promtool notation
  Labels labels;
  std::vector<std::string> values;  // number, "_" or "stale"
};

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : g_(seed) {}
  std::uint64_t next() { return g_(); }
  int below(int n) { return static_cast<int>(g_() % static_cast<std::uint64_t>(n)); }
  bool chance(int percent) { return below(100) < percent; }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[static_cast<std::size_t>(below(static_cast<int>(v.size())))]; }

 private:
  std::mt19937_64 g_;
};

std::string fmt(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::vector<InputSeries> make_series(Rng& rng) {
  std::vector<InputSeries> out;
  auto add = [&](std::vector<Label> pairs, std::vector<std::string> values) {
    Labels labels = make_labels(pairs);
    std::string sel = std::string(label_value(labels, "__name__")) + "{";
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (k == "__name__") continue;
      sel += (first ? "" : ",") + k + "=\"" + v + "\"";
      first = false;
    }
    out.push_back({sel + "}", labels, std::move(values)});
  };
  const std::vector<std::string> jobs = {"api", "db"};
  int index = 0;
  for (const auto& job : jobs) {
    for (int inst = 0; inst < 3; ++inst, ++index) {
      for (const char* metric : {"a", "b"}) {
        // Gauges: distinct across series at each time (value + index/16), so topk and
        // bottomk have no ties; a few gaps and a stale marker in `b`.
        std::vector<std::string> v;
        for (int i = 0; i < kSamples; ++i) {
          if (metric[0] == 'b' && rng.chance(6)) {
            v.push_back(rng.chance(30) ? "stale" : "_");
            continue;
          }
          v.push_back(fmt(rng.below(41) - 20 + index / 16.0 + (metric[0] == 'b' ? 1 / 32.0 : 0)));
        }
        add({{"__name__", metric}, {"job", job}, {"instance", std::to_string(inst)}}, v);
      }
      // A counter with occasional resets.
      std::vector<std::string> c;
      double total = rng.below(50);
      for (int i = 0; i < kSamples; ++i) {
        total = rng.chance(5) ? rng.below(5) : total + rng.below(20);
        c.push_back(fmt(total));
      }
      add({{"__name__", "c_total"}, {"job", job}, {"instance", std::to_string(inst)}}, c);
    }
    // One series per job, for group_left / group_right.
    std::vector<std::string> j;
    for (int i = 0; i < kSamples; ++i) j.push_back(fmt(rng.below(9) + 1));
    add({{"__name__", "j"}, {"job", job}}, j);
    // A classic histogram per job.
    std::vector<double> counts(5, 0);
    std::vector<std::vector<std::string>> buckets(5);
    for (int i = 0; i < kSamples; ++i) {
      double cumulative = 0;
      for (int b = 0; b < 5; ++b) {
        counts[static_cast<std::size_t>(b)] += rng.below(6);
        cumulative += counts[static_cast<std::size_t>(b)];
        buckets[static_cast<std::size_t>(b)].push_back(fmt(cumulative));
      }
    }
    const char* les[] = {"0.1", "0.5", "1", "5", "+Inf"};
    for (int b = 0; b < 5; ++b) add({{"__name__", "h_bucket"}, {"job", job}, {"le", les[b]}}, buckets[static_cast<std::size_t>(b)]);
  }
  return out;
}

void load(SeriesStore& store, const std::vector<InputSeries>& series) {
  for (const auto& s : series) {
    for (std::size_t i = 0; i < s.values.size(); ++i) {
      const auto t = static_cast<std::int64_t>(i) * kIntervalMs;
      if (s.values[i] == "_") continue;
      if (s.values[i] == "stale") {
        store.append_stale(s.labels, t);
      } else {
        store.append(s.labels, t, std::strtod(s.values[i].c_str(), nullptr));
      }
    }
  }
}

// ---- Expression generator ---------------------------------------------------------

// The labels a generated vector carries: job+instance, job only, or none.
enum class Shape { kJobInstance, kJob, kNone };

struct Expr {
  std::string text;
  std::vector<std::string> parts;  // vector- or scalar-typed sub-expressions, for shrinking
};

class Generator {
 public:
  explicit Generator(Rng& rng) : rng_(rng) {}

  std::set<std::string> functions_used;

  Expr top() {
    parts_.clear();
    std::string text = rng_.chance(12) ? scalar(3) : vec(3, Shape::kJobInstance);
    if (rng_.chance(40)) text = vec(3, rng_.chance(50) ? Shape::kJob : Shape::kNone);
    return {text, parts_};
  }

 private:
  std::string keep(std::string s) {
    parts_.push_back(s);
    return s;
  }
  std::string fn(const std::string& name, const std::string& args) {
    functions_used.insert(name);
    return name + "(" + args + ")";
  }

  std::string number() {
    static const std::vector<std::string> kNumbers = {"0", "1", "2", "-1", "0.5", "3", "10", "-2.5", "0.25", "100"};
    return rng_.pick(kNumbers);
  }

  std::string scalar(int depth) {
    const int c = depth <= 0 ? 0 : rng_.below(7);
    switch (c) {
      case 1: return keep(fn("scalar", vec(depth - 1, rng_.chance(50) ? Shape::kNone : Shape::kJobInstance)));
      case 2: return keep(fn("time", ""));
      case 3: return keep(fn("pi", ""));
      case 4: return keep("(" + scalar(depth - 1) + " " + rng_.pick(std::vector<std::string>{"+", "-", "*", "/", "%", "^", "atan2"}) + " " + scalar(depth - 1) + ")");
      case 5: return keep("(" + scalar(depth - 1) + " " + rng_.pick(std::vector<std::string>{">", "<", "==", "!=", ">=", "<="}) + " bool " + scalar(depth - 1) + ")");
      case 6: return keep("-" + scalar(depth - 1));
      default: return number();
    }
  }

  std::string modifiers(bool allow_at) {
    std::string s;
    if (rng_.chance(15)) s += rng_.pick(std::vector<std::string>{" offset 1m", " offset 30s", " offset 2m15s", " OFFSET 45s"});
    if (allow_at && rng_.chance(8)) s += rng_.pick(std::vector<std::string>{" @ 300", " @ 420.5", " @ start()", " @ end()"});
    return s;
  }

  std::string selector(Shape shape, bool allow_at = true) {
    if (shape == Shape::kJob) return keep("j" + std::string(rng_.chance(30) ? "{job=\"api\"}" : "") + modifiers(allow_at));
    static const std::vector<std::string> kMatchers = {"", "", "{job=\"api\"}", "{instance!=\"1\"}", "{job=~\"d.*\"}", "{instance=~\"0|2\"}", "{job!~\"x\"}"};
    return keep(std::string(rng_.chance(50) ? "a" : "b") + rng_.pick(kMatchers) + modifiers(allow_at));
  }

  std::string range(int depth) {
    const int c = depth <= 0 ? rng_.below(2) : rng_.below(5);
    static const std::vector<std::string> kRanges = {"1m", "2m", "90s", "3m", "5m"};
    switch (c) {
      case 0: {
        std::string base = rng_.chance(40) ? "c_total" : (rng_.chance(50) ? "a" : "b");
        return base + "[" + rng_.pick(kRanges) + "]" + modifiers(true);
      }
      case 1: return "c_total{job=\"db\"}[" + rng_.pick(kRanges) + "]";
      default: {
        static const std::vector<std::string> kSteps = {"", "30s", "1m", "45s", "20s"};
        return "(" + vec(depth - 1, Shape::kJobInstance) + ")[" + rng_.pick(kRanges) + ":" + rng_.pick(kSteps) + "]" + modifiers(true);
      }
    }
  }

  // A vector expression whose samples carry `want`'s labels (names may differ).
  std::string vec(int depth, Shape want) {
    if (depth <= 0) {
      if (want == Shape::kNone) return keep(fn("vector", scalar(0)));
      return selector(want);
    }
    if (want == Shape::kNone) {
      switch (rng_.below(6)) {
        case 0: return keep(fn("vector", scalar(depth - 1)));
        case 1: return keep(agg(rng_.pick(std::vector<std::string>{" ", " without (job, instance) ", " BY () "}), vec(depth - 1, Shape::kJobInstance)));
        case 2: return keep(fn(rng_.pick(std::vector<std::string>{"minute", "hour", "day_of_week", "month", "year", "day_of_month", "days_in_month", "day_of_year"}), ""));
        case 3: return keep(fn("absent", selector(Shape::kJobInstance)));
        case 4: return keep(fn("absent_over_time", range(0)));
        default: return keep(fn("histogram_quantile", number_q() + ", sum by (le) (" + fn("rate", "h_bucket[2m]") + ")"));
      }
    }
    if (want == Shape::kJob) {
      switch (rng_.below(4)) {
        case 0: return selector(Shape::kJob);
        case 1: return keep(agg(rng_.pick(std::vector<std::string>{" by (job) ", " without (instance) ", " By (job) "}), vec(depth - 1, Shape::kJobInstance)));
        case 2: return keep(fn("histogram_quantile", number_q() + ", " + (rng_.chance(50) ? "h_bucket" : fn("rate", "h_bucket[3m]"))));
        default: return keep(unary_fn(depth, Shape::kJob));
      }
    }
    switch (rng_.below(12)) {
      case 0: return selector(want);
      case 1: return keep(unary_fn(depth, want));
      case 2: return keep(range_fn(depth));
      case 3: {
        const std::string op = rng_.pick(std::vector<std::string>{"+", "-", "*", "/", "%", "^", "atan2", ">", "<", "==", "!=", ">=", "<=", "> bool", "<= bool"});
        return keep(rng_.chance(50) ? "(" + vec(depth - 1, want) + " " + op + " " + scalar(depth - 1) + ")"
                                    : "(" + scalar(depth - 1) + " " + op + " " + vec(depth - 1, want) + ")");
      }
      case 4: {
        const std::string op = rng_.pick(std::vector<std::string>{"+", "-", "*", "/", ">", "<=", "!= bool", "and", "or", "unless", "AND", "Or"});
        const std::string matching = rng_.pick(std::vector<std::string>{"", "", " on (job, instance)", " ignoring (foo)", " on (instance, job)"});
        return keep("(" + vec(depth - 1, want) + " " + op + matching + " " + vec(depth - 1, want) + ")");
      }
      case 5: {
        const bool left = rng_.chance(50);
        const std::string op = rng_.pick(std::vector<std::string>{"*", "+", "/", "<", "> bool"});
        const std::string inc = rng_.pick(std::vector<std::string>{" ()", " (foo)", " (instance)"});  // "group_left (" always opens a label list
        return keep(left ? "(" + vec(depth - 1, Shape::kJobInstance) + " " + op + " on (job) group_left" + inc + " " + vec(depth - 1, Shape::kJob) + ")"
                         : "(" + vec(depth - 1, Shape::kJob) + " " + op + " on (job) group_right" + inc + " " + vec(depth - 1, Shape::kJobInstance) + ")");
      }
      case 6: return keep(fn("label_replace", vec(depth - 1, want) + ", \"dst\", \"x-$1-${2}\", \"instance\", \"(\\\\d)(.*)\""));
      case 7: return keep(fn("label_join", vec(depth - 1, want) + ", \"dst\", \"-\", \"job\", \"instance\""));
      case 8: {
        const std::string op = rng_.pick(std::vector<std::string>{"topk", "bottomk"});
        return keep(fn(op, rng_.pick(std::vector<std::string>{"1", "2", "5"}) + ", " + selector(want)) + rng_.pick(std::vector<std::string>{"", " by (job)"}));
      }
      case 9: return keep("-" + vec(depth - 1, want));
      case 10: return keep(fn(rng_.pick(std::vector<std::string>{"sort", "sort_desc"}), vec(depth - 1, want)));
      default: return keep(fn("timestamp", rng_.chance(50) ? selector(want) : vec(depth - 1, want)));
    }
  }

  std::string number_q() { return rng_.pick(std::vector<std::string>{"0.5", "0.9", "0.99", "0", "1", "0.25"}); }

  // An aggregation of `inner` (job+instance labels) with `modifier` before its
  // arguments (or, sometimes, after them).
  std::string agg(const std::string& modifier, const std::string& inner) {
    static const std::vector<std::string> kOps = {"sum", "avg", "min", "max", "count", "group", "stddev", "stdvar", "SUM", "Max"};
    const bool after = rng_.chance(20) && modifier != " ";
    auto wrap = [&](const std::string& op, const std::string& args) {
      return after ? op + "(" + args + ")" + modifier.substr(0, modifier.size() - 1) : op + modifier + "(" + args + ")";
    };
    const int c = rng_.below(13);
    if (c < 10) return wrap(kOps[static_cast<std::size_t>(c)], inner);
    if (c == 10) return wrap("quantile", number_q() + ", " + inner);
    // count_values turns values into labels: only exact inputs (promtool's series
    // order is random, so a sum may differ in the last bit; Go's libm differs from
    // glibc's by an ulp here and there).
    if (c == 11) return wrap("count_values", "\"v\", " + selector(Shape::kJobInstance));
    return wrap(rng_.chance(50) ? "topk" : "bottomk", "2, " + selector(Shape::kJobInstance));  // no ties: see make_series
  }

  std::string unary_fn(int depth, Shape want) {
    static const std::vector<std::string> kMath = {"abs", "ceil", "floor", "exp", "sqrt", "ln", "log2", "log10", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "deg", "rad", "sgn"};
    const std::string inner = vec(depth - 1, want);
    switch (rng_.below(8)) {
      case 0: return fn("clamp", inner + ", " + scalar(0) + ", " + scalar(0));
      case 1: return fn("clamp_max", inner + ", " + scalar(0));
      case 2: return fn("clamp_min", inner + ", " + scalar(0));
      case 3: return rng_.chance(50) ? fn("round", inner) : fn("round", inner + ", " + rng_.pick(std::vector<std::string>{"0.5", "2", "0.1"}));
      case 4: return fn(rng_.pick(std::vector<std::string>{"hour", "minute", "day_of_week", "month", "year", "day_of_month", "days_in_month", "day_of_year"}),
                        "(" + inner + ") * 86400 * 7");
      default: return fn(rng_.pick(kMath), inner);
    }
  }

  std::string range_fn(int depth) {
    static const std::vector<std::string> kFns = {"rate", "increase", "delta", "irate", "idelta", "deriv", "changes", "resets",
                                                  "avg_over_time", "min_over_time", "max_over_time", "sum_over_time", "count_over_time",
                                                  "last_over_time", "stddev_over_time", "stdvar_over_time", "present_over_time"};
    const std::string r = range(depth - 1);
    switch (rng_.below(10)) {
      case 0: return fn("quantile_over_time", number_q() + ", " + r);
      case 1: return fn("holt_winters", r + ", 0.5, " + rng_.pick(std::vector<std::string>{"0.1", "0.7"}));
      case 2: return fn("predict_linear", r + ", " + rng_.pick(std::vector<std::string>{"60", "3600", "-30"}));
      default: return fn(rng_.pick(kFns), r);
    }
  }

  Rng& rng_;
  std::vector<std::string> parts_;
};

// ---- Running both ---------------------------------------------------------------

struct Outcome {
  bool error = false;
  std::string message;
  std::vector<std::pair<std::string, double>> samples;  // sorted by labels text
};

std::string go_labels(const Labels& labels) {
  std::string s = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) s += ", ";
    first = false;
    s += k + "=\"";
    for (char c : v) {
      if (c == '"' || c == '\\') s += '\\';
      s += c;
    }
    s += "\"";
  }
  return s + "}";
}

Outcome failsim_eval(const std::string& expr, const SeriesStore& store, std::int64_t t_ms) {
  Outcome o;
  EvalOptions options;  // promtool's defaults: 5m lookback, 1m evaluation interval
  auto r = query(expr, store, t_ms, options);
  if (!r) {
    o.error = true;
    o.message = r.error();
    return o;
  }
  if (const auto* s = std::get_if<Scalar>(&r.value())) {
    o.samples.push_back({"{}", s->value});
  } else if (const auto* v = std::get_if<Vector>(&r.value())) {
    for (const auto& sample : *v) o.samples.push_back({go_labels(sample.labels), sample.value});
  } else {
    o.error = true;
    o.message = "not a vector or scalar";
  }
  std::sort(o.samples.begin(), o.samples.end());
  return o;
}

std::string yaml_single(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string eval_time(std::int64_t ms) {
  const std::int64_t s = ms / 1000;
  std::string out;
  if (s / 60) out += std::to_string(s / 60) + "m";
  if (s % 60) out += std::to_string(s % 60) + "s";
  return out.empty() ? "0s" : out;
}

struct Case {
  std::string expr;
  std::int64_t t_ms;
};

std::string test_file(const std::vector<InputSeries>& series, const std::vector<Case>& cases) {
  std::ostringstream y;
  y << "rule_files: []\nevaluation_interval: 1m\ntests:\n  - interval: 13s\n    input_series:\n";
  for (const auto& s : series) {
    y << "      - series: " << yaml_single(s.selector) << "\n        values: '";
    for (std::size_t i = 0; i < s.values.size(); ++i) y << (i ? " " : "") << s.values[i];
    y << "'\n";
  }
  y << "    promql_expr_test:\n";
  for (const auto& c : cases) y << "      - expr: " << yaml_single(c.expr) << "\n        eval_time: " << eval_time(c.t_ms) << "\n";
  return y.str();
}

// Go's strconv.Unquote for the %q-quoted expressions promtool prints.
std::string go_unquote(const std::string& q) {
  std::string out;
  for (std::size_t i = 1; i + 1 < q.size(); ++i) {
    if (q[i] == '\\' && i + 2 < q.size()) {
      ++i;
      out += q[i] == 'n' ? '\n' : q[i] == 't' ? '\t' : q[i];
    } else {
      out += q[i];
    }
  }
  return out;
}

std::int64_t parse_go_duration(const std::string& s) {
  std::int64_t ms = 0, n = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(s[i]))) {
      n = n * 10 + (s[i] - '0');
    } else if (s[i] == 'h') {
      ms += n * 3'600'000, n = 0;
    } else if (s[i] == 'm' && i + 1 < s.size() && s[i + 1] == 's') {
      ms += n, n = 0, ++i;
    } else if (s[i] == 'm') {
      ms += n * 60'000, n = 0;
    } else if (s[i] == 's') {
      ms += n * 1000, n = 0;
    }
  }
  return ms;
}

// `{a="b", c="d"} 1E+00, {} 2E+00` as promtool prints samples.
std::vector<std::pair<std::string, double>> parse_samples(const std::string& line) {
  std::vector<std::pair<std::string, double>> out;
  if (line == "nil") return out;
  std::size_t i = 0;
  while (i < line.size()) {
    if (line[i] != '{') break;
    std::size_t j = i + 1;
    bool quoted = false;
    for (; j < line.size(); ++j) {
      if (quoted && line[j] == '\\') {
        ++j;
        continue;
      }
      if (line[j] == '"') quoted = !quoted;
      if (!quoted && line[j] == '}') break;
    }
    const std::string labels = line.substr(i, j - i + 1);
    std::size_t k = line.find(", {", j);
    const std::string value = line.substr(j + 2, (k == std::string::npos ? line.size() : k) - (j + 2));
    out.push_back({labels, std::strtod(value.c_str(), nullptr)});
    i = k == std::string::npos ? line.size() : k + 2;
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Runs promtool over the cases; the outcome of each (no entry: an empty result).
std::map<std::pair<std::string, std::int64_t>, Outcome> promtool_eval(const std::vector<InputSeries>& series,
                                                                       const std::vector<Case>& cases, std::string& raw) {
  const auto dir = std::filesystem::temp_directory_path() / ("failsim-promql-diff-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "test.yml") << test_file(series, cases);
  const std::string cmd = "cd '" + dir.string() + "' && timeout 300 /usr/bin/promtool test rules test.yml 2>&1";
  FILE* pipe = ::popen(cmd.c_str(), "r");
  char buf[65536];
  std::size_t n;
  while (pipe != nullptr && (n = std::fread(buf, 1, sizeof buf, pipe)) > 0) raw.append(buf, n);
  if (pipe != nullptr) ::pclose(pipe);
  std::filesystem::remove_all(dir);
  std::map<std::pair<std::string, std::int64_t>, Outcome> out;
  std::istringstream in(raw);
  std::string line;
  std::string pending_expr;
  std::int64_t pending_t = 0;
  while (std::getline(in, line)) {
    const auto e = line.find("expr: \"");
    if (e != std::string::npos && line.rfind("    expr: ", 0) == 0) {
      // expr: "<quoted>", time: 5m, [err: ...]
      std::size_t q = e + 6, k = q + 1;
      for (; k < line.size(); ++k) {
        if (line[k] == '\\') {
          ++k;
          continue;
        }
        if (line[k] == '"') break;
      }
      const std::string expr = go_unquote(line.substr(q, k - q + 1));
      const auto tpos = line.find(", time: ", k);
      const auto comma = line.find(',', tpos + 8);
      const std::int64_t t = parse_go_duration(line.substr(tpos + 8, comma - (tpos + 8)));
      const auto err = line.find(", err: ", tpos);
      if (err != std::string::npos) {
        Outcome o;
        o.error = true;
        o.message = line.substr(err + 7);
        out[{expr, t}] = o;
      } else {
        pending_expr = expr;
        pending_t = t;
      }
    } else if (line.rfind("        got: ", 0) == 0) {
      Outcome o;
      o.samples = parse_samples(line.substr(13));
      out[{pending_expr, pending_t}] = o;
    }
  }
  return out;
}

bool close(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  const double diff = std::fabs(a - b);
  return diff <= 1e-9 * std::max(std::fabs(a), std::fabs(b)) || diff < 1e-12;
}

bool agree(const Outcome& ours, const Outcome& theirs, std::string& why) {
  if (ours.error || theirs.error) {
    if (ours.error == theirs.error) return true;
    why = ours.error ? "failsim: error \"" + ours.message + "\", promtool: a result" : "promtool: error \"" + theirs.message + "\", failsim: a result";
    return false;
  }
  auto show = [](const Outcome& o) {
    std::string s;
    for (const auto& [l, v] : o.samples) s += "\n      " + l + " " + fmt(v);
    return s.empty() ? std::string(" (empty)") : s;
  };
  bool same = ours.samples.size() == theirs.samples.size();
  for (std::size_t i = 0; same && i < ours.samples.size(); ++i) {
    same = ours.samples[i].first == theirs.samples[i].first && close(ours.samples[i].second, theirs.samples[i].second);
  }
  if (!same) why = "failsim:" + show(ours) + "\n    promtool:" + show(theirs);
  return same;
}

TEST(PromqlDifferential, TwoThousandGeneratedExpressionsAgreeWithPromtool) {
  if (!std::filesystem::exists("/usr/bin/promtool")) GTEST_SKIP() << "promtool (Debian's prometheus package) not installed";
  const std::uint64_t seed = std::getenv("FAILSIM_PROMQL_SEED") ? std::strtoull(std::getenv("FAILSIM_PROMQL_SEED"), nullptr, 10) : 20261130;
  Rng rng(seed);
  const auto series = make_series(rng);
  SeriesStore store;
  load(store, series);
  Generator gen(rng);
  std::vector<Case> cases;
  std::vector<Expr> exprs;
  std::set<std::string> seen;
  const std::vector<std::int64_t> times = {300'000, 420'000, 600'000, 720'000};
  while (exprs.size() < 2000) {
    Expr e = gen.top();
    if (!seen.insert(e.text).second) continue;
    ASSERT_TRUE(parse_promql(e.text)) << e.text << "\n" << parse_promql(e.text).error();
    exprs.push_back(e);
    cases.push_back({e.text, times[exprs.size() % times.size()]});
  }
  std::string raw;
  const auto theirs = promtool_eval(series, cases, raw);
  ASSERT_NE(raw.find("SUCCESS"), raw.find("FAILED")) << raw.substr(0, 2000);  // promtool ran and reported
  int disagreements = 0, errors = 0, non_empty = 0;
  std::vector<std::string> shrink_cases;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Outcome ours = failsim_eval(cases[i].expr, store, cases[i].t_ms);
    const auto it = theirs.find({cases[i].expr, cases[i].t_ms});
    const Outcome theirs_one = it == theirs.end() ? Outcome{} : it->second;
    errors += theirs_one.error;
    non_empty += !theirs_one.error && !theirs_one.samples.empty();
    std::string why;
    if (!agree(ours, theirs_one, why)) {
      if (++disagreements <= 10) {
        ADD_FAILURE() << "disagreement at t=" << eval_time(cases[i].t_ms) << ":\n  " << cases[i].expr << "\n    " << why;
        for (const auto& p : exprs[i].parts) shrink_cases.push_back(p);
        shrink_cases.push_back(cases[i].expr);
      }
    }
  }
  // Fewer than a tenth errors, most with samples: the generator tests something.
  EXPECT_LT(errors, 200) << raw.substr(0, 3000);
  EXPECT_GT(non_empty, 1400);
  std::size_t functions = 0;
  for (const auto& f : promql_functions()) functions += gen.functions_used.count(std::string(f.name));
  // All but histogram_count, histogram_sum and histogram_fraction (native histograms
  // only: nothing for float samples; the rule corpus test evaluates them).
  EXPECT_EQ(functions, promql_functions().size() - 3);
  std::cout << "[promql-differential] seed " << seed << ": " << cases.size() << " expressions, " << non_empty
            << " with samples, " << errors << " errors, " << functions << " of " << promql_functions().size() << " functions, "
            << disagreements << " disagreements\n";
  if (disagreements == 0) return;
  // The smallest sub-expression that disagrees, as a file promtool can run.
  std::vector<Case> sub;
  for (const auto& text : shrink_cases) {
    for (std::int64_t t : times) sub.push_back({text, t});
  }
  std::string raw2;
  const auto theirs2 = promtool_eval(series, sub, raw2);
  const Case* smallest = nullptr;
  std::string smallest_why;
  for (const auto& c : sub) {
    const auto it = theirs2.find({c.expr, c.t_ms});
    std::string why;
    if (!agree(failsim_eval(c.expr, store, c.t_ms), it == theirs2.end() ? Outcome{} : it->second, why) &&
        (smallest == nullptr || c.expr.size() < smallest->expr.size())) {
      smallest = &c;
      smallest_why = why;
    }
  }
  if (smallest != nullptr) {
    ADD_FAILURE() << "minimal reproducer (promtool test rules repro.yml):\n" << test_file(series, {*smallest})
                  << "\n  " << smallest_why;
  }
}

}  // namespace
}  // namespace failsim::sim::prometheus
