// Rule groups of the Prometheus model: alerting and recording rules, evaluated at a
// group's interval, exactly as Prometheus 2.42 (rules/alerting.go, rules/group.go)
// moves alerts through inactive -> pending -> firing:
//  - each evaluation runs the expression; every result sample becomes an alert whose
//    labels are the sample's (minus __name__) plus the rule's labels and `alertname`;
//  - a new alert is pending with activeAt = this evaluation's time; one evaluation
//    without it drops a pending alert (so `for` restarts from zero);
//  - a pending alert fires at the first evaluation with t - activeAt >= for
//    (for: 0 fires at once);
//  - a firing alert missing from the result stays firing while
//    t - keepFiringSince < keep_firing_for, keepFiringSince being the first evaluation
//    that missed it; then it resolves;
//  - after each evaluation the group writes ALERTS{alertname, alertstate, ...} = 1 for
//    every pending or firing alert (and recording rules' results) into the store at the
//    evaluation time, and stale markers for series it wrote last time but not now.
// Rule files are Prometheus's own YAML format (loaded with yaml-cpp); templates in
// annotations are kept as text, not expanded.
//
// Thread safety: none.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "failover/result.h"
#include "sim/prometheus/promql_ast.h"
#include "sim/prometheus/promql_eval.h"
#include "sim/prometheus/series_store.h"

namespace failsim::sim::prometheus {

enum class AlertState { kInactive, kPending, kFiring };
const char* to_string(AlertState s);

struct Alert {
  Labels labels;  // sample labels + rule labels + alertname
  AlertState state = AlertState::kPending;
  std::int64_t active_at_ms = 0;
  std::int64_t fired_at_ms = -1;           // -1 until it fires
  std::int64_t keep_firing_since_ms = -1;  // -1 unless kept firing after its series went
  double value = 0.0;
};

struct RuleSpec {
  bool alerting = true;
  std::string name;  // alert name, or the recorded metric name
  std::string expr_text;
  std::shared_ptr<const Node> expr;
  std::int64_t for_ms = 0;
  std::int64_t keep_firing_for_ms = 0;
  Labels labels;
  std::vector<std::pair<std::string, std::string>> annotations;
};

struct RuleGroupSpec {
  std::string name;
  std::string file;    // as the world's Prometheus loads it (sets the evaluation phase)
  std::string source;  // where failsim read it from
  std::int64_t interval_ms = 60'000;  // global evaluation_interval default: 1m
  bool interval_set = false;          // the file gave `interval:` (else the global one applies)
  std::vector<RuleSpec> rules;
};

class AlertingRule {
 public:
  explicit AlertingRule(RuleSpec spec) : spec_(std::move(spec)) {}

  // One evaluation at t_ms. Returns the ALERTS and ALERTS_FOR_STATE samples to record
  // (none until the rule's `for` state is restored, as 2.42 writes none), or an error.
  // `memo` (optional, kept by the caller for this rule alone) saves label work
  // between evaluations; the result is the same without it.
  Result<Vector> eval(const SeriesStore& store, std::int64_t t_ms, const EvalOptions& options,
                      EvalMemo* memo = nullptr);

  const RuleSpec& spec() const { return spec_; }
  // Pending and firing alerts, sorted by labels.
  std::vector<Alert> active() const;
  const std::map<Labels, Alert>& alerts() const { return alerts_; }
  // The rule's state: firing if any alert fires, else pending if any is pending.
  AlertState state() const;

  // Prometheus restarted: the alerts in memory are gone and the rule writes no ALERTS
  // series until restore_for_state().
  void restart();
  // 2.42's RestoreForState at ts_ms: a rule whose `for` is under the grace period
  // (--rules.alert.for-grace-period, 10m) keeps the alerts found since the restart;
  // otherwise each active alert takes back its activeAt from the last
  // ALERTS_FOR_STATE sample within the outage tolerance (--rules.alert.for-outage-
  // tolerance, 1h): the time it had spent pending before Prometheus went down counts,
  // and at least the grace period is left before it fires.
  void restore_for_state(const SeriesStore& store, std::int64_t ts_ms, std::int64_t grace_ms, std::int64_t tolerance_ms);
  bool restored() const { return restored_; }

 private:
  RuleSpec spec_;
  std::map<Labels, Alert> alerts_;  // active alerts, keyed by labels
  bool restored_ = false;           // as 2.42: every start restores
};

// How long after the second evaluation's timestamp RestoreForState runs (2.42 passes
// time.Now() once the evaluation is done; any value under one interval fires alike).
inline constexpr std::int64_t kRestoreAfterEvalMs = 1;

class RuleGroup {
 public:
  explicit RuleGroup(RuleGroupSpec spec);

  // Evaluates every rule in order at t_ms and records results into `store`.
  // Returns the first rule error (the other rules still run), if any. After the
  // second evaluation since the start (or a restart) the alerting rules' `for`
  // state is restored (AlertingRule::restore_for_state), as 2.42's rule manager does.
  Result<bool> eval(SeriesStore& store, std::int64_t t_ms, const EvalOptions& options = {});
  // Prometheus restarted: the group's memory (alerts, series written last) is lost.
  void restart();
  // --rules.alert.for-grace-period and --rules.alert.for-outage-tolerance.
  void set_restore_flags(std::int64_t grace_ms, std::int64_t tolerance_ms) {
    grace_ms_ = grace_ms;
    tolerance_ms_ = tolerance_ms;
  }

  const RuleGroupSpec& spec() const { return spec_; }
  const std::vector<AlertingRule>& alerting_rules() const { return alerting_; }
  const AlertingRule* find_alert(const std::string& name) const;

 private:
  RuleGroupSpec spec_;
  std::vector<AlertingRule> alerting_;       // in spec order, alerting rules only
  std::vector<EvalMemo> memos_;              // one per rule, in spec order
  std::vector<std::vector<Sample>*> written_last_;  // series written by the previous evaluation
  std::vector<std::vector<Sample>*> written_now_;   // this evaluation's (a buffer)
  int evals_until_restore_ = 2;                     // 0: restored
  std::int64_t grace_ms_ = 10 * 60 * 1000;          // --rules.alert.for-grace-period, default 10m
  std::int64_t tolerance_ms_ = 60 * 60 * 1000;      // --rules.alert.for-outage-tolerance, default 1h
};

// Expands the `{{ $labels.NAME }}` references of an annotation template (the only
// template form failsim expands; anything else is kept as written).
std::string expand_labels_template(const std::string& text, const Labels& labels);

// Loads a rule file in Prometheus's YAML format. Errors name the file, the line and
// what is wrong (bad YAML, unknown field, bad duration, a PromQL parse error).
Result<std::vector<RuleGroupSpec>> load_rule_file(const std::string& path);
Result<std::vector<RuleGroupSpec>> parse_rule_file(const std::string& yaml_text, const std::string& source);

}  // namespace failsim::sim::prometheus
