// `failsim export promtool SCENARIO --seed N --out DIR`: one simulated run turned into
// `promtool test rules` files a team keeps in its own CI (issue 32).
//
// One file per rule group, DIR/<group>.test.yml, referring to the team's rule file
// (relative to DIR). Its evaluation_interval is the group's; its input_series are the
// scraped series as the group's evaluations saw them, one value per evaluation slot
// (the first slot is promtool's 0s; a series the evaluation could not see is `stale` at
// the first such slot and missing `_` after); its alert_rule_tests are, for every
// alerting rule of the group, the alerts failsim had firing (labels, and annotations
// expanded with the labels and value) at every slot where any alert of the rule changed
// state (pending ones included, so a shorter `for` fails the test), and at the last slot.
// `promtool test rules DIR/*.test.yml` passes on what failsim saw, and fails once the
// rule changes what fires when.
//
// Refused with a message, never guessed: --set on the rules (the tests would describe a
// file that is not the team's); an annotation with a template action other than
// {{ $labels.NAME }}, {{ .Labels.NAME }}, {{ $value }}, {{ .Value }} or
// {{ $externalLabels.NAME }} (promtool compares the expanded text); a group with its own
// `interval:` other than the global one (promtool evaluates every group of a test file at
// one interval). A run in which Prometheus was down ends its tests at the first slot it
// missed (promtool cannot restart), which the file and the output say.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace failsim::harness {

struct PromtoolExportOptions {
  std::string scenario;
  std::string policy;  // "": the scenario's own
  std::string rules;   // "": the policy's, the scenario's or the world's
  std::uint64_t seed = 1;
  std::string out_dir;
  std::vector<std::string> sets;
};

// Exit 0 written, 2 bad input or refused.
int export_promtool_command(const PromtoolExportOptions& options, std::ostream& out, std::ostream& err);

// {{ ... }} in an annotation expanded as Prometheus's template engine would for these
// actions; nullopt (and `why`) for any other.
std::optional<std::string> expand_annotation(const std::string& text, const std::vector<std::pair<std::string, std::string>>& labels,
                                             double value, const std::vector<std::pair<std::string, std::string>>& external_labels,
                                             std::string* why);
// A float64 as Go's fmt prints it with %v (what {{ $value }} shows): 0, 1, 0.5, 1e+06.
std::string go_float(double v);

}  // namespace failsim::harness
