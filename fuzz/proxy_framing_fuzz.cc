// libFuzzer target: the chaos proxies' HTTP request framing (fakes/chaos_proxy.h,
// http_request_length), which reads whatever bytes a client sends through a proxy that
// has an http_status toxic. Requests are consumed one after another as a session does;
// a complete request's length must lie within the bytes read, and framing must end
// (each step consumes at least one byte).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fakes/chaos_proxy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string buf(reinterpret_cast<const char*>(data), size);
  while (!buf.empty()) {
    bool head_only = false;
    const auto length = failsim::fakes::http_request_length(buf, head_only);
    if (!length || *length == 0) break;
    if (*length > buf.size()) std::abort();
    buf.erase(0, *length);
  }
  return 0;
}
