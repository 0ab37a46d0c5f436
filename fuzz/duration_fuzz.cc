// libFuzzer target: failsim's duration parser. Any text parses or is an error; a parsed
// duration prints and parses back to itself.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "failover/duration.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto d = failsim::parse_duration(text);
  if (d) {
    const auto again = failsim::parse_duration(failsim::format_duration(d.value()));
    if (!again || again.value() != d.value()) std::abort();
  }
  return 0;
}
