#include "harness/ci/ci_output.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "harness/inputs/text_file.h"

namespace failsim::harness {
namespace {

std::optional<std::string> env_value(const char* name) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return std::nullopt;
  return std::string(v);
}

// @actions/core's escapeData / escapeProperty.
std::string escape_data(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '%') out += "%25";
    else if (c == '\r') out += "%0D";
    else if (c == '\n') out += "%0A";
    else out += c;
  }
  return out;
}
std::string escape_property(const std::string& s) {
  std::string out;
  for (char c : escape_data(s)) {
    if (c == ':') out += "%3A";
    else if (c == ',') out += "%2C";
    else out += c;
  }
  return out;
}

// The 1-based line of `"key"` inside the scenario's "expect" object (the first one
// after "expect"), else of "expect", else 1.
int expectation_line(const std::string& text, const std::string& key) {
  auto line_of = [&text](std::size_t pos) { return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(pos), '\n')); };
  const auto expect = text.find("\"expect\"");
  if (expect == std::string::npos) return 1;
  if (!key.empty()) {
    const auto at = text.find("\"" + key + "\"", expect);
    if (at != std::string::npos) return line_of(at);
  }
  return line_of(expect);
}

// The line that chose the scenario's SLOs: its "slos" list, else its "slo_file", else 1.
int slo_line(const std::string& text) {
  for (const char* key : {"\"slos\"", "\"slo_file\""}) {
    const auto at = text.find(key);
    if (at != std::string::npos) return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
  }
  return 1;
}

std::string annotation_path(const std::string& file, const CiEnvironment& env) {
  if (!env.workspace) return file;
  std::error_code ec;
  const auto abs = std::filesystem::weakly_canonical(file, ec);
  const auto ws = std::filesystem::weakly_canonical(*env.workspace, ec);
  const auto rel = abs.lexically_relative(ws);
  if (rel.empty() || rel.native().rfind("..", 0) == 0) return file;
  return rel.string();
}

std::string command(const std::string& kind, const std::string& file, int line, const std::string& title, const std::string& message) {
  return "::" + kind + " file=" + escape_property(file) + ",line=" + std::to_string(line) + ",title=" + escape_property(title) +
         "::" + escape_data(message) + "\n";
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6g", v);
  return buf;
}

std::string seed_list(const std::vector<std::uint64_t>& seeds) {
  std::string out;
  for (std::size_t i = 0; i < seeds.size() && i < reports::kFirstSeedsShown; ++i) out += (out.empty() ? "" : ", ") + std::to_string(seeds[i]);
  return seeds.size() > reports::kFirstSeedsShown ? out + ", …" : out;
}

}  // namespace

CiEnvironment CiEnvironment::from_process() {
  CiEnvironment env;
  env.github_actions = env_value("GITHUB_ACTIONS").value_or("") == "true";
  env.step_summary_path = env_value("GITHUB_STEP_SUMMARY");
  env.output_path = env_value("GITHUB_OUTPUT");
  env.workspace = env_value("GITHUB_WORKSPACE");
  return env;
}

std::string github_annotations(const reports::SuiteReport& suite, const CiEnvironment& env) {
  if (!env.github_actions) return "";
  std::string out;
  std::map<std::string, std::string> texts;  // scenario file -> its text
  for (const auto& s : suite.scenarios) {
    if (!texts.count(s.file)) texts[s.file] = read_text_file(s.file).value_or("");
    const std::string& text = texts[s.file];
    const std::string file = annotation_path(s.file, env);
    const std::string row = s.name + " under " + s.label();
    const std::string n = std::to_string(s.runs.size());
    for (const auto& b : s.distribution_broken) {
      out += command("error", file, expectation_line(text, b.substr(0, b.find(' '))), "failsim: " + row,
                     "over all " + n + " seeds: " + b);
    }
    for (const auto& [kind, seeds] : reports::failing_seeds(s)) {
      const std::string key = kind.rfind("invariant ", 0) == 0 ? "" : kind.substr(0, kind.find(' '));
      out += command("error", file, expectation_line(text, key), "failsim: " + row,
                     kind + ": " + std::to_string(seeds.size()) + "/" + n + " seeds failed (seeds " + seed_list(seeds) +
                         ")\nreproduce: " + reports::reproduce_command(s, seeds.front()));
    }
    for (const auto& v : s.aggregate.slos) {
      // SLOs are findings, not the exit status (expectations and fail-on are): a warning.
      if (v.status == "missed") {
        out += command("warning", file, slo_line(text), "failsim SLO " + v.id + ": " + row, reports::slo_cell(v));
      }
    }
    for (const auto& [name, count] : reports::known_violation_counts(s)) {
      out += command("warning", file, expectation_line(text, "known_violations"), "failsim known defect: " + row,
                     name + " violated in " + std::to_string(count) + "/" + n + " seeds (expected: a known defect)");
    }
  }
  return out;
}

Result<bool> write_github_files(const reports::SuiteReport& suite, const std::string& out_dir, bool passed,
                                const CiEnvironment& env) {
  const std::filesystem::path dir(out_dir);
  if (env.step_summary_path) {
    const auto summary = read_text_file((dir / "summary.md").string());
    std::ofstream f(*env.step_summary_path, std::ios::app);
    if (!summary || !f) return Result<bool>::error("cannot append to GITHUB_STEP_SUMMARY file " + *env.step_summary_path);
    f << *summary << "\n";
    if (!f.flush()) return Result<bool>::error("cannot write GITHUB_STEP_SUMMARY file " + *env.step_summary_path);
  }
  if (env.output_path) {
    std::size_t runs = 0, failed_runs = 0, failed_rows = 0;
    bool slos_met = true;
    for (const auto& s : suite.scenarios) {
      for (const auto& v : s.aggregate.slos) slos_met = slos_met && v.status != "missed";
      runs += s.runs.size();
      failed_rows += s.passed ? 0 : 1;
      for (const auto& r : s.runs) failed_runs += r.passed() ? 0 : 1;
    }
    std::ostringstream o;
    o << "passed=" << (passed ? "true" : "false") << "\n"
      << "slos_met=" << (slos_met ? "true" : "false") << "\n"
      << "out_dir=" << out_dir << "\n"
      << "results_json=" << (dir / "results.json").string() << "\n"
      << "junit_xml=" << (dir / "junit.xml").string() << "\n"
      << "summary_md=" << (dir / "summary.md").string() << "\n"
      << "report_html=" << (dir / "report.html").string() << "\n"
      << "rows=" << suite.scenarios.size() << "\n"
      << "failed_rows=" << failed_rows << "\n"
      << "runs=" << runs << "\n"
      << "failed_runs=" << failed_runs << "\n";
    if (!suite.scenarios.empty()) {
      const auto& a = suite.scenarios.front().aggregate;
      auto figure = [&a](const std::string& metric) {
        const auto& p = a.metrics.at(metric);
        return p.count == 0 ? std::string() : number(p.p95);
      };
      o << "deploy_success=" << number(a.success_rate) << "\n"
        << "detection_p95_seconds=" << figure("detection_seconds") << "\n"
        << "deploy_p95_seconds=" << figure("deploy_seconds") << "\n";
    }
    std::ofstream f(*env.output_path, std::ios::app);
    if (!f || !(f << o.str()) || !f.flush()) return Result<bool>::error("cannot append to GITHUB_OUTPUT file " + *env.output_path);
  }
  return Result<bool>::ok(true);
}

std::string group_begin(const CiEnvironment& env, const std::string& title) {
  return env.github_actions ? "::group::" + escape_data(title) + "\n" : "";
}
std::string group_end(const CiEnvironment& env) { return env.github_actions ? "::endgroup::\n" : ""; }

}  // namespace failsim::harness
