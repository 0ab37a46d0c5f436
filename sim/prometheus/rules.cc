#include "sim/prometheus/rules.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "failover/duration.h"
#include "failover/utf8.h"
#include "sim/prometheus/promql_parser.h"
#include "sim/yaml_limits.h"

namespace failsim::sim::prometheus {

const char* to_string(AlertState s) {
  switch (s) {
    case AlertState::kInactive: return "inactive";
    case AlertState::kPending: return "pending";
    case AlertState::kFiring: return "firing";
  }
  return "?";
}

namespace {

// Memo sites of an alerting rule's own label work (a rule's memo is its own, so any
// address that is not a PromQL node of it will do).
const char kAlertLabelsSite = 0;
const char kAlertsSeriesSite[3] = {};  // by AlertState
const char kForStateSeriesSite = 0;

// Go's time.Unix(...).Unix() of a millisecond time: whole seconds, rounded down.
std::int64_t floor_div(std::int64_t a, std::int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0); }
const char kRecordedSeriesSite = 0;

}  // namespace

Result<Vector> AlertingRule::eval(const SeriesStore& store, std::int64_t t_ms, const EvalOptions& options,
                                  EvalMemo* memo) {
  auto result = evaluate(*spec_.expr, store, t_ms, options, nullptr, memo);
  if (!result) return Result<Vector>::error(result.error());
  const Vector* samples = std::get_if<Vector>(&result.value());
  if (samples == nullptr) return Result<Vector>::error("alerting rule expression must be an instant vector");

  // The alerts this evaluation finds, sorted by labels (a sorted vector: usually empty
  // or small, and no node to allocate per alert).
  std::vector<std::pair<Labels, double>> present;
  present.reserve(samples->size());
  for (const auto& s : *samples) {
    const Labels l = memoized(memo, &kAlertLabelsSite, s.labels, [this](const Labels& in) {
      Labels out = without_name(in);
      for (const auto& [name, value] : spec_.labels) set_label(out, name, value);
      set_label(out, "alertname", spec_.name);
      return out;
    });
    present.emplace_back(l, s.value);
  }
  auto by_labels = [](const auto& a, const auto& b) { return a.first < b.first; };
  std::sort(present.begin(), present.end(), by_labels);
  if (std::adjacent_find(present.begin(), present.end(), [](const auto& a, const auto& b) { return a.first == b.first; }) !=
      present.end()) {
    return Result<Vector>::error("vector contains metrics with the same labelset after applying alert labels");
  }
  auto is_present = [&present](const Labels& labels) {
    const auto it = std::lower_bound(present.begin(), present.end(), labels,
                                     [](const auto& entry, const Labels& l) { return entry.first < l; });
    return it != present.end() && it->first == labels;
  };
  for (const auto& [labels, value] : present) {
    auto it = alerts_.find(labels);
    if (it != alerts_.end()) {
      it->second.value = value;
      it->second.keep_firing_since_ms = -1;  // present again
      continue;
    }
    alerts_.emplace(labels, Alert{labels, AlertState::kPending, t_ms, -1, -1, value});
  }
  for (auto it = alerts_.begin(); it != alerts_.end();) {
    Alert& a = it->second;
    if (!is_present(it->first)) {
      bool keep = false;
      if (a.state == AlertState::kFiring && spec_.keep_firing_for_ms > 0) {
        if (a.keep_firing_since_ms < 0) a.keep_firing_since_ms = t_ms;
        keep = t_ms - a.keep_firing_since_ms < spec_.keep_firing_for_ms;
      }
      if (!keep) {
        it = alerts_.erase(it);  // pending: dropped; firing: resolved
        continue;
      }
    }
    if (a.state == AlertState::kPending && t_ms - a.active_at_ms >= spec_.for_ms) {
      a.state = AlertState::kFiring;
      a.fired_at_ms = t_ms;
    }
    ++it;
  }
  Vector out;
  if (!restored_) return Result<Vector>::ok(std::move(out));
  out.reserve(2 * alerts_.size());
  for (const auto& [labels, a] : alerts_) {
    const AlertState state = a.state;
    out.push_back({memoized(memo, &kAlertsSeriesSite[static_cast<int>(state)], labels,
                            [state](const Labels& in) {
                              Labels l = in;
                              set_label(l, kMetricName, "ALERTS");
                              set_label(l, "alertstate", to_string(state));
                              return l;
                            }),
                   1.0});
    // ALERTS_FOR_STATE: when the alert became active, in whole Unix seconds.
    out.push_back({memoized(memo, &kForStateSeriesSite, labels,
                            [](const Labels& in) {
                              Labels l = in;
                              set_label(l, kMetricName, "ALERTS_FOR_STATE");
                              return l;
                            }),
                   static_cast<double>(floor_div(a.active_at_ms, 1000))});
  }
  return Result<Vector>::ok(std::move(out));
}

std::vector<Alert> AlertingRule::active() const {
  std::vector<Alert> out;
  for (const auto& [labels, a] : alerts_) out.push_back(a);
  return out;
}

void AlertingRule::restart() {
  alerts_.clear();
  restored_ = false;
}

void AlertingRule::restore_for_state(const SeriesStore& store, std::int64_t ts_ms, std::int64_t grace_ms,
                                     std::int64_t tolerance_ms) {
  restored_ = true;
  if (spec_.for_ms < grace_ms) return;
  for (auto& [labels, a] : alerts_) {
    Labels want = labels;
    set_label(want, kMetricName, "ALERTS_FOR_STATE");
    const auto found = store.series().find(want);
    if (found == store.series().end()) continue;
    // The last sample in [ts - tolerance, ts].
    const Sample* last = nullptr;
    for (const Sample& s : found->second) {
      if (s.t_ms >= ts_ms - tolerance_ms && s.t_ms <= ts_ms) last = &s;
    }
    if (last == nullptr || last->stale) continue;  // not active when Prometheus went down
    const std::int64_t down_at_ms = floor_div(last->t_ms, 1000) * 1000;
    std::int64_t restored_ms = static_cast<std::int64_t>(last->value) * 1000;
    const std::int64_t remaining_ms = spec_.for_ms - (down_at_ms - restored_ms);
    if (remaining_ms <= 0) {
      // It was firing: it fires again at the next evaluation if still active.
    } else if (remaining_ms < grace_ms) {
      restored_ms = ts_ms + grace_ms - spec_.for_ms;  // at least the grace period left
    } else {
      restored_ms += ts_ms - down_at_ms;  // the time Prometheus was down does not count
    }
    a.active_at_ms = restored_ms;
  }
}

AlertState AlertingRule::state() const {
  AlertState s = AlertState::kInactive;
  for (const auto& [labels, a] : alerts_) {
    if (a.state == AlertState::kFiring) return AlertState::kFiring;
    s = AlertState::kPending;
  }
  return s;
}

RuleGroup::RuleGroup(RuleGroupSpec spec) : spec_(std::move(spec)), memos_(spec_.rules.size()) {
  for (const auto& r : spec_.rules) {
    if (r.alerting) alerting_.emplace_back(r);
  }
}

void RuleGroup::restart() {
  for (auto& rule : alerting_) rule.restart();
  written_last_.clear();  // no stale markers for what the old process wrote
  for (auto& memo : memos_) memo = EvalMemo{};
  evals_until_restore_ = 2;
}

const AlertingRule* RuleGroup::find_alert(const std::string& name) const {
  for (const auto& r : alerting_) {
    if (r.spec().name == name) return &r;
  }
  return nullptr;
}

Result<bool> RuleGroup::eval(SeriesStore& store, std::int64_t t_ms, const EvalOptions& options) {
  std::string first_error;
  std::vector<std::vector<Sample>*>& written = written_now_;
  written.clear();
  std::size_t alerting_index = 0;
  for (std::size_t i = 0; i < spec_.rules.size(); ++i) {
    const RuleSpec& spec = spec_.rules[i];
    EvalMemo* memo = &memos_[i];
    Vector out;
    if (spec.alerting) {
      auto r = alerting_[alerting_index++].eval(store, t_ms, options, memo);
      if (!r) {
        if (first_error.empty()) first_error = "rule " + spec.name + ": " + r.error();
        continue;
      }
      out = std::move(r).value();
    } else {
      auto r = evaluate(*spec.expr, store, t_ms, options, nullptr, memo);
      if (!r) {
        if (first_error.empty()) first_error = "rule " + spec.name + ": " + r.error();
        continue;
      }
      if (const auto* s = std::get_if<Scalar>(&r.value())) {
        out.push_back({Labels{}, s->value});
      } else {
        out = std::get<Vector>(std::move(r).value());
      }
      for (auto& sample : out) {
        sample.labels = memoized(memo, &kRecordedSeriesSite, sample.labels, [&spec](const Labels& in) {
          Labels l = in;
          set_label(l, kMetricName, spec.name);
          for (const auto& [name, value] : spec.labels) set_label(l, name, value);
          return l;
        });
      }
    }
    for (const auto& sample : out) {
      std::vector<Sample>& series = store.series_for(sample.labels);
      SeriesStore::append_to(series, t_ms, sample.value);
      written.push_back(&series);
    }
  }
  // Series written last time and not now get a stale marker, as Prometheus does.
  // (Both lists sorted by address: the order of stale markers on distinct series is
  // immaterial.)
  std::sort(written.begin(), written.end());
  for (std::vector<Sample>* series : written_last_) {
    if (!std::binary_search(written.begin(), written.end(), series)) {
      SeriesStore::append_stale_to(*series, t_ms);
    }
  }
  std::swap(written_last_, written_now_);  // both keep their capacity
  // 2.42 restores the `for` state after the second evaluation since the start, at
  // time.Now() once that evaluation has finished: strictly after its timestamp. The
  // model says 1 ms after. It matters: a restored activeAt + `for` that would land on
  // an evaluation slot lands just past it, and the alert fires one interval later
  // (pinned against a real 2.42 in tests/harness/runs/prometheus_restart_test.cc).
  if (evals_until_restore_ > 0 && --evals_until_restore_ == 0) {
    for (auto& rule : alerting_) rule.restore_for_state(store, t_ms + kRestoreAfterEvalMs, grace_ms_, tolerance_ms_);
  }
  if (!first_error.empty()) return Result<bool>::error(first_error);
  return Result<bool>::ok(true);
}

namespace {

struct RuleFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& source, const YAML::Node& at, const std::string& what) {
  const auto mark = at.Mark();
  const std::string where = mark.line >= 0 ? ":" + std::to_string(mark.line + 1) : "";
  throw RuleFileError(source + where + ": " + what);
}

std::int64_t duration_ms(const std::string& source, const YAML::Node& n, const std::string& field) {
  const auto d = failsim::parse_duration(n.as<std::string>());
  if (!d) fail(source, n, field + ": " + d.error());
  return d.value().count() / 1000;
}

Labels string_map(const std::string& source, const YAML::Node& n, const std::string& field) {
  if (!n.IsMap()) fail(source, n, field + ": expected a map of strings");
  Labels out;
  for (const auto& kv : n) set_label(out, kv.first.as<std::string>(), kv.second.as<std::string>());
  return out;
}

}  // namespace

Result<std::vector<RuleGroupSpec>> parse_rule_file(const std::string& yaml_text, const std::string& source) {
  try {
    const YAML::Node root = YAML::Load(yaml_text);
    if (const auto over = yaml_over_limits(root)) throw RuleFileError(source + ":" + *over);
    if (const auto open = unterminated_quote(yaml_text)) {
      throw RuleFileError(source + ":" + std::to_string(*open) + ": a quoted string is never closed (found the end of the file)");
    }
    if (!root.IsMap() || !root["groups"]) fail(source, root, "expected a top-level \"groups:\" list");
    for (const auto& kv : root) {
      if (kv.first.as<std::string>() != "groups") fail(source, kv.first, "unknown field \"" + kv.first.as<std::string>() + "\"");
    }
    const YAML::Node groups = root["groups"];
    if (!groups.IsSequence()) fail(source, groups, "groups: expected a list");
    std::vector<RuleGroupSpec> out;
    std::set<std::string> group_names;
    for (const auto& g : groups) {
      RuleGroupSpec spec;
      spec.file = source;
      spec.source = source;
      for (const auto& kv : g) {
        const std::string key = kv.first.as<std::string>();
        if (key != "name" && key != "interval" && key != "rules" && key != "limit") {
          fail(source, kv.first, "group: unknown field \"" + key + "\"");
        }
      }
      if (!g["name"]) fail(source, g, "group: missing \"name\"");
      spec.name = g["name"].as<std::string>();
      if (!group_names.insert(spec.name).second) fail(source, g["name"], "groupname: \"" + spec.name + "\" is repeated in the same file");
      if (g["interval"]) {
        spec.interval_ms = duration_ms(source, g["interval"], "interval");
        spec.interval_set = true;
        if (spec.interval_ms <= 0) fail(source, g["interval"], "interval: must be greater than 0");
      }
      if (!g["rules"] || !g["rules"].IsSequence()) fail(source, g, "group \"" + spec.name + "\": expected a \"rules:\" list");
      for (const auto& r : g["rules"]) {
        RuleSpec rule;
        for (const auto& kv : r) {
          const std::string key = kv.first.as<std::string>();
          if (key != "alert" && key != "record" && key != "expr" && key != "for" && key != "keep_firing_for" &&
              key != "labels" && key != "annotations") {
            fail(source, kv.first, "rule: unknown field \"" + key + "\"");
          }
        }
        if (r["alert"] && r["record"]) fail(source, r, "rule: only one of \"alert\" and \"record\" may be set");
        if (!r["alert"] && !r["record"]) fail(source, r, "rule: one of \"alert\" or \"record\" must be set");
        rule.alerting = static_cast<bool>(r["alert"]);
        rule.name = rule.alerting ? r["alert"].as<std::string>() : r["record"].as<std::string>();
        if (!r["expr"]) fail(source, r, "rule " + rule.name + ": field \"expr\" must be set");
        rule.expr_text = r["expr"].as<std::string>();
        auto parsed = parse_promql(rule.expr_text);
        if (!parsed) fail(source, r["expr"], "rule " + rule.name + ": could not parse expression: " + parsed.error());
        rule.expr = std::shared_ptr<const Node>(std::move(parsed).value());
        if (r["for"]) {
          if (!rule.alerting) fail(source, r["for"], "rule " + rule.name + ": invalid field \"for\" in recording rule");
          rule.for_ms = duration_ms(source, r["for"], "for");
        }
        if (r["keep_firing_for"]) {
          if (!rule.alerting) fail(source, r["keep_firing_for"], "rule " + rule.name + ": invalid field \"keep_firing_for\" in recording rule");
          rule.keep_firing_for_ms = duration_ms(source, r["keep_firing_for"], "keep_firing_for");
        }
        if (r["labels"]) {
          rule.labels = string_map(source, r["labels"], "labels");
          for (const auto& [name, value] : rule.labels) {
            if (value.find("{{") != std::string::npos) {
              fail(source, r["labels"], "rule " + rule.name + ": templated label values are not supported by failsim");
            }
          }
        }
        if (r["annotations"]) {
          if (!rule.alerting) fail(source, r["annotations"], "rule " + rule.name + ": invalid field \"annotations\" in recording rule");
          for (const auto& [name, value] : string_map(source, r["annotations"], "annotations")) {
            rule.annotations.emplace_back(name, value);
          }
        }
        spec.rules.push_back(std::move(rule));
      }
      out.push_back(std::move(spec));
    }
    return Result<std::vector<RuleGroupSpec>>::ok(std::move(out));
  } catch (const RuleFileError& e) {
    return Result<std::vector<RuleGroupSpec>>::error(e.what());
  } catch (const YAML::Exception& e) {
    return Result<std::vector<RuleGroupSpec>>::error(source + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

std::string expand_labels_template(const std::string& text, const Labels& labels) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t open = text.find("{{", i);
    if (open == std::string::npos) break;
    const std::size_t close = text.find("}}", open);
    if (close == std::string::npos) break;
    std::string inner = text.substr(open + 2, close - open - 2);
    const auto first = inner.find_first_not_of(' ');
    const auto last = inner.find_last_not_of(' ');
    inner = first == std::string::npos ? "" : inner.substr(first, last - first + 1);
    out += text.substr(i, open - i);
    if (inner.rfind("$labels.", 0) == 0) {
      out += label_value(labels, inner.substr(8));
    } else {
      out += text.substr(open, close + 2 - open);
    }
    i = close + 2;
  }
  out += text.substr(i);
  return out;
}

Result<std::vector<RuleGroupSpec>> load_rule_file(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    return Result<std::vector<RuleGroupSpec>>::error(path + ": not a regular file (a directory, FIFO, device or socket)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Result<std::vector<RuleGroupSpec>>::error(path + ": cannot read the rule file");
  // At most 16 MiB (failsim's input limit, harness/inputs/text_file.h): /dev/zero cannot exhaust memory.
  constexpr std::size_t kMaxBytes = 16u << 20;
  std::string text(kMaxBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > kMaxBytes) return Result<std::vector<RuleGroupSpec>>::error(path + ": larger than 16 MiB, failsim's input limit");
  if (const auto bad = utf8_error(text)) return Result<std::vector<RuleGroupSpec>>::error(path + ": " + *bad);
  return parse_rule_file(text, path);
}

}  // namespace failsim::sim::prometheus
