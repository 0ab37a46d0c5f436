#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "reports/escape.h"
#include "reports/format.h"
#include "reports/report.h"
#include "reports/svg.h"

namespace failsim::reports {
namespace {

using svg::num;

// Rows of one (scenario, policy), and where each sits: x = index of its first swept
// value, series = its variant name and other swept values.
struct Group {
  std::string scenario, policy;
  std::vector<std::string> xs;      // the first path's values, in --sweep order
  std::vector<std::string> series;  // series labels, first-seen order
  std::vector<const ScenarioReport*> rows;
};

std::string value_of(const ScenarioReport& s, const std::string& path) {
  for (const auto& [p, v] : s.sweep_point) {
    if (p == path) return v;
  }
  return "";
}

std::string series_of(const ScenarioReport& s) {
  std::string out = s.variant_name;
  for (std::size_t i = 1; i < s.sweep_point.size(); ++i) {
    out += (out.empty() ? "" : ", ") + s.sweep_point[i].first + "=" + s.sweep_point[i].second;
  }
  return out.empty() ? s.policy : out;
}

std::vector<Group> groups_of(const SuiteReport& suite) {
  std::vector<Group> groups;
  for (const auto& s : suite.scenarios) {
    auto it = std::find_if(groups.begin(), groups.end(), [&](const Group& g) { return g.scenario == s.name && g.policy == s.policy; });
    if (it == groups.end()) {
      groups.push_back(Group{s.name, s.policy, {}, {}, {}});
      it = groups.end() - 1;
    }
    const std::string x = value_of(s, suite.sweep_paths.front());
    if (std::find(it->xs.begin(), it->xs.end(), x) == it->xs.end()) it->xs.push_back(x);
    const std::string series = series_of(s);
    if (std::find(it->series.begin(), it->series.end(), series) == it->series.end()) it->series.push_back(series);
    it->rows.push_back(&s);
  }
  return groups;
}

struct Panel {
  const char* title;
  bool rate;
  std::optional<double> RowNumbers::*value;
  std::optional<Interval> RowNumbers::*ci;
};

}  // namespace

std::string sweep_markdown(const SuiteReport& suite) {
  if (suite.sweep_paths.empty()) return "";
  std::string out = "# failsim: sweep\n\n| scenario | policy |";
  std::string rule = "|---|---|";
  for (const auto& p : suite.sweep_paths) {
    out += " " + p + " |";
    rule += "---|";
  }
  out += " deployed [95 % CI] | alert fired | detection p50 | detection p95 | deploy p50 | deploy p95 |\n" + rule +
         "---|---|---|---|---|---|\n";
  for (const auto& s : suite.scenarios) {
    const RowNumbers n = row_numbers(s);
    out += "| " + s.name + " | " + s.policy + (s.variant_name.empty() ? "" : " · " + s.variant_name) + " |";
    for (const auto& p : suite.sweep_paths) out += " " + value_of(s, p) + " |";
    out += " " + format_percent(s.aggregate.success_rate) + " [" + format_percent(n.deployed_ci.low) + "–" +
           format_percent(n.deployed_ci.high) + "] | " + std::to_string(n.fired) + "/" + std::to_string(n.n) + " | " +
           with_interval(n.detection_p50, n.detection_p50_ci) + " | " + with_interval(n.detection_p95, n.detection_p95_ci) +
           " | " + with_interval(n.deploy_p50, n.deploy_p50_ci) + " | " + with_interval(n.deploy_p95, n.deploy_p95_ci) + " |\n";
  }
  out += "\nIntervals: Wilson 95 % for the rate, seeded percentile bootstrap (1000 resamples) for the percentiles; "
         "detection (fault → Alertmanager notification where the world has one, else → firing) over the runs detected, deploy over the runs that landed.\n";
  return out;
}

std::string sweep_svg(const SuiteReport& suite) {
  if (suite.sweep_paths.empty()) return "";
  const std::vector<Panel> panels = {
      {"detection p50", false, &RowNumbers::detection_p50, &RowNumbers::detection_p50_ci},
      {"detection p95", false, &RowNumbers::detection_p95, &RowNumbers::detection_p95_ci},
      {"deploy p50", false, &RowNumbers::deploy_p50, &RowNumbers::deploy_p50_ci},
      {"deployed", true, nullptr, nullptr},
  };
  const auto groups = groups_of(suite);
  const double pw = 320, ph = 230, legend_h = 18;
  double max_series = 1;
  for (const auto& g : groups) max_series = std::max(max_series, static_cast<double>(g.series.size()));
  const double gh = 30 + ph + legend_h * max_series + 10;
  const double width = pw * static_cast<double>(panels.size());
  const double height = gh * static_cast<double>(groups.size());
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sweep\" viewBox=\"0 0 " + num(width) + " " + num(height) +
                    "\" width=\"" + num(width) + "\" role=\"img\" aria-label=\"sweep of " + xml_escape(suite.sweep_paths.front()) +
                    "\" font-family=\"system-ui,sans-serif\">\n";
  for (std::size_t gi = 0; gi < groups.size(); ++gi) {
    const Group& g = groups[gi];
    const double top = gh * static_cast<double>(gi);
    std::vector<RowNumbers> numbers;
    for (const auto* r : g.rows) numbers.push_back(row_numbers(*r));
    out += "<text x=\"8\" y=\"" + num(top + 18) + "\" font-size=\"14\" font-weight=\"600\">" + xml_escape(g.scenario + " / " + g.policy) +
           " — x: " + xml_escape(suite.sweep_paths.front()) + "</text>\n";
    for (std::size_t pi = 0; pi < panels.size(); ++pi) {
      const Panel& p = panels[pi];
      const double left = pw * static_cast<double>(pi) + 52, right = pw * static_cast<double>(pi + 1) - 14;
      const double t = top + 56, b = top + 30 + ph - 30;
      // y range
      double hi = p.rate ? 1.0 : 1.0;
      if (!p.rate) {
        for (const auto& n : numbers) {
          if (n.*p.value) hi = std::max(hi, (n.*p.ci) ? (n.*p.ci)->high : *(n.*p.value));
        }
      }
      const double step = p.rate ? 0.25 : svg::duration_step(hi, 5);
      if (!p.rate) hi = step * std::ceil(hi / step);
      auto py = [&](double v) { return b - (b - t) * v / hi; };
      auto px = [&](std::size_t xi) {
        return g.xs.size() == 1 ? (left + right) / 2
                                : left + 14 + (right - left - 28) * static_cast<double>(xi) / static_cast<double>(g.xs.size() - 1);
      };
      out += "<text x=\"" + num(left) + "\" y=\"" + num(t - 10) + "\" font-size=\"12\" font-weight=\"600\">" + p.title + "</text>\n";
      for (double v = 0; v <= hi + 1e-9; v += step) {
        out += "<line x1=\"" + num(left) + "\" x2=\"" + num(right) + "\" y1=\"" + num(py(v)) + "\" y2=\"" + num(py(v)) +
               "\" stroke=\"#e3e3e3\"/><text x=\"" + num(left - 5) + "\" y=\"" + num(py(v) + 4) +
               "\" font-size=\"10\" text-anchor=\"end\" fill=\"#444\">" +
               (p.rate ? std::to_string(static_cast<int>(v * 100 + 0.5)) + "%" : svg::duration_tick(v)) + "</text>\n";
      }
      for (std::size_t xi = 0; xi < g.xs.size(); ++xi) {
        out += "<text x=\"" + num(px(xi)) + "\" y=\"" + num(b + 15) + "\" font-size=\"10\" text-anchor=\"middle\" fill=\"#444\">" +
               xml_escape(g.xs[xi]) + "</text>\n";
      }
      for (std::size_t si = 0; si < g.series.size(); ++si) {
        std::string path;
        for (std::size_t xi = 0; xi < g.xs.size(); ++xi) {
          for (std::size_t k = 0; k < g.rows.size(); ++k) {
            const ScenarioReport& r = *g.rows[k];
            if (series_of(r) != g.series[si] || value_of(r, suite.sweep_paths.front()) != g.xs[xi]) continue;
            const RowNumbers& n = numbers[k];
            std::optional<double> v;
            std::optional<Interval> ci;
            if (p.rate) {
              v = r.aggregate.success_rate;
              ci = n.deployed_ci;
            } else {
              v = n.*p.value;
              ci = n.*p.ci;
            }
            const double x = px(xi) + 4.0 * (static_cast<double>(si) - (static_cast<double>(g.series.size()) - 1) / 2);
            if (!v) {
              out += "<text x=\"" + num(x) + "\" y=\"" + num(b - 4) + "\" font-size=\"9\" text-anchor=\"middle\" fill=\"" +
                     svg::colour(si) + "\">never</text>\n";
              path += path.empty() ? "" : " ";  // a gap
              continue;
            }
            path += (path.empty() || path.back() == ' ' ? "M" : " L") + num(x) + "," + num(py(*v));
            if (ci) {
              out += "<line x1=\"" + num(x) + "\" x2=\"" + num(x) + "\" y1=\"" + num(py(ci->low)) + "\" y2=\"" + num(py(ci->high)) +
                     "\" stroke=\"" + svg::colour(si) + "\" stroke-width=\"1.5\"/>\n";
            }
            out += "<circle cx=\"" + num(x) + "\" cy=\"" + num(py(*v)) + "\" r=\"3.5\" fill=\"" + svg::colour(si) + "\"/>\n";
          }
        }
        out += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + svg::colour(si) + "\" stroke-width=\"2\"" + svg::dash(si) + "/>\n";
      }
    }
    for (std::size_t si = 0; si < g.series.size(); ++si) {
      const double ly = top + 30 + ph + legend_h * static_cast<double>(si);
      out += "<line x1=\"52\" x2=\"76\" y1=\"" + num(ly - 4) + "\" y2=\"" + num(ly - 4) + "\" stroke=\"" + svg::colour(si) +
             "\" stroke-width=\"2.5\"" + svg::dash(si) + "/><text x=\"82\" y=\"" + num(ly) + "\" font-size=\"11\">" +
             xml_escape(g.series[si]) + "</text>\n";
    }
  }
  out += "</svg>\n";
  return out;
}

}  // namespace failsim::reports
