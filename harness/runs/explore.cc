#include "harness/runs/explore.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "failover/duration.h"
#include "failover/json_fields.h"
#include "harness/runs/run.h"
#include "harness/inputs/text_file.h"
#include "sim/random.h"

namespace failsim::harness {

using json_fields::Fields;
using json_fields::json;

namespace {

const std::vector<FaultSpec::Kind> kAllKinds = {
    FaultSpec::Kind::kPartition,   FaultSpec::Kind::kLoss,         FaultSpec::Kind::kLatency,
    FaultSpec::Kind::kHostDown,    FaultSpec::Kind::kServiceStop,  FaultSpec::Kind::kServiceCrash,
    FaultSpec::Kind::kExporterStop, FaultSpec::Kind::kResources,   FaultSpec::Kind::kCancelRun};

DurationRange read_range(Fields& f, const std::string& key, DurationRange fallback) {
  const json* v = f.get(key);
  if (v == nullptr) return fallback;
  Fields r(*v, f.at(key));
  DurationRange out{r.duration("min", fallback.min), r.duration("max", fallback.max)};
  r.finish();
  if (out.min < Duration(0) || out.max < out.min) Fields::fail(f.at(key), "expected 0s <= min <= max");
  return out;
}

ExploreConfig read_config(const json& root) {
  Fields top(root, "");
  ExploreConfig c;
  if (top.integer("explore_version", 0, 1, 1) != 1) Fields::fail("/explore_version", "missing required field (1)");
  top.text("description", std::string());
  if (top.get("kinds") != nullptr) {
    const auto names = top.strings("kinds");
    if (names.empty()) Fields::fail("/kinds", "expected at least one fault kind");
    for (std::size_t i = 0; i < names.size(); ++i) {
      bool found = false;
      for (const auto k : kAllKinds) {
        if (names[i] == to_string(k)) {
          c.kinds.push_back(k);
          found = true;
        }
      }
      if (!found) {
        std::string all;
        for (const auto k : kAllKinds) all += (all.empty() ? "" : ", ") + std::string(to_string(k));
        Fields::fail("/kinds/" + std::to_string(i), "unknown fault kind \"" + names[i] + "\"; kinds: " + all);
      }
    }
  }
  c.max_faults = top.integer("max_faults", c.max_faults, 1, 10);
  c.at = read_range(top, "at", c.at);
  c.length = read_range(top, "length", c.length);
  if (c.length.min <= Duration(0)) Fields::fail("/length/min", "expected a length above 0s (explored faults end)");
  c.flap_probability = top.probability("flap_probability", c.flap_probability);
  c.flap_down = read_range(top, "flap_down", c.flap_down);
  c.flap_up = read_range(top, "flap_up", c.flap_up);
  if (c.flap_down.min < kMinFlap || c.flap_up.min < kMinFlap) {
    Fields::fail(c.flap_down.min < kMinFlap ? "/flap_down/min" : "/flap_up/min",
                 "flap_down and flap_up need a min of at least " + format_duration(kMinFlap));
  }
  c.loss_min = top.probability("loss_min", c.loss_min);
  c.loss_max = top.probability("loss_max", c.loss_max);
  if (c.loss_max < c.loss_min) Fields::fail("/loss_max", "expected loss_max >= loss_min");
  c.added_latency = read_range(top, "added_latency", c.added_latency);
  if (top.get("targets") != nullptr) c.targets = top.strings("targets");
  c.draw_workload = top.flag("draw_workload", c.draw_workload);
  c.max_deploys = top.integer("max_deploys", c.max_deploys, 1, 10);
  c.deploy_at = read_range(top, "deploy_at", c.deploy_at);
  if (top.get("invariants") != nullptr) {
    c.invariants = top.strings("invariants");
    for (std::size_t i = 0; i < c.invariants.size(); ++i) {
      const auto& all = reports::all_invariants();
      if (std::find(all.begin(), all.end(), c.invariants[i]) == all.end()) {
        Fields::fail("/invariants/" + std::to_string(i), "unknown invariant \"" + c.invariants[i] +
                                                             "\"; expected one of " + reports::all_invariants_text());
      }
    }
  }
  if (const json* props = top.get("properties")) {
    if (!props->is_array()) Fields::fail("/properties", "expected an array of properties");
    for (std::size_t i = 0; i < props->size(); ++i) {
      Fields pf((*props)[i], "/properties/" + std::to_string(i));
      c.properties.push_back(read_property(pf));
    }
  }
  c.shrink_runs = top.integer("shrink_runs", c.shrink_runs, 10, 100000);
  c.max_findings = top.integer("max_findings", c.max_findings, 1, 1000);
  top.finish();
  // A drawn run lasts to its last fault's end or last deploy, plus 30 minutes: within
  // the run-length limit every scenario has.
  const Duration latest = std::max(c.at.max + c.length.max, c.deploy_at.max) + std::chrono::minutes(30);
  if (latest > kMaxRunLength) {
    Fields::fail(c.at.max + c.length.max >= c.deploy_at.max ? "/at/max" : "/deploy_at/max",
                 "faults drawn as late as " + format_duration(c.at.max + c.length.max) + " and deploys at " +
                     format_duration(c.deploy_at.max) + " make runs longer than " + format_duration(kMaxRunLength) +
                     " (the run-length limit, less 30m after the last event)");
  }
  return c;
}

// A duration drawn uniformly from the range, whole seconds.
Duration draw(sim::Rng& rng, DurationRange r) {
  const auto lo = std::chrono::duration_cast<std::chrono::seconds>(r.min).count();
  const auto hi = std::chrono::duration_cast<std::chrono::seconds>(r.max).count();
  return std::chrono::seconds(rng.uniform_int(lo, std::max(lo, hi)));
}

double round_to(double x, double step) { return std::round(x / step) * step; }

}  // namespace

std::vector<Property> default_properties() {
  // In the file format, as a config would list them (docs/explore.md).
  static const json kDefaults = json::parse(R"([
    {"name": "outage-alerts", "if": {"runner_down_for": "5m"}, "then": {"alert_fires_within": "7m"}},
    {"name": "flap-alerts", "if": {"runner_down_fraction": 0.25, "over": "10m", "times": 3, "min_outage": "30s"},
     "then": {"alert_fires_within": "5m"}},
    {"name": "quiet-deploys-land", "if": {"deploy_requested_quiet_for": "2m"}, "then": {"deploy_lands_within": "15m"}},
    {"name": "healthy-runner-deploys-land", "if": {"deploy_requested_while_runner_healthy": "2m"},
     "then": {"deploy_lands_within": "20m"}}
  ])");
  std::vector<Property> out;
  for (std::size_t i = 0; i < kDefaults.size(); ++i) {
    Fields f(kDefaults[i], "/properties/" + std::to_string(i));
    out.push_back(read_property(f));
  }
  return out;
}

Result<ExploreConfig> parse_explore_config(const std::string& json_text, const std::string& source) {
  return json_fields::read_document<ExploreConfig>(json_text, source, [](const json& root) { return read_config(root); });
}

Result<ExploreConfig> load_explore_config(const std::string& path) {
  const auto text = read_input_file(path);
  if (!text) return Result<ExploreConfig>::error(path + ": cannot read the explore config: " + text.error());
  return parse_explore_config(text.value(), path);
}

// GitHub's own runners: nothing the team can fault, nothing its alerts can watch.
static bool excluded_by_default(const ExploreConfig& config, const sim::runner::RunnerHostSpec& r) {
  const auto named = [&](const std::string& n) { return std::find(config.targets.begin(), config.targets.end(), n) != config.targets.end(); };
  return r.host == "github-hosted" && !named(r.runner_name) && !named(r.host);
}

std::vector<std::string> explore_exclusions(const ExploreConfig& config, const Scenario& base) {
  std::vector<std::string> out;
  for (const auto& r : base.world.runners) {
    if (!excluded_by_default(config, r)) continue;
    out.push_back(r.runner_name + ": a runner GitHub hosts (host github-hosted): no fault of the team's reaches it and no "
                  "alert of the team's can watch it, so no finding about it would be actionable (name it in targets to "
                  "include it)");
  }
  return out;
}

Schedule draw_schedule(const ExploreConfig& config, const Scenario& base, std::uint64_t run_seed) {
  sim::Rng rng = sim::Rng::stream(run_seed, "explore/schedule");
  const std::vector<FaultSpec::Kind>& kinds = config.kinds.empty() ? kAllKinds : config.kinds;
  // Swarm testing: this run's own subset of the kinds.
  std::vector<FaultSpec::Kind> enabled;
  for (const auto k : kinds) {
    if (rng.bernoulli(0.5)) enabled.push_back(k);
  }
  if (enabled.empty()) enabled.push_back(kinds[rng.uniform_below(kinds.size())]);
  const sim::WorldSpec& w = base.world;
  auto allowed = [&](const std::string& name) {
    return config.targets.empty() || std::find(config.targets.begin(), config.targets.end(), name) != config.targets.end();
  };
  std::vector<const sim::runner::RunnerHostSpec*> runners;
  for (const auto& r : w.runners) {
    if (!(allowed(r.runner_name) || allowed(r.host))) continue;
    if (excluded_by_default(config, r)) continue;
    runners.push_back(&r);
  }
  const std::string& prom = w.prometheus.host;
  // The links worth cutting: Prometheus -> each exporter, each runner -> GitHub, all of a
  // runner's traffic, the gate's host -> Prometheus, and all traffic to Prometheus.
  struct Link {
    std::string from, to;
    int port;
  };
  std::vector<Link> links;
  for (const auto* r : runners) {
    if (r->exporter_port != 0) links.push_back({prom, r->host, r->exporter_port});
    links.push_back({r->host, "github", 0});
    links.push_back({"*", r->host, 0});
  }
  if (allowed(prom)) {
    links.push_back({"github-hosted", prom, w.prometheus_port});
    links.push_back({"*", prom, 0});
  }
  Schedule s;
  const int n = 1 + static_cast<int>(rng.uniform_below(static_cast<std::uint64_t>(config.max_faults)));
  for (int i = 0; i < n; ++i) {
    FaultSpec f;
    f.kind = enabled[rng.uniform_below(enabled.size())];
    f.at = draw(rng, config.at);
    f.length = draw(rng, config.length);
    const bool flap = rng.bernoulli(config.flap_probability);
    auto pick_runner = [&]() -> std::string {
      // "$deploy": whichever runner runs a deploy job when the fault starts.
      const std::uint64_t k = rng.uniform_below(runners.size() + 1);
      return k == runners.size() ? "$deploy" : runners[k]->runner_name;
    };
    switch (f.kind) {
      case FaultSpec::Kind::kPartition:
      case FaultSpec::Kind::kLoss:
      case FaultSpec::Kind::kLatency: {
        if (links.empty()) continue;
        const Link& l = links[rng.uniform_below(links.size())];
        f.from = l.from;
        f.to = l.to;
        f.port = l.port;
        f.mode = rng.bernoulli(0.5) ? sim::FaultMode::kDrop : sim::FaultMode::kReject;
        if (f.kind != FaultSpec::Kind::kPartition) f.mode = sim::FaultMode::kDrop;
        f.probability = f.kind == FaultSpec::Kind::kLoss ? round_to(rng.uniform_real(config.loss_min, config.loss_max), 0.05)
                                                         : 1.0;
        f.probability = std::clamp(f.probability, 0.05, 1.0);
        if (f.kind == FaultSpec::Kind::kLatency) f.added_latency = draw(rng, config.added_latency);
        break;
      }
      case FaultSpec::Kind::kHostDown: {
        const bool monitoring = allowed(prom) && rng.bernoulli(1.0 / static_cast<double>(runners.size() + 1));
        if (monitoring || runners.empty()) {
          f.to = prom;
        } else {
          f.runner = pick_runner();
        }
        break;
      }
      case FaultSpec::Kind::kServiceStop:
      case FaultSpec::Kind::kServiceCrash:
      case FaultSpec::Kind::kExporterStop:
        if (runners.empty()) continue;
        f.runner = pick_runner();
        break;
      case FaultSpec::Kind::kResources:
        if (runners.empty()) continue;
        f.runner = pick_runner();
        f.cpu = round_to(rng.uniform_real(50, 100), 1);
        f.memory = round_to(rng.uniform_real(50, 100), 1);
        f.disk = round_to(rng.uniform_real(10, 100), 1);
        break;
      case FaultSpec::Kind::kCancelRun: f.length = Duration(0); break;
      case FaultSpec::Kind::kGitHubDegraded:
      case FaultSpec::Kind::kHttpStatus: continue;  // not among explore's kinds (kAllKinds)
    }
    const bool can_flap = f.kind == FaultSpec::Kind::kPartition || f.kind == FaultSpec::Kind::kLoss ||
                          f.kind == FaultSpec::Kind::kLatency || f.kind == FaultSpec::Kind::kHostDown ||
                          f.kind == FaultSpec::Kind::kServiceStop || f.kind == FaultSpec::Kind::kServiceCrash ||
                          f.kind == FaultSpec::Kind::kExporterStop;
    if (flap && can_flap) {
      f.flap_down = draw(rng, config.flap_down);
      f.flap_up = draw(rng, config.flap_up);
    }
    s.faults.push_back(f);
  }
  if (config.draw_workload) {
    const int deploys = 1 + static_cast<int>(rng.uniform_below(static_cast<std::uint64_t>(config.max_deploys)));
    for (int i = 0; i < deploys; ++i) s.deploys.push_back(DeployTrigger{draw(rng, config.deploy_at), ""});
    std::sort(s.deploys.begin(), s.deploys.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
    for (std::size_t i = 0; i < s.deploys.size(); ++i) s.deploys[i].version = "v-explore." + std::to_string(i + 1);
  } else {
    s.deploys = base.deploys;
  }
  std::sort(s.faults.begin(), s.faults.end(), [](const FaultSpec& a, const FaultSpec& b) { return a.at < b.at; });
  Duration last{0};
  for (const auto& f : s.faults) last = std::max(last, f.at + f.length);
  for (const auto& d : s.deploys) last = std::max(last, d.at);
  s.run_length = std::max(base.run_length, last + std::chrono::minutes(30));
  return s;
}

std::string shape_of(const Schedule& s) {
  std::vector<std::string> parts;
  for (const auto& f : s.faults) {
    std::string p = to_string(f.kind);
    if (f.kind == FaultSpec::Kind::kPartition) p += f.mode == sim::FaultMode::kDrop ? "(drop)" : "(reject)";
    if (f.flap_down > Duration(0)) p += "~flap";
    parts.push_back(p);
  }
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "+") + p;
  return out.empty() ? "no-fault" : out;
}

reports::RunResult run_schedule(const ExploreTarget& t, const Schedule& s, std::uint64_t seed) {
  Scenario sc = t.base;
  sc.faults = s.faults;
  sc.deploys = s.deploys;
  sc.run_length = s.run_length;
  Expectations expect;
  expect.properties = t.properties;
  RunInputs in{&sc, &t.policy, &t.rules, nullptr, &expect, nullptr};
  return run_scenario(in, seed);
}

std::vector<std::string> failed_oracles(const ExploreTarget& t, const reports::RunResult& r) {
  std::vector<std::string> out;
  bool leaked = false;
  if (!t.base.secret.empty()) {
    for (const auto& e : r.trace) leaked = leaked || e.detail.find(t.base.secret) != std::string::npos ||
                                           e.name.find(t.base.secret) != std::string::npos;
    for (const auto& d : r.deploys) leaked = leaked || d.diagnosis.find(t.base.secret) != std::string::npos;
  }
  for (const auto& name : t.invariants) {
    const auto it = r.invariants.find(name);
    const bool broken = (it != r.invariants.end() && !it->second) || (name == "no_secret_in_output" && leaked);
    if (broken) out.push_back("invariant:" + name);
  }
  for (const auto& p : t.properties) {
    if (std::find(r.failed_properties.begin(), r.failed_properties.end(), p.name) != r.failed_properties.end()) {
      out.push_back("property:" + p.name);
    }
  }
  return out;
}

}  // namespace failsim::harness
