#include "harness/inputs/slo_file.h"

#include <algorithm>
#include <set>

#include "failover/duration.h"
#include "failover/json_fields.h"
#include "harness/inputs/text_file.h"

namespace failsim::harness {
namespace {

using json_fields::Fields;
using json_fields::json;

double seconds_of(Fields& f, const std::string& key) {
  return std::chrono::duration<double>(f.duration(key)).count();
}

reports::SloSet read_slos(const json& root, const std::string& source) {
  Fields top(root, "");
  reports::SloSet set;
  set.source = source;
  if (top.integer("slo_version", 0, 1, 1) != 1) Fields::fail("/slo_version", "missing required field (1)");
  top.text("description", std::string());
  top.text("$schema", std::string());
  Fields clock(top.need("detection_clock"), "/detection_clock");
  set.clock_fault_kinds = clock.strings("fault_kinds");
  static const std::set<std::string> kKinds = {"partition",     "loss",          "latency",   "host_down",  "service_stop",
                                               "service_crash", "exporter_stop", "resources", "cancel_run", "http_status"};
  for (std::size_t i = 0; i < set.clock_fault_kinds.size(); ++i) {
    if (kKinds.count(set.clock_fault_kinds[i]) == 0) {
      Fields::fail("/detection_clock/fault_kinds/" + std::to_string(i),
                   "unknown fault kind \"" + set.clock_fault_kinds[i] +
                       "\"; expected one of partition, loss, latency, host_down, service_stop, service_crash, "
                       "exporter_stop, resources, cancel_run, http_status");
    }
  }
  clock.text("definition", std::string());
  clock.finish();
  const json& list = top.need("slos");
  if (!list.is_array()) Fields::fail("/slos", "expected an array of SLOs");
  for (std::size_t i = 0; i < list.size(); ++i) {
    Fields f(list[i], "/slos/" + std::to_string(i));
    reports::SloSpec s;
    s.id = f.text("id");
    s.name = f.text("name");
    s.definition = f.text("definition");
    s.metric = f.choice("metric",
                        std::map<std::string, std::string>{{"deploy_success_rate", "deploy_success_rate"},
                                                           {"deploy_time_p50", "deploy_time_p50"},
                                                           {"detection_within", "detection_within"},
                                                           {"no_secret_in_output", "no_secret_in_output"}},
                        std::string());
    if (s.metric == "deploy_success_rate" || s.metric == "detection_within") {
      s.at_least = f.number("at_least", 0.95);
      if (s.at_least < 0 || s.at_least > 1) Fields::fail(f.at("at_least"), "expected a fraction in [0, 1]");
    }
    if (s.metric == "deploy_time_p50") s.at_most_seconds = seconds_of(f, "at_most");
    if (s.metric == "detection_within") s.within_seconds = seconds_of(f, "within");
    f.finish();
    for (const auto& other : set.slos) {
      if (other.id == s.id) Fields::fail(f.at("id"), "SLO id " + s.id + " is defined twice");
    }
    set.slos.push_back(s);
  }
  top.finish();
  return set;
}

}  // namespace

Result<reports::SloSet> parse_slo_file(const std::string& json_text, const std::string& source) {
  return json_fields::read_document<reports::SloSet>(json_text, source, [&](const json& root) { return read_slos(root, source); });
}

Result<reports::SloSet> load_slo_file(const std::string& path) {
  const auto text = read_input_file(path);
  if (!text) return Result<reports::SloSet>::error(path + ": cannot read the SLO file: " + text.error());
  return parse_slo_file(text.value(), path);
}

}  // namespace failsim::harness
