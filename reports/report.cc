#include "reports/report.h"

#include "reports/escape.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace failsim::reports {

using nlohmann::json;

Percentiles percentiles(const std::vector<std::optional<double>>& values) {
  Percentiles p;
  std::vector<double> v;
  for (const auto& x : values) {
    if (x) {
      v.push_back(*x);
    } else {
      ++p.nulls;
    }
  }
  p.count = v.size();
  if (v.empty()) return p;
  std::sort(v.begin(), v.end());
  auto rank = [&v](double q) {
    const auto n = static_cast<double>(v.size());
    auto idx = static_cast<std::size_t>(std::ceil(q * n));
    if (idx == 0) idx = 1;
    return v[std::min(idx, v.size()) - 1];
  };
  p.p50 = rank(0.50);
  p.p95 = rank(0.95);
  p.p99 = rank(0.99);
  p.max = v.back();
  return p;
}

Aggregate aggregate(const std::vector<RunResult>& runs, const SloConfig& slo) {
  Aggregate a;
  std::vector<std::optional<double>> detection, noticed, failover, deploy;
  std::size_t deployed = 0;
  std::size_t faulted = 0;
  std::size_t detected_in_time = 0;
  bool secret_ok = true;
  for (const auto& r : runs) {
    detection.push_back(r.detection_seconds);
    noticed.push_back(r.noticed_seconds);
    failover.push_back(r.failover_seconds);
    deploy.push_back(r.deploy_seconds);
    if (r.outcome == "deployed") ++deployed;
    if (r.had_fault) {
      ++faulted;
      if (r.detection_seconds && *r.detection_seconds <= slo.max_detection_s) ++detected_in_time;
    }
    const auto it = r.invariants.find("no_secret_in_output");
    if (it != r.invariants.end() && !it->second) secret_ok = false;
  }
  a.metrics["detection_seconds"] = percentiles(detection);
  a.metrics["noticed_seconds"] = percentiles(noticed);
  a.metrics["failover_seconds"] = percentiles(failover);
  a.metrics["deploy_seconds"] = percentiles(deploy);
  a.success_rate = runs.empty() ? 0 : static_cast<double>(deployed) / static_cast<double>(runs.size());
  a.slo["deploy_success_rate"] = a.success_rate >= slo.min_success_rate;
  const auto& d = a.metrics["deploy_seconds"];
  a.slo["median_deploy_time"] = d.count > 0 && d.nulls <= d.count && d.p50 <= slo.max_median_deploy_s;
  a.slo["detection_time"] = faulted == 0 || static_cast<double>(detected_in_time) >= slo.min_detection_fraction * static_cast<double>(faulted);
  a.slo["no_secret_in_output"] = secret_ok;
  return a;
}

namespace {

json opt(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json run_json(const RunResult& r) {
  json j;
  j["seed"] = r.seed;
  j["outcome"] = r.outcome;
  j["runner"] = r.runner ? json(*r.runner) : json(nullptr);
  j["final_version"] = r.final_version;
  j["detection_seconds"] = opt(r.detection_seconds);
  j["noticed_seconds"] = opt(r.noticed_seconds);
  j["failover_seconds"] = opt(r.failover_seconds);
  j["deploy_seconds"] = opt(r.deploy_seconds);
  j["attempts"] = r.attempts;
  j["invariants"] = r.invariants;
  j["broken_expectations"] = r.broken;
  j["trace_hash"] = r.trace_hash;
  j["deploys"] = json::array();
  for (const auto& d : r.deploys) {
    j["deploys"].push_back({{"version", d.version}, {"outcome", d.outcome}, {"diagnosis", d.diagnosis},
                            {"runner", d.runner.empty() ? json(nullptr) : json(d.runner)}, {"attempts", d.attempts},
                            {"finished_seconds", opt(d.finished_seconds)}});
  }
  return j;
}

std::string fmt_seconds(double s) {
  char buf[32];
  if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  }
  return buf;
}

std::string first_failure(const ScenarioReport& s) {
  for (const auto& r : s.runs) {
    std::string why;
    for (const auto& b : r.broken) why += (why.empty() ? "" : "; ") + b;
    for (const auto& [name, ok] : r.invariants) {
      const bool expected = std::find(r.expected_violations.begin(), r.expected_violations.end(), name) != r.expected_violations.end();
      if (!ok && !expected) why += (why.empty() ? "" : "; ") + ("invariant " + name + " violated");
    }
    if (!why.empty()) return "seed " + std::to_string(r.seed) + ": " + why;
  }
  return "";
}

}  // namespace

std::string results_json(const SuiteReport& suite) {
  json root;
  root["schema_version"] = kSchemaVersion;
  root["failsim_version"] = suite.failsim_version;
  root["scenarios"] = json::array();
  for (const auto& s : suite.scenarios) {
    json js;
    js["name"] = s.name;
    js["policy"] = s.policy;
    js["file"] = s.file;
    js["seeds"] = s.runs.size();
    js["passed"] = s.passed;
    js["runs"] = json::array();
    for (const auto& r : s.runs) js["runs"].push_back(run_json(r));
    json agg;
    for (const auto& [name, p] : s.aggregate.metrics) {
      agg[name] = {{"count", p.count}, {"nulls", p.nulls}, {"p50", p.count ? json(p.p50) : json(nullptr)},
                   {"p95", p.count ? json(p.p95) : json(nullptr)}, {"p99", p.count ? json(p.p99) : json(nullptr)},
                   {"max", p.count ? json(p.max) : json(nullptr)}};
    }
    agg["success_rate"] = s.aggregate.success_rate;
    agg["slo"] = s.aggregate.slo;
    js["aggregate"] = agg;
    root["scenarios"].push_back(js);
  }
  return root.dump(2) + "\n";
}

std::string junit_xml(const SuiteReport& suite) {
  std::size_t failures = 0;
  for (const auto& s : suite.scenarios) failures += s.passed ? 0 : 1;
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"failsim\" tests=\"" + std::to_string(suite.scenarios.size()) + "\" failures=\"" +
         std::to_string(failures) + "\">\n";
  out += "  <testsuite name=\"failsim scenarios\" tests=\"" + std::to_string(suite.scenarios.size()) +
         "\" failures=\"" + std::to_string(failures) + "\">\n";
  for (const auto& s : suite.scenarios) {
    out += "    <testcase classname=\"" + xml_escape(s.name) + "\" name=\"" + xml_escape(s.name + " [" + s.policy + "]") + "\">";
    if (!s.passed) {
      const std::string why = first_failure(s);
      out += "\n      <failure message=\"" + xml_escape(why) + "\">" + xml_escape(why) +
             "\nReproduce: failsim replay " + xml_escape(s.file) + " --seed " + why.substr(5, why.find(':') - 5) +
             "</failure>\n    ";
    }
    out += "</testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

std::string summary_md(const SuiteReport& suite) {
  std::string out = "# failsim: scenario suite\n\n## What happened\n\n";
  // The story of each scenario under each policy, at a glance: outcomes, where the
  // deploys landed, whether any alert fired, known defects, and one seed's diagnosis.
  for (const auto& s : suite.scenarios) {
    std::map<std::string, int> outcomes;
    std::map<std::string, int> known;
    for (const auto& r : s.runs) {
      ++outcomes[r.outcome + (r.runner ? " on " + *r.runner : "")];
      for (const auto& name : r.expected_violations) {
        const auto it = r.invariants.find(name);
        if (it != r.invariants.end() && !it->second) ++known[name];
      }
    }
    std::string line;
    for (const auto& [what, n] : outcomes) line += (line.empty() ? "" : ", ") + what + " ×" + std::to_string(n);
    const auto& det = s.aggregate.metrics.at("detection_seconds");
    out += "- " + std::string(s.passed ? "✅" : "❌") + " **" + s.name + "** / `" + s.policy + "`: " + line + "; alert " +
           (det.count ? "fired in " + std::to_string(det.count) + "/" + std::to_string(s.runs.size()) + " runs (p50 " +
                            fmt_seconds(det.p50) + " after the fault)"
                      : std::string("**never fired**")) +
           ".";
    for (const auto& [name, n] : known) {
      out += " Known defect: " + name + " violated in " + std::to_string(n) + "/" + std::to_string(s.runs.size()) + " runs.";
    }
    if (!s.runs.empty() && !s.runs[0].deploys.empty()) {
      out += " Seed " + std::to_string(s.runs[0].seed) + ": " + s.runs[0].deploys.back().diagnosis;
    }
    out += "\n";
  }
  out += "\n## Measurements\n\n";
  out += "| scenario | policy | seeds | expectations | deployed | deploy p50 / p95 | detection p50 / p95 (none) | SLOs |\n";
  out += "|---|---|---|---|---|---|---|---|\n";
  for (const auto& s : suite.scenarios) {
    const auto& d = s.aggregate.metrics.at("deploy_seconds");
    const auto& det = s.aggregate.metrics.at("detection_seconds");
    char rate[16];
    std::snprintf(rate, sizeof rate, "%.1f %%", 100.0 * s.aggregate.success_rate);
    std::string slos;
    for (const auto& [name, ok] : s.aggregate.slo) slos += (slos.empty() ? "" : ", ") + std::string(ok ? "✅ " : "❌ ") + name;
    out += "| " + s.name + " | " + s.policy + " | " + std::to_string(s.runs.size()) + " | " +
           (s.passed ? "✅ pass" : "❌ FAIL") + " | " + rate + " | " +
           (d.count ? fmt_seconds(d.p50) + " / " + fmt_seconds(d.p95) : std::string("never")) + " | " +
           (det.count ? fmt_seconds(det.p50) + " / " + fmt_seconds(det.p95) : std::string("never fired")) +
           " (" + std::to_string(det.nulls) + ") | " + slos + " |\n";
  }
  bool any_failed = false;
  for (const auto& s : suite.scenarios) {
    if (s.passed) continue;
    if (!any_failed) out += "\n## Broken expectations\n\n";
    any_failed = true;
    out += "- ❌ **" + s.name + "** under `" + s.policy + "`: " + first_failure(s) + "\n";
  }
  return out;
}

std::string chrome_trace(const RunResult& run) {
  json events = json::array();
  std::map<std::string, int> tids;
  for (const auto& e : run.trace) {
    auto [it, fresh] = tids.emplace(e.category, static_cast<int>(tids.size()) + 1);
    events.push_back({{"name", e.name}, {"cat", e.category}, {"ph", "i"}, {"s", "t"}, {"ts", e.t_us}, {"pid", 1},
                      {"tid", it->second}, {"args", {{"detail", e.detail}}}});
  }
  for (const auto& [cat, tid] : tids) {
    events.push_back({{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", tid}, {"args", {{"name", cat}}}});
  }
  json root;
  root["traceEvents"] = events;
  root["displayTimeUnit"] = "ms";
  root["metadata"] = {{"scenario", run.scenario}, {"policy", run.policy}, {"seed", run.seed}, {"trace_hash", run.trace_hash}};
  return root.dump() + "\n";
}

}  // namespace failsim::reports
