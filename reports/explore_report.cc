#include "reports/explore_report.h"

#include <sstream>

#include "reports/escape.h"

namespace failsim::reports {

namespace {

std::string h(const std::string& s) { return xml_escape(s); }
std::string as_is(const std::string& s) { return s; }

// The first line of the report; `input` is the input file, already formatted as code
// (Markdown backticks, or an HTML <code> element around the escaped name); `esc`
// escapes the other text for the format.
std::string header(const ExploreReport& r, const std::string& input, std::string (*esc)(const std::string&)) {
  return "Input " + input + ", seed " + std::to_string(r.seed) + ", budget " + esc(r.budget) + ": " +
         std::to_string(r.schedules) + " fault schedules, " + std::to_string(r.runs) + " runs under " +
         std::to_string(r.policies) + " polic" + (r.policies == 1 ? "y" : "ies") + ".";
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out;
}

}  // namespace

std::string explore_markdown(const ExploreReport& r) {
  std::ostringstream md;
  md << "# failsim explore\n\n" << header(r, "`" + r.input + "`", as_is) << "\n\n## Oracles\n\n";
  for (const auto& [name, statement] : r.oracles) md << "- `" << name << "`" << (statement.empty() ? "" : ": " + statement) << "\n";
  if (!r.excluded.empty()) {
    md << "\n## Left out\n\n";
    for (const auto& e : r.excluded) md << "- " << e << "\n";
  }
  md << "\n## Findings\n\n";
  if (r.findings.empty()) md << "None: every run satisfied every oracle.\n";
  if (!r.findings.empty()) {
    md << "| policy | oracle | minimal schedule | failing runs | fails on seeds 1-10 | scenario |\n|---|---|---|---|---|---|\n";
    for (const auto& f : r.findings) {
      md << "| " << f.policy << " | `" << f.oracle << "` | " << f.shape << " | " << f.failing_runs << " | " << f.fails_of_ten
         << "/10 | `" << f.scenario_file << "` |\n";
    }
  }
  for (const auto& f : r.findings) {
    md << "\n### " << f.policy << ": `" << f.oracle << "` — " << f.shape << "\n\n";
    if (!f.detail.empty()) md << f.detail << "\n\n";
    md << "Minimal schedule (shrunk in " << f.shrink_runs << " runs from seed " << f.seed << "; drawn as "
       << joined(f.drawn_shapes) << "):\n\n";
    for (const auto& line : f.minimal) md << "- " << line << "\n";
    md << "\nReplay: `" << f.replay << "`" << (f.verified ? "" : " (NOT reproduced by the written scenario)") << "\n\n```\n";
    for (const auto& line : f.timeline) md << line << "\n";
    md << "```\n";
  }
  md << "\n## Coverage\n\nFault kinds × targets (runs that drew them), per policy:\n\n| policy | kind | target | runs |\n|---|---|---|---|\n";
  for (const auto& c : r.fault_coverage) md << "| " << c.policy << " | " << c.what << " | " << c.target << " | " << c.runs << " |\n";
  md << "\nModel states reached (runs):\n\n| policy | state | runs |\n|---|---|---|\n";
  for (const auto& c : r.state_coverage) md << "| " << c.policy << " | " << c.what << " | " << c.runs << " |\n";
  return md.str();
}

std::string explore_html(const ExploreReport& r) {
  std::ostringstream o;
  o << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>failsim explore</title>\n"
       "<style>body{font:14px system-ui,sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse;margin:1em 0}"
       "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#f2f2f2}pre{background:#f7f7f7;"
       "padding:8px;overflow-x:auto}code{background:#f2f2f2}.bad{color:#b00020}.ok{color:#1b5e20}</style></head><body>\n"
    << "<h1>failsim explore</h1>\n<p>" << header(r, "<code>" + h(r.input) + "</code>", h) << "</p>\n<h2>Oracles</h2>\n<ul>\n";
  for (const auto& [name, statement] : r.oracles) {
    o << "<li><code>" << h(name) << "</code>" << (statement.empty() ? "" : ": " + h(statement)) << "</li>\n";
  }
  o << "</ul>\n";
  if (!r.excluded.empty()) {
    o << "<h2>Left out</h2>\n<ul>\n";
    for (const auto& e : r.excluded) o << "<li>" << h(e) << "</li>\n";
    o << "</ul>\n";
  }
  o << "<h2>Findings</h2>\n";
  if (r.findings.empty()) o << "<p class=\"ok\">None: every run satisfied every oracle.</p>\n";
  if (!r.findings.empty()) {
    o << "<table><tr><th>policy</th><th>oracle</th><th>minimal schedule</th><th>failing runs</th><th>fails on seeds 1-10</th>"
         "<th>scenario</th></tr>\n";
    for (std::size_t i = 0; i < r.findings.size(); ++i) {
      const auto& f = r.findings[i];
      o << "<tr><td>" << h(f.policy) << "</td><td><a href=\"#finding-" << i << "\"><code>" << h(f.oracle) << "</code></a></td><td>"
        << h(f.shape) << "</td><td>" << f.failing_runs << "</td><td>" << f.fails_of_ten << "/10</td><td><a href=\""
        << h(f.scenario_file) << "\">" << h(f.scenario_file) << "</a></td></tr>\n";
    }
    o << "</table>\n";
  }
  for (std::size_t i = 0; i < r.findings.size(); ++i) {
    const auto& f = r.findings[i];
    o << "<h3 id=\"finding-" << i << "\">" << h(f.policy) << ": <code>" << h(f.oracle) << "</code> — " << h(f.shape) << "</h3>\n";
    if (!f.detail.empty()) o << "<p class=\"bad\">" << h(f.detail) << "</p>\n";
    o << "<p>Minimal schedule (shrunk in " << f.shrink_runs << " runs from seed " << f.seed << "; drawn as "
      << h(joined(f.drawn_shapes)) << "):</p>\n<ul>\n";
    for (const auto& line : f.minimal) o << "<li>" << h(line) << "</li>\n";
    o << "</ul>\n<p>Replay: <code>" << h(f.replay) << "</code>"
      << (f.verified ? "" : " <span class=\"bad\">(NOT reproduced by the written scenario)</span>") << "</p>\n<pre>";
    for (const auto& line : f.timeline) o << h(line) << "\n";
    o << "</pre>\n";
  }
  o << "<h2>Coverage</h2>\n<p>Fault kinds × targets (runs that drew them), per policy:</p>\n"
       "<table><tr><th>policy</th><th>kind</th><th>target</th><th>runs</th></tr>\n";
  for (const auto& c : r.fault_coverage) {
    o << "<tr><td>" << h(c.policy) << "</td><td>" << h(c.what) << "</td><td>" << h(c.target) << "</td><td>" << c.runs << "</td></tr>\n";
  }
  o << "</table>\n<p>Model states reached (runs):</p>\n<table><tr><th>policy</th><th>state</th><th>runs</th></tr>\n";
  for (const auto& c : r.state_coverage) {
    o << "<tr><td>" << h(c.policy) << "</td><td>" << h(c.what) << "</td><td>" << c.runs << "</td></tr>\n";
  }
  o << "</table>\n</body></html>\n";
  return o.str();
}

}  // namespace failsim::reports
