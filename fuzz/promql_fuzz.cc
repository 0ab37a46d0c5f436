// libFuzzer target: the PromQL parser and evaluator. Any text parses or is an error
// (never a crash: depth limits, RE2 matchers); a parsed expression evaluates against a
// small store or returns an error.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sim/prometheus/labels.h"
#include "sim/prometheus/promql_eval.h"
#include "sim/prometheus/promql_parser.h"
#include "sim/prometheus/series_store.h"

namespace prom = failsim::sim::prometheus;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static prom::SeriesStore* store = [] {
    auto* s = new prom::SeriesStore;
    for (int t = 0; t < 10; ++t) {
      s->append(prom::make_labels({{"__name__", "up"}, {"job", "node"}, {"instance", "a:9100"}}), t * 15000, t % 2);
      s->append(prom::make_labels({{"__name__", "runner_status"}, {"hostname", "a"}}), t * 15000, 1);
    }
    return s;
  }();
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto parsed = prom::parse_promql(text);
  if (parsed) (void)prom::evaluate(*parsed.value(), *store, 120000);
  return 0;
}
