#include "fakes/exposition.h"

#include <map>
#include <vector>

#include "fakes/wire_format.h"

namespace failsim::fakes {
namespace {

// HELP texts of PAWS360's runner exporter metrics (paws360-as-built.md §3.1 table).
const std::map<std::string, std::string, std::less<>> kHelp = {
    {"runner_status", "Runner service status (1 = active, 0 = not active)"},
    {"runner_cpu_usage_percent", "CPU usage percent (100 - idle)"},
    {"runner_memory_usage_percent", "Memory usage percent (used / total)"},
    {"runner_memory_total_bytes", "Total memory in bytes"},
    {"runner_disk_usage_percent", "Disk usage percent of /"},
    {"runner_disk_available_bytes", "Available bytes on /"},
    {"runner_last_check_in_timestamp_seconds", "Modification time of the newest runner _diag log"},
};

std::string escape(const std::string& v, bool help) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && !help) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string render_exposition(const sim::prometheus::Samples& samples) {
  namespace prom = sim::prometheus;
  std::vector<std::string> order;
  std::map<std::string, std::vector<const std::pair<prom::Labels, double>*>> families;
  for (const auto& s : samples) {
    const std::string name(prom::label_value(s.first, prom::kMetricName));
    if (families.find(name) == families.end()) order.push_back(name);
    families[name].push_back(&s);
  }
  std::string out;
  for (const auto& name : order) {
    out += "# HELP " + name + " " + escape(exposition_help(name), true) + "\n";
    out += "# TYPE " + name + " gauge\n";
    for (const auto* s : families[name]) {
      out += name;
      std::string labels;
      for (const auto& [k, v] : s->first) {
        if (k == prom::kMetricName) continue;
        labels += (labels.empty() ? "" : ",") + k + "=\"" + escape(v, false) + "\"";
      }
      if (!labels.empty()) out += "{" + labels + "}";
      out += " " + format_sample_value(s->second) + "\n";
    }
  }
  return out;
}

std::string exposition_help(std::string_view name) {
  const auto help = kHelp.find(name);
  return help != kHelp.end() ? help->second : std::string(name);
}

}  // namespace failsim::fakes
