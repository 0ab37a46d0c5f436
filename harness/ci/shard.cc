#include "harness/ci/shard.h"

#include <string>

namespace failsim::harness {

Result<ShardSpec> parse_shard(const std::string& text, const std::function<const char*(const char*)>& getenv) {
  using R = Result<ShardSpec>;
  auto number = [](const std::string& t, int& out) {
    if (t.empty() || t.size() > 9 || t.find_first_not_of("0123456789") != std::string::npos) return false;
    out = std::stoi(t);
    return true;
  };
  auto env = [&getenv](const char* name) -> std::string {
    const char* v = getenv(name);
    return v == nullptr ? "" : v;
  };
  auto k_of_n = [&](const std::string& t, const std::string& what) -> R {
    const auto slash = t.find('/');
    ShardSpec s;
    if (slash == std::string::npos || !number(t.substr(0, slash), s.index) || !number(t.substr(slash + 1), s.count) ||
        s.count < 1 || s.index < 1 || s.index > s.count) {
      return R::error(what + " " + t + ": expected K/N with 1 <= K <= N (e.g. 2/4)");
    }
    return R::ok(s);
  };
  if (text != "auto" && text.rfind("auto/", 0) != 0) return k_of_n(text, "--shard");
  int count = 0;
  if (text.size() > 5 && !number(text.substr(5), count)) return R::error("--shard " + text + ": expected auto or auto/N");
  if (!env("SLURM_ARRAY_TASK_ID").empty()) {
    int id = 0, min = 0, n = count;
    if (!number(env("SLURM_ARRAY_TASK_ID"), id) || (!env("SLURM_ARRAY_TASK_MIN").empty() && !number(env("SLURM_ARRAY_TASK_MIN"), min)) ||
        (n == 0 && !number(env("SLURM_ARRAY_TASK_COUNT"), n))) {
      return R::error("--shard auto: SLURM_ARRAY_TASK_ID/_MIN/_COUNT are not numbers");
    }
    return k_of_n(std::to_string(id - min + 1) + "/" + std::to_string(n), "--shard auto (Slurm array)");
  }
  if (!env("JOB_COMPLETION_INDEX").empty()) {
    int index = 0;
    if (!number(env("JOB_COMPLETION_INDEX"), index)) return R::error("--shard auto: JOB_COMPLETION_INDEX is not a number");
    if (count == 0 && !number(env("FAILSIM_SHARD_COUNT"), count)) {
      return R::error("--shard auto: a Kubernetes indexed Job gives JOB_COMPLETION_INDEX but not the count: use --shard auto/N "
                      "(N = the Job's completions) or set FAILSIM_SHARD_COUNT");
    }
    return k_of_n(std::to_string(index + 1) + "/" + std::to_string(count), "--shard auto (Kubernetes indexed Job)");
  }
  if (!env("FAILSIM_SHARD").empty()) return k_of_n(env("FAILSIM_SHARD"), "FAILSIM_SHARD");
  return R::error("--shard auto: none of SLURM_ARRAY_TASK_ID, JOB_COMPLETION_INDEX or FAILSIM_SHARD is set; give --shard K/N");
}

}  // namespace failsim::harness
