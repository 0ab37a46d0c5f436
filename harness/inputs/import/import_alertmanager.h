// `failsim import alertmanager alertmanager.yml [--silences silences.json]`: the world's
// Alertmanager (prometheus.alertmanager, sim/prometheus/alertmanager.h) from the file a
// team keeps. Read: the route tree (receiver, matchers / match / match_re, group_by,
// group_wait, group_interval, repeat_interval, continue, routes), inhibit_rules (source
// and target matchers in either form, equal) and the receivers' names; and silences from
// a saved GET /api/v2/silences (active ones mute for the whole run, a note says so).
// Everything else (receivers' integrations, templates, time intervals, global settings)
// is a note with file:line: notifications are counted, not delivered.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "failover/result.h"
#include "harness/inputs/import/import_common.h"

namespace failsim::harness {

struct AlertmanagerImport {
  nlohmann::json alertmanager;  // the world's prometheus.alertmanager
  std::vector<ImportNote> notes;
};

Result<AlertmanagerImport> import_alertmanager(const std::string& yaml_text, const std::string& file,
                                               const std::string& silences_text = "", const std::string& silences_file = "");

}  // namespace failsim::harness
