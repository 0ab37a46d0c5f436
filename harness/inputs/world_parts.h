// Pieces of reading a world file shared by world_file.cc and world_prometheus.cc.
// Private to harness/inputs/.
#pragma once

#include <filesystem>
#include <string>
#include <utility>

#include "failover/json_fields.h"
#include "harness/inputs/world_file.h"

namespace failsim::harness::world_parts {

// "host:port" (at: the JSON pointer named in an error).
std::pair<std::string, int> split_target(const std::string& target, const std::string& at);
// /prometheus into world.spec (and world's rule files, relative to dir).
void read_prometheus(json_fields::Fields& p, WorldFile& world, const std::filesystem::path& dir);

}  // namespace failsim::harness::world_parts
