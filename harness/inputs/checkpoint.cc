#include "harness/inputs/checkpoint.h"

#include <algorithm>

#include "failover/duration.h"
#include "reports/format.h"

namespace failsim::harness {
namespace {

using json_fields::Fields;
using reports::format_seconds;

std::string t_plus(double seconds) { return "T+" + format_seconds(seconds); }
std::string t_plus(Duration d) { return "T+" + format_duration(d); }

}  // namespace

Checkpoint read_checkpoint(Fields& f) {
  Checkpoint c;
  int kinds = 0;
  if (f.get("alert_firing") != nullptr) {
    c.kind = Checkpoint::Kind::kAlertFiring;
    c.subject = f.text("alert_firing");
    c.instance = f.text("instance", std::string());
    ++kinds;
  }
  if (f.get("alert_notified") != nullptr) {
    c.kind = Checkpoint::Kind::kAlertNotified;
    c.subject = f.text("alert_notified");
    ++kinds;
  }
  if (f.get("target_down") != nullptr) {
    c.kind = Checkpoint::Kind::kTargetDown;
    c.subject = f.text("target_down");
    ++kinds;
  }
  if (const json_fields::json* d = f.get("deploy_lands")) {
    c.kind = Checkpoint::Kind::kDeployLands;
    Fields df(*d, f.at("deploy_lands"));
    c.runner = df.text("runner", std::string());
    c.version = df.text("version", std::string());
    df.finish();
    ++kinds;
  }
  if (f.get("never") != nullptr) {
    c.kind = Checkpoint::Kind::kNeverDeployOnUnhealthy;
    const std::string rule = f.text("never");
    if (rule != "deploy_on_unhealthy_runner") {
      Fields::fail(f.at("never"), "expected \"deploy_on_unhealthy_runner\", got \"" + rule + "\"");
    }
    ++kinds;
  }
  if (kinds != 1) {
    Fields::fail(f.at(kinds == 0 ? "alert_firing" : "never"),
                 "a checkpoint has exactly one of alert_firing, alert_notified, target_down, deploy_lands, never" +
                     (kinds == 0 ? f.typo_hint() : std::string()));
  }
  if (f.get("instance") != nullptr && c.kind != Checkpoint::Kind::kAlertFiring) {
    Fields::fail(f.at("instance"), "only alert_firing takes an instance");
  }
  if (f.get("by") != nullptr) c.by = f.duration("by");
  if (f.get("within") != nullptr) {
    if (c.kind != Checkpoint::Kind::kDeployLands) Fields::fail(f.at("within"), "only deploy_lands takes `within` (use `by`)");
    c.within = f.duration("within");
  }
  c.after = f.duration("after", Duration(0));
  if (c.kind == Checkpoint::Kind::kNeverDeployOnUnhealthy && (c.by || f.get("after") != nullptr)) {
    Fields::fail(f.at(c.by ? "by" : "after"), "`never` holds over the whole run: no by or after");
  }
  if (c.by && *c.by < c.after) Fields::fail(f.at("by"), "by " + format_duration(*c.by) + " is before after " + format_duration(c.after));
  c.name = f.text("name", describe(c));
  f.finish();
  return c;
}

std::string describe(const Checkpoint& c) {
  std::string when = c.by ? "by " + t_plus(*c.by) + " " : "";
  if (c.after > Duration(0)) when = "after " + t_plus(c.after) + (c.by ? " and " : " ") + when;
  switch (c.kind) {
    case Checkpoint::Kind::kAlertFiring:
      return when + "the " + c.subject + " alert is firing" + (c.instance.empty() ? "" : " for " + c.instance);
    case Checkpoint::Kind::kAlertNotified: return when + "Alertmanager has notified " + c.subject;
    case Checkpoint::Kind::kTargetDown: return when + "the target " + c.subject + " is down";
    case Checkpoint::Kind::kDeployLands:
      return when + "a deploy" + (c.version.empty() ? "" : " of " + c.version) + " lands" +
             (c.runner.empty() ? "" : " on " + c.runner) + (c.within ? " within " + format_duration(*c.within) + " of its request" : "");
    case Checkpoint::Kind::kNeverDeployOnUnhealthy: return "no deploy runs on an unhealthy runner";
  }
  return "?";
}

std::vector<reports::CheckpointResult> judge_checkpoints(const std::vector<Checkpoint>& checkpoints,
                                                         const CheckpointObservations& seen) {
  std::vector<reports::CheckpointResult> out;
  for (const auto& c : checkpoints) {
    reports::CheckpointResult r;
    r.name = c.name;
    r.text = describe(c);
    if (c.by) r.deadline_seconds = to_seconds(*c.by);
    const double after = to_seconds(c.after);
    std::optional<double> met;
    std::string what;
    switch (c.kind) {
      case Checkpoint::Kind::kAlertFiring:
        for (const auto& e : *seen.trace) {
          const double t = static_cast<double>(e.t_us - seen.start_us) / 1e6;
          if (e.category != "alert" || e.name != c.subject || t < after) continue;
          // "pending->firing INSTANCE"
          const auto arrow = e.detail.find("->firing");
          if (arrow == std::string::npos) continue;
          const std::string instance = e.detail.size() > arrow + 9 ? e.detail.substr(arrow + 9) : "";
          if (!c.instance.empty() && instance != c.instance) continue;
          met = t;
          what = c.subject + " firing" + (instance.empty() ? "" : " for " + instance);
          break;
        }
        break;
      case Checkpoint::Kind::kAlertNotified:
        for (const auto& [t, names] : seen.notifications) {
          if (t < after || std::find(names.begin(), names.end(), c.subject) == names.end()) continue;
          met = t;
          what = "Alertmanager notified " + c.subject;
          break;
        }
        break;
      case Checkpoint::Kind::kTargetDown:
        for (const auto& e : *seen.trace) {
          const double t = static_cast<double>(e.t_us - seen.start_us) / 1e6;
          if (e.category != "scrape" || e.name != c.subject || t < after || e.detail.rfind("down", 0) != 0) continue;
          met = t;
          what = c.subject + " " + e.detail;
          break;
        }
        break;
      case Checkpoint::Kind::kDeployLands: {
        std::string nearest;  // the landed deploys that did not match, for the detail
        for (const auto& d : *seen.deploys) {
          if (!c.version.empty() && d.version != c.version) continue;
          if (d.outcome != "deployed" || !d.finished_seconds) {
            nearest += (nearest.empty() ? "" : "; ") + d.version + " " + d.outcome + ": " + d.diagnosis;
            continue;
          }
          if (*d.finished_seconds < after) continue;
          if ((!c.runner.empty() && d.runner != c.runner) || (c.within && *d.finished_seconds - d.triggered_seconds > to_seconds(*c.within))) {
            nearest += (nearest.empty() ? "" : "; ") + d.version + " landed on " + d.runner + " " +
                       format_seconds(*d.finished_seconds - d.triggered_seconds) + " after its request";
            continue;
          }
          if (!met || *d.finished_seconds < *met) {
            met = *d.finished_seconds;
            what = d.version + " landed on " + d.runner + " " + format_seconds(*d.finished_seconds - d.triggered_seconds) +
                   " after its request";
          }
        }
        if (!met && !nearest.empty()) what = nearest;
        break;
      }
      case Checkpoint::Kind::kNeverDeployOnUnhealthy: {
        r.passed = true;
        r.detail = std::to_string(seen.attempts.size()) + " deploy attempt(s), each on a healthy runner";
        for (const auto& a : seen.attempts) {
          if (a.truth == 'h') continue;
          r.passed = false;
          r.met_seconds = a.at;
          r.detail = "a deploy attempt started on " + a.runner + " at " + t_plus(a.at) + " while it was " +
                     (!a.why.empty() ? a.why
                      : a.truth == 'd' ? "down"
                      : a.truth == 'u' ? "up but not healthy"
                                       : "of unknown health");
          break;
        }
        out.push_back(std::move(r));
        continue;
      }
    }
    r.met_seconds = met;
    r.passed = met.has_value() && (!c.by || *met <= to_seconds(*c.by));
    if (!met) {
      r.detail = "missed: never happened" + std::string(what.empty() ? "" : " as asked (" + what + ")") + " by the run's end (" +
                 t_plus(seen.run_end) + ")";
    } else {
      r.detail = what + " at " + t_plus(*met) + (r.passed ? "" : ", after the deadline " + t_plus(*c.by));
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace failsim::harness
