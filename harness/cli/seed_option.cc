// kSeed (commands.h): the validator of every --seed.
#include <stdexcept>
#include <string>

#include "harness/cli/commands.h"

namespace failsim::harness::cli {

const CLI::Validator kSeed(
    [](std::string& value) -> std::string {
      if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos) {
        return "expected a seed (an integer >= 0), got " + value;
      }
      try {
        (void)std::stoull(value);
      } catch (const std::out_of_range&) {
        return "expected a seed of at most 18446744073709551615, got " + value;
      }
      return "";
    },
    "SEED", "seed");

}  // namespace failsim::harness::cli
