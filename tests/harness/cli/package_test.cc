// The Debian package: `cpack -G DEB` in the build tree makes failsim_VERSION_amd64.deb
// whose Depends names installed runtime packages (the set install-deps.sh --runtime
// installs), and whose failsim runs (extracted with dpkg-deb, so the test does not
// install into the system) and finds the shipped scenarios beside it.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <string>

#include "tests/harness/process.h"

namespace failsim {
namespace {

namespace fs = std::filesystem;

TEST(Package, CpackBuildsADebWhoseFailsimRunsAndWhoseDependsAreTheRuntimeSet) {
  const fs::path dir = fs::temp_directory_path() / ("failsim-deb-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  // The binary lives in BUILD/harness/; CPackConfig.cmake in BUILD/.
  const fs::path build = fs::path(FAILSIM_BINARY).parent_path().parent_path();
  const auto pack = testing::run_command("cpack -G DEB -B '" + dir.string() + "' --config '" + (build / "CPackConfig.cmake").string() + "' 2>&1");
  ASSERT_EQ(pack.exit_code, 0) << pack.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(pack.out, m, std::regex("package: (\\S+/failsim_[0-9.]+_amd64\\.deb) generated"))) << pack.out;
  const std::string deb = m[1];
  const auto info = testing::run_command("dpkg-deb -f '" + deb + "' Depends 2>&1");
  ASSERT_EQ(info.exit_code, 0) << info.out;
  // Each dependency (the first of each alternative) is installed here.
  const std::string runtime = testing::read_file(std::string(FAILSIM_SOURCE_DIR) + "/scripts/install-deps.sh");
  for (const std::string pkg : {"libyaml-cpp0.7", "libcpp-httplib0.11", "libssl3", "zlib1g", "libbrotli1", "libre2-9"}) {
    EXPECT_NE(info.out.find(pkg), std::string::npos) << info.out;
    EXPECT_NE(runtime.find(pkg), std::string::npos) << "install-deps.sh --runtime lacks " << pkg;
    EXPECT_EQ(testing::run_command("dpkg-query -W -f='${Status}' " + pkg + " 2>&1").out, "install ok installed") << pkg;
  }
  const auto x = testing::run_command("dpkg-deb -x '" + deb + "' '" + (dir / "root").string() + "' 2>&1");
  ASSERT_EQ(x.exit_code, 0) << x.out;
  const auto version = testing::run_command("'" + (dir / "root/usr/bin/failsim").string() + "' --version 2>&1");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("failsim ", 0), 0u) << version.out;
  const auto validate = testing::run_command("'" + (dir / "root/usr/bin/failsim").string() + "' validate '" +
                                             (dir / "root/usr/share/failsim/scenarios/failover.json").string() + "' 2>&1");
  EXPECT_EQ(validate.exit_code, 0) << validate.out;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace failsim
