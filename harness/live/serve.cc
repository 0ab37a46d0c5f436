#include "harness/live/serve.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <memory>
#include <ostream>
#include <random>
#include <sstream>
#include <thread>

#include "failover/duration.h"
#include "harness/runs/github_config.h"
#include "fakes/live_loop.h"
#include "harness/live/control_room.h"
#include "harness/live/gameday_api.h"
#include "harness/gate/gate.h"
#include "harness/inputs/inputs.h"
#include "harness/runs/run.h"
#include "harness/runs/suite.h"
#include "reports/report.h"

namespace failsim::harness {
namespace {

std::atomic<bool> g_signalled{false};

extern "C" void on_signal(int) { g_signalled.store(true); }

// Restores the previous SIGINT/SIGTERM handlers when the run ends.
class SignalGuard {
 public:
  SignalGuard() {
    g_signalled.store(false);
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~SignalGuard() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

std::string new_token() {
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  std::string t = "failsim_";
  for (int i = 0; i < 32; ++i) t += hex[rd() & 15];
  return t;
}

Result<bool> write_private(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Result<bool>::error("cannot write " + path);
  ::fchmod(fd, 0600);
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok ? Result<bool>::ok(true) : Result<bool>::error("cannot write " + path);
}

failover::QueryOutcome outcome_from(const nlohmann::json& check) {
  const std::string kind = check.value("result", "");
  if (kind == "value") {
    const auto& v = check["value"];
    const double value = v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN();
    return failover::QueryOutcome::of_value(value, check.value("series", std::size_t{1}));
  }
  if (kind == "empty") return failover::QueryOutcome::empty();
  return failover::QueryOutcome::failed(check.value("error", std::string("failsim gate gave no answer")));
}

// Everything live for one run; built when the world has started.
struct LiveSession {
  std::unique_ptr<fakes::LiveLoop> loop;
  std::unique_ptr<fakes::LiveWorld> world;
  std::unique_ptr<fakes::HttpServer> api;  // the game-day API and the control room
  std::atomic<bool> finished{false};
  std::atomic<bool> closing{false};  // the API is about to stop: event streams end
  std::thread watcher;
  int dispatches = 0;
  std::string startup_error;  // set when an endpoint could not be started

  ~LiveSession() {
    finished = true;
    closing = true;
    if (watcher.joinable()) watcher.join();
    if (api) api->stop();
    if (world) world->stop();
  }
};

}  // namespace

ServeOutcome run_serve(const ServeOptions& options, std::ostream& out, std::ostream& err) {
  ServeOutcome outcome;
  if (auto once = refuse_repeated_sets(options.sets); !once) {
    err << options.command << ": " << once.error() << "\n";
    return outcome;
  }
  auto overrides = parse_overrides(options.sets);
  if (!overrides) {
    err << options.command << ": " << overrides.error() << "\n";
    return outcome;
  }
  auto loaded = load_run(options.scenario_path, options.policy_path, options.rules_path, true, overrides.value());
  if (!loaded) {
    err << options.command << ": " << loaded.error() << "\n";
    return outcome;
  }
  if (!(options.speed > 0) || options.speed > 1e6) {
    err << options.command << ": --speed must be greater than 0 and at most 1000000\n";
    return outcome;
  }
  if (!fakes::is_loopback(options.listen)) {
    err << options.command << ": --listen " << options.listen << ": failsim serves on loopback only (127.0.0.1 or ::1)\n";
    return outcome;
  }
  if (options.port_base < 0 || options.port_base > 65535 - 64) {
    err << options.command << ": --port-base must be 0 (any free ports) or between 1 and 65471\n";
    return outcome;
  }
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) {
    err << options.command << ": cannot create " << options.out_dir << ": " << ec.message() << "\n";
    return outcome;
  }
  LoadedRun run = std::move(loaded).value();
  if (options.plan_required && run.scenario.checkpoints.empty()) {
    err << options.command << ": " << options.scenario_path
        << " is not a game-day plan (it has no \"plan_version\"; scenarios/README.md, \"Game-day plans\"); "
           "run a scenario with failsim serve\n";
    return outcome;
  }
  // Live, the virtual clock starts at the wall clock's now (or the given start), so
  // clients that send "now" (promtool, Grafana) and a real Prometheus scraping the
  // exporters see the present.
  // --warm-start runs this far ahead before the APIs open; a given start (now, TIME) is
  // where the clock then reads, so the world starts that much earlier.
  Duration warm_ahead{0};
  if (options.warm_start) {
    Duration scrape{0}, timeout{0}, evaluation = run.scenario.world.prometheus.evaluation_interval;
    for (const auto& job : run.scenario.world.scrape_configs) {
      scrape = std::max(scrape, job.scrape_interval);
      timeout = std::max(timeout, job.scrape_timeout);
    }
    for (const auto& group : run.rules) {
      if (group.interval_set) evaluation = std::max(evaluation, Duration(std::chrono::milliseconds(group.interval_ms)));
    }
    warm_ahead = scrape + timeout + 2 * evaluation;
  }
  if (options.start) run.scenario.world.start = *options.start - warm_ahead;
  if (options.no_workload) {
    run.scenario.deploys.clear();
    run.scenario.expect.clear();  // they were about the scheduled deploys
  }
  const std::string token = run.scenario.secret.empty() ? new_token() : run.scenario.secret;
  const std::string token_path = (std::filesystem::path(options.out_dir) / "github-token").string();
  if (auto w = write_private(token_path, token + "\n"); !w) {
    err << options.command << ": " << w.error() << "\n";
    return outcome;
  }

  SignalGuard signals;
  LiveSession session;
  LiveHooks hooks;
  hooks.started = [&](LiveControl& control) -> Result<bool> {
    if (warm_ahead > Duration(0)) {
      control.world().engine().run_until(control.world().engine().now() + warm_ahead);
      control.trace("run", "warm_start", "ran " + format_duration(warm_ahead) + " ahead before the APIs opened");
    }
    session.loop = std::make_unique<fakes::LiveLoop>(control.world().engine(), options.speed);
    hooks.loop = session.loop.get();
    fakes::LiveOptions lo;
    lo.listen = options.listen;
    lo.port_base = options.port_base;
    // The fake GitHub serves the world's repository and deploy workflow.
    lo.github = github_api_config(run.scenario.world_file, token);
    if (options.tls) {
      auto files = fakes::write_self_signed_cert((std::filesystem::path(options.out_dir) / "tls").string());
      if (!files) return Result<bool>::error(files.error());
      lo.github_tls = files.value();
    }
    // A REST dispatch of the deploy workflow is a deploy request, like a scheduled one.
    auto dispatch = [&session, &control](const std::string& ref, const nlohmann::json& inputs) {
      const int n = ++session.dispatches;
      std::string version = "manual-" + std::to_string(n);
      if (inputs.contains("version") && inputs["version"].is_string()) version = inputs["version"].get<std::string>();
      control.trace("deploy", "rest_dispatch", ref + " version " + version);
      return Result<std::optional<std::int64_t>>::ok(control.trigger_deploy(version, ref));
    };
    session.world = std::make_unique<fakes::LiveWorld>(control.world(), *session.loop, lo, dispatch);
    session.world->on_manual_fault([&control](const fakes::LiveWorld::ManualFault& m) {
      control.trace("fault", "manual", m.text);
      control.note_proxy_fault(m.kind, m.host, m.text, m.started);
    });
    auto started = session.world->start();
    if (!started) {
      session.startup_error = started.error();
      return started;
    }
    session.api = std::make_unique<fakes::HttpServer>();
    add_gameday_routes(*session.api, *session.loop, control, run.scenario);
    add_control_room_routes(*session.api, *session.loop, control, run.scenario, session.closing);
    auto api_port = session.api->start(options.listen, options.port_base == 0 ? 0 : options.port_base + 3);
    if (!api_port) {
      session.startup_error = "game-day API: " + api_port.error();
      return Result<bool>::error(session.startup_error);
    }
    session.watcher = std::thread([&session, stop = options.stop] {
      while (!session.finished.load()) {
        if (g_signalled.load() || (stop != nullptr && stop->load())) {
          session.loop->stop();
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
    auto endpoints = session.world->endpoints();
    endpoints.push_back(fakes::Endpoint{"api", session.api->url()});
    nlohmann::ordered_json ep;
    ep["scenario"] = run.scenario.name;
    ep["policy"] = run.policy.name;
    ep["seed"] = options.seed;
    ep["speed"] = options.speed;
    ep["token_file"] = token_path;
    if (lo.github_tls) ep["tls_cert"] = lo.github_tls->cert_path;
    out << options.command << ": " << run.scenario.name << " under " << run.policy.name << ", seed " << options.seed << ", "
        << options.speed << "x real time\n";
    for (const auto& e : endpoints) {
      std::string label = e.name;
      std::string url = e.url;
      if (e.name == "github") {
        url += "/repos/" + lo.github.owner + "/" + lo.github.repo + "/actions";
        label = "GitHub API";
      } else if (e.name == "prometheus") {
        label = "Prometheus";
      } else if (e.name == "control") {
        label = "proxy control (Toxiproxy API)";
      } else if (e.name == "api") {
        label = "control room";
        out << "  " << label << std::string(30 - label.size(), ' ') << url << "/\n";
        ep["endpoints"]["control_room"] = url + "/";
        label = "game-day API (faults, deploys)";
        url += "/api/faults";
      } else if (e.name == "alertmanager") {
        label = "Alertmanager API v2";
        url += "/api/v2/alerts";
      }
      out << "  " << label << std::string(label.size() < 30 ? 30 - label.size() : 1, ' ') << url << "\n";
      ep["endpoints"][e.name] = url;
    }
    out << "  GitHub token                  in " << token_path
        << " (curl -H \"Authorization: Bearer $(cat " << token_path << ")\" ...)\n"
        << (lo.github_tls ? "  TLS certificate (GitHub API)  " + lo.github_tls->cert_path +
                                  " (curl --cacert; SSL_CERT_FILE for gh with GH_HOST=127.0.0.1:PORT)\n"
                            : std::string())
        << "Ctrl-C stops; reports go to " << options.out_dir << "/\n";
    out.flush();
    if (auto w = write_atomically((std::filesystem::path(options.out_dir) / "endpoints.json").string(), ep.dump(2) + "\n"); !w) {
      return w;
    }
    if (options.on_ready) options.on_ready(endpoints);
    return Result<bool>::ok(true);
  };
  hooks.advance = [&](TimePoint until) {
    const bool reached = session.loop->run_until(until);
    if (!reached) return false;
    return true;
  };
  if (options.live_gate) {
    hooks.gate = [&](const std::string& hostname) {
      session.world->refresh();
      GateOptions g;
      g.policy_path = run.policy_path;
      g.prometheus_url = session.world->url("prometheus");
      g.timeout = std::chrono::seconds(10);
      g.hostname = hostname;
      std::ostringstream gate_out, gate_err;
      std::atomic<bool> done{false};
      int code = -1;
      std::thread t([&] {
        code = run_gate(g, gate_out, gate_err);
        done = true;
        session.loop->wake();
      });
      session.loop->run_frozen_until([&] { return done.load(); });
      t.join();
      GateAnswers answers;
      const auto report = nlohmann::json::parse(gate_out.str(), nullptr, false);
      if (report.is_discarded() || !report.is_object()) {
        answers.verdict = "exit " + std::to_string(code) + ": no JSON report";
        return answers;
      }
      for (const auto& c : report.value("checks", nlohmann::json::array())) {
        answers.by_query[c.value("query", "")] = outcome_from(c);
      }
      const auto& target = report["target"];
      answers.verdict = "exit " + std::to_string(code) + ": target " + (target.is_string() ? target.get<std::string>() : "none") +
                        (hostname.empty() ? "" : " (in-job on " + hostname + ")");
      return answers;
    };
  }
  if (options.keep_running) {
    // Past the schedule: keep the world running until stopped.
    hooks.finished = [&] {
      while (session.loop->run_until(session.loop->engine().now() + std::chrono::hours(1))) {
      }
    };
  }

  RunInputs in{&run.scenario, &run.policy, &run.rules, &hooks};
  in.run_to_end = options.no_workload;
  reports::RunResult result = run_scenario(in, options.seed);
  session.finished = true;
  session.closing = true;
  if (session.loop) session.loop->stop();  // clients' calls from now on get "the run is over"
  if (session.api) session.api->stop();
  if (session.world) session.world->stop();
  if (!session.startup_error.empty()) {  // nothing ran: no report
    err << options.command << ": " << session.startup_error << "\n";
    return outcome;
  }

  reports::SuiteReport suite;
  suite.failsim_version = FAILSIM_VERSION;
  reports::ScenarioReport sr;
  sr.name = run.scenario.name;
  sr.policy = run.policy.name;
  sr.file = run.scenario.file;
  sr.runs.push_back(result);
  sr.passed = result.passed();
  sr.aggregate = reports::aggregate(sr.runs);
  suite.scenarios.push_back(std::move(sr));
  auto written = write_reports(suite, options.out_dir, {token, run.scenario.secret});
  if (!written) {
    err << options.command << ": " << written.error() << "\n";
    return outcome;
  }
  // The run's trace (Chrome trace-event JSON, as `failsim replay --trace` writes it).
  const std::string trace = reports::chrome_trace(result);
  const std::string trace_path = (std::filesystem::path(options.out_dir) / "trace.json").string();
  if (trace.find(token) != std::string::npos || (!run.scenario.secret.empty() && trace.find(run.scenario.secret) != std::string::npos)) {
    err << options.command << ": the trace would contain a secret; not written\n";
    return outcome;
  }
  if (auto w = write_atomically(trace_path, trace); !w) {
    err << options.command << ": " << w.error() << "\n";
    return outcome;
  }
  out << "outcome: " << result.outcome << (result.runner ? " on " + *result.runner : "") << "; "
      << (result.passed() ? "expectations met" : "expectations NOT met") << "; reports in " << options.out_dir
      << "/ (results.json, junit.xml, summary.md, report.html, trace.json)\n";
  for (const auto& b : result.broken) out << "  broken: " << b << "\n";
  if (!result.scorecard.empty()) {
    std::size_t held = 0;
    for (const auto& c : result.scorecard) held += c.passed ? 1 : 0;
    out << "scorecard: " << held << "/" << result.scorecard.size() << " checkpoints held\n";
    for (const auto& c : result.scorecard) out << "  " << (c.passed ? "PASS " : "FAIL ") << c.name << ": " << c.detail << "\n";
  }
  outcome.exit_code = result.passed() && written.value() ? 0 : 1;
  outcome.result = std::move(result);
  return outcome;
}

}  // namespace failsim::harness
