// The JSON Schemas of worlds, scenarios and game-day plans (worlds/world.schema.json,
// scenarios/schema/scenario.schema.json, scenarios/schema/gameday-plan.schema.json) are for editors and other tools; this checks,
// with Debian's python3-jsonschema, that every shipped world and scenario and a world
// written by the importers validate against them, and that a mistake failsim rejects is
// rejected by the schema too.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/harness/process.h"
#include "tests/source_dir.h"

namespace failsim {
namespace {

using testing::kSource;

testing::CommandResult check(const std::string& schema, const std::string& files) {
  return testing::run_command("/usr/bin/python3 '" + kSource + "/tests/harness/check_schema.py' '" + kSource + "/" + schema +
                              "' " + files + " 2>&1");
}

TEST(Schemas, ShippedWorldsAndScenariosValidate) {
  auto r = check("worlds/world.schema.json", "'" + kSource + "/worlds/paws360.json' '" + kSource + "/worlds/northwind.json'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("checked 2 files, 0 errors"), std::string::npos) << r.out;
  r = check("scenarios/schema/scenario.schema.json", "'" + kSource + "/scenarios/'*.json '" + kSource + "/scenarios/northwind/'*.json '" + kSource + "/scenarios/quiet-weeks/'*.json");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("checked 16 files, 0 errors"), std::string::npos) << r.out;
  r = check("scenarios/schema/gameday-plan.schema.json", "'" + kSource + "/scenarios/gamedays/'*.json");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("checked 2 files, 0 errors"), std::string::npos) << r.out;
}

// failsim rejects an injection with its own `at` and a checkpoint of two kinds; so does the schema.
TEST(Schemas, APlanMistakeIsRejectedByTheSchema) {
  const auto dir = std::filesystem::temp_directory_path() / ("failsim-plan-schema-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string text = testing::read_file(kSource + "/scenarios/gamedays/northwind-exporter-drill.json");
  text.replace(text.find(R"("inject": {"kind")"), 17, R"("inject": {"at": "1m", "kind")");
  text.replace(text.find(R"("target_down": "rack1-a:9200",)"), 30, R"("target_down": "rack1-a:9200", "never": "deploy_on_unhealthy_runner",)");
  std::ofstream(dir / "bad.json") << text;
  const auto r = check("scenarios/schema/gameday-plan.schema.json", "'" + (dir / "bad.json").string() + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("/steps/0/inject"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("/checkpoints/0"), std::string::npos) << r.out;
  std::filesystem::remove_all(dir);
}

TEST(Schemas, AnImportedWorldValidatesAndAMistakeDoesNot) {
  const auto dir = std::filesystem::temp_directory_path() / ("failsim-schema-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string fixtures = kSource + "/tests/harness/inputs/import/";
  const std::string world = (dir / "world.json").string();
  testing::run_command("'" FAILSIM_BINARY "' import prometheus '" + fixtures + "paws360-prometheus.yml' --runners-from "
                       "github-runner-health --runner-label production --runner-label primary --out '" + world + "' 2>&1");
  testing::run_command("'" FAILSIM_BINARY "' import workflow '" + fixtures + "paws360-ci.yml' --out '" + world + "' 2>&1");
  auto r = check("worlds/world.schema.json", "'" + world + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  std::string text = testing::read_file(kSource + "/worlds/northwind.json");
  text.replace(text.find(R"("queue": "max")"), 14, R"("queue": "all")");
  std::ofstream(dir / "bad.json") << text;
  r = check("worlds/world.schema.json", "'" + (dir / "bad.json").string() + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("/github/workflows/0/concurrency"), std::string::npos) << r.out;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace failsim
