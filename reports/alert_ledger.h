// The alert ledger (issue 32): per run, the ground truth (each runner outage: a runner
// unable to take or finish a job for longer than the background's min_outage) beside
// every page (an Alertmanager notification that carries an alert newly firing in its
// group, per receiver; in a world without an Alertmanager, an alert going firing), and
// the verdict on each page:
//   true page   an outage it is about is in progress, or ended within the rule's `for`
//               (an alert about a runner, by its instance, hostname or runner_name label,
//               is about that runner's outages; any other alert about every runner's)
//   false page  otherwise
//   miss        an outage no page of the rule (route) caught
// Over many runs: per rule and route, outages caught / all, detection p50/p95 (outage
// start -> first page) with bootstrap intervals, false pages per week with an exact
// Poisson interval, pages per outage, pending time that never fired; and coverage.
// Plain data only; the harness fills it (harness/runs/run_ledger.cc).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "reports/stats.h"

namespace failsim::reports {

struct Outage {
  std::string runner;
  double start_seconds = 0;  // after the run's start
  double end_seconds = 0;    // the run's end when it lasted to the end
  std::string why;           // "its runner service is not running", ...
};

struct Page {
  double at_seconds = 0;
  std::string rule;    // alertname
  std::string route;   // the receiver notified; "" without an Alertmanager (the alert fired)
  std::string about;   // the runner it is about; "": none named (about every runner)
  double for_seconds = 0;  // the rule's `for`
  bool true_page = false;  // set by classify_pages
  int outage = -1;         // the outage it is a true page for (index), -1: none
};

struct AlertLedger {
  double run_seconds = 0;             // how long the run simulated
  std::vector<std::string> rules;     // every alerting rule the run evaluated (coverage)
  std::vector<std::string> routes;    // every receiver of the Alertmanager (coverage); none without one
  std::vector<Outage> outages;
  std::vector<Page> pages;
  std::map<std::string, double> pending_never_fired_seconds;  // by rule: pending spells that ended inactive
  std::map<std::string, std::string> reached;                 // by rule: "pending", "fired" or "resolved" (furthest)
  std::map<std::string, std::size_t> background;              // background events laid out, by kind
  // The Alertmanager's inhibit rules ("source -> target, equal [...]"), and how many
  // firing alerts each kept out of notifications.
  std::map<std::string, std::size_t> inhibitions;
};

// As results.json keeps it per run, and back (throws nlohmann::json's exceptions on a
// malformed one).
nlohmann::json ledger_json(const AlertLedger& ledger);
AlertLedger ledger_from_json(const nlohmann::json& j);

// Sets each page's verdict and outage (see above).
void classify_pages(AlertLedger& ledger);

// One rule on one route over many runs.
struct AlertStats {
  std::string rule;
  std::string route;  // "" without an Alertmanager
  std::size_t runs = 0;
  double weeks = 0;   // simulated time, in weeks
  std::size_t outages = 0, caught = 0;
  std::vector<double> detection_seconds;  // per caught outage: its start -> the first page
  std::optional<double> detection_p50, detection_p95;
  std::optional<Interval> detection_p50_ci, detection_p95_ci;
  std::size_t pages = 0, false_pages = 0;
  double false_pages_per_week = 0;
  Interval false_pages_per_week_ci;
  double pending_never_fired_seconds = 0;
};

// Rows by rule then route, over every run that kept a ledger (`resamples` bootstrap
// resamples, seeded by the row's name). Empty when none did.
struct LedgerRun {
  const AlertLedger* ledger;
  std::uint64_t seed;
};
std::vector<AlertStats> alert_stats(const std::vector<LedgerRun>& runs, int resamples = 1000);

// Exact (Garwood) 95 % interval of a Poisson mean given `count` events.
Interval poisson_interval(std::size_t count);

// Coverage across runs: which rules went pending / fired / resolved, which routes were
// notified, which inhibit rules muted an alert. percent = (rules that fired + routes
// notified + inhibit rules that muted) / (rules + routes + inhibit rules).
struct Coverage {
  std::map<std::string, std::string> rules;   // rule -> furthest state: never, pending, fired, resolved
  std::map<std::string, bool> routes;         // receiver -> notified at least once
  std::map<std::string, std::size_t> inhibitions;  // inhibit rule -> alerts it muted
  double percent = 100;
  std::vector<std::string> never;             // "rule X never fired", "route Y never notified"
};
Coverage coverage(const std::vector<LedgerRun>& runs);

}  // namespace failsim::reports
