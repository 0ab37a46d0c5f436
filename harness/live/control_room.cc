#include "harness/live/control_room.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "fakes/wire_format.h"
#include "reports/report.h"

namespace failsim::harness {

// The page's files, compiled in from harness/live/control_room/ (harness/CMakeLists.txt).
extern const char kControlRoomIndexHtml[];
extern const char kControlRoomAppJs[];
extern const char kControlRoomStyleCss[];

namespace {

using nlohmann::ordered_json;
namespace prom = sim::prometheus;

void reply(httplib::Response& res, int status, const ordered_json& body) {
  res.status = status;
  res.set_content(body.dump() + "\n", "application/json");
}

void run_over(httplib::Response& res) { reply(res, 503, {{"error", "the run is over"}}); }

ordered_json labels_json(const prom::Labels& labels) {
  ordered_json out = ordered_json::object();
  for (const auto& [k, v] : labels) out[k] = v;
  return out;
}

// A Unix-microsecond instant as seconds after the run's start.
double seconds_after(std::int64_t t_us, TimePoint start) { return static_cast<double>(t_us - to_us(start)) / 1e6; }

ordered_json clock_json(const fakes::LiveLoop& loop, TimePoint now, TimePoint start) {
  return {{"now", fakes::rfc3339(to_us(now), 3)},
          {"t_seconds", to_seconds(now - start)},
          {"speed", loop.speed()},
          {"paused", loop.paused()}};
}

ordered_json health_json(const failover::Assessment& a) {
  ordered_json checks = ordered_json::array();
  for (const auto& c : a.checks) {
    checks.push_back({{"name", c.name}, {"verdict", failover::to_string(c.verdict)}, {"reason", c.reason}});
  }
  return {{"healthy", a.healthy}, {"reasons", a.reasons}, {"warnings", a.warnings}, {"checks", checks}};
}

// What every event stream sends, built on the engine thread once per tick however many
// pages are open (500 streams each building the state four times a second held the
// engine, and with it every fake's answers, for minutes): the state as JSON text and
// the trace as JSON objects, appended as the run goes. A stream holds only its cursor.
class EventFeed {
 public:
  static constexpr std::size_t kMaxStreams = 64;          // more are 503 (Retry-After: 1)
  static constexpr std::size_t kFirstTraceEvents = 20000;  // the newest, sent to a new page

  bool admit() {
    if (streams_.fetch_add(1) >= kMaxStreams) {
      streams_.fetch_sub(1);
      return false;
    }
    return true;
  }
  void leave() { streams_.fetch_sub(1); }

  // Brings the feed up to date when it is a tick old. One stream does it; the others
  // send what is there (at most a tick old) rather than queue on the engine. False when
  // the engine has stopped.
  bool refresh(fakes::LiveLoop& loop, LiveControl& control, const Scenario& scenario) {
    std::unique_lock<std::mutex> one(refresh_mutex_, std::defer_lock);
    bool empty = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      empty = state_.empty();
    }
    if (empty) {
      one.lock();  // nothing to send yet: wait for whoever builds it
    } else if (!one.try_lock()) {
      return !loop.stopped();
    }
    if (std::chrono::steady_clock::now() - built_ < std::chrono::milliseconds(200) && !state_.empty()) return !loop.stopped();
    const std::size_t known = trace_count_.load();
    auto built = loop.call(
        [&control, &loop, &scenario, known] {
          std::pair<std::string, std::vector<std::string>> out;
          out.first = control_room_state(control, loop, scenario).dump();
          const TimePoint start = control.world().spec().start;
          for (const auto& e : control.trace_since(known)) {
            out.second.push_back(ordered_json({{"t_seconds", seconds_after(e.t_us, start)},
                                               {"category", e.category},
                                               {"name", e.name},
                                               {"detail", e.detail}})
                                     .dump());
          }
          return out;
        },
        std::chrono::milliseconds(2000));
    if (!built) return !loop.stopped() && !state_.empty();  // busy past the wait: send the last one
    std::lock_guard<std::mutex> lock(mutex_);
    state_ = std::move(built->first);
    for (auto& e : built->second) trace_.push_back(std::move(e));
    trace_count_.store(trace_.size());
    built_ = std::chrono::steady_clock::now();
    return true;
  }

  // "event: state" with the state and the trace from `cursor` (a new page: the newest
  // kFirstTraceEvents); moves the cursor on.
  std::string event_for(std::size_t& cursor, bool reset) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::size_t from = cursor;
    if (reset) from = trace_.size() > kFirstTraceEvents ? trace_.size() - kFirstTraceEvents : 0;
    std::string out = std::string("event: state\ndata: {\"reset\":") + (reset ? "true" : "false") + ",\"state\":" + state_ + ",\"trace\":[";
    for (std::size_t i = from; i < trace_.size(); ++i) out += (i == from ? "" : ",") + trace_[i];
    out += "]}\n\n";
    cursor = trace_.size();
    return out;
  }

 private:
  std::atomic<std::size_t> streams_{0};
  std::mutex refresh_mutex_;  // one refresh at a time
  std::mutex mutex_;          // the fields below
  std::string state_;
  std::vector<std::string> trace_;
  std::atomic<std::size_t> trace_count_{0};
  std::chrono::steady_clock::time_point built_{};
};

}  // namespace

ordered_json control_room_state(LiveControl& control, const fakes::LiveLoop& loop, const Scenario& scenario) {
  sim::World& world = control.world();
  const TimePoint start = world.spec().start;
  const TimePoint now = world.engine().now();
  auto since = [start](TimePoint t) { return to_seconds(t - start); };
  ordered_json s;
  s["scenario"] = scenario.name;
  s["policy"] = control.policy().name;
  s["clock"] = clock_json(loop, now, start);
  s["start"] = fakes::rfc3339(to_us(start), 0);
  s["prometheus_host"] = world.spec().prometheus.host;

  // Runners: the policy's candidates first, in its order (primary, secondary...).
  const failover::Policy& policy = control.policy();
  const auto health = control.health_now();
  ordered_json runners = ordered_json::array();
  std::vector<std::string> order;
  for (const auto& c : policy.candidates) order.push_back(c.name);
  for (const auto& r : world.runners()) {
    if (std::find(order.begin(), order.end(), r->spec().runner_name) == order.end()) order.push_back(r->spec().runner_name);
  }
  for (const auto& name : order) {
    const auto* host = world.runner(name);
    if (host == nullptr) continue;
    ordered_json r;
    r["name"] = name;
    r["host"] = host->spec().host;
    r["hostname"] = host->spec().hostname;
    r["labels"] = host->spec().labels;
    r["exporter_port"] = host->spec().exporter_port;
    const auto role = std::find_if(policy.candidates.begin(), policy.candidates.end(), [&](const auto& c) { return c.name == name; });
    r["role"] = role == policy.candidates.end() ? "" : role == policy.candidates.begin() ? "primary" : "secondary";
    const auto& records = world.github().runners();
    const auto rec = records.find(name);
    r["github"] = rec == records.end() ? "unregistered" : rec->second.online ? "online" : "offline";
    r["busy"] = rec != records.end() && rec->second.busy;
    r["service"] = sim::runner::to_string(host->service());
    r["host_up"] = host->host_up();
    // A runner without an exporter (GitHub's own, or one nobody scrapes) has none to show.
    r["exporter"] = host->spec().exporter_port == 0 ? "none" : host->exporter_running() ? "running" : "stopped";
    r["cpu_percent"] = host->spec().cpu_percent;
    if (role != policy.candidates.end()) {
      r["health"] = health_json(health[static_cast<std::size_t>(role - policy.candidates.begin())]);
    }
    runners.push_back(std::move(r));
  }
  s["runners"] = std::move(runners);

  ordered_json targets = ordered_json::array();
  for (const auto& t : world.prometheus().targets()) {
    targets.push_back({{"job", t.job},
                       {"instance", t.instance},
                       {"health", t.health},
                       {"last_error", t.last_error},
                       {"last_scrape_seconds", t.last_scrape == TimePoint{} ? ordered_json(nullptr) : ordered_json(since(t.last_scrape))}});
  }
  s["targets"] = std::move(targets);

  // Alerting rules: each rule's state, and its active alerts.
  ordered_json rules = ordered_json::array();
  for (const auto& g : world.prometheus().rule_groups()) {
    for (const auto& rule : g.alerting_rules()) {
      ordered_json alerts = ordered_json::array();
      for (const auto& a : rule.active()) {
        alerts.push_back({{"state", prom::to_string(a.state)},
                          {"labels", labels_json(a.labels)},
                          {"active_seconds", seconds_after(a.active_at_ms * 1000, start)},
                          {"fired_seconds", a.fired_at_ms < 0 ? ordered_json(nullptr) : ordered_json(seconds_after(a.fired_at_ms * 1000, start))}});
      }
      rules.push_back({{"name", rule.spec().name}, {"group", g.spec().name}, {"state", prom::to_string(rule.state())}, {"alerts", alerts}});
    }
  }
  s["rules"] = std::move(rules);
  ordered_json notes = ordered_json::array();
  if (const auto* am = world.alertmanager()) {
    for (const auto& n : am->notifications()) {
      ordered_json firing = ordered_json::array();
      for (const auto& l : n.firing) firing.push_back(std::string(prom::label_value(l, "alertname")));
      notes.push_back({{"at_seconds", since(n.at)}, {"group", labels_json(n.group)}, {"firing", firing}, {"resolved", n.resolved.size()}});
    }
  }
  s["alertmanager"] = world.alertmanager() != nullptr;
  s["notifications"] = std::move(notes);

  // The newest GitHub runs (at most 12), newest first, with their jobs.
  ordered_json runs = ordered_json::array();
  const auto& all_runs = world.github().runs();
  int shown = 0;
  for (auto it = all_runs.rbegin(); it != all_runs.rend() && shown < 12; ++it, ++shown) {
    const auto& run = it->second;
    ordered_json jobs = ordered_json::array();
    for (const auto id : run.job_ids) {
      const auto* j = world.github().job(id);
      if (j == nullptr) continue;
      jobs.push_back({{"id", j->id}, {"name", j->spec.name}, {"status", sim::github::to_string(j->status)},
                      {"conclusion", j->conclusion}, {"runner", j->runner_name}, {"attempt", j->attempt}});
    }
    runs.push_back({{"id", run.id}, {"workflow", run.workflow.name}, {"ref", run.ref}, {"status", sim::github::to_string(run.status)},
                    {"conclusion", run.conclusion}, {"attempt", run.attempt}, {"created_seconds", since(run.created_at)}, {"jobs", jobs}});
  }
  s["runs"] = std::move(runs);

  ordered_json deploys = ordered_json::array();
  int index = 0;
  for (const auto& d : control.deploys_now()) {
    ordered_json decisions = ordered_json::array();
    for (const auto& e : d.decisions) {
      decisions.push_back({{"t_seconds", seconds_after(e.t_us, start)}, {"kind", e.name}, {"message", e.detail}});
    }
    deploys.push_back({{"index", index++},
                       {"version", d.result.version},
                       {"source", d.result.source},
                       {"outcome", d.result.outcome},
                       {"runner", d.result.runner},
                       {"attempts", d.result.attempts},
                       {"diagnosis", d.result.diagnosis},
                       {"run_id", d.run_id == 0 ? ordered_json(nullptr) : ordered_json(d.run_id)},
                       {"triggered_seconds", d.result.triggered_seconds},
                       {"finished_seconds", d.result.finished_seconds ? ordered_json(*d.result.finished_seconds) : ordered_json(nullptr)},
                       {"decisions", decisions}});
  }
  s["deploys"] = std::move(deploys);
  const auto& production = world.production();
  s["production"] = {{"version", production.current_version()}, {"healthy", production.healthy()}, {"partial", production.partial()}};
  ordered_json faults = ordered_json::array();
  for (const auto& f : control.faults()) faults.push_back(ordered_json(reports::fault_record_json(f)));
  s["faults"] = std::move(faults);
  // A game-day plan's checkpoints as they stand: passed, failed (met late, or its
  // deadline passed, or a `never` broken), or waiting.
  ordered_json plan = ordered_json::array();
  const double t_now = to_seconds(now - start);
  for (const auto& c : control.scorecard_now()) {
    std::string state = c.passed ? "passed" : "waiting";
    if (!c.passed && (c.met_seconds || (c.deadline_seconds && t_now > *c.deadline_seconds))) state = "failed";
    plan.push_back({{"name", c.name}, {"text", c.text}, {"state", state},
                    {"met_seconds", c.met_seconds ? ordered_json(*c.met_seconds) : ordered_json(nullptr)},
                    {"deadline_seconds", c.deadline_seconds ? ordered_json(*c.deadline_seconds) : ordered_json(nullptr)},
                    {"detail", state == "waiting" ? std::string() : c.detail}});
  }
  s["checkpoints"] = std::move(plan);
  return s;
}

void add_control_room_routes(fakes::HttpServer& server, fakes::LiveLoop& loop, LiveControl& control,
                             const Scenario& scenario, const std::atomic<bool>& closing) {
  auto& routes = server.routes();
  auto asset = [&routes](const char* path, const char* body, const char* type) {
    routes.Get(path, [body, type](const httplib::Request&, httplib::Response& res) {
      res.set_header("Cache-Control", "no-store");
      res.set_content(body, type);
    });
  };
  asset("/", kControlRoomIndexHtml, "text/html; charset=utf-8");
  asset("/app.js", kControlRoomAppJs, "text/javascript; charset=utf-8");
  asset("/style.css", kControlRoomStyleCss, "text/css; charset=utf-8");

  routes.Get("/api/state", [&loop, &control, &scenario](const httplib::Request&, httplib::Response& res) {
    auto state = loop.call([&] { return control_room_state(control, loop, scenario); });
    if (!state) return run_over(res);
    reply(res, 200, *state);
  });

  auto feed = std::make_shared<EventFeed>();
  routes.Get("/api/events", [&loop, &control, &scenario, &closing, feed](const httplib::Request&, httplib::Response& res) {
    res.set_header("Cache-Control", "no-store");
    if (!feed->admit()) {
      res.set_header("Retry-After", "1");
      return reply(res, 503, {{"error", "GET /api/events: " + std::to_string(EventFeed::kMaxStreams) +
                                            " event streams are open already; close a page or retry"}});
    }
    auto cursor = std::make_shared<std::size_t>(0);
    auto first = std::make_shared<bool>(true);
    res.set_chunked_content_provider(
        "text/event-stream",
        [&loop, &control, &scenario, &closing, feed, cursor, first](std::size_t, httplib::DataSink& sink) {
          const bool reset = *first;  // a new stream: the page starts its timeline over
          if (!*first) {  // a tick: 250 ms of wall time, in short sleeps so a stop ends it soon
            for (int i = 0; i < 5 && !closing.load() && !loop.stopped(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
          }
          *first = false;
          const bool live = !closing.load() && feed->refresh(loop, control, scenario);
          if (!live || closing.load()) {
            const std::string end = "event: end\ndata: {\"reason\": \"the run is over\"}\n\n";
            sink.write(end.data(), end.size());
            sink.done();
            return true;
          }
          const std::string message = feed->event_for(*cursor, reset);
          return sink.write(message.data(), message.size());
        },
        [feed](bool) { feed->leave(); });
  });

  routes.Post("/api/clock", [&loop, &control](const httplib::Request& req, httplib::Response& res) {
    const auto body = nlohmann::json::parse(req.body.empty() ? "{}" : req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) return reply(res, 400, {{"error", "POST /api/clock: expected a JSON object"}});
    std::optional<bool> paused;
    std::optional<double> speed;
    for (const auto& [key, value] : body.items()) {
      if (key == "paused") {
        if (!value.is_boolean()) return reply(res, 400, {{"error", "POST /api/clock: /paused: expected true or false"}});
        paused = value.get<bool>();
      } else if (key == "speed") {
        if (!value.is_number() || !(value.get<double>() > 0) || value.get<double>() > 1e6 || !std::isfinite(value.get<double>())) {
          return reply(res, 400, {{"error", "POST /api/clock: /speed: expected a number greater than 0 and at most 1000000"}});
        }
        speed = value.get<double>();
      } else {
        return reply(res, 400, {{"error", "POST /api/clock: /" + key + ": unknown field (paused, speed)"}});
      }
    }
    auto clock = loop.call([&loop, &control, paused, speed] {
      if (speed) loop.set_speed(*speed);
      if (paused) loop.set_paused(*paused);
      return clock_json(loop, loop.engine().now(), control.world().spec().start);
    });
    if (!clock) return run_over(res);
    reply(res, 200, *clock);
  });

  routes.Post(R"(/api/runs/(\d{1,18})/cancel)", [&loop, &control](const httplib::Request& req, httplib::Response& res) {
    const std::int64_t id = std::stoll(req.matches[1]);
    auto done = loop.call([&control, id]() -> std::pair<int, std::string> {
      const auto* run = control.world().github().run(id);
      if (run == nullptr) return {404, "no run " + std::to_string(id)};
      auto r = control.world().github().cancel_run(id);
      if (!r) return {409, r.error()};
      control.trace("github", "cancel_run", "run " + std::to_string(id) + " (by hand)");
      return {202, ""};
    });
    if (!done) return run_over(res);
    if (done->first != 202) return reply(res, done->first, {{"error", done->second}});
    reply(res, 202, {{"run_id", id}});
  });
}

}  // namespace failsim::harness
