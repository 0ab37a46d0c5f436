#include "harness/inputs/text_file.h"

#include <mutex>

namespace failsim::harness {
namespace {

thread_local DocumentScope* current_scope = nullptr;

std::mutex reads_mutex;
std::map<std::string, std::size_t>& reads_by_path() {
  static std::map<std::string, std::size_t> reads;
  return reads;
}

std::string document_key(const std::string& path) {
  std::error_code ec;
  std::string key = std::filesystem::weakly_canonical(std::filesystem::absolute(path, ec), ec).string();
  return ec ? path : key;
}

Result<std::string> read_from_disk(const std::string& path) {
  {
    const std::lock_guard<std::mutex> lock(reads_mutex);
    ++reads_by_path()[document_key(path)];
  }
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

}  // namespace

DocumentScope::DocumentScope() : outer_(current_scope) { current_scope = this; }
DocumentScope::~DocumentScope() { current_scope = outer_; }

namespace {

// The text of `path`, from the scope's memory after the first read; `record`: the path
// is one of the command's documents (recorded once, in the order first recorded).
Result<std::string> read_through(DocumentScope::Texts& texts, std::vector<std::string>& paths, const std::string& path,
                                 bool record) {
  const std::string key = document_key(path);
  auto it = texts.find(key);
  if (it == texts.end()) it = texts.emplace(key, std::make_pair(read_from_disk(path), false)).first;
  if (record && !it->second.second) {
    it->second.second = true;
    paths.push_back(path);
  }
  return it->second.first;
}

}  // namespace

Result<std::string> read_input_file(const std::string& path) {
  DocumentScope* scope = current_scope;
  if (scope == nullptr) return read_from_disk(path);
  return read_through(scope->texts_, scope->paths_, path, true);
}

Result<std::string> read_unrecorded_file(const std::string& path) {
  DocumentScope* scope = current_scope;
  if (scope == nullptr) return read_from_disk(path);
  return read_through(scope->texts_, scope->paths_, path, false);
}

std::size_t input_reads(const std::string& path) {
  const std::lock_guard<std::mutex> lock(reads_mutex);
  const auto it = reads_by_path().find(document_key(path));
  return it == reads_by_path().end() ? 0 : it->second;
}

}  // namespace failsim::harness
