// The game-day API of `failsim serve`: faults and deploys by hand, over the same run
// record the scenario's schedule writes into (harness/runs/run.h, LiveControl).
//
//   GET    /api/faults       {"faults": [record...]}: every fault so far, scheduled, by
//                            hand or on a proxy (reports::fault_record_json)
//   POST   /api/faults       body: one fault in the scenario format (scenarios/README.md;
//                            `at` optional, from now) -> 201 {"fault": record}; a bad
//                            fault -> 400 {"error": "POST /api/faults: /FIELD: ..."}
//   DELETE /api/faults/{id}  ends it now -> 200 {"fault": record}; 404 no such fault;
//                            409 already over or not started
//   POST   /api/deploys      {"version": "v2", "ref": "refs/heads/x"?} -> 201 {"version",
//                            "run_id" (null until the policy dispatches)}; a deploy
//                            request like a scheduled one, marked "api" in the report
// Every call runs on the engine thread (fakes::LiveLoop::call); 503 when the run is over.
#pragma once

#include "fakes/http_server.h"
#include "fakes/live_loop.h"
#include "harness/runs/run.h"
#include "harness/inputs/scenario.h"

namespace failsim::harness {

void add_gameday_routes(fakes::HttpServer& server, fakes::LiveLoop& loop, LiveControl& control, const Scenario& scenario);

}  // namespace failsim::harness
