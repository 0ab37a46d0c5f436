#include "sim/prometheus/series_store.h"

#include <algorithm>
#include <atomic>

namespace failsim::sim::prometheus {

namespace {

// Emptied sample vectors of stores gone, kept for their capacity (per thread: stores
// are built and dropped by one thread). Bounded in bytes of capacity held.
constexpr std::size_t kPoolMaxBytes = std::size_t{256} << 20;

// Set when this thread's pool is destroyed (at thread or program exit): a store that
// outlives it (a static world) then frees its storage as usual. Trivially destructible,
// so it can be read after the pool is gone.
thread_local bool pool_gone = false;

struct SamplePool {
  std::vector<std::vector<Sample>> free;
  std::size_t bytes = 0;
  ~SamplePool() { pool_gone = true; }
};

SamplePool& pool() {
  thread_local SamplePool p;
  return p;
}

}  // namespace

SeriesStore::SeriesStore() {
  static std::atomic<std::uint64_t> next_id{1};
  id_ = next_id.fetch_add(1, std::memory_order_relaxed);
}

SeriesStore::~SeriesStore() {
  if (pool_gone) return;
  SamplePool& p = pool();
  for (auto& [labels, samples] : series_) {
    const std::size_t bytes = samples.capacity() * sizeof(Sample);
    if (bytes == 0 || p.bytes + bytes > kPoolMaxBytes) continue;
    samples.clear();
    p.bytes += bytes;
    p.free.push_back(std::move(samples));
  }
}

std::vector<Sample>& SeriesStore::series_for(const Labels& labels) {
  return *by_identity_.get(nullptr, labels, [this](const Labels& l) {
    const auto [it, fresh] = series_.try_emplace(l);
    if (fresh && !pool_gone && !pool().free.empty()) {
      SamplePool& p = pool();
      p.bytes -= p.free.back().capacity() * sizeof(Sample);
      it->second = std::move(p.free.back());
      p.free.pop_back();
    }
    if (fresh) {
      auto& named = by_name_[std::string(label_value(l, kMetricName))];
      const Entry* entry = &*it;
      named.insert(std::lower_bound(named.begin(), named.end(), entry,
                                    [](const Entry* a, const Entry* b) { return a->first < b->first; }),
                   entry);
    }
    return &it->second;
  });
}

const std::vector<const SeriesStore::Entry*>& SeriesStore::series_named(std::string_view name) const {
  static const std::vector<const Entry*> kNone;
  const auto it = by_name_.find(name);
  return it == by_name_.end() ? kNone : it->second;
}

void SeriesStore::forget_before(std::int64_t cut_ms) {
  for (auto& [labels, samples] : series_) {
    if (samples.size() < 2) continue;
    auto keep = std::lower_bound(samples.begin(), samples.end() - 1, cut_ms,
                                 [](const Sample& s, std::int64_t t) { return s.t_ms < t; });
    samples.erase(samples.begin(), keep);
  }
}

bool SeriesStore::append(const Labels& labels, std::int64_t t_ms, double value) {
  return append_to(series_for(labels), t_ms, value);
}

bool SeriesStore::append_stale(const Labels& labels, std::int64_t t_ms) {
  const auto it = series_.find(labels);
  return it != series_.end() && append_stale_to(it->second, t_ms);
}

bool SeriesStore::append_to(std::vector<Sample>& samples, std::int64_t t_ms, double value) {
  if (!samples.empty() && samples.back().t_ms >= t_ms) return false;
  samples.push_back(Sample{t_ms, value, false});
  return true;
}

bool SeriesStore::append_stale_to(std::vector<Sample>& samples, std::int64_t t_ms) {
  if (samples.empty() || samples.back().stale || samples.back().t_ms >= t_ms) return false;
  samples.push_back(Sample{t_ms, 0.0, true});
  return true;
}

std::optional<Point> SeriesStore::instant(const std::vector<Sample>& samples, std::int64_t eval_ms,
                                          std::int64_t lookback_ms) {
  // First sample after eval_ms; the one before it is the candidate. Usually the newest
  // sample is not after eval_ms (a rule evaluates the present): no search then.
  const auto after = !samples.empty() && samples.back().t_ms <= eval_ms
                         ? samples.end()
                         : std::upper_bound(samples.begin(), samples.end(), eval_ms,
                                            [](std::int64_t t, const Sample& s) { return t < s.t_ms; });
  if (after == samples.begin()) return std::nullopt;
  const Sample& s = *(after - 1);
  if (s.stale || s.t_ms < eval_ms - lookback_ms) return std::nullopt;
  return Point{s.t_ms, s.value};
}

std::vector<Point> SeriesStore::range(const std::vector<Sample>& samples, std::int64_t eval_ms,
                                      std::int64_t range_ms) {
  std::vector<Point> out;
  range_into(samples, eval_ms, range_ms, out);
  return out;
}

void SeriesStore::range_into(const std::vector<Sample>& samples, std::int64_t eval_ms, std::int64_t range_ms,
                             std::vector<Point>& out) {
  out.clear();
  const auto first = std::lower_bound(samples.begin(), samples.end(), eval_ms - range_ms,
                                      [](const Sample& s, std::int64_t t) { return s.t_ms < t; });
  for (auto it = first; it != samples.end() && it->t_ms <= eval_ms; ++it) {
    if (!it->stale) out.push_back(Point{it->t_ms, it->value});
  }
}

}  // namespace failsim::sim::prometheus
