// The Prometheus text exposition format, version 0.0.4 (reference B5), as the fake
// runner exporters serve it: one family per metric name in first-seen order, each with
// `# HELP` and `# TYPE <name> gauge` before its samples, label values escaped (\\, \",
// \n), values as Go prints them (NaN, +Inf, -Inf), and a final newline.
// Served with kExpositionContentType. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "sim/prometheus/server.h"

namespace failsim::fakes {

inline constexpr const char* kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

std::string render_exposition(const sim::prometheus::Samples& samples);
// The HELP text of a metric (the metric's name when it has none); every metric is a gauge.
std::string exposition_help(std::string_view name);

}  // namespace failsim::fakes
