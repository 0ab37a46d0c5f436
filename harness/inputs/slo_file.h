// SLO files (scenarios/slos.json; format in scenarios/README.md): SC-001..SC-004 as
// data, read strictly into reports::SloSet. An unknown metric or field is an error
// naming the file and the JSON pointer.
#pragma once

#include <string>

#include "failover/result.h"
#include "reports/slo.h"

namespace failsim::harness {

Result<reports::SloSet> parse_slo_file(const std::string& json_text, const std::string& source);
Result<reports::SloSet> load_slo_file(const std::string& path);

}  // namespace failsim::harness
