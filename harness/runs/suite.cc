#include "harness/runs/suite.h"
#include "harness/runs/suite_plan.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <thread>

#include "failover/json_fields.h"
#include "failover/policy.h"
#include "harness/runs/command_checks.h"
#include "harness/inputs/inputs.h"
#include "harness/runs/run.h"
#include "harness/inputs/overrides.h"
#include "harness/inputs/slo_file.h"
#include "harness/inputs/text_file.h"
#include "reports/format.h"

namespace failsim::harness {
namespace {

// Where two traces of one seed part: "; first difference at event 41 (12m30s after
// the first, gate command): \"gate team-gate on rack1-a: exit 0\" vs \"... exit 1\"".
std::string first_difference(const std::vector<TraceEvent>& a, const std::vector<TraceEvent>& b) {
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t k = 0; k <= n; ++k) {
    if (k == n) {
      if (a.size() == b.size()) return "";
      return "; one trace has " + std::to_string(a.size()) + " events, the other " + std::to_string(b.size());
    }
    if (a[k].t_us == b[k].t_us && a[k].category == b[k].category && a[k].name == b[k].name && a[k].detail == b[k].detail) continue;
    const auto& e = a[k];
    auto one_line = [](std::string text) {  // a summary line stays one line
      for (std::size_t p = text.find('\n'); p != std::string::npos; p = text.find('\n', p)) text.replace(p, 1, " ⏎ ");
      if (text.size() <= 240) return text;
      std::size_t cut = 240;
      while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // a whole character
      return text.substr(0, cut) + "…";
    };
    return "; first difference at event " + std::to_string(k + 1) + " (" +
           format_duration(Duration((e.t_us - a.front().t_us) / 1000000 * 1000000)) + " after the first, " + e.category + " " +
           e.name + "): \"" + one_line(e.detail) + "\" vs \"" + one_line(b[k].detail) + "\"";
  }
  return "";
}

using nlohmann::json;

using json_fields::join;

std::string fraction(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g %%", 100.0 * x);
  return buf;
}

// Each expectation in words, as the report lists them.
std::vector<std::string> describe(const Expectations& e) {
  std::vector<std::string> out;
  if (e.outcome) out.push_back("each seed: outcome " + *e.outcome);
  if (e.runner) out.push_back("each seed: lands on " + *e.runner);
  if (e.final_version) out.push_back("each seed: production ends on " + *e.final_version);
  if (e.deploy_within) out.push_back("each seed: deploy within " + format_duration(*e.deploy_within));
  if (e.detection_within) out.push_back("each seed: detection within " + format_duration(*e.detection_within));
  if (e.alert_fires) out.push_back(std::string("each seed: an alert ") + (*e.alert_fires ? "fires" : "never fires"));
  if (e.detection_p50_within) out.push_back("over seeds: detection p50 within " + format_duration(*e.detection_p50_within));
  if (e.detection_p95_within) out.push_back("over seeds: detection p95 within " + format_duration(*e.detection_p95_within));
  if (e.deploy_p50_within) out.push_back("over seeds: deploy p50 within " + format_duration(*e.deploy_p50_within));
  if (e.deploy_p95_within) out.push_back("over seeds: deploy p95 within " + format_duration(*e.deploy_p95_within));
  if (e.deploy_success_at_least) out.push_back("over seeds: deployed in at least " + fraction(*e.deploy_success_at_least));
  if (e.alert_fires_in_at_least) out.push_back("over seeds: an alert fires in at least " + fraction(*e.alert_fires_in_at_least));
  for (const auto& k : e.known_violations) out.push_back("known violation: " + k);
  return out;
}

// The expectations over all seeds; each broken one in words with the figure.
std::vector<std::string> check_distribution(const Expectations& e, const reports::ScenarioReport& s) {
  std::vector<std::string> broken;
  const auto& det = s.aggregate.metrics.at("detection_seconds");
  const auto& dep = s.aggregate.metrics.at("deploy_seconds");
  const double n = static_cast<double>(std::max<std::size_t>(1, s.runs.size()));
  auto within = [&](const char* name, const std::optional<Duration>& limit, const reports::Percentiles& p, double value,
                    const char* none) {
    if (!limit) return;
    const std::string head = std::string(name) + " " + format_duration(*limit);
    if (p.count == 0) {
      broken.push_back(head + ": " + none);
    } else if (value > std::chrono::duration<double>(*limit).count()) {
      broken.push_back(head + ": was " + reports::format_seconds(value));
    }
  };
  within("detection_p50_within", e.detection_p50_within, det, det.p50, "no alert fired in any seed");
  within("detection_p95_within", e.detection_p95_within, det, det.p95, "no alert fired in any seed");
  within("deploy_p50_within", e.deploy_p50_within, dep, dep.p50, "no deploy landed in any seed");
  within("deploy_p95_within", e.deploy_p95_within, dep, dep.p95, "no deploy landed in any seed");
  if (e.deploy_success_at_least && s.aggregate.success_rate < *e.deploy_success_at_least) {
    broken.push_back("deploy_success_at_least " + fraction(*e.deploy_success_at_least) + ": was " +
                     reports::format_percent(s.aggregate.success_rate));
  }
  if (e.alert_fires_in_at_least && static_cast<double>(det.count) / n < *e.alert_fires_in_at_least) {
    broken.push_back("alert_fires_in_at_least " + fraction(*e.alert_fires_in_at_least) + ": fired in " +
                     std::to_string(det.count) + "/" + std::to_string(s.runs.size()));
  }
  return broken;
}

}  // namespace

Result<VariantSpec> parse_variant_arg(const std::string& text) {
  const auto colon = text.find(':');
  VariantSpec v;
  v.name = text.substr(0, colon);
  if (v.name.empty()) return Result<VariantSpec>::error("--variant " + text + ": expected NAME or NAME:PATH=VALUE");
  if (colon != std::string::npos) v.sets.push_back(text.substr(colon + 1));
  return Result<VariantSpec>::ok(std::move(v));
}

Result<std::vector<VariantSpec>> load_variants_file(const std::string& path) {
  using R = Result<std::vector<VariantSpec>>;
  const auto text = read_text_file(path);
  if (!text) return R::error(path + ": cannot read the variants file");
  return json_fields::read_document<std::vector<VariantSpec>>(*text, path, [&](const json& root) {
    json_fields::Fields top(root, "");
    std::vector<VariantSpec> out;
    const json& list = top.need("variants");
    if (!list.is_array() || list.empty()) json_fields::Fields::fail("/variants", "expected a non-empty array of variants");
    for (std::size_t i = 0; i < list.size(); ++i) {
      json_fields::Fields f(list[i], "/variants/" + std::to_string(i));
      VariantSpec v;
      v.name = f.text("name");
      if (v.name.empty()) json_fields::Fields::fail(f.at("name"), "expected a non-empty name");
      if (const json* set = f.get("set")) {
        if (!set->is_object()) json_fields::Fields::fail(f.at("set"), "expected an object of PATH: VALUE");
        for (const auto& [k, value] : set->items()) {
          v.sets.push_back(k + "=" + (value.is_string() ? value.get<std::string>() : value.dump()));
        }
      }
      if (const json* e = f.get("expect")) {
        if (!e->is_object()) json_fields::Fields::fail(f.at("expect"), "expected an object keyed by scenario name (or \"*\")");
        for (const auto& [k, value] : e->items()) {
          json_fields::Fields check(value, f.at("expect") + "/" + k);
          read_expectations(check);  // reported with this file's pointer now, not at run time
          v.expect[k] = value;
        }
      }
      v.file = path;
      f.finish();
      out.push_back(std::move(v));
    }
    top.finish();
    return out;
  });
}

Result<std::pair<std::string, std::vector<std::string>>> parse_sweep_arg(const std::string& text) {
  using R = Result<std::pair<std::string, std::vector<std::string>>>;
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size()) {
    return R::error("--sweep " + text + ": expected PATH=V1,V2,... (e.g. prometheus.scrape_interval=15s,30s,60s)");
  }
  std::vector<std::string> values;
  std::string cur;
  for (std::size_t i = eq + 1; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ',') {
      if (cur.empty()) return R::error("--sweep " + text + ": an empty value");
      if (std::find(values.begin(), values.end(), cur) != values.end()) return R::error("--sweep " + text + ": " + cur + " twice");
      values.push_back(cur);
      cur.clear();
    } else {
      cur += text[i];
    }
  }
  return R::ok({text.substr(0, eq), values});
}

json plan_json(const SuiteOptions& o) {
  json p;
  p["scenarios"] = o.scenario_paths;
  p["policies"] = o.policy_paths;
  p["rules"] = o.rules_path ? json(*o.rules_path) : json(nullptr);
  p["first_seed"] = o.first_seed;
  p["seeds"] = o.seeds;
  p["check_determinism"] = o.check_determinism;
  if (o.keep_ledger) p["keep_ledger"] = true;
  p["sets"] = o.sets;
  p["variants"] = json::array();
  for (const auto& v : o.variants) p["variants"].push_back({{"name", v.name}, {"sets", v.sets}, {"expect", v.expect}, {"file", v.file}});
  p["sweeps"] = json::array();
  for (const auto& [path, values] : o.sweeps) p["sweeps"].push_back({{"path", path}, {"values", values}});
  p["slos"] = o.slo_path ? json(*o.slo_path) : json(nullptr);
  p["timeline_seed"] = o.timeline_seed ? json(*o.timeline_seed) : json(nullptr);
  return p;
}

Result<SuiteOptions> options_from_plan(const json& p) {
  try {
    SuiteOptions o;
    o.scenario_paths = p.at("scenarios").get<std::vector<std::string>>();
    o.policy_paths = p.at("policies").get<std::vector<std::string>>();
    if (!p.at("rules").is_null()) o.rules_path = p.at("rules").get<std::string>();
    o.first_seed = json_fields::whole_at<std::uint64_t>(p, "first_seed");
    o.seeds = json_fields::whole_at<int>(p, "seeds");
    o.check_determinism = p.at("check_determinism").get<bool>();
    o.keep_ledger = p.value("keep_ledger", false);
    o.sets = p.at("sets").get<std::vector<std::string>>();
    for (const auto& v : p.at("variants")) {
      VariantSpec spec;
      spec.name = v.at("name").get<std::string>();
      spec.sets = v.at("sets").get<std::vector<std::string>>();
      spec.expect = v.at("expect").get<std::map<std::string, json>>();
      spec.file = v.at("file").get<std::string>();
      o.variants.push_back(std::move(spec));
    }
    for (const auto& s : p.at("sweeps")) o.sweeps.emplace_back(s.at("path").get<std::string>(), s.at("values").get<std::vector<std::string>>());
    if (!p.at("slos").is_null()) o.slo_path = p.at("slos").get<std::string>();
    if (!p.at("timeline_seed").is_null()) o.timeline_seed = json_fields::whole_at<std::uint64_t>(p, "timeline_seed");
    return Result<SuiteOptions>::ok(std::move(o));
  } catch (const json::exception& e) {
    return Result<SuiteOptions>::error(std::string("the shard's plan does not read back: ") + e.what());
  } catch (const json_fields::Invalid& e) {
    return Result<SuiteOptions>::error(std::string("the shard's plan does not read back: ") + e.what());
  }
}


namespace {

// Run i of the plan (row i / seeds, its (i % seeds)-th seed); with --check-determinism,
// twice, naming the first difference. The trace is dropped to bound memory.
RunResult run_one(const SuitePlan& plan, std::size_t i) {
  const PlannedRow& row = plan.rows[i / plan.seeds];
  const std::uint64_t seed = plan.first_seed + i % plan.seeds;
  const RunInputs in = plan.inputs_of(row);
  RunResult result = run_scenario(in, seed);
  if (plan.options.check_determinism) {
    const UncountedCommands uncounted;
    const RunResult again = run_scenario(in, seed);
    const bool same = again.trace_hash == result.trace_hash;
    result.invariants["deterministic"] = same;
    if (!same) {
      result.broken.push_back("the same seed produced a different trace (hash " + std::to_string(result.trace_hash) + " vs " +
                              std::to_string(again.trace_hash) + ")" + first_difference(result.trace, again.trace));
    }
  }
  result.trace.clear();
  result.trace.shrink_to_fit();
  return result;
}

// failsim merge: the runs the shards made, placed as this process would have run them.
Result<std::vector<RunResult>> given_runs(const SuitePlan& plan) {
  using R = Result<std::vector<RunResult>>;
  const auto& given = *plan.options.given_runs;
  if (given.size() != plan.rows.size()) {
    return R::error("the shards have " + std::to_string(given.size()) + " rows; their plan makes " + std::to_string(plan.rows.size()));
  }
  std::vector<RunResult> results(plan.rows.size() * plan.seeds);
  for (std::size_t k = 0; k < plan.rows.size(); ++k) {
    if (given[k].size() != plan.seeds) {
      return R::error("row " + std::to_string(k + 1) + ": the shards hold " + std::to_string(given[k].size()) + " runs of " +
                      std::to_string(plan.seeds) + " seeds");
    }
    for (std::size_t s = 0; s < plan.seeds; ++s) {
      if (given[k][s].seed != plan.first_seed + s) {
        return R::error("row " + std::to_string(k + 1) + ": seed " + std::to_string(plan.first_seed + s) + " is missing from the shards");
      }
      results[k * plan.seeds + s] = given[k][s];
    }
  }
  return R::ok(std::move(results));
}

// Every run of the plan on the option's threads; placed by index, so the results do not
// depend on the thread count. A progress bar on `progress` when asked.
std::vector<RunResult> execute_plan(const SuitePlan& plan, std::ostream& progress) {
  const std::size_t total = plan.rows.size() * plan.seeds;
  std::vector<RunResult> results(total);
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  // Every command runs for real when determinism is checked: reuse would hide a
  // command that reads the clock (harness/runs/command_checks.h).
  if (plan.options.check_determinism) set_command_memo(false);
  auto worker = [&] {
    for (std::size_t i = next++; i < total; i = next++) {
      results[i] = run_one(plan, i);
      ++done;
    }
  };
  const int threads = plan.options.jobs > 0 ? plan.options.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (int t = 0; t < std::min<int>(threads, static_cast<int>(total)); ++t) pool.emplace_back(worker);
  if (plan.options.progress) {
    while (done.load() < total) {
      const std::size_t d = done.load();
      const int width = 40;
      const int filled = static_cast<int>(width * d / std::max<std::size_t>(total, 1));
      progress << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] " << d << "/" << total << std::flush;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    progress << "\r[" << std::string(40, '#') << "] " << total << "/" << total << "\n";
  }
  for (auto& t : pool) t.join();
  return results;
}

// One row of the report from its runs: labels, replay arguments, aggregate, verdicts, and
// the timeline seed re-run for its trace (the run is a pure function of its inputs).
reports::ScenarioReport report_row(const SuitePlan& plan, const PlannedRow& row, std::vector<RunResult> runs) {
  const SuiteOptions& o = plan.options;
  const Scenario& sc = plan.scenario_of(row);
  const PlannedVariant& var = plan.variants[row.variant];
  const reports::SloSet& slos = plan.slos_of(row);
  reports::ScenarioReport sr;
  sr.name = sc.name;
  sr.policy = plan.policy_of(row).name;
  sr.variant = var.label;
  sr.variant_name = var.name;
  sr.overrides = var.set_texts;
  sr.sweep_point = var.point;
  sr.file = sc.file;
  // `failsim replay` of one seed of this row, with everything that shaped it.
  sr.replay_args = {sc.file, "--policy", plan.documents[row.variant].policy_paths[row.policy]};
  if (o.rules_path) sr.replay_args.insert(sr.replay_args.end(), {"--rules", *o.rules_path});
  if (!var.file.empty()) sr.replay_args.insert(sr.replay_args.end(), {"--variants", var.file, "--variant", var.name});
  for (const auto& set : var.file.empty() ? var.set_texts : var.own_sets) sr.replay_args.insert(sr.replay_args.end(), {"--set", set});
  sr.slo_scope = sc.slos;
  sr.timeline_seed = o.timeline_seed;
  sr.runs = std::move(runs);
  sr.aggregate = reports::aggregate(sr.runs, slos, sc.slos);
  if (row.expect) {
    sr.expectations = describe(*row.expect);
    sr.distribution_broken = check_distribution(*row.expect, sr);
  }
  sr.passed = sr.distribution_broken.empty();
  for (const auto& r : sr.runs) sr.passed = sr.passed && r.passed();
  if (const RunResult* shown = reports::timeline_run(sr); shown != nullptr) {
    const UncountedCommands uncounted;
    RunResult again = run_scenario(plan.inputs_of(row), shown->seed);
    for (auto& r : sr.runs) {
      if (r.seed == shown->seed) r.trace = std::move(again.trace);
    }
  }
  return sr;
}

}  // namespace

Result<reports::SuiteReport> run_plan(const SuitePlan& plan, std::ostream& progress) {
  using R = Result<reports::SuiteReport>;
  std::vector<RunResult> results;
  if (plan.options.given_runs != nullptr) {
    auto given = given_runs(plan);
    if (!given) return R::error(given.error());
    results = std::move(given).value();
  } else {
    results = execute_plan(plan, progress);
  }
  reports::SuiteReport suite;
  suite.failsim_version = FAILSIM_VERSION;
  std::vector<std::string> sources;
  for (const auto& [path, values] : plan.options.sweeps) suite.sweep_paths.push_back(path);
  for (std::size_t k = 0; k < plan.rows.size(); ++k) {
    const PlannedRow& row = plan.rows[k];
    std::vector<RunResult> runs(std::make_move_iterator(results.begin() + static_cast<std::ptrdiff_t>(k * plan.seeds)),
                                std::make_move_iterator(results.begin() + static_cast<std::ptrdiff_t>((k + 1) * plan.seeds)));
    const std::string& source = plan.slos_of(row).source;
    if (std::find(sources.begin(), sources.end(), source) == sources.end()) sources.push_back(source);
    suite.scenarios.push_back(report_row(plan, row, std::move(runs)));
  }
  suite.slo_source = join(sources);
  if (!plan.rows.empty()) suite.slo_definitions = plan.slos_of(plan.rows.front()).slos;
  suite.shard = plan.shard;
  return R::ok(std::move(suite));
}

Result<reports::SuiteReport> run_suite(const SuiteOptions& options, std::ostream& progress) {
  auto plan = plan_suite(options);
  if (!plan) return Result<reports::SuiteReport>::error(plan.error());
  return run_plan(plan.value(), progress);
}

}  // namespace failsim::harness
