// The fake GitHub API's configuration for a world: its repository, default branch,
// deploy workflow (file, name, declared inputs) and the deploy job's runs-on, with the
// token requests must present. Shared by `failsim serve` and the command checks of
// simulated runs, so a script meets the same API in both.
#pragma once

#include <string>

#include "fakes/github_api.h"
#include "harness/inputs/world_file.h"

namespace failsim::harness {

fakes::GitHubApiConfig github_api_config(const WorldFile& world, const std::string& token);

}  // namespace failsim::harness
