#include "harness/inputs/import/import_gate_steps.h"

#include <re2/re2.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <set>

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

// The repository a workflow file belongs to: the folder holding .github/workflows/,
// else the workflow's own folder.
std::filesystem::path repository_root(const std::string& workflow_file) {
  std::error_code ec;
  const auto dir = std::filesystem::absolute(workflow_file, ec).parent_path();
  if (dir.filename() == "workflows" && dir.parent_path().filename() == ".github") return dir.parent_path().parent_path();
  return dir;
}

// The first file of the repository a step's script runs (./x, ../x, dir/x.sh, x.py)
// that does not exist under `root`; "" when there is none.
std::string missing_local_file(const std::string& run, const std::filesystem::path& root) {
  re2::StringPiece rest(run);
  std::string path;
  while (RE2::FindAndConsume(&rest, R"re((?:^|[\s;&|(])((?:\.\.?/|[A-Za-z0-9_.-]+/)[A-Za-z0-9_./-]*|[A-Za-z0-9_-]+\.(?:sh|bash|py|pl|rb)))re",
                             &path)) {
    if (path.find("://") != std::string::npos || path.rfind("/api/", 0) == 0) continue;
    std::error_code ec;
    if (!std::filesystem::exists(root / path, ec)) return path;
  }
  return "";
}

// A check's name from its step's: lower case, anything but letters and digits as _.
std::string check_id(const std::string& step_name) {
  std::string id;
  for (char c : step_name) id += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '_';
  return id;
}

// A step's `run:` text as a script a command check runs (see the header), with the
// changes made to it listed in `changes`.
std::string step_script(const YAML::Node& step, const std::string& run, const StepEnv& env, const std::string& where,
                        const std::filesystem::path& repository, std::vector<std::string>& changes) {
  std::string body = run;
  // ${{ ... }} expressions GitHub evaluates before the shell sees the text.
  const std::vector<std::pair<std::string, std::string>> known = {
      {"runner.name", "${RUNNER_NAME}"},       {"github.repository", "${GITHUB_REPOSITORY}"},
      {"github.token", "${GITHUB_TOKEN}"},     {"secrets.GITHUB_TOKEN", "${GITHUB_TOKEN}"},
      {"github.api_url", "${GITHUB_API_URL}"}};
  std::string out;
  for (std::size_t at = 0;;) {
    const std::size_t open = body.find("${{", at);
    if (open == std::string::npos) {
      out += body.substr(at);
      break;
    }
    const std::size_t close = body.find("}}", open);
    if (close == std::string::npos) {
      out += body.substr(at);
      break;
    }
    out += body.substr(at, open - at);
    std::string expr = body.substr(open + 3, close - open - 3);
    expr.erase(0, expr.find_first_not_of(' '));
    expr.erase(expr.find_last_not_of(' ') + 1);
    std::string value;
    bool found = false;
    for (const auto& [name, var] : known) {
      if (expr == name) {
        value = var;
        found = true;
      }
    }
    std::string env_name;
    if (!found && RE2::FullMatch(expr, R"re(env\.([A-Za-z_][A-Za-z0-9_]*))re", &env_name)) {
      value = "${" + env_name + "}";
      found = true;
    }
    changes.push_back("${{ " + expr + " }} " + (found ? "-> " + value : "left empty (failsim cannot evaluate it)"));
    out += value;
    at = close + 2;
  }
  body = out;
  // The Prometheus it asks: the world's, through $PROMETHEUS_URL.
  std::string preset;
  std::string url;
  while (RE2::PartialMatch(body, R"re((https?://[A-Za-z0-9.\-\[\]:]+)/api/v1/)re", &url)) {
    replace_all(body, url + "/api/v1/", "${PROMETHEUS_URL}/api/v1/");
    changes.push_back(url + " -> $PROMETHEUS_URL");
  }
  if (RE2::PartialMatch(body, R"re(promtool\s+query\s+instant\s+(https?://\S+))re", &url)) {
    replace_all(body, url, "${PROMETHEUS_URL}");
    changes.push_back(url + " -> $PROMETHEUS_URL");
  }
  std::set<std::string> vars;
  re2::StringPiece rest(body);
  std::string var;
  while (RE2::FindAndConsume(&rest, R"re(\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/api/v1/)re", &var)) {
    if (var != "PROMETHEUS_URL" && vars.insert(var).second) {
      preset += var + "=\"$PROMETHEUS_URL\"\n";
      changes.push_back("$" + var + " -> $PROMETHEUS_URL");
    }
  }
  // env: the workflow's, the job's, the step's (later wins), literal values only.
  std::string exports;
  for (const YAML::Node& map : {env.workflow, env.job, step["env"]}) {
    if (!map || !map.IsMap()) continue;
    for (const auto& kv : map) {
      const std::string name = kv.first.as<std::string>();
      if (!kv.second.IsScalar() || !RE2::FullMatch(name, R"re([A-Za-z_][A-Za-z0-9_]*)re")) continue;
      const std::string value = kv.second.as<std::string>();
      if (vars.count(name) > 0 || name == "PROMETHEUS_URL" || name == "GITHUB_TOKEN") continue;  // set above, or by failsim
      if (value.find("${{") != std::string::npos) {
        changes.push_back("env " + name + " (" + value + ") left unset (failsim cannot evaluate it)");
        continue;
      }
      std::string lower = name + " " + value;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (RE2::FullMatch(value, R"re(https?://[^\s/]+/?)re") && (value.find(":9090") != std::string::npos || lower.find("prom") != std::string::npos)) {
        exports += "export " + name + "=\"$PROMETHEUS_URL\"\n";
        changes.push_back("env " + name + " (" + value + ") -> $PROMETHEUS_URL (guessed: a Prometheus address, by its port 9090 or its name)");
        continue;
      }
      std::string quoted = "'";
      for (char c : value) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
      exports += "export " + name + "=" + quoted + "'\n";
    }
  }
  std::string root = repository.string();
  std::string quoted_root = "'";
  for (char c : root) quoted_root += c == '\'' ? std::string("'\\''") : std::string(1, c);
  quoted_root += "'";
  return "#!/usr/bin/env bash\n"
         "# The step at " + where + ", as failsim import wrote it to run as a command check inside\n"
         "# the simulation (harness/inputs/import/import_gate_steps.h). Changes from the step are in the import notes.\n"
         "set -e  # GitHub runs run: with bash -e\n"
         "cd " + quoted_root + "  # the repository, as a step's working directory is\n"
         "FAILSIM_RUNNER_HOSTNAME=\"$1\"  # the runner this check is about\n"
         "hostname() { echo \"$FAILSIM_RUNNER_HOSTNAME\"; }\n"
         "HOSTNAME=\"$FAILSIM_RUNNER_HOSTNAME\"\n" +
         exports + preset + "# --- the step's run: ---\n" + body + (body.empty() || body.back() == '\n' ? "" : "\n");
}

GateSteps read_gate_steps(const YAML::Node& steps, const std::string& file, const std::string& job, const StepEnv& env) {
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
      const std::string id = check_id(name);
      check["name"] = id;
      out.notes.push_back({file, line, "gate check " + id + " of job " + job + " read from step \"" + name + "\": " +
                                           check["query"].get<std::string>() + " " + check["pass_if"].get<std::string>() + " " +
                                           threshold + " passes (an empty result or a failed query fails it)"});
      out.checks.push_back(check);
    } else if (looks_like_health(name, run)) {
      ++out.unreadable;
      const std::string id = check_id(name);
      // A step that runs a file of the repository runs it from the repository's root;
      // a file that is not there cannot run, and nothing is made up for it.
      const std::filesystem::path root = repository_root(file);
      const std::string missing = missing_local_file(run, root);
      if (!missing.empty()) {
        out.notes.push_back({file, line, "step \"" + name + "\" of job " + job + " looks like a health check, but " + why +
                                             ", and it runs " + missing + ", which is not in the repository (" + root.string() +
                                             "): no check written for it; with the file there, import again to run the step "
                                             "as a command check"});
        continue;
      }
      const std::string path = "gate-steps/" + id + ".sh";
      std::vector<std::string> changes;
      out.scripts.emplace_back(path, step_script(step, run, env, file + ":" + std::to_string(line), root, changes));
      out.checks.push_back({{"name", id}, {"command", {"bash", path, "${hostname}"}}, {"timeout", "60s"}, {"takes", "2s"}});
      std::string changed;
      for (const auto& c : changes) changed += (changed.empty() ? "" : "; ") + c;
      out.notes.push_back({file, line, "step \"" + name + "\" of job " + job + " looks like a health check, but " + why +
                                           ": it runs as it is, as command check " + id + " (" + path +
                                           " beside the policy), inside the simulation against the world's Prometheus and "
                                           "GitHub; exit 0 passes; it takes 2s of virtual time (set takes)" +
                                           (changed.empty() ? std::string() : "; changed: " + changed)});
    }
  }
  return out;
}

}  // namespace failsim::harness
