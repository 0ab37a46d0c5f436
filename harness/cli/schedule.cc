// `failsim schedule WORLD`: the world's scrape and evaluation phases as JSON
// (harness/inputs/world_schedule.h).
#include <iostream>
#include <memory>

#include "harness/cli/commands.h"
#include "harness/inputs/world_schedule.h"

namespace failsim::harness::cli {

Subcommand add_schedule(CLI::App& app) {
  auto world_path = std::make_shared<std::string>();
  auto* schedule = app.add_subcommand(
      "schedule", "Print when the world's Prometheus scrapes each target and evaluates each rule group (phases, JSON)");
  schedule->add_option("world", *world_path, "World file")->required();
  return {schedule, [world_path] {
            auto world = load_world(*world_path);
            if (!world) {
              std::cerr << "failsim schedule: " << world.error() << "\n";
              return 2;
            }
            auto s = world_schedule(world.value());
            if (!s) {
              std::cerr << "failsim schedule: " << s.error() << "\n";
              return 2;
            }
            std::cout << s.value().dump(2) << "\n";
            return 0;
          }};
}

}  // namespace failsim::harness::cli
