// Reading a whole input file (scenarios, worlds, policies, rule files, configs):
//  - read_input_file: the text, or why not ("no such file", "permission denied", "is a
//    directory", "larger than 16 MiB, failsim's input limit"), so each caller names the
//    file, who named it and why it could not be read. Reads at most the limit plus one
//    byte, so a runaway file cannot exhaust memory. Only regular files are read (a FIFO
//    would block, /dev/zero never ends), and only UTF-8 text (failover/utf8.h).
//  - read_text_file: the same, nullopt on any failure.
//  - path_exists / path_is_directory: never throw (a name longer than the system
//    allows, say, is simply not there).
#pragma once

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "failover/result.h"
#include "failover/utf8.h"

namespace failsim::harness {

inline constexpr std::size_t kMaxInputBytes = 16u << 20;

inline Result<std::string> read_input_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return Result<std::string>::error("is a directory");
  // Opening a FIFO would wait for a writer forever; a device never ends.
  const auto status = std::filesystem::status(path, ec);
  if (!ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    return Result<std::string>::error("not a regular file (a FIFO, device or socket); failsim reads files");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Result<std::string>::error(std::filesystem::exists(path, ec) ? "permission denied" : "no such file");
  }
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof(buf)) || in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxInputBytes) return Result<std::string>::error("larger than 16 MiB, failsim's input limit");
  }
  if (in.bad()) return Result<std::string>::error(std::string("read error: ") + std::strerror(errno));
  if (const auto bad = utf8_error(text)) return Result<std::string>::error(*bad + "; failsim reads UTF-8 text");
  return Result<std::string>::ok(std::move(text));
}

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

}  // namespace failsim::harness
