// Relabelling as Prometheus 2.42 does it (model/relabel/relabel.go, scrape/target.go
// PopulateLabels): `relabel_configs` turn a target's discovered labels into its labels
// (or drop it) before it is scraped; `metric_relabel_configs` do the same to each
// scraped series. Every action of 2.42: replace, keep, drop, keepequal, dropequal,
// hashmod, labelmap, labeldrop, labelkeep, lowercase, uppercase.
//
// The rules, as the real code has them:
//   - the value is the source labels' values joined with `separator` (";"); a missing
//     label reads as "";
//   - `regex` is RE2, fully anchored (^(?:regex)$); default (.*);
//   - replace: no match, nothing happens; else target_label and replacement are expanded
//     as Go's Regexp.Expand does ($1, ${1}, $name, ${name}; "$1x" is the group "1x",
//     so empty; $$ is $); an invalid expanded target name or an empty result deletes
//     target_label as written;
//   - setting a label to "" deletes it (labels.Builder);
//   - hashmod: md5 of the value, its last 8 bytes big-endian, modulo `modulus`;
//   - labelmap: every label whose name matches is copied to the name the replacement
//     makes of it; labeldrop / labelkeep match label names;
//   - a target: job, __scrape_interval__, __scrape_timeout__, __metrics_path__,
//     __scheme__ are added when not set, the configs run in order, a drop ends it; then
//     no __address__ is an error, a port is added when missing (80 for http, 443 for
//     https), __meta_* labels go, and instance defaults to __address__.
// Checked against Debian's Prometheus 2.42 (tests/sim/prometheus/relabel_test.cc, and
// the differential test tests/harness/runs/relabel_differential_test.cc).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "failover/result.h"
#include "sim/prometheus/labels.h"

namespace failsim::sim::prometheus {

enum class RelabelAction { kReplace, kKeep, kDrop, kKeepEqual, kDropEqual, kHashMod, kLabelMap, kLabelDrop, kLabelKeep,
                           kLowercase, kUppercase };

struct RelabelConfig {
  std::vector<std::string> source_labels;
  std::string separator = ";";
  std::string target_label;
  std::string regex = "(.*)";
  std::uint64_t modulus = 0;
  std::string replacement = "$1";
  RelabelAction action = RelabelAction::kReplace;
};

// "replace" -> kReplace, ...; nullopt for anything else (case-insensitive, as 2.42).
std::optional<RelabelAction> relabel_action(const std::string& name);
const char* to_string(RelabelAction a);

// The config as 2.42's config loader checks it: the regex compiles, the fields each
// action needs are there and the ones it forbids are not. The message says which.
Result<bool> check_relabel_config(const RelabelConfig& c);

// Runs the configs in order; nullopt when one drops the labels.
std::optional<Labels> relabel(const Labels& labels, const std::vector<RelabelConfig>& configs);

// A target's labels after relabelling, __ labels included (what 2.42 hashes for the
// scrape phase): nullopt when dropped; an error for no __address__.
struct TargetDefaults {
  std::string job, scrape_interval, scrape_timeout, metrics_path, scheme;  // as Prometheus prints them
};
Result<std::optional<Labels>> populate_target_labels(const Labels& discovered, const TargetDefaults& defaults,
                                                     const std::vector<RelabelConfig>& configs);
// The discovered labels before relabelling, as /api/v1/targets shows them.
Labels discovered_target_labels(const Labels& discovered, const TargetDefaults& defaults);

// md5 of `data` (RFC 1321), for hashmod.
std::vector<std::uint8_t> md5(const std::string& data);

}  // namespace failsim::sim::prometheus
