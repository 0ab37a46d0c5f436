// Reading a whole text file (scenarios, worlds, policies, configs): nullopt when it
// cannot be opened, so each caller says which file it was and who named it.
#pragma once

#include <fstream>
#include <optional>
#include <sstream>
#include <string>

namespace failsim::harness {

inline std::optional<std::string> read_text_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace failsim::harness
