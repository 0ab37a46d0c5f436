// The fake Alertmanager API v2 over the modelled Alertmanager (sim/prometheus/
// alertmanager.h), for scripts and tools written against a real one (amtool, curl):
//
//   GET /api/v2/alerts   the alerts it holds (firing, not resolved), as Alertmanager
//                        v0.25+ answers (api/v2/openapi.yaml, gettableAlerts): labels,
//                        annotations (the rule's, unexpanded), startsAt (when the alert
//                        fired: Prometheus sends StartsAt = FiredAt), updatedAt (its last
//                        send: Prometheus re-sends a firing alert at the first evaluation
//                        1m (--rules.alert.resend-delay) after the last), endsAt (that send
//                        + 4 x max(resend delay, group interval), 2.42's ValidUntil),
//                        fingerprint (the label set's FNV-1a 64, %016x), receivers
//                        [{"name":"default"}], status {"state":"active"}; sorted by
//                        fingerprint. Query: active, silenced, inhibited, unprocessed
//                        (true|false; silences and inhibitions are not modelled, so only
//                        active=false filters), filter (repeated, a matcher such as
//                        alertname="RunnerDown"). Bad parameters: 400 with a JSON string.
//   GET /api/v2/status   cluster {status "disabled"}, config {original: the route as
//                        YAML}, uptime (the world's start), versionInfo.
// A world without an Alertmanager answers 404 to both. Runs on the engine thread.
#pragma once

#include <httplib.h>

#include "fakes/live_loop.h"
#include "sim/world.h"

namespace failsim::fakes {

void install_alertmanager_api(httplib::Server& server, LiveLoop& loop, sim::World& world);

// The fingerprint Alertmanager shows for a label set (prometheus/common model.LabelSet.
// Fingerprint: FNV-1a 64 over each sorted name and value, each followed by 0xff).
std::string alert_fingerprint(const sim::prometheus::Labels& labels);

}  // namespace failsim::fakes
