// `failsim gate` against a real Prometheus (Debian's /usr/bin/prometheus, 1 s scrape
// interval, loopback only) scraping two exporter stubs written here in PAWS360's
// format (../shared/reference/paws360-as-built.md §3.1). The gate's choice is checked
// as the primary's exporter is healthy, reports runner_status 0, and disappears (its
// series go stale and up becomes 0, reference B: a failed scrape makes series vanish).
// Every wait is bounded; Prometheus and the stubs are stopped in teardown.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "tests/harness/process.h"

namespace failsim {
namespace {

using namespace std::chrono_literals;
using failsim::testing::ChildProcess;
using failsim::testing::run_command;
using failsim::testing::wait_until;

// A runner exporter stub: serves PAWS360-shaped metrics for one hostname.
class ExporterStub {
 public:
  explicit ExporterStub(std::string hostname) : hostname_(std::move(hostname)) {
    server_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
      const bool active = active_.load();
      const long now = static_cast<long>(std::time(nullptr));
      std::string body;
      body += "# HELP runner_status GitHub Actions runner service status (1=active)\n";
      body += "# TYPE runner_status gauge\n";
      body += "runner_status{hostname=\"" + hostname_ +
              "\",environment=\"production\",authorized_for_prod=\"true\",active_state=\"" +
              (active ? "active" : "inactive") + "\"} " + (active ? "1" : "0") + "\n";
      body += "# TYPE runner_cpu_usage_percent gauge\n";
      body += "runner_cpu_usage_percent{hostname=\"" + hostname_ + "\",environment=\"production\"} 5.9\n";
      body += "# TYPE runner_memory_usage_percent gauge\n";
      body += "runner_memory_usage_percent{hostname=\"" + hostname_ + "\",environment=\"production\"} 23.16\n";
      body += "# TYPE runner_last_check_in_timestamp_seconds gauge\n";
      body += "runner_last_check_in_timestamp_seconds{hostname=\"" + hostname_ +
              "\",environment=\"production\"} " + std::to_string(now) + "\n";
      res.set_content(body, "text/plain; version=0.0.4");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() is a no-op before the server runs, so wait for it (bounded).
    wait_until([this] { return server_.is_running(); }, 5s, 1ms);
  }
  ~ExporterStub() { stop(); }

  int port() const { return port_; }
  void set_active(bool active) { active_ = active; }
  void stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::string hostname_;
  std::atomic<bool> active_{true};
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

class GateAgainstRealPrometheus : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("failsim-gate-" + std::to_string(::getpid()) + "-" + std::to_string(std::time(nullptr)));
    std::filesystem::create_directories(dir_ / "tsdb");
    primary_ = std::make_unique<ExporterStub>("primary-host");
    secondary_ = std::make_unique<ExporterStub>("secondary-host");
    primary_instance_ = "127.0.0.1:" + std::to_string(primary_->port());
    secondary_instance_ = "127.0.0.1:" + std::to_string(secondary_->port());

    std::ofstream(dir_ / "prometheus.yml") << "global:\n"
                                              "  scrape_interval: 1s\n"
                                              "  scrape_timeout: 1s\n"
                                              "  evaluation_interval: 1s\n"
                                              "scrape_configs:\n"
                                              "  - job_name: github-runner-health\n"
                                              "    honor_labels: true\n"
                                              "    static_configs:\n"
                                              "      - targets: ['"
                                           << primary_instance_ << "']\n        labels: {runner_name: primary-runner}\n"
                                           << "      - targets: ['" << secondary_instance_
                                           << "']\n        labels: {runner_name: secondary-runner}\n";

    // The shipped health-gated policy's checks, aimed at the stubs.
    nlohmann::json policy = nlohmann::json::parse(
        testing::read_file(std::string(FAILSIM_SOURCE_DIR) + "/scenarios/policies/health-gated-failover.json"));
    policy["candidates"] = {
        {{"name", "primary-runner"}, {"hostname", "primary-host"}, {"instance", primary_instance_},
         {"labels", {"self-hosted", "production", "primary-runner"}}, {"authorized_for_prod", true}},
        {{"name", "secondary-runner"}, {"hostname", "secondary-host"}, {"instance", secondary_instance_},
         {"labels", {"self-hosted", "production", "secondary-runner"}}, {"authorized_for_prod", true}}};
    std::ofstream(dir_ / "policy.json") << policy.dump(2);

    prometheus_port_ = testing::free_loopback_port();
    prometheus_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"/usr/bin/prometheus", "--config.file=" + (dir_ / "prometheus.yml").string(),
                                 "--storage.tsdb.path=" + (dir_ / "tsdb").string(),
                                 "--web.listen-address=127.0.0.1:" + std::to_string(prometheus_port_)},
        (dir_ / "prometheus.log").string());
    ASSERT_TRUE(prometheus_->started()) << "cannot start /usr/bin/prometheus (scripts/install-deps.sh installs it)";
    httplib::Client client("127.0.0.1", prometheus_port_);
    client.set_connection_timeout(1s);
    client.set_read_timeout(1s);
    ASSERT_TRUE(wait_until(
        [&] {
          auto res = client.Get("/-/ready");
          return res && res->status == 200;
        },
        30s))
        << "Prometheus did not become ready:\n"
        << testing::read_file((dir_ / "prometheus.log").string());
  }

  void TearDown() override {
    if (prometheus_) prometheus_->stop();
    primary_.reset();
    secondary_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  struct GateRun {
    int exit_code;
    nlohmann::json report;
    std::string stderr_text;
  };

  GateRun gate() {
    const std::string err_path = (dir_ / "gate.err").string();
    const auto r = run_command("GITHUB_OUTPUT='" + (dir_ / "github_output").string() + "' '" FAILSIM_BINARY "' gate --policy '" +
                               (dir_ / "policy.json").string() + "' --prometheus http://127.0.0.1:" +
                               std::to_string(prometheus_port_) + " --timeout 2s 2>'" + err_path + "'");
    GateRun g{r.exit_code, nlohmann::json::parse(r.out, nullptr, false), testing::read_file(err_path)};
    return g;
  }

  // Polls the gate until `pred` holds (Prometheus needs a scrape or two to see a
  // change); returns the last run.
  GateRun gate_until(const std::function<bool(const GateRun&)>& pred) {
    GateRun last{};
    wait_until(
        [&] {
          last = gate();
          return pred(last);
        },
        30s, 500ms);
    return last;
  }

  static std::string reasons_of(const GateRun& g, int candidate) {
    std::string all;
    if (!g.report.is_object()) return all;
    for (const auto& r : g.report["candidates"][candidate]["reasons"]) all += r.get<std::string>() + "\n";
    return all;
  }

  std::filesystem::path dir_;
  std::unique_ptr<ExporterStub> primary_;
  std::unique_ptr<ExporterStub> secondary_;
  std::string primary_instance_;
  std::string secondary_instance_;
  int prometheus_port_ = 0;
  std::unique_ptr<ChildProcess> prometheus_;
};

TEST_F(GateAgainstRealPrometheus, ChoosesPrimaryThenFailsOverAsThePrimaryDegrades) {
  // 1. Both exporters healthy (once Prometheus has scraped both): the primary is chosen.
  GateRun g = gate_until([](const GateRun& r) {
    return r.exit_code == 0 && r.report["candidates"][0]["healthy"] == true &&
           r.report["candidates"][1]["healthy"] == true;
  });
  ASSERT_EQ(g.exit_code, 0) << g.stderr_text;
  EXPECT_EQ(g.report["target"], "primary-runner");
  EXPECT_EQ(g.report["labels"], nlohmann::json({"self-hosted", "production", "primary-runner"}));
  EXPECT_TRUE(g.report["candidates"][0]["healthy"].get<bool>());
  EXPECT_TRUE(g.report["candidates"][1]["healthy"].get<bool>());
  const std::string out = testing::read_file((dir_ / "github_output").string());
  EXPECT_NE(out.find("target=primary-runner\n"), std::string::npos) << out;
  EXPECT_NE(out.find("labels=[\"self-hosted\",\"production\",\"primary-runner\"]\n"), std::string::npos) << out;

  // 2. The primary's runner service stops: runner_status reads 0, the secondary is chosen.
  primary_->set_active(false);
  g = gate_until([](const GateRun& r) { return r.report.is_object() && r.report["target"] == "secondary-runner"; });
  ASSERT_EQ(g.exit_code, 0) << g.stderr_text;
  EXPECT_EQ(g.report["target"], "secondary-runner");
  EXPECT_FALSE(g.report["candidates"][0]["healthy"].get<bool>());
  EXPECT_NE(reasons_of(g, 0).find("gate runner_status: value 0, expected == 1 -> fail"), std::string::npos)
      << reasons_of(g, 0);

  // 3. The primary recovers, then its exporter disappears: up is 0 and runner_status
  //    vanishes (stale), which the health-gated policy counts as unhealthy.
  primary_->set_active(true);
  g = gate_until([](const GateRun& r) { return r.report.is_object() && r.report["target"] == "primary-runner"; });
  ASSERT_EQ(g.report["target"], "primary-runner") << g.stderr_text;
  primary_->stop();
  g = gate_until([](const GateRun& r) { return r.report.is_object() && r.report["target"] == "secondary-runner"; });
  ASSERT_EQ(g.exit_code, 0) << g.stderr_text;
  EXPECT_EQ(g.report["target"], "secondary-runner");
  const std::string why = reasons_of(g, 0);
  EXPECT_NE(why.find("gate up: value 0, expected == 1 -> fail"), std::string::npos) << why;
  EXPECT_NE(why.find("gate runner_status: no series matched"), std::string::npos) << why;

  // 4. Both gone: no target, exit 1, every candidate's reasons on stderr.
  secondary_->stop();
  g = gate_until([](const GateRun& r) { return r.exit_code == 1; });
  ASSERT_EQ(g.exit_code, 1);
  EXPECT_TRUE(g.report["target"].is_null());
  EXPECT_NE(g.stderr_text.find("no healthy runner authorized for production"), std::string::npos) << g.stderr_text;
  EXPECT_NE(g.stderr_text.find("primary-runner:"), std::string::npos);
  EXPECT_NE(g.stderr_text.find("secondary-runner:"), std::string::npos);
}

// The team's own gate script (examples/team-gate) run by `failsim gate --command`
// against this real Prometheus gives, in each state of the primary, the exit status it
// gives inside the simulation in the same state: healthy, runner service stopped
// (runner_status 0) and exporter unreachable (its series gone). The buggy script and
// its one-line fix differ only in the last state, in both places.
TEST_F(GateAgainstRealPrometheus, ATeamScriptGivesTheSameVerdictHereAsInTheSimulation) {
  const std::string src = FAILSIM_SOURCE_DIR;
  const std::string examples = src + "/examples/team-gate/";
  // The simulated states: the shipped scenarios, run under the example's policies.
  auto scenario = [&](const std::string& name, const std::string& from) {
    nlohmann::json s = nlohmann::json::parse(testing::read_file(from));
    s["world"] = src + "/worlds/paws360.json";
    s["slo_file"] = src + "/scenarios/slos/success-criteria.json";
    s["expect"] = nlohmann::json{{"*", nlohmann::json::object()}};
    std::ofstream(dir_ / (name + ".json")) << s.dump(2);
    return (dir_ / (name + ".json")).string();
  };
  const std::map<std::string, std::string> states = {
      {"healthy", scenario("healthy", src + "/scenarios/healthy-primary.json")},
      {"service-stopped", scenario("service-stopped", src + "/scenarios/failover.json")},
      {"exporter-unreachable", scenario("unreachable", examples + "exporter-partition.json")}};
  // The primary's exit status in the simulation: the first gate of seed 1.
  auto simulated = [&](const std::string& state, const std::string& policy) {
    const std::string trace = (dir_ / "trace.json").string();
    const auto r = run_command("'" FAILSIM_BINARY "' replay '" + states.at(state) + "' --policy '" + examples + policy +
                               "' --seed 1 --trace '" + trace + "' 2>&1");
    const std::string text = testing::read_file(trace);
    const std::string mark = "gate team-gate on Serotonin-paws360: exit ";
    const auto at = text.find(mark);
    EXPECT_NE(at, std::string::npos) << state << " " << policy << ": " << r.out;
    return at == std::string::npos ? -1 : text[at + mark.size()] - '0';
  };
  // The same script here, through `failsim gate --command`; the primary's check.
  auto real = [&](const std::string& script) {
    const auto r = run_command("'" FAILSIM_BINARY "' gate --policy '" + (dir_ / "policy.json").string() +
                               "' --prometheus http://127.0.0.1:" + std::to_string(prometheus_port_) + " --command bash '" +
                               examples + script + "' '${hostname}' 2>/dev/null");
    const auto report = nlohmann::json::parse(r.out, nullptr, false);
    if (!report.is_object()) return -1;
    for (const auto& c : report["checks"]) {
      if (c.value("candidate", "") == "primary-runner" && c.contains("command")) return static_cast<int>(c.value("value", -1.0));
    }
    return -1;
  };
  // Waits (bounded) until Prometheus's view of the primary is `want`: "1", "0" or "" (no series).
  auto prometheus_sees = [&](const std::string& want) {
    httplib::Client client("127.0.0.1", prometheus_port_);
    return wait_until(
        [&] {
          auto res = client.Get("/api/v1/query?query=runner_status%7Bhostname%3D%22primary-host%22%7D");
          if (!res || res->status != 200) return false;
          const auto j = nlohmann::json::parse(res->body, nullptr, false);
          if (!j.is_object()) return false;
          const auto& result = j["data"]["result"];
          return want.empty() ? result.empty() : (!result.empty() && result[0]["value"][1] == want);
        },
        30s, 250ms);
  };
  struct Expected {
    const char* state;
    int buggy;
    int fixed;
  };
  const Expected expected[] = {{"healthy", 0, 0}, {"service-stopped", 1, 1}, {"exporter-unreachable", 0, 1}};
  for (const auto& e : expected) {
    if (std::string(e.state) == "healthy") {
      ASSERT_TRUE(prometheus_sees("1"));
    }
    if (std::string(e.state) == "service-stopped") {
      primary_->set_active(false);
      ASSERT_TRUE(prometheus_sees("0"));
    }
    if (std::string(e.state) == "exporter-unreachable") {
      primary_->stop();
      ASSERT_TRUE(prometheus_sees(""));
    }
    const int real_buggy = real("check-runner.sh");
    const int real_fixed = real("check-runner-fixed.sh");
    EXPECT_EQ(real_buggy, simulated(e.state, "policy.json")) << e.state;
    EXPECT_EQ(real_fixed, simulated(e.state, "policy-fixed.json")) << e.state;
    EXPECT_EQ(real_buggy, e.buggy) << e.state;
    EXPECT_EQ(real_fixed, e.fixed) << e.state;
  }
}

// --command (or -- ARG..., for arguments that begin with -): a program that is not
// there, or none, is a usage error naming it (exit 2), before anything runs; a command
// that exits non-zero fails its candidate (exit 1).
TEST(GateCommand, ABadCommandExitsTwoAndAFailingOneFailsTheGate) {
  const std::string policy = std::string(FAILSIM_SOURCE_DIR) + "/examples/team-gate/policy-fixed.json";
  const std::string gate = "'" FAILSIM_BINARY "' gate --policy '" + policy + "' --prometheus http://127.0.0.1:1 --timeout 1s";
  auto r = run_command(gate + " --command '' 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("check command: command argument 0: the program is empty"), std::string::npos) << r.out;
  r = run_command(gate + " --command no-such-program-here 2>&1");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("no-such-program-here: not found on PATH"), std::string::npos) << r.out;
  r = run_command(gate + " -- bash -c 'echo \"$RUNNER_NAME: no\"; exit 3' 2>&1");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("gate command: exited 3 (dell-r640-01-runner: no) -> fail"), std::string::npos) << r.out;
}

TEST(GateCommand, UnreachablePrometheusIsAQueryErrorAndBadInputExitsTwo) {
  const std::string policy = std::string(FAILSIM_SOURCE_DIR) + "/scenarios/policies/health-gated-failover.json";
  const int closed_port = testing::free_loopback_port();
  auto r = run_command("'" FAILSIM_BINARY "' gate --policy '" + policy + "' --prometheus http://127.0.0.1:" +
                       std::to_string(closed_port) + " --timeout 1s 2>/dev/null");
  EXPECT_EQ(r.exit_code, 1);
  const auto report = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_TRUE(report.is_object()) << r.out;
  EXPECT_TRUE(report["target"].is_null());
  EXPECT_NE(report["candidates"][0]["reasons"][0].get<std::string>().find("cannot connect to Prometheus"),
            std::string::npos);

  r = run_command("'" FAILSIM_BINARY "' gate --policy /nonexistent.json --prometheus http://127.0.0.1:1 2>&1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("cannot read policy file /nonexistent.json"), std::string::npos) << r.out;
  r = run_command("'" FAILSIM_BINARY "' gate --policy '" + policy + "' --prometheus localhost:9090 2>&1");
  EXPECT_EQ(r.exit_code, 2);
  r = run_command("'" FAILSIM_BINARY "' gate --policy '" + policy + "' --prometheus http://127.0.0.1:1 --timeout 5 2>&1");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("invalid duration \"5\""), std::string::npos) << r.out;
  r = run_command("'" FAILSIM_BINARY "' gate --prometheus http://127.0.0.1:1 2>&1");
  EXPECT_EQ(r.exit_code, 2) << "missing --policy is a usage error";
  // A malformed address is refused before anything is asked (it read as "connection refused").
  for (const auto& [url, message] : std::vector<std::pair<std::string, std::string>>{
           {"http://[::1", "an IPv6 host is [ADDRESS]"},
           {"http://127.0.0.1:99999", "port \"99999\" is not 1-65535"},
           {"http://127.0.0.1:abc", "port \"abc\" is not 1-65535"},
           {"http://user:secret@127.0.0.1:9090", "credentials in the URL are not supported"},
           {"http://exa mple:9090", "is not a host name or address"}}) {
    r = run_command("'" FAILSIM_BINARY "' gate --policy '" + policy + "' --prometheus '" + url + "' 2>&1");
    EXPECT_EQ(r.exit_code, 2) << url << "\n" << r.out;
    EXPECT_NE(r.out.find(message), std::string::npos) << url << "\n" << r.out;
  }
  for (const char* ok : {"http://[::1]:1", "http://localhost:1/prefix/"}) {
    r = run_command("'" FAILSIM_BINARY "' gate --policy '" + policy + "' --prometheus '" + ok + "' --timeout 1s 2>&1");
    EXPECT_EQ(r.exit_code, 1) << ok << ": a well-formed address is asked (and refuses)\n" << r.out;
  }
}

}  // namespace
}  // namespace failsim
