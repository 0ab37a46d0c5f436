#include "failover/policy.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

#include "failover/duration.h"
#include "failover/json_fields.h"

namespace failsim::failover {
namespace {

using nlohmann::json;
using json_fields::Fields;
using json_fields::Invalid;

const std::map<std::string, Verdict> kVerdicts = {
    {"pass", Verdict::kPass}, {"warn", Verdict::kWarn}, {"fail", Verdict::kFail}, {"ignore", Verdict::kIgnore}};

const std::map<std::string, CompareOp> kOps = {{"==", CompareOp::kEq}, {"!=", CompareOp::kNe},
                                               {"<", CompareOp::kLt},  {"<=", CompareOp::kLe},
                                               {">", CompareOp::kGt},  {">=", CompareOp::kGe}};

// Placeholders are filled from the candidate being assessed; any other is a typo that
// would reach Prometheus (or the command) verbatim. Commands may also use ${runner}.
// `kind`: 0 a query, 1 a check's command, 2 the selection command.
void check_placeholders(const std::string& text, const std::string& pointer, int kind) {
  for (auto open = text.find("${"); open != std::string::npos; open = text.find("${", open + 2)) {
    const auto close = text.find('}', open);
    const std::string name = close == std::string::npos ? text.substr(open + 2) : text.substr(open + 2, close - open - 2);
    const bool known = kind == 2 ? (name == "candidates" || name == "healthy")
                                 : name == "hostname" || name == "instance" || name == "name" || (kind == 1 && name == "runner");
    if (close == std::string::npos || !known) {
      Fields::fail(pointer, "unknown placeholder ${" + name + (close == std::string::npos ? "" : "}") +
                                (kind == 2   ? "; a selection command may use ${candidates} and ${healthy}"
                                 : kind == 1 ? "; a command may use ${runner}, ${hostname}, ${instance} and ${name}"
                                             : "; a query may use ${hostname}, ${instance} and ${name} (the candidate's fields)"));
    }
  }
}

// The command of a check (or of the selection): argv, timeout, takes, verdicts.
void read_command(Fields& f, HealthCheck& c, bool selection) {
  c.command = f.strings("command");  // non-empty, and no element is ""
  for (std::size_t k = 0; k < c.command.size(); ++k) {
    check_placeholders(c.command[k], f.at("command") + "/" + std::to_string(k), selection ? 2 : 1);
  }
  c.timeout = f.duration("timeout", std::chrono::seconds(30));
  if (c.timeout <= Duration(0) || c.timeout > std::chrono::hours(1)) Fields::fail(f.at("timeout"), "expected a duration in (0, 1h]");
  c.takes = f.duration("takes", std::chrono::seconds(2));
  if (c.takes < Duration(0) || c.takes > std::chrono::hours(1)) Fields::fail(f.at("takes"), "expected a duration in [0, 1h]");
  c.op = CompareOp::kEq;  // exit status 0 passes
  c.threshold = 0;
  if (!selection) {
    c.on_mismatch = f.choice("on_failure", kVerdicts, Verdict::kFail);
    c.on_error = f.choice("on_error", kVerdicts, Verdict::kFail);
  }
  f.finish();
}

std::vector<HealthCheck> read_checks(Fields& parent, const std::string& key) {
  std::vector<HealthCheck> checks;
  const json* list = parent.get(key);
  if (list == nullptr) return checks;
  if (!list->is_array()) Fields::fail(parent.at(key), "expected an array of checks");
  std::set<std::string> names;
  for (std::size_t i = 0; i < list->size(); ++i) {
    Fields f((*list)[i], parent.at(key) + "/" + std::to_string(i));
    HealthCheck c;
    c.name = f.text("name");
    if (!names.insert(c.name).second) Fields::fail(f.at("name"), "duplicate check name \"" + c.name + "\"");
    // A check is a PromQL query or a command (the team's own script, run inside the
    // simulation with virtual time frozen, or by `failsim gate` in production).
    if (f.get("command") != nullptr) {
      if (f.get("query") != nullptr) Fields::fail(f.at("command"), "a check has a \"query\" or a \"command\", not both");
      read_command(f, c, false);
      checks.push_back(std::move(c));
      continue;
    }
    c.query = f.text("query");
    if (c.query.empty()) Fields::fail(f.at("query"), "expected a PromQL expression, got \"\"");
    check_placeholders(c.query, f.at("query"), 0);
    c.op = f.choice("pass_if", kOps, CompareOp::kEq);
    c.threshold = f.number("threshold", 1.0);
    c.on_mismatch = f.choice("on_mismatch", kVerdicts, Verdict::kFail);
    c.on_empty = f.choice("on_empty", kVerdicts, Verdict::kFail);
    c.on_error = f.choice("on_error", kVerdicts, Verdict::kFail);
    f.finish();
    checks.push_back(std::move(c));
  }
  return checks;
}

RetryPolicy read_retry(Fields& parent) {
  RetryPolicy r;
  const json* v = parent.get("retry");
  if (v == nullptr) return r;
  Fields f(*v, parent.at("retry"));
  r.max_attempts = f.integer("max_attempts", 1, 1, 100);
  r.attempt_timeout = f.duration("attempt_timeout", r.attempt_timeout);
  if (r.attempt_timeout <= Duration(0)) Fields::fail(f.at("attempt_timeout"), "expected a duration > 0");
  r.wait_kind = f.choice("wait", std::map<std::string, WaitKind>{{"fixed", WaitKind::kFixed},
                                                                 {"exponential", WaitKind::kExponential}},
                         WaitKind::kFixed);
  r.wait_base = f.duration("wait_base", r.wait_base);
  r.multiplier = f.number("multiplier", 2.0);
  if (r.multiplier < 1.0) Fields::fail(f.at("multiplier"), "expected a number >= 1");
  if (f.get("wait_cap") != nullptr) r.wait_cap = f.duration("wait_cap");
  r.jitter = f.choice("jitter", std::map<std::string, Jitter>{{"none", Jitter::kNone},
                                                              {"full", Jitter::kFull},
                                                              {"equal", Jitter::kEqual}},
                      Jitter::kNone);
  r.retry_on = f.choice("retry_on", std::map<std::string, RetryOn>{{"error", RetryOn::kError},
                                                                   {"timeout", RetryOn::kTimeout},
                                                                   {"any", RetryOn::kAny}},
                        RetryOn::kError);
  r.wait_after_last_attempt = f.flag("wait_after_last_attempt", false);
  if (r.wait_kind == WaitKind::kFixed && (r.wait_cap || r.jitter != Jitter::kNone || f.get("multiplier"))) {
    Fields::fail(f.at("wait"), "multiplier, wait_cap and jitter apply only to \"exponential\" waits");
  }
  f.finish();
  return r;
}

Policy read_policy(const json& root) {
  Fields top(root, "");
  Policy p;
  const int version = top.integer("policy_version", 0, 1, 1);
  if (version != 1) Fields::fail("/policy_version", "missing required field (1)");
  p.name = top.text("name");
  p.description = top.text("description", std::string());
  p.rule_file = top.text("rule_file", std::string());
  // Expectations of scenario runs under this policy: read by `failsim run` (harness),
  // not by the failover logic or `failsim gate`.
  if (const auto* expect = top.get("expect"); expect != nullptr && !expect->is_object()) {
    Fields::fail("/expect", "expected an object keyed by scenario name (or \"*\")");
  }

  Fields gate(top.need("gate"), "/gate");
  p.placement = gate.choice("placement",
                            std::map<std::string, GatePlacement>{{"in-job", GatePlacement::kInJob},
                                                                 {"before-dispatch", GatePlacement::kBeforeDispatch}},
                            GatePlacement::kBeforeDispatch);
  p.preflight = read_checks(gate, "preflight");
  p.gate = read_checks(gate, "checks");
  if (gate.get("select") != nullptr) {
    if (!gate.get("select")->is_object()) Fields::fail(gate.at("select"), "expected an object with a \"command\"");
    Fields f(*gate.get("select"), gate.at("select"));
    HealthCheck c;
    c.name = f.text("name", std::string("select"));
    (void)f.need("command");
    read_command(f, c, true);
    if (p.placement != GatePlacement::kBeforeDispatch) {
      Fields::fail(gate.at("select"), "a selection command needs \"placement\": \"before-dispatch\" (in a job, GitHub has chosen)");
    }
    p.select = std::move(c);
  }
  gate.finish();

  const json& list = top.need("candidates");
  if (!list.is_array() || list.empty()) Fields::fail("/candidates", "expected a non-empty array of runners");
  std::set<std::string> names;
  for (std::size_t i = 0; i < list.size(); ++i) {
    Fields f(list[i], "/candidates/" + std::to_string(i));
    Candidate c;
    c.name = f.text("name");
    if (!names.insert(c.name).second) Fields::fail(f.at("name"), "duplicate candidate \"" + c.name + "\"");
    const json* host = f.get("hostname");
    if (host != nullptr && !host->is_null()) c.hostname = f.text("hostname");
    c.instance = f.text("instance", std::string());
    c.labels = f.strings("labels");
    c.authorized_for_prod = f.flag("authorized_for_prod", false);
    f.finish();
    if (!c.hostname && p.placement == GatePlacement::kBeforeDispatch) {
      Fields::fail(f.at("hostname"), "required when /gate/placement is \"before-dispatch\"");
    }
    p.candidates.push_back(std::move(c));
  }

  Fields job(top.need("job"), "/job");
  p.concurrency_group = job.text("concurrency_group", std::string());
  p.cancel_in_progress = job.flag("cancel_in_progress", false);
  if (job.get("timeout_minutes") != nullptr) p.timeout_minutes = job.integer("timeout_minutes", 360, 1, 43200);
  job.finish();

  Fields fo(top.need("failover"), "/failover");
  p.redispatch_on_failure = fo.flag("redispatch_on_failure", false);
  p.redispatch_on_lost = fo.flag("redispatch_on_lost", false);
  p.max_dispatches = fo.integer("max_dispatches", 1, 1, 100);
  p.pickup_timeout = fo.duration("pickup_timeout", Duration(0));
  if (p.pickup_timeout < Duration(0)) Fields::fail("/failover/pickup_timeout", "expected a duration of 0s or more");
  fo.finish();

  Fields deploy(top.need("deploy"), "/deploy");
  p.retry = read_retry(deploy);
  deploy.finish();

  Fields post(top.need("post_deploy"), "/post_deploy");
  p.post_deploy_check = post.flag("check", false);
  p.post_deploy_enforced = post.flag("enforced", false);
  p.rollback = post.choice("rollback",
                           std::map<std::string, Rollback>{{"none", Rollback::kNone},
                                                           {"previous-version", Rollback::kPreviousVersion}},
                           Rollback::kNone);
  post.finish();
  top.finish();
  return p;
}

}  // namespace

Result<Policy> parse_policy(std::string_view json_text, std::string_view source) {
  const std::string prefix = std::string(source) + ": ";
  auto root = json_fields::parse(json_text, source);
  if (!root) return Result<Policy>::error(root.error());
  try {
    return Result<Policy>::ok(read_policy(root.value()));
  } catch (const Invalid& e) {
    return Result<Policy>::error(prefix + e.what());
  }
}

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::kPass: return "pass";
    case Verdict::kWarn: return "warn";
    case Verdict::kFail: return "fail";
    case Verdict::kIgnore: return "ignore";
  }
  return "?";
}

const char* to_string(CompareOp op) {
  switch (op) {
    case CompareOp::kEq: return "==";
    case CompareOp::kNe: return "!=";
    case CompareOp::kLt: return "<";
    case CompareOp::kLe: return "<=";
    case CompareOp::kGt: return ">";
    case CompareOp::kGe: return ">=";
  }
  return "?";
}

}  // namespace failsim::failover
