#include "harness/runs/command_checks.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "failover/utf8.h"
#include "fakes/github_api.h"
#include "fakes/http_server.h"
#include "fakes/live_loop.h"
#include "fakes/prometheus_api.h"
#include "fakes/prometheus_metadata_api.h"
#include "harness/gate/command_exec.h"
#include "harness/runs/github_config.h"

namespace failsim::harness {

// One request a command made and the answer it got, as the reuse tree keys them.
struct Exchange {
  bool replayable = false;  // a read of the Prometheus API (replay() answers it)
  std::string method;
  std::string path;
  httplib::Params params;
  std::string request_key;
  std::string reply_key;
};

namespace {

constexpr const char* kNowMark = "\x01now\x01";  // output never holds \x01 (command_exec.h)
constexpr std::size_t kTraceBytes = 600;          // of each stream, in the trace

std::atomic<std::uint64_t> g_calls{0};
std::atomic<std::uint64_t> g_started{0};

void replace_every(std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) s.replace(pos, from.size(), to);
}


// The evaluation timestamp of an instant query's answer ("[1733600123.456,") is the
// virtual now; the key leaves it out.
std::string reply_key(int status, const std::string& content_type, std::string body, const std::string& now_text) {
  replace_every(body, "[" + now_text + ",", std::string("[") + kNowMark + ",");
  return std::to_string(status) + "\n" + content_type + "\n" + body;
}

std::string request_key(const std::string& server, const std::string& method, const std::string& path,
                        const httplib::Params& params) {
  std::string key = server + " " + method + " " + path;
  for (const auto& [k, v] : params) key += "\n" + k + "=" + v;
  return key;
}

// A read of the Prometheus API that can be answered again without HTTP, from the same
// renderers the fake's handlers use (fakes/prometheus_api.h).
bool replayable(const std::string& server, const std::string& method, const std::string& path) {
  if (server != "prometheus") return false;
  if (path == "/api/v1/query" || path == "/api/v1/query_range") return method == "GET" || method == "POST";
  return method == "GET" && (path == "/api/v1/targets" || path == "/api/v1/alerts" || path == "/api/v1/rules");
}

// The answer the fake Prometheus would give `e` now, as a reply key; nullopt: not one
// that can be answered here (then the command runs).
std::optional<std::string> replay(const Exchange& e, sim::World& world, const std::string& now_text) {
  for (const auto& [name, value] : e.params) {
    if (first_invalid_utf8(name) || first_invalid_utf8(value)) return std::nullopt;  // the fake answers 400
  }
  const auto& prometheus = world.prometheus();
  fakes::ApiReply r;
  if (e.path == "/api/v1/query") {
    r = fakes::render_query(prometheus, e.params, world.engine().now());
  } else if (e.path == "/api/v1/query_range") {
    r = fakes::render_query_range(prometheus, e.params);
  } else if (e.path == "/api/v1/targets") {
    r = fakes::render_targets(prometheus, e.params);
  } else if (e.path == "/api/v1/alerts") {
    r = fakes::render_alerts(prometheus);
  } else if (e.path == "/api/v1/rules") {
    r = fakes::render_rules(prometheus, e.params, world.engine().now(), world.spec().start);
  } else {
    return std::nullopt;
  }
  return reply_key(r.status, r.content_type, r.body, now_text);
}

// The tree of what a command did: at each node, the request it made next (or, at a
// leaf, its result); children by the answer it got.
struct MemoNode {
  bool terminal = false;
  CommandResult result;  // terminal: outputs with kNowMark for the virtual now
  Exchange request;      // not terminal: the next request (replayable by construction)
  std::map<std::string, std::unique_ptr<MemoNode>> next;
};

// A bound on what is remembered (each node holds an answer, a few hundred bytes): past
// it, what is known is still reused, and new calls run without being remembered.
constexpr std::size_t kMaxMemoNodes = 200000;

struct Memo {
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<MemoNode>> roots;
  std::set<std::string> unusable;  // keys whose command did two different things on the same answers
  std::size_t nodes = 0;
};

Memo& memo() {
  static Memo m;
  return m;
}

std::string file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::atomic<bool> g_memo{true};
thread_local bool t_uncounted = false;
std::mutex g_verdicts_mutex;
std::map<CommandStats::Verdict, std::uint64_t> g_verdicts;

}  // namespace

UncountedCommands::UncountedCommands() : was_(t_uncounted) { t_uncounted = true; }
UncountedCommands::~UncountedCommands() { t_uncounted = was_; }

CommandStats command_stats() {
  CommandStats s{g_calls.load(), g_started.load(), {}};
  std::lock_guard<std::mutex> lock(g_verdicts_mutex);
  s.verdicts = g_verdicts;
  return s;
}
void set_command_memo(bool on) { g_memo = on; }
bool command_memo() { return g_memo.load(); }

struct CommandChecks::Servers {
  Servers(sim::Engine& engine, fakes::LiveLoop* shared)
      : own_loop(shared == nullptr ? std::make_unique<fakes::LiveLoop>(engine, 1.0) : nullptr),
        loop(shared == nullptr ? *own_loop : *shared) {}
  ~Servers() {
    if (own_loop) own_loop->stop();
    github.stop();
    prometheus.stop();
    if (blackhole_fd >= 0) close(blackhole_fd);
    if (refusing_fd >= 0) close(refusing_fd);
  }
  // Runs `work` on a helper thread while this (the engine) thread serves the APIs'
  // requests with virtual time frozen.
  template <class F>
  void frozen(F work) {
    std::atomic<bool> done{false};
    std::thread t([&] {
      work();
      done = true;
      loop.wake();
    });
    loop.run_frozen_until([&] { return done.load(); });
    t.join();
  }
  void record(const std::string& server, const httplib::Request& req, const httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!recording) return;
    Exchange e;
    e.method = req.method;
    e.path = req.path;
    e.params = req.params;
    e.replayable = replayable(server, req.method, req.path);
    e.request_key = request_key(server, req.method, req.path, req.params);
    e.reply_key = reply_key(res.status, res.get_header_value("Content-Type"), res.body, now_text);
    recorded.push_back(std::move(e));
  }

  std::unique_ptr<fakes::LiveLoop> own_loop;
  fakes::LiveLoop& loop;
  fakes::HttpServer github;
  fakes::HttpServer prometheus;
  int blackhole_fd = -1;  // listens, never accepts: a dropped path
  int refusing_fd = -1;   // bound, not listening: a rejected path
  std::string blackhole_url;
  std::string refusing_url;
  std::mutex mutex;  // guards recording, recorded, now_text
  bool recording = false;
  std::vector<Exchange> recorded;
  std::string now_text;
};

namespace {

// A loopback socket bound to an ephemeral port; listening or not. Returns its fd and URL.
int loopback_socket(bool listening, std::string& url) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || (listening && listen(fd, 64) != 0) ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    return -1;
  }
  url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  return fd;
}

}  // namespace

CommandChecks::CommandChecks(sim::World& world, const WorldFile& world_file, std::string token, CommandCheckOptions options)
    : world_(world), world_file_(world_file), token_(std::move(token)), options_(std::move(options)) {}

CommandChecks::~CommandChecks() = default;

bool CommandChecks::start_servers() {
  if (servers_) return true;
  if (!start_error_.empty()) return false;
  auto s = std::make_unique<Servers>(world_.engine(), options_.loop);
  s->github.accept_path_prefix("/api/v3");
  fakes::install_github_api(s->github.routes(), s->loop, world_.github(), github_api_config(world_file_, token_));
  fakes::install_prometheus_api(s->prometheus.routes(), s->loop, world_.prometheus(), world_.spec().start);
  fakes::PrometheusStatus status;
  status.started = world_.spec().start;
  fakes::install_prometheus_metadata_api(s->prometheus.routes(), s->loop, world_.prometheus(), status);
  Servers* raw = s.get();
  s->github.on_answer([raw](const httplib::Request& q, const httplib::Response& r) { raw->record("github", q, r); });
  s->prometheus.on_answer([raw](const httplib::Request& q, const httplib::Response& r) { raw->record("prometheus", q, r); });
  auto gh = s->github.start("127.0.0.1", 0);
  auto pr = s->prometheus.start("127.0.0.1", 0);
  s->blackhole_fd = loopback_socket(true, s->blackhole_url);
  s->refusing_fd = loopback_socket(false, s->refusing_url);
  if (!gh) {
    start_error_ = "GitHub API: " + gh.error();
  } else if (!pr) {
    start_error_ = "Prometheus API: " + pr.error();
  } else if (s->blackhole_fd < 0 || s->refusing_fd < 0) {
    start_error_ = "no loopback port for an unreachable Prometheus";
  } else {
    servers_ = std::move(s);
  }
  return servers_ != nullptr;
}

namespace {

// The outcome a call with this key had when every read replays to the same answer now;
// false when none is known (or the world answers differently somewhere).
bool reuse(const std::string& key, sim::World& world, const std::string& now_text, CommandResult& result) {
  Memo& m = memo();
  MemoNode* node = nullptr;
  {
    std::lock_guard<std::mutex> lock(m.mutex);
    if (m.unusable.count(key) > 0) return false;
    const auto it = m.roots.find(key);
    if (it == m.roots.end()) return false;
    node = it->second.get();
  }
  // Nodes are never removed, so a pointer stays good outside the lock.
  for (;;) {
    Exchange request;
    {
      std::lock_guard<std::mutex> lock(m.mutex);
      if (node->terminal) {
        result = node->result;
        replace_every(result.out, kNowMark, now_text);
        replace_every(result.err, kNowMark, now_text);
        return true;
      }
      request = node->request;
    }
    const std::optional<std::string> answer = replay(request, world, now_text);
    if (!answer) return false;
    std::lock_guard<std::mutex> lock(m.mutex);
    const auto child = node->next.find(*answer);
    if (child == node->next.end()) return false;
    node = child->second.get();
  }
}

// Remembers what a call did (its reads and answers, then its result). A call that did
// something else on the same answers marks its key unusable: it is not deterministic.
void remember(const std::string& key, const std::vector<Exchange>& transcript, CommandResult result, const std::string& now_text) {
  if (result.kind != CommandResult::Kind::kExited) return;
  for (const auto& e : transcript) {
    if (!e.replayable) return;
  }
  replace_every(result.out, now_text, kNowMark);
  replace_every(result.err, now_text, kNowMark);
  Memo& m = memo();
  std::lock_guard<std::mutex> lock(m.mutex);
  if (m.nodes + transcript.size() + 1 > kMaxMemoNodes) return;
  auto& root = m.roots[key];
  if (!root) {
    root = std::make_unique<MemoNode>();
    ++m.nodes;
  }
  MemoNode* node = root.get();
  for (const auto& e : transcript) {
    if (node->terminal || (!node->request.request_key.empty() && node->request.request_key != e.request_key)) {
      m.unusable.insert(key);
      return;
    }
    node->request = e;
    auto& child = node->next[e.reply_key];
    if (!child) {
      child = std::make_unique<MemoNode>();
      ++m.nodes;
    }
    node = child.get();
  }
  const bool differs = !node->request.request_key.empty() ||
                       (node->terminal && (node->result.exit_status != result.exit_status || node->result.out != result.out ||
                                           node->result.err != result.err));
  if (differs) {
    m.unusable.insert(key);
    return;
  }
  node->terminal = true;
  node->result = std::move(result);
}

// "gate team-gate on Serotonin-paws360"; a selection is about no one runner: "select pick".
std::string about(const failover::PlannedCheck& check) {
  return check.stage + " " + check.check->name + (check.runner.empty() ? "" : " on " + check.runner);
}

// The trace line of a call: what it is about, how it ended, the tail of each stream.
std::string trace_line(const failover::PlannedCheck& check, const CommandResult& result) {
  auto tail = [](const std::string& text) {
    if (text.size() <= kTraceBytes) return text;
    std::size_t cut = text.size() - kTraceBytes;
    while (cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) ++cut;
    return "…" + text.substr(cut);
  };
  std::string line = about(check) + ": " + result.describe();
  if (!result.out.empty()) line += " | stdout: " + tail(result.out);
  if (!result.err.empty()) line += " | stderr: " + tail(result.err);
  return line;
}

// What a command is, for the reuse key: its argv and the contents of the files it names.
std::string command_identity(const std::vector<std::string>& argv) {
  std::string id;
  for (const auto& a : argv) {
    id += "\n" + a;
    std::error_code ec;
    if (std::filesystem::is_regular_file(a, ec)) id += "\n" + file_text(a);
  }
  return id;
}

}  // namespace

CommandResult CommandChecks::execute(const CommandSpec& spec, const std::string& runner, Reach reach,
                                     const std::string& now_text, std::vector<Exchange>& transcript) {
  Servers& s = *servers_;
  CommandSpec cmd = spec;
  cmd.env = {{"PROMETHEUS_URL", reach == Reach::kDelivered ? s.prometheus.url()
                                : reach == Reach::kDropped   ? s.blackhole_url
                                                             : s.refusing_url},
             {"GITHUB_API_URL", s.github.url()},
             {"GITHUB_TOKEN", token_},
             {"GITHUB_REPOSITORY", world_file_.repository},
             {"RUNNER_NAME", runner}};
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.recording = true;
    s.recorded.clear();
    s.now_text = now_text;
  }
  CommandResult result;
  s.frozen([&] { result = run_command(cmd); });
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.recording = false;
    transcript.swap(s.recorded);
  }
  // What it printed, the same on every run: the ports and the token never show.
  for (std::string* text : {&result.out, &result.err}) {
    replace_every(*text, token_, "***");
    replace_every(*text, s.prometheus.url(), "$PROMETHEUS_URL");
    replace_every(*text, s.blackhole_url, "$PROMETHEUS_URL");
    replace_every(*text, s.refusing_url, "$PROMETHEUS_URL");
    replace_every(*text, s.github.url(), "$GITHUB_API_URL");
  }
  return result;
}

CommandChecks::Answer CommandChecks::run(const failover::PlannedCheck& check, Reach reach) {
  if (!t_uncounted) ++g_calls;
  CommandSpec cmd;
  cmd.argv = resolve_relative_files(check.argv, options_.base_dir);
  cmd.timeout = check.check->timeout;
  const std::string now_text = nlohmann::json(static_cast<double>(to_us(world_.engine().now()) / 1000) / 1000.0).dump();
  // The reuse key: what the command is (its files read once a run), its environment
  // but the ports, and whether Prometheus is reachable.
  auto& identity = identities_[cmd.argv];
  if (identity.empty()) identity = command_identity(cmd.argv);
  const std::string key = std::string(reach == Reach::kDelivered ? "delivered" : reach == Reach::kDropped ? "dropped" : "rejected") +
                          "\n" + check.runner + "\n" + world_file_.repository + identity;
  CommandResult result;
  if (!options_.memo || !reuse(key, world_, now_text, result)) {
    if (!start_servers()) {
      return {failover::QueryOutcome::failed("the fake APIs for commands could not start (" + start_error_ + ")"),
              about(check) + ": not run: " + start_error_};
    }
    if (!t_uncounted) ++g_started;
    std::vector<Exchange> transcript;
    result = execute(cmd, check.runner, reach, now_text, transcript);
    if (options_.memo) remember(key, transcript, result, now_text);
  }
  if (!t_uncounted) {
    std::lock_guard<std::mutex> lock(g_verdicts_mutex);
    ++g_verdicts[CommandStats::Verdict{options_.policy, about(check).substr(check.stage.size() + 1), result.describe(),
                                       result.last_line()}];
  }
  return {command_outcome(result), trace_line(check, result)};
}

}  // namespace failsim::harness
