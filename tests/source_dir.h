// Where a test finds the checkout's own files (FAILSIM_SOURCE_DIR, set by tests/CMakeLists.txt):
// one definition for every test file, so that test files may share a translation unit
// (the unity build of the asan and release presets) without two definitions of one name.
#pragma once

#include <string>

namespace failsim::testing {

inline const std::string kSource = FAILSIM_SOURCE_DIR;
inline const std::string kScenariosDir = kSource + "/scenarios/";

// A path inside the checkout.
inline std::string source(const std::string& relative_path) { return kSource + "/" + relative_path; }

}  // namespace failsim::testing
