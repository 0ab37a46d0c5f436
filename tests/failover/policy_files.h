// Test helper: read the policies shipped under scenarios/policies/.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "failover/policy.h"

namespace failsim::failover {

inline std::string read_shipped_policy(const std::string& file) {
  const std::string path = std::string(FAILSIM_SOURCE_DIR) + "/scenarios/policies/" + file;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline Policy load_shipped_policy(const std::string& file) {
  const auto parsed = parse_policy(read_shipped_policy(file), file);
  EXPECT_TRUE(parsed.has_value()) << parsed.error();
  return parsed.has_value() ? parsed.value() : Policy{};
}

}  // namespace failsim::failover
