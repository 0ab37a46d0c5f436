// Reading a whole input file (scenarios, worlds, policies, rule files, configs):
//  - read_input_file: the text, or why not ("no such file", "permission denied", "is a
//    directory", "larger than 16 MiB, failsim's input limit"), so each caller names the
//    file, who named it and why it could not be read. Reads at most the limit plus one
//    byte, so a runaway file cannot exhaust memory. Only regular files are read (a FIFO
//    would block, /dev/zero never ends), and only UTF-8 text (failover/utf8.h).
//  - read_text_file: the same, nullopt on any failure.
//  - path_exists / path_is_directory: never throw (a name longer than the system
//    allows, say, is simply not there).
//  - DocumentScope: while one is alive on a thread, each path (by its canonical form)
//    is read from disk once and its text (or why not) served again from memory: a
//    command that loads a scenario per variant, checks its outputs against its inputs
//    and redacts the scenarios' secrets reads every document once. It records the
//    paths read, in order. input_reads(path) counts the reads from disk of a path (any
//    spelling of it), since the process started (what the tests assert).
#pragma once

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "failover/result.h"
#include "failover/utf8.h"

namespace failsim::harness {

inline constexpr std::size_t kMaxInputBytes = 16u << 20;

Result<std::string> read_input_file(const std::string& path);
// The same read, for a file looked at that is not a document of the command (the JSON
// files beside a run's scenarios or policies, scanned for names): served once from a
// DocumentScope like any file, but not recorded among its paths (so not an input the
// command's outputs are checked against).
Result<std::string> read_unrecorded_file(const std::string& path);

inline bool path_exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

inline bool path_is_directory(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

inline std::optional<std::string> read_text_file(const std::string& path) {
  auto r = read_input_file(path);
  if (!r) return std::nullopt;
  return std::move(r).value();
}

class DocumentScope {
 public:
  using Texts = std::map<std::string, std::pair<Result<std::string>, bool>>;  // by canonical path: text, recorded

  DocumentScope();
  ~DocumentScope();
  DocumentScope(const DocumentScope&) = delete;
  DocumentScope& operator=(const DocumentScope&) = delete;
  // Every document read while the scope was alive, as first given, in the order read.
  const std::vector<std::string>& paths() const { return paths_; }

 private:
  friend Result<std::string> read_input_file(const std::string& path);
  friend Result<std::string> read_unrecorded_file(const std::string& path);
  DocumentScope* outer_;
  Texts texts_;
  std::vector<std::string> paths_;
};

std::size_t input_reads(const std::string& path);

}  // namespace failsim::harness
