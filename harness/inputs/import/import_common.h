// What the importers (harness/inputs/import/import_prometheus.h, harness/inputs/import/import_workflow.h) share:
// the list of constructs they do not model, each with file:line, and reading YAML with
// yaml-cpp into errors that name the file and line.
#pragma once

#include <yaml-cpp/yaml.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "sim/yaml_limits.h"

namespace failsim::harness {

// A construct of the source file that failsim does not model (kept out of the world),
// or an expression it cannot evaluate, at file:line.
struct ImportNote {
  std::string file;
  int line = 0;  // 1-based
  std::string what;
  std::string where() const { return line > 0 ? file + ":" + std::to_string(line) : file; }
};

// Thrown while importing; the caller turns it into a Result error.
struct ImportError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

inline int line_of(const YAML::Node& n) { return n.Mark().line >= 0 ? n.Mark().line + 1 : 0; }

[[noreturn]] inline void import_fail(const std::string& file, const YAML::Node& at, const std::string& what) {
  throw ImportError(file + ":" + std::to_string(line_of(at)) + ": " + what);
}

// A scalar as a string; anything else is an error naming the line.
inline std::string scalar(const std::string& file, const YAML::Node& n, const std::string& what) {
  if (!n.IsScalar()) import_fail(file, n, "expected " + what);
  return n.as<std::string>();
}

// A scalar or a sequence of scalars.
inline std::vector<std::string> scalars(const std::string& file, const YAML::Node& n, const std::string& what) {
  std::vector<std::string> out;
  if (n.IsScalar()) {
    out.push_back(n.as<std::string>());
  } else if (n.IsSequence()) {
    for (const auto& item : n) out.push_back(scalar(file, item, what));
  } else {
    import_fail(file, n, "expected " + what + " or a list of them");
  }
  return out;
}

// Loads YAML text; a syntax error names the file, line and column, and so does a
// document over sim/yaml_limits.h's bounds or a quoted string left open at the end.
inline YAML::Node load_yaml(const std::string& text, const std::string& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ImportError(file + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1) +
                      ": invalid YAML: " + e.msg);
  }
  if (const auto over = sim::yaml_over_limits(root)) throw ImportError(file + ":" + *over);
  if (const auto open = sim::unterminated_quote(text)) {
    throw ImportError(file + ":" + std::to_string(*open) + ": invalid YAML: a quoted string is never closed (found the end of the file)");
  }
  return root;
}

inline bool has_expression(const std::string& s) { return s.find("${{") != std::string::npos; }

}  // namespace failsim::harness
