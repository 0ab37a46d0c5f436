#include <algorithm>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "reports/escape.h"
#include "reports/report.h"

namespace failsim::reports {
namespace {

std::string esc(const std::string& s) { return xml_escape(s); }

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

std::string clock(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  return buf;
}

constexpr double kWidth = 960;
constexpr double kLeft = 130;
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
  std::string svg = "<svg class=\"timeline\" width=\"" + num(kWidth) + "\" height=\"" +
                    num(height) + "\" role=\"img\" aria-label=\"timeline of seed " + std::to_string(run.seed) + "\">\n";
  auto lane_y = [&](const std::string& lane) { return 30 + kLane * lane_of[lane]; };
  for (const auto& lane : lanes) {
    svg += "<text x=\"4\" y=\"" + num(lane_y(lane) + 16) + "\" class=\"lane\">" + lane + "</text>";
    svg += "<line x1=\"" + num(kLeft) + "\" x2=\"" + num(kWidth - 10) + "\" y1=\"" + num(lane_y(lane) + kLane) + "\" y2=\"" +
           num(lane_y(lane) + kLane) + "\" class=\"grid\"/>\n";
  }
  // Minute ticks.
  const std::int64_t step = span > 3.6e9 ? 600'000'000 : (span > 1.2e9 ? 300'000'000 : 60'000'000);
  for (std::int64_t t = origin; t <= t1; t += step) {
    svg += "<text x=\"" + num(x(t)) + "\" y=\"20\" class=\"tick\">" + clock(static_cast<double>(t - origin) / 1e6) + "</text>";
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

// Empirical CDF of one metric over the runs, as a step line.
std::string cdf_svg(const std::vector<RunResult>& runs, std::optional<double> RunResult::*field, const std::string& label) {
  std::vector<double> v;
  for (const auto& r : runs) {
    if (r.*field) v.push_back(*(r.*field));
  }
  const double w = 460;
  const double h = 220;
  std::string svg = "<svg class=\"cdf\" width=\"" + num(w) + "\" height=\"" + num(h) +
                    "\" role=\"img\" aria-label=\"CDF of " + esc(label) + "\">\n";
  svg += "<text x=\"10\" y=\"16\" class=\"title\">" + esc(label) + " (" + std::to_string(v.size()) + " of " +
         std::to_string(runs.size()) + " runs)</text>\n";
  const double l = 50, r = w - 15, t = 30, b = h - 30;
  svg += "<line x1=\"" + num(l) + "\" y1=\"" + num(b) + "\" x2=\"" + num(r) + "\" y2=\"" + num(b) + "\" class=\"axis\"/>";
  svg += "<line x1=\"" + num(l) + "\" y1=\"" + num(t) + "\" x2=\"" + num(l) + "\" y2=\"" + num(b) + "\" class=\"axis\"/>\n";
  svg += "<text x=\"8\" y=\"" + num(t + 4) + "\" class=\"tick\">100%</text><text x=\"20\" y=\"" + num(b) + "\" class=\"tick\">0%</text>\n";
  if (v.empty()) {
    svg += "<text x=\"" + num(l + 20) + "\" y=\"" + num((t + b) / 2) + "\" class=\"none\">never (no run has a value)</text></svg>\n";
    return svg;
  }
  std::sort(v.begin(), v.end());
  const double lo = 0;
  const double hi = std::max(v.back() * 1.05, 1.0);
  auto px = [&](double s) { return l + (r - l) * (s - lo) / (hi - lo); };
  auto py = [&](double f) { return b - (b - t) * f; };
  std::string path = "M" + num(px(0)) + "," + num(py(0));
  const auto n = static_cast<double>(runs.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    path += " L" + num(px(v[i])) + "," + num(py(static_cast<double>(i) / n));
    path += " L" + num(px(v[i])) + "," + num(py(static_cast<double>(i + 1) / n));
  }
  svg += "<path d=\"" + path + "\" class=\"curve\"/>\n";
  for (double f : {0.25, 0.5, 0.75, 1.0}) {
    svg += "<text x=\"" + num(px(hi * f)) + "\" y=\"" + num(b + 16) + "\" class=\"tick\">" + clock(hi * f) + "</text>";
  }
  svg += "</svg>\n";
  return svg;
}

}  // namespace

std::string html_report(const SuiteReport& suite) {
  std::string out =
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>failsim report</title>\n<style>\n"
      "body{font-family:system-ui,sans-serif;margin:24px;color:#222}h2{margin-top:36px}"
      ".pass{color:#186a3b}.fail{color:#b03a2e}.lane,.tick,.title{font-size:11px;fill:#444}.grid{stroke:#ddd}"
      ".fault{fill:#bbb;opacity:.6}.pending{fill:#f5b041}.firing{fill:#e74c3c}.job{fill:#5dade2}.job.ok{fill:#52be80}"
      ".job.bad{fill:#ec7063}.mark{fill:#555}.mark.ok{fill:#27ae60}.mark.bad{fill:#c0392b}.axis{stroke:#888}"
      ".curve{fill:none;stroke:#2e86c1;stroke-width:2}.none{font-size:13px;fill:#999}table{border-collapse:collapse}"
      "td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}\n</style></head>\n<body>\n"
      "<h1>failsim report</h1>\n<p>failsim " + esc(suite.failsim_version) +
      ". Each section: one scenario under one policy; the timeline shows the first seed (hover for details); "
      "the curves are the cumulative distributions of detection and deploy times over all seeds.</p>\n"
      "<table><tr><th>scenario</th><th>policy</th><th>seeds</th><th>expectations</th><th>deployed</th></tr>\n";
  for (const auto& s : suite.scenarios) {
    char rate[16];
    std::snprintf(rate, sizeof rate, "%.1f %%", 100.0 * s.aggregate.success_rate);
    out += "<tr><td>" + esc(s.name) + "</td><td>" + esc(s.policy) + "</td><td>" + std::to_string(s.runs.size()) + "</td><td class=\"" +
           (s.passed ? "pass\">pass" : "fail\">FAIL") + "</td><td>" + rate + "</td></tr>\n";
  }
  out += "</table>\n";
  for (const auto& s : suite.scenarios) {
    out += "<section class=\"scenario\"><h2>" + esc(s.name) + " <small>/ " + esc(s.policy) + "</small> <span class=\"" +
           (s.passed ? "pass\">pass" : "fail\">FAIL") + "</span></h2>\n";
    if (!s.runs.empty()) {
      const RunResult& first = s.runs.front();
      out += "<p>Seed " + std::to_string(first.seed) + ": " + esc(first.outcome) +
             (first.deploys.empty() ? std::string() : " — " + esc(first.deploys.back().diagnosis)) + "</p>\n";
      out += timeline_svg(first);
    }
    out += "<div>" + cdf_svg(s.runs, &RunResult::detection_seconds, "detection time (fault → alert firing)") +
           cdf_svg(s.runs, &RunResult::deploy_seconds, "deploy time (trigger → production healthy)") + "</div></section>\n";
  }
  // A self-check a headless browser can read back: counts SVGs and script errors.
  out += "<script>\n(function(){var errors=0;window.addEventListener('error',function(){errors++;});"
         "var n=document.querySelectorAll('svg').length;var t=document.querySelectorAll('svg.timeline').length;"
         "var c=document.querySelectorAll('svg.cdf').length;"
         "document.body.setAttribute('data-svg-count',n);document.body.setAttribute('data-timelines',t);"
         "document.body.setAttribute('data-cdfs',c);document.body.setAttribute('data-errors',errors);})();\n</script>\n"
         "</body></html>\n";
  return out;
}

}  // namespace failsim::reports
