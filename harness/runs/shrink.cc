// Shrinking a failing schedule (harness/runs/explore.h): greedy, deterministic, and every
// step keeps the run on the same seed failing the same oracle.
#include <algorithm>
#include <chrono>
#include <functional>

#include "harness/runs/explore.h"

namespace failsim::harness {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

// Readable durations, shortest first.
const std::vector<Duration> kReadable = {seconds(10), seconds(20), seconds(30), seconds(45), minutes(1),  minutes(2),
                                         minutes(3),  minutes(5),  minutes(7),  minutes(10), minutes(15), minutes(20),
                                         minutes(30), minutes(45), minutes(60), minutes(90), minutes(120)};

Duration round_down(Duration d, Duration step) { return d - d % step; }

class Shrinker {
 public:
  Shrinker(const ExploreTarget& t, const std::string& oracle, std::uint64_t seed, int max_runs)
      : t_(t), oracle_(oracle), seed_(seed), max_runs_(max_runs) {}

  bool fails(const Schedule& s) {
    if (runs_ >= max_runs_) return false;
    if (s.deploys.empty()) return false;
    ++runs_;
    const auto failed = failed_oracles(t_, run_schedule(t_, s, seed_));
    return std::find(failed.begin(), failed.end(), oracle_) != failed.end();
  }
  // Tries `change` on a copy; keeps it when the oracle still fails.
  bool attempt(Schedule& s, const std::function<void(Schedule&)>& change) {
    Schedule c = s;
    change(c);
    if (!fails(c)) return false;
    s = std::move(c);
    return true;
  }
  int runs() const { return runs_; }

  void remove_faults(Schedule& s) {
    // Halves first (a large schedule shrinks in few runs), then one at a time.
    for (std::size_t chunk = s.faults.size() / 2; chunk >= 1; chunk /= 2) {
      bool removed = true;
      while (removed && s.faults.size() > chunk) {
        removed = false;
        for (std::size_t i = 0; i + chunk <= s.faults.size(); i += chunk) {
          if (attempt(s, [&](Schedule& c) { c.faults.erase(c.faults.begin() + static_cast<std::ptrdiff_t>(i),
                                                           c.faults.begin() + static_cast<std::ptrdiff_t>(i + chunk)); })) {
            removed = true;
            break;
          }
        }
      }
      if (chunk == 1) break;
    }
    if (s.faults.size() == 1) attempt(s, [](Schedule& c) { c.faults.clear(); });
  }

  // The shortest readable duration (below `d`) that keeps failing, else `d` rounded.
  void shorten(Schedule& s, const std::function<Duration&(Schedule&)>& field, Duration floor) {
    const Duration d = field(s);
    for (const Duration r : kReadable) {
      if (r >= d) break;
      if (r < floor) continue;
      if (attempt(s, [&](Schedule& c) { field(c) = r; })) return;
    }
    readable(s, field, floor);
  }
  // `d` moved to the most readable nearby value that keeps failing.
  // Never below `floor` (a length or a flap phase stays above 0s).
  void readable(Schedule& s, const std::function<Duration&(Schedule&)>& field, Duration floor = Duration(0)) {
    const Duration d = field(s);
    for (const Duration step : {Duration(minutes(5)), Duration(minutes(1)), Duration(seconds(30)), Duration(seconds(10))}) {
      const Duration lo = round_down(d, step);
      if (lo == d) return;
      if (lo >= floor && attempt(s, [&](Schedule& c) { field(c) = lo; })) return;
      if (attempt(s, [&](Schedule& c) { field(c) = lo + step; })) return;
    }
  }

  void simplify(Schedule& s) {
    for (std::size_t i = 0; i < s.faults.size(); ++i) {
      auto fault = [i](Schedule& c) -> FaultSpec& { return c.faults[i]; };
      if (fault(s).flap_down > Duration(0)) {
        attempt(s, [&](Schedule& c) { fault(c).flap_down = fault(c).flap_up = Duration(0); });
      }
      if ((fault(s).kind == FaultSpec::Kind::kPartition || fault(s).kind == FaultSpec::Kind::kLoss) && fault(s).from == "*") {
        narrow(s, i);
      }
      if (fault(s).kind == FaultSpec::Kind::kPartition && fault(s).mode == sim::FaultMode::kReject) {
        attempt(s, [&](Schedule& c) { fault(c).mode = sim::FaultMode::kDrop; });
      }
      if (fault(s).kind == FaultSpec::Kind::kLoss && fault(s).probability < 1.0) {
        attempt(s, [&](Schedule& c) { fault(c).probability = std::min(1.0, std::ceil(fault(c).probability * 10) / 10); });
      }
      if (fault(s).length > Duration(0)) {
        shorten(s, [i](Schedule& c) -> Duration& { return c.faults[i].length; }, seconds(10));
      }
      readable(s, [i](Schedule& c) -> Duration& { return c.faults[i].at; });
      if (fault(s).flap_down > Duration(0)) {
        readable(s, [i](Schedule& c) -> Duration& { return c.faults[i].flap_down; }, seconds(10));
        readable(s, [i](Schedule& c) -> Duration& { return c.faults[i].flap_up; }, seconds(10));
      }
      if (fault(s).kind == FaultSpec::Kind::kLatency) {
        readable(s, [i](Schedule& c) -> Duration& { return c.faults[i].added_latency; }, seconds(1));
      }
      if (fault(s).kind == FaultSpec::Kind::kResources) {
        attempt(s, [&](Schedule& c) {
          fault(c).cpu = std::ceil(fault(c).cpu / 5) * 5;
          fault(c).memory = std::ceil(fault(c).memory / 5) * 5;
          fault(c).disk = std::ceil(fault(c).disk / 5) * 5;
        });
      }
    }
    std::stable_sort(s.faults.begin(), s.faults.end(), [](const FaultSpec& a, const FaultSpec& b) { return a.at < b.at; });
  }

  // A cut of all traffic to a host narrowed to the one link that matters, when it alone
  // still fails: Prometheus -> the runner's exporter, then Prometheus -> the host.
  void narrow(Schedule& s, std::size_t i) {
    const sim::WorldSpec& w = t_.base.world;
    const std::string to = s.faults[i].to;
    for (const auto& r : w.runners) {
      if (r.host != to || r.exporter_port == 0) continue;
      if (attempt(s, [&](Schedule& c) {
            c.faults[i].from = w.prometheus.host;
            c.faults[i].port = r.exporter_port;
          })) {
        return;
      }
    }
    if (to != w.prometheus.host) attempt(s, [&](Schedule& c) { c.faults[i].from = w.prometheus.host; });
  }

  void simplify_deploys(Schedule& s) {
    for (std::size_t i = s.deploys.size(); i-- > 0;) {
      if (s.deploys.size() > 1) {
        if (attempt(s, [i](Schedule& c) { c.deploys.erase(c.deploys.begin() + static_cast<std::ptrdiff_t>(i)); })) continue;
      }
      readable(s, [i](Schedule& c) -> Duration& { return c.deploys[i].at; });
    }
    std::stable_sort(s.deploys.begin(), s.deploys.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
  }

  void fit_run_length(Schedule& s) {
    Duration last{0};
    for (const auto& f : s.faults) last = std::max(last, f.at + f.length);
    for (const auto& d : s.deploys) last = std::max(last, d.at);
    const Duration want = std::max(t_.base.run_length, round_down(last + minutes(30) + minutes(29), minutes(30)));
    if (want < s.run_length) attempt(s, [&](Schedule& c) { c.run_length = want; });
  }

 private:
  const ExploreTarget& t_;
  const std::string oracle_;
  const std::uint64_t seed_;
  const int max_runs_;
  int runs_ = 0;
};

}  // namespace

Schedule shrink_schedule(const ExploreTarget& t, Schedule s, const std::string& oracle, std::uint64_t seed, int max_runs,
                         int* runs_used) {
  Shrinker k(t, oracle, seed, max_runs);
  k.remove_faults(s);
  k.simplify(s);
  k.simplify_deploys(s);
  k.remove_faults(s);  // a simpler schedule may need fewer faults
  k.fit_run_length(s);
  if (runs_used != nullptr) *runs_used = k.runs();
  return s;
}

}  // namespace failsim::harness
