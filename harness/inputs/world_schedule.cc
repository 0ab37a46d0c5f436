#include "harness/inputs/world_schedule.h"

#include "sim/prometheus/rules.h"
#include "sim/prometheus/schedule.h"

namespace failsim::harness {

Result<nlohmann::json> world_schedule(const WorldFile& world) {
  namespace prom = sim::prometheus;
  const sim::WorldSpec& spec = world.spec;
  nlohmann::json out;
  out["world"] = world.name;
  out["jitter_seed"] = spec.prometheus.jitter_seed ? nlohmann::json(std::to_string(*spec.prometheus.jitter_seed)) : nlohmann::json();
  out["targets"] = nlohmann::json::array();
  for (const auto& c : spec.scrape_configs) {
    for (const auto& t : c.targets) {
      nlohmann::json j;
      j["job"] = c.job;
      j["instance"] = t.host + ":" + std::to_string(t.port);
      j["interval_seconds"] = to_seconds(c.scrape_interval);
      const std::optional<Duration> pinned = t.offset ? t.offset : c.fixed_offset;
      if (pinned) {
        j["phase_seconds"] = to_seconds(*pinned);
        j["source"] = "pinned (scrape_offset)";
      } else if (spec.prometheus.jitter_seed) {
        prom::ScrapeTargetKey key{c.job, t.host + ":" + std::to_string(t.port), c.scheme, c.metrics_path, c.scrape_interval,
                                  c.scrape_timeout, {}};
        for (const auto& [name, value] : t.labels) key.labels.emplace_back(name, value);
        j["phase_seconds"] = to_seconds(prom::scrape_phase(key, *spec.prometheus.jitter_seed));
        j["source"] = "prometheus 2.42 (target hash XOR jitter seed)";
      } else {
        j["phase_seconds"] = nullptr;
        j["source"] = "drawn per seed (the world gives no prometheus.fqdn)";
      }
      out["targets"].push_back(j);
    }
  }
  out["rule_groups"] = nlohmann::json::array();
  for (const auto& file : world.rule_files) {
    auto groups = prom::load_rule_file(file);
    if (!groups) return Result<nlohmann::json>::error(groups.error());
    for (auto g : groups.value()) {
      g.file = world.server_path_for(file);
      const Duration interval = g.interval_set ? Duration(g.interval_ms * 1000) : spec.prometheus.evaluation_interval;
      nlohmann::json j;
      j["file"] = g.file;
      j["name"] = g.name;
      j["interval_seconds"] = to_seconds(interval);
      if (const auto it = spec.prometheus.group_offsets.find(g.name); it != spec.prometheus.group_offsets.end()) {
        j["phase_seconds"] = to_seconds(it->second);
        j["source"] = "pinned (evaluation_offset)";
      } else if (!spec.prometheus.hashed_evaluation_phase) {
        j["phase_seconds"] = to_seconds(spec.prometheus.evaluation_offset);
        j["source"] = "pinned (evaluation_offset, from the run's start)";
      } else {
        j["phase_seconds"] = to_seconds(prom::evaluation_phase(g.name, g.file, interval));
        j["source"] = "prometheus 2.42 (hash of name and file)";
      }
      out["rule_groups"].push_back(j);
    }
  }
  return Result<nlohmann::json>::ok(out);
}

}  // namespace failsim::harness
