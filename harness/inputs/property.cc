#include "harness/inputs/property.h"

#include <algorithm>

#include "failover/duration.h"

namespace failsim::harness {

using json_fields::Fields;
using json_fields::json;

Property read_property(Fields& f) {
  Property p;
  p.name = f.text("name");
  if (p.name.empty()) Fields::fail(f.at("name"), "expected a non-empty name");
  const json& cond = f.need("if");
  Fields c(cond, f.at("if"));
  int conditions = 0;
  if (c.get("runner_down_for") != nullptr) {
    p.when = Property::When::kRunnerDownFor;
    p.down_for = c.duration("runner_down_for");
    if (p.down_for <= Duration(0)) Fields::fail(c.at("runner_down_for"), "expected a duration above 0s");
    ++conditions;
  }
  if (c.get("runner_down_fraction") != nullptr) {
    p.when = Property::When::kRunnerDownFraction;
    p.fraction = c.probability("runner_down_fraction", 0);
    if (p.fraction <= 0) Fields::fail(c.at("runner_down_fraction"), "expected a fraction above 0 and at most 1");
    p.over = c.duration("over");
    if (p.over < kPropertySampleEvery) {
      Fields::fail(c.at("over"), "expected a window of at least " + format_duration(kPropertySampleEvery));
    }
    p.times = c.integer("times", 1, 1, 1000);
    if (c.get("min_outage") != nullptr) {
      p.min_outage = c.duration("min_outage");
      if (p.min_outage > p.over) Fields::fail(c.at("min_outage"), "expected at most the window (over)");
    }
    ++conditions;
  } else {
    for (const char* key : {"over", "times", "min_outage"}) {
      if (c.get(key) != nullptr) Fields::fail(c.at(key), std::string("\"") + key + "\" goes with runner_down_fraction");
    }
  }
  if (c.get("deploy_requested_quiet_for") != nullptr) {
    p.when = Property::When::kDeployRequestedQuiet;
    p.quiet_for = c.duration("deploy_requested_quiet_for");
    ++conditions;
  }
  if (c.get("deploy_requested_while_runner_healthy") != nullptr) {
    p.when = Property::When::kDeployWithHealthyRunner;
    p.quiet_for = c.duration("deploy_requested_while_runner_healthy");
    ++conditions;
  }
  if (conditions != 1) {
    Fields::fail(f.at("if"), "expected exactly one of runner_down_for, runner_down_fraction (with over), "
                             "deploy_requested_quiet_for, deploy_requested_while_runner_healthy");
  }
  c.finish();
  const json& cons = f.need("then");
  Fields t(cons, f.at("then"));
  const bool runner_condition =
      p.when == Property::When::kRunnerDownFor || p.when == Property::When::kRunnerDownFraction;
  const char* key = runner_condition ? "alert_fires_within" : "deploy_lands_within";
  const char* other = runner_condition ? "deploy_lands_within" : "alert_fires_within";
  if (t.get(other) != nullptr) {
    Fields::fail(t.at(other), std::string(runner_condition ? "a runner condition" : "a deploy condition") +
                                  " takes \"then\": {\"" + key + "\": DURATION}");
  }
  p.then = runner_condition ? Property::Then::kAlertFiresWithin : Property::Then::kDeployLandsWithin;
  p.within = t.duration(key);
  if (p.within <= Duration(0)) Fields::fail(t.at(key), "expected a duration above 0s");
  t.finish();
  f.finish();
  return p;
}

json property_json(const Property& p) {
  json cond = json::object();
  switch (p.when) {
    case Property::When::kRunnerDownFor: cond["runner_down_for"] = format_duration(p.down_for); break;
    case Property::When::kRunnerDownFraction:
      cond["runner_down_fraction"] = p.fraction;
      cond["over"] = format_duration(p.over);
      if (p.times > 1) cond["times"] = p.times;
      if (p.min_outage > Duration(0)) cond["min_outage"] = format_duration(p.min_outage);
      break;
    case Property::When::kDeployRequestedQuiet: cond["deploy_requested_quiet_for"] = format_duration(p.quiet_for); break;
    case Property::When::kDeployWithHealthyRunner:
      cond["deploy_requested_while_runner_healthy"] = format_duration(p.quiet_for);
      break;
  }
  json then = json::object();
  then[p.then == Property::Then::kAlertFiresWithin ? "alert_fires_within" : "deploy_lands_within"] =
      format_duration(p.within);
  return json{{"name", p.name}, {"if", cond}, {"then", then}};
}

std::string describe(const Property& p) {
  const std::string w = format_duration(p.within);
  switch (p.when) {
    case Property::When::kRunnerDownFor:
      return "if a runner is down for " + format_duration(p.down_for) + ", an alert about it fires within " + w;
    case Property::When::kRunnerDownFraction:
      return "if a runner is down " + std::to_string(static_cast<int>(p.fraction * 100 + 0.5)) + " % of some " +
             format_duration(p.over) + (p.times > 1 ? " in " + std::to_string(p.times) + " or more outages" : "") +
             (p.min_outage > Duration(0) ? " of at least " + format_duration(p.min_outage) : "") +
             ", an alert about it fires within " + w;
    case Property::When::kDeployRequestedQuiet:
      return "a deploy requested with no fault active from " + format_duration(p.quiet_for) + " before it lands within " + w;
    case Property::When::kDeployWithHealthyRunner:
      return "a deploy requested while an authorized runner is healthy (from " + format_duration(p.quiet_for) +
             " before it) lands within " + w;
  }
  return p.name;
}

namespace {

bool firing_in(const PropertyObservations::Runner& r, Duration from, Duration to) {
  for (const auto& [a, b] : r.firing) {
    if (a <= to && b > from) return true;
  }
  return false;
}

Duration tick(std::size_t i) { return kPropertySampleEvery * static_cast<std::int64_t>(i); }

std::optional<std::string> judge_runner(const Property& p, const PropertyObservations::Runner& r, Duration run_end) {
  const auto& s = r.samples;
  auto check = [&](Duration start, Duration lookback, const std::string& what) -> std::optional<std::string> {
    if (firing_in(r, start - lookback, start + p.within)) return std::nullopt;
    if (start + p.within > run_end) return std::nullopt;  // not judged: the run ended first
    return r.name + " " + what + ", and no alert about it fired by " + format_duration(start + p.within);
  };
  if (p.when == Property::When::kRunnerDownFor) {
    const std::size_t need = static_cast<std::size_t>(p.down_for / kPropertySampleEvery);
    std::size_t i = 0;
    while (i < s.size()) {
      if (s[i] != 'd') {
        ++i;
        continue;
      }
      std::size_t j = i;
      while (j < s.size() && s[j] == 'd') ++j;
      if (j - i >= std::max<std::size_t>(need, 1)) {
        if (auto v = check(tick(i), Duration(0),
                           "was down from " + format_duration(tick(i)) + " for " + format_duration(tick(j - i)))) {
          return v;
        }
      }
      i = j;
    }
    return std::nullopt;
  }
  // kRunnerDownFraction: each episode of windows at or above the fraction (and with
  // enough separate outages: an outage counts in a window when it reaches min_outage,
  // m samples, inside it; with m = 1, when it starts inside it).
  const std::size_t n = std::max<std::size_t>(static_cast<std::size_t>(p.over / kPropertySampleEvery), 1);
  const double need = p.fraction * static_cast<double>(n);
  const auto m = static_cast<std::size_t>(std::max<std::int64_t>(
      1, (p.min_outage.count() + kPropertySampleEvery.count() - 1) / kPropertySampleEvery.count()));
  auto starts = [&](std::size_t i) {  // sample i is the m-th of an outage
    if (i + 1 < m || (i + 1 > m && s[i - m] == 'd')) return false;
    for (std::size_t k = i + 1 - m; k <= i; ++k) {
      if (s[k] != 'd') return false;
    }
    return true;
  };
  std::size_t down = 0, outages = 0;
  bool in_episode = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    down += s[i] == 'd' ? 1 : 0;
    outages += starts(i) ? 1 : 0;
    if (i >= n) {
      down -= s[i - n] == 'd' ? 1 : 0;
      outages -= starts(i - n) ? 1 : 0;
    }
    const bool met = i + 1 >= n && static_cast<double>(down) >= need - 1e-9 &&
                     outages >= static_cast<std::size_t>(p.times);
    if (met && !in_episode) {
      const Duration at = tick(i + 1);
      const std::string what = "was down " + std::to_string(down) + " of " + std::to_string(n) + " samples (" +
                               format_duration(kPropertySampleEvery) + " apart), in " + std::to_string(outages) +
                               " outages, in the " + format_duration(p.over) + " before " + format_duration(at);
      if (auto v = check(at, p.over, what)) return v;
    }
    in_episode = met;
  }
  return std::nullopt;
}

std::optional<std::string> judge_deploys(const Property& p, const PropertyObservations& seen) {
  for (std::size_t i = 0; i < seen.deploys.size(); ++i) {
    const auto& d = seen.deploys[i];
    const Duration from = d.requested - p.quiet_for;
    const Duration to = d.requested + p.within;
    bool quiet = true;
    for (const auto& x : seen.faults) {
      const bool hidden = x.kind == "cancel_run" || x.kind == "loss" || x.kind == "latency";
      if ((p.when == Property::When::kDeployRequestedQuiet || hidden) && x.from < to && x.to > from) quiet = false;
    }
    if (p.when == Property::When::kDeployWithHealthyRunner && quiet) {
      // Some authorized runner healthy at every sample of [from, to].
      const auto first = static_cast<std::size_t>(std::max(Duration(0), from) / kPropertySampleEvery);
      const auto last = static_cast<std::size_t>(to / kPropertySampleEvery);
      std::string healthy_runner;
      for (const auto& r : seen.runners) {
        if (!r.authorized || r.samples.size() <= last) continue;
        bool all = true;
        for (std::size_t k = first; k <= last && all; ++k) all = r.samples[k] == 'h';
        if (all && healthy_runner.empty()) healthy_runner = r.name;
      }
      if (healthy_runner.empty()) {
        // Not judged yet when the run ended before `to` (a deploy that failed while a
        // runner was healthy so far is still a violation).
        bool so_far = false;
        for (const auto& r : seen.runners) {
          if (!r.authorized || r.samples.size() > last || !d.done || d.landed) continue;
          bool all = true;
          for (std::size_t k = first; k < r.samples.size() && all; ++k) all = r.samples[k] == 'h';
          so_far = so_far || (all && r.samples.size() > first);
        }
        quiet = so_far;
      }
    }
    // Alone: no earlier request still in flight, and no later one before this one ended
    // (GitHub's concurrency group may rightly supersede it).
    for (std::size_t j = 0; j < seen.deploys.size(); ++j) {
      const auto& e = seen.deploys[j];
      const bool earlier_in_flight = j < i && e.requested <= d.requested && (!e.done || *e.done > d.requested);
      const bool later_overlaps = j > i && e.requested < (d.done ? *d.done : to);
      if (earlier_in_flight || later_overlaps) quiet = false;
    }
    if (!quiet) continue;
    if (d.landed && d.done && *d.done <= to) continue;
    const bool ended_unlanded = d.done.has_value() && !d.landed;
    if (!ended_unlanded && to > seen.run_end) continue;  // not judged: the run ended first
    return "the deploy requested at " + format_duration(d.requested) +
           (p.when == Property::When::kDeployRequestedQuiet ? " (no fault from " : " (an authorized runner healthy from ") +
           format_duration(std::max(Duration(0), from)) + " to " + format_duration(to) + ") " +
           (d.landed && d.done ? "landed only at " + format_duration(*d.done)
                               : ended_unlanded ? "ended at " + format_duration(*d.done) + " without landing"
                                                : "had not landed by " + format_duration(to));
  }
  return std::nullopt;
}

}  // namespace

std::vector<PropertyViolation> judge_properties(const std::vector<Property>& properties,
                                                const PropertyObservations& seen) {
  std::vector<PropertyViolation> out;
  for (const auto& p : properties) {
    std::optional<std::string> v;
    if (p.when == Property::When::kDeployRequestedQuiet || p.when == Property::When::kDeployWithHealthyRunner) {
      v = judge_deploys(p, seen);
    } else {
      for (const auto& r : seen.runners) {
        v = judge_runner(p, r, seen.run_end);
        if (v) break;
      }
    }
    if (v) out.push_back(PropertyViolation{p.name, *v});
  }
  return out;
}

}  // namespace failsim::harness
