#include "harness/runs/run_command.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>
#include <map>
#include <ostream>
#include <sstream>

#include "failover/duration.h"
#include <nlohmann/json.hpp>

#include "harness/ci/ci_output.h"
#include "harness/runs/command_checks.h"
#include "harness/inputs/overrides.h"
#include "harness/inputs/scenario.h"
#include "harness/inputs/text_file.h"
#include "harness/runs/suite_plan.h"
#include "reports/alert_report.h"
#include "reports/compare.h"

namespace failsim::harness {
namespace {

// What a shard's results.json lacks that merge reads, or nullopt: merge then reads it
// without a type surprise.
std::optional<std::string> malformed_shard(const nlohmann::json& r) {
  const auto& sh = r["shard"];
  if (!sh.contains("index") || !sh["index"].is_number_integer() || !sh.contains("count") || !sh["count"].is_number_integer() ||
      sh["count"].get<long long>() < 1 || sh["index"].get<long long>() < 1 || sh["index"].get<long long>() > sh["count"].get<long long>() ||
      sh["count"].get<long long>() > 10000 || !sh.contains("plan") || !sh["plan"].is_object()) {
    return std::string("/shard: expected {index, count, plan} with 1 <= index <= count");
  }
  if (r.contains("failsim_version") && !r["failsim_version"].is_string()) return std::string("/failsim_version: expected a string");
  if (!r.contains("scenarios") || !r["scenarios"].is_array()) return std::string("/scenarios: expected an array");
  for (std::size_t i = 0; i < r["scenarios"].size(); ++i) {
    const auto& row = r["scenarios"][i];
    if (!row.is_object() || !row.contains("name") || !row["name"].is_string() || !row.contains("policy") || !row["policy"].is_string() ||
        (row.contains("variant") && !row["variant"].is_string() && !row["variant"].is_null()) || !row.contains("runs") ||
        !row["runs"].is_array()) {
      return "/scenarios/" + std::to_string(i) + ": expected name, policy (strings) and runs (an array)";
    }
  }
  return std::nullopt;
}

Result<std::vector<reports::Tolerance>> tolerances(const std::optional<std::string>& text) {
  if (!text) return Result<std::vector<reports::Tolerance>>::ok({});
  return reports::parse_fail_on(*text);
}

Result<bool> write_compare(const reports::CompareReport& c, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Result<bool>::error(dir + ": " + ec.message());
  for (const auto& [name, text] : std::vector<std::pair<std::string, std::string>>{
           {"compare.md", reports::compare_markdown(c)},
           {"compare.json", reports::compare_json(c)},
           {"compare.html", reports::compare_html(c)}}) {
    auto w = write_atomically((std::filesystem::path(dir) / name).string(), text);
    if (!w) return w;
  }
  return Result<bool>::ok(true);
}

std::string redact(std::string text, const std::vector<std::string>& secrets) {
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos)) text.replace(pos, secret.size(), "***");
  }
  return text;
}

// Writes a suite's reports (and sweep and compare files), prints the summary, the CI
// output, and returns the exit code: the tail `failsim run` and `failsim merge` share.
int write_and_report(const reports::SuiteReport& report, const SuitePlan& plan,
                     const std::optional<reports::CompareReport>& compared, const std::string& command,
                     std::ostream& out, std::ostream& err, const ReportView& view = {}) {
  auto fail = [&err, &command](const std::string& what) {
    err << command << ": " << what << "\n";
    return 2;
  };
  const SuiteOptions& suite = plan.options;
  const std::vector<std::string>& secrets = plan.secrets;
  auto written = write_reports(report, suite.out_dir, secrets);
  if (!written.has_value()) return fail(written.error());
  if (compared) {
    if (auto w = write_compare(*compared, suite.out_dir); !w) return fail(w.error());
  }
  const bool tradeoff = !suite.sweeps.empty() && !reports::ledger_runs(report).empty();
  if (!suite.sweeps.empty()) {
    std::vector<std::pair<std::string, std::string>> files = {
        {"sweep.md", reports::sweep_markdown(report) + reports::tradeoff_markdown(report)}, {"sweep.svg", reports::sweep_svg(report)}};
    if (tradeoff) files.emplace_back("tradeoff.svg", reports::tradeoff_svg(report));
    for (const auto& [name, text] : files) {
      auto w = write_atomically((std::filesystem::path(suite.out_dir) / name).string(), text);
      if (!w) return fail(w.error());
    }
  }
  bool ok = written.value();
  std::size_t runs = 0;
  for (const auto& s : report.scenarios) {
    ok = ok && s.passed;
    runs += s.runs.size();
  }
  const CiEnvironment ci = CiEnvironment::from_process();
  // Print the summary as written (secrets redacted), never the in-memory one.
  if (view.alerts_only) {
    // `failsim alerts`: the alert section (and the trade-off of a sweep) alone.
    out << redact(reports::alerts_markdown(report) + reports::tradeoff_markdown(report), secrets) << "\n";
  } else {
    out << group_begin(ci, "failsim summary")
        << read_text_file((std::filesystem::path(suite.out_dir) / "summary.md").string()).value_or("") << "\n"
        << group_end(ci);
    if (!suite.sweeps.empty()) out << reports::sweep_markdown(report) << "\n";
  }
  out << runs << " runs; reports in " << suite.out_dir << "/ (results.json, junit.xml, summary.md, report.html"
      << (suite.sweeps.empty() ? "" : ", sweep.md, sweep.svg") << (tradeoff ? ", tradeoff.svg" : "")
      << (compared ? ", compare.md, compare.json, compare.html" : "") << ")\n";
  if (view.coverage_floor) {
    const auto ledgers = reports::ledger_runs(report);
    const reports::Coverage c = reports::coverage(ledgers);
    if (ledgers.empty()) {
      err << command << ": --fail-on coverage: no run kept an alert ledger (use failsim alerts, or scenarios with_background)\n";
      ok = false;
    } else if (c.percent + 1e-9 < 100.0 * *view.coverage_floor) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.1f %%", c.percent);
      err << command << ": worse than allowed: coverage " << buf << " is below --fail-on " << view.coverage_text;
      for (const auto& n : c.never) err << "; " << n;
      err << "\n";
      ok = false;
    }
  }
  if (const CommandStats cs = command_stats(); cs.calls > 0) {
    out << "command checks: " << cs.calls << " calls, " << cs.started << " run as processes, " << (cs.calls - cs.started)
        << " reused (the same reads of Prometheus got the same answers; --check-determinism runs every call)\n";
    // What each one said, most frequent first within its check (at most 30 lines).
    std::vector<std::pair<CommandStats::Verdict, std::uint64_t>> rows(cs.verdicts.begin(), cs.verdicts.end());
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      if (a.first.policy != b.first.policy || a.first.check != b.first.check) return a.first < b.first;
      return a.second > b.second;
    });
    std::size_t shown = 0;
    for (const auto& [v, n] : rows) {
      if (++shown > 30) {
        out << "  ... " << rows.size() - 30 << " more\n";
        break;
      }
      out << "  " << v.policy << ": " << v.check << ": " << v.result << " x" << n
          << (v.last_line.empty() ? "" : " \"" + v.last_line + "\"") << "\n";
    }
  }
  if (compared && !compared->failures.empty()) {
    for (const auto& f : compared->failures) {
      err << command << ": worse than allowed: " << f << "\n";
      if (ci.github_actions) out << "::error title=failsim compare::" << f << "\n";
    }
    ok = false;
  }
  out << redact(github_annotations(report, ci), secrets);
  if (auto w = write_github_files(report, suite.out_dir, ok, ci); !w) return fail(w.error());
  return ok ? 0 : 1;
}

// The files the plan read (scenarios, their worlds, policies, rule and SLO files,
// variants files), plus `extra`, against the files the run would write into out_dir: an
// output that is an input is an error before anything runs.
Result<bool> check_outputs(const SuitePlan& plan, std::vector<std::string> inputs) {
  inputs.insert(inputs.end(), plan.inputs.begin(), plan.inputs.end());
  std::vector<std::string> outputs;
  for (const char* name : {"results.json", "junit.xml", "summary.md", "report.html", "sweep.md", "sweep.svg", "tradeoff.svg", "compare.md",
                           "compare.json", "compare.html"}) {
    outputs.push_back((std::filesystem::path(plan.options.out_dir) / name).string());
  }
  return refuse_inputs_as_outputs(outputs, inputs);
}

}  // namespace

int run_command(RunCommandOptions o, std::ostream& out, std::ostream& err) {
  SuiteOptions& suite = o.suite;
  auto fail = [&err, &o](const std::string& what) {
    err << o.view.command << ": " << what << "\n";
    return 2;
  };
  if (auto once = refuse_repeated_sets(suite.sets); !once) return fail(once.error());
  if (o.variants_file) {
    auto v = load_variants_file(*o.variants_file);
    if (!v) return fail(v.error());
    suite.variants = std::move(v).value();
  }
  for (const auto& arg : o.variant_args) {
    auto v = parse_variant_arg(arg);
    if (!v) return fail(v.error());
    auto same = std::find_if(suite.variants.begin(), suite.variants.end(), [&](const VariantSpec& x) { return x.name == v.value().name; });
    if (same == suite.variants.end()) {
      suite.variants.push_back(std::move(v).value());
    } else {
      for (const auto& set : v.value().sets) {
        const std::string path = set.substr(0, set.find('='));
        for (const auto& earlier : same->sets) {
          if (earlier.substr(0, earlier.find('=')) == path) {
            return fail("--variant " + same->name + " sets " + path + " twice (" + earlier + ", then " + set +
                        "); one value per variant: give another variant a name of its own");
          }
        }
        same->sets.push_back(set);
      }
    }
  }
  for (const auto& arg : o.sweep_args) {
    auto s = parse_sweep_arg(arg);
    if (!s) return fail(s.error());
    suite.sweeps.push_back(std::move(s).value());
  }
  auto tol = tolerances(o.fail_on);
  if (!tol) return fail(tol.error());
  ReportView view = o.view;
  std::vector<reports::Tolerance> against_baseline;
  for (const auto& t : tol.value()) {
    if (t.floor) {
      view.coverage_floor = t.amount;
      view.coverage_text = t.text;
    } else {
      against_baseline.push_back(t);
    }
  }
  if (view.coverage_floor) suite.keep_ledger = true;
  if (!against_baseline.empty() && !o.baseline) {
    return fail("--fail-on " + against_baseline.front().text + " needs --baseline (a results.json to compare with)");
  }
  std::optional<std::string> baseline_text;
  if (o.baseline) {
    baseline_text = read_text_file(*o.baseline);
    if (!baseline_text) return fail("--baseline " + *o.baseline + ": cannot read the file");
    // Checked now, not after the runs: a wrong file fails in a second, not in minutes.
    auto check = reports::compare_results(*baseline_text, *o.baseline, *baseline_text, *o.baseline, {1, 1, {}});
    if (!check) return fail("--baseline: " + check.error());
  }
  auto plan = plan_suite(suite);
  if (!plan) return fail(plan.error());
  if (auto c = check_outputs(plan.value(), o.baseline ? std::vector<std::string>{*o.baseline} : std::vector<std::string>{}); !c) {
    return fail(c.error());
  }
  auto result = run_plan(plan.value(), err);
  if (!result) return fail(result.error());
  reports::SuiteReport report = std::move(result).value();
  std::optional<reports::CompareReport> compared;
  if (baseline_text) {
    reports::CompareOptions co;
    co.resamples = o.bootstrap;
    co.fail_on = against_baseline;
    auto c = reports::compare_results(*baseline_text, *o.baseline, reports::results_json(report),
                                      (std::filesystem::path(suite.out_dir) / "results.json").string(), co);
    if (!c) return fail(c.error());
    compared = std::move(c).value();
    report.compare_markdown = reports::compare_markdown(*compared);
    report.compare_html = reports::compare_html_section(*compared);
  }
  return write_and_report(report, plan.value(), compared, view.command, out, err, view);
}

int merge_command(const MergeCommandOptions& o, std::ostream& out, std::ostream& err) {
  auto fail = [&err](const std::string& what) {
    err << "failsim merge: " << what << "\n";
    return 2;
  };
  using nlohmann::json;
  std::map<int, std::pair<std::string, json>> shards;  // index -> (dir, results)
  std::optional<json> plan;
  int count = 0;
  std::string version;
  for (const auto& dir : o.dirs) {
    const std::string path = path_is_directory(dir) ? (std::filesystem::path(dir) / "results.json").string() : dir;
    const auto text = read_text_file(path);
    if (!text) return fail(path + ": cannot read the file");
    json r = json::parse(*text, nullptr, false);
    if (!r.is_object() || !r.contains("shard") || !r["shard"].is_object()) {
      return fail(path + ": not a shard's results.json (run failsim run --shard K/N)");
    }
    if (const auto why = malformed_shard(r)) return fail(path + ": " + *why + " (a damaged or edited shard?)");
    const json& sh = r["shard"];
    const int index = sh.value("index", 0);
    if (!plan) {
      plan = sh["plan"];
      count = sh.value("count", 0);
      version = r.value("failsim_version", "");
    } else if (sh["plan"] != *plan || sh.value("count", 0) != count) {
      return fail(path + ": shard " + std::to_string(index) + " is of another run (its plan or shard count differs from " +
                  shards.begin()->second.first + "'s)");
    } else if (r.value("failsim_version", "") != version) {
      return fail(path + ": written by failsim " + r.value("failsim_version", "?") + ", the others by " + version);
    }
    if (shards.count(index) != 0) return fail(path + ": shard " + std::to_string(index) + " is given twice (also " + shards[index].first + ")");
    shards[index] = {path, std::move(r)};
  }
  if (!plan) return fail("no shard given");
  std::string missing;
  for (int k = 1; k <= count; ++k) {
    if (shards.count(k) == 0) missing += (missing.empty() ? "" : ", ") + std::to_string(k);
  }
  if (!missing.empty()) return fail("shard(s) " + missing + " of " + std::to_string(count) + " missing");
  auto options = options_from_plan(*plan);
  if (!options) return fail(options.error());
  SuiteOptions suite = std::move(options).value();
  suite.out_dir = o.out_dir;
  std::vector<std::vector<reports::RunResult>> given;
  std::map<std::size_t, std::set<std::uint64_t>> seeds_seen;  // row -> seeds, across shards
  for (const auto& [index, entry] : shards) {
    const json& rows = entry.second["scenarios"];
    if (given.empty()) given.resize(rows.size());
    if (rows.size() != given.size()) return fail(entry.first + ": " + std::to_string(rows.size()) + " rows; shard 1 has " + std::to_string(given.size()));
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const json& first = shards.begin()->second.second["scenarios"][i];
      if (rows[i]["name"] != first["name"] || rows[i]["policy"] != first["policy"] || rows[i].value("variant", json()) != first.value("variant", json())) {
        return fail(entry.first + ": row " + std::to_string(i + 1) + " is not shard 1's");
      }
      for (const auto& run : rows[i]["runs"]) {
        auto r = reports::run_from_json(run.dump(), rows[i]["name"].get<std::string>(), rows[i]["policy"].get<std::string>());
        if (!r) return fail(entry.first + ": " + r.error());
        if (!seeds_seen[i].insert(r.value().seed).second) {
          return fail(entry.first + ": row " + std::to_string(i + 1) + ": seed " + std::to_string(r.value().seed) +
                      " was run by another shard too (a shard given twice under another name, or edited?)");
        }
        given[i].push_back(std::move(r).value());
      }
    }
  }
  suite.given_runs = &given;
  std::vector<std::string> shard_files;
  for (const auto& [index, entry] : shards) shard_files.push_back(entry.first);
  auto merged = plan_suite(suite);
  if (!merged) return fail(merged.error());
  if (auto c = check_outputs(merged.value(), shard_files); !c) return fail(c.error());
  auto result = run_plan(merged.value(), err);
  if (!result) return fail(result.error());
  return write_and_report(result.value(), merged.value(), std::nullopt, "failsim merge", out, err);
}

int replay_command(const ReplayCommandOptions& o, std::ostream& out, std::ostream& err) {
  auto fail = [&err](const std::string& what) {
    err << "failsim replay: " << what << "\n";
    return 2;
  };
  SuiteOptions suite;
  suite.scenario_paths = {o.scenario};
  if (!o.policy.empty()) suite.policy_paths = {o.policy};
  if (!o.rules.empty()) suite.rules_path = o.rules;
  suite.first_seed = o.seed;
  suite.seeds = 1;
  suite.jobs = 1;
  suite.sets = o.sets;
  if (auto once = refuse_repeated_sets(suite.sets); !once) return fail(once.error());
  if (o.variants_file) {
    auto v = load_variants_file(*o.variants_file);
    if (!v) return fail(v.error());
    for (const auto& name : o.variant_args) {
      auto it = std::find_if(v.value().begin(), v.value().end(), [&](const VariantSpec& x) { return x.name == name; });
      if (it == v.value().end()) {
        std::string names;
        for (const auto& x : v.value()) names += (names.empty() ? "" : ", ") + x.name;
        return fail("--variant " + name + ": no such variant in " + *o.variants_file + "; variants: " + names);
      }
      suite.variants.push_back(*it);
    }
    if (suite.variants.size() != 1) return fail("--variants: name the one variant to replay with --variant NAME");
  } else {
    for (const auto& arg : o.variant_args) {
      auto v = parse_variant_arg(arg);
      if (!v) return fail(v.error());
      suite.sets.insert(suite.sets.end(), v.value().sets.begin(), v.value().sets.end());
    }
  }
  auto plan = plan_suite(suite);
  if (!plan) return fail(plan.error());
  std::ostringstream quiet;
  auto result = run_plan(plan.value(), quiet);
  if (!result) return fail(result.error());
  const auto& rows = result.value().scenarios;
  if (rows.size() != 1 || rows[0].runs.size() != 1) return fail("expected one run, got " + std::to_string(rows.size()) + " rows");
  const reports::ScenarioReport& row = rows[0];
  const reports::RunResult& run = row.runs[0];
  const Scenario& scenario = plan.value().scenario_of(plan.value().rows.front());
  std::string trace = reports::chrome_trace(run);
  if (!scenario.secret.empty() && trace.find(scenario.secret) != std::string::npos) {
    return fail("the trace would contain the scenario's secret; not written");
  }
  std::vector<std::string> inputs = plan.value().inputs;
  inputs.insert(inputs.end(), {o.scenario, o.policy, o.rules, o.variants_file.value_or("")});
  if (auto c = refuse_inputs_as_outputs({o.trace}, inputs); !c) return fail("--trace " + c.error());
  if (auto w = write_atomically(o.trace, trace); !w) return fail(w.error());
  const TimePoint start = scenario.world.start;
  for (const auto& e : run.trace) {
    out << format_duration(Duration(e.t_us) - start.time_since_epoch()) << "  " << e.category << "  " << e.name << "  "
        << e.detail << "\n";
  }
  for (const auto& b : run.broken) out << "broken expectation: " << b << "\n";
  for (const auto& [name, ok] : run.invariants) {
    if (ok) continue;
    const bool known = std::find(run.expected_violations.begin(), run.expected_violations.end(), name) != run.expected_violations.end();
    out << "invariant violated: " << name << (known ? " (a known defect: tolerated)" : "") << "\n";
  }
  for (const auto& d : run.deploys) {
    if (d.outcome != "deployed" && !d.diagnosis.empty()) out << "why " << d.version << " is " << d.outcome << ": " << d.diagnosis << "\n";
  }
  out << "outcome: " << run.outcome << "; " << (run.passed() ? "passed" : "FAILED") << "; trace (" << run.trace.size()
      << " events, hash " << run.trace_hash << ") written to " << o.trace << "\n";
  return run.passed() ? 0 : 1;
}

int compare_command(const CompareCommandOptions& o, std::ostream& out, std::ostream& err) {
  auto fail = [&err](const std::string& what) {
    err << "failsim compare: " << what << "\n";
    return 2;
  };
  auto tol = tolerances(o.fail_on);
  if (!tol) return fail(tol.error());
  if (o.out_dir) {
    std::vector<NamedPath> outputs;
    for (const char* name : {"compare.md", "compare.json", "compare.html"}) {
      outputs.push_back({"--out's " + std::string(name), (std::filesystem::path(*o.out_dir) / name).string()});
    }
    if (auto ok = check_output_paths(outputs, {{"the baseline", o.base}, {"the new results", o.fresh}}); !ok) return fail(ok.error());
  }
  const auto base_read = read_input_file(o.base);
  if (!base_read) return fail(o.base + ": cannot read the file: " + base_read.error());
  const auto fresh_read = read_input_file(o.fresh);
  if (!fresh_read) return fail(o.fresh + ": cannot read the file: " + fresh_read.error());
  const std::string* base = &base_read.value();
  const std::string* fresh = &fresh_read.value();
  reports::CompareOptions co;
  co.resamples = o.bootstrap;
  co.seed = o.seed;
  co.fail_on = tol.value();
  auto c = reports::compare_results(*base, o.base, *fresh, o.fresh, co);
  if (!c) return fail(c.error());
  if (o.out_dir) {
    if (auto w = write_compare(c.value(), *o.out_dir); !w) return fail(w.error());
  }
  out << reports::compare_markdown(c.value());
  for (const auto& f : c.value().failures) err << "failsim compare: worse than allowed: " << f << "\n";
  return c.value().failures.empty() ? 0 : 1;
}

}  // namespace failsim::harness
