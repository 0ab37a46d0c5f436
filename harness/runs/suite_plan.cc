#include "harness/runs/suite_plan.h"

#include <algorithm>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "failover/json_fields.h"
#include "harness/inputs/inputs.h"
#include "harness/inputs/slo_file.h"
#include "harness/inputs/text_file.h"

namespace failsim::harness {
namespace {

using nlohmann::json;
using json_fields::join;

// Scenario expectations overlaid with a variant's: the variant's fields win.
Expectations overlay(const Expectations* base, const Expectations& over) {
  Expectations e = base != nullptr ? *base : Expectations{};
  auto take = [](auto& into, const auto& from) {
    if (from) into = from;
  };
  take(e.outcome, over.outcome);
  take(e.runner, over.runner);
  take(e.deploy_within, over.deploy_within);
  take(e.detection_within, over.detection_within);
  take(e.alert_fires, over.alert_fires);
  take(e.final_version, over.final_version);
  take(e.detection_p50_within, over.detection_p50_within);
  take(e.detection_p95_within, over.detection_p95_within);
  take(e.deploy_p50_within, over.deploy_p50_within);
  take(e.deploy_p95_within, over.deploy_p95_within);
  take(e.deploy_success_at_least, over.deploy_success_at_least);
  take(e.alert_fires_in_at_least, over.alert_fires_in_at_least);
  if (!over.known_violations.empty()) e.known_violations = over.known_violations;
  return e;
}

// Names of the scenarios in the folders of the run's scenario files: the scenarios a
// policy file's expectations may be written for.
std::vector<std::string> scenario_names_beside(const std::vector<std::string>& scenario_paths) {
  std::vector<std::string> names;
  std::vector<std::filesystem::path> dirs;
  for (const auto& p : scenario_paths) {
    const auto d = std::filesystem::path(p).parent_path();
    if (std::find(dirs.begin(), dirs.end(), d) != dirs.end()) continue;
    dirs.push_back(d);
    for (auto& name : document_names_in(d, "scenario_version")) names.push_back(std::move(name));
  }
  return names;
}

std::vector<std::vector<std::pair<std::string, std::string>>> sweep_points(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& sweeps) {
  std::vector<std::vector<std::pair<std::string, std::string>>> points{{}};
  for (const auto& [path, values] : sweeps) {
    std::vector<std::vector<std::pair<std::string, std::string>>> next;
    for (const auto& p : points) {
      for (const auto& v : values) {
        auto q = p;
        q.emplace_back(path, v);
        next.push_back(std::move(q));
      }
    }
    points = std::move(next);
  }
  return points;
}

Result<PlannedVariant> variant_at(const SuiteOptions& o, const VariantSpec& spec,
                                  const std::map<std::string, Expectations>& expect,
                                  const std::vector<std::pair<std::string, std::string>>& point) {
  PlannedVariant v;
  std::vector<std::string> coords;
  for (const auto& [path, value] : point) coords.push_back(path + "=" + value);
  v.name = spec.name;
  v.file = spec.file;
  v.own_sets = o.sets;
  v.own_sets.insert(v.own_sets.end(), coords.begin(), coords.end());
  v.label = spec.name.empty() ? join(coords) : coords.empty() ? spec.name : spec.name + " · " + join(coords);
  v.set_texts = o.sets;
  v.set_texts.insert(v.set_texts.end(), spec.sets.begin(), spec.sets.end());
  v.set_texts.insert(v.set_texts.end(), coords.begin(), coords.end());
  auto parsed = parse_overrides(v.set_texts);
  if (!parsed) return Result<PlannedVariant>::error(parsed.error());
  v.overrides = std::move(parsed).value();
  v.expect = expect;
  v.point = point;
  return Result<PlannedVariant>::ok(std::move(v));
}

Result<std::vector<PlannedVariant>> expand_variants(const SuiteOptions& o) {
  using R = Result<std::vector<PlannedVariant>>;
  for (const auto& [path, values] : o.sweeps) {
    if (std::count_if(o.sweeps.begin(), o.sweeps.end(), [&path = path](const auto& s) { return s.first == path; }) > 1) {
      return R::error("--sweep " + path + " is given twice; give its values once, comma-separated");
    }
  }
  std::vector<VariantSpec> specs = o.variants;
  if (specs.empty()) specs.push_back(VariantSpec{});
  for (std::size_t i = 0; i < specs.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (specs[i].name == specs[j].name) {
        return R::error("two variants are named \"" + specs[i].name + "\": their rows could not be told apart; name each one");
      }
    }
  }
  std::vector<PlannedVariant> out;
  for (const auto& spec : specs) {
    std::map<std::string, Expectations> expect;
    for (const auto& [scenario, value] : spec.expect) {
      try {
        json_fields::Fields f(value, "/variants/" + spec.name + "/expect/" + scenario);
        expect[scenario] = read_expectations(f);
      } catch (const json_fields::Invalid& e) {
        return R::error(std::string("variant ") + spec.name + ": " + e.what());
      }
    }
    for (const auto& point : sweep_points(o.sweeps)) {
      auto v = variant_at(o, spec, expect, point);
      if (!v) return R::error(v.error());
      out.push_back(std::move(v).value());
    }
  }
  return R::ok(std::move(out));
}

Result<bool> load_scenarios(const SuiteOptions& o, const std::vector<Override>& ov, VariantDocuments& d) {
  for (const auto& p : o.scenario_paths) {
    auto s = load_scenario(p, ov);
    if (!s) return Result<bool>::error(s.error());
    for (const auto& other : d.scenarios) {
      if (other.name == s.value().name) {
        return Result<bool>::error("two scenarios are named \"" + other.name + "\" (" + other.file + " and " + p +
                                   "): their rows could not be told apart; give each its own name");
      }
    }
    d.scenarios.push_back(std::move(s).value());
  }
  return Result<bool>::ok(true);
}

// A policy file's expectation keys name a scenario of the run, one beside it, or "*".
Result<bool> check_policy_expect_keys(const SuiteOptions& o, const VariantDocuments& d, const std::string& policy_path,
                                      const std::map<std::string, Expectations>& own) {
  for (const auto& [key, e] : own) {
    const bool in_run = std::any_of(d.scenarios.begin(), d.scenarios.end(), [&key = key](const auto& s) { return s.name == key; });
    if (key == "*" || in_run) continue;
    const auto beside = scenario_names_beside(o.scenario_paths);
    if (std::find(beside.begin(), beside.end(), key) == beside.end()) {
      return Result<bool>::error(policy_path + ": /expect/" + key + ": names no scenario (scenarios: " + join(beside) +
                                 "; or \"*\" for every scenario): a typo here would leave expectations unchecked");
    }
  }
  return Result<bool>::ok(true);
}

// Policies: the given ones, or each scenario's own (deduplicated by path).
Result<bool> load_policies(const SuiteOptions& o, const std::vector<Override>& ov, VariantDocuments& d) {
  std::vector<std::string> paths = o.policy_paths;
  if (paths.empty()) {
    for (const auto& s : d.scenarios) {
      if (std::find(paths.begin(), paths.end(), s.policy_path) == paths.end()) paths.push_back(s.policy_path);
    }
  }
  for (const auto& p : paths) {
    std::string named_by = "--policy";
    for (const auto& s : d.scenarios) {
      if (o.policy_paths.empty() && s.policy_path == p) named_by = s.file + ": /policy";
    }
    auto pol = load_policy_file(p, named_by, ov);
    if (!pol) return Result<bool>::error(pol.error());
    for (std::size_t k = 0; k < d.policies.size(); ++k) {
      if (d.policies[k].name == pol.value().name) {
        return Result<bool>::error("two policies are named \"" + pol.value().name + "\" (" + paths[k] + " and " + p +
                                   "): their rows and expectations could not be told apart; rename one, or run the change "
                                   "as a --variant of the other");
      }
    }
    d.policies.push_back(std::move(pol).value());
    d.policy_paths.push_back(p);
    auto own = load_policy_expectations(p, ov);
    if (!own) return Result<bool>::error(own.error());
    if (auto keys = check_policy_expect_keys(o, d, p, own.value()); !keys) return keys;
    d.policy_expect.push_back(std::move(own).value());
  }
  return Result<bool>::ok(true);
}

// SLO sets: --slos for all, else each scenario's slo_file, else the built-in ones; the
// scenario's `slos` each name an SLO of its set. The value: the set's key.
Result<std::string> plan_slo_set(const SuiteOptions& o, const Scenario& s, std::map<std::string, reports::SloSet>& sets) {
  using R = Result<std::string>;
  const std::string path = o.slo_path ? *o.slo_path : s.slo_file.value_or("built-in");
  if (sets.count(path) == 0) {
    auto loaded = load_slo_file(path);
    if (!loaded) return R::error(loaded.error() + (o.slo_path ? " (--slos)" : " (named by " + s.file + ": /slo_file)"));
    sets[path] = std::move(loaded).value();
  }
  const reports::SloSet& set = sets[path];
  for (std::size_t i = 0; s.slos && i < s.slos->size(); ++i) {
    const auto& id = (*s.slos)[i];
    if (std::none_of(set.slos.begin(), set.slos.end(), [&](const auto& x) { return x.id == id; })) {
      std::vector<std::string> ids;
      for (const auto& x : set.slos) ids.push_back(x.id);
      return R::error(s.file + ": /slos/" + std::to_string(i) + ": no SLO " + id + " in " + set.source + "; SLOs: " + join(ids));
    }
  }
  return R::ok(path);
}

// The rows of one scenario of variant v: one per policy it runs under (without --policy,
// its own only), each with its rules and its expectations layered: the scenario's for
// the policy, then the policy file's for the scenario, then the variant's.
Result<bool> plan_rows(SuitePlan& plan, std::size_t v, std::size_t s) {
  const SuiteOptions& o = plan.options;
  const VariantDocuments& d = plan.documents[v];
  const PlannedVariant& variant = plan.variants[v];
  const Scenario& sc = d.scenarios[s];
  auto slos = plan_slo_set(o, sc, plan.slo_sets);
  if (!slos) return Result<bool>::error(slos.error());
  std::vector<std::string> names, covered;
  for (std::size_t p = 0; p < d.policies.size(); ++p) {
    if (o.policy_paths.empty() && d.policy_paths[p] != sc.policy_path) continue;
    if (auto fits = check_policy_fits(sc, d.policies[p], d.policy_paths[p]); !fits) return fits;
    auto rules = load_rules_for(sc, d.policies[p], d.policy_paths[p], o.rules_path, variant.overrides);
    if (!rules) return Result<bool>::error(rules.error());
    names.push_back(d.policies[p].name);
    PlannedRow row{v, s, p, std::move(rules).value(), std::nullopt, slos.value()};
    if (const Expectations* base = expectations_for(sc, d.policies[p].name)) row.expect = *base;
    using Layer = const std::map<std::string, Expectations>*;
    for (Layer layer : {Layer{&d.policy_expect[p]}, Layer{&variant.expect}}) {
      auto it = layer->find(sc.name);
      if (it == layer->end()) it = layer->find("*");
      if (it == layer->end()) continue;
      row.expect = overlay(row.expect ? &*row.expect : nullptr, it->second);
      covered.push_back(d.policies[p].name);
    }
    plan.rows.push_back(std::move(row));
  }
  return check_expect_keys(sc, names, covered);
}

Result<bool> plan_variant(SuitePlan& plan, std::size_t v) {
  const PlannedVariant& variant = plan.variants[v];
  VariantDocuments& d = plan.documents[v];
  if (auto ok = load_scenarios(plan.options, variant.overrides, d); !ok) return ok;
  if (auto ok = load_policies(plan.options, variant.overrides, d); !ok) return ok;
  // The variant's expectation keys name scenarios of the run.
  for (const auto& [key, e] : variant.expect) {
    if (key != "*" && std::none_of(d.scenarios.begin(), d.scenarios.end(), [&key = key](const auto& s) { return s.name == key; })) {
      std::vector<std::string> names;
      for (const auto& s : d.scenarios) names.push_back(s.name);
      return Result<bool>::error("variant " + variant.label + ": expectations for \"" + key +
                                 "\", which names no scenario of the run; scenarios: " + join(names));
    }
  }
  for (std::size_t s = 0; s < d.scenarios.size(); ++s) {
    if (auto ok = plan_rows(plan, v, s); !ok) return ok;
  }
  for (const auto& sc : d.scenarios) {
    if (!sc.secret.empty() && std::find(plan.secrets.begin(), plan.secrets.end(), sc.secret) == plan.secrets.end()) {
      plan.secrets.push_back(sc.secret);
    }
  }
  return Result<bool>::ok(true);
}

// The block of seeds this process runs: all of them, or shard K of N's.
Result<bool> plan_seeds(SuitePlan& plan) {
  const SuiteOptions& o = plan.options;
  if (o.seeds > 1 && o.first_seed > std::numeric_limits<std::uint64_t>::max() - static_cast<std::uint64_t>(o.seeds - 1)) {
    return Result<bool>::error("--seed " + std::to_string(o.first_seed) + " with --seeds " + std::to_string(o.seeds) +
                               " goes past the largest seed, 18446744073709551615");
  }
  const auto total = static_cast<std::uint64_t>(std::max(1, o.seeds));
  plan.first_seed = o.first_seed;
  plan.seeds = total;
  if (!o.shard) return Result<bool>::ok(true);
  const auto k = static_cast<std::uint64_t>(o.shard->index), n = static_cast<std::uint64_t>(o.shard->count);
  if (n > total) {
    return Result<bool>::error("--shard " + std::to_string(k) + "/" + std::to_string(n) + ": more shards than seeds (" +
                               std::to_string(total) + ")");
  }
  const std::uint64_t begin = (k - 1) * total / n, end = k * total / n;
  plan.first_seed = o.first_seed + begin;
  plan.seeds = end - begin;
  SuiteOptions whole = o;
  whole.shard.reset();
  plan.shard = reports::ShardInfo{o.shard->index, o.shard->count, o.first_seed, total, plan_json(whole).dump()};
  return Result<bool>::ok(true);
}

}  // namespace

RunInputs SuitePlan::inputs_of(const PlannedRow& row) const {
  RunInputs in{&scenario_of(row), &policy_of(row), &row.rules};
  in.expect = row.expect ? &*row.expect : nullptr;
  in.clock_fault_kinds = &slos_of(row).clock_fault_kinds;
  in.keep_ledger = options.keep_ledger;
  return in;
}

Result<SuitePlan> plan_suite(const SuiteOptions& options) {
  using R = Result<SuitePlan>;
  const DocumentScope documents;
  SuitePlan plan;
  plan.options = options;
  if (auto ok = plan_seeds(plan); !ok) return R::error(ok.error());
  auto variants = expand_variants(options);
  if (!variants) return R::error(variants.error());
  plan.variants = std::move(variants).value();
  plan.documents.resize(plan.variants.size());
  plan.slo_sets["built-in"] = reports::builtin_slos();
  for (std::size_t v = 0; v < plan.variants.size(); ++v) {
    if (auto ok = plan_variant(plan, v); !ok) return R::error(ok.error());
  }
  plan.inputs = documents.paths();
  for (const auto& v : options.variants) {
    if (!v.file.empty()) plan.inputs.push_back(v.file);
  }
  return R::ok(std::move(plan));
}

}  // namespace failsim::harness
