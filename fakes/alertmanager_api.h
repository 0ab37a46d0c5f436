// The fake Alertmanager API v2 over the modelled Alertmanager (sim/prometheus/
// alertmanager.h), for scripts and tools written against a real one (amtool, curl):
//
//   GET /api/v2/alerts   the alerts it holds (firing, not resolved), as Alertmanager
//                        v0.25+ answers (api/v2/openapi.yaml, gettableAlerts): labels
//                        (with Prometheus's external labels), annotations (expanded, as
//                        Prometheus sends them), startsAt (when the alert fired:
//                        Prometheus sends StartsAt = FiredAt), updatedAt (its last send:
//                        Prometheus re-sends a firing alert at the first evaluation 1m
//                        (--rules.alert.resend-delay) after the last), endsAt (that send
//                        + 4 x max(resend delay, group interval), 2.42's ValidUntil),
//                        fingerprint (the label set's FNV-1a 64, %016x), receivers (the
//                        routes it takes), status (active, or suppressed with silencedBy
//                        and inhibitedBy), generatorURL (the rule's expression); sorted by
//                        fingerprint. Query: active, silenced, inhibited, unprocessed
//                        (true|false), filter (repeated; every matcher syntax 0.25's
//                        ParseMatcher takes, quoted or bare). Bad parameters: 400 with a
//                        JSON string, 0.25's words.
//   GET /api/v2/alerts/groups  those alerts by route and group_by labels.
//   GET /api/v2/receivers      every receiver the route tree names.
//   GET/POST /api/v2/silences, GET/DELETE /api/v2/silence/{id}: silences as 0.25 lists
//                        them; a silence made here mutes notifications in the model
//                        (Alertmanager::add_silence); DELETE expires it.
//   GET /api/v2/status   cluster {status "disabled"}, config {original: the route tree,
//                        inhibit rules and receivers as an alertmanager.yml 0.25 loads},
//                        uptime (the world's start), versionInfo (0.25.0).
//   GET /-/healthy, /-/ready   "OK".
// A world without an Alertmanager answers 404 to the API. Runs on the engine thread;
// handlers hand it copies of the request's parameters, never the request.
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
