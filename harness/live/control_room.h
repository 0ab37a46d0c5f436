// The control room of `failsim serve`: a web page and the JSON + server-sent-events API
// it runs on, on the game-day API's port (same origin as /api/faults, /api/deploys).
//
//   GET  /                    the page (harness/live/control_room/: index.html, app.js,
//   GET  /app.js, /style.css  style.css, compiled in; no CDN, no framework)
//   GET  /api/state           the world now (control_room_state below)
//   GET  /api/events          text/event-stream: "state" events of {state, trace} every
//                             250 ms of wall time, `trace` the trace events since the last
//                             one (the newest 20,000 in the first); "end" when the run is
//                             over. Built once per tick for all streams; at most 64
//                             streams at once, more are 503 with Retry-After: 1
//   POST /api/clock           {"paused": bool?, "speed": number?} -> 200 {clock}; a bad
//                             body -> 400 {"error": "POST /api/clock: /FIELD: ..."}
//   POST /api/runs/{id}/cancel  cancels a GitHub run as the REST API would -> 202, 404,
//                             409 (already completed)
// Every read and change runs on the engine thread (fakes::LiveLoop::call); 503 when
// the run is over.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>

#include "fakes/http_server.h"
#include "fakes/live_loop.h"
#include "harness/runs/run.h"
#include "harness/inputs/scenario.h"

namespace failsim::harness {

// Engine thread. The world as the page shows it: clock {now, t_seconds, speed,
// paused}, runners (GitHub status, busy, service, host, exporter, health as the gate
// would assess it), targets, alerts and rules, Alertmanager notifications, the newest
// GitHub runs with their jobs, deploys with the failover logic's decisions,
// production, faults.
nlohmann::ordered_json control_room_state(LiveControl& control, const fakes::LiveLoop& loop, const Scenario& scenario);

// `closing` turns true when the server is about to stop: open event streams end.
void add_control_room_routes(fakes::HttpServer& server, fakes::LiveLoop& loop, LiveControl& control,
                             const Scenario& scenario, const std::atomic<bool>& closing);

}  // namespace failsim::harness
