#include "harness/inputs/import/import_alertmanager.h"

#include "sim/prometheus/alertmanager.h"

namespace failsim::harness {
namespace {

using nlohmann::json;

class AlertmanagerImporter {
 public:
  explicit AlertmanagerImporter(std::string file) : file_(std::move(file)) {}

  void run(const YAML::Node& root) {
    if (!root.IsMap() || !root["route"]) import_fail(file_, root, "expected an Alertmanager configuration (a mapping with route)");
    for (const auto& kv : root) {
      const std::string key = kv.first.as<std::string>();
      if (key == "route") {
        out_.alertmanager = route(kv.second, true);
      } else if (key == "inhibit_rules") {
        inhibit_rules(kv.second);
      } else if (key == "receivers") {
        receivers(kv.second);
      } else {
        note(kv.first, key + " is not modelled (ignored)");
      }
    }
    if (!rules_.empty()) out_.alertmanager["inhibit_rules"] = rules_;
    if (!receivers_.empty()) out_.alertmanager["receivers"] = receivers_;
  }
  const AlertmanagerImport& result() const { return out_; }

  void silences(const std::string& text, const std::string& file) {
    const json list = json::parse(text, nullptr, false);
    if (!list.is_array()) throw ImportError(file + ": expected the JSON array GET /api/v2/silences answers");
    json out = json::array();
    for (std::size_t i = 0; i < list.size(); ++i) {
      const json& s = list[i];
      const std::string at = file + ": [" + std::to_string(i) + "]";
      if (!s.is_object() || !s.contains("matchers") || !s["matchers"].is_array()) throw ImportError(at + ": expected a silence with matchers");
      const std::string state = s.contains("status") && s["status"].is_object() ? s["status"].value("state", "") : "";
      const std::string id = s.value("id", "silence " + std::to_string(i));
      if (state != "active") {
        out_.notes.push_back({file, 0, "silence " + id + " is " + (state.empty() ? "of unknown state" : state) + " in this file: left out"});
        continue;
      }
      json matchers = json::array();
      for (const auto& m : s["matchers"]) {
        if (!m.is_object() || !m.contains("name") || !m.contains("value")) throw ImportError(at + ": a matcher without name and value");
        const bool regex = m.value("isRegex", false), equal = m.value("isEqual", true);
        sim::prometheus::AmMatcher x{m["name"].get<std::string>(),
                                     regex ? (equal ? sim::prometheus::AmMatcher::Op::kRe : sim::prometheus::AmMatcher::Op::kNre)
                                           : (equal ? sim::prometheus::AmMatcher::Op::kEq : sim::prometheus::AmMatcher::Op::kNe),
                                     m["value"].get<std::string>()};
        matchers.push_back(sim::prometheus::to_string(x));
      }
      out.push_back({{"id", id}, {"matchers", matchers}});
      out_.notes.push_back({file, 0, "silence " + id + " was active when saved: it mutes its alerts for the whole run "
                                         "(give starts/ends in the world to bound it)"});
    }
    if (!out.empty()) out_.alertmanager["silences"] = out;
  }

 private:
  void note(const YAML::Node& at, const std::string& what) { out_.notes.push_back({file_, line_of(at), what}); }

  // matchers: ["a=b", ...]; match: {a: b}; match_re: {a: re} (the older forms).
  json matchers(const YAML::Node& n, const std::string& list_key, const std::string& eq_key, const std::string& re_key) {
    json out = json::array();
    auto add = [&](const std::string& text, const YAML::Node& at) {
      auto m = sim::prometheus::parse_am_matcher(text);
      if (!m) import_fail(file_, at, m.error());
      out.push_back(sim::prometheus::to_string(m.value()));
    };
    if (n[list_key]) {
      for (const auto& item : n[list_key]) add(scalar(file_, item, "a matcher"), item);
    }
    for (const auto& [key, op] : {std::pair<std::string, const char*>{eq_key, "="}, {re_key, "=~"}}) {
      if (!n[key]) continue;
      if (!n[key].IsMap()) import_fail(file_, n[key], key + ": expected a mapping of label names to values");
      for (const auto& kv : n[key]) {
        sim::prometheus::AmMatcher m{kv.first.as<std::string>(),
                                     std::string(op) == "=" ? sim::prometheus::AmMatcher::Op::kEq : sim::prometheus::AmMatcher::Op::kRe,
                                     scalar(file_, kv.second, "a value")};
        out.push_back(sim::prometheus::to_string(m));
      }
    }
    return out;
  }

  json route(const YAML::Node& r, bool root) {
    if (!r.IsMap()) import_fail(file_, r, "route: expected a mapping");
    json out = json::object();
    for (const auto& kv : r) {
      const std::string key = kv.first.as<std::string>();
      if (key == "receiver") {
        out["receiver"] = scalar(file_, kv.second, "a receiver name");
      } else if (key == "group_by") {
        out["group_by"] = scalars(file_, kv.second, "a label name");
      } else if (key == "group_wait" || key == "group_interval" || key == "repeat_interval") {
        out[key] = scalar(file_, kv.second, "a duration");
      } else if (key == "continue") {
        if (root) note(kv.first, "route.continue on the root route means nothing (ignored)");
        else out["continue"] = kv.second.as<bool>();
      } else if (key == "routes") {
        if (!kv.second.IsSequence()) import_fail(file_, kv.second, "routes: expected a list");
        json children = json::array();
        for (const auto& c : kv.second) children.push_back(route(c, false));
        out["routes"] = children;
      } else if (key == "matchers" || key == "match" || key == "match_re") {
        if (root) {
          note(kv.first, "route." + key + " on the root route: the root takes every alert (ignored)");
          continue;
        }
      } else {
        note(kv.first, "route." + key + " is not modelled (ignored)");
      }
    }
    if (!root) {
      const json m = matchers(r, "matchers", "match", "match_re");
      if (!m.empty()) out["matchers"] = m;
    }
    if (root && !out.contains("receiver")) import_fail(file_, r, "the root route has no receiver (Alertmanager refuses it too)");
    return out;
  }

  void inhibit_rules(const YAML::Node& n) {
    if (!n.IsSequence()) import_fail(file_, n, "inhibit_rules: expected a list");
    for (const auto& r : n) {
      json rule = {{"source_matchers", matchers(r, "source_matchers", "source_match", "source_match_re")},
                   {"target_matchers", matchers(r, "target_matchers", "target_match", "target_match_re")}};
      if (r["equal"]) rule["equal"] = scalars(file_, r["equal"], "a label name");
      rules_.push_back(rule);
    }
  }

  void receivers(const YAML::Node& n) {
    if (!n.IsSequence()) import_fail(file_, n, "receivers: expected a list");
    for (const auto& r : n) {
      if (!r.IsMap() || !r["name"]) import_fail(file_, r, "a receiver without a name");
      const std::string name = scalar(file_, r["name"], "a receiver name");
      receivers_.push_back(name);
      for (const auto& kv : r) {
        const std::string key = kv.first.as<std::string>();
        if (key != "name") note(kv.first, "receiver " + name + ": " + key + " is not modelled: notifications are counted, not delivered");
      }
    }
  }

  std::string file_;
  AlertmanagerImport out_;
  json rules_ = json::array();
  json receivers_ = json::array();
};

}  // namespace

Result<AlertmanagerImport> import_alertmanager(const std::string& yaml_text, const std::string& file,
                                               const std::string& silences_text, const std::string& silences_file) {
  try {
    AlertmanagerImporter importer(file);
    importer.run(load_yaml(yaml_text, file));
    if (!silences_text.empty()) importer.silences(silences_text, silences_file);
    return Result<AlertmanagerImport>::ok(importer.result());
  } catch (const ImportError& e) {
    return Result<AlertmanagerImport>::error(e.what());
  } catch (const YAML::Exception& e) {
    return Result<AlertmanagerImport>::error(file + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace failsim::harness
