#include "reports/alert_ledger.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

namespace failsim::reports {

namespace {

constexpr double kWeekSeconds = 7 * 24 * 3600.0;

// Whether page p is about outage o: its runner's, or every runner's when it names none.
bool about(const Page& p, const Outage& o) { return p.about.empty() || p.about == o.runner; }

// Regularized lower incomplete gamma P(a, x), by its series below a + 1 and by the
// continued fraction (modified Lentz) above.
double gamma_p(double a, double x) {
  if (x <= 0) return 0;
  const double log_prefix = -x + a * std::log(x) - std::lgamma(a);
  if (x < a + 1) {
    double term = 1 / a, sum = term;
    for (int n = 1; n < 100000 && std::fabs(term) > std::fabs(sum) * 1e-15; ++n) {
      term *= x / (a + n);
      sum += term;
    }
    return sum * std::exp(log_prefix);
  }
  const double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int i = 1; i < 100000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < 1e-15) break;
  }
  return 1 - std::exp(log_prefix) * h;
}

// P(X <= k) for X ~ Poisson(mean) = 1 - P(k + 1, mean).
double poisson_cdf(std::size_t k, double mean) { return 1 - gamma_p(static_cast<double>(k) + 1, mean); }

// The mean at which f(mean) (decreasing in mean) crosses `target`, by bisection.
template <class F>
double solve_decreasing(F f, double target, double hi) {
  double lo = 0;
  while (f(hi) > target) hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-12 * std::max(1.0, hi); ++i) {
    const double mid = (lo + hi) / 2;
    (f(mid) > target ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

}  // namespace

nlohmann::json ledger_json(const AlertLedger& l) {
  using nlohmann::json;
  json j = {{"run_seconds", l.run_seconds}, {"rules", l.rules}, {"routes", l.routes},
            {"outages", json::array()}, {"pages", json::array()},
            {"pending_never_fired_seconds", l.pending_never_fired_seconds}, {"reached", l.reached},
            {"background", l.background}, {"inhibitions", l.inhibitions}};
  for (const auto& o : l.outages) {
    j["outages"].push_back({{"runner", o.runner}, {"start_seconds", o.start_seconds}, {"end_seconds", o.end_seconds}, {"why", o.why}});
  }
  for (const auto& p : l.pages) {
    j["pages"].push_back({{"at_seconds", p.at_seconds}, {"rule", p.rule}, {"route", p.route}, {"about", p.about},
                          {"for_seconds", p.for_seconds}, {"true_page", p.true_page}, {"outage", p.outage}});
  }
  return j;
}

AlertLedger ledger_from_json(const nlohmann::json& j) {
  AlertLedger l;
  l.run_seconds = j.at("run_seconds").get<double>();
  l.rules = j.at("rules").get<std::vector<std::string>>();
  l.routes = j.at("routes").get<std::vector<std::string>>();
  for (const auto& o : j.at("outages")) {
    l.outages.push_back({o.at("runner").get<std::string>(), o.at("start_seconds").get<double>(),
                         o.at("end_seconds").get<double>(), o.at("why").get<std::string>()});
  }
  for (const auto& p : j.at("pages")) {
    Page x;
    x.at_seconds = p.at("at_seconds").get<double>();
    x.rule = p.at("rule").get<std::string>();
    x.route = p.at("route").get<std::string>();
    x.about = p.at("about").get<std::string>();
    x.for_seconds = p.at("for_seconds").get<double>();
    x.true_page = p.at("true_page").get<bool>();
    x.outage = p.at("outage").get<int>();
    l.pages.push_back(std::move(x));
  }
  l.pending_never_fired_seconds = j.at("pending_never_fired_seconds").get<std::map<std::string, double>>();
  l.reached = j.at("reached").get<std::map<std::string, std::string>>();
  l.background = j.at("background").get<std::map<std::string, std::size_t>>();
  if (j.contains("inhibitions")) l.inhibitions = j.at("inhibitions").get<std::map<std::string, std::size_t>>();
  return l;
}

void classify_pages(AlertLedger& ledger) {
  for (auto& p : ledger.pages) {
    p.true_page = false;
    p.outage = -1;
    for (std::size_t i = 0; i < ledger.outages.size(); ++i) {
      const Outage& o = ledger.outages[i];
      if (about(p, o) && p.at_seconds >= o.start_seconds && p.at_seconds <= o.end_seconds + p.for_seconds) {
        p.true_page = true;
        p.outage = static_cast<int>(i);
        break;
      }
    }
  }
}

Interval poisson_interval(std::size_t count) {
  constexpr double kTail = 0.025;
  const double guess = static_cast<double>(count) + 10 * std::sqrt(static_cast<double>(count) + 1) + 10;
  const double high = solve_decreasing([count](double m) { return poisson_cdf(count, m); }, kTail, guess);
  if (count == 0) return {0, high};
  // P(X >= count) = 1 - P(X <= count - 1) rises with the mean: solve its complement.
  const double low = solve_decreasing([count](double m) { return poisson_cdf(count - 1, m); }, 1 - kTail, guess);
  return {low, high};
}

std::vector<AlertStats> alert_stats(const std::vector<LedgerRun>& runs, int resamples) {
  std::map<std::pair<std::string, std::string>, AlertStats> rows;
  std::size_t outages = 0;
  double seconds = 0;
  // Every (rule, route) a ledger can page on: each rule on each route, or alone.
  for (const auto& run : runs) {
    const AlertLedger& l = *run.ledger;
    outages += l.outages.size();
    seconds += l.run_seconds;
    for (const auto& rule : l.rules) {
      if (l.routes.empty()) rows[{rule, ""}].rule = rule;
      for (const auto& route : l.routes) {
        auto& row = rows[{rule, route}];
        row.rule = rule;
        row.route = route;
      }
    }
    for (const auto& p : l.pages) {
      auto& row = rows[{p.rule, p.route}];
      row.rule = p.rule;
      row.route = p.route;
    }
  }
  for (auto& [key, row] : rows) {
    row.runs = runs.size();
    row.weeks = seconds / kWeekSeconds;
    row.outages = outages;
    for (const auto& run : runs) {
      const AlertLedger& l = *run.ledger;
      std::vector<std::optional<double>> first(l.outages.size());  // per outage: its first page of this row
      for (const auto& p : l.pages) {
        if (p.rule != row.rule || p.route != row.route) continue;
        ++row.pages;
        if (!p.true_page) ++row.false_pages;
        // A page catches every outage of its runner in progress (or just ended) then.
        for (std::size_t i = 0; i < l.outages.size(); ++i) {
          const Outage& o = l.outages[i];
          if (about(p, o) && p.at_seconds >= o.start_seconds && p.at_seconds <= o.end_seconds + p.for_seconds && !first[i]) {
            first[i] = p.at_seconds - o.start_seconds;
          }
        }
      }
      for (const auto& f : first) {
        if (!f) continue;
        ++row.caught;
        row.detection_seconds.push_back(*f);
      }
      const auto pending = l.pending_never_fired_seconds.find(row.rule);
      // A rule's own (the same on each of its routes' rows).
      if (pending != l.pending_never_fired_seconds.end()) row.pending_never_fired_seconds += pending->second;
    }
    const std::uint64_t seed = fnv1a64(row.rule + "/" + row.route);
    if (!row.detection_seconds.empty()) {
      row.detection_p50 = nearest_rank(row.detection_seconds, 0.5);
      row.detection_p95 = nearest_rank(row.detection_seconds, 0.95);
      row.detection_p50_ci = bootstrap(row.detection_seconds, Statistic{0.5}, resamples, seed);
      row.detection_p95_ci = bootstrap(row.detection_seconds, Statistic{0.95}, resamples, seed + 1);
    }
    if (row.weeks > 0) {
      row.false_pages_per_week = static_cast<double>(row.false_pages) / row.weeks;
      const Interval count = poisson_interval(row.false_pages);
      row.false_pages_per_week_ci = {count.low / row.weeks, count.high / row.weeks};
    }
  }
  std::vector<AlertStats> out;
  for (auto& [key, row] : rows) out.push_back(std::move(row));
  return out;
}

Coverage coverage(const std::vector<LedgerRun>& runs) {
  static const std::map<std::string, int> kRank = {{"never", 0}, {"pending", 1}, {"fired", 2}, {"resolved", 3}};
  Coverage c;
  for (const auto& run : runs) {
    const AlertLedger& l = *run.ledger;
    for (const auto& rule : l.rules) c.rules.emplace(rule, "never");
    for (const auto& route : l.routes) c.routes.emplace(route, false);
    for (const auto& [rule, n] : l.inhibitions) c.inhibitions[rule] += n;
    for (const auto& [rule, state] : l.reached) {
      auto& mine = c.rules[rule];
      if (mine.empty() || kRank.at(state) > kRank.at(mine)) mine = state;
    }
    for (const auto& p : l.pages) {
      if (!p.route.empty()) c.routes[p.route] = true;
    }
  }
  std::size_t covered = 0;
  for (const auto& [rule, state] : c.rules) {
    if (kRank.at(state) >= 2) {
      ++covered;
    } else {
      c.never.push_back("rule " + rule + " never fired" + (state == "pending" ? " (it went pending)" : ""));
    }
  }
  for (const auto& [route, notified] : c.routes) {
    if (notified) {
      ++covered;
    } else {
      c.never.push_back("route " + route + " was never notified");
    }
  }
  for (const auto& [rule, n] : c.inhibitions) {
    if (n > 0) {
      ++covered;
    } else {
      c.never.push_back("inhibit rule " + rule + " never muted an alert");
    }
  }
  const std::size_t all = c.rules.size() + c.routes.size() + c.inhibitions.size();
  c.percent = all == 0 ? 100 : 100.0 * static_cast<double>(covered) / static_cast<double>(all);
  return c;
}

}  // namespace failsim::reports
