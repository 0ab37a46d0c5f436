// libFuzzer target: what `failsim gate` reads from the network, a Prometheus
// /api/v1/query answer (any status, any body), reduced to a QueryOutcome.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "failover/prometheus_response.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const int status = 100 + data[0] * 2;  // 100..610
  (void)failsim::failover::parse_query_response(status, std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  return 0;
}
