// Target relabelling (sim/prometheus/relabel.h) against Debian's real Prometheus 2.42.
// Generated scrape configs (every relabel action, regexes with groups and alternations,
// Go's $-expansion corner cases, static labels including __meta_ ones) are loaded into
// one real server on loopback; its /api/v1/targets?state=any lists every target as
// active (with its labels after relabelling) or dropped. failsim computes the same from
// the same configs; every target must agree: active or dropped, and the same labels.
// Bounded: one server, at most 30 s of waiting; the hosts are names nobody resolves, and
// the scrape interval is an hour, so the server scrapes next to nothing.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "sim/prometheus/relabel.h"
#include "tests/harness/process.h"

namespace failsim {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using sim::prometheus::Labels;
using sim::prometheus::RelabelAction;
using sim::prometheus::RelabelConfig;

struct Job {
  std::string name;
  std::vector<std::pair<std::string, Labels>> targets;  // address, static labels
  std::vector<RelabelConfig> configs;
};

template <class T>
const T& pick(std::mt19937_64& rng, const std::vector<T>& v) {
  return v[rng() % v.size()];
}

std::string yaml_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

RelabelConfig draw_config(std::mt19937_64& rng) {
  static const std::vector<std::string> sources = {"env", "team", "role", "__address__", "__meta_rack", "job", "instance",
                                                   "missing", "__scheme__"};
  static const std::vector<std::string> regexes = {"(.*)", "prod|staging", "h([0-9]+):([0-9]+)", "(.+)-(.+)",
                                                   "Build-(.*)", "__meta_(.+)", "env|team", "([a-z]+)", ".*9.*",
                                                   "(?P<rack>r[0-9])", "prod;(.*)", "", "(h)(1)?(.*)"};
  static const std::vector<std::string> targets = {"env", "tier", "instance", "shard", "$1", "node_${1}", "copy_$1",
                                                   "${rack}_x", "team"};
  static const std::vector<std::string> replacements = {"$1", "${1}x", "$1x", "$2-$1", "fixed", "", "$$1", "${2}",
                                                        "${rack}", "a$3b", "$0"};
  static const std::vector<RelabelAction> actions = {
      RelabelAction::kReplace,  RelabelAction::kReplace,   RelabelAction::kKeep,      RelabelAction::kDrop,
      RelabelAction::kKeepEqual, RelabelAction::kDropEqual, RelabelAction::kHashMod,  RelabelAction::kLabelMap,
      RelabelAction::kLabelDrop, RelabelAction::kLabelKeep, RelabelAction::kLowercase, RelabelAction::kUppercase};
  RelabelConfig c;
  c.action = pick(rng, actions);
  const int n_sources = 1 + static_cast<int>(rng() % 2);
  switch (c.action) {
    case RelabelAction::kLabelDrop:
    case RelabelAction::kLabelKeep:
      c.regex = pick(rng, std::vector<std::string>{"env|team", "__meta_(.+)", "t.*", "role|env|team|job|instance|__.*"});
      return c;
    case RelabelAction::kLabelMap:
      c.regex = pick(rng, std::vector<std::string>{"__meta_(.+)", "(e)(nv)", "(.*)"});
      c.replacement = pick(rng, std::vector<std::string>{"$1", "mapped_$1", "${2}_${1}"});
      return c;
    case RelabelAction::kKeepEqual:
    case RelabelAction::kDropEqual:
      c.source_labels = {pick(rng, sources)};
      c.target_label = pick(rng, std::vector<std::string>{"env", "team", "role"});
      return c;
    default: break;
  }
  for (int i = 0; i < n_sources; ++i) c.source_labels.push_back(pick(rng, sources));
  if (rng() % 4 == 0) c.separator = pick(rng, std::vector<std::string>{"-", "", ":"});
  if (c.action == RelabelAction::kHashMod) {
    c.target_label = "shard";
    c.modulus = 1 + rng() % 7;
    return c;
  }
  if (c.action == RelabelAction::kLowercase || c.action == RelabelAction::kUppercase) {
    c.target_label = pick(rng, std::vector<std::string>{"role", "env_case"});
    return c;
  }
  c.regex = pick(rng, regexes);
  if (c.action == RelabelAction::kReplace) {
    c.target_label = pick(rng, targets);
    c.replacement = pick(rng, replacements);
  }
  return c;
}

std::string config_yaml(const RelabelConfig& c) {
  std::string y = "      - action: " + std::string(sim::prometheus::to_string(c.action)) + "\n";
  if (!c.source_labels.empty()) {
    y += "        source_labels: [";
    for (std::size_t i = 0; i < c.source_labels.size(); ++i) y += (i ? ", " : "") + c.source_labels[i];
    y += "]\n";
  }
  if (c.separator != ";") y += "        separator: " + yaml_quote(c.separator) + "\n";
  if (!c.target_label.empty()) y += "        target_label: " + yaml_quote(c.target_label) + "\n";
  if (c.regex != "(.*)") y += "        regex: " + yaml_quote(c.regex) + "\n";
  if (c.modulus != 0) y += "        modulus: " + std::to_string(c.modulus) + "\n";
  if (c.replacement != "$1") y += "        replacement: " + yaml_quote(c.replacement) + "\n";
  return y;
}

std::vector<Job> draw_jobs(std::uint64_t seed, int count) {
  std::mt19937_64 rng(seed);
  std::vector<Job> jobs;
  static const std::vector<std::string> envs = {"prod", "staging", "Prod"};
  for (int j = 0; j < count; ++j) {
    Job job;
    job.name = "j" + std::to_string(j);
    const int n = 1 + static_cast<int>(rng() % 3);
    for (int t = 0; t < n; ++t) {
      Labels l;
      if (rng() % 4 != 0) sim::prometheus::set_label(l, "env", pick(rng, envs));
      if (rng() % 2 == 0) sim::prometheus::set_label(l, "team", rng() % 2 ? "a-b" : "ops");
      if (rng() % 2 == 0) sim::prometheus::set_label(l, "role", rng() % 2 ? "Build-Runner" : "deploy");
      if (rng() % 3 == 0) sim::prometheus::set_label(l, "__meta_rack", "r" + std::to_string(rng() % 4));
      job.targets.emplace_back("h" + std::to_string(rng() % 20) + ":" + std::to_string(9000 + rng() % 200), l);
    }
    const int k = 1 + static_cast<int>(rng() % 3);
    while (static_cast<int>(job.configs.size()) < k) {
      RelabelConfig c = draw_config(rng);
      if (sim::prometheus::check_relabel_config(c)) job.configs.push_back(c);
    }
    jobs.push_back(std::move(job));
  }
  return jobs;
}

// The labels without the __ ones, as /api/v1/targets shows them, in one canonical string.
std::string visible(const Labels& l) {
  json j = json::object();
  for (const auto& [name, value] : l) {
    if (name.rfind("__", 0) != 0) j[name] = value;
  }
  return j.dump();
}

std::string visible(const json& labels) {
  json j = json::object();
  for (const auto& [name, value] : labels.items()) {
    if (name.rfind("__", 0) != 0) j[name] = value;
  }
  return j.dump();
}

TEST(RelabelDifferential, EveryTargetAgreesWithPrometheus242) {
  const auto dir = std::filesystem::temp_directory_path() / ("failsim-relabel-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir / "data");
  const std::vector<Job> jobs = draw_jobs(20261207, 160);
  std::string yml = "global:\n  scrape_interval: 1h\n  scrape_timeout: 10s\nscrape_configs:\n";
  std::size_t targets = 0;
  for (const auto& job : jobs) {
    yml += "  - job_name: " + job.name + "\n    static_configs:\n";
    for (const auto& [addr, labels] : job.targets) {
      ++targets;
      yml += "      - targets: ['" + addr + "']\n";
      if (!labels.empty()) {
        yml += "        labels:\n";
        for (const auto& [n, v] : labels) yml += "          " + n + ": " + yaml_quote(v) + "\n";
      }
    }
    yml += "    relabel_configs:\n";
    for (const auto& c : job.configs) yml += config_yaml(c);
  }
  std::ofstream(dir / "prometheus.yml") << yml;
  const int port = testing::free_loopback_port();
  testing::ChildProcess prometheus({"/usr/bin/prometheus", "--config.file=" + (dir / "prometheus.yml").string(),
                                    "--storage.tsdb.path=" + (dir / "data").string(),
                                    "--web.listen-address=127.0.0.1:" + std::to_string(port)},
                                   (dir / "prometheus.log").string());
  ASSERT_TRUE(prometheus.started());
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(1s);
  client.set_read_timeout(5s);
  // Targets relabelling left without an address are refused ("no address") and listed
  // nowhere: wait until the listing is there and has stopped growing.
  json answer;
  std::size_t last_count = 0;
  int stable = 0;
  const bool listed = testing::wait_until(
      [&] {
        auto r = client.Get("/api/v1/targets?state=any");
        if (!r || r->status != 200) return false;
        answer = json::parse(r->body, nullptr, false);
        if (!answer.is_object()) return false;
        const std::size_t n = answer["data"]["activeTargets"].size() + answer["data"]["droppedTargets"].size();
        stable = n > 0 && n == last_count ? stable + 1 : 0;
        last_count = n;
        return stable >= 5 || n >= targets;
      },
      30s, 300ms);
  ASSERT_TRUE(listed) << "Prometheus did not list the targets; its log:\n" << testing::read_file((dir / "prometheus.log").string());
  // The real server's verdicts, keyed by job and the discovered address.
  std::map<std::pair<std::string, std::string>, std::string> real;  // -> "dropped" or the visible labels
  for (const auto& t : answer["data"]["activeTargets"]) {
    real[{t["discoveredLabels"]["job"], t["discoveredLabels"]["__address__"]}] = visible(t["labels"]);
  }
  for (const auto& t : answer["data"]["droppedTargets"]) {
    real[{t["discoveredLabels"]["job"], t["discoveredLabels"]["__address__"]}] = "dropped";
  }
  int compared = 0, disagreements = 0, dropped = 0, refused = 0;
  for (const auto& job : jobs) {
    const sim::prometheus::TargetDefaults d{job.name, "1h", "10s", "/metrics", "http"};
    for (const auto& [addr, labels] : job.targets) {
      Labels discovered = labels;
      sim::prometheus::set_label(discovered, "__address__", addr);
      const auto mine = sim::prometheus::populate_target_labels(discovered, d, job.configs);
      const std::string ours = !mine ? "refused: " + mine.error() : !mine.value() ? "dropped" : visible(*mine.value());
      int same_address = 0;
      for (const auto& other : job.targets) same_address += other.first == addr ? 1 : 0;
      if (same_address > 1) continue;  // two targets of a job on one address: the server keys them as one
      const auto it = real.find({job.name, addr});
      // A target the server lists nowhere was refused (it logs "no address").
      const std::string theirs = it == real.end() ? "refused: no address" : it->second;
      ++compared;
      dropped += theirs == "dropped" ? 1 : 0;
      refused += theirs.rfind("refused", 0) == 0 ? 1 : 0;
      if (ours != theirs) {
        ++disagreements;
        std::string rules;
        for (const auto& c : job.configs) rules += config_yaml(c);
        ADD_FAILURE() << job.name << " " << addr << " " << sim::prometheus::to_string(labels) << "\n"
                      << rules << "prometheus: " << theirs << "\nfailsim:    " << ours;
      }
    }
  }
  std::printf("relabel differential: %d targets compared (%d dropped, %d refused for no address), %d disagreements\n",
              compared, dropped, refused, disagreements);
  EXPECT_GE(compared, 200);
  EXPECT_GT(dropped, 10);
  EXPECT_LT(dropped, compared - 50) << "most targets survive, so their labels are compared";
  prometheus.interrupt();
  prometheus.wait(10s);
  std::filesystem::remove_all(dir);
}

// Pinned by hand (each from the 2.42 source's rules): Go's "$1x" is the group "1x";
// an empty replacement deletes the target label as written; hashmod is md5's last 8 bytes.
TEST(Relabel, GoExpansionAndTheEdgesOfReplace) {
  using sim::prometheus::relabel;
  const Labels in{{"a", "h12:9100"}, {"b", "x"}};
  RelabelConfig c;
  c.source_labels = {"a"};
  c.regex = "h([0-9]+):(.*)";
  c.target_label = "t";
  c.replacement = "$1x";
  EXPECT_EQ(relabel(in, {c}), std::optional<Labels>(in)) << "$1x is empty: the label is not set";
  c.replacement = "${1}x";
  EXPECT_EQ(sim::prometheus::label_value(*relabel(in, {c}), "t"), "12x");
  c.replacement = "$$1-$2";
  EXPECT_EQ(sim::prometheus::label_value(*relabel(in, {c}), "t"), "$1-9100");
  c.target_label = "b";
  c.replacement = "";
  EXPECT_EQ(sim::prometheus::label_value(*relabel(in, {c}), "b"), "") << "an empty result deletes target_label";
  RelabelConfig h;
  h.action = RelabelAction::kHashMod;
  h.source_labels = {"a"};
  h.target_label = "shard";
  h.modulus = 1000000007;
  const auto digest = sim::prometheus::md5("h12:9100");
  std::uint64_t last8 = 0;
  for (int i = 8; i < 16; ++i) last8 = (last8 << 8) | digest[static_cast<std::size_t>(i)];
  EXPECT_EQ(sim::prometheus::label_value(*relabel(in, {h}), "shard"), std::to_string(last8 % 1000000007));
  // RFC 1321's own test vector.
  const auto abc = sim::prometheus::md5("abc");
  char hex[33];
  for (int i = 0; i < 16; ++i) std::snprintf(hex + 2 * i, 3, "%02x", abc[static_cast<std::size_t>(i)]);
  EXPECT_STREQ(hex, "900150983cd24fb0d6963f7d28e17f72");
}

}  // namespace
}  // namespace failsim
