#include "harness/import_gate_steps.h"

#include <re2/re2.h>

#include <cctype>
#include <cstdio>

namespace failsim::harness {
namespace {

using nlohmann::json;

std::string url_decode(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

void replace_all(std::string& s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
}

// The query with the runner's identity as policy placeholders; "" and `why` when it
// uses anything else failsim cannot know.
std::string placeholders(std::string q, std::string& why) {
  for (const char* h : {"$(hostname)", "${HOSTNAME}", "$HOSTNAME", "`hostname`"}) replace_all(q, h, "\x01");
  for (const char* n : {"${{ runner.name }}", "${{runner.name}}", "${RUNNER_NAME}", "$RUNNER_NAME"}) replace_all(q, n, "\x02");
  std::string var;
  if (RE2::PartialMatch(q, R"re((\$\{\{[^}]*\}\}|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|\$\())re", &var)) {
    why = "its query uses " + var + ", which failsim cannot evaluate";
    return "";
  }
  replace_all(q, "\x01", "${hostname}");
  replace_all(q, "\x02", "${name}");
  return q;
}

// The Prometheus query a step sends, or "".
std::string find_query(const std::string& run) {
  std::string q;
  // promtool query instant URL 'EXPR'
  if (RE2::PartialMatch(run, R"re(promtool\s+query\s+instant\s+\S+\s+'([^']+)')re", &q) ||
      RE2::PartialMatch(run, R"re(promtool\s+query\s+instant\s+\S+\s+"([^"]+)")re", &q)) {
    return q;
  }
  if (run.find("/api/v1/query") == std::string::npos || run.find("/api/v1/query_range") != std::string::npos) return "";
  if (!(RE2::PartialMatch(run, R"re(\bcurl\b)re") || RE2::PartialMatch(run, R"re(\bwget\b)re"))) return "";
  if (RE2::PartialMatch(run, R"re((?:--data-urlencode|--data|-d)\s+'query=([^']+)')re", &q) ||
      RE2::PartialMatch(run, R"re((?:--data-urlencode|--data|-d)\s+"query=([^"]+)")re", &q)) {
    return q;
  }
  if (RE2::PartialMatch(run, R"re(/api/v1/query\?(?:[^"'\s]*&)?query=([^"'&\s]+))re", &q)) return url_decode(q);
  return "";
}

const json kOps = {{"==", "=="}, {"=", "=="}, {"-eq", "=="}, {"!=", "!="}, {"-ne", "!="}, {"-lt", "<"}, {"<", "<"},
                   {"-le", "<="}, {"-gt", ">"}, {">", ">"}, {"-ge", ">="}, {">=", ">="}, {"<=", "<="}};

std::string negate(const std::string& op) {
  if (op == "==") return "!=";
  if (op == "!=") return "==";
  if (op == "<") return ">=";
  if (op == ">=") return "<";
  if (op == ">") return "<=";
  return ">";  // <=
}

// The decision on the value: {op, threshold} when the step passes, or null.
json find_decision(const std::string& run) {
  std::string op;
  std::string number;
  const std::string num = R"re("?(-?[0-9]+(?:\.[0-9]+)?)"?)re";
  const std::string ops = R"re((==|!=|=|-eq|-ne|-lt|-le|-gt|-ge|<=|>=|<|>))re";
  // jq -e '.data.result[0].value[1] | tonumber OP N' (or "N")
  if (RE2::PartialMatch(run, R"re(jq\s+(?:-\w+\s+)*-e\w*\s+(?:-\w+\s+)*'[^']*\s)re" + ops + R"re(\s*)re" + num + R"re(\s*')re", &op, &number)) {
    if (op != "=") return {{"op", kOps[op]}, {"threshold", std::stod(number)}};
  }
  const std::string test = R"re((?:\[\[?|test)\s+"?\$\{?[A-Za-z_][A-Za-z0-9_]*\}?"?\s+)re" + ops + R"re(\s+)re" + num;
  // if [ "$V" OP N ]; then ... exit 1   -> passes when the condition does not hold
  if (RE2::PartialMatch(run, R"re(if\s+)re" + test + R"re(\s*\]?\]?\s*;?\s*then[^\n]*\n?[^\n]*\bexit\s+[1-9])re", &op, &number) ||
      RE2::PartialMatch(run, R"re(if\s+)re" + test + R"re(\s*\]?\]?\s*;\s*then\s+[^;\n]*;\s*exit\s+[1-9])re", &op, &number)) {
    return {{"op", negate(kOps[op].get<std::string>())}, {"threshold", std::stod(number)}};
  }
  // [ "$V" OP N ] || exit 1   -> passes when it holds
  if (RE2::PartialMatch(run, test + R"re(\s*\]?\]?\s*\|\|\s*(?:\{[^}]*)?exit\s+[1-9])re", &op, &number)) {
    return {{"op", kOps[op]}, {"threshold", std::stod(number)}};
  }
  return json();
}

bool looks_like_health(const std::string& name, const std::string& run) {
  std::string all = name + " " + run;
  for (char& c : all) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"health", "gate", "preflight", "prometheus", "/api/v1/query", "promtool", "runner_status"}) {
    if (all.find(word) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

json recognise_check(const std::string& run, const std::string& name, std::string& why) {
  const std::string raw = find_query(run);
  if (raw.empty()) {
    why = "no Prometheus query failsim recognises (curl/wget to /api/v1/query, promtool query instant)";
    return json();
  }
  const std::string query = placeholders(raw, why);
  if (query.empty()) return json();
  const json decision = find_decision(run);
  if (decision.is_null()) {
    why = "it queries " + raw + " but decides in a way failsim does not recognise";
    return json();
  }
  return {{"name", name},
          {"query", query},
          {"pass_if", decision["op"]},
          {"threshold", decision["threshold"]},
          {"on_mismatch", "fail"},
          {"on_empty", "fail"},
          {"on_error", "fail"}};
}

GateSteps read_gate_steps(const YAML::Node& steps, const std::string& file, const std::string& job) {
  GateSteps out;
  if (!steps || !steps.IsSequence()) return out;
  int index = 0;
  for (const auto& step : steps) {
    ++index;
    if (!step.IsMap() || !step["run"] || !step["run"].IsScalar()) continue;
    const std::string run = step["run"].as<std::string>();
    const std::string name = step["name"] && step["name"].IsScalar() ? step["name"].as<std::string>() : "step " + std::to_string(index);
    const int line = line_of(step);
    std::string why;
    json check = recognise_check(run, name, why);
    if (!check.is_null()) {
      char threshold[32];
      std::snprintf(threshold, sizeof threshold, "%g", check["threshold"].get<double>());
      std::string id;
      for (char c : name) id += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '_';
      check["name"] = id;
      out.notes.push_back({file, line, "gate check " + id + " of job " + job + " read from step \"" + name + "\": " +
                                           check["query"].get<std::string>() + " " + check["pass_if"].get<std::string>() + " " +
                                           threshold + " passes (an empty result or a failed query fails it)"});
      out.checks.push_back(check);
    } else if (looks_like_health(name, run)) {
      ++out.unreadable;
      out.notes.push_back({file, line, "step \"" + name + "\" of job " + job + " looks like a health check, but " + why +
                                           ": no check written for it (it stays the team's own script, to run as a command "
                                           "inside the simulation)"});
    }
  }
  return out;
}

}  // namespace failsim::harness
