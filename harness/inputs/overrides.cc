#include "harness/inputs/overrides.h"

#include <map>
#include <set>

#include "failover/duration.h"
#include "sim/prometheus/promql_parser.h"

namespace failsim::harness {
namespace {

using nlohmann::json;

// Which document owns a top-level field (name and description are everyone's).
const std::map<std::string, std::string>& owners() {
  static const std::map<std::string, std::string> kOwners = {
      {"world_version", "world"},  {"hosts", "world"},       {"network", "world"},      {"runners", "world"},
      {"exporters", "world"},      {"prometheus", "world"},  {"github", "world"},       {"production", "world"},
      {"background", "world"},     {"with_background", "scenario"},
      {"scenario_version", "scenario"}, {"workload", "scenario"}, {"faults", "scenario"}, {"run_length", "scenario"},
      {"expect", "scenario"},      {"secret", "scenario"},   {"slos", "scenario"},      {"slo_file", "scenario"},
      {"policy_version", "policy"}, {"gate", "policy"},      {"candidates", "policy"},  {"job", "policy"},
      {"failover", "policy"},      {"deploy", "policy"},     {"post_deploy", "policy"}, {"rule_file", "policy"}};
  return kOwners;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> keys;
  const bool pointer = !path.empty() && path[0] == '/';
  const char sep = pointer ? '/' : '.';
  std::string cur;
  for (std::size_t i = pointer ? 1 : 0; i <= path.size(); ++i) {
    if (i == path.size() || path[i] == sep) {
      if (pointer) {  // RFC 6901 escapes
        for (auto p = cur.find("~1"); p != std::string::npos; p = cur.find("~1")) cur.replace(p, 2, "/");
        for (auto p = cur.find("~0"); p != std::string::npos; p = cur.find("~0")) cur.replace(p, 2, "~");
      }
      keys.push_back(cur);
      cur.clear();
    } else {
      cur += path[i];
    }
  }
  return keys;
}

std::string pointer_of(const std::vector<std::string>& keys, std::size_t n) {
  std::string p;
  for (std::size_t i = 0; i < n && i < keys.size(); ++i) p += "/" + keys[i];
  return p.empty() ? "/" : p;
}

std::string keys_of(const json& j) {
  std::string out;
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) out += (out.empty() ? "" : ", ") + k;
  } else if (j.is_array()) {
    out = "indices 0.." + std::to_string(j.size() == 0 ? 0 : j.size() - 1) + " or *";
  }
  return out.empty() ? "none" : out;
}

// Sets keys[depth..] under `node` to `value`; returns how many places were set.
std::size_t set_at(json& node, const std::vector<std::string>& keys, std::size_t depth, const json& value,
                   const std::string& where, std::string& error) {
  const std::string& key = keys[depth];
  const bool last = depth + 1 == keys.size();
  auto visit = [&](json& child) -> std::size_t {
    if (last) {
      child = value;
      return 1;
    }
    return set_at(child, keys, depth + 1, value, where, error);
  };
  if (key == "*") {
    if (!node.is_object() && !node.is_array()) {
      error = where + ": " + pointer_of(keys, depth) + " is not an object or array, * matches nothing";
      return 0;
    }
    std::size_t n = 0;
    for (auto& child : node) {
      if (!last && !child.is_object() && !child.is_array()) continue;
      n += visit(child);
    }
    if (n == 0 && error.empty()) error = where + ": " + pointer_of(keys, depth + 1) + " matches nothing";
    return n;
  }
  if (node.is_array()) {
    std::size_t idx = 0;
    try {
      std::size_t used = 0;
      idx = std::stoul(key, &used);
      if (used != key.size()) throw std::invalid_argument(key);
    } catch (const std::exception&) {
      error = where + ": " + pointer_of(keys, depth) + " is an array; expected an index or *, got \"" + key + "\"";
      return 0;
    }
    if (idx >= node.size()) {
      error = where + ": " + pointer_of(keys, depth + 1) + " does not exist (" + pointer_of(keys, depth) + " has " +
              std::to_string(node.size()) + " element(s))";
      return 0;
    }
    return visit(node[idx]);
  }
  if (!node.is_object()) {
    error = where + ": " + pointer_of(keys, depth) + " is " + std::string(node.type_name()) + ", not an object";
    return 0;
  }
  if (!node.contains(key)) {
    if (!last) {
      error = where + ": " + pointer_of(keys, depth + 1) + " does not exist; fields there: " + keys_of(node);
      return 0;
    }
    node[key] = value;  // a field the file left out: the reader says whether it is known
    return 1;
  }
  return visit(node[key]);
}

}  // namespace

Result<Override> parse_override(const std::string& text) {
  using R = Result<Override>;
  const auto eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    return R::error("--set " + text + ": expected PATH=VALUE (e.g. prometheus.scrape_interval=30s)");
  }
  Override o;
  o.text = text;
  const std::string raw = text.substr(eq + 1);
  o.value = json::parse(raw, nullptr, /*allow_exceptions=*/false);
  if (o.value.is_discarded()) o.value = raw;
  std::vector<std::string> keys = split_path(text.substr(0, eq));
  for (const auto& k : keys) {
    if (k.empty()) return R::error("--set " + text + ": empty key in the path");
  }
  static const std::set<std::string> kDocuments = {"world", "scenario", "policy", "rules"};
  if (kDocuments.count(keys[0]) != 0) {
    o.document = keys[0];
    keys.erase(keys.begin());
    if (keys.empty()) return R::error("--set " + text + ": the path names the whole " + o.document + "; name a field in it");
  } else {
    const auto it = owners().find(keys[0]);
    if (it == owners().end()) {
      std::string all;
      for (const auto& [k, d] : owners()) all += (all.empty() ? "" : ", ") + k;
      return R::error("--set " + text + ": no document has a top-level field \"" + keys[0] +
                      "\"; start the path with world., scenario., policy. or rules., or with one of: " + all);
    }
    o.document = it->second;
  }
  if (o.document == "rules") {
    static const std::set<std::string> kRuleFields = {"for", "keep_firing_for", "expr"};
    if (keys.size() != 2 || kRuleFields.count(keys[1]) == 0) {
      return R::error("--set " + text + ": expected rules.ALERT.for, rules.ALERT.keep_firing_for or rules.ALERT.expr "
                      "(ALERT: an alert name, or * for every alerting rule)");
    }
    if (!o.value.is_string()) return R::error("--set " + text + ": expected a string value");
    o.paths.push_back(keys);
    return R::ok(std::move(o));
  }
  if (o.document == "world" && keys.size() == 2 && keys[0] == "prometheus" &&
      (keys[1] == "scrape_interval" || keys[1] == "scrape_timeout")) {
    o.paths.push_back({"prometheus", "global", keys[1]});
    o.paths.push_back({"prometheus", "scrape_configs", "*", keys[1]});
  } else {
    o.paths.push_back(keys);
  }
  return R::ok(std::move(o));
}

Result<bool> refuse_repeated_sets(const std::vector<std::string>& texts) {
  std::map<std::string, std::string> seen;  // path -> the --set that named it
  for (const auto& t : texts) {
    const auto [it, fresh] = seen.emplace(t.substr(0, t.find('=')), t);
    if (!fresh) return Result<bool>::error("--set " + it->first + " is given twice (" + it->second + ", then " + t + "); give it once");
  }
  return Result<bool>::ok(true);
}

Result<std::vector<Override>> parse_overrides(const std::vector<std::string>& texts) {
  std::vector<Override> out;
  for (const auto& t : texts) {
    auto o = parse_override(t);
    if (!o) return Result<std::vector<Override>>::error(o.error());
    out.push_back(std::move(o).value());
  }
  return Result<std::vector<Override>>::ok(std::move(out));
}

Result<std::string> apply_overrides(const std::string& text, const std::string& file, const std::string& document,
                                    const std::vector<Override>& overrides) {
  using R = Result<std::string>;
  bool any = false;
  for (const auto& o : overrides) any = any || o.document == document;
  if (!any) return R::ok(text);
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return R::ok(text);  // the reader reports the syntax error with its line
  for (const auto& o : overrides) {
    if (o.document != document) continue;
    for (const auto& keys : o.paths) {
      std::string error;
      const std::string where = "--set " + o.text + " (" + document + " " + file + ")";
      if (set_at(root, keys, 0, o.value, where, error) == 0 || !error.empty()) return R::error(error);
    }
  }
  return R::ok(root.dump(2));
}

Result<bool> apply_rule_overrides(std::vector<sim::prometheus::RuleGroupSpec>& groups,
                                  const std::vector<Override>& overrides) {
  using R = Result<bool>;
  for (const auto& o : overrides) {
    if (o.document != "rules") continue;
    const std::string& alert = o.paths[0][0];
    const std::string& field = o.paths[0][1];
    const std::string value = o.value.get<std::string>();
    std::size_t matched = 0;
    std::vector<std::string> alerts;
    for (auto& g : groups) {
      for (auto& r : g.rules) {
        if (!r.alerting) continue;
        alerts.push_back(r.name);
        if (alert != "*" && r.name != alert) continue;
        ++matched;
        if (field == "expr") {
          auto parsed = sim::prometheus::parse_promql(value);
          if (!parsed) return R::error("--set " + o.text + ": not a PromQL expression: " + parsed.error());
          r.expr_text = value;
          r.expr = std::move(parsed).value();
          continue;
        }
        auto d = parse_duration(value);
        if (!d) return R::error("--set " + o.text + ": " + d.error());
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d.value()).count();
        (field == "for" ? r.for_ms : r.keep_firing_for_ms) = ms;
      }
    }
    if (matched == 0) {
      std::string names;
      for (const auto& a : alerts) names += (names.empty() ? "" : ", ") + a;
      return R::error("--set " + o.text + ": no alerting rule named \"" + alert + "\" in the run's rule files; alerts: " +
                      (names.empty() ? "none" : names));
    }
  }
  return R::ok(true);
}

std::string describe_overrides(const std::vector<Override>& overrides) {
  std::string out;
  for (const auto& o : overrides) out += (out.empty() ? "" : ", ") + std::string("--set ") + o.text;
  return out;
}

}  // namespace failsim::harness
