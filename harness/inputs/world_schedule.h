// `failsim schedule WORLD`: where the world's Prometheus places each target's scrapes
// and each rule group's evaluations within their intervals, as Prometheus 2.42 computes
// them (sim/prometheus/schedule.h), as JSON. Phases are offsets from the Unix epoch
// modulo the interval: a scrape or evaluation happens at every instant T with
// T mod interval == phase. A phase the world pins is reported as pinned; a world without
// prometheus.fqdn has per-seed scrape phases (null here).
#pragma once

#include <nlohmann/json.hpp>

#include "failover/result.h"
#include "harness/inputs/world_file.h"

namespace failsim::harness {

Result<nlohmann::json> world_schedule(const WorldFile& world);

}  // namespace failsim::harness
