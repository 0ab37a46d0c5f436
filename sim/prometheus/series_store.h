// SeriesStore: the Prometheus model's time-series database.
//
// Samples carry millisecond timestamps (Prometheus's resolution; the simulator's
// microsecond times are truncated on the way in). A stale marker (Prometheus writes
// one for every series of a target whose scrape failed, or that disappeared from a
// scrape) ends a series: instant queries no longer see it.
//
// Lookups follow Prometheus 2.42 (Debian bookworm's, the project's oracle):
//  - instant: the newest sample with t in [eval - lookback, eval]; none if that sample
//    is a stale marker (lookback default 5m);
//  - range:   every non-stale sample with t in [eval - range, eval] (closed on both
//    ends in 2.x; 3.0 made the left end open).
// Samples of one series must be appended in time order; an out-of-order or duplicate
// timestamp is rejected, as Prometheus rejects it.
// series_named(name) is an index by metric name (Prometheus's postings for __name__):
// the same entries as series(), in the same order, restricted to one name.
//
// Thread safety: none.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/prometheus/label_memo.h"
#include "sim/prometheus/labels.h"

namespace failsim::sim::prometheus {

struct Sample {
  std::int64_t t_ms;
  double value;
  bool stale = false;
};

struct Point {
  std::int64_t t_ms;
  double value;
};

class SeriesStore {
 public:
  using SeriesMap = std::map<Labels, std::vector<Sample>>;
  using Entry = SeriesMap::value_type;

  SeriesStore();
  // Gives its series' storage (emptied, capacity kept) to this thread's pool, which
  // the next store's new series take from: a long run's hundreds of thousands of
  // samples are then written without growing and copying vectors or faulting in
  // fresh pages, run after run (`failsim alerts` over many simulated weeks).
  ~SeriesStore();
  // The indexes point into the store: a copy would point into the original.
  SeriesStore(const SeriesStore&) = delete;
  SeriesStore& operator=(const SeriesStore&) = delete;

  // false when t_ms is not after the series' last sample (nothing is stored).
  bool append(const Labels& labels, std::int64_t t_ms, double value);
  bool append_stale(const Labels& labels, std::int64_t t_ms);

  const SeriesMap& series() const { return series_; }
  // Unique among the stores of this process (an address can be reused, an id not):
  // with series().size(), it tells a cache of entries whether it is still current.
  std::uint64_t id() const { return id_; }
  // The series named `name`, ordered by labels as in series() (empty when none).
  const std::vector<const Entry*>& series_named(std::string_view name) const;
  // The samples of a series, created empty if new. The reference stays valid for the
  // store's lifetime (map nodes do not move), so writers may keep it. A label set
  // seen before (the same storage, as a rule writes at every evaluation) is found
  // without comparing labels.
  std::vector<Sample>& series_for(const Labels& labels);
  // Appends to a series obtained from series_for, with append()'s rules.
  static bool append_to(std::vector<Sample>& samples, std::int64_t t_ms, double value);
  static bool append_stale_to(std::vector<Sample>& samples, std::int64_t t_ms);

  // Drops every series' samples before cut_ms, keeping each one's newest (so appends
  // and stale markers behave as before). For a cut_ms below every future read's
  // window, no read can tell.
  void forget_before(std::int64_t cut_ms);

  // Newest visible sample of a series at eval_ms, per the rules above.
  static std::optional<Point> instant(const std::vector<Sample>& samples, std::int64_t eval_ms,
                                      std::int64_t lookback_ms);
  static std::vector<Point> range(const std::vector<Sample>& samples, std::int64_t eval_ms, std::int64_t range_ms);
  // range(), into `out` (cleared first), so a caller can reuse one buffer.
  static void range_into(const std::vector<Sample>& samples, std::int64_t eval_ms, std::int64_t range_ms,
                         std::vector<Point>& out);

 private:
  SeriesMap series_;
  std::map<std::string, std::vector<const Entry*>, std::less<>> by_name_;
  LabelMemo<std::vector<Sample>*> by_identity_;  // series never leave the store
  std::uint64_t id_;
};

}  // namespace failsim::sim::prometheus
