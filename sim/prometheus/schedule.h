// Schedule: where Prometheus 2.42 places each target's scrapes and each rule group's
// evaluations within their interval, computed exactly as Prometheus computes them, so
// that failsim's first scrape of a target and first evaluation of a group fall where a
// real Prometheus's would (tests/sim/prometheus/schedule_test.cc pins the hashes;
// tests/harness/runs/prometheus_schedule_test.cc checks a real 2.42 on loopback).
//
// Scrape phase (prometheus v2.42.0 scrape/target.go Target.offset and Target.hash,
// scrape/manager.go Manager.setJitterSeed):
//   jitter_seed  = FNV-1a-64(fqdn + external_labels.String())   // e.g. `prom-01{env="prod"}`
//   target_hash  = FNV-1a-64(sprintf("%016d", xxh64(target_labels)) + scrape_url)
//   phase        = (target_hash XOR jitter_seed) mod interval_ns
// where target_labels are the target's labels after PopulateLabels: __address__,
// __metrics_path__, __scheme__, __scrape_interval__, __scrape_timeout__ (durations as
// Prometheus prints them: "15s", "1m"), job, instance and the static labels, sorted by
// name; xxh64 is labels.Hash (XXH64, seed 0, of name 0xff value 0xff ... per label);
// scrape_url is "<scheme>://<address><metrics_path>". The first scrape is at the first
// instant T > start with T ≡ phase (mod interval) in Unix nanoseconds, then every interval.
//
// Evaluation phase (rules/manager.go Group.hash and Group.EvalTimestamp):
//   phase = xxh64(labels{file=<rule file path as Prometheus loaded it>, name=<group>})
//           mod interval_ns
// and the first evaluation is at the first slot T > start with T ≡ phase (mod interval).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "failover/time.h"

namespace failsim::sim::prometheus {

// XXH64 with seed 0 (cespare/xxhash's Sum64, which Prometheus's labels.Hash uses).
std::uint64_t xxh64(std::string_view data);
// FNV-1a, 64 bit (Go's hash/fnv New64a).
std::uint64_t fnv1a64(std::string_view data);

// Prometheus's model.Duration.String(): "15s", "1m", "1m30s", "500ms", "0s".
std::string prometheus_duration(Duration d);

// labels.Labels.Hash of a label set (sorted by name here).
std::uint64_t labels_hash(std::vector<std::pair<std::string, std::string>> labels);
// labels.Labels.String(): {a="b", c="d"} (Go's strconv.Quote of each value).
std::string labels_string(std::vector<std::pair<std::string, std::string>> labels);

std::uint64_t jitter_seed(std::string_view fqdn, const std::vector<std::pair<std::string, std::string>>& external_labels);

struct ScrapeTargetKey {
  std::string job;
  std::string address;        // host:port
  std::string scheme = "http";
  std::string metrics_path = "/metrics";
  Duration scrape_interval{0};
  Duration scrape_timeout{0};
  std::vector<std::pair<std::string, std::string>> labels;  // static target labels
};

// Phase of a target's scrapes within its interval.
Duration scrape_phase(const ScrapeTargetKey& target, std::uint64_t jitter_seed);
// The same from a target's whole label set after relabelling (__address__, __scheme__,
// __metrics_path__ and the rest included: what 2.42's Target.hash() reads).
Duration scrape_phase_of(const std::vector<std::pair<std::string, std::string>>& target_labels, Duration interval,
                         std::uint64_t jitter_seed);
// Phase of a rule group's evaluations within its interval.
Duration evaluation_phase(std::string_view group_name, std::string_view file, Duration interval);
// The first slot strictly after `start` (Unix time) with the given phase.
TimePoint first_slot_after(TimePoint start, Duration phase, Duration interval);

}  // namespace failsim::sim::prometheus
