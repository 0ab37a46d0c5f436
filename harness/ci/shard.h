// Shards of a run's seeds (failsim run --shard K/N; failsim merge puts them together):
// which shard this process runs, from "K/N" or from the environment a job scheduler sets.
#pragma once

#include <functional>
#include <string>

#include "failover/result.h"

namespace failsim::harness {

// Shard K of N (1-based) of a run's seeds: the contiguous block
// [first + floor((K-1)*S/N), first + floor(K*S/N)) of its S seeds. The union of the N
// shards is exactly the unsharded run; each seed is a pure function of its inputs.
struct ShardSpec {
  int index = 1;
  int count = 1;
};
// "K/N", or "auto" / "auto/N" from the environment: a Slurm array
// (SLURM_ARRAY_TASK_ID - SLURM_ARRAY_TASK_MIN + 1 of SLURM_ARRAY_TASK_COUNT), a Kubernetes
// indexed Job (JOB_COMPLETION_INDEX + 1; N from "auto/N" or FAILSIM_SHARD_COUNT), or
// FAILSIM_SHARD ("K/N"). `getenv` is injected for tests.
Result<ShardSpec> parse_shard(const std::string& text, const std::function<const char*(const char*)>& getenv);

}  // namespace failsim::harness
