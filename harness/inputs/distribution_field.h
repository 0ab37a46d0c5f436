// Reading a distribution field of a scenario or world file: a duration ("45s", fixed)
// or {"kind": "fixed"|"uniform"|"exponential"|"normal"|"lognormal", ...}; errors name
// the JSON pointer (json_fields::Fields).
#pragma once

#include <string>

#include "failover/json_fields.h"
#include "sim/distribution.h"

namespace failsim::harness {

sim::Distribution read_distribution(json_fields::Fields& parent, const std::string& key, sim::Distribution fallback);

}  // namespace failsim::harness
