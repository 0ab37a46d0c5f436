// Sharding and merge (issue 14): `failsim run --shard K/N` runs a contiguous block of
// the seeds; `failsim merge` of all N shards writes byte for byte the results.json,
// junit.xml, summary.md and report.html of the unsharded run (400 seeds of two
// scenarios under two policies); a missing, doubled or foreign shard is exit 2 naming
// it; the shard comes from a Slurm array, a Kubernetes indexed Job or FAILSIM_SHARD.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <string>

#include "harness/runs/suite.h"
#include "tests/harness/cli_fixture.h"

namespace failsim {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class Shards : public testing::CliTest {
 protected:
  Shards() : CliTest("shards") {}
  const std::string suite = "run scenarios/failover.json scenarios/healthy-primary.json --policy scenarios/policies/health-gated-failover.json "
                            "--policy scenarios/policies/paws360-as-built.json --jobs 2";
};

TEST_F(Shards, FourShardsMergedAreTheUnshardedRunByteForByte) {
  std::set<std::uint64_t> seen;
  for (int k = 1; k <= 4; ++k) {
    const auto r = failsim(suite + " --seeds 400 --shard " + std::to_string(k) + "/4 --out " + out("shard" + std::to_string(k)));
    ASSERT_EQ(r.exit_code, 0) << r.out;
    const json res = json::parse(testing::read_file((dir / ("shard" + std::to_string(k)) / "results.json").string()));
    EXPECT_EQ(res["shard"]["index"], k);
    EXPECT_EQ(res["shard"]["count"], 4);
    for (const auto& row : res["scenarios"]) {
      EXPECT_EQ(row["runs"].size(), 100u);  // a contiguous quarter of the seeds
      if (row["name"] != "failover" || row["policy"] != "health-gated-failover") continue;
      for (const auto& run : row["runs"]) EXPECT_TRUE(seen.insert(run["seed"].get<std::uint64_t>()).second) << "seed twice";
    }
  }
  EXPECT_EQ(seen.size(), 400u);
  EXPECT_EQ(*seen.begin(), 1u);
  EXPECT_EQ(*seen.rbegin(), 400u);
  // Given in any order.
  const auto merged = failsim("merge " + out("shard3") + " " + out("shard1") + " " + out("shard4") + " " + out("shard2") + " --out " + out("merged"));
  ASSERT_EQ(merged.exit_code, 0) << merged.out;
  const auto full = failsim(suite + " --seeds 400 --out " + out("full"));
  ASSERT_EQ(full.exit_code, 0) << full.out;
  for (const std::string f : {"results.json", "junit.xml", "summary.md", "report.html"}) {
    EXPECT_EQ(testing::read_file((dir / "merged" / f).string()), testing::read_file((dir / "full" / f).string())) << f;
  }
  EXPECT_EQ(json::parse(testing::read_file((dir / "merged" / "results.json").string()))["scenarios"][0]["runs"].size(), 400u);

  // A missing shard, a shard given twice, a shard of another run: exit 2, named.
  auto r = failsim("merge " + out("shard1") + " " + out("shard2") + " " + out("shard3") + " --out " + out("m2"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("shard(s) 4 of 4 missing"), std::string::npos) << r.out;
  r = failsim("merge " + out("shard1") + " " + out("shard1") + " --out " + out("m3"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("shard 1 is given twice"), std::string::npos) << r.out;
  ASSERT_EQ(failsim(suite + " --seed 5 --seeds 8 --shard 2/4 --out " + out("other")).exit_code, 0);
  r = failsim("merge " + out("shard1") + " " + out("other") + " " + out("shard3") + " " + out("shard4") + " --out " + out("m4"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("is of another run"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir / "m4" / "results.json")) << "nothing is written on a bad merge";
  r = failsim("merge " + out("full") + " --out " + out("m5"));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("not a shard's results.json"), std::string::npos) << r.out;
}

TEST(ShardSpec, FromTheCommandLineAndFromEachSchedulersEnvironment) {
  auto env_of = [](std::map<std::string, std::string> vars) {
    return [vars](const char* name) -> const char* {
      const auto it = vars.find(name);
      return it == vars.end() ? nullptr : it->second.c_str();
    };
  };
  auto none = env_of({});
  auto ok = [](const Result<harness::ShardSpec>& s) { return s ? std::to_string(s.value().index) + "/" + std::to_string(s.value().count) : "error: " + s.error(); };
  EXPECT_EQ(ok(harness::parse_shard("2/4", none)), "2/4");
  for (const char* bad : {"0/4", "5/4", "2-4", "/4", "2/", "a/b", "2/0"}) EXPECT_FALSE(harness::parse_shard(bad, none)) << bad;
  // Slurm: --array=5-8 gives task ids 5..8 (MIN 5) and COUNT 4.
  EXPECT_EQ(ok(harness::parse_shard("auto", env_of({{"SLURM_ARRAY_TASK_ID", "7"}, {"SLURM_ARRAY_TASK_MIN", "5"}, {"SLURM_ARRAY_TASK_COUNT", "4"}}))), "3/4");
  // Kubernetes indexed Job: JOB_COMPLETION_INDEX is 0-based; the count is not in the environment.
  EXPECT_EQ(ok(harness::parse_shard("auto/4", env_of({{"JOB_COMPLETION_INDEX", "2"}}))), "3/4");
  EXPECT_EQ(ok(harness::parse_shard("auto", env_of({{"JOB_COMPLETION_INDEX", "0"}, {"FAILSIM_SHARD_COUNT", "3"}}))), "1/3");
  const auto no_count = harness::parse_shard("auto", env_of({{"JOB_COMPLETION_INDEX", "2"}}));
  ASSERT_FALSE(no_count);
  EXPECT_NE(no_count.error().find("auto/N"), std::string::npos) << no_count.error();
  EXPECT_FALSE(harness::parse_shard("auto/4", env_of({{"JOB_COMPLETION_INDEX", "4"}})));  // index 5 of 4
  EXPECT_EQ(ok(harness::parse_shard("auto", env_of({{"FAILSIM_SHARD", "1/2"}}))), "1/2");
  const auto nothing = harness::parse_shard("auto", none);
  ASSERT_FALSE(nothing);
  EXPECT_NE(nothing.error().find("give --shard K/N"), std::string::npos);
}

}  // namespace
}  // namespace failsim
