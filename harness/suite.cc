#include "harness/suite.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <thread>

#include "failover/policy.h"
#include "harness/inputs.h"
#include "harness/run.h"

namespace failsim::harness {
namespace {

struct Job {
  std::size_t scenario;
  std::size_t policy;
  std::vector<sim::prometheus::RuleGroupSpec> rules;
};

}  // namespace

Result<bool> write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Result<bool>::error(path + ": cannot write");
    out << text;
    out.flush();
    if (!out) return Result<bool>::error(path + ": write failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Result<bool>::error(path + ": " + ec.message());
  return Result<bool>::ok(true);
}

Result<reports::SuiteReport> run_suite(const SuiteOptions& o, std::ostream& progress) {
  using R = Result<reports::SuiteReport>;
  std::vector<Scenario> scenarios;
  for (const auto& p : o.scenario_paths) {
    auto s = load_scenario(p);
    if (!s) return R::error(s.error());
    scenarios.push_back(std::move(s).value());
  }
  // Policies: the given ones, or each scenario's own (deduplicated by path).
  std::vector<std::string> policy_paths = o.policy_paths;
  if (policy_paths.empty()) {
    for (const auto& s : scenarios) {
      if (std::find(policy_paths.begin(), policy_paths.end(), s.policy_path) == policy_paths.end()) {
        policy_paths.push_back(s.policy_path);
      }
    }
  }
  std::vector<failover::Policy> policies;
  for (const auto& p : policy_paths) {
    std::string named_by = "--policy";
    for (const auto& s : scenarios) {
      if (o.policy_paths.empty() && s.policy_path == p) named_by = s.file + ": /policy";
    }
    auto pol = load_policy_file(p, named_by);
    if (!pol) return R::error(pol.error());
    policies.push_back(std::move(pol).value());
  }
  std::vector<Job> jobs;
  for (std::size_t s = 0; s < scenarios.size(); ++s) {
    // Without --policy, a scenario runs with its own policy only.
    std::vector<std::string> names;
    for (std::size_t p = 0; p < policies.size(); ++p) {
      if (o.policy_paths.empty() && policy_paths[p] != scenarios[s].policy_path) continue;
      if (auto fits = check_policy_fits(scenarios[s], policies[p], policy_paths[p]); !fits) return R::error(fits.error());
      auto rules = load_rules_for(scenarios[s], policies[p], policy_paths[p], o.rules_path);
      if (!rules) return R::error(rules.error());
      names.push_back(policies[p].name);
      jobs.push_back({s, p, std::move(rules).value()});
    }
    if (auto keys = check_expect_keys(scenarios[s], names); !keys) return R::error(keys.error());
  }
  const std::size_t seeds = static_cast<std::size_t>(std::max(1, o.seeds));
  const std::size_t total = jobs.size() * seeds;
  std::vector<RunResult> results(total);
  std::vector<std::string> determinism_errors(total);
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  const int threads = o.jobs > 0 ? o.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto worker = [&] {
    for (std::size_t i = next++; i < total; i = next++) {
      const Job& j = jobs[i / seeds];
      const std::uint64_t seed = o.first_seed + i % seeds;
      const RunInputs in{&scenarios[j.scenario], &policies[j.policy], &j.rules};
      results[i] = run_scenario(in, seed);
      if (o.check_determinism) {
        const RunResult again = run_scenario(in, seed);
        if (again.trace_hash != results[i].trace_hash) {
          results[i].invariants["deterministic"] = false;
          results[i].broken.push_back("the same seed produced a different trace (hash " + std::to_string(results[i].trace_hash) +
                                      " vs " + std::to_string(again.trace_hash) + ")");
        } else {
          results[i].invariants["deterministic"] = true;
        }
      }
      if (i % seeds != 0) {  // keep the first seed's trace (the HTML timeline); replay rebuilds any
        results[i].trace.clear();
        results[i].trace.shrink_to_fit();
      }
      ++done;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < std::min<int>(threads, static_cast<int>(total)); ++t) pool.emplace_back(worker);
  if (o.progress) {
    while (done.load() < total) {
      const std::size_t d = done.load();
      const int width = 40;
      const int filled = static_cast<int>(width * d / std::max<std::size_t>(total, 1));
      progress << "\r[" << std::string(filled, '#') << std::string(width - filled, ' ') << "] " << d << "/" << total
               << std::flush;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    progress << "\r[" << std::string(40, '#') << "] " << total << "/" << total << "\n";
  }
  for (auto& t : pool) t.join();

  reports::SuiteReport suite;
  suite.failsim_version = FAILSIM_VERSION;
  for (std::size_t k = 0; k < jobs.size(); ++k) {
    reports::ScenarioReport sr;
    sr.name = scenarios[jobs[k].scenario].name;
    sr.policy = policies[jobs[k].policy].name;
    sr.file = scenarios[jobs[k].scenario].file;
    for (std::size_t s = 0; s < seeds; ++s) {
      sr.runs.push_back(std::move(results[k * seeds + s]));
      if (!sr.runs.back().passed()) sr.passed = false;
    }
    sr.aggregate = reports::aggregate(sr.runs);
    suite.scenarios.push_back(std::move(sr));
  }
  return R::ok(std::move(suite));
}

Result<bool> write_reports(const reports::SuiteReport& input, const std::string& out_dir,
                           const std::vector<std::string>& secrets) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Result<bool>::error(out_dir + ": " + ec.message());
  reports::SuiteReport suite = input;
  auto render = [&suite] {
    return std::vector<std::pair<std::string, std::string>>{{"results.json", reports::results_json(suite)},
                                                            {"junit.xml", reports::junit_xml(suite)},
                                                            {"summary.md", reports::summary_md(suite)},
                                                            {"report.html", reports::html_report(suite)}};
  };
  auto docs = render();
  bool leaked = false;
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (const auto& [name, text] : docs) leaked = leaked || text.find(secret) != std::string::npos;
  }
  if (leaked) {
    for (auto& s : suite.scenarios) {
      s.passed = false;
      for (auto& r : s.runs) r.invariants["no_secret_in_output"] = false;
      s.aggregate = reports::aggregate(s.runs);
    }
    docs = render();
    for (auto& [name, text] : docs) {
      for (const auto& secret : secrets) {
        if (secret.empty()) continue;
        for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos)) {
          text.replace(pos, secret.size(), "***");
        }
      }
    }
  }
  for (const auto& [name, text] : docs) {
    auto w = write_atomically((std::filesystem::path(out_dir) / name).string(), text);
    if (!w) return w;
  }
  return Result<bool>::ok(!leaked);
}

}  // namespace failsim::harness
