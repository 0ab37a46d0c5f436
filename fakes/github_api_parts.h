// The fake GitHub REST API's shared pieces (fakes/github_api.h): its state, and the
// JSON it renders for runners, users, repositories, runs and jobs in GitHub's shapes
// (reference A). Private to fakes/: github_api.cc (the routes) and github_json.cc.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "fakes/github_api.h"
#include "sim/random.h"

namespace failsim::fakes::github_detail {

using Json = nlohmann::ordered_json;
namespace gh = sim::github;

inline constexpr const char* kDocs = "https://docs.github.com/rest";

struct State {
  GitHubApiConfig config;
  DispatchHandler dispatch;
  LiveLoop* loop = nullptr;
  const gh::GitHub* github = nullptr;
  std::mutex mu;  // rate-limit window, and the draws below
  std::int64_t window_start_s = 0;
  int used = 0;
  // A degraded GitHub's refusals of live calls: a stream of their own, so clients never
  // move the model's draws.
  sim::Rng draws = sim::Rng::stream(0, "live-github-api");
};

struct Urls {
  std::string api;   // http://HOST/repos/o/r
  std::string html;  // http://HOST/o/r (the fake has no HTML; the shape is GitHub's)
};

std::string iso(TimePoint t);
Json iso_or_null(const std::optional<TimePoint>& t);
std::string fake_sha(std::int64_t id);
std::string branch_of(const std::string& ref);
Json runner_json(const gh::RunnerRecord& r);
Json user_json(const Urls& u, const std::string& login = "failsim", std::int64_t id = 1);
Json repository_json(const State& s, const Urls& u);
Json full_repository_json(const State& s, const Urls& u);
Json run_json(const gh::Run& r, const State& s, const Urls& u);
Json job_json(const gh::Job& job, const gh::GitHub& github, const State& s, const Urls& u);

}  // namespace failsim::fakes::github_detail
