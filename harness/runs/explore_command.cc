// failsim explore: the search, the shrinking of what it finds, and the reports
// (harness/runs/explore.h).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "failover/duration.h"
#include "failover/json_fields.h"
#include "harness/runs/explore.h"
#include "harness/inputs/inputs.h"
#include "harness/runs/run.h"
#include "harness/runs/suite.h"
#include "harness/inputs/text_file.h"
#include "reports/explore_report.h"

namespace failsim::harness {

using json_fields::json;
using ordered = nlohmann::ordered_json;  // written files keep a readable key order

namespace {

std::string relative_to(const std::string& path, const std::string& dir) {
  std::error_code ec;
  const auto a = std::filesystem::absolute(path, ec).lexically_normal();
  const auto b = std::filesystem::absolute(dir, ec).lexically_normal();
  return a.lexically_relative(b).generic_string();
}

std::string fault_text(const FaultSpec& f) {
  std::string s = std::string(to_string(f.kind)) + " at " + format_duration(f.at);
  if (f.length > Duration(0)) s += " for " + format_duration(f.length);
  switch (f.kind) {
    case FaultSpec::Kind::kPartition:
    case FaultSpec::Kind::kLoss:
    case FaultSpec::Kind::kLatency:
      s += ": " + f.from + " -> " + f.to + (f.port != 0 ? ":" + std::to_string(f.port) : "");
      if (f.kind == FaultSpec::Kind::kPartition) s += f.mode == sim::FaultMode::kDrop ? " (drop)" : " (reject)";
      if (f.kind == FaultSpec::Kind::kLoss) s += " (" + std::to_string(static_cast<int>(f.probability * 100 + 0.5)) + " % lost)";
      if (f.kind == FaultSpec::Kind::kLatency) s += " (+" + format_duration(f.added_latency) + ")";
      break;
    case FaultSpec::Kind::kHostDown: s += ": " + (f.runner.empty() ? f.to : f.runner); break;
    case FaultSpec::Kind::kCancelRun: break;
    case FaultSpec::Kind::kGitHubDegraded: s += ": GitHub API"; break;
    case FaultSpec::Kind::kHttpStatus:
      s += ": " + f.from + " -> " + f.to + (f.port != 0 ? ":" + std::to_string(f.port) : "") + " answered " + std::to_string(f.http_status);
      break;
    default: s += ": " + f.runner; break;
  }
  if (f.flap_down > Duration(0)) s += ", flapping " + format_duration(f.flap_down) + " on / " + format_duration(f.flap_up) + " off";
  return s;
}

std::string fault_target(const FaultSpec& f) {
  switch (f.kind) {
    case FaultSpec::Kind::kPartition:
    case FaultSpec::Kind::kLoss:
    case FaultSpec::Kind::kLatency:
    case FaultSpec::Kind::kHttpStatus: return f.from + "->" + f.to + (f.port != 0 ? ":" + std::to_string(f.port) : "");
    case FaultSpec::Kind::kHostDown: return f.runner.empty() ? f.to : f.runner;
    case FaultSpec::Kind::kCancelRun: return "newest run";
    case FaultSpec::Kind::kGitHubDegraded: return "github";
    default: return f.runner;
  }
}

std::string file_safe(const std::string& s) {
  std::string out;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    out += ok ? c : '-';
  }
  while (out.find("--") != std::string::npos) out.erase(out.find("--"), 1);
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

// The model states a run reached, for coverage.
std::set<std::string> states_of(const reports::RunResult& r) {
  std::set<std::string> s;
  for (const auto& e : r.trace) {
    if (e.category == "alert") {
      if (e.detail.find("->pending") != std::string::npos) s.insert("alert pending");
      if (e.detail.find("->firing") != std::string::npos) s.insert("alert firing");
      if (e.detail.rfind("firing->inactive", 0) == 0) s.insert("alert resolved");
    } else if (e.category == "job" && e.name == "completed") {
      if (e.detail.find("maximum execution time") != std::string::npos) {
        s.insert("job timed out");
      } else if (e.detail.rfind("cancelled", 0) == 0) {
        s.insert("job cancelled");
      }
      if (e.detail.find("lost communication") != std::string::npos) s.insert("job lost");
    } else if (e.category == "decision" && (e.name == "rollback" || e.name == "failover")) {
      s.insert(e.name);
    } else if (e.category == "production" && e.name == "rollback") {
      s.insert("rollback");
    }
  }
  if (r.failover_seconds) s.insert("failover");
  s.insert("outcome " + r.outcome);
  return s;
}

struct Budget {
  std::optional<long> runs;
  std::optional<Duration> time;
};

Result<Budget> parse_budget(const std::string& text) {
  Budget b;
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos && text.size() <= 9) {
    b.runs = std::stol(text);
    if (*b.runs < 1) return Result<Budget>::error("--budget: expected at least 1 run");
    return Result<Budget>::ok(b);
  }
  const auto d = parse_duration(text);
  if (!d || d.value() <= Duration(0)) {
    return Result<Budget>::error("--budget: expected a number of runs (e.g. 20000) or a time (e.g. 2m), got \"" + text + "\"");
  }
  // Below a second no run completes; beyond a week is a typo, not an exploration.
  constexpr Duration kMinBudget = std::chrono::seconds(1);
  constexpr Duration kMaxBudget = std::chrono::hours(24 * 7);
  if (d.value() < kMinBudget || d.value() > kMaxBudget) {
    return Result<Budget>::error("--budget " + text + ": a time budget is from " + format_duration(kMinBudget) + " to " +
                                 format_duration(kMaxBudget) + " (or give a number of runs)");
  }
  b.time = d.value();
  return Result<Budget>::ok(b);
}

struct Failure {  // the first run of one (policy, oracle, drawn shape)
  std::size_t policy = 0;
  std::string oracle;
  std::string drawn_shape;
  std::uint64_t seed = 0;
  Schedule schedule;
  long runs = 0;
  std::vector<std::uint64_t> seeds;  // the first few
};

struct Finding {  // after shrinking, grouped by (policy, oracle, minimal shape)
  std::size_t policy = 0;
  std::string oracle;
  std::string shape;
  std::uint64_t seed = 0;
  Schedule minimal;
  long runs = 0;
  std::vector<std::string> drawn_shapes;
  std::vector<std::uint64_t> seeds;
  int shrink_runs = 0;
  std::string file;    // relative to OUT
  std::string detail;  // why the oracle failed
  bool verified = false;
  int failing_of_ten = 0;  // of seeds 1..10
  std::vector<std::string> timeline;
};

// Runs `work(i)` for i in [0, n) on `threads` threads (results stored by index).
void parallel_for(std::size_t n, int threads, const std::function<void(std::size_t)>& work) {
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (std::size_t i = next++; i < n; i = next++) work(i);
    });
  }
  for (auto& t : pool) t.join();
}

std::string format_offset(std::int64_t t_us, std::int64_t start_us) {
  const auto d = std::chrono::microseconds(t_us - start_us);
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(d).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%3lldm%02llds", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  return buf;
}

}  // namespace

int explore_command(const ExploreOptions& o, std::ostream& out, std::ostream& err) {
  const auto wall_start = std::chrono::steady_clock::now();
  auto fail = [&](const std::string& m) {
    err << "failsim explore: " << m << "\n";
    return 2;
  };
  if (o.policy_paths.empty()) return fail("--policy: at least one policy file is required");
  const auto budget = parse_budget(o.budget);
  if (!budget) return fail(budget.error());
  ExploreConfig config;
  if (o.config_path) {
    auto c = load_explore_config(*o.config_path);
    if (!c) return fail(c.error());
    config = c.value();
  }
  const auto input_text = read_input_file(o.input);
  if (!input_text) return fail(o.input + ": cannot read: " + input_text.error());
  if (auto refused = refuse_inputs_as_outputs({o.out_dir + "/explore.json", o.out_dir + "/explore.md", o.out_dir + "/explore.html",
                                               o.out_dir + "/base-scenario.json"},
                                              {o.input, o.config_path.value_or("")});
      !refused) {
    return fail(refused.error());
  }
  std::error_code ec;
  const std::filesystem::path findings_path = std::filesystem::path(o.out_dir) / "findings";
  std::filesystem::create_directories(findings_path, ec);
  if (ec) return fail(o.out_dir + ": cannot create the output directory: " + ec.message());
  // The scenarios of an earlier exploration into this directory are not this one's.
  std::vector<std::filesystem::path> stale;
  for (const auto& e : std::filesystem::directory_iterator(findings_path, ec)) {
    if (e.path().extension() == ".json") stale.push_back(e.path());
  }
  for (const auto& p : stale) std::filesystem::remove(p, ec);

  // The base scenario: the one given, or (for a world) one deploy at 10m.
  std::string base_path = o.input;
  ordered base_doc;
  try {
    base_doc = ordered::parse(input_text.value());
  } catch (const json::exception& e) {
    return fail(o.input + ": not JSON: " + e.what());
  }
  if (base_doc.is_object() && base_doc.contains("world_version")) {
    base_path = o.out_dir + "/base-scenario.json";
    base_doc = ordered{{"scenario_version", 1},
                    {"world", relative_to(o.input, o.out_dir)},
                    {"name", "explore-" + base_doc.value("name", std::string("world"))},
                    {"description", "The base of failsim explore over " + o.input + ": one deploy at 10m."},
                    {"policy", relative_to(o.policy_paths[0], o.out_dir)},
                    {"workload", {{"deploys", ordered::array({ordered{{"at", "10m"}, {"version", "v-next"}}})}}},
                    {"run_length", "1h"}};
    if (auto w = write_atomically(base_path, base_doc.dump(2) + "\n"); !w) return fail(w.error());
  }
  std::vector<ExploreTarget> targets;
  for (const auto& p : o.policy_paths) {
    auto loaded = load_run(base_path, p, "", /*check_keys=*/false);
    if (!loaded) return fail(loaded.error());
    ExploreTarget t{loaded.value().scenario, loaded.value().policy, loaded.value().policy_path, loaded.value().rules,
                    config.invariants.empty() ? reports::all_invariants() : config.invariants,
                    config.properties.empty() ? default_properties() : config.properties};
    targets.push_back(std::move(t));
  }
  const int threads = o.jobs > 0 ? o.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto elapsed = [&] { return std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now() - wall_start); };
  // Search: batches of schedules, each run under every policy; results read in order.
  const std::size_t batch = 64;
  long runs = 0, schedules = 0;
  std::map<std::tuple<std::size_t, std::string, std::string>, Failure> failures;
  std::map<std::string, long> coverage_kinds;   // policy|kind|target -> runs
  std::map<std::string, long> coverage_states;  // policy|state -> runs
  std::map<std::string, long> failing_runs;     // policy|oracle -> runs
  const Duration search_time = budget.value().time ? *budget.value().time * 4 / 5 : Duration(0);
  for (;;) {
    std::size_t n = batch;
    if (budget.value().runs) {
      const long left = *budget.value().runs - schedules;
      if (left <= 0) break;
      n = std::min<std::size_t>(n, static_cast<std::size_t>(left));
    } else if (elapsed() >= search_time) {
      break;
    }
    std::vector<Schedule> drawn(n);
    std::vector<std::vector<reports::RunResult>> results(n, std::vector<reports::RunResult>(targets.size()));
    parallel_for(n * targets.size(), threads, [&](std::size_t k) {
      const std::size_t i = k / targets.size(), p = k % targets.size();
      const std::uint64_t seed = o.seed + static_cast<std::uint64_t>(schedules) + i;
      const Schedule s = draw_schedule(config, targets[0].base, seed);
      if (p == 0) drawn[i] = s;
      results[i][p] = run_schedule(targets[p], s, seed);
    });
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t seed = o.seed + static_cast<std::uint64_t>(schedules) + i;
      for (std::size_t p = 0; p < targets.size(); ++p) {
        ++runs;
        const auto& r = results[i][p];
        const std::string& pname = targets[p].policy.name;
        for (const auto& f : drawn[i].faults) ++coverage_kinds[pname + "|" + to_string(f.kind) + "|" + fault_target(f)];
        for (const auto& st : states_of(r)) ++coverage_states[pname + "|" + st];
        const auto failed = failed_oracles(targets[p], r);
        for (const auto& f : failed) ++failing_runs[pname + "|" + f];
        if (failed.empty()) continue;
        auto& fl = failures[{p, failed[0], shape_of(drawn[i])}];
        if (fl.runs == 0) {
          fl.policy = p;
          fl.oracle = failed[0];
          fl.drawn_shape = shape_of(drawn[i]);
          fl.seed = seed;
          fl.schedule = drawn[i];
        }
        ++fl.runs;
        if (fl.seeds.size() < 5) fl.seeds.push_back(seed);
      }
    }
    schedules += static_cast<long>(n);
    if (o.progress) {
      long failing = 0;
      for (const auto& [key, f] : failures) failing += f.runs;
      err << "\rfailsim explore: " << schedules << " schedules, " << failing << " failing runs, " << failures.size()
          << " distinct, " << format_duration(std::chrono::duration_cast<std::chrono::seconds>(elapsed())) << "   "
          << std::flush;
    }
  }
  if (o.progress) err << "\n" << (failures.empty() ? "" : "shrinking...\n") << std::flush;
  const Duration search_elapsed = elapsed();

  // Shrink the most frequent distinct failures.
  std::vector<Failure> todo;
  for (auto& [key, f] : failures) todo.push_back(f);
  std::stable_sort(todo.begin(), todo.end(), [](const Failure& a, const Failure& b) {
    return a.runs != b.runs ? a.runs > b.runs : a.seed < b.seed;
  });
  if (todo.size() > static_cast<std::size_t>(config.max_findings)) todo.resize(static_cast<std::size_t>(config.max_findings));
  std::vector<Schedule> minimal(todo.size());
  std::vector<int> shrink_runs(todo.size());
  parallel_for(todo.size(), threads, [&](std::size_t i) {
    minimal[i] = shrink_schedule(targets[todo[i].policy], todo[i].schedule, todo[i].oracle, todo[i].seed, config.shrink_runs,
                                 &shrink_runs[i]);
  });
  std::vector<Finding> findings;
  for (std::size_t i = 0; i < todo.size(); ++i) {
    const std::string shape = shape_of(minimal[i]);
    auto it = std::find_if(findings.begin(), findings.end(), [&](const Finding& f) {
      return f.policy == todo[i].policy && f.oracle == todo[i].oracle && f.shape == shape;
    });
    if (it == findings.end()) {
      Finding f;
      f.policy = todo[i].policy;
      f.oracle = todo[i].oracle;
      f.shape = shape;
      f.seed = todo[i].seed;
      f.minimal = minimal[i];
      f.shrink_runs = shrink_runs[i];
      findings.push_back(f);
      it = findings.end() - 1;
    } else if (minimal[i].faults.size() < it->minimal.faults.size() ||
               (minimal[i].faults.size() == it->minimal.faults.size() && todo[i].seed < it->seed)) {
      it->seed = todo[i].seed;
      it->minimal = minimal[i];
      it->shrink_runs = shrink_runs[i];
    }
    it->runs += todo[i].runs;
    it->drawn_shapes.push_back(todo[i].drawn_shape);
    for (const auto s : todo[i].seeds) {
      if (it->seeds.size() < 8) it->seeds.push_back(s);
    }
  }
  std::stable_sort(findings.begin(), findings.end(), [](const Finding& a, const Finding& b) {
    if (a.policy != b.policy) return a.policy < b.policy;
    if (a.oracle != b.oracle) return a.oracle < b.oracle;
    return a.runs > b.runs;
  });

  // Write each minimal schedule as a scenario; load it back and run it as `failsim run` would.
  const std::string findings_dir = o.out_dir + "/findings";
  std::vector<std::pair<std::string, std::string>> files;
  for (auto& f : findings) {
    const ExploreTarget& t = targets[f.policy];
    const std::string oracle_name = f.oracle.substr(f.oracle.find(':') + 1);
    f.file = "findings/" + file_safe(t.policy.name + "--" + oracle_name + "--" + f.shape) + ".json";
    ordered doc = base_doc;
    doc["name"] = "explore-" + file_safe(oracle_name + "-" + f.shape);
    doc["world"] = relative_to(t.base.world_path, findings_dir);
    doc["policy"] = relative_to(t.policy_path, findings_dir);
    if (t.base.rules_path) doc["rules"] = relative_to(*t.base.rules_path, findings_dir);
    if (t.base.slo_file) doc["slo_file"] = relative_to(*t.base.slo_file, findings_dir);
    ordered deploys = ordered::array();
    for (const auto& d : f.minimal.deploys) deploys.push_back(ordered{{"at", format_duration(d.at)}, {"version", d.version}});
    doc["workload"]["deploys"] = deploys;
    ordered faults = ordered::array();
    for (const auto& x : f.minimal.faults) faults.push_back(fault_to_json(x));
    doc["faults"] = faults;
    doc["run_length"] = format_duration(f.minimal.run_length);
    ordered expect = ordered::object();
    if (f.oracle.rfind("property:", 0) == 0) {
      for (const auto& p : t.properties) {
        if (p.name != oracle_name) continue;
        const json j = property_json(p);
        ordered o;
        o["name"] = p.name;
        o["if"] = ordered::parse(j["if"].dump());
        o["then"] = ordered::parse(j["then"].dump());
        expect["properties"] = ordered::array({o});
      }
    }
    doc["expect"] = ordered{{t.policy.name, expect}};
    doc["description"] = "Found by failsim explore (seed " + std::to_string(f.seed) + ", policy " + t.policy.name + "): " +
                         f.oracle + " fails. Shrunk from " + std::to_string(f.runs) +
                         " failing runs. Fails today; passes once the defect is fixed.";
    const std::string path = o.out_dir + "/" + f.file;
    if (auto w = write_atomically(path, doc.dump(2) + "\n"); !w) return fail(w.error());
    auto loaded = load_run(path, "", "", /*check_keys=*/true);
    if (!loaded) {
      f.detail = "the written scenario does not load: " + loaded.error();
      continue;
    }
    const LoadedRun& lr = loaded.value();
    const auto verify = [&](std::uint64_t seed) {
      RunInputs in{&lr.scenario, &lr.policy, &lr.rules, nullptr, nullptr, nullptr};
      return run_scenario(in, seed);
    };
    ExploreTarget check = t;
    check.base = lr.scenario;
    const auto r = verify(f.seed);
    const auto failed = failed_oracles(check, r);
    f.verified = std::find(failed.begin(), failed.end(), f.oracle) != failed.end() && !r.passed();
    for (const auto& b : r.broken) {
      if (f.oracle.rfind("property:", 0) == 0 && b.rfind("property " + oracle_name + ":", 0) == 0) f.detail = b;
    }
    if (f.detail.empty()) f.detail = f.oracle.rfind("invariant:", 0) == 0 ? "invariant " + oracle_name + " broken" : "";
    for (const auto& e : r.trace) {
      if (e.category == "scrape" || e.category == "decision") continue;
      if (f.timeline.size() >= 40) break;
      f.timeline.push_back(format_offset(e.t_us, to_us(lr.scenario.world.start)) + "  " + e.category + " " + e.name +
                           (e.detail.empty() ? "" : ": " + e.detail));
    }
    std::vector<char> bad(10, 0);
    parallel_for(10, threads, [&](std::size_t k) {
      const auto rr = verify(k + 1);
      const auto ff = failed_oracles(check, rr);
      bad[k] = std::find(ff.begin(), ff.end(), f.oracle) != ff.end() ? 1 : 0;
    });
    f.failing_of_ten = static_cast<int>(std::count(bad.begin(), bad.end(), 1));
  }

  // Reports.
  json report;
  report["input"] = o.input;
  report["seed"] = o.seed;
  report["budget"] = o.budget;
  report["schedules"] = schedules;
  report["runs"] = runs;
  report["search_seconds"] = std::round(to_seconds(search_elapsed) * 10) / 10;
  json policies = json::array();
  for (const auto& t : targets) policies.push_back(json{{"name", t.policy.name}, {"file", t.policy_path}});
  report["policies"] = policies;
  json oracles = json::array();
  for (const auto& i : targets[0].invariants) oracles.push_back(json{{"oracle", "invariant:" + i}});
  for (const auto& p : targets[0].properties) oracles.push_back(json{{"oracle", "property:" + p.name}, {"statement", describe(p)}});
  report["oracles"] = oracles;
  const std::vector<std::string> excluded = explore_exclusions(config, targets[0].base);
  report["excluded"] = excluded;
  json fj = json::array();
  for (const auto& f : findings) {
    json faults = json::array();
    for (const auto& x : f.minimal.faults) faults.push_back(fault_text(x));
    const std::string policy_file = targets[f.policy].policy_path;
    fj.push_back(json{{"policy", targets[f.policy].policy.name},
                      {"oracle", f.oracle},
                      {"shape", f.shape},
                      {"failing_runs", f.runs},
                      {"drawn_shapes", f.drawn_shapes},
                      {"seeds", f.seeds},
                      {"seed", f.seed},
                      {"minimal_faults", faults},
                      {"shrink_runs", f.shrink_runs},
                      {"scenario", f.file},
                      {"verified", f.verified},
                      {"fails_on_seeds_1_to_10", f.failing_of_ten},
                      {"detail", f.detail},
                      {"replay", "failsim replay " + o.out_dir + "/" + f.file + " --seed " + std::to_string(f.seed)},
                      {"timeline", f.timeline}});
  }
  report["findings"] = fj;
  json cov_runs = json::object();
  for (const auto& [k, v] : failing_runs) cov_runs[k] = v;
  report["failing_runs"] = cov_runs;
  json ck = json::object();
  for (const auto& [k, v] : coverage_kinds) ck[k] = v;
  json cs = json::object();
  for (const auto& [k, v] : coverage_states) cs[k] = v;
  report["coverage"] = json{{"faults", ck}, {"states", cs}};

  reports::ExploreReport rr;
  rr.input = o.input;
  rr.budget = o.budget;
  rr.seed = o.seed;
  rr.schedules = schedules;
  rr.runs = runs;
  rr.policies = targets.size();
  rr.excluded = excluded;
  for (const auto& i : targets[0].invariants) rr.oracles.emplace_back("invariant:" + i, "");
  for (const auto& p : targets[0].properties) rr.oracles.emplace_back("property:" + p.name, describe(p));
  for (const auto& f : findings) {
    reports::ExploreFinding x;
    x.policy = targets[f.policy].policy.name;
    x.oracle = f.oracle;
    x.shape = f.shape;
    x.failing_runs = f.runs;
    x.fails_of_ten = f.failing_of_ten;
    x.scenario_file = f.file;
    x.detail = f.detail;
    x.shrink_runs = f.shrink_runs;
    x.seed = f.seed;
    x.drawn_shapes = f.drawn_shapes;
    for (const auto& fault : f.minimal.faults) x.minimal.push_back(fault_text(fault));
    for (const auto& d : f.minimal.deploys) x.minimal.push_back("deploy " + d.version + " at " + format_duration(d.at));
    x.replay = "failsim replay " + o.out_dir + "/" + f.file + " --seed " + std::to_string(f.seed);
    x.verified = f.verified;
    x.timeline = f.timeline;
    rr.findings.push_back(std::move(x));
  }
  for (const auto& [k, v] : coverage_kinds) {
    const auto a = k.find('|'), b = k.find('|', a + 1);
    rr.fault_coverage.push_back({k.substr(0, a), k.substr(a + 1, b - a - 1), k.substr(b + 1), v});
  }
  for (const auto& [k, v] : coverage_states) {
    const auto a = k.find('|');
    rr.state_coverage.push_back({k.substr(0, a), k.substr(a + 1), "", v});
  }
  files.emplace_back(o.out_dir + "/explore.json", report.dump(2) + "\n");
  files.emplace_back(o.out_dir + "/explore.html", reports::explore_html(rr));
  files.emplace_back(o.out_dir + "/explore.md", reports::explore_markdown(rr));
  if (auto w = write_all_or_nothing(files); !w) return fail(w.error());

  out << "failsim explore: " << schedules << " schedules, " << runs << " runs in " << format_duration(std::chrono::duration_cast<std::chrono::milliseconds>(search_elapsed))
      << "; " << findings.size() << " finding" << (findings.size() == 1 ? "" : "s") << "\n";
  for (const auto& f : findings) {
    out << "  " << targets[f.policy].policy.name << "  " << f.oracle << "  " << f.shape << "  (" << f.runs
        << " runs)  " << o.out_dir << "/" << f.file << (f.verified ? "" : "  NOT REPRODUCED") << "\n";
  }
  out << "reports in " << o.out_dir << "/ (explore.md, explore.html, explore.json, findings/)\n";
  return findings.empty() ? 0 : 1;
}

}  // namespace failsim::harness
