#include "reports/report.h"

#include "reports/alert_report.h"

#include "failover/json_fields.h"
#include "reports/escape.h"
#include "reports/format.h"
#include "reports/stats.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

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
  p.p50 = *nearest_rank(v, 0.50);
  p.p95 = *nearest_rank(v, 0.95);
  p.p99 = *nearest_rank(v, 0.99);
  p.max = *std::max_element(v.begin(), v.end());
  return p;
}

Aggregate aggregate(const std::vector<RunResult>& runs, const SloSet& slos,
                    const std::optional<std::vector<std::string>>& slo_scope) {
  Aggregate a;
  std::vector<std::optional<double>> detection, firing, notification, noticed, failover, deploy;
  for (const auto& r : runs) {
    detection.push_back(r.detection_seconds);
    firing.push_back(r.firing_seconds);
    notification.push_back(r.notification_seconds);
    noticed.push_back(r.noticed_seconds);
    failover.push_back(r.failover_seconds);
    deploy.push_back(r.deploy_seconds);
    if (r.outcome == "deployed") ++a.deployed;
  }
  a.metrics["detection_seconds"] = percentiles(detection);
  a.metrics["firing_seconds"] = percentiles(firing);
  a.metrics["notification_seconds"] = percentiles(notification);
  a.metrics["noticed_seconds"] = percentiles(noticed);
  a.metrics["failover_seconds"] = percentiles(failover);
  a.metrics["deploy_seconds"] = percentiles(deploy);
  a.success_rate = runs.empty() ? 0 : static_cast<double>(a.deployed) / static_cast<double>(runs.size());
  a.slos = judge_slos(slos, slo_scope, runs);
  return a;
}

RowNumbers row_numbers(const ScenarioReport& s, int resamples) {
  RowNumbers n;
  n.n = s.runs.size();
  std::vector<double> detection, deploy;
  for (const auto& r : s.runs) {
    if (r.outcome == "deployed") ++n.deployed;
    if (r.detection_seconds) detection.push_back(*r.detection_seconds);
    if (r.firing_seconds) ++n.fired;
    if (r.deploy_seconds) deploy.push_back(*r.deploy_seconds);
  }
  n.deployed_ci = wilson(n.deployed, n.n);
  const std::string key = s.name + "|" + s.label();
  auto fill = [&](const std::vector<double>& v, double q, const char* what, std::optional<double>& value,
                  std::optional<Interval>& ci) {
    value = nearest_rank(v, q);
    if (value) ci = bootstrap(v, Statistic{q}, resamples, fnv1a64(key + "|" + what));
  };
  fill(detection, 0.5, "detection_p50", n.detection_p50, n.detection_p50_ci);
  fill(detection, 0.95, "detection_p95", n.detection_p95, n.detection_p95_ci);
  fill(deploy, 0.5, "deploy_p50", n.deploy_p50, n.deploy_p50_ci);
  fill(deploy, 0.95, "deploy_p95", n.deploy_p95, n.deploy_p95_ci);
  return n;
}

std::string with_interval(const std::optional<double>& v, const std::optional<Interval>& ci) {
  if (!v) return "never";
  std::string out = format_seconds(*v);
  if (ci && (ci->low != *v || ci->high != *v)) out += " [" + format_seconds(ci->low) + "–" + format_seconds(ci->high) + "]";
  return out;
}

const RunResult* timeline_run(const ScenarioReport& s) {
  for (const auto& r : s.runs) {
    if (s.timeline_seed && r.seed == *s.timeline_seed) return &r;
  }
  for (const auto& r : s.runs) {
    if (!r.passed()) return &r;
  }
  return s.runs.empty() ? nullptr : &s.runs.front();
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
  j["detection_to"] = r.detection_to;
  j["firing_seconds"] = opt(r.firing_seconds);
  j["notification_seconds"] = opt(r.notification_seconds);
  if (r.detection_chain) {
    const auto& c = *r.detection_chain;
    j["detection_chain"] = {{"fault", c.fault},
                            {"alert", c.alert},
                            {"instance", c.instance},
                            {"fault_seconds", c.fault_seconds},
                            {"first_failed_scrape_seconds", opt(c.first_failed_scrape_seconds)},
                            {"pending_seconds", opt(c.pending_seconds)},
                            {"firing_seconds", c.firing_seconds},
                            {"notified_seconds", opt(c.notified_seconds)},
                            {"resolved_notified_seconds", opt(c.resolved_notified_seconds)}};
  } else {
    j["detection_chain"] = nullptr;
  }
  j["noticed_seconds"] = opt(r.noticed_seconds);
  j["failover_seconds"] = opt(r.failover_seconds);
  j["deploy_seconds"] = opt(r.deploy_seconds);
  j["attempts"] = r.attempts;
  j["invariants"] = r.invariants;
  j["broken_expectations"] = r.broken;
  j["known_violations"] = r.expected_violations;
  j["had_fault"] = r.had_fault;
  j["trace_hash"] = r.trace_hash;
  j["deploys"] = json::array();
  for (const auto& d : r.deploys) {
    j["deploys"].push_back({{"version", d.version}, {"outcome", d.outcome}, {"diagnosis", d.diagnosis},
                            {"runner", d.runner.empty() ? json(nullptr) : json(d.runner)}, {"attempts", d.attempts},
                            {"finished_seconds", opt(d.finished_seconds)}, {"triggered_seconds", d.triggered_seconds},
                            {"source", d.source}});
  }
  j["faults"] = json::array();
  for (const auto& f : r.faults) j["faults"].push_back(fault_record_json(f));
  if (r.alert_ledger) j["alert_ledger"] = ledger_json(*r.alert_ledger);
  if (!r.scorecard.empty()) {
    j["scorecard"] = json::array();
    for (const auto& c : r.scorecard) {
      j["scorecard"].push_back({{"name", c.name}, {"text", c.text}, {"passed", c.passed}, {"met_seconds", opt(c.met_seconds)},
                                {"deadline_seconds", opt(c.deadline_seconds)}, {"detail", c.detail}});
    }
  }
  return j;
}

std::string fmt_seconds(double s) { return format_seconds(s); }

std::optional<double> opt_double(const json& v) { return v.is_null() ? std::nullopt : std::optional<double>(v.get<double>()); }

}  // namespace

std::optional<std::string> implausible_run(const json& r) {
  if (!r.is_object()) return "a run is not an object";
  static const std::set<std::string> kOutcomes = {"deployed", "failed", "rolled_back", "cancelled", "pending"};
  if (!r.contains("outcome") || !r["outcome"].is_string() || !kOutcomes.count(r["outcome"].get<std::string>())) {
    return "outcome: expected one of deployed, failed, rolled_back, cancelled, pending, got " +
           (r.contains("outcome") ? r["outcome"].dump() : std::string("nothing"));
  }
  for (const auto& [key, value] : r.items()) {
    const bool seconds = key.size() > 8 && key.compare(key.size() - 8, 8, "_seconds") == 0;
    if (!seconds || value.is_null()) continue;
    if (!value.is_number() || !std::isfinite(value.get<double>()) || value.get<double>() < 0) {
      return key + ": expected a time of at least 0 seconds or null, got " + value.dump();
    }
  }
  if (r.contains("attempts") && (!r["attempts"].is_number_integer() || r["attempts"].get<long long>() < 0)) {
    return "attempts: expected a count of at least 0, got " + r["attempts"].dump();
  }
  if (r.contains("seed") && !r["seed"].is_number_unsigned() && !(r["seed"].is_number_integer() && r["seed"].get<long long>() >= 0)) {
    return "seed: expected an integer of at least 0, got " + r["seed"].dump();
  }
  return std::nullopt;
}

Result<RunResult> run_from_json(const std::string& text, const std::string& scenario, const std::string& policy) {
  try {
    const json j = json::parse(text);
    if (const auto why = implausible_run(j)) return Result<RunResult>::error(*why);
    RunResult r;
    r.scenario = scenario;
    r.policy = policy;
    r.seed = json_fields::whole_at<std::uint64_t>(j, "seed");
    r.outcome = j.at("outcome").get<std::string>();
    if (!j.at("runner").is_null()) r.runner = j.at("runner").get<std::string>();
    r.final_version = j.at("final_version").get<std::string>();
    r.detection_seconds = opt_double(j.at("detection_seconds"));
    // Files written before detection could end at the notification measured to firing.
    r.detection_to = j.contains("detection_to") ? j.at("detection_to").get<std::string>() : "firing";
    if (r.detection_to != "firing" && r.detection_to != "notification") {
      return Result<RunResult>::error("detection_to: expected \"firing\" or \"notification\", got \"" + r.detection_to + "\"");
    }
    r.firing_seconds = j.contains("firing_seconds") ? opt_double(j.at("firing_seconds")) : r.detection_seconds;
    if (j.contains("notification_seconds")) r.notification_seconds = opt_double(j.at("notification_seconds"));
    if (j.contains("detection_chain") && j.at("detection_chain").is_object()) {
      const json& c = j.at("detection_chain");
      DetectionChain ch;
      ch.fault = c.at("fault").get<std::string>();
      ch.alert = c.at("alert").get<std::string>();
      ch.instance = c.at("instance").get<std::string>();
      ch.fault_seconds = c.at("fault_seconds").get<double>();
      ch.first_failed_scrape_seconds = opt_double(c.at("first_failed_scrape_seconds"));
      ch.pending_seconds = opt_double(c.at("pending_seconds"));
      ch.firing_seconds = c.at("firing_seconds").get<double>();
      ch.notified_seconds = opt_double(c.at("notified_seconds"));
      ch.resolved_notified_seconds = opt_double(c.at("resolved_notified_seconds"));
      r.detection_chain = ch;
    }
    r.noticed_seconds = opt_double(j.at("noticed_seconds"));
    r.failover_seconds = opt_double(j.at("failover_seconds"));
    r.deploy_seconds = opt_double(j.at("deploy_seconds"));
    r.attempts = json_fields::whole_at<int>(j, "attempts");
    r.invariants = j.at("invariants").get<std::map<std::string, bool>>();
    r.broken = j.at("broken_expectations").get<std::vector<std::string>>();
    r.expected_violations = j.at("known_violations").get<std::vector<std::string>>();
    r.had_fault = j.at("had_fault").get<bool>();
    r.trace_hash = json_fields::whole_at<std::uint64_t>(j, "trace_hash");
    for (const auto& d : j.at("deploys")) {
      DeployResult x;
      x.version = d.at("version").get<std::string>();
      x.outcome = d.at("outcome").get<std::string>();
      x.diagnosis = d.at("diagnosis").get<std::string>();
      x.runner = d.at("runner").is_null() ? "" : d.at("runner").get<std::string>();
      x.attempts = json_fields::whole_at<int>(d, "attempts");
      x.finished_seconds = opt_double(d.at("finished_seconds"));
      x.triggered_seconds = d.at("triggered_seconds").get<double>();
      x.source = d.value("source", std::string("schedule"));
      r.deploys.push_back(std::move(x));
    }
    for (const auto& f : j.value("faults", json::array())) {
      FaultRecord x;
      x.id = json_fields::whole_at<int>(f, "id");
      x.kind = f.at("kind").get<std::string>();
      x.what = f.at("what").get<std::string>();
      x.source = f.at("source").get<std::string>();
      x.start_seconds = f.at("start_seconds").get<double>();
      x.end_seconds = opt_double(f.at("end_seconds"));
      r.faults.push_back(std::move(x));
    }
    if (j.contains("alert_ledger")) r.alert_ledger = ledger_from_json(j.at("alert_ledger"));
    for (const auto& c : j.value("scorecard", json::array())) {
      CheckpointResult x;
      x.name = c.at("name").get<std::string>();
      x.text = c.at("text").get<std::string>();
      x.passed = c.at("passed").get<bool>();
      x.met_seconds = opt_double(c.at("met_seconds"));
      x.deadline_seconds = opt_double(c.at("deadline_seconds"));
      x.detail = c.at("detail").get<std::string>();
      r.scorecard.push_back(std::move(x));
    }
    return Result<RunResult>::ok(std::move(r));
  } catch (const json::exception& e) {
    return Result<RunResult>::error(std::string("a run does not read back: ") + e.what());
  } catch (const json_fields::Invalid& e) {
    return Result<RunResult>::error(std::string("a run does not read back: ") + e.what());
  }
}

std::vector<ScorecardRow> scorecard_rows(const ScenarioReport& s) {
  std::vector<ScorecardRow> rows;
  const RunResult* shown = timeline_run(s);
  if (shown == nullptr || shown->scorecard.empty()) return rows;
  for (std::size_t i = 0; i < shown->scorecard.size(); ++i) {
    ScorecardRow row;
    row.name = shown->scorecard[i].name;
    row.text = shown->scorecard[i].text;
    row.detail = shown->scorecard[i].detail;
    std::vector<std::optional<double>> met;
    for (const auto& r : s.runs) {
      if (i >= r.scorecard.size()) continue;
      ++row.runs;
      row.passed += r.scorecard[i].passed ? 1 : 0;
      if (r.scorecard[i].met_seconds) met.push_back(r.scorecard[i].met_seconds);
    }
    if (!met.empty()) row.met_p50 = percentiles(met).p50;
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string first_failure(const ScenarioReport& s) {
  for (const auto& b : s.distribution_broken) return "over " + std::to_string(s.runs.size()) + " seeds: " + b;
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

namespace {

// The failure kinds of one run: an expectation's key ("outcome", "deploy_within") or
// "invariant NAME".
std::set<std::string> failure_kinds(const RunResult& r) {
  std::set<std::string> keys;
  for (const auto& b : r.broken) keys.insert(b.substr(0, b.find(':')));
  for (const auto& [name, ok] : r.invariants) {
    const bool expected = std::find(r.expected_violations.begin(), r.expected_violations.end(), name) != r.expected_violations.end();
    if (!ok && !expected) keys.insert("invariant " + name);
  }
  return keys;
}

std::string shell_quote(const std::string& arg) {
  const bool plain = !arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=,+@%") == std::string::npos;
  if (plain) return arg;
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

std::string reproduce_command(const ScenarioReport& s, std::uint64_t seed) {
  std::string out = "failsim replay";
  for (const auto& a : s.replay_args.empty() ? std::vector<std::string>{s.file} : s.replay_args) out += " " + shell_quote(a);
  return out + " --seed " + std::to_string(seed);
}

std::map<std::string, std::vector<std::uint64_t>> failing_seeds(const ScenarioReport& s) {
  std::map<std::string, std::vector<std::uint64_t>> out;
  for (const auto& r : s.runs) {
    for (const auto& k : failure_kinds(r)) out[k].push_back(r.seed);
  }
  return out;
}

std::vector<std::pair<std::string, std::size_t>> broken_counts(const ScenarioReport& s) {
  std::vector<std::pair<std::string, std::size_t>> out;
  for (const auto& b : s.distribution_broken) out.emplace_back(b + " (over all seeds)", s.runs.size());
  for (const auto& [k, seeds] : failing_seeds(s)) out.emplace_back(k, seeds.size());
  return out;
}

std::map<std::string, std::size_t> known_violation_counts(const ScenarioReport& s) {
  std::map<std::string, std::size_t> known;
  for (const auto& r : s.runs) {
    for (const auto& name : r.expected_violations) {
      const auto it = r.invariants.find(name);
      if (it != r.invariants.end() && !it->second) ++known[name];
    }
  }
  return known;
}

std::string slo_cell(const SloVerdict& v) {
  if (v.status == "met") return "✅ " + v.id + " " + v.figure;
  if (v.status == "missed") return "❌ " + v.id + " " + v.figure + " (needs " + v.objective + ")";
  if (v.status == "out_of_scope") return "➖ " + v.id + " out of scope";
  return "➖ " + v.id + " " + v.note;
}

std::string results_json(const SuiteReport& suite) {
  json root;
  root["schema_version"] = kSchemaVersion;
  root["failsim_version"] = suite.failsim_version;
  root["slo_source"] = suite.slo_source;
  root["sweep_paths"] = suite.sweep_paths;
  if (suite.shard) {
    root["shard"] = {{"index", suite.shard->index}, {"count", suite.shard->count}, {"first_seed", suite.shard->first_seed},
                     {"seeds", suite.shard->seeds}, {"plan", json::parse(suite.shard->plan_json)}};
  }
  root["scenarios"] = json::array();
  for (const auto& s : suite.scenarios) {
    json js;
    js["name"] = s.name;
    js["policy"] = s.policy;
    js["variant"] = s.variant;
    js["overrides"] = s.overrides;
    js["sweep_point"] = json::object();
    for (const auto& [path, value] : s.sweep_point) js["sweep_point"][path] = value;
    js["file"] = s.file;
    js["seeds"] = s.runs.size();
    js["passed"] = s.passed;
    js["expectations"] = s.expectations;
    js["distribution_broken"] = s.distribution_broken;
    js["runs"] = json::array();
    for (const auto& r : s.runs) js["runs"].push_back(run_json(r));
    json agg;
    for (const auto& [name, p] : s.aggregate.metrics) {
      agg[name] = {{"count", p.count}, {"nulls", p.nulls}, {"p50", p.count ? json(p.p50) : json(nullptr)},
                   {"p95", p.count ? json(p.p95) : json(nullptr)}, {"p99", p.count ? json(p.p99) : json(nullptr)},
                   {"max", p.count ? json(p.max) : json(nullptr)}};
    }
    agg["success_rate"] = s.aggregate.success_rate;
    const Interval ci = wilson(s.aggregate.deployed, s.runs.size());
    agg["success_rate_ci95"] = {ci.low, ci.high};
    agg["slo"] = json::object();
    for (const auto& v : s.aggregate.slos) {
      agg["slo"][v.id] = {{"name", v.name}, {"status", v.status}, {"figure", v.figure}, {"objective", v.objective},
                          {"note", v.note}};
    }
    js["aggregate"] = agg;
    if (const json alerts = alerts_json(s); !alerts.empty()) js["alerts"] = alerts;
    root["scenarios"].push_back(js);
  }
  if (const auto ledgers = ledger_runs(suite); !ledgers.empty()) root["coverage"] = coverage_json(coverage(ledgers));
  return root.dump(2) + "\n";
}

std::vector<std::string> failure_lines(const ScenarioReport& s) {
  std::vector<std::string> out;
  const std::string n = std::to_string(s.runs.size());
  for (const auto& b : s.distribution_broken) {
    out.push_back("over all " + n + " seeds: " + b + " (rerun the row: failsim run with the same options)");
  }
  for (const auto& [kind, seeds] : failing_seeds(s)) {
    std::string list;
    for (std::size_t i = 0; i < seeds.size() && i < kFirstSeedsShown; ++i) list += (list.empty() ? "" : ", ") + std::to_string(seeds[i]);
    if (seeds.size() > kFirstSeedsShown) list += ", …";
    out.push_back(kind + ": " + std::to_string(seeds.size()) + "/" + n + " seeds failed (seeds " + list + "); reproduce: `" +
                  reproduce_command(s, seeds.front()) + "`");
  }
  return out;
}

std::string failure_details(const ScenarioReport& s, std::uint64_t shown_seed) {
  std::string out;
  for (const auto& line : failure_lines(s)) out += line + "\n";
  return out + "Reproduce: " + reproduce_command(s, shown_seed);
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
    out += "    <testcase classname=\"" + xml_escape(s.name) + "\" name=\"" + xml_escape(s.name + " [" + s.label() + "]") + "\">";
    if (!s.passed) {
      const std::string why = first_failure(s);
      const RunResult* r = timeline_run(s);
      out += "\n      <failure message=\"" + xml_escape(why) + "\">" + xml_escape(why) + "\n" +
             xml_escape(failure_details(s, r ? r->seed : 1)) + "</failure>\n    ";
    }
    out += "</testcase>\n";
  }
  out += "  </testsuite>\n</testsuites>\n";
  return out;
}

std::string detection_end(const ScenarioReport& s) {
  return !s.runs.empty() && s.runs.front().detection_to == "notification" ? "notified" : "fired";
}

std::string summary_md(const SuiteReport& suite) {
  std::string out = "# failsim: scenario suite\n\n## What happened\n\n";
  // The story of each scenario under each policy, at a glance: outcomes, where the
  // deploys landed, whether any alert fired, known defects, and one seed's diagnosis.
  for (const auto& s : suite.scenarios) {
    std::map<std::string, int> outcomes;
    for (const auto& r : s.runs) ++outcomes[r.outcome + (r.runner ? " on " + *r.runner : "")];
    std::string line;
    for (const auto& [what, n] : outcomes) line += (line.empty() ? "" : ", ") + what + " ×" + std::to_string(n);
    const auto& det = s.aggregate.metrics.at("firing_seconds");
    out += "- " + std::string(s.passed ? "✅" : "❌") + " **" + s.name + "** / `" + s.label() + "`: " + line + "; alert " +
           (det.count ? "fired in " + std::to_string(det.count) + "/" + std::to_string(s.runs.size()) + " runs (p50 " +
                            fmt_seconds(det.p50) + " after the fault)"
                      : std::string("**never fired**"));
    if (const auto& note = s.aggregate.metrics.at("notification_seconds"); note.count > 0) {
      out += ", Alertmanager notified in " + std::to_string(note.count) + "/" + std::to_string(s.runs.size()) +
             " (p50 " + fmt_seconds(note.p50) + " after the fault it is about)";
    }
    out += ".";
    for (const auto& [name, n] : known_violation_counts(s)) {
      out += " Known defect: " + name + " violated in " + std::to_string(n) + "/" + std::to_string(s.runs.size()) + " runs.";
    }
    if (const RunResult* r = timeline_run(s); r != nullptr && !r->deploys.empty()) {
      out += " Seed " + std::to_string(r->seed) + ": " + r->deploys.back().diagnosis;
    }
    out += "\n";
  }
  out += "\n## Measurements\n\n";
  out += "| scenario | policy | seeds | expectations | deployed (95 % CI) | deploy p50 / p95 (landed) | "
         "detection p50 / p95 (fault → notified, or fired) | SLOs |\n";
  out += "|---|---|---|---|---|---|---|---|\n";
  for (const auto& s : suite.scenarios) {
    const auto& d = s.aggregate.metrics.at("deploy_seconds");
    const auto& det = s.aggregate.metrics.at("detection_seconds");
    const auto& fired = s.aggregate.metrics.at("firing_seconds");
    const Interval ci = wilson(s.aggregate.deployed, s.runs.size());
    std::string slos;
    for (const auto& v : s.aggregate.slos) slos += (slos.empty() ? "" : "<br>") + slo_cell(v);
    const std::string n = std::to_string(s.runs.size());
    out += "| " + s.name + " | " + s.label() + " | " + n + " | " + (s.passed ? "✅ pass" : "❌ FAIL") + " | " +
           format_percent(s.aggregate.success_rate) + " (" + format_percent(ci.low) + "–" + format_percent(ci.high) + ") | " +
           (d.count ? fmt_seconds(d.p50) + " / " + fmt_seconds(d.p95) + " (" + std::to_string(d.count) + "/" + n + ")"
                    : std::string("never")) +
           " | " +
           (det.count ? fmt_seconds(det.p50) + " / " + fmt_seconds(det.p95) + " (" + std::to_string(det.count) + "/" + n + " " +
                            detection_end(s) + ")"
                      : std::string(fired.count ? "fired, never notified" : "never fired")) +
           " | " + slos + " |\n";
  }
  bool any_plan = false;
  for (const auto& s : suite.scenarios) {
    const auto rows = scorecard_rows(s);
    if (rows.empty()) continue;
    if (!any_plan) out += "\n## Game-day scorecards\n";
    any_plan = true;
    const RunResult* shown = timeline_run(s);
    out += "\n### " + s.name + " / `" + s.label() + "`\n\n| checkpoint | held | met (p50, T+) | seed " +
           std::to_string(shown->seed) + " |\n|---|---|---|---|\n";
    for (const auto& row : rows) {
      out += "| " + std::string(row.passed == row.runs ? "✅ " : "❌ ") + row.name + ": " + row.text + " | " +
             std::to_string(row.passed) + "/" + std::to_string(row.runs) + " | " + (row.met_p50 ? fmt_seconds(*row.met_p50) : "–") +
             " | " + row.detail + " |\n";
    }
  }
  bool any_failed = false;
  for (const auto& s : suite.scenarios) {
    const auto counts = broken_counts(s);
    if (counts.empty()) continue;
    if (!any_failed) out += "\n## Broken expectations\n\n";
    any_failed = true;
    out += "- ❌ **" + s.name + "** under `" + s.label() + "`: first: " + first_failure(s) + "\n";
    for (const auto& line : failure_lines(s)) out += "  - " + line + "\n";
  }
  if (suite.compare_markdown) out += "\n" + *suite.compare_markdown;
  out += alerts_markdown(suite) + tradeoff_markdown(suite);
  out += "\nDeployed: runs whose newest deploy request landed, with a Wilson 95 % interval (a deploy that reached "
         "production while GitHub failed its job is deployed_job_failed, not deployed). Deploy time: that request's "
         "trigger to production running its version (landed runs only). Detection: from the fault the first alert is "
         "about to Alertmanager's first notification of that alert where the world has an Alertmanager, else to the "
         "alert firing (runs where one did; the column says which). SLOs from " +
         (suite.slo_source.empty() ? std::string("built-in") : suite.slo_source) +
         "; ➖ marks an SLO out of the scenario's scope or not applicable.\n";
  return out;
}

json fault_record_json(const FaultRecord& f) {
  return {{"id", f.id},         {"kind", f.kind}, {"what", f.what}, {"source", f.source}, {"start_seconds", f.start_seconds},
          {"end_seconds", f.end_seconds ? json(*f.end_seconds) : json(nullptr)}};
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
