// Hostile input on the surfaces added after the first robustness pass (issue 30): plans,
// the importers, compare and merge, explore, the command line. Each class is fixed as a
// class (recursion, integers, UTF-8, bounds, YAML aliases, linear time, output paths,
// strict results.json) and each test drives the failsim binary: exit 2 with a message
// naming the file, field or argument, and no input lost.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/harness/cli_fixture.h"

namespace failsim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class HostileSurfaces : public testing::CliTest {
 protected:
  HostileSurfaces() : CliTest("surfaces") {}
  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  // `failsim ARGS` must exit 2 with `message` in its output.
  void expect_exit2(const std::string& args, const std::string& message) {
    const auto r = failsim(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(message), std::string::npos) << args << "\n" << r.out;
  }
  // The acme prometheus.yml's directory copied here (its rule files beside it).
  std::string acme(const std::string& file) {
    fs::copy(src + "/tests/harness/inputs/import/acme", dir / "acme", fs::copy_options::recursive | fs::copy_options::skip_existing);
    return (dir / "acme" / file).string();
  }
  std::string plan(const std::string& name, const std::string& scenario, const std::string& checkpoints) {
    return write(name, "{\"plan_version\": 1, \"name\": \"p\", \"scenario\": \"" + scenario +
                           "\", \"run_length\": \"30m\", \"steps\": [], \"checkpoints\": [" + checkpoints + "]}");
  }
  const std::string healthy = src + "/scenarios/healthy-primary.json";
  const std::string a_checkpoint = "{\"name\": \"n\", \"never\": \"deploy_on_unhealthy_runner\"}";
};

// A plan whose base is itself, or two plans naming each other, recursed until the stack
// overflowed (validate, run and gameday alike).
TEST_F(HostileSurfaces, APlanCannotRunAPlan) {
  const std::string self = plan("self.json", "self.json", a_checkpoint);
  expect_exit2("validate '" + self + "'", "/scenario: " + self + " is a game-day plan; a plan's base is a scenario");
  plan("a.json", "b.json", a_checkpoint);
  const std::string b = plan("b.json", "a.json", a_checkpoint);
  expect_exit2("validate '" + b + "'", "a.json is a game-day plan; a plan's base is a scenario");
  expect_exit2("run '" + b + "' --seeds 1 --out " + out("r"), "a plan's base is a scenario");
  EXPECT_FALSE(fs::exists(dir / "r"));
}

// A checkpoint on a runner, a target or an alert the world does not have could never be
// met: refused with what there is.
TEST_F(HostileSurfaces, CheckpointsNameThingsThatExist) {
  expect_exit2("validate '" + plan("r.json", healthy, "{\"deploy_lands\": {\"runner\": \"ghost\"}}") + "'",
               "/checkpoints/0/deploy_lands/runner: no runner named \"ghost\" in the world");
  expect_exit2("validate '" + plan("t.json", healthy, "{\"target_down\": \"nowhere:1\"}") + "'",
               "/checkpoints/0/target_down: no scrape target nowhere:1 in the world");
  expect_exit2("run '" + plan("a.json", healthy, "{\"alert_firing\": \"NoSuchAlert\"}") + "' --seeds 1 --out " + out("r"),
               "/checkpoints/0/alert_firing: no alerting rule named \"NoSuchAlert\" in the rules this run uses");
  std::string many;
  for (int i = 0; i < 1001; ++i) many += (i ? "," : "") + std::string("{\"name\": \"c") + std::to_string(i) + "\", \"never\": \"deploy_on_unhealthy_runner\"}";
  expect_exit2("validate '" + plan("many.json", healthy, many) + "'", "/checkpoints: more than 1000 checkpoints");
}

// Fault fields out of range were accepted: a negative or astronomical CPU figure, `for: 0s`
// silently open-ended, a flap of a microsecond (the engine aborted at 2^24 events).
TEST_F(HostileSurfaces, FaultFieldsOutOfRangeAreRefused) {
  const std::string base = testing::read_file(healthy);
  auto with_fault = [&](const std::string& name, const std::string& fault) {
    json s = json::parse(base);
    s["world"] = src + "/worlds/paws360.json";
    s["policy"] = src + "/scenarios/policies/paws360-as-built.json";
    s.erase("slo_file");
    s["faults"] = json::array({json::parse(fault)});
    return write(name, s.dump());
  };
  expect_exit2("validate '" + with_fault("cpu.json", R"({"kind": "resources", "at": "1m", "runner": "Serotonin-paws360", "cpu_percent": 1e308})") + "'",
               "/faults/0/cpu_percent: expected a percentage in [0, 100]");
  expect_exit2("validate '" + with_fault("neg.json", R"({"kind": "resources", "at": "1m", "runner": "Serotonin-paws360", "disk_percent": -1})") + "'",
               "/faults/0/disk_percent: expected a percentage in [0, 100]");
  expect_exit2("validate '" + with_fault("for0.json", R"({"kind": "exporter_stop", "at": "1m", "runner": "Serotonin-paws360", "for": "0s"})") + "'",
               "/faults/0/for: a fault lasts more than 0s");
  expect_exit2("validate '" + with_fault("flap.json", R"({"kind": "host_down", "at": "1m", "runner": "Serotonin-paws360", "flap_down": "1us", "flap_up": "1us"})") + "'",
               "/faults/0/flap_down: a flap shorter than 1s");
  // A version is printed in every report and on the terminal: an escape sequence is refused.
  json s = json::parse(base);
  s["world"] = src + "/worlds/paws360.json";
  s["policy"] = src + "/scenarios/policies/paws360-as-built.json";
  s.erase("slo_file");
  s["workload"]["deploys"][0]["version"] = "v1\u001b[2J";
  expect_exit2("validate '" + write("esc.json", s.dump()) + "'",
               "/workload/deploys/0/version: a version is printed in every report: byte 3 is a control character (0x1B)");
}

// A workflow with no job crashed the importer; a port that is not a number threw.
TEST_F(HostileSurfaces, ImportersRefuseWhatGitHubAndPrometheusRefuse) {
  expect_exit2("import workflow '" + write("w.yml", "name: x\non: workflow_dispatch\njobs: {}\n") + "'",
               "w.yml:3: jobs: the workflow has no job");
  const std::string prom = testing::read_file(acme("prometheus.yml"));
  std::string bad = prom;
  bad.replace(bad.find("build-a:9400"), 12, "build-a:99999999999");
  expect_exit2("import prometheus '" + write("acme/p.yml", bad) + "'", "target \"build-a:99999999999\": expected host:port with a port from 1 to 65535");
  // An unterminated quoted string at the end: promtool says "found unexpected end of stream".
  expect_exit2("validate '" + write("open.yml", "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: \"up == 0\n") + "'",
               "open.yml:5: a quoted string is never closed");
  expect_exit2("import workflow '" + write("open.yml", "name: 'deploy\non: workflow_dispatch\n") + "'", "open.yml:1: invalid YAML: a quoted string is never closed");
}

// Aliases repeat what their anchors name: ten levels of ten is 10^10 nodes from a few
// hundred bytes. Refused at load, in a bounded time.
TEST_F(HostileSurfaces, YamlAliasBombsAreRefused) {
  std::string y = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 10; ++i) {
    y += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) y += (k ? ", *a" : "*a") + std::to_string(i - 1);
    y += "]\n";
  }
  expect_exit2("validate '" + write("bomb.yml", y + "groups: []\n") + "'", "the document expands to more than 1000000 nodes");
  expect_exit2("import workflow '" + write("bomb-wf.yml", y + "jobs: {d: {runs-on: x, steps: [{run: x}]}}\n") + "'",
               "the document expands to more than 1000000 nodes");
}

// Bytes that are not UTF-8 reached JSON and aborted the process (nlohmann's 316).
TEST_F(HostileSurfaces, BytesThatAreNotUtf8AreRefusedWhereTheyEnter) {
  expect_exit2("import prometheus '" + write("u.yml", "scrape_configs:\n  - job_name: \"r\xff\"\n    static_configs: [{targets: ['h:1']}]\n") + "'",
               "u.yml: cannot read: line 2, byte 33 is not UTF-8 (0xFF)");
  expect_exit2("import prometheus '" + acme("prometheus.yml") + "' --runners-from ci-runners --runner-label \"$(printf 'a\\377')\"",
               "failsim: argument 7: byte 2 is not UTF-8 (0xFF)");
  expect_exit2("run '" + healthy + "' --seeds 1 --set \"$(printf 'scenario.name=\\303')\" --out " + out("r"), "is not UTF-8 (0xC3)");
  EXPECT_FALSE(fs::exists(dir / "r"));
}

// A FIFO would block the reader forever and /dev/zero never ends; rule-file globs that
// reach other files were written into a "valid" world.
TEST_F(HostileSurfaces, OnlyRegularFilesAreReadAndRuleFilesMustBeRuleFiles) {
  ASSERT_EQ(::mkfifo((dir / "fifo.json").c_str(), 0600), 0);
  expect_exit2("validate '" + (dir / "fifo.json").string() + "'", "not a regular file");
  const std::string prom = acme("prometheus.yml");
  fs::create_directories(dir / "acme" / "rules2");
  ASSERT_EQ(::mkfifo((dir / "acme" / "rules2" / "f.yml").c_str(), 0600), 0);
  std::string text = testing::read_file(prom);
  auto with_rules = [&](const std::string& glob) {
    std::string t = text;
    t.replace(t.find("rules/*.yml"), 11, glob);
    return write("acme/p.yml", t);
  };
  expect_exit2("import prometheus '" + with_rules("rules2/*.yml") + "'", "rules2/f.yml: not a regular file");
  expect_exit2("import prometheus '" + with_rules("../../../../../../etc/host*") + "'", "which is not a rule file Prometheus loads");
  expect_exit2("import prometheus '" + with_rules("/dev/zero") + "'", "is a path on the server outside /etc/prometheus");
}

// `replay --trace /dev/full` renamed its temporary file over the device: /dev/full became
// a regular file. Outputs, like inputs, must be regular files; the FIFO stays a FIFO.
TEST_F(HostileSurfaces, OutputsThatAreNotRegularFilesAreRefusedAndLeftAlone) {
  const fs::path fifo = dir / "out.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  expect_exit2("replay '" + healthy + "' --seed 1 --trace '" + fifo.string() + "'", "is not a regular file (a device, FIFO or socket)");
  EXPECT_TRUE(fs::is_fifo(fifo)) << "the FIFO was replaced";
  EXPECT_FALSE(fs::exists(dir / "out.fifo.tmp")) << "nothing was left behind";
  const auto r = failsim("import prometheus '" + acme("prometheus.yml") + "' --out '" + fifo.string() + "'");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_TRUE(fs::is_fifo(fifo));
}

// 100,000 static targets took 430 s (a linear search per target).
TEST_F(HostileSurfaces, ManyTargetsImportInLinearTime) {
  std::string targets;
  for (int i = 0; i < 100000; ++i) targets += (i ? ", " : "") + std::string("'h") + std::to_string(i) + ":9100'";
  const std::string p = write("many.yml", "scrape_configs:\n  - job_name: r\n    static_configs:\n      - targets: [" + targets + "]\n");
  const auto r = failsim("import prometheus '" + p + "' --out " + out("w.json"));
  ASSERT_EQ(r.exit_code, 0) << r.out.substr(0, 2000);
  EXPECT_NE(r.out.find("imported 1 scrape config(s), 100000 target(s)"), std::string::npos) << r.out.substr(0, 2000);
  EXPECT_EQ(json::parse(testing::read_file((dir / "w.json").string()))["exporters"].size(), 100000u);
}

// The imports overwrote their own inputs, or turned a scenario into a world fragment.
TEST_F(HostileSurfaces, ImportsNeverOverwriteTheirInputs) {
  const std::string wf = write("deploy.yml", testing::read_file(src + "/tests/harness/inputs/import/acme/deploy.yml"));
  const std::string before = testing::read_file(wf);
  expect_exit2("import workflow '" + wf + "' --policy-out '" + wf + "'", "--policy-out " + wf + " is the workflow " + wf + ": it would be overwritten");
  expect_exit2("import workflow '" + wf + "' --out " + out("same.json") + " --policy-out " + out("same.json"),
               "--out and --policy-out both name");
  EXPECT_EQ(testing::read_file(wf), before);
  EXPECT_FALSE(fs::exists(dir / "same.json"));
  const std::string scenario = write("scenario.json", testing::read_file(healthy));
  expect_exit2("import prometheus '" + acme("prometheus.yml") + "' --out '" + scenario + "'",
               "is a scenario file (it has scenario_version), not a world");
  EXPECT_EQ(testing::read_file(scenario), testing::read_file(healthy));
  expect_exit2("import prometheus '" + acme("prometheus.yml") + "' --world " + out("w.json") + " --out " + out("o.json"),
               "cannot read the world file: no such file");
  write("bad-world.json", R"({"world_version": 1, "runners": 5})");
  expect_exit2("import prometheus '" + acme("prometheus.yml") + "' --world '" + (dir / "bad-world.json").string() + "' --out " + out("o.json"),
               "/runners: expected an array of runners");
}

// compare --out beside its inputs, forged results and a repeated variant.
TEST_F(HostileSurfaces, CompareAndRunRefuseNonsense) {
  ASSERT_EQ(failsim("run '" + healthy + "' --seeds 2 --out " + out("base")).exit_code, 0);
  const std::string results = (dir / "base" / "results.json").string();
  json forged = json::parse(testing::read_file(results));
  const std::string copy = write("compare.json", forged.dump());
  expect_exit2("compare '" + copy + "' '" + results + "' --out " + out(""), "--out's compare.json " + (dir / "compare.json").string() + " is the baseline");
  forged["scenarios"][0]["runs"][0]["deploy_seconds"] = -5;
  expect_exit2("compare '" + results + "' '" + write("neg.json", forged.dump()) + "'", "/scenarios/0/runs/0: deploy_seconds: expected a time of at least 0 seconds");
  forged = json::parse(testing::read_file(results));
  forged["scenarios"][0]["runs"][0]["outcome"] = "teleported";
  expect_exit2("compare '" + results + "' '" + write("out.json", forged.dump()) + "'", "outcome: expected one of deployed");
  forged = json::parse(testing::read_file(results));
  forged["scenarios"].push_back(forged["scenarios"][0]);
  expect_exit2("compare '" + results + "' '" + write("dup.json", forged.dump()) + "'", "/scenarios/1: a second row for");
  forged = json::parse(testing::read_file(results));
  forged["schema_version"] = 4294967298ULL;  // 2 when wrapped to an int
  expect_exit2("compare '" + results + "' '" + write("ver.json", forged.dump()) + "'", "/schema_version: expected 1 or 2, got 4294967298");
  // An integer field given as a float (found by the results fuzz target: the conversion was
  // undefined behaviour) or out of range: merge refuses the shard, naming the field.
  ASSERT_EQ(failsim("run '" + healthy + "' --seeds 2 --shard 1/2 --out " + out("s1")).exit_code, 0);
  ASSERT_EQ(failsim("run '" + healthy + "' --seeds 2 --shard 2/2 --out " + out("s2")).exit_code, 0);
  const std::string shard1 = (dir / "s1" / "results.json").string();
  json shard = json::parse(testing::read_file(shard1));
  shard["scenarios"][0]["runs"][0]["trace_hash"] = 4.11115e19;
  write("s1/results.json", shard.dump());
  expect_exit2("merge " + out("s1") + " " + out("s2") + " --out " + out("m"), "trace_hash: expected an integer, got 4.11115e+19");
  shard["scenarios"][0]["runs"][0]["trace_hash"] = 1;
  shard["scenarios"][0]["runs"][0]["attempts"] = 1e300;
  write("s1/results.json", shard.dump());
  expect_exit2("merge " + out("s1") + " " + out("s2") + " --out " + out("m"), "attempts: expected a count of at least 0, got 1e+300");
  EXPECT_FALSE(fs::exists(dir / "m"));
  expect_exit2("run '" + healthy + "' --seeds 1 --variant a:workload.deploys.0.version=v1 --variant a:workload.deploys.0.version=v2 --out " + out("v"),
               "--variant a sets workload.deploys.0.version twice");
  expect_exit2("run '" + healthy + "' --seeds 1 --set workload.deploys.0.version=v1 --set workload.deploys.0.version=v2 --out " + out("v"),
               "--set workload.deploys.0.version is given twice (workload.deploys.0.version=v1, then workload.deploys.0.version=v2)");
  EXPECT_FALSE(fs::exists(dir / "v"));
}

// An explore range past the run-length limit ran a year per schedule; a budget of 1us
// found nothing and said so, one of 100000y overflowed.
TEST_F(HostileSurfaces, ExploreBoundsAreChecked) {
  const std::string config = write("x.json", R"({"explore_version": 1, "kinds": ["partition"], "at": {"min": "0s", "max": "366d"}, "length": {"min": "1m", "max": "2m"}})");
  const std::string policy = src + "/scenarios/policies/paws360-as-built.json";
  expect_exit2("explore '" + healthy + "' --policy '" + policy + "' --config '" + config + "' --budget 3 --out " + out("e"),
               "/at/max: faults drawn as late as ");
  expect_exit2("explore '" + healthy + "' --policy '" + policy + "' --budget 1us --out " + out("e"), "--budget 1us: a time budget is from 1s to 1w");
  expect_exit2("explore '" + healthy + "' --policy '" + policy + "' --budget 100000y --out " + out("e"), "--budget 100000y: a time budget is from 1s to 1w");
}

}  // namespace
}  // namespace failsim
