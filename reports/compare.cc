#include "reports/compare.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <numeric>

#include "failover/json_fields.h"
#include "reports/escape.h"
#include "reports/format.h"
#include "reports/report.h"

namespace failsim::reports {
namespace {

using nlohmann::json;

// One results.json row as compare needs it.
struct Sample {
  std::string scenario, policy, variant;
  std::size_t n = 0;
  std::size_t deployed = 0, fired = 0, violated = 0;
  std::vector<double> detection, deploy, attempts;
  std::vector<double> false_pages_per_week;  // per run that kept an alert ledger
};

// A run's false pages (every rule, every route) per simulated week, from its alert
// ledger; none without one.
std::optional<double> false_pages_per_week_of(const json& r) {
  if (!r.contains("alert_ledger") || !r["alert_ledger"].is_object()) return std::nullopt;
  const json& l = r["alert_ledger"];
  if (!l.contains("run_seconds") || !l["run_seconds"].is_number() || !(l["run_seconds"].get<double>() > 0)) return std::nullopt;
  std::size_t false_pages = 0;
  for (const auto& p : l.value("pages", json::array())) {
    if (p.is_object() && p.value("true_page", true) == false) ++false_pages;
  }
  return static_cast<double>(false_pages) / (l["run_seconds"].get<double>() / (7 * 24 * 3600.0));
}

std::string key_of(const Sample& s) { return s.scenario + " / " + s.policy + (s.variant.empty() ? "" : " · " + s.variant); }

Result<std::vector<Sample>> read_samples(const std::string& text, const std::string& source) {
  using R = Result<std::vector<Sample>>;
  const json root = json::parse(text, nullptr, false);
  if (root.is_discarded()) return R::error(source + ": not JSON (expected a failsim results.json)");
  if (!root.is_object() || !root.contains("schema_version") || !root.contains("scenarios") || !root["scenarios"].is_array()) {
    return R::error(source + ": not a failsim results.json (no schema_version / scenarios)");
  }
  const int version = json_fields::whole<int>(root["schema_version"]).value_or(0);
  if (version != 1 && version != 2) {
    return R::error(source + ": /schema_version: expected 1 or 2, got " + root["schema_version"].dump());
  }
  std::vector<Sample> out;
  std::set<std::string> rows;
  for (std::size_t i = 0; i < root["scenarios"].size(); ++i) {
    const json& s = root["scenarios"][i];
    const std::string at = source + ": /scenarios/" + std::to_string(i);
    if (!s.is_object() || !s.contains("name") || !s.contains("policy") || !s.contains("runs") || !s["runs"].is_array()) {
      return R::error(at + ": expected name, policy and runs");
    }
    if (!s["name"].is_string() || !s["policy"].is_string() || (s.contains("variant") && !s["variant"].is_string())) {
      return R::error(at + ": name, policy and variant are strings");
    }
    Sample x;
    x.scenario = s["name"].get<std::string>();
    x.policy = s["policy"].get<std::string>();
    x.variant = s.value("variant", std::string());
    if (!rows.insert(key_of(x)).second) return R::error(at + ": a second row for " + key_of(x) + " (a forged or merged-twice file?)");
    std::set<std::uint64_t> seeds;
    for (std::size_t k = 0; k < s["runs"].size(); ++k) {
      const json& r = s["runs"][k];
      if (const auto why = implausible_run(r)) return R::error(at + "/runs/" + std::to_string(k) + ": " + *why);
      if (r.contains("seed") && !seeds.insert(r["seed"].get<std::uint64_t>()).second) {
        return R::error(at + "/runs/" + std::to_string(k) + ": seed " + r["seed"].dump() + " appears twice in this row");
      }
      ++x.n;
      if (r["outcome"] == "deployed") ++x.deployed;
      // Older files have no firing_seconds: their detection ended at firing.
      const char* fired_key = r.contains("firing_seconds") ? "firing_seconds" : "detection_seconds";
      if (r.contains(fired_key) && r[fired_key].is_number()) ++x.fired;
      if (r.contains("detection_seconds") && r["detection_seconds"].is_number()) {
        x.detection.push_back(r["detection_seconds"].get<double>());
      }
      if (r.contains("deploy_seconds") && r["deploy_seconds"].is_number()) x.deploy.push_back(r["deploy_seconds"].get<double>());
      x.attempts.push_back(r.value("attempts", 0));
      if (const auto per_week = false_pages_per_week_of(r)) x.false_pages_per_week.push_back(*per_week);
      bool violated = false;
      const json known = r.value("known_violations", json::array());
      if (r.contains("invariants") && r["invariants"].is_object()) {
        for (const auto& [name, ok] : r["invariants"].items()) {
          const bool is_known = std::find(known.begin(), known.end(), name) != known.end();
          if (ok == false && !is_known) violated = true;
        }
      }
      x.violated += violated ? 1 : 0;
    }
    out.push_back(std::move(x));
  }
  return R::ok(std::move(out));
}

std::string verdict_of(const Interval& ci, bool higher_is_better, std::size_t seeds) {
  if (ci.low > 0) return higher_is_better ? "better" : "worse";
  if (ci.high < 0) return higher_is_better ? "worse" : "better";
  return "no detectable change at " + std::to_string(seeds) + " seeds";
}

MetricDiff rate(const std::string& metric, std::size_t kb, std::size_t nb, std::size_t kn, std::size_t nn, bool higher) {
  MetricDiff m;
  m.metric = metric;
  m.unit = "rate";
  m.method = "Newcombe";
  if (nb == 0 || nn == 0) {
    m.verdict = "n/a";
    m.note = "no runs";
    return m;
  }
  m.base = static_cast<double>(kb) / static_cast<double>(nb);
  m.fresh = static_cast<double>(kn) / static_cast<double>(nn);
  m.diff = *m.fresh - *m.base;
  m.ci = newcombe(kb, nb, kn, nn);
  m.verdict = verdict_of(*m.ci, higher, std::min(nb, nn));
  return m;
}

MetricDiff sampled(const std::string& metric, const std::string& unit, const std::vector<double>& base,
                   const std::vector<double>& fresh, Statistic stat, const CompareOptions& o, const std::string& seed_key) {
  MetricDiff m;
  m.metric = metric;
  m.unit = unit;
  m.method = "bootstrap";
  if (base.empty() || fresh.empty()) {
    m.verdict = "n/a";
    m.note = base.empty() && fresh.empty() ? "no value on either side" : base.empty() ? "no value in base" : "no value in new";
    std::vector<double> b = base, f = fresh;
    if (!b.empty()) m.base = stat.of(b);
    if (!f.empty()) m.fresh = stat.of(f);
    return m;
  }
  std::vector<double> b = base, f = fresh;
  m.base = stat.of(b);
  m.fresh = stat.of(f);
  m.diff = *m.fresh - *m.base;
  m.ci = bootstrap_difference(base, fresh, stat, o.resamples, fnv1a64(seed_key + "|" + metric) ^ o.seed);
  m.verdict = verdict_of(*m.ci, false, std::min(base.size(), fresh.size()));
  return m;
}

std::string value_text(const std::optional<double>& v, const std::string& unit) {
  if (!v) return "—";
  if (unit == "rate") return format_percent(*v);
  if (unit == "seconds") return format_seconds(*v);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", *v);
  return buf;
}

std::string diff_text(double d, const std::string& unit) {
  if (std::fabs(d) < 1e-6) d = 0;  // float noise of equal medians reads as no change, not "-0.0s"
  const std::string sign = d > 0 ? "+" : d < 0 ? "-" : "±";
  const double a = std::fabs(d);
  if (unit == "rate") {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.1f pp", sign.c_str(), 100.0 * a);
    return buf;
  }
  if (unit == "seconds") return sign + format_seconds(a);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s%.2f", sign.c_str(), a);
  return buf;
}

std::string ci_text(const MetricDiff& m) {
  if (!m.ci) return "";
  auto one = [&](double v) {
    if (std::fabs(v) < 1e-6) v = 0;
    if (m.unit == "rate") {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%+.1f", 100.0 * v);
      return std::string(buf);
    }
    if (m.unit == "seconds") return (v < 0 ? "-" : "+") + format_seconds(std::fabs(v));
    char buf[32];
    std::snprintf(buf, sizeof buf, "%+.2f", v);
    return std::string(buf);
  };
  return "[" + one(m.ci->low) + ", " + one(m.ci->high) + (m.unit == "rate" ? "] pp" : "]");
}

std::string verdict_mark(const std::string& v) {
  if (v == "better") return "🟢 better";
  if (v == "worse") return "🔴 worse";
  if (v == "n/a") return "n/a";
  return "⚪ " + v;
}

}  // namespace

const std::vector<std::pair<std::string, bool>>& compare_metrics() {
  static const std::vector<std::pair<std::string, bool>> kMetrics = {
      {"deploy_success", true}, {"alert_fired", true},   {"detection_p50", false}, {"detection_p95", false},
      {"deploy_p50", false},    {"deploy_p95", false},   {"attempts_mean", false}, {"invariant_violations", false},
      {"false_pages_per_week", false}};
  return kMetrics;
}

Result<std::vector<Tolerance>> parse_fail_on(const std::string& text) {
  using R = Result<std::vector<Tolerance>>;
  std::vector<Tolerance> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? text.size() + 1 : comma + 1;
    if (item.rfind("coverage", 0) == 0) {
      // coverage<N%: a floor on the suite's alert coverage.
      const std::string rest = item.substr(8);
      char* end = nullptr;
      const double pct = rest.size() >= 3 && rest[0] == '<' && rest.back() == '%' ? std::strtod(rest.c_str() + 1, &end) : -1;
      if (end != rest.c_str() + rest.size() - 1 || !(pct >= 0 && pct <= 100) || rest.find_first_of("nNiIxX") != std::string::npos) {
        return R::error("--fail-on " + item + ": expected coverage<N% with N a percentage (e.g. coverage<90%)");
      }
      out.push_back(Tolerance{"coverage", pct / 100.0, item, true});
      continue;
    }
    const auto colon = item.find(':');
    const std::string metric = item.substr(0, colon);
    const auto known = std::find_if(compare_metrics().begin(), compare_metrics().end(), [&](const auto& m) { return m.first == metric; });
    std::string names;
    for (const auto& [m, h] : compare_metrics()) names += (names.empty() ? "" : ", ") + m;
    if (colon == std::string::npos || known == compare_metrics().end()) {
      return R::error("--fail-on " + item + ": expected METRIC:AMOUNT with METRIC one of " + names);
    }
    std::string amount = item.substr(colon + 1);
    const bool higher = known->second;
    const char want = higher ? '-' : '+';
    if (amount.empty() || amount[0] != want) {
      return R::error("--fail-on " + item + ": a worse " + metric + " is " + (higher ? "lower" : "higher") +
                      "; write the tolerance with " + std::string(1, want) + " (e.g. " + metric + ":" + want +
                      (metric == "deploy_success" || metric == "alert_fired" || metric == "invariant_violations" ? "1%" :
                       metric == "attempts_mean" || metric == "false_pages_per_week" ? "0.5" : "30s") + ")");
    }
    amount = amount.substr(1);
    const bool is_rate = metric == "deploy_success" || metric == "alert_fired" || metric == "invariant_violations";
    const bool is_time = metric.ends_with("_p50") || metric.ends_with("_p95");
    double value = 0;
    bool ok = !amount.empty();
    if (is_rate) {
      ok = ok && amount.back() == '%';
      if (ok) {
        char* end = nullptr;
        value = std::strtod(amount.c_str(), &end) / 100.0;
        ok = end == amount.c_str() + amount.size() - 1;
      }
    } else if (is_time) {
      std::size_t i = 0;
      while (ok && i < amount.size()) {
        char* end = nullptr;
        const double n = std::strtod(amount.c_str() + i, &end);
        std::size_t j = static_cast<std::size_t>(end - amount.c_str());
        if (j == i) {
          ok = false;
          break;
        }
        std::string unit;
        while (j < amount.size() && std::isalpha(static_cast<unsigned char>(amount[j]))) unit += amount[j++];
        const double scale = unit == "ms" ? 0.001 : unit == "s" ? 1 : unit == "m" ? 60 : unit == "h" ? 3600 : -1;
        if (scale < 0) ok = false;
        value += n * scale;
        i = j;
      }
    } else {
      char* end = nullptr;
      value = std::strtod(amount.c_str(), &end);
      ok = ok && end == amount.c_str() + amount.size();
    }
    // strtod reads "nan", "inf" and "1e309" (infinity): each would switch the gate off.
    if (ok && (!std::isfinite(value) || std::any_of(amount.begin(), amount.end(), [](char c) { return c == 'n' || c == 'N' || c == 'i' || c == 'I'; }) ||
               amount.find_first_of("xX") != std::string::npos)) {
      ok = false;
    }
    if (ok && is_rate && value > 1.0) {
      return R::error("--fail-on " + item + ": a tolerance on a rate is at most 100% (more could never be exceeded)");
    }
    if (!ok || value < 0) {
      return R::error("--fail-on " + item + ": cannot read the amount; expected " +
                      (is_rate ? "a percentage like 1%" : is_time ? "a duration like 30s or 1m30s" : "a number like 0.5"));
    }
    out.push_back(Tolerance{metric, value, item});
  }
  return R::ok(std::move(out));
}

Result<CompareReport> compare_results(const std::string& base_json, const std::string& base_source,
                                      const std::string& new_json, const std::string& new_source,
                                      const CompareOptions& o) {
  using R = Result<CompareReport>;
  auto base = read_samples(base_json, base_source);
  if (!base) return R::error(base.error());
  auto fresh = read_samples(new_json, new_source);
  if (!fresh) return R::error(fresh.error());
  CompareReport report;
  report.base_source = base_source;
  report.new_source = new_source;
  report.resamples = o.resamples;
  std::vector<bool> base_used(base.value().size(), false);
  auto count_sp = [](const std::vector<Sample>& v, const Sample& s) {
    return std::count_if(v.begin(), v.end(), [&](const Sample& x) { return x.scenario == s.scenario && x.policy == s.policy; });
  };
  for (const Sample& n : fresh.value()) {
    const Sample* b = nullptr;
    for (std::size_t i = 0; i < base.value().size(); ++i) {
      const Sample& c = base.value()[i];
      if (!base_used[i] && c.scenario == n.scenario && c.policy == n.policy && c.variant == n.variant) {
        b = &c;
        base_used[i] = true;
        break;
      }
    }
    if (b == nullptr && count_sp(base.value(), n) == 1 && count_sp(fresh.value(), n) == 1) {
      for (std::size_t i = 0; i < base.value().size(); ++i) {
        const Sample& c = base.value()[i];
        if (!base_used[i] && c.scenario == n.scenario && c.policy == n.policy) {
          b = &c;
          base_used[i] = true;
        }
      }
    }
    if (b == nullptr) {
      report.only_in_new.push_back(key_of(n));
      continue;
    }
    CompareRow row{n.scenario, n.policy, b->variant, n.variant, b->n, n.n, {}};
    const std::string seed_key = key_of(n);
    row.metrics.push_back(rate("deploy_success", b->deployed, b->n, n.deployed, n.n, true));
    row.metrics.push_back(rate("alert_fired", b->fired, b->n, n.fired, n.n, true));
    row.metrics.push_back(sampled("detection_p50", "seconds", b->detection, n.detection, {0.5}, o, seed_key));
    row.metrics.push_back(sampled("detection_p95", "seconds", b->detection, n.detection, {0.95}, o, seed_key));
    row.metrics.push_back(sampled("deploy_p50", "seconds", b->deploy, n.deploy, {0.5}, o, seed_key));
    row.metrics.push_back(sampled("deploy_p95", "seconds", b->deploy, n.deploy, {0.95}, o, seed_key));
    row.metrics.push_back(sampled("attempts_mean", "count", b->attempts, n.attempts, {0}, o, seed_key));
    row.metrics.push_back(rate("invariant_violations", b->violated, b->n, n.violated, n.n, false));
    if (!b->false_pages_per_week.empty() || !n.false_pages_per_week.empty()) {
      row.metrics.push_back(sampled("false_pages_per_week", "count", b->false_pages_per_week, n.false_pages_per_week, {0}, o, seed_key));
    }
    for (const auto& t : o.fail_on) {
      for (const auto& m : row.metrics) {
        if (m.metric != t.metric || m.verdict != "worse" || !m.diff) continue;
        if (std::fabs(*m.diff) > t.amount) {
          report.failures.push_back(seed_key + ": " + m.metric + " " + value_text(m.base, m.unit) + " -> " +
                                    value_text(m.fresh, m.unit) + " (" + diff_text(*m.diff, m.unit) + ", 95 % CI " +
                                    ci_text(m) + ") is worse than --fail-on " + t.text + " allows");
        }
      }
    }
    report.rows.push_back(std::move(row));
  }
  for (std::size_t i = 0; i < base.value().size(); ++i) {
    if (!base_used[i]) report.only_in_base.push_back(key_of(base.value()[i]));
  }
  return R::ok(std::move(report));
}

std::string compare_markdown(const CompareReport& r) {
  std::string out = "## Compared with the baseline\n\n";
  out += "Base `" + r.base_source + "`, new `" + r.new_source + "`. Δ is new − base with a 95 % interval: Newcombe's hybrid "
         "score interval for rates (pp = percentage points), a seeded percentile bootstrap (" +
         std::to_string(r.resamples) + " resamples) for percentiles and means. A verdict needs the interval to exclude 0.\n\n";
  const std::string head = "| scenario | policy | metric | base | new | Δ | 95 % CI | verdict |\n|---|---|---|---|---|---|---|---|\n";
  std::string changed, all;
  std::size_t n_changed = 0, n_all = 0;
  for (const auto& row : r.rows) {
    const std::string policy = row.policy + (row.new_variant.empty() ? "" : " · " + row.new_variant) +
                               (row.base_variant != row.new_variant && !row.base_variant.empty() ? " (vs " + row.base_variant + ")" : "");
    for (const auto& m : row.metrics) {
      const std::string line = "| " + row.scenario + " | " + policy + " | " + m.metric + " | " + value_text(m.base, m.unit) +
                               " | " + value_text(m.fresh, m.unit) + " | " + (m.diff ? diff_text(*m.diff, m.unit) : "—") +
                               " | " + (m.ci ? ci_text(m) : m.note) + " | " + verdict_mark(m.verdict) + " |\n";
      all += line;
      ++n_all;
      if (m.verdict == "better" || m.verdict == "worse") {
        changed += line;
        ++n_changed;
      }
    }
  }
  // The detectable changes first; every comparison in a block GitHub folds in a PR comment.
  out += n_changed == 0 ? "No detectable change in any of the " + std::to_string(n_all) + " comparisons.\n"
                        : std::to_string(n_changed) + " detectable change(s) in " + std::to_string(n_all) + " comparisons:\n\n" +
                              head + changed;
  out += "\n<details><summary>All " + std::to_string(n_all) + " comparisons</summary>\n\n" + head + all + "\n</details>\n";
  for (const auto& k : r.only_in_base) out += "\n- only in base: " + k;
  for (const auto& k : r.only_in_new) out += "\n- only in new: " + k;
  if (!r.only_in_base.empty() || !r.only_in_new.empty()) out += "\n";
  if (!r.failures.empty()) {
    out += "\n### Worse than allowed\n\n";
    for (const auto& f : r.failures) out += "- 🔴 " + f + "\n";
  }
  return out;
}

std::string compare_json(const CompareReport& r) {
  json root;
  root["base"] = r.base_source;
  root["new"] = r.new_source;
  root["bootstrap_resamples"] = r.resamples;
  root["rows"] = json::array();
  auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  for (const auto& row : r.rows) {
    json jr = {{"scenario", row.scenario}, {"policy", row.policy}, {"base_variant", row.base_variant},
               {"new_variant", row.new_variant}, {"base_seeds", row.base_seeds}, {"new_seeds", row.new_seeds},
               {"metrics", json::array()}};
    for (const auto& m : row.metrics) {
      jr["metrics"].push_back({{"metric", m.metric}, {"unit", m.unit}, {"base", opt(m.base)}, {"new", opt(m.fresh)},
                               {"diff", opt(m.diff)},
                               {"ci95", m.ci ? json::array({m.ci->low, m.ci->high}) : json(nullptr)},
                               {"method", m.method}, {"verdict", m.verdict}, {"note", m.note}});
    }
    root["rows"].push_back(jr);
  }
  root["only_in_base"] = r.only_in_base;
  root["only_in_new"] = r.only_in_new;
  root["failures"] = r.failures;
  return root.dump(2) + "\n";
}

std::string compare_html_section(const CompareReport& r) {
  std::string out = "<section id=\"compare\"><h2>Compared with the baseline</h2>\n<p>Base <code>" + xml_escape(r.base_source) +
                    "</code>, new <code>" + xml_escape(r.new_source) +
                    "</code>. Δ = new − base with a 95 % interval: Newcombe's hybrid score interval for rates (pp = "
                    "percentage points), a seeded percentile bootstrap (" + std::to_string(r.resamples) +
                    " resamples) for percentiles and means. A verdict needs the interval to exclude 0.</p>\n";
  if (!r.failures.empty()) {
    out += "<ul class=\"bad\">";
    for (const auto& f : r.failures) out += "<li>" + xml_escape(f) + "</li>";
    out += "</ul>\n";
  }
  out += "<table class=\"numbers\"><thead><tr><th>scenario</th><th>policy</th><th>metric</th><th>base</th><th>new</th>"
         "<th>Δ</th><th>95 % CI</th><th>verdict</th></tr></thead><tbody>\n";
  for (const auto& row : r.rows) {
    for (const auto& m : row.metrics) {
      const std::string cls = m.verdict == "better" ? "good" : m.verdict == "worse" ? "bad" : "";
      out += "<tr class=\"" + cls + "\"><td>" + xml_escape(row.scenario) + "</td><td>" +
             xml_escape(row.policy + (row.new_variant.empty() ? "" : " · " + row.new_variant)) + "</td><td>" + m.metric +
             "</td><td>" + value_text(m.base, m.unit) + "</td><td>" + value_text(m.fresh, m.unit) + "</td><td>" +
             (m.diff ? diff_text(*m.diff, m.unit) : "—") + "</td><td>" + xml_escape(m.ci ? ci_text(m) : m.note) + "</td><td>" +
             xml_escape(m.verdict) + "</td></tr>\n";
    }
  }
  out += "</tbody></table></section>\n";
  return out;
}

std::string compare_html(const CompareReport& r) {
  return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>failsim compare</title><style>"
         "body{font:14px/1.45 system-ui,sans-serif;margin:24px;max-width:1300px}table{border-collapse:collapse}"
         "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}tr.good td{background:#e7f6ea}"
         "tr.bad td{background:#fbe7e7}ul.bad{color:#a00}</style></head><body><h1>failsim compare</h1>\n" +
         compare_html_section(r) + "</body></html>\n";
}

}  // namespace failsim::reports
