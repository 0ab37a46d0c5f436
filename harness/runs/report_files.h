// The files a command writes, written so that nothing is lost: each report set is
// replaced whole (temporary files, then renames) or not at all, an output that is one of
// the inputs is refused before anything runs, and a report that would carry a secret is
// redacted and marked. Used by every command that writes (run, merge, replay, import,
// explore, serve).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "failover/result.h"
#include "reports/report.h"

namespace failsim::harness {

// results.json, junit.xml, summary.md and report.html into out_dir, replaced as a set. A
// report that would hold one of `secrets` is written with it as *** and every run marked
// no_secret_in_output = false; the value is then false.
Result<bool> write_reports(const reports::SuiteReport& suite, const std::string& out_dir,
                           const std::vector<std::string>& secrets);
// Writes `text` to `path` via a temporary file and a rename.
Result<bool> write_atomically(const std::string& path, const std::string& text);
// Writes every file to a temporary beside it, then renames them all: on any failure
// nothing is replaced and no temporary file is left.
Result<bool> write_all_or_nothing(const std::vector<std::pair<std::string, std::string>>& files);
// An error when an output path is (the same file as) one of the inputs.
Result<bool> refuse_inputs_as_outputs(const std::vector<std::string>& outputs, const std::vector<std::string>& inputs);
// A file a command reads or writes, with what names it ("--policy-out", "the workflow").
struct NamedPath {
  std::string name;
  std::string path;  // "" = not given (skipped)
};
// Checked by every command that writes before it writes anything: no output is the
// same file as an input (by path or, when both exist, as the same inode), and no two
// outputs are. The error names both, e.g. "--policy-out deploy.yml is the workflow
// deploy.yml: it would be overwritten; write elsewhere".
Result<bool> check_output_paths(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs);

}  // namespace failsim::harness
