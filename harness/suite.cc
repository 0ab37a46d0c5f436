#include "harness/suite.h"

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
#include "harness/command_checks.h"
#include "harness/inputs.h"
#include "harness/run.h"
#include "harness/overrides.h"
#include "harness/slo_file.h"
#include "harness/text_file.h"
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

// One variant as run: its label, overrides, extra expectations and sweep point.
struct Variant {
  std::string label;
  std::string name;  // the --variant name, without the sweep point
  std::string file;  // the variants file it came from, or ""
  std::vector<std::string> set_texts;
  std::vector<std::string> own_sets;  // set_texts without the variant's own (a file variant's come with the file)
  std::vector<Override> overrides;
  std::map<std::string, Expectations> expect;  // by scenario name or "*"
  std::vector<std::pair<std::string, std::string>> point;
};

// Everything one variant loaded: its scenarios and policies with its overrides.
struct Loaded {
  std::vector<Scenario> scenarios;
  std::vector<failover::Policy> policies;
  std::vector<std::string> policy_paths;  // each policy's file
  std::vector<std::map<std::string, Expectations>> policy_expect;  // each policy file's, by scenario name
};

struct Job {
  std::size_t variant;
  std::size_t scenario;
  std::size_t policy;
  std::vector<sim::prometheus::RuleGroupSpec> rules;
  std::optional<Expectations> expect;
  const reports::SloSet* slos;
};

using json_fields::join;

// Scenario expectations overlaid with a variant's: the variant's fields win.
Expectations merge(const Expectations* base, const Expectations& over) {
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

// Names of the scenarios in the folders of the run's scenario files: the scenarios a
// policy file's expectations may be written for.
std::vector<std::string> scenario_names_beside(const std::vector<std::string>& scenario_paths) {
  std::vector<std::string> names;
  std::vector<std::filesystem::path> dirs;
  for (const auto& p : scenario_paths) {
    const auto d = std::filesystem::path(p).parent_path();
    if (std::find(dirs.begin(), dirs.end(), d) == dirs.end()) dirs.push_back(d);
  }
  for (const auto& d : dirs) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(d.empty() ? "." : d, ec)) {
      if (entry.path().extension() != ".json") continue;
      const auto text = read_text_file(entry.path().string());
      if (!text) continue;
      const json j = json::parse(*text, nullptr, false);
      if (j.is_object() && j.contains("scenario_version") && j.contains("name") && j["name"].is_string()) {
        names.push_back(j["name"].get<std::string>());
      }
    }
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

Result<std::vector<Variant>> expand_variants(const SuiteOptions& o) {
  using R = Result<std::vector<Variant>>;
  std::vector<VariantSpec> specs = o.variants;
  if (specs.empty()) specs.push_back(VariantSpec{});
  for (std::size_t i = 0; i < specs.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (specs[i].name == specs[j].name) {
        return R::error("two variants are named \"" + specs[i].name + "\": their rows could not be told apart; name each one");
      }
    }
  }
  std::vector<Variant> out;
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
      Variant v;
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
      if (!parsed) return R::error(parsed.error());
      v.overrides = std::move(parsed).value();
      v.expect = expect;
      v.point = point;
      out.push_back(std::move(v));
    }
  }
  return R::ok(std::move(out));
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

Result<bool> write_atomically(const std::string& path, const std::string& text) {
  return write_all_or_nothing({{path, text}});
}

Result<bool> write_all_or_nothing(const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<std::string> temps;
  auto discard = [&temps] {
    std::error_code ec;
    for (const auto& t : temps) std::filesystem::remove(t, ec);
  };
  for (const auto& [path, text] : files) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      discard();
      return Result<bool>::error(path + ": is a directory; nothing was written");
    }
    // A device, FIFO or socket would be replaced by the rename below (`--trace /dev/full`
    // turned the device into a file): refused, as inputs are.
    if (const auto st = std::filesystem::status(path, ec); !ec && std::filesystem::exists(st) && !std::filesystem::is_regular_file(st)) {
      discard();
      return Result<bool>::error(path + ": is not a regular file (a device, FIFO or socket); failsim writes regular files; nothing was written");
    }
    const std::string tmp = path + ".tmp";
    temps.push_back(tmp);
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      discard();
      return Result<bool>::error(path + ": cannot write; nothing was written");
    }
    out << text;
    out.flush();
    if (!out) {
      discard();
      return Result<bool>::error(path + ": write failed; nothing was written");
    }
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::error_code ec;
    std::filesystem::rename(temps[i], files[i].first, ec);
    if (ec) {
      discard();
      return Result<bool>::error(files[i].first + ": " + ec.message());
    }
  }
  return Result<bool>::ok(true);
}

Result<bool> refuse_inputs_as_outputs(const std::vector<std::string>& outputs, const std::vector<std::string>& inputs) {
  for (const auto& out : outputs) {
    for (const auto& in : inputs) {
      std::error_code ec;
      if (!in.empty() && std::filesystem::exists(out, ec) && std::filesystem::equivalent(out, in, ec)) {
        return Result<bool>::error(out + " is one of the run's inputs; it would be overwritten. Write elsewhere");
      }
    }
  }
  return Result<bool>::ok(true);
}

namespace {

bool same_file(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec);
  const auto ca = fs::weakly_canonical(fs::absolute(a, ec), ec);
  const auto cb = fs::weakly_canonical(fs::absolute(b, ec), ec);
  return !ec && ca == cb;
}

}  // namespace

Result<bool> check_output_paths(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs) {
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const NamedPath& out = outputs[i];
    if (out.path.empty()) continue;
    for (const auto& in : inputs) {
      if (!in.path.empty() && same_file(out.path, in.path)) {
        return Result<bool>::error(out.name + " " + out.path + " is " + in.name + " " + in.path +
                                   ": it would be overwritten; write elsewhere (nothing was written)");
      }
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (!outputs[j].path.empty() && same_file(out.path, outputs[j].path)) {
        return Result<bool>::error(outputs[j].name + " and " + out.name + " both name " + out.path +
                                   ": one would overwrite the other; give two files (nothing was written)");
      }
    }
  }
  return Result<bool>::ok(true);
}

Result<ShardSpec> parse_shard(const std::string& text, const std::function<const char*(const char*)>& getenv) {
  using R = Result<ShardSpec>;
  auto number = [](const std::string& t, int& out) {
    if (t.empty() || t.size() > 9 || t.find_first_not_of("0123456789") != std::string::npos) return false;
    out = std::stoi(t);
    return true;
  };
  auto env = [&getenv](const char* name) -> std::string {
    const char* v = getenv(name);
    return v == nullptr ? "" : v;
  };
  auto k_of_n = [&](const std::string& t, const std::string& what) -> R {
    const auto slash = t.find('/');
    ShardSpec s;
    if (slash == std::string::npos || !number(t.substr(0, slash), s.index) || !number(t.substr(slash + 1), s.count) ||
        s.count < 1 || s.index < 1 || s.index > s.count) {
      return R::error(what + " " + t + ": expected K/N with 1 <= K <= N (e.g. 2/4)");
    }
    return R::ok(s);
  };
  if (text != "auto" && text.rfind("auto/", 0) != 0) return k_of_n(text, "--shard");
  int count = 0;
  if (text.size() > 5 && !number(text.substr(5), count)) return R::error("--shard " + text + ": expected auto or auto/N");
  if (!env("SLURM_ARRAY_TASK_ID").empty()) {
    int id = 0, min = 0, n = count;
    if (!number(env("SLURM_ARRAY_TASK_ID"), id) || (!env("SLURM_ARRAY_TASK_MIN").empty() && !number(env("SLURM_ARRAY_TASK_MIN"), min)) ||
        (n == 0 && !number(env("SLURM_ARRAY_TASK_COUNT"), n))) {
      return R::error("--shard auto: SLURM_ARRAY_TASK_ID/_MIN/_COUNT are not numbers");
    }
    return k_of_n(std::to_string(id - min + 1) + "/" + std::to_string(n), "--shard auto (Slurm array)");
  }
  if (!env("JOB_COMPLETION_INDEX").empty()) {
    int index = 0;
    if (!number(env("JOB_COMPLETION_INDEX"), index)) return R::error("--shard auto: JOB_COMPLETION_INDEX is not a number");
    if (count == 0 && !number(env("FAILSIM_SHARD_COUNT"), count)) {
      return R::error("--shard auto: a Kubernetes indexed Job gives JOB_COMPLETION_INDEX but not the count: use --shard auto/N "
                      "(N = the Job's completions) or set FAILSIM_SHARD_COUNT");
    }
    return k_of_n(std::to_string(index + 1) + "/" + std::to_string(count), "--shard auto (Kubernetes indexed Job)");
  }
  if (!env("FAILSIM_SHARD").empty()) return k_of_n(env("FAILSIM_SHARD"), "FAILSIM_SHARD");
  return R::error("--shard auto: none of SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or FAILSIM_SHARD is set; give --shard K/N");
}

json plan_json(const SuiteOptions& o) {
  json p;
  p["scenarios"] = o.scenario_paths;
  p["policies"] = o.policy_paths;
  p["rules"] = o.rules_path ? json(*o.rules_path) : json(nullptr);
  p["first_seed"] = o.first_seed;
  p["seeds"] = o.seeds;
  p["check_determinism"] = o.check_determinism;
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
Result<reports::SuiteReport> run_suite_seeds(const SuiteOptions& o, std::ostream& progress);
}  // namespace

Result<reports::SuiteReport> run_suite(const SuiteOptions& o, std::ostream& progress) {
  using R = Result<reports::SuiteReport>;
  if (o.seeds > 1 && o.first_seed > std::numeric_limits<std::uint64_t>::max() - static_cast<std::uint64_t>(o.seeds - 1)) {
    return R::error("--seed " + std::to_string(o.first_seed) + " with --seeds " + std::to_string(o.seeds) +
                    " goes past the largest seed, 18446744073709551615");
  }
  if (!o.shard) return run_suite_seeds(o, progress);
  const auto total = static_cast<std::uint64_t>(std::max(1, o.seeds));
  const auto k = static_cast<std::uint64_t>(o.shard->index), n = static_cast<std::uint64_t>(o.shard->count);
  if (n > total) {
    return R::error("--shard " + std::to_string(k) + "/" + std::to_string(n) + ": more shards than seeds (" + std::to_string(total) + ")");
  }
  const std::uint64_t begin = (k - 1) * total / n, end = k * total / n;
  SuiteOptions mine = o;
  mine.shard.reset();
  mine.first_seed = o.first_seed + begin;
  mine.seeds = static_cast<int>(end - begin);
  auto report = run_suite_seeds(mine, progress);
  if (!report) return report;
  reports::SuiteReport r = std::move(report).value();
  SuiteOptions plan = o;
  plan.shard.reset();
  r.shard = reports::ShardInfo{o.shard->index, o.shard->count, o.first_seed, total, plan_json(plan).dump()};
  return R::ok(std::move(r));
}

namespace {

Result<reports::SuiteReport> run_suite_seeds(const SuiteOptions& o, std::ostream& progress) {
  using R = Result<reports::SuiteReport>;
  for (const auto& [path, values] : o.sweeps) {
    if (std::count_if(o.sweeps.begin(), o.sweeps.end(), [&path = path](const auto& s) { return s.first == path; }) > 1) {
      return R::error("--sweep " + path + " is given twice; give its values once, comma-separated");
    }
  }
  auto expanded = expand_variants(o);
  if (!expanded) return R::error(expanded.error());
  const std::vector<Variant> variants = std::move(expanded).value();

  // SLO sets: --slos for all, else each scenario's slo_file, else the built-in ones.
  std::map<std::string, reports::SloSet> slo_sets;
  slo_sets["built-in"] = reports::builtin_slos();
  auto slo_set_for = [&](const Scenario& s) -> Result<const reports::SloSet*> {
    const std::string path = o.slo_path ? *o.slo_path : s.slo_file.value_or("built-in");
    if (slo_sets.count(path) == 0) {
      auto loaded = load_slo_file(path);
      if (!loaded) return Result<const reports::SloSet*>::error(loaded.error() + (o.slo_path ? " (--slos)" : " (named by " + s.file + ": /slo_file)"));
      slo_sets[path] = std::move(loaded).value();
    }
    const reports::SloSet* set = &slo_sets[path];
    if (s.slos) {
      for (std::size_t i = 0; i < s.slos->size(); ++i) {
        const auto& id = (*s.slos)[i];
        if (std::none_of(set->slos.begin(), set->slos.end(), [&](const auto& x) { return x.id == id; })) {
          std::vector<std::string> ids;
          for (const auto& x : set->slos) ids.push_back(x.id);
          return Result<const reports::SloSet*>::error(s.file + ": /slos/" + std::to_string(i) + ": no SLO " + id + " in " +
                                                       set->source + "; SLOs: " + join(ids));
        }
      }
    }
    return Result<const reports::SloSet*>::ok(set);
  };

  std::vector<Loaded> loaded(variants.size());
  std::vector<Job> jobs;
  for (std::size_t v = 0; v < variants.size(); ++v) {
    const auto& ov = variants[v].overrides;
    auto& L = loaded[v];
    for (const auto& p : o.scenario_paths) {
      auto s = load_scenario(p, ov);
      if (!s) return R::error(s.error());
      for (const auto& other : L.scenarios) {
        if (other.name == s.value().name) {
          return R::error("two scenarios are named \"" + other.name + "\" (" + other.file + " and " + p +
                          "): their rows could not be told apart; give each its own name");
        }
      }
      L.scenarios.push_back(std::move(s).value());
    }
    // Policies: the given ones, or each scenario's own (deduplicated by path).
    std::vector<std::string> policy_paths = o.policy_paths;
    if (policy_paths.empty()) {
      for (const auto& s : L.scenarios) {
        if (std::find(policy_paths.begin(), policy_paths.end(), s.policy_path) == policy_paths.end()) {
          policy_paths.push_back(s.policy_path);
        }
      }
    }
    for (const auto& p : policy_paths) {
      std::string named_by = "--policy";
      for (const auto& s : L.scenarios) {
        if (o.policy_paths.empty() && s.policy_path == p) named_by = s.file + ": /policy";
      }
      auto pol = load_policy_file(p, named_by, ov);
      if (!pol) return R::error(pol.error());
      for (std::size_t k = 0; k < L.policies.size(); ++k) {
        if (L.policies[k].name == pol.value().name) {
          return R::error("two policies are named \"" + pol.value().name + "\" (" + policy_paths[k] + " and " + p +
                          "): their rows and expectations could not be told apart; rename one, or run the change as "
                          "a --variant of the other");
        }
      }
      L.policies.push_back(std::move(pol).value());
      L.policy_paths.push_back(p);
      auto own = load_policy_expectations(p, ov);
      if (!own) return R::error(own.error());
      for (const auto& [key, e] : own.value()) {
        const bool in_run =
            std::any_of(L.scenarios.begin(), L.scenarios.end(), [&key = key](const auto& s) { return s.name == key; });
        if (key == "*" || in_run) continue;
        const auto beside = scenario_names_beside(o.scenario_paths);
        if (std::find(beside.begin(), beside.end(), key) == beside.end()) {
          return R::error(p + ": /expect/" + key + ": names no scenario (scenarios: " + join(beside) +
                          "; or \"*\" for every scenario): a typo here would leave expectations unchecked");
        }
      }
      L.policy_expect.push_back(std::move(own).value());
    }
    // The variant's expectation keys name scenarios of the run.
    for (const auto& [key, e] : variants[v].expect) {
      if (key != "*" &&
          std::none_of(L.scenarios.begin(), L.scenarios.end(), [&key = key](const auto& s) { return s.name == key; })) {
        std::vector<std::string> names;
        for (const auto& s : L.scenarios) names.push_back(s.name);
        return R::error("variant " + variants[v].label + ": expectations for \"" + key + "\", which names no scenario of the run; scenarios: " + join(names));
      }
    }
    for (std::size_t s = 0; s < L.scenarios.size(); ++s) {
      const Scenario& sc = L.scenarios[s];
      auto slos = slo_set_for(sc);
      if (!slos) return R::error(slos.error());
      // Without --policy, a scenario runs with its own policy only.
      std::vector<std::string> names, covered;
      for (std::size_t p = 0; p < L.policies.size(); ++p) {
        if (o.policy_paths.empty() && policy_paths[p] != sc.policy_path) continue;
        if (auto fits = check_policy_fits(sc, L.policies[p], policy_paths[p]); !fits) return R::error(fits.error());
        auto rules = load_rules_for(sc, L.policies[p], policy_paths[p], o.rules_path, ov);
        if (!rules) return R::error(rules.error());
        names.push_back(L.policies[p].name);
        Job job{v, s, p, std::move(rules).value(), std::nullopt, slos.value()};
        // The scenario's expectations for the policy, then the policy file's for the
        // scenario, then the variant's: later fields win.
        if (const Expectations* base = expectations_for(sc, L.policies[p].name)) job.expect = *base;
        using Layer = const std::map<std::string, Expectations>*;
        for (Layer layer : {Layer{&L.policy_expect[p]}, Layer{&variants[v].expect}}) {
          auto it = layer->find(sc.name);
          if (it == layer->end()) it = layer->find("*");
          if (it == layer->end()) continue;
          job.expect = merge(job.expect ? &*job.expect : nullptr, it->second);
          covered.push_back(L.policies[p].name);
        }
        jobs.push_back(std::move(job));
      }
      if (auto keys = check_expect_keys(sc, names, covered); !keys) return R::error(keys.error());
    }
  }
  const std::size_t seeds = static_cast<std::size_t>(std::max(1, o.seeds));
  const std::size_t total = jobs.size() * seeds;
  std::vector<RunResult> results(total);
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  const int threads = o.jobs > 0 ? o.jobs : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  auto inputs_of = [&](const Job& j) {
    RunInputs in{&loaded[j.variant].scenarios[j.scenario], &loaded[j.variant].policies[j.policy], &j.rules};
    in.expect = j.expect ? &*j.expect : nullptr;
    in.clock_fault_kinds = &j.slos->clock_fault_kinds;
    return in;
  };
  // Every command runs for real when determinism is checked: reuse would hide a
  // command that reads the clock (harness/command_checks.h).
  if (o.check_determinism) set_command_memo(false);
  auto worker = [&] {
    for (std::size_t i = next++; i < total; i = next++) {
      const Job& j = jobs[i / seeds];
      const std::uint64_t seed = o.first_seed + i % seeds;
      const RunInputs in = inputs_of(j);
      results[i] = run_scenario(in, seed);
      if (o.check_determinism) {
        const UncountedCommands uncounted;
        const RunResult again = run_scenario(in, seed);
        if (again.trace_hash != results[i].trace_hash) {
          results[i].invariants["deterministic"] = false;
          results[i].broken.push_back("the same seed produced a different trace (hash " + std::to_string(results[i].trace_hash) +
                                      " vs " + std::to_string(again.trace_hash) + ")" +
                                      first_difference(results[i].trace, again.trace));
        } else {
          results[i].invariants["deterministic"] = true;
        }
      }
      // Traces are dropped to bound memory; the report's timeline seed is re-run below.
      results[i].trace.clear();
      results[i].trace.shrink_to_fit();
      ++done;
    }
  };
  if (o.given_runs != nullptr) {  // failsim merge: the shards ran these
    if (o.given_runs->size() != jobs.size()) {
      return R::error("the shards have " + std::to_string(o.given_runs->size()) + " rows; their plan makes " + std::to_string(jobs.size()));
    }
    for (std::size_t k = 0; k < jobs.size(); ++k) {
      const auto& rows = (*o.given_runs)[k];
      if (rows.size() != seeds) {
        return R::error("row " + std::to_string(k + 1) + ": the shards hold " + std::to_string(rows.size()) + " runs of " + std::to_string(seeds) + " seeds");
      }
      for (std::size_t s = 0; s < seeds; ++s) {
        if (rows[s].seed != o.first_seed + s) {
          return R::error("row " + std::to_string(k + 1) + ": seed " + std::to_string(o.first_seed + s) + " is missing from the shards");
        }
        results[k * seeds + s] = rows[s];
      }
    }
    next = total;
    done = total;
  }
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
  std::vector<std::string> sources;
  for (const auto& [path, values] : o.sweeps) suite.sweep_paths.push_back(path);
  for (std::size_t k = 0; k < jobs.size(); ++k) {
    const Job& j = jobs[k];
    const Scenario& sc = loaded[j.variant].scenarios[j.scenario];
    reports::ScenarioReport sr;
    sr.name = sc.name;
    sr.policy = loaded[j.variant].policies[j.policy].name;
    sr.variant = variants[j.variant].label;
    sr.variant_name = variants[j.variant].name;
    sr.overrides = variants[j.variant].set_texts;
    sr.sweep_point = variants[j.variant].point;
    sr.file = sc.file;
    // `failsim replay` of one seed of this row, with everything that shaped it.
    sr.replay_args = {sc.file, "--policy", loaded[j.variant].policy_paths[j.policy]};
    if (o.rules_path) sr.replay_args.insert(sr.replay_args.end(), {"--rules", *o.rules_path});
    const Variant& var = variants[j.variant];
    if (!var.file.empty()) sr.replay_args.insert(sr.replay_args.end(), {"--variants", var.file, "--variant", var.name});
    for (const auto& set : var.file.empty() ? var.set_texts : var.own_sets) sr.replay_args.insert(sr.replay_args.end(), {"--set", set});
    sr.slo_scope = sc.slos;
    sr.timeline_seed = o.timeline_seed;
    if (std::find(sources.begin(), sources.end(), j.slos->source) == sources.end()) sources.push_back(j.slos->source);
    for (std::size_t s = 0; s < seeds; ++s) sr.runs.push_back(std::move(results[k * seeds + s]));
    sr.aggregate = reports::aggregate(sr.runs, *j.slos, sc.slos);
    if (j.expect) {
      sr.expectations = describe(*j.expect);
      sr.distribution_broken = check_distribution(*j.expect, sr);
    }
    sr.passed = sr.distribution_broken.empty();
    for (const auto& r : sr.runs) sr.passed = sr.passed && r.passed();
    // The timeline the report shows (the picked, first failing or first seed): re-run it
    // for its trace; the run is a pure function of its inputs, so nothing else changes.
    if (const RunResult* shown = reports::timeline_run(sr); shown != nullptr) {
      const UncountedCommands uncounted;
      RunResult again = run_scenario(inputs_of(j), shown->seed);
      for (auto& r : sr.runs) {
        if (r.seed == shown->seed) r.trace = std::move(again.trace);
      }
    }
    suite.scenarios.push_back(std::move(sr));
  }
  suite.slo_source = join(sources);
  if (!jobs.empty()) suite.slo_definitions = jobs.front().slos->slos;
  return R::ok(std::move(suite));
}

}  // namespace

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
  // The four reports are replaced as a set: all written to temporary files first, then
  // renamed; a failure leaves the old set and no temporary file.
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& [name, text] : docs) files.emplace_back((std::filesystem::path(out_dir) / name).string(), text);
  auto w = write_all_or_nothing(files);
  if (!w) return w;
  return Result<bool>::ok(!leaked);
}

}  // namespace failsim::harness
