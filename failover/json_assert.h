// Included before every translation unit of the project (CMakeLists.txt, failsim_options):
// nlohmann::json's internal checks throw std::logic_error instead of aborting. Reading a
// missing key of a const object (`j["k"]` on a const json) asserted and took the whole
// process down: `failsim serve` with every endpoint, or a test binary without saying
// which test. Now the HTTP layer answers 500 and the test fails with the check's text.
// One definition everywhere, so every inline copy of the library agrees. Inside the
// library's noexcept functions (destructors, the serializer) a failed check still ends
// the process, as before.
#pragma once

#include <stdexcept>
#include <string>

namespace failsim {
[[noreturn]] inline void json_check_failed(const char* check, const char* file, int line) {
  throw std::logic_error(std::string("nlohmann::json check failed: ") + check + " (" + file + ":" + std::to_string(line) + ")");
}
}  // namespace failsim

#define JSON_ASSERT(x) ((x) ? static_cast<void>(0) : ::failsim::json_check_failed(#x, __FILE__, __LINE__))
