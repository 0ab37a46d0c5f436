#include "reports/alert_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "reports/escape.h"
#include "reports/format.h"
#include "reports/svg.h"

namespace failsim::reports {

namespace {

// A rate per week: two decimals, three below 0.1 (a false page a year is 0.019).
std::string rate_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, v < 0.1 ? "%.3f" : "%.2f", v);
  return buf;
}

std::string per_week(const AlertStats& s) {
  if (s.weeks <= 0) return "—";
  return rate_text(s.false_pages_per_week) + " [" + rate_text(s.false_pages_per_week_ci.low) + "–" +
         rate_text(s.false_pages_per_week_ci.high) + "]";
}

std::string pages_per_outage(const AlertStats& s) {
  if (s.outages == 0) return "—";
  return rate_text(static_cast<double>(s.pages) / static_cast<double>(s.outages));
}

std::string row_title(const ScenarioReport& s) { return s.name + " / " + s.label(); }

// The cells of one stats row, in the table's order.
std::vector<std::string> cells(const AlertStats& a) {
  return {a.rule,
          a.route.empty() ? "(fired)" : a.route,
          std::to_string(a.caught) + "/" + std::to_string(a.outages),
          with_interval(a.detection_p50, a.detection_p50_ci),
          with_interval(a.detection_p95, a.detection_p95_ci),
          std::to_string(a.false_pages) + "/" + std::to_string(a.pages),
          per_week(a),
          pages_per_outage(a),
          format_seconds(a.pending_never_fired_seconds)};
}

const std::vector<std::string>& headers() {
  static const std::vector<std::string> kHeaders = {
      "rule", "route", "outages caught", "detection p50 [95 % CI]", "detection p95 [95 % CI]", "false / all pages",
      "false pages per week [95 % CI]", "pages per outage", "pending, never fired"};
  return kHeaders;
}

double total_weeks(const std::vector<LedgerRun>& runs) {
  double s = 0;
  for (const auto& r : runs) s += r.ledger->run_seconds;
  return s / (7 * 24 * 3600.0);
}

std::string background_line(const std::vector<LedgerRun>& runs) {
  std::map<std::string, std::size_t> kinds;
  std::size_t outages = 0;
  for (const auto& r : runs) {
    for (const auto& [k, n] : r.ledger->background) kinds[k] += n;
    outages += r.ledger->outages.size();
  }
  std::string out = std::to_string(runs.size()) + " runs, " + rate_text(total_weeks(runs)) + " simulated weeks, " +
                    std::to_string(outages) + " runner outages";
  std::string bg;
  for (const auto& [k, n] : kinds) bg += (bg.empty() ? "" : ", ") + k + " " + std::to_string(n);
  return out + (bg.empty() ? "; no background" : "; background events: " + bg);
}

std::string coverage_text(const Coverage& c) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%", c.percent);
  return buf;
}

// "2 rules and 1 routes fired or were notified" (and inhibit rules, where there are some).
std::string coverage_of(const Coverage& c) {
  std::string out = std::to_string(c.rules.size()) + " rules and " + std::to_string(c.routes.size()) + " routes";
  if (!c.inhibitions.empty()) out += " and " + std::to_string(c.inhibitions.size()) + " inhibit rules";
  return out + (c.inhibitions.empty() ? " fired or were notified" : " fired, were notified or muted an alert");
}

}  // namespace

std::vector<LedgerRun> ledger_runs(const ScenarioReport& s) {
  std::vector<LedgerRun> out;
  for (const auto& r : s.runs) {
    if (r.alert_ledger) out.push_back({&*r.alert_ledger, r.seed});
  }
  return out;
}

std::vector<LedgerRun> ledger_runs(const SuiteReport& suite) {
  std::vector<LedgerRun> out;
  for (const auto& s : suite.scenarios) {
    const auto mine = ledger_runs(s);
    out.insert(out.end(), mine.begin(), mine.end());
  }
  return out;
}

AlertStats any_rule_stats(const ScenarioReport& s, int resamples) {
  std::vector<AlertLedger> merged;
  for (const auto& r : ledger_runs(s)) {
    AlertLedger l = *r.ledger;
    l.rules = {"any rule"};
    l.routes.clear();
    for (auto& p : l.pages) {
      p.rule = "any rule";
      p.route = "";
    }
    merged.push_back(std::move(l));
  }
  std::vector<LedgerRun> runs;
  for (const auto& l : merged) runs.push_back({&l, 0});
  auto stats = alert_stats(runs, resamples);
  return stats.empty() ? AlertStats{} : stats.front();
}

std::string alerts_markdown(const SuiteReport& suite) {
  const auto all = ledger_runs(suite);
  if (all.empty()) return "";
  std::string out = "\n## Alerts\n\n";
  for (const auto& s : suite.scenarios) {
    const auto runs = ledger_runs(s);
    if (runs.empty()) continue;
    out += "### " + row_title(s) + "\n\n" + background_line(runs) + ".\n\n|";
    std::string rule = "|";
    for (const auto& h : headers()) {
      out += " " + h + " |";
      rule += "---|";
    }
    out += "\n" + rule + "\n";
    for (const auto& a : alert_stats(runs)) {
      out += "|";
      for (const auto& c : cells(a)) out += " " + c + " |";
      out += "\n";
    }
    out += "\n";
  }
  const Coverage c = coverage(all);
  out += "**Coverage: " + coverage_text(c) + "** of " + coverage_of(c) + ".";
  for (const auto& n : c.never) out += "\n- " + n;
  out += "\n\nAn outage: a runner unable to take or finish a job (host or service down, GitHub unreachable) for longer "
         "than the world's background min_outage. A page: an alert newly firing in an Alertmanager notification, per "
         "receiver (without an Alertmanager: the alert firing). A page is false unless an outage it is about was in "
         "progress or had ended within the rule's `for`. Detection: outage start → first page. Intervals: seeded "
         "bootstrap for the percentiles, exact Poisson for false pages per week.\n";
  return out;
}

nlohmann::json alerts_json(const ScenarioReport& s) {
  nlohmann::json out = nlohmann::json::array();
  const auto runs = ledger_runs(s);
  if (runs.empty()) return out;
  auto opt = [](const std::optional<double>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };
  auto ci = [](const std::optional<Interval>& v) { return v ? nlohmann::json::array({v->low, v->high}) : nlohmann::json(nullptr); };
  for (const auto& a : alert_stats(runs)) {
    out.push_back({{"rule", a.rule},
                   {"route", a.route},
                   {"outages", a.outages},
                   {"caught", a.caught},
                   {"detection_p50_seconds", opt(a.detection_p50)},
                   {"detection_p50_ci", ci(a.detection_p50_ci)},
                   {"detection_p95_seconds", opt(a.detection_p95)},
                   {"detection_p95_ci", ci(a.detection_p95_ci)},
                   {"pages", a.pages},
                   {"false_pages", a.false_pages},
                   {"weeks", a.weeks},
                   {"false_pages_per_week", a.false_pages_per_week},
                   {"false_pages_per_week_ci", {a.false_pages_per_week_ci.low, a.false_pages_per_week_ci.high}},
                   {"pending_never_fired_seconds", a.pending_never_fired_seconds}});
  }
  return out;
}

nlohmann::json coverage_json(const Coverage& c) {
  return {{"percent", c.percent}, {"rules", c.rules}, {"routes", c.routes}, {"inhibitions", c.inhibitions}, {"never", c.never}};
}

std::string alerts_html(const SuiteReport& suite) {
  const auto all = ledger_runs(suite);
  if (all.empty()) return "";
  std::string out = "<section id=\"alerts\"><h2>Alerts</h2>\n";
  for (const auto& s : suite.scenarios) {
    const auto runs = ledger_runs(s);
    if (runs.empty()) continue;
    out += "<h3>" + xml_escape(row_title(s)) + "</h3>\n<p>" + xml_escape(background_line(runs)) + ".</p>\n<table><tr>";
    for (const auto& h : headers()) out += "<th>" + xml_escape(h) + "</th>";
    out += "</tr>\n";
    for (const auto& a : alert_stats(runs)) {
      out += "<tr>";
      for (const auto& c : cells(a)) out += "<td>" + xml_escape(c) + "</td>";
      out += "</tr>\n";
    }
    out += "</table>\n";
  }
  const Coverage c = coverage(all);
  out += "<p><strong>Coverage: " + xml_escape(coverage_text(c)) + "</strong> of " + xml_escape(coverage_of(c)) + ".</p>\n";
  if (!c.never.empty()) {
    out += "<ul>";
    for (const auto& n : c.never) out += "<li>" + xml_escape(n) + "</li>";
    out += "</ul>\n";
  }
  if (!suite.sweep_paths.empty()) out += "<h3>Trade-off</h3>\n" + tradeoff_svg(suite);
  return out + "</section>\n";
}

std::string tradeoff_markdown(const SuiteReport& suite) {
  if (suite.sweep_paths.empty() || ledger_runs(suite).empty()) return "";
  std::string out = "\n## Trade-off: detection against false pages\n\n| scenario | policy |";
  std::string rule = "|---|---|";
  for (const auto& p : suite.sweep_paths) {
    out += " " + p + " |";
    rule += "---|";
  }
  out += " outages caught | detection p95 [95 % CI] | false pages per week [95 % CI] |\n" + rule + "---|---|---|\n";
  for (const auto& s : suite.scenarios) {
    if (ledger_runs(s).empty()) continue;
    const AlertStats a = any_rule_stats(s);
    out += "| " + s.name + " | " + s.policy + (s.variant_name.empty() ? "" : " · " + s.variant_name) + " |";
    for (const auto& p : suite.sweep_paths) {
      std::string v;
      for (const auto& [path, value] : s.sweep_point) {
        if (path == p) v = value;
      }
      out += " " + v + " |";
    }
    out += " " + std::to_string(a.caught) + "/" + std::to_string(a.outages) + " | " +
           with_interval(a.detection_p95, a.detection_p95_ci) + " | " + per_week(a) + " |\n";
  }
  return out + "\nAny rule on any route: an outage's first page of any rule; every false page of every rule.\n";
}

std::string tradeoff_svg(const SuiteReport& suite) {
  if (suite.sweep_paths.empty() || ledger_runs(suite).empty()) return "";
  using svg::num;
  struct Point {
    std::string label;
    AlertStats a;
  };
  std::vector<std::pair<std::string, std::vector<Point>>> series;  // (scenario / policy) -> points in sweep order
  for (const auto& s : suite.scenarios) {
    if (ledger_runs(s).empty()) continue;
    const std::string name = s.name + " / " + s.policy + (s.variant_name.empty() ? "" : " · " + s.variant_name);
    auto it = std::find_if(series.begin(), series.end(), [&](const auto& x) { return x.first == name; });
    if (it == series.end()) {
      series.push_back({name, {}});
      it = series.end() - 1;
    }
    std::string label;
    for (const auto& [path, value] : s.sweep_point) label += (label.empty() ? "" : ", ") + value;
    it->second.push_back({label, any_rule_stats(s)});
  }
  double max_x = 0.5, max_y = 60;
  for (const auto& [name, points] : series) {
    for (const auto& p : points) {
      max_x = std::max(max_x, p.a.false_pages_per_week_ci.high);
      if (p.a.detection_p95_ci) max_y = std::max(max_y, p.a.detection_p95_ci->high);
    }
  }
  const double ystep = svg::duration_step(max_y, 5);
  max_y = ystep * std::ceil(max_y / ystep);
  const double width = 640, height = 374 + 18 * static_cast<double>(series.size());
  const double left = 70, right = width - 20, top = 30, bottom = 320;
  auto px = [&](double v) { return left + (right - left) * v / max_x; };
  auto py = [&](double v) { return bottom - (bottom - top) * v / max_y; };
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"tradeoff\" viewBox=\"0 0 " + num(width) + " " +
                    num(height) + "\" width=\"" + num(width) + "\" role=\"img\" aria-label=\"detection p95 against false pages per week, sweep of " +
                    xml_escape(suite.sweep_paths.front()) + "\" font-family=\"system-ui,sans-serif\">\n";
  out += "<text x=\"" + num(left) + "\" y=\"18\" font-size=\"13\" font-weight=\"600\">detection p95 (y) against false pages per week (x), sweep of " +
         xml_escape(suite.sweep_paths.front()) + "</text>\n";
  for (double v = 0; v <= max_y + 1e-9; v += ystep) {
    out += "<line x1=\"" + num(left) + "\" x2=\"" + num(right) + "\" y1=\"" + num(py(v)) + "\" y2=\"" + num(py(v)) +
           "\" stroke=\"#e3e3e3\"/><text x=\"" + num(left - 5) + "\" y=\"" + num(py(v) + 4) +
           "\" font-size=\"10\" text-anchor=\"end\" fill=\"#444\">" + svg::duration_tick(v) + "</text>\n";
  }
  for (int i = 0; i <= 4; ++i) {
    const double v = max_x * i / 4;
    out += "<text x=\"" + num(px(v)) + "\" y=\"" + num(bottom + 15) + "\" font-size=\"10\" text-anchor=\"middle\" fill=\"#444\">" +
           rate_text(v) + "</text>\n";
  }
  out += "<text x=\"" + num((left + right) / 2) + "\" y=\"" + num(bottom + 30) +
         "\" font-size=\"11\" text-anchor=\"middle\" fill=\"#444\">false pages per week</text>\n";
  for (std::size_t si = 0; si < series.size(); ++si) {
    std::string path;
    std::string never;  // sweep points that caught no outage: no detection to plot
    for (const auto& p : series[si].second) {
      if (!p.a.detection_p95) {
        never += (never.empty() ? "" : ", ") + p.label;
        continue;
      }
      const double x = px(p.a.false_pages_per_week), y = py(*p.a.detection_p95);
      path += (path.empty() ? "M" : " L") + num(x) + "," + num(y);
      out += "<line x1=\"" + num(px(p.a.false_pages_per_week_ci.low)) + "\" x2=\"" + num(px(p.a.false_pages_per_week_ci.high)) +
             "\" y1=\"" + num(y) + "\" y2=\"" + num(y) + "\" stroke=\"" + svg::colour(si) + "\"/>\n";
      if (p.a.detection_p95_ci) {
        out += "<line x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"" + num(py(p.a.detection_p95_ci->low)) + "\" y2=\"" +
               num(py(p.a.detection_p95_ci->high)) + "\" stroke=\"" + svg::colour(si) + "\"/>\n";
      }
      out += "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"3.5\" fill=\"" + svg::colour(si) + "\"/><text x=\"" +
             num(x + 6) + "\" y=\"" + num(y - 6) + "\" font-size=\"10\">" + xml_escape(p.label) + "</text>\n";
    }
    out += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + svg::colour(si) + "\" stroke-width=\"1.5\"" + svg::dash(si) + "/>\n";
    const double ly = bottom + 50 + 18 * static_cast<double>(si);
    out += "<line x1=\"" + num(left) + "\" x2=\"" + num(left + 24) + "\" y1=\"" + num(ly - 4) + "\" y2=\"" + num(ly - 4) +
           "\" stroke=\"" + svg::colour(si) + "\" stroke-width=\"2.5\"" + svg::dash(si) + "/><text x=\"" + num(left + 30) +
           "\" y=\"" + num(ly) + "\" font-size=\"11\">" + xml_escape(series[si].first + (never.empty() ? "" : " (caught no outage: " + never + ")")) +
           "</text>\n";
  }
  return out + "</svg>\n";
}

}  // namespace failsim::reports
