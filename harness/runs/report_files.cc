#include "harness/runs/report_files.h"

#include <filesystem>
#include <fstream>

#include "reports/report.h"

namespace failsim::harness {

Result<bool> write_atomically(const std::string& path, const std::string& text) {
  return write_all_or_nothing({{path, text}});
}

Result<bool> write_all_or_nothing(const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<std::string> temps;
  auto discard = [&temps] {
    std::error_code ec;
    for (const auto& t : temps) std::filesystem::remove(t, ec);
  };
  for (const auto& [path, text] : files) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
      discard();
      return Result<bool>::error(path + ": is a directory; nothing was written");
    }
    // A device, FIFO or socket would be replaced by the rename below (`--trace /dev/full`
    // turned the device into a file): refused, as inputs are.
    if (const auto st = std::filesystem::status(path, ec); !ec && std::filesystem::exists(st) && !std::filesystem::is_regular_file(st)) {
      discard();
      return Result<bool>::error(path + ": is not a regular file (a device, FIFO or socket); failsim writes regular files; nothing was written");
    }
    const std::string tmp = path + ".tmp";
    temps.push_back(tmp);
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) {
      discard();
      return Result<bool>::error(path + ": cannot write; nothing was written");
    }
    out << text;
    out.flush();
    if (!out) {
      discard();
      return Result<bool>::error(path + ": write failed; nothing was written");
    }
  }
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::error_code ec;
    std::filesystem::rename(temps[i], files[i].first, ec);
    if (ec) {
      discard();
      return Result<bool>::error(files[i].first + ": " + ec.message());
    }
  }
  return Result<bool>::ok(true);
}

Result<bool> refuse_inputs_as_outputs(const std::vector<std::string>& outputs, const std::vector<std::string>& inputs) {
  for (const auto& out : outputs) {
    for (const auto& in : inputs) {
      std::error_code ec;
      if (!in.empty() && std::filesystem::exists(out, ec) && std::filesystem::equivalent(out, in, ec)) {
        return Result<bool>::error(out + " is one of the run's inputs; it would be overwritten. Write elsewhere");
      }
    }
  }
  return Result<bool>::ok(true);
}

namespace {

bool same_file(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec);
  const auto ca = fs::weakly_canonical(fs::absolute(a, ec), ec);
  const auto cb = fs::weakly_canonical(fs::absolute(b, ec), ec);
  return !ec && ca == cb;
}

}  // namespace

Result<bool> check_output_paths(const std::vector<NamedPath>& outputs, const std::vector<NamedPath>& inputs) {
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const NamedPath& out = outputs[i];
    if (out.path.empty()) continue;
    for (const auto& in : inputs) {
      if (!in.path.empty() && same_file(out.path, in.path)) {
        return Result<bool>::error(out.name + " " + out.path + " is " + in.name + " " + in.path +
                                   ": it would be overwritten; write elsewhere (nothing was written)");
      }
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (!outputs[j].path.empty() && same_file(out.path, outputs[j].path)) {
        return Result<bool>::error(outputs[j].name + " and " + out.name + " both name " + out.path +
                                   ": one would overwrite the other; give two files (nothing was written)");
      }
    }
  }
  return Result<bool>::ok(true);
}

Result<bool> write_reports(const reports::SuiteReport& input, const std::string& out_dir,
                           const std::vector<std::string>& secrets) {
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Result<bool>::error(out_dir + ": " + ec.message());
  reports::SuiteReport suite = input;
  auto render = [&suite] {
    return std::vector<std::pair<std::string, std::string>>{{"results.json", reports::results_json(suite)},
                                                            {"junit.xml", reports::junit_xml(suite)},
                                                            {"summary.md", reports::summary_md(suite)},
                                                            {"report.html", reports::html_report(suite)}};
  };
  auto docs = render();
  bool leaked = false;
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (const auto& [name, text] : docs) leaked = leaked || text.find(secret) != std::string::npos;
  }
  if (leaked) {
    for (auto& s : suite.scenarios) {
      s.passed = false;
      for (auto& r : s.runs) r.invariants["no_secret_in_output"] = false;
      s.aggregate = reports::aggregate(s.runs);
    }
    docs = render();
    for (auto& [name, text] : docs) {
      for (const auto& secret : secrets) {
        if (secret.empty()) continue;
        for (auto pos = text.find(secret); pos != std::string::npos; pos = text.find(secret, pos)) {
          text.replace(pos, secret.size(), "***");
        }
      }
    }
  }
  // The four reports are replaced as a set: all written to temporary files first, then
  // renamed; a failure leaves the old set and no temporary file.
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& [name, text] : docs) files.emplace_back((std::filesystem::path(out_dir) / name).string(), text);
  auto w = write_all_or_nothing(files);
  if (!w) return w;
  return Result<bool>::ok(!leaked);
}

}  // namespace failsim::harness
