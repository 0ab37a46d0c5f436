#include "sim/prometheus/schedule.h"

#include <algorithm>
#include <cstdio>

namespace failsim::sim::prometheus {
namespace {

constexpr std::uint64_t kP1 = 11400714785074694791ULL;
constexpr std::uint64_t kP2 = 14029467366897019727ULL;
constexpr std::uint64_t kP3 = 1609587929392839161ULL;
constexpr std::uint64_t kP4 = 9650029242287828579ULL;
constexpr std::uint64_t kP5 = 2870177450012600261ULL;

std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
std::uint64_t read64(const unsigned char* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];  // little-endian, whatever the host
  return v;
}
std::uint32_t read32(const unsigned char* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
std::uint64_t round64(std::uint64_t acc, std::uint64_t lane) { return rotl(acc + lane * kP2, 31) * kP1; }
std::uint64_t merge(std::uint64_t acc, std::uint64_t v) { return (acc ^ round64(0, v)) * kP1 + kP4; }

using LabelList = std::vector<std::pair<std::string, std::string>>;

void sort_labels(LabelList& labels) {
  std::sort(labels.begin(), labels.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
}

// Go's strconv.Quote for the printable ASCII label values this is used with.
std::string go_quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

}  // namespace

std::uint64_t xxh64(std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  const auto* end = p + data.size();
  std::uint64_t h = 0;
  if (data.size() >= 32) {
    std::uint64_t v1 = kP1 + kP2, v2 = kP2, v3 = 0, v4 = 0 - kP1;
    for (; p + 32 <= end; p += 32) {
      v1 = round64(v1, read64(p));
      v2 = round64(v2, read64(p + 8));
      v3 = round64(v3, read64(p + 16));
      v4 = round64(v4, read64(p + 24));
    }
    h = rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18);
    h = merge(h, v1);
    h = merge(h, v2);
    h = merge(h, v3);
    h = merge(h, v4);
  } else {
    h = kP5;
  }
  h += data.size();
  for (; p + 8 <= end; p += 8) {
    h ^= round64(0, read64(p));
    h = rotl(h, 27) * kP1 + kP4;
  }
  if (p + 4 <= end) {
    h ^= static_cast<std::uint64_t>(read32(p)) * kP1;
    h = rotl(h, 23) * kP2 + kP3;
    p += 4;
  }
  for (; p < end; ++p) {
    h ^= static_cast<std::uint64_t>(*p) * kP5;
    h = rotl(h, 11) * kP1;
  }
  h ^= h >> 33;
  h *= kP2;
  h ^= h >> 29;
  h *= kP3;
  h ^= h >> 32;
  return h;
}

std::uint64_t fnv1a64(std::string_view data) {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : data) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

std::string prometheus_duration(Duration d) {
  std::int64_t ms = d.count() / 1000;
  if (ms == 0) return "0s";
  std::string out;
  auto unit = [&](const char* name, std::int64_t mult, bool exact) {
    if (exact && ms % mult != 0) return;
    if (const std::int64_t v = ms / mult; v > 0) {
      out += std::to_string(v) + name;
      ms -= v * mult;
    }
  };
  constexpr std::int64_t kDay = 1000LL * 60 * 60 * 24;
  unit("y", kDay * 365, true);
  unit("w", kDay * 7, true);
  unit("d", kDay, false);
  unit("h", 1000LL * 60 * 60, false);
  unit("m", 1000LL * 60, false);
  unit("s", 1000, false);
  unit("ms", 1, false);
  return out;
}

std::uint64_t labels_hash(LabelList labels) {
  sort_labels(labels);
  std::string b;
  for (const auto& [name, value] : labels) {
    b += name;
    b += '\xff';
    b += value;
    b += '\xff';
  }
  return xxh64(b);
}

std::string labels_string(LabelList labels) {
  sort_labels(labels);
  std::string out = "{";
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ", ";
    out += labels[i].first + "=" + go_quote(labels[i].second);
  }
  return out + "}";
}

std::uint64_t jitter_seed(std::string_view fqdn, const LabelList& external_labels) {
  return fnv1a64(std::string(fqdn) + labels_string(external_labels));
}

Duration scrape_phase(const ScrapeTargetKey& t, std::uint64_t seed) {
  LabelList labels = t.labels;
  auto set = [&labels](const std::string& name, const std::string& value) {
    for (auto& l : labels) {
      if (l.first == name) return;  // a static label of the same name wins (PopulateLabels)
    }
    labels.emplace_back(name, value);
  };
  set("__address__", t.address);
  set("job", t.job);
  set("__scrape_interval__", prometheus_duration(t.scrape_interval));
  set("__scrape_timeout__", prometheus_duration(t.scrape_timeout));
  set("__metrics_path__", t.metrics_path);
  set("__scheme__", t.scheme);
  set("instance", t.address);
  return scrape_phase_of(labels, t.scrape_interval, seed);
}

Duration scrape_phase_of(const LabelList& labels, Duration interval, std::uint64_t seed) {
  auto get = [&labels](const char* name) {
    for (const auto& [n, v] : labels) {
      if (n == name) return v;
    }
    return std::string();
  };
  char padded[32];
  std::snprintf(padded, sizeof padded, "%016llu", static_cast<unsigned long long>(labels_hash(labels)));
  const std::uint64_t target_hash =
      fnv1a64(std::string(padded) + get("__scheme__") + "://" + get("__address__") + get("__metrics_path__"));
  const auto interval_ns = static_cast<std::uint64_t>(interval.count()) * 1000;
  return Duration(static_cast<std::int64_t>(((target_hash ^ seed) % interval_ns) / 1000));
}

Duration evaluation_phase(std::string_view group_name, std::string_view file, Duration interval) {
  const std::uint64_t h = labels_hash({{"name", std::string(group_name)}, {"file", std::string(file)}});
  const auto interval_ns = static_cast<std::uint64_t>(interval.count()) * 1000;
  return Duration(static_cast<std::int64_t>((h % interval_ns) / 1000));
}

TimePoint first_slot_after(TimePoint start, Duration phase, Duration interval) {
  const std::int64_t s = to_us(start);
  const std::int64_t n = interval.count();
  const std::int64_t p = phase.count() % n;
  const std::int64_t at_or_before = s - ((s - p) % n + n) % n;  // the slot at or before start
  return at_us(at_or_before + n);
}

}  // namespace failsim::sim::prometheus
