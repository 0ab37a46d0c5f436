#include <algorithm>
#include <cctype>
#include <cmath>
#include <tuple>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "reports/escape.h"
#include "reports/report.h"
#include "reports/alert_report.h"
#include "reports/format.h"
#include "reports/svg.h"

namespace failsim::reports {
namespace {

std::string esc(const std::string& s) { return xml_escape(s); }

using svg::num;

std::string clock(double s) { return format_seconds(s); }

constexpr double kWidth = 960;
constexpr double kLeft = 90;
constexpr double kLane = 26;

// One seed's timeline: lanes of intervals and instants, time on the x axis.
std::string timeline_svg(const RunResult& run) {
  if (run.trace.empty()) return "<p>No trace kept for this run.</p>";
  const std::int64_t t0 = run.trace.front().t_us;
  std::int64_t t1 = run.trace.back().t_us;
  // The run starts at the world's start: the earliest event may be later; use the
  // first event's minute as the origin so the axis reads in minutes after it.
  const std::int64_t origin = t0 - t0 % 60'000'000;
  t1 = std::max(t1 + 120'000'000, origin + 600'000'000);
  const double span = static_cast<double>(t1 - origin);
  auto x = [&](std::int64_t t) { return kLeft + (kWidth - kLeft - 10) * static_cast<double>(t - origin) / span; };
  const std::vector<std::string> lanes = {"fault", "scrape", "alert", "job", "deploy", "production", "decision"};
  std::map<std::string, int> lane_of;
  for (std::size_t i = 0; i < lanes.size(); ++i) lane_of[lanes[i]] = static_cast<int>(i);
  const double height = 30 + kLane * static_cast<double>(lanes.size()) + 20;
  std::string svg = "<svg class=\"timeline\" viewBox=\"0 0 " + num(kWidth) + " " + num(height) + "\" width=\"" +
                    num(kWidth) + "\" role=\"img\" aria-label=\"timeline of seed " + std::to_string(run.seed) + "\">\n";
  auto lane_y = [&](const std::string& lane) { return 30 + kLane * lane_of[lane]; };
  for (const auto& lane : lanes) {
    svg += "<text x=\"4\" y=\"" + num(lane_y(lane) + 16) + "\" class=\"lane\">" + lane + "</text>";
    svg += "<line x1=\"" + num(kLeft) + "\" x2=\"" + num(kWidth - 10) + "\" y1=\"" + num(lane_y(lane) + kLane) + "\" y2=\"" +
           num(lane_y(lane) + kLane) + "\" class=\"grid\"/>\n";
  }
  // Round ticks, in time since the first event's minute.
  const auto step = static_cast<std::int64_t>(svg::duration_step(span / 1e6, 10) * 1e6);
  for (std::int64_t t = origin; t <= t1; t += step) {
    svg += "<text x=\"" + num(x(t)) + "\" y=\"20\" class=\"tick\" text-anchor=\"middle\">" +
           svg::duration_tick(static_cast<double>(t - origin) / 1e6) + "</text>";
  }
  // Intervals: faults (start..end or the end), alert states, jobs.
  std::map<std::string, std::int64_t> open_fault;
  std::map<std::string, std::pair<std::int64_t, std::string>> open_alert;  // key -> (since, state)
  std::int64_t job_start = -1;
  std::string job_runner;
  auto rect = [&](const std::string& lane, std::int64_t a, std::int64_t b, const std::string& cls, const std::string& title) {
    const double xa = x(a);
    const double w = std::max(2.0, x(b) - xa);
    svg += "<rect x=\"" + num(xa) + "\" y=\"" + num(lane_y(lane) + 3) + "\" width=\"" + num(w) + "\" height=\"" +
           num(kLane - 6) + "\" class=\"" + cls + "\"><title>" + esc(title) + "</title></rect>\n";
  };
  for (const auto& e : run.trace) {
    if (e.category == "fault" && e.name == "start") open_fault[e.detail] = e.t_us;
    if (e.category == "fault" && e.name == "end" && open_fault.count(e.detail)) {
      rect("fault", open_fault[e.detail], e.t_us, "fault", e.detail);
      open_fault.erase(e.detail);
    }
    if (e.category == "alert") {
      const auto arrow = e.detail.find("->");
      const auto space = e.detail.find(' ', arrow);
      const std::string to = e.detail.substr(arrow + 2, space == std::string::npos ? std::string::npos : space - arrow - 2);
      const std::string key = e.name + (space == std::string::npos ? "" : e.detail.substr(space));
      if (open_alert.count(key)) {
        rect("alert", open_alert[key].first, e.t_us, open_alert[key].second, e.name + " " + open_alert[key].second);
        open_alert.erase(key);
      }
      if (to == "pending" || to == "firing") open_alert[key] = {e.t_us, to};
    }
    if (e.category == "job" && e.name == "started") {
      job_start = e.t_us;
      job_runner = e.detail;
    }
    if (e.category == "job" && e.name == "completed" && job_start >= 0) {
      rect("job", job_start, e.t_us, e.detail.rfind("success", 0) == 0 ? "job ok" : "job bad", job_runner + ": " + e.detail);
      job_start = -1;
    }
  }
  for (const auto& [what, since] : open_fault) rect("fault", since, t1, "fault", what);
  for (const auto& [key, open] : open_alert) rect("alert", open.first, t1, open.second, key + " " + open.second);
  if (job_start >= 0) rect("job", job_start, t1, "job", job_runner + " (still running)");
  // Instants.
  for (const auto& e : run.trace) {
    if (e.category == "fault" || e.category == "alert" || (e.category == "job")) continue;
    std::string cls = "mark";
    if (e.category == "scrape") cls = e.detail.rfind("down", 0) == 0 ? "mark bad" : "mark ok";
    if (e.category == "deploy" && e.name == "outcome") cls = e.detail.rfind("deployed", 0) == 0 ? "mark ok" : "mark bad";
    svg += "<circle cx=\"" + num(x(e.t_us)) + "\" cy=\"" + num(lane_y(e.category) + kLane / 2) + "\" r=\"4\" class=\"" + cls +
           "\"><title>" + esc(clock(static_cast<double>(e.t_us - origin) / 1e6) + " " + e.name + ": " + e.detail) +
           "</title></circle>\n";
  }
  svg += "</svg>\n";
  return svg;
}

std::string anchor(const std::string& name) {
  std::string out = "scenario-";
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
  return out;
}

// Empirical CDFs of one metric, one step line per row, on shared axes, with a legend.
std::string cdf_overlay(const std::vector<const ScenarioReport*>& rows, std::optional<double> RunResult::*field,
                        const std::string& label) {
  const double w = 620, h = 270, l = 48, r = w - 16, t = 28, b = h - 74;
  double hi = 0;
  for (const auto* s : rows) {
    for (const auto& run : s->runs) {
      if (run.*field) hi = std::max(hi, *(run.*field));
    }
  }
  const double step = svg::duration_step(std::max(hi, 1.0), 6);
  hi = step * std::ceil(std::max(hi, 1.0) / step);
  auto px = [&](double sec) { return l + (r - l) * sec / hi; };
  auto py = [&](double f) { return b - (b - t) * f; };
  std::string out = "<svg class=\"cdf\" viewBox=\"0 0 " + num(w) + " " + num(h) + "\" width=\"" + num(w) +
                    "\" role=\"img\" aria-label=\"" + esc(label) + "\">\n<text x=\"" + num(l) + "\" y=\"16\" class=\"title\">" +
                    esc(label) + "</text>\n";
  for (double f : {0.0, 0.25, 0.5, 0.75, 1.0}) {
    out += "<line x1=\"" + num(l) + "\" x2=\"" + num(r) + "\" y1=\"" + num(py(f)) + "\" y2=\"" + num(py(f)) + "\" class=\"grid\"/>";
    out += "<text x=\"" + num(l - 6) + "\" y=\"" + num(py(f) + 4) + "\" class=\"tick\" text-anchor=\"end\">" +
           std::to_string(static_cast<int>(f * 100)) + "%</text>";
  }
  for (double x = 0; x <= hi + 1e-9; x += step) {
    out += "<text x=\"" + num(px(x)) + "\" y=\"" + num(b + 15) + "\" class=\"tick\" text-anchor=\"middle\">" +
           svg::duration_tick(x) + "</text>";
  }
  out += "<line x1=\"" + num(l) + "\" y1=\"" + num(b) + "\" x2=\"" + num(r) + "\" y2=\"" + num(b) + "\" class=\"axis\"/>\n";
  bool any = false;
  for (const auto* s : rows) {
    for (const auto& run : s->runs) any = any || (run.*field).has_value();
  }
  if (!any) {
    out += "<text x=\"" + num((l + r) / 2) + "\" y=\"" + num((t + b) / 2) +
           "\" class=\"title\" text-anchor=\"middle\">no run has a value (never)</text>\n";
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::vector<double> v;
    for (const auto& run : rows[i]->runs) {
      if (run.*field) v.push_back(*(run.*field));
    }
    const double ly = b + 32 + 14 * static_cast<double>(i % 3);
    const double lx = l + 190 * static_cast<double>(i / 3);
    out += "<line x1=\"" + num(lx) + "\" x2=\"" + num(lx + 22) + "\" y1=\"" + num(ly - 4) + "\" y2=\"" + num(ly - 4) +
           "\" stroke=\"" + svg::colour(i) + "\" stroke-width=\"2.5\"" + svg::dash(i) + "/>";
    out += "<text x=\"" + num(lx + 27) + "\" y=\"" + num(ly) + "\" class=\"legend\">" + esc(rows[i]->label()) + " (" +
           std::to_string(v.size()) + "/" + std::to_string(rows[i]->runs.size()) + ")</text>\n";
    if (v.empty()) continue;
    std::sort(v.begin(), v.end());
    const auto n = static_cast<double>(rows[i]->runs.size());
    std::string path = "M" + num(px(0)) + "," + num(py(0));
    for (std::size_t k = 0; k < v.size(); ++k) {
      path += " L" + num(px(v[k])) + "," + num(py(static_cast<double>(k) / n));
      path += " L" + num(px(v[k])) + "," + num(py(static_cast<double>(k + 1) / n));
    }
    path += " L" + num(r) + "," + num(py(static_cast<double>(v.size()) / n));
    out += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + svg::colour(i) + "\" stroke-width=\"2\"" + svg::dash(i) + "/>\n";
  }
  out += "</svg>\n";
  return out;
}

std::string status_cell(const ScenarioReport& s) {
  const auto broken = broken_counts(s);
  if (broken.empty()) return "<td class=\"pass\">pass</td>";
  return "<td class=\"fail\">FAIL (" + std::to_string(broken.size()) + ")</td>";
}

std::string slo_html(const SloVerdict& v) {
  const std::string cls = v.status == "met" ? "pass" : v.status == "missed" ? "fail" : "na";
  const std::string mark = v.status == "met" ? "✓" : v.status == "missed" ? "✗" : "–";
  std::string text = v.status == "met" || v.status == "missed" ? v.figure : v.status == "out_of_scope" ? "out of scope" : v.note;
  if (v.status == "missed") text += " (needs " + v.objective + ")";
  return "<div class=\"" + cls + "\">" + mark + " " + esc(v.id) + " " + esc(text) + "</div>";
}

std::string summary_table(const SuiteReport& suite, const std::vector<RowNumbers>& numbers) {
  std::string out =
      "<table class=\"numbers\" id=\"summary-table\"><thead><tr><th>scenario</th><th>policy · variant</th><th>seeds</th>"
      "<th>expectations</th><th>deployed [95 % CI]</th><th>alert fired</th><th>detection p50 / p95</th>"
      "<th>deploy p50 / p95</th><th>SLOs</th><th>known violations</th></tr></thead><tbody>\n";
  for (std::size_t i = 0; i < suite.scenarios.size(); ++i) {
    const auto& s = suite.scenarios[i];
    const auto& n = numbers[i];
    std::string known;
    for (const auto& [name, k] : known_violation_counts(s)) {
      known += (known.empty() ? "" : "<br>") + esc(name) + " " + std::to_string(k) + "/" + std::to_string(n.n);
    }
    std::string slos;
    for (const auto& v : s.aggregate.slos) slos += slo_html(v);
    out += "<tr><td><a href=\"#" + anchor(s.name) + "\">" + esc(s.name) + "</a></td><td>" + esc(s.label()) + "</td><td>" +
           std::to_string(n.n) + "</td>" + status_cell(s) + "<td class=\"num\">" + format_percent(s.aggregate.success_rate) + " [" +
           format_percent(n.deployed_ci.low) + "–" + format_percent(n.deployed_ci.high) + "]</td><td class=\"num\">" +
           std::to_string(n.fired) + "/" + std::to_string(n.n) + "</td><td class=\"num\">" +
           with_interval(n.detection_p50, n.detection_p50_ci) + "<br>" + with_interval(n.detection_p95, n.detection_p95_ci) +
           "</td><td class=\"num\">" + with_interval(n.deploy_p50, n.deploy_p50_ci) + "<br>" +
           with_interval(n.deploy_p95, n.deploy_p95_ci) + "</td><td class=\"slos\">" + slos + "</td><td>" +
           (known.empty() ? "none" : known) + "</td></tr>\n";
  }
  out += "</tbody></table>\n";
  return out;
}

// Each row of a scenario against its first row: Δ deployed (Newcombe) and Δ of the
// percentiles (seeded bootstrap), as in `failsim compare`.
std::string difference_table(const std::vector<const ScenarioReport*>& rows) {
  if (rows.size() < 2) return "";
  const ScenarioReport& base = *rows.front();
  std::string out = "<table class=\"numbers diff\"><thead><tr><th>vs " + esc(base.label()) +
                    "</th><th>Δ deployed [95 % CI]</th><th>Δ detection p50</th><th>Δ detection p95</th>"
                    "<th>Δ deploy p50</th><th>Δ deploy p95</th></tr></thead><tbody>\n";
  auto values = [](const ScenarioReport& s, std::optional<double> RunResult::*f) {
    std::vector<double> v;
    for (const auto& r : s.runs) {
      if (r.*f) v.push_back(*(r.*f));
    }
    return v;
  };
  auto pp = [](double x) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%+.1f", 100.0 * x);
    return std::string(buf);
  };
  auto signed_s = [](double x) {
    if (std::fabs(x) < 1e-6) return std::string("±0.0s");  // equal medians, float noise aside
    return (x < 0 ? "-" : "+") + format_seconds(std::fabs(x));
  };
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const ScenarioReport& s = *rows[i];
    const auto nb = base.runs.size(), nn = s.runs.size();
    const Interval ci = newcombe(base.aggregate.deployed, nb, s.aggregate.deployed, nn);
    const double d = s.aggregate.success_rate - base.aggregate.success_rate;
    out += "<tr><td>" + esc(s.label()) + "</td><td>" + pp(d) + " pp [" + pp(ci.low) + ", " + pp(ci.high) + "]</td>";
    for (auto [field, q, name] : {std::tuple{&RunResult::detection_seconds, 0.5, "detection_p50"},
                                  std::tuple{&RunResult::detection_seconds, 0.95, "detection_p95"},
                                  std::tuple{&RunResult::deploy_seconds, 0.5, "deploy_p50"},
                                  std::tuple{&RunResult::deploy_seconds, 0.95, "deploy_p95"}}) {
      const auto a = values(base, field), b = values(s, field);
      if (a.empty() || b.empty()) {
        out += "<td>—</td>";
        continue;
      }
      const double diff = *nearest_rank(b, q) - *nearest_rank(a, q);
      const Interval di = bootstrap_difference(a, b, Statistic{q}, 1000, fnv1a64(s.name + "|" + s.label() + "|" + name));
      out += "<td>" + signed_s(diff) + " [" + signed_s(di.low) + ", " + signed_s(di.high) + "]</td>";
    }
    out += "</tr>\n";
  }
  out += "</tbody></table>\n";
  return out;
}

std::string events_table(const RunResult& run) {
  if (run.trace.empty()) return "";
  const std::int64_t origin = run.trace.front().t_us - run.trace.front().t_us % 60'000'000;
  std::string out = "<table class=\"events\"><thead><tr><th>at</th><th>what</th><th>detail</th></tr></thead><tbody>\n";
  for (const auto& e : run.trace) {
    if (e.category == "scrape" && e.detail == "up") continue;  // the healthy scrapes are the background
    out += "<tr><td>" + format_seconds(static_cast<double>(e.t_us - origin) / 1e6) + "</td><td>" + esc(e.category + " " + e.name) +
           "</td><td>" + esc(e.detail) + "</td></tr>\n";
  }
  out += "</tbody></table>\n";
  return out;
}

const char* kStyle =
    "body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;padding:20px 28px;color:#222;max-width:1360px}"
    "h1{margin:0 0 4px}h2{margin-top:32px;border-bottom:1px solid #ddd}nav a{margin-right:12px}"
    "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 7px;font-size:13px;"
    "vertical-align:top;text-align:left}th{background:#f4f4f4}table.numbers{width:100%}"
    ".pass{color:#186a3b}.fail{color:#b03a2e;font-weight:600}.na{color:#777}td.num{white-space:nowrap}td.slos{min-width:260px}"
    "tr.good td{background:#e7f6ea}tr.bad td{background:#fbe7e7}ul.bad{color:#a00}"
    ".lane,.tick,.legend{font-size:11px;fill:#444}.title{font-size:13px;font-weight:600;fill:#222}.grid{stroke:#e3e3e3}"
    ".fault{fill:#bbb;opacity:.6}.pending{fill:#f5b041}.firing{fill:#e74c3c}.job{fill:#5dade2}.job.ok{fill:#52be80}"
    ".job.bad{fill:#ec7063}.mark{fill:#555}.mark.ok{fill:#27ae60}.mark.bad{fill:#c0392b}.axis{stroke:#888}"
    "svg{max-width:100%;height:auto}.charts{display:flex;flex-wrap:wrap;gap:16px}.charts svg{flex:1 1 520px}"
    "table.events td{font-size:12px}dl dt{font-weight:600}dl dd{margin:0 0 8px 16px}"
    "@media print{body{max-width:none;padding:0;font-size:11px}td.num{white-space:normal}td.slos{min-width:200px}nav,script{display:none}"
    "tr,svg,.charts{break-inside:avoid}td,th{font-size:10px;padding:2px 4px}h2{break-after:avoid}"
    ".scenario{break-before:page}}";

}  // namespace

std::string html_report(const SuiteReport& suite) {
  std::vector<RowNumbers> numbers;
  for (const auto& s : suite.scenarios) numbers.push_back(row_numbers(s));
  std::vector<std::string> names;  // scenarios in first-seen order
  for (const auto& s : suite.scenarios) {
    if (std::find(names.begin(), names.end(), s.name) == names.end()) names.push_back(s.name);
  }
  std::size_t failed = 0;
  for (const auto& s : suite.scenarios) failed += s.passed ? 0 : 1;
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" "
                    "content=\"width=device-width\"><title>failsim report</title>\n<style>" +
                    std::string(kStyle) + "</style></head>\n<body>\n<h1>failsim report</h1>\n<p>failsim " +
                    esc(suite.failsim_version) + " · " + std::to_string(suite.scenarios.size()) + " rows · " +
                    (failed == 0 ? "<span class=\"pass\">every expectation holds</span>"
                                 : "<span class=\"fail\">" + std::to_string(failed) + " row(s) broke expectations</span>") +
                    " · SLOs from " + esc(suite.slo_source.empty() ? "built-in" : suite.slo_source) + "</p>\n<nav>" +
                    "<a href=\"#summary\">Summary</a>" + (suite.compare_html ? "<a href=\"#compare\">Compare</a>" : "") +
                    (suite.sweep_paths.empty() ? "" : "<a href=\"#sweep\">Sweep</a>");
  for (const auto& n : names) out += "<a href=\"#" + anchor(n) + "\">" + esc(n) + "</a>";
  out += "<a href=\"#definitions\">Definitions</a></nav>\n";
  out += "<section id=\"summary\"><h2>Summary</h2>\n" + summary_table(suite, numbers);
  bool any_broken = false;
  for (const auto& s : suite.scenarios) {
    const auto broken = broken_counts(s);
    if (broken.empty()) continue;
    if (!any_broken) out += "<h3>Broken expectations</h3><ul class=\"bad\">";
    any_broken = true;
    for (const auto& [what, k] : broken) {
      out += "<li><a href=\"#" + anchor(s.name) + "\">" + esc(s.name) + "</a> / " + esc(s.label()) + ": " + esc(what) + " in " +
             std::to_string(k) + "/" + std::to_string(s.runs.size()) + " seeds</li>";
    }
  }
  if (any_broken) out += "</ul>\n";
  out += "</section>\n";
  if (suite.compare_html) out += *suite.compare_html;
  if (!suite.sweep_paths.empty()) {
    out += "<section id=\"sweep\"><h2>Sweep</h2>\n" + sweep_svg(suite) + "</section>\n";
  }
  out += alerts_html(suite);
  for (const auto& name : names) {
    std::vector<const ScenarioReport*> rows;
    for (const auto& s : suite.scenarios) {
      if (s.name == name) rows.push_back(&s);
    }
    out += "<section class=\"scenario\" id=\"" + anchor(name) + "\"><h2>" + esc(name) + "</h2>\n<p>" +
           esc(rows.front()->file) + "</p>\n<div class=\"charts\">" +
           cdf_overlay(rows, &RunResult::detection_seconds,
                       detection_end(*rows.front()) == "notified" ? "detection time: fault → Alertmanager notification (CDF)"
                                                                  : "detection time: fault → first alert firing (CDF)") +
           cdf_overlay(rows, &RunResult::deploy_seconds, "deploy time: trigger → production on the version (CDF)") +
           "</div>\n" + difference_table(rows);
    for (const auto* s : rows) {
      out += "<h3>" + esc(s->label()) + " <span class=\"" + (s->passed ? "pass\">pass" : "fail\">FAIL") + "</span></h3>\n";
      if (!s->expectations.empty()) {
        out += "<p>Expectations: ";
        for (std::size_t i = 0; i < s->expectations.size(); ++i) out += (i ? "; " : "") + esc(s->expectations[i]);
        out += "</p>\n";
      }
      if (!s->overrides.empty()) {
        out += "<p>Overrides: ";
        for (std::size_t i = 0; i < s->overrides.size(); ++i) out += std::string(i ? ", " : "") + "<code>" + esc(s->overrides[i]) + "</code>";
        out += "</p>\n";
      }
      if (const auto rows = scorecard_rows(*s); !rows.empty()) {
        out += "<table class=\"scorecard\"><caption>Game-day scorecard</caption><tr><th>checkpoint</th><th>held</th>"
               "<th>met (p50, T+)</th><th>seed " + std::to_string(timeline_run(*s)->seed) + "</th></tr>\n";
        for (const auto& row : rows) {
          out += "<tr><td><span class=\"" + std::string(row.passed == row.runs ? "pass\">✔" : "fail\">✘") + "</span> <b>" +
                 esc(row.name) + "</b>: " + esc(row.text) + "</td><td>" + std::to_string(row.passed) + "/" +
                 std::to_string(row.runs) + "</td><td>" + (row.met_p50 ? esc(format_seconds(*row.met_p50)) : "–") + "</td><td>" +
                 esc(row.detail) + "</td></tr>\n";
        }
        out += "</table>\n";
      }
      if (const RunResult* r = timeline_run(*s); r != nullptr) {
        const std::string why = r->passed() ? (s->timeline_seed ? "the seed picked" : "the first seed; every seed passed")
                                            : "the first failing seed: " + first_failure(*s);
        out += "<p>Seed " + std::to_string(r->seed) + " (" + esc(why) + "): " + esc(r->outcome) +
               (r->deploys.empty() ? std::string() : " — " + esc(r->deploys.back().diagnosis)) + "</p>\n" + timeline_svg(*r) +
               events_table(*r);
      }
    }
    out += "</section>\n";
  }
  out += "<section id=\"definitions\"><h2>Definitions</h2><dl>"
         "<dt>deployed</dt><dd>Runs whose newest deploy request landed (outcome deployed), with a Wilson score 95 % interval.</dd>"
         "<dt>alert fired</dt><dd>Runs in which an alert of the run's rules fired after the first fault that starts the detection clock.</dd>"
         "<dt>detection time</dt><dd>From the fault the first alert is about to Alertmanager's first notification of it where the world has an Alertmanager, else to the alert firing; p50/p95 are nearest-rank percentiles over the runs detected, with seeded percentile-bootstrap 95 % intervals (1000 resamples).</dd>"
         "<dt>deploy time</dt><dd>From the trigger of the run's newest deploy request to production running its version, over the runs where it landed (same percentiles and intervals).</dd>"
         "<dt>Δ</dt><dd>A row minus the scenario's first row: Newcombe's hybrid score interval for rates (pp = percentage points), a seeded bootstrap of the difference for percentiles.</dd>"
         "<dt>expectations</dt><dd>Per seed (deterministic facts: outcome, runner, version) or over all seeds (distributions: p50/p95 within, success at least); FAIL (n) counts the broken ones.</dd>"
         "<dt>known violations</dt><dd>Invariants a policy is known to break in a scenario (a finding): reported, not failed.</dd>"
         "<dt>timeline</dt><dd>The seed picked with --timeline-seed, else the first failing seed, else the first; every event is listed below it (healthy scrapes omitted).</dd>";
  for (const auto& slo : suite.slo_definitions) {
    out += "<dt>" + esc(slo.id + " " + slo.name) + "</dt><dd>" + esc(slo.definition) + "</dd>";
  }
  out += "</dl></section>\n";
  // A self-check a headless browser can read back: script errors, SVG counts and any
  // element wider than the page.
  out += "<script>\n(function(){var errors=0;window.addEventListener('error',function(){errors++;});"
         "function check(){var w=document.documentElement.clientWidth,over=[];"
         "document.querySelectorAll('body *').forEach(function(e){var r=e.getBoundingClientRect();"
         "if(r.width>0&&r.right>w+1)over.push(e.tagName+(e.id?'#'+e.id:''));});"
         "var b=document.body;b.setAttribute('data-svg-count',document.querySelectorAll('svg').length);"
         "b.setAttribute('data-timelines',document.querySelectorAll('svg.timeline').length);"
         "b.setAttribute('data-cdfs',document.querySelectorAll('svg.cdf').length);"
         "b.setAttribute('data-overflow',over.length);b.setAttribute('data-overflow-first',over.slice(0,3).join(' '));"
         "function bottom(q){var e=document.querySelector(q);return e?Math.round(e.getBoundingClientRect().bottom+window.scrollY):-1;}"
         "b.setAttribute('data-summary-bottom',bottom('#summary-table'));b.setAttribute('data-first-cdf-bottom',bottom('svg.cdf'));"
         "b.setAttribute('data-errors',errors);}"
         "if(document.readyState==='complete'){check();}else{window.addEventListener('load',check);}check();})();\n"
         "</script>\n</body></html>\n";
  return out;
}

}  // namespace failsim::reports
