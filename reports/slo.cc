#include "reports/slo.h"

#include <algorithm>

#include "reports/format.h"
#include "reports/stats.h"

namespace failsim::reports {

SloSet builtin_slos() {
  SloSet s;
  s.source = "built-in";
  s.clock_fault_kinds = {"partition",    "loss",          "latency",       "host_down",
                         "service_stop", "service_crash", "exporter_stop", "resources", "http_status"};
  s.slos = {
      {"SC-001", "deploy_success_rate", "deploy_success_rate", 0.95, 0, 0,
       "Of all runs, the fraction whose newest deploy request landed (outcome deployed)."},
      {"SC-002", "median_deploy_time", "deploy_time_p50", 0, 600, 0,
       "Median (nearest rank) over the runs whose newest deploy request landed of that request's deploy time: from its "
       "trigger to production running its version, waiting in a queue included. Runs whose deploy did not land count "
       "in SC-001, not here; when none landed it is not judged."},
      {"SC-003", "detection_time", "detection_within", 0.95, 0, 300,
       "Of the runs with a fault that starts the detection clock (detection_clock.fault_kinds), the fraction detected "
       "within 5 minutes: from the fault the first alert is about (the earliest such fault on the alert's target host, "
       "else the first such fault) to Alertmanager's first notification of that alert where the world has an "
       "Alertmanager (both shipped worlds do), else to the alert firing. Not applicable to a scenario without such a "
       "fault."},
      {"SC-004", "no_secret_in_output", "no_secret_in_output", 0, 0, 0,
       "No report, trace or log of any run contains the scenario's secret."},
  };
  return s;
}

namespace {

std::string ratio(std::size_t k, std::size_t n) {
  return format_percent(n == 0 ? 0 : static_cast<double>(k) / static_cast<double>(n)) + " (" + std::to_string(k) + "/" +
         std::to_string(n) + ")";
}

}  // namespace

std::vector<SloVerdict> judge_slos(const SloSet& set, const std::optional<std::vector<std::string>>& in_scope,
                                   const std::vector<RunResult>& runs) {
  std::vector<SloVerdict> out;
  for (const auto& slo : set.slos) {
    SloVerdict v{slo.id, slo.name, "", "", "", ""};
    if (in_scope && std::find(in_scope->begin(), in_scope->end(), slo.id) == in_scope->end()) {
      v.status = "out_of_scope";
      v.note = "the scenario does not list " + slo.id + " in its slos";
      out.push_back(v);
      continue;
    }
    auto verdict = [&v](bool met) { v.status = met ? "met" : "missed"; };
    if (slo.metric == "deploy_success_rate") {
      std::size_t deployed = 0;
      for (const auto& r : runs) deployed += r.outcome == "deployed" ? 1 : 0;
      v.objective = "≥ " + format_percent(slo.at_least);
      v.figure = ratio(deployed, runs.size());
      verdict(!runs.empty() && static_cast<double>(deployed) >= slo.at_least * static_cast<double>(runs.size()));
    } else if (slo.metric == "deploy_time_p50") {
      std::vector<double> times;
      for (const auto& r : runs) {
        if (r.outcome == "deployed" && r.deploy_seconds) times.push_back(*r.deploy_seconds);
      }
      v.objective = "≤ " + format_seconds(slo.at_most_seconds);
      const auto p50 = nearest_rank(times, 0.5);
      if (!p50) {
        v.status = "not_judged";
        v.note = "no deploy landed (see SC-001)";
      } else {
        v.figure = format_seconds(*p50) + " (p50 of " + std::to_string(times.size()) + " landed)";
        verdict(*p50 <= slo.at_most_seconds);
      }
    } else if (slo.metric == "detection_within") {
      std::size_t faulted = 0, in_time = 0;
      for (const auto& r : runs) {
        if (!r.had_fault) continue;
        ++faulted;
        if (r.detection_seconds && *r.detection_seconds <= slo.within_seconds) ++in_time;
      }
      v.objective = "≥ " + format_percent(slo.at_least);
      if (faulted == 0) {
        v.status = "not_applicable";
        v.note = "no fault that starts the detection clock";
      } else {
        v.figure = ratio(in_time, faulted) + " within " + format_seconds(slo.within_seconds);
        verdict(static_cast<double>(in_time) >= slo.at_least * static_cast<double>(faulted));
      }
    } else {  // no_secret_in_output
      std::size_t leaked = 0;
      for (const auto& r : runs) {
        const auto it = r.invariants.find("no_secret_in_output");
        if (it != r.invariants.end() && !it->second) ++leaked;
      }
      v.objective = "0 runs leak";
      v.figure = std::to_string(leaked) + " of " + std::to_string(runs.size()) + " leaked";
      verdict(leaked == 0);
    }
    out.push_back(v);
  }
  return out;
}

}  // namespace failsim::reports
