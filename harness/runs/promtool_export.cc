#include "harness/runs/promtool_export.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>
#include <set>

#include "failover/duration.h"
#include "harness/inputs/text_file.h"
#include "harness/runs/report_files.h"
#include "harness/runs/suite_plan.h"

namespace failsim::harness {

namespace prom = sim::prometheus;

namespace {

// A group's record: its evaluation slots until the first one it missed, the scraped
// series' values at each, and each alerting rule's alerts after each.
struct GroupRecord {
  std::int64_t first_ms = -1;
  std::int64_t interval_ms = 0;  // as the world's Prometheus evaluates the group
  std::vector<std::int64_t> slots_ms;
  std::optional<std::int64_t> missed_ms;  // the first slot Prometheus was down for
  std::map<prom::Labels, std::vector<std::optional<double>>> series;
  // By rule (index among the group's alerting rules): per slot, the alerts (labels,
  // state, value) as they stood after it.
  std::vector<std::vector<std::vector<prom::Alert>>> alerts;
};

std::int64_t to_ms(TimePoint t) { return to_us(t) / 1000; }

std::string go_duration(std::int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  const std::int64_t h = ms / 3'600'000, m = ms / 60'000 % 60, s = ms / 1000 % 60, rest = ms % 1000;
  if (h) out += std::to_string(h) + "h";
  if (m) out += std::to_string(m) + "m";
  if (s) out += std::to_string(s) + "s";
  if (rest) out += std::to_string(rest) + "ms";
  return out;
}

// Shortest text that reads back as the same double.
std::string shortest(double v, int* exponent = nullptr, std::string* digits = nullptr) {
  char buf[40];
  for (int p = 0; p <= 17; ++p) {
    std::snprintf(buf, sizeof buf, "%.*e", p, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  const std::string e(buf);
  const auto at = e.find('e');
  if (exponent != nullptr) *exponent = std::atoi(e.c_str() + at + 1);
  if (digits != nullptr) {
    digits->clear();
    for (std::size_t i = 0; i < at; ++i) {
      if (std::isdigit(static_cast<unsigned char>(e[i]))) *digits += e[i];
    }
  }
  return e;
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
  return go_float(v);
}

// promtool's expanding notation: a run of n equal values is "v+0xN-1"; missing ones "_xN".
std::string values_notation(const std::vector<std::optional<double>>& values) {
  std::string out;
  auto add = [&out](const std::string& s) { out += (out.empty() ? "" : " ") + s; };
  bool visible_before = false;
  for (std::size_t i = 0; i < values.size();) {
    std::size_t j = i;
    while (j < values.size() && values[j].has_value() == values[i].has_value() &&
           (!values[i] || (*values[j] == *values[i] || (std::isnan(*values[j]) && std::isnan(*values[i]))))) {
      ++j;
    }
    const std::size_t n = j - i;
    if (values[i]) {
      add(number(*values[i]) + (n > 1 ? "x" + std::to_string(n - 1) : ""));
      visible_before = true;
    } else {
      std::size_t missing = n;
      if (visible_before) {  // the evaluation lost it here: a stale marker, as Prometheus's
        add("stale");
        --missing;
      }
      if (missing > 0) add(missing == 1 ? "_" : "_x" + std::to_string(missing));
      visible_before = false;
    }
    i = j;
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> pairs_of(const prom::Labels& l) {
  return {l.begin(), l.end()};
}

std::string file_name_for(const std::string& group) {
  std::string out;
  for (char c : group) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ? c : '_';
  return out.empty() ? "group" : out;
}

}  // namespace

std::string go_float(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  int exp = 0;
  std::string digits;
  shortest(v, &exp, &digits);
  const std::string sign = v < 0 ? "-" : "";
  // fmt's %v is strconv's 'g' with the shortest digits, which takes the exponent form
  // when the exponent is below -4 or at least 6 (strconv/ftoa.go: "if precision was the
  // shortest possible, use precision 6 for this decision").
  if (exp < -4 || exp >= 6) {
    std::string mant = digits.substr(0, 1);
    if (digits.size() > 1) mant += "." + digits.substr(1);
    char e[16];
    std::snprintf(e, sizeof e, "e%c%02d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    return sign + mant + e;
  }
  std::string out;
  if (exp < 0) {
    out = "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
  } else if (static_cast<int>(digits.size()) <= exp + 1) {
    out = digits + std::string(static_cast<std::size_t>(exp + 1) - digits.size(), '0');
  } else {
    out = digits.substr(0, static_cast<std::size_t>(exp + 1)) + "." + digits.substr(static_cast<std::size_t>(exp + 1));
  }
  return sign + out;
}

std::optional<std::string> expand_annotation(const std::string& text, const std::vector<std::pair<std::string, std::string>>& labels,
                                             double value, const std::vector<std::pair<std::string, std::string>>& external_labels,
                                             std::string* why) {
  auto find = [](const std::vector<std::pair<std::string, std::string>>& in, const std::string& name) {
    for (const auto& [n, v] : in) {
      if (n == name) return v;
    }
    return std::string();
  };
  std::string out;
  std::size_t i = 0;
  while (true) {
    const std::size_t open = text.find("{{", i);
    if (open == std::string::npos) break;
    const std::size_t close = text.find("}}", open);
    if (close == std::string::npos) break;
    std::string inner = text.substr(open + 2, close - open - 2);
    std::size_t keep_before = open;
    std::size_t resume = close + 2;
    if (!inner.empty() && inner.front() == '-') {  // {{- trims the space before
      inner.erase(0, 1);
      while (keep_before > i && std::isspace(static_cast<unsigned char>(text[keep_before - 1]))) --keep_before;
    }
    if (!inner.empty() && inner.back() == '-') {  // -}} the space after
      inner.pop_back();
      while (resume < text.size() && std::isspace(static_cast<unsigned char>(text[resume]))) ++resume;
    }
    const auto first = inner.find_first_not_of(" \t");
    const auto last = inner.find_last_not_of(" \t");
    inner = first == std::string::npos ? "" : inner.substr(first, last - first + 1);
    out += text.substr(i, keep_before - i);
    if (inner.rfind("$labels.", 0) == 0 || inner.rfind(".Labels.", 0) == 0) {
      out += find(labels, inner.substr(8));
    } else if (inner.rfind("$externalLabels.", 0) == 0 || inner.rfind(".ExternalLabels.", 0) == 0) {
      out += find(external_labels, inner.substr(16));
    } else if (inner == "$value" || inner == ".Value") {
      out += go_float(value);
    } else {
      if (why != nullptr) *why = "{{" + text.substr(open + 2, close - open - 2) + "}}";
      return std::nullopt;
    }
    i = resume;
  }
  return out + text.substr(i);
}

int export_promtool_command(const PromtoolExportOptions& o, std::ostream& out, std::ostream& err) {
  auto fail = [&err](const std::string& what) {
    err << "failsim export promtool: " << what << "\n";
    return 2;
  };
  auto overrides = parse_overrides(o.sets);
  if (!overrides) return fail(overrides.error());
  for (const auto& ov : overrides.value()) {
    if (ov.document == "rules") {
      return fail("--set " + ov.text + " changes the rules; the exported tests refer to the team's rule file as it is "
                  "(edit the file, or pass --rules with a changed copy)");
    }
  }
  SuiteOptions suite;
  suite.scenario_paths = {o.scenario};
  if (!o.policy.empty()) suite.policy_paths = {o.policy};
  if (!o.rules.empty()) suite.rules_path = o.rules;
  suite.sets = o.sets;
  suite.first_seed = o.seed;
  suite.seeds = 1;
  auto plan = plan_suite(suite);
  if (!plan) return fail(plan.error());
  const PlannedRow& row = plan.value().rows.front();
  const Scenario& scenario = plan.value().scenario_of(row);
  RunInputs in = plan.value().inputs_of(row);
  const std::vector<prom::RuleGroupSpec>& groups = row.rules;
  std::set<std::string> outputs = {"ALERTS", "ALERTS_FOR_STATE"};
  for (const auto& g : groups) {
    if (g.interval_set && g.interval_ms != static_cast<std::int64_t>(to_seconds(scenario.world.prometheus.evaluation_interval) * 1000)) {
      return fail(g.source + ": group " + g.name + " has its own interval (" + go_duration(g.interval_ms) +
                  "); promtool evaluates every group of a test file at one evaluation_interval");
    }
    for (const auto& r : g.rules) {
      if (!r.alerting) outputs.insert(r.name);
      for (const auto& [name, text] : r.annotations) {
        std::string why;
        if (!expand_annotation(text, {}, 0, {}, &why)) {
          return fail(g.source + ": alert " + r.name + ": annotation " + name + " uses " + why +
                      ", which failsim does not expand; promtool compares the expanded text, so the test could not "
                      "say what the real one says");
        }
      }
    }
  }
  std::vector<GroupRecord> records(groups.size());
  in.watch = [&](sim::World& world) {
    world.prometheus().on_evaluated([&records, &world, &outputs](std::size_t gi, TimePoint at, bool ran) {
      GroupRecord& rec = records[gi];
      if (rec.missed_ms) return;
      const std::int64_t t_ms = to_ms(at);
      if (!ran) {
        rec.missed_ms = t_ms;
        return;
      }
      if (rec.first_ms < 0) {
        rec.first_ms = t_ms;
        rec.interval_ms = world.prometheus().rule_groups()[gi].spec().interval_ms;
      }
      const std::size_t slot = rec.slots_ms.size();
      rec.slots_ms.push_back(t_ms);
      const auto& store = world.prometheus().store();
      const std::int64_t lookback = world.prometheus().config().query.lookback_ms;
      for (const auto& [labels, entry] : store.series()) {
        if (outputs.count(std::string(prom::label_value(labels, "__name__")))) continue;
        const auto point = prom::SeriesStore::instant(entry, t_ms, lookback);
        auto& values = rec.series[labels];
        values.resize(slot);
        values.push_back(point ? std::optional<double>(point->value) : std::nullopt);
      }
      const auto& group = world.prometheus().rule_groups()[gi];
      rec.alerts.resize(group.alerting_rules().size());
      for (std::size_t r = 0; r < group.alerting_rules().size(); ++r) rec.alerts[r].push_back(group.alerting_rules()[r].active());
    });
  };
  run_scenario(in, o.seed);  // the ledger of record is the tests written below
  std::error_code ec;
  std::filesystem::create_directories(o.out_dir, ec);
  if (ec) return fail(o.out_dir + ": " + ec.message());
  const auto& external = scenario.world.prometheus.external_labels;
  std::size_t tests = 0, files = 0;
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    const prom::RuleGroupSpec& g = groups[gi];
    GroupRecord& rec = records[gi];
    if (rec.slots_ms.empty()) continue;
    const std::size_t slots = rec.slots_ms.size();
    YAML::Emitter y;
    y << YAML::BeginMap;
    y << YAML::Key << "rule_files" << YAML::Value << YAML::BeginSeq
      << std::filesystem::relative(std::filesystem::absolute(g.source), std::filesystem::absolute(o.out_dir)).generic_string()
      << YAML::EndSeq;
    y << YAML::Key << "evaluation_interval" << YAML::Value << go_duration(rec.interval_ms);
    y << YAML::Key << "tests" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    y << YAML::Key << "name" << YAML::Value
      << scenario.name + " seed " + std::to_string(o.seed) + ", group " + g.name + " (failsim export promtool)";
    y << YAML::Key << "interval" << YAML::Value << go_duration(rec.interval_ms);
    if (!external.empty()) {
      y << YAML::Key << "external_labels" << YAML::Value << YAML::BeginMap;
      for (const auto& [k, v] : external) y << YAML::Key << k << YAML::Value << v;
      y << YAML::EndMap;
    }
    y << YAML::Key << "input_series" << YAML::Value << YAML::BeginSeq;
    for (auto& [labels, values] : rec.series) {
      values.resize(slots);
      y << YAML::BeginMap << YAML::Key << "series" << YAML::Value << prom::to_string(labels) << YAML::Key << "values"
        << YAML::Value << values_notation(values) << YAML::EndMap;
    }
    y << YAML::EndSeq;
    y << YAML::Key << "alert_rule_test" << YAML::Value << YAML::BeginSeq;
    const auto& rules = g.rules;
    std::size_t ai = 0;
    for (const auto& r : rules) {
      if (!r.alerting) continue;
      const auto& per_slot = rec.alerts[ai++];
      for (std::size_t k = 0; k < slots; ++k) {
        auto states = [&](std::size_t s) {
          std::vector<std::pair<prom::Labels, prom::AlertState>> v;
          for (const auto& a : per_slot[s]) v.emplace_back(a.labels, a.state);
          return v;
        };
        const bool changed = k == 0 ? !per_slot[0].empty() : states(k) != states(k - 1);
        if (!changed && k + 1 != slots) continue;
        y << YAML::BeginMap << YAML::Key << "eval_time" << YAML::Value << go_duration(rec.slots_ms[k] - rec.first_ms)
          << YAML::Key << "alertname" << YAML::Value << r.name << YAML::Key << "exp_alerts" << YAML::Value << YAML::BeginSeq;
        for (const auto& a : per_slot[k]) {
          if (a.state != prom::AlertState::kFiring) continue;
          y << YAML::BeginMap << YAML::Key << "exp_labels" << YAML::Value << YAML::BeginMap;
          for (const auto& [name, value] : a.labels) {
            if (name != "alertname") y << YAML::Key << name << YAML::Value << value;
          }
          y << YAML::EndMap;
          if (!r.annotations.empty()) {
            y << YAML::Key << "exp_annotations" << YAML::Value << YAML::BeginMap;
            for (const auto& [name, text] : r.annotations) {
              y << YAML::Key << name << YAML::Value << expand_annotation(text, pairs_of(a.labels), a.value, external, nullptr).value_or(text);
            }
            y << YAML::EndMap;
          }
          y << YAML::EndMap;
        }
        y << YAML::EndSeq << YAML::EndMap;
        ++tests;
      }
    }
    y << YAML::EndSeq << YAML::EndMap << YAML::EndSeq << YAML::EndMap;
    std::string text = "# failsim export promtool: scenario " + scenario.name + ", policy " + in.policy->name + ", seed " +
                       std::to_string(o.seed) + ", rule group " + g.name + ".\n# Slot 0s is the group's first evaluation, " +
                       format_duration(Duration((rec.first_ms - to_ms(scenario.world.start)) * 1000)) +
                       " into the run. Check with: promtool test rules " + file_name_for(g.name) + ".test.yml\n";
    if (rec.missed_ms) {
      text += "# The tests end at " + go_duration(*rec.missed_ms - rec.first_ms) +
              ": Prometheus was down then, and promtool cannot model its restart.\n";
      out << g.name << ": the tests end at slot " << go_duration(*rec.missed_ms - rec.first_ms)
          << " (Prometheus was down then; promtool cannot model a restart)\n";
    }
    text += std::string(y.c_str()) + "\n";
    const std::string path = (std::filesystem::path(o.out_dir) / (file_name_for(g.name) + ".test.yml")).string();
    if (auto w = write_atomically(path, text); !w) return fail(w.error());
    ++files;
  }
  out << "wrote " << files << " promtool test file(s) with " << tests << " alert tests to " << o.out_dir
      << "/; check with: promtool test rules " << o.out_dir << "/*.test.yml\n";
  return 0;
}

}  // namespace failsim::harness
