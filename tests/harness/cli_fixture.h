// CliTest: a fixture for end-to-end tests of the failsim binary. Each test gets a fresh
// temporary directory (removed afterwards); failsim() runs the binary from the source
// tree (so scenario paths are relative to it), bounded by a timeout, stderr folded into
// the output.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "tests/harness/process.h"

namespace failsim::testing {

class CliTest : public ::testing::Test {
 protected:
  explicit CliTest(const std::string& name)
      : dir(std::filesystem::temp_directory_path() / ("failsim-" + name + "-" + std::to_string(::getpid()))) {}
  void SetUp() override { std::filesystem::create_directories(dir); }
  void TearDown() override { std::filesystem::remove_all(dir); }
  // `failsim ARGS` in the source tree.
  CommandResult failsim(const std::string& args) {
    return run_command("cd '" + src + "' && timeout 600 '" FAILSIM_BINARY "' " + args + " 2>&1");
  }
  // Any shell command in the source tree.
  CommandResult in_source(const std::string& command) { return run_command("cd '" + src + "' && " + command + " 2>&1"); }
  // A path under the temporary directory, quoted for the shell.
  std::string out(const std::string& sub) const { return "'" + (dir / sub).string() + "'"; }

  std::filesystem::path dir;
  const std::string src = FAILSIM_SOURCE_DIR;
};

}  // namespace failsim::testing
