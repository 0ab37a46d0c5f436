// Alerting rules (sim/prometheus/rules.h) against the reference's golden promtool cases
// (../shared/reference/github-prometheus-semantics.md B6), the PAWS360 lesson (the
// documented runner_status == 0 alert never fires while scrapes fail, up == 0 does),
// rule-file errors, and a cross-check: for the golden cases and 20 seeded random ones,
// the simulator's own alert states are written as a `promtool test rules` file and
// Debian's promtool (2.42) must agree at every evaluation time.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "failover/duration.h"
#include "sim/prometheus/rules.h"
#include "sim/prometheus/server.h"
#include "sim/random.h"

namespace failsim::sim::prometheus {
namespace {

constexpr std::int64_t kMin = 60'000;

// One input series in promtool's notation: values separated by spaces, each a number,
// "_" (no sample) or "stale" (a staleness marker), sample i at i * interval.
struct InputSeries {
  Labels labels;
  std::vector<std::string> values;
};

void load(SeriesStore& store, const std::vector<InputSeries>& series, std::int64_t interval_ms) {
  for (const auto& s : series) {
    for (std::size_t i = 0; i < s.values.size(); ++i) {
      const auto t = static_cast<std::int64_t>(i) * interval_ms;
      if (s.values[i] == "_") continue;
      if (s.values[i] == "stale") {
        store.append_stale(s.labels, t);
      } else {
        store.append(s.labels, t, std::stod(s.values[i]));
      }
    }
  }
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string w;
  while (in >> w) out.push_back(w);
  return out;
}

// Runs every group at 0, E, 2E, ... <= until_ms; returns, per evaluation time and alert
// name, the firing alerts' labels.
using FiringAt = std::map<std::int64_t, std::map<std::string, std::vector<Labels>>>;

FiringAt simulate(const std::vector<RuleGroupSpec>& specs, SeriesStore& store, std::int64_t eval_interval_ms,
                  std::int64_t until_ms) {
  std::vector<RuleGroup> groups;
  for (const auto& g : specs) groups.emplace_back(g);
  FiringAt firing;
  for (std::int64_t t = 0; t <= until_ms; t += eval_interval_ms) {
    for (auto& g : groups) {
      const auto r = g.eval(store, t);
      EXPECT_TRUE(r.has_value()) << r.error();
      for (const auto& rule : g.alerting_rules()) {
        auto& list = firing[t][rule.spec().name];
        for (const auto& a : rule.active()) {
          if (a.state == AlertState::kFiring) list.push_back(a.labels);
        }
      }
    }
  }
  return firing;
}

bool fires(const FiringAt& f, std::int64_t t, const std::string& alert) {
  const auto it = f.find(t);
  if (it == f.end()) return false;
  const auto jt = it->second.find(alert);
  return jt != it->second.end() && !jt->second.empty();
}

const char* kGoldenRules = R"(groups:
- name: runners
  rules:
  - {alert: RunnerDown, expr: 'up{job="runner"} == 0', for: 5m, labels: {severity: page}, annotations: {summary: '{{ $labels.instance }} down'}}
  - {alert: RunnerDownKeep, expr: 'up{job="runner"} == 0', for: 2m, keep_firing_for: 3m}
)";

struct GoldenCase {
  const char* instance;
  const char* values;
  const char* alert;
  std::vector<std::pair<int, bool>> expect;  // (minute, firing?)
};

const std::vector<GoldenCase>& golden_cases() {
  static const std::vector<GoldenCase> cases = {
      {"primary", "1 1 0 0 0 0 0 0 0 0 0 0 0", "RunnerDown", {{6, false}, {7, true}}},
      {"gap", "1 0 0 0 _ 0 0 0 0 0 0", "RunnerDown", {{5, false}, {6, true}}},
      {"blip", "1 0 0 0 1 0 0 0 0 0 0 0 0", "RunnerDown", {{9, false}, {10, true}}},
      {"stale", "1 0 0 0 stale 0 0 0 0 0 0 0", "RunnerDown", {{9, false}, {10, true}}},
      {"kf", "0 0 0 0 0 0 1 1 1 1 1 1", "RunnerDownKeep",
       {{1, false}, {2, true}, {5, true}, {6, true}, {7, true}, {8, true}, {9, false}}},
      {"blip-keep", "1 0 0 0 1 0 0 0 0 0 0 0 0", "RunnerDownKeep", {{3, true}, {4, true}, {8, true}, {9, true}}},
  };
  return cases;
}

// B6: each case is its own test group (its own store and rule state).
TEST(AlertRulesGolden, ReferenceCasesFireAtTheSameEvaluations) {
  const auto specs = parse_rule_file(kGoldenRules, "alerts.yml");
  ASSERT_TRUE(specs.has_value()) << specs.error();
  for (const auto& c : golden_cases()) {
    SCOPED_TRACE(c.instance);
    SeriesStore store;
    load(store, {{make_labels({{"__name__", "up"}, {"job", "runner"}, {"instance", c.instance}}), split(c.values)}},
         kMin);
    const FiringAt f = simulate(specs.value(), store, kMin, 12 * kMin);
    for (const auto& [minute, firing] : c.expect) {
      EXPECT_EQ(fires(f, minute * kMin, c.alert), firing) << c.alert << " at " << minute << "m";
    }
  }
  // "none at 9m59s" for blip: the evaluation in force at 9m59s is the one at 9m.
}

TEST(AlertRules, PendingAlertRecordsAlertsSeriesAndExpandsLabels) {
  const auto specs = parse_rule_file(kGoldenRules, "alerts.yml");
  ASSERT_TRUE(specs.has_value());
  SeriesStore store;
  load(store, {{make_labels({{"__name__", "up"}, {"job", "runner"}, {"instance", "primary"}}), split("0 0 0 0 0 0")}},
       kMin);
  RuleGroup group(specs.value()[0]);
  ASSERT_TRUE(group.eval(store, 0).has_value());
  const AlertingRule* rule = group.find_alert("RunnerDown");
  ASSERT_NE(rule, nullptr);
  EXPECT_EQ(rule->state(), AlertState::kPending);
  ASSERT_EQ(rule->active().size(), 1u);
  EXPECT_EQ(rule->active()[0].labels,
            make_labels({{"alertname", "RunnerDown"}, {"instance", "primary"}, {"job", "runner"}, {"severity", "page"}}));
  // 2.42 writes no ALERTS series before the rule's `for` state is restored, after the
  // group's second evaluation (rules/alerting.go: `if r.restored.Load()`; promtool's
  // unittest.go marks rules restored "to ensure the ALERTS timeseries is created").
  EXPECT_TRUE(std::get<Vector>(query("ALERTS", store, 0).value()).empty());
  group.eval(store, kMin);
  EXPECT_TRUE(std::get<Vector>(query("ALERTS", store, kMin).value()).empty());
  group.eval(store, 2 * kMin);
  const auto alerts = query("ALERTS{alertname=\"RunnerDown\"}", store, 2 * kMin);
  ASSERT_TRUE(alerts.has_value());
  ASSERT_EQ(std::get<Vector>(alerts.value()).size(), 1u);
  EXPECT_EQ(label_value(std::get<Vector>(alerts.value())[0].labels, "alertstate"), "pending");
  // ALERTS_FOR_STATE: the alert's activeAt in Unix seconds, under the alert's labels.
  const auto for_state = std::get<Vector>(query("ALERTS_FOR_STATE{alertname=\"RunnerDown\"}", store, 2 * kMin).value());
  ASSERT_EQ(for_state.size(), 1u);
  EXPECT_EQ(for_state[0].value, 0.0);
  EXPECT_EQ(label_value(for_state[0].labels, "severity"), "page");
  EXPECT_EQ(expand_labels_template(rule->spec().annotations[0].second, rule->active()[0].labels), "primary down");
  for (int m = 3; m <= 5; ++m) group.eval(store, m * kMin);
  EXPECT_EQ(rule->state(), AlertState::kFiring);
  EXPECT_EQ(rule->active()[0].fired_at_ms, 5 * kMin);
  const auto firing = query("ALERTS{alertstate=\"firing\",alertname=\"RunnerDown\"}", store, 5 * kMin);
  EXPECT_EQ(std::get<Vector>(firing.value()).size(), 1u);
  EXPECT_TRUE(std::get<Vector>(query("ALERTS{alertstate=\"pending\",alertname=\"RunnerDown\"}", store, 5 * kMin).value()).empty())
      << "the pending ALERTS series went stale when the alert fired";
}

// paws360-as-built.md §3.3 and §6: while Prometheus cannot scrape the exporter, the
// runner series go stale, so the documented `runner_status == 0` has no element to
// fire on; `up == 0` (the corrected rule) fires after its `for`.
TEST(AlertRules, DocumentedRuleNeverFiresOnScrapeFailureButUpDoes) {
  const std::string rules_dir = std::string(FAILSIM_SOURCE_DIR) + "/scenarios/rules/";
  const auto documented = load_rule_file(rules_dir + "paws360-documented.yml");
  const auto corrected = load_rule_file(rules_dir + "runner-up-corrected.yml");
  ASSERT_TRUE(documented.has_value()) << documented.error();
  ASSERT_TRUE(corrected.has_value()) << corrected.error();
  // 15 s scrapes; from 2m the scrape of serotonin:9102 times out: up 0 stamped at each
  // scrape's start, runner_status gets one stale marker, then no samples.
  std::vector<std::string> up;
  std::vector<std::string> status;
  for (int i = 0; i < 60; ++i) {  // 15 minutes
    const bool failing = i >= 8;
    up.push_back(failing ? "0" : "1");
    status.push_back(!failing ? "1" : (i == 8 ? "stale" : "_"));
  }
  std::vector<InputSeries> series = {
      {make_labels({{"__name__", "up"}, {"job", "github-runner-health"}, {"instance", "serotonin:9102"}}), up},
      {make_labels({{"__name__", "runner_status"}, {"hostname", "Serotonin"}, {"environment", "production"},
                    {"authorized_for_prod", "true"}, {"active_state", "active"}, {"instance", "serotonin:9102"},
                    {"job", "github-runner-health"}}),
       status},
  };
  SeriesStore store1;
  load(store1, series, 15'000);
  const FiringAt doc = simulate(documented.value(), store1, 15'000, 15 * kMin);
  for (const auto& [t, by_alert] : doc) EXPECT_FALSE(fires(doc, t, "RunnerOffline")) << "at " << t << " ms";
  SeriesStore store2;
  load(store2, series, 15'000);
  const FiringAt fixed = simulate(corrected.value(), store2, 15'000, 15 * kMin);
  // up == 0 first seen at 2m (sample stamped at 2m); for: 2m -> firing at 4m.
  EXPECT_FALSE(fires(fixed, 4 * kMin - 15'000, "RunnerScrapeDown"));
  EXPECT_TRUE(fires(fixed, 4 * kMin, "RunnerScrapeDown"));
  EXPECT_FALSE(fires(fixed, 10 * kMin, "RunnerOffline"));
}

TEST(RuleFiles, ErrorsNameFileLineAndProblem) {
  struct Case {
    const char* yaml;
    const char* message;
  };
  const Case cases[] = {
      {"groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up == \n", "r.yml:5: rule A: could not parse expression: 1:6: parse error: unexpected end of input"},
      {"groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    for: 5 minutes\n", "r.yml:6: for: invalid duration \"5 minutes\""},
      {"groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    fro: 5m\n", "r.yml:6: rule: unknown field \"fro\""},
      {"groups:\n- name: g\n  rules:\n  - expr: up\n", "one of \"alert\" or \"record\" must be set"},
      {"groups:\n- name: g\n  rules:\n  - record: r\n    expr: up\n    for: 1m\n", "invalid field \"for\" in recording rule"},
      {"groups:\n- name: g\n  rules: []\n- name: g\n  rules: []\n", "groupname: \"g\" is repeated"},
      {"groups: [\n", "r.yml:2"},
      {"rules: []\n", "expected a top-level \"groups:\" list"},
      {"groups:\n- name: g\n  rules:\n  - alert: A\n    expr: topk(up)\n", "expected 2, got 1"},
  };
  for (const auto& c : cases) {
    const auto r = parse_rule_file(c.yaml, "r.yml");
    ASSERT_FALSE(r.has_value()) << c.yaml;
    EXPECT_NE(r.error().find(c.message), std::string::npos) << "got: " << r.error();
  }
}

// ---- Cross-check with Debian's promtool ----------------------------------------

std::string yaml_labels(const Labels& labels) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (k == "alertname" || k == kMetricName) continue;
    out += (first ? "" : ", ") + k + ": '" + v + "'";
    first = false;
  }
  return out + "}";
}

std::string series_selector(const Labels& labels) {
  std::string out(label_value(labels, kMetricName));
  out += "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (k == kMetricName) continue;
    out += (first ? "" : ",") + k + "=\"" + v + "\"";
    first = false;
  }
  return out + "}";
}

struct PromtoolCase {
  std::string name;
  std::vector<InputSeries> series;
  std::int64_t interval_ms;
  std::int64_t eval_interval_ms;
  std::size_t samples;
};

// Writes the rules and a promtool test asserting the simulator's firing alerts at every
// evaluation time; returns promtool's exit status and output.
// All cases share one rule file and the first case's evaluation interval.
std::pair<int, std::string> promtool_agrees(const std::string& rules_yaml, const std::vector<PromtoolCase>& cases,
                                            const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "rules.yml") << rules_yaml;
  const auto specs = parse_rule_file(rules_yaml, "rules.yml");
  EXPECT_TRUE(specs.has_value()) << specs.error();
  if (!specs.has_value()) return {-1, specs.error()};
  std::ostringstream test;
  test << "rule_files:\n  - rules.yml\ntests:\n";
  for (const PromtoolCase& c : cases) {
    SeriesStore store;
    load(store, c.series, c.interval_ms);
    const std::int64_t until = static_cast<std::int64_t>(c.samples - 1) * c.interval_ms;
    const FiringAt firing = simulate(specs.value(), store, c.eval_interval_ms, until);
    test << "  - name: " << c.name << "\n    interval: " << format_duration(Duration(c.interval_ms * 1000))
         << "\n    input_series:\n";
    for (const auto& s : c.series) {
      test << "      - series: '" << series_selector(s.labels) << "'\n        values: '";
      for (std::size_t k = 0; k < s.values.size(); ++k) test << (k ? " " : "") << s.values[k];
      test << "'\n";
    }
    test << "    alert_rule_test:\n";
    for (const auto& [t, by_alert] : firing) {
      for (const auto& [alert, labels_list] : by_alert) {
        test << "      - eval_time: " << format_duration(Duration(t * 1000)) << "\n        alertname: " << alert
             << "\n        exp_alerts:";
        if (labels_list.empty()) {
          test << " []\n";
          continue;
        }
        test << "\n";
        const RuleSpec* rule = nullptr;
        for (const auto& g : specs.value()) {
          for (const auto& r : g.rules) {
            if (r.name == alert) rule = &r;
          }
        }
        for (const auto& labels : labels_list) {
          test << "          - exp_labels: " << yaml_labels(labels) << "\n";
          if (rule != nullptr && !rule->annotations.empty()) {
            test << "            exp_annotations: {";
            for (std::size_t k = 0; k < rule->annotations.size(); ++k) {
              test << (k ? ", " : "") << rule->annotations[k].first << ": '"
                   << expand_labels_template(rule->annotations[k].second, labels) << "'";
            }
            test << "}\n";
          }
        }
      }
    }
  }
  const std::string body = test.str();
  // evaluation_interval is per file: all cases passed together share the first's.
  std::ofstream(dir / "test.yml") << "evaluation_interval: "
                                  << format_duration(Duration(cases.front().eval_interval_ms * 1000)) << "\n"
                                  << body;
  const std::string cmd = "cd '" + dir.string() + "' && /usr/bin/promtool test rules test.yml 2>&1";
  std::string out;
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return {-1, "cannot run promtool"};
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

std::filesystem::path scratch(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("failsim-promtool-" + std::to_string(::getpid()) + "-" + name);
}

TEST(PromtoolCrossCheck, GoldenCasesAgreeWithPromtool) {
  std::vector<PromtoolCase> cases;
  for (const auto& c : golden_cases()) {
    cases.push_back({std::string("golden-") + c.instance,
                     {{make_labels({{"__name__", "up"}, {"job", "runner"}, {"instance", c.instance}}), split(c.values)}},
                     kMin, kMin, split(c.values).size()});
  }
  const auto dir = scratch("golden");
  const auto [status, output] = promtool_agrees(kGoldenRules, cases, dir);
  EXPECT_EQ(status, 0) << output << "\n" << dir / "test.yml";
  EXPECT_NE(output.find("SUCCESS"), std::string::npos) << output;
  if (status == 0) std::filesystem::remove_all(dir);
}

// Seeded timing of one random cross-check case and the rules it is checked with.
struct RandomTiming {
  std::int64_t interval;  // scrape interval = promtool's series spacing
  std::int64_t eval;      // evaluation interval: 1, 2 or 3 scrape intervals
  std::string for_text;
  std::string keep_text;  // ", keep_firing_for: ..." or ""
};

RandomTiming draw_timing(Rng& rng) {
  const std::int64_t kIntervals[] = {10'000, 15'000, 30'000, 60'000};
  const std::int64_t kFors[] = {0, 30'000, 60'000, 120'000, 300'000};
  const std::int64_t kKeeps[] = {0, 0, 60'000, 120'000};
  RandomTiming t;
  t.interval = kIntervals[rng.uniform_below(4)];
  t.eval = t.interval * static_cast<std::int64_t>(1 + rng.uniform_below(3));
  t.for_text = format_duration(Duration(kFors[rng.uniform_below(5)] * 1000));
  const std::int64_t keep_ms = kKeeps[rng.uniform_below(4)];
  t.keep_text = keep_ms ? ", keep_firing_for: " + format_duration(Duration(keep_ms * 1000)) : "";
  return t;
}

// The corrected rules and the documented one, plus absent(), with the drawn timing.
std::string random_rules(const RandomTiming& t) {
  return "groups:\n- name: runners\n  rules:\n"
         "  - {alert: RunnerScrapeDown, expr: 'up{job=\"github-runner-health\"} == 0', for: " + t.for_text + t.keep_text +
         ", labels: {severity: critical}}\n"
         "  - {alert: RunnerOffline, expr: 'runner_status == 0', for: " + t.for_text + "}\n"
         "  - {alert: RunnerSeriesMissing, expr: 'up{job=\"github-runner-health\"} == 1 unless on(instance) runner_status', for: " +
         t.for_text + "}\n"
         "  - {alert: RunnerAbsent, expr: 'absent(runner_status{hostname=\"Serotonin\"})', for: " + t.for_text + "}\n"
         // The flapping rules of scenarios/rules/runner-up-corrected.yml (changes()).
         "  - {alert: RunnerScrapeFlapping, expr: 'changes(up{job=\"github-runner-health\"}[10m]) >= 4'}\n"
         "  - {alert: RunnerServiceFlapping, expr: 'changes(runner_status[10m]) >= 4', for: " + t.for_text + "}\n";
}

TEST(PromtoolCrossCheck, TwentySeededRandomCasesAgreeWithPromtool) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Rng rng = Rng::stream(seed, "promtool-cross-check");
    const RandomTiming timing = draw_timing(rng);
    const std::int64_t interval = timing.interval;
    const std::int64_t eval = timing.eval;
    const std::size_t samples = 40;
    // Fault windows: the scrape fails (up 0; runner_status one stale marker then gaps),
    // or the runner service stops (runner_status 0), or a sample goes missing.
    std::vector<std::string> up(samples, "1");
    std::vector<std::string> status(samples, "1");
    std::size_t i = 1 + rng.uniform_below(5);
    while (i < samples) {
      const std::size_t len = 1 + rng.uniform_below(12);
      const auto mode = rng.uniform_below(3);
      for (std::size_t k = i; k < std::min(samples, i + len); ++k) {
        if (mode == 0) {
          up[k] = "0";
          status[k] = k == i ? "stale" : "_";
        } else if (mode == 1) {
          status[k] = "0";
        } else {
          up[k] = "_";
          status[k] = "_";
        }
      }
      i += len + 1 + rng.uniform_below(10);
    }
    const std::string rules = random_rules(timing);
    PromtoolCase c{"random-" + std::to_string(seed),
                   {{make_labels({{"__name__", "up"}, {"job", "github-runner-health"}, {"instance", "serotonin:9102"}}), up},
                    {make_labels({{"__name__", "runner_status"}, {"hostname", "Serotonin"}, {"instance", "serotonin:9102"},
                                  {"job", "github-runner-health"}}),
                     status}},
                   interval, eval, samples};
    const auto dir = scratch("random-" + std::to_string(seed));
    const auto [code, output] = promtool_agrees(rules, {c}, dir);
    EXPECT_EQ(code, 0) << "seed " << seed << " (interval " << interval << " ms, eval " << eval << " ms, for "
                       << timing.for_text << timing.keep_text << ")\n"
                       << output << "\n" << dir / "test.yml";
    if (code == 0) std::filesystem::remove_all(dir);
  }
}

// The same cross-check on series the simulator scraped itself: a Prometheus model
// scrapes one PAWS360-style exporter over the network model while seeded fault windows
// drop the scrapes (timeouts: up 0, stale markers) or stop the runner service
// (runner_status 0). The scraped store becomes promtool input (sample, "_" or "stale" at
// every scrape), and promtool must agree with the simulator's alert states at every
// evaluation time. Scrape offsets are pinned to 0 so scrapes sit on promtool's grid.
TEST(PromtoolCrossCheck, TwentyScrapedWorldsAgreeWithPromtool) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    Rng rng = Rng::stream(seed, "promtool-scraped");
    const RandomTiming timing = draw_timing(rng);
    const std::int64_t interval = timing.interval;
    const std::int64_t eval = timing.eval;
    const std::size_t samples = 40;

    Engine engine;
    Network network(engine, Rng::stream(seed, "network"));
    network.add_host("monitoring");
    network.add_host("serotonin");
    network.set_default_latency(Distribution::lognormal(std::chrono::milliseconds(1), 0.3));
    ExporterDirectory exporters;
    bool service_up = true;
    exporters.listen("serotonin", 9102, [&service_up]() -> std::optional<Served<Exposition>> {
      return Served<Exposition>{
          std::make_shared<Samples>(Samples{{make_labels({{"__name__", "runner_status"}, {"hostname", "Serotonin"}}),
                                             service_up ? 1.0 : 0.0}}),
          std::chrono::milliseconds(20)};
    });
    PrometheusServer prometheus(engine, network, exporters, PrometheusConfig{}, Rng::stream(seed, "offsets"));
    ScrapeConfig sc;
    sc.job = "github-runner-health";
    sc.scrape_interval = Duration(interval * 1000);
    sc.scrape_timeout = Duration(std::min<std::int64_t>(interval, 10'000) * 1000);
    sc.honor_labels = true;
    sc.fixed_offset = Duration(0);
    sc.targets = {{"serotonin", 9102, {}}};
    ASSERT_TRUE(prometheus.add_scrape_config(sc).has_value());
    // Fault windows, aligned to scrapes: drop the scrapes, or stop the runner service.
    std::size_t i = 1 + rng.uniform_below(5);
    while (i < samples) {
      const std::size_t len = 1 + rng.uniform_below(12);
      const TimePoint from(std::chrono::milliseconds(static_cast<std::int64_t>(i) * interval - interval / 2));
      const Duration length = std::chrono::milliseconds(static_cast<std::int64_t>(len) * interval);
      if (rng.bernoulli(0.5)) {
        NetworkFault drop;
        drop.from = "monitoring";
        drop.to = "serotonin";
        drop.port = 9102;
        drop.start = from;
        drop.length = length;
        network.add_fault(drop);
      } else {
        engine.schedule_at(from, [&service_up] { service_up = false; });
        engine.schedule_at(from + length, [&service_up] { service_up = true; });
      }
      i += len + 1 + rng.uniform_below(10);
    }
    prometheus.start();
    engine.run_until(TimePoint(std::chrono::milliseconds(static_cast<std::int64_t>(samples) * interval)));
    // The scraped store, as promtool input.
    std::vector<InputSeries> series;
    for (const auto& [labels, stored] : prometheus.store().series()) {
      if (label_value(labels, kMetricName).starts_with("scrape_")) continue;  // Prometheus's own report series
      InputSeries in{labels, std::vector<std::string>(samples, "_")};
      for (const auto& s : stored) {
        ASSERT_EQ(s.t_ms % interval, 0) << "scrapes sit on the grid";
        const auto k = static_cast<std::size_t>(s.t_ms / interval);
        if (k < samples) in.values[k] = s.stale ? "stale" : (s.value == 0 ? "0" : "1");
      }
      series.push_back(in);
    }
    ASSERT_EQ(series.size(), 2u) << "up and runner_status";
    const std::string rules = random_rules(timing);
    const auto dir = scratch("scraped-" + std::to_string(seed));
    const auto [code, output] = promtool_agrees(rules, {PromtoolCase{"scraped-" + std::to_string(seed), series, interval, eval, samples}}, dir);
    EXPECT_EQ(code, 0) << "seed " << seed << "\n" << output << "\n" << dir / "test.yml";
    if (code == 0) std::filesystem::remove_all(dir);
  }
}

// ---- Restart: 2.42's RestoreForState (rules/manager.go) -----------------------------

// A group of one alert, `up == 0` for `for_`, over up = 0 every 15 s for two hours.
struct Restarting {
  SeriesStore store;
  std::unique_ptr<RuleGroup> group;
  explicit Restarting(const std::string& for_) {
    auto specs = parse_rule_file("groups:\n- name: g\n  rules:\n  - alert: Down\n    expr: up == 0\n    for: " + for_ + "\n", "r.yml");
    EXPECT_TRUE(specs.has_value());
    group = std::make_unique<RuleGroup>(specs.value()[0]);
    for (int i = 0; i <= 480; ++i) store.append(make_labels({{"__name__", "up"}, {"job", "r"}}), i * 15'000, 0);
  }
  Alert alert() const { return group->alerting_rules()[0].active().at(0); }  // active() is a copy
  // Evaluates every minute from `from_s` to `to_s` (seconds); the first firing time, or -1.
  std::int64_t run(int from_s, int to_s) {
    for (int t = from_s; t <= to_s; t += 60) {
      group->eval(store, t * 1000LL);
      if (alert().state == AlertState::kFiring) return t;
    }
    return -1;
  }
};

TEST(RuleRestart, AForUnderTheGracePeriodStartsOverAfterARestart) {
  Restarting r("1m");
  EXPECT_EQ(r.run(60, 60), -1);  // pending since 60 s
  r.group->restart();             // down at 90 s, up at 210 s
  EXPECT_EQ(r.run(240, 600), 300) << "pending anew at 240 s, fires at 300 s (the old state would fire at 240 s)";
}

TEST(RuleRestart, AForOfAtLeastTheGracePeriodIsRestoredFromAlertsForState) {
  Restarting r("15m");
  EXPECT_EQ(r.run(60, 240), -1);  // pending since 60 s; ALERTS_FOR_STATE = 60 from the third evaluation
  r.group->restart();              // down after 240 s, up by 420 s
  EXPECT_EQ(r.run(420, 480), -1);
  // Restored just after the second evaluation (480 s; 2.42 passes time.Now(), the
  // model 480.001 s): the last ALERTS_FOR_STATE sample is at 240 s with value 60, so
  // 180 s were spent pending and 720 s remain (>= the 10m grace period): activeAt =
  // 60 + (480.001 - 240) = 300.001. At 1200 s it has been pending 899.999 s, under
  // the 900 s `for`: it fires at the next evaluation, 1260 s.
  EXPECT_EQ(r.alert().active_at_ms, 300'001);
  EXPECT_EQ(r.run(540, 1500), 1260);
}

TEST(RuleRestart, AtLeastTheGracePeriodIsLeftAfterARestore) {
  Restarting r("12m");
  EXPECT_EQ(r.run(60, 240), -1);
  r.group->restart();
  EXPECT_EQ(r.run(420, 480), -1);
  // 720 - 180 = 540 s would remain, under the 600 s grace period: activeAt =
  // 480.001 + 600 - 720 = 360.001, so it fires at the first evaluation past 1080.001 s.
  EXPECT_EQ(r.alert().active_at_ms, 360'001);
  EXPECT_EQ(r.run(540, 1500), 1140);
}

TEST(RuleRestart, NothingIsRestoredAfterTheOutageTolerance) {
  Restarting r("15m");
  EXPECT_EQ(r.run(60, 240), -1);
  r.group->restart();  // down for over an hour (--rules.alert.for-outage-tolerance, 1h)
  EXPECT_EQ(r.run(3900, 3960), -1);
  EXPECT_EQ(r.alert().active_at_ms, 3'900'000) << "the first evaluation after the restart";
}

}  // namespace
}  // namespace failsim::sim::prometheus
