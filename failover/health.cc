#include "failover/health.h"

#include <cassert>
#include <cstdio>

namespace failsim::failover {
namespace {

bool satisfies(double value, CompareOp op, double threshold) {
  switch (op) {
    case CompareOp::kEq: return value == threshold;
    case CompareOp::kNe: return value != threshold;
    case CompareOp::kLt: return value < threshold;
    case CompareOp::kLe: return value <= threshold;
    case CompareOp::kGt: return value > threshold;
    case CompareOp::kGe: return value >= threshold;
  }
  return false;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

}  // namespace

std::string fill_placeholders(std::string_view query_template, const Candidate& candidate,
                              std::string_view hostname, std::string_view runner) {
  std::string q(query_template);
  replace_all(q, "${runner}", runner.empty() ? std::string_view(candidate.name) : runner);
  replace_all(q, "${hostname}", hostname);
  replace_all(q, "${instance}", candidate.instance);
  replace_all(q, "${name}", candidate.name);
  return q;
}

std::vector<PlannedCheck> plan_checks(const Policy& policy, const Candidate& candidate,
                                      std::string_view hostname, std::string_view runner) {
  std::vector<PlannedCheck> plan;
  const std::string about(runner.empty() ? std::string_view(candidate.name) : runner);
  auto add = [&](const char* stage, const HealthCheck& c) {
    PlannedCheck p{stage, &c, {}, {}, about};
    if (c.is_command()) {
      for (const auto& arg : c.command) p.argv.push_back(fill_placeholders(arg, candidate, hostname, about));
    } else {
      p.query = fill_placeholders(c.query, candidate, hostname, about);
    }
    plan.push_back(std::move(p));
  };
  for (const auto& c : policy.preflight) add("preflight", c);
  for (const auto& c : policy.gate) add("gate", c);
  return plan;
}

Assessment assess(const Candidate& candidate, const std::vector<PlannedCheck>& plan,
                  const std::vector<QueryOutcome>& outcomes) {
  assert(plan.size() == outcomes.size());
  Assessment a;
  a.candidate = candidate.name;
  for (std::size_t i = 0; i < plan.size(); ++i) {
    const HealthCheck& c = *plan[i].check;
    const QueryOutcome& o = outcomes[i];
    CheckResult r{plan[i].stage, c.name, plan[i].query, o, Verdict::kPass, {}};
    std::string what;
    switch (o.kind) {
      case QueryOutcome::Kind::kValue:
        if (c.is_command()) {
          r.verdict = o.value == 0 ? Verdict::kPass : c.on_mismatch;
          if (o.value != 0) what = "exited " + number(o.value) + (o.error.empty() ? "" : " (" + o.error + ")");
        } else if (satisfies(o.value, c.op, c.threshold)) {
          r.verdict = Verdict::kPass;
        } else {
          r.verdict = c.on_mismatch;
          what = "value " + number(o.value) + ", expected " + to_string(c.op) + " " + number(c.threshold);
        }
        break;
      case QueryOutcome::Kind::kEmpty:  // never for a command
        r.verdict = c.on_empty;
        what = "no series matched (the target may be down, its series stale, or the labels wrong)";
        break;
      case QueryOutcome::Kind::kError:
        r.verdict = c.on_error;
        what = (c.is_command() ? "command failed (" : "query failed (") + o.error + ")";
        break;
    }
    if (r.verdict != Verdict::kPass || !what.empty()) {
      r.reason = plan[i].stage + " " + c.name + ": " + what + " -> " + to_string(r.verdict);
    }
    if (r.verdict == Verdict::kFail) a.reasons.push_back(r.reason);
    if (r.verdict == Verdict::kWarn) a.warnings.push_back(r.reason);
    a.checks.push_back(std::move(r));
  }
  a.healthy = a.reasons.empty();
  return a;
}

}  // namespace failsim::failover
