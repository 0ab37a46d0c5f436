#include "harness/inputs/background.h"

#include "harness/inputs/distribution_field.h"

namespace failsim::harness {

using json_fields::Fields;
using json_fields::json;

namespace {

// The highest rate a file may ask for: about one event a minute.
constexpr double kMaxPerWeek = 10000;

sim::Distribution median(Duration d, double sigma) { return sim::Distribution::lognormal(d, sigma); }

}  // namespace

const BackgroundKind* Background::kind(const std::string& name) const {
  for (const auto& k : kinds) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

Background default_background() {
  using std::chrono::minutes;
  using std::chrono::seconds;
  Background b;
  b.kinds = {{"slow_scrape", 4, median(seconds(20), 0.5)},    {"dropped_connection", 4, median(seconds(10), 0.5)},
             {"exporter_restart", 1, median(seconds(5), 0.5)}, {"runner_restart", 1, median(seconds(45), 0.4)},
             {"resource_spike", 10, median(minutes(4), 0.6)},  {"prometheus_restart", 0.25, median(seconds(60), 0.5)}};
  return b;
}

std::string background_kind_names() {
  std::string out;
  for (const auto& k : default_background().kinds) out += (out.empty() ? "" : ", ") + k.name;
  return out;
}

Background read_background(Fields& top) {
  Background b = default_background();
  const json* v = top.get("background");
  if (v == nullptr) return b;
  Fields f(*v, "/background");
  b.min_outage = f.duration("min_outage", b.min_outage);
  if (b.min_outage < Duration(0)) Fields::fail(f.at("min_outage"), "expected a duration >= 0");
  b.spike_cpu_percent = f.percent("spike_cpu_percent", b.spike_cpu_percent);
  for (auto& k : b.kinds) {
    const json* kv = f.get(k.name);
    if (kv == nullptr) continue;
    Fields kf(*kv, f.at(k.name));
    k.per_week = kf.number("per_week", k.per_week);
    if (!(k.per_week >= 0 && k.per_week <= kMaxPerWeek)) {
      Fields::fail(kf.at("per_week"), "expected a rate in [0, " + std::to_string(static_cast<int>(kMaxPerWeek)) + "] per week");
    }
    k.duration = read_distribution(kf, "duration", k.duration);
    kf.finish();
  }
  f.finish();
  return b;
}

}  // namespace failsim::harness
