// A driver for the fuzz targets without libFuzzer, so CI can run them under the
// ASan+UBSan build (GCC) on every change: each input file given (or every file in a
// directory given) runs as is, then --mutations N inputs made from them by a mutator
// with a fixed seed (byte flips, inserted tokens such as 1e309, deep brackets, stray
// quotes and invalid UTF-8, cuts, repeats, splices of two inputs). Deterministic: a
// failure reproduces with the same arguments, and the failing input is written to
// --artifact (default fuzz-smoke-crash) before it runs. Coverage-guided fuzzing is
// scripts/fuzz.sh (libFuzzer); this is its smoke test.
// Usage: failsim_fuzz_smoke TARGET [--mutations N] [--max-len L] [--artifact F] PATH...
// (TARGET: a fuzz target's name, as in fuzz/TARGET_fuzz.cc; all are linked in.)
// Exit 0 after the last input; a finding aborts (sanitizer report or the target's own
// check); exit 2 for bad usage or no inputs.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <random>
#include <string>
#include <vector>

// Each target's LLVMFuzzerTestOneInput, renamed failsim_fuzz_NAME by fuzz/CMakeLists.txt.
#define FAILSIM_FUZZ_TARGET(name) extern "C" int failsim_fuzz_##name(const std::uint8_t* data, std::size_t size);
#include "fuzz_targets.inc"
#undef FAILSIM_FUZZ_TARGET

namespace {

using Target = int (*)(const std::uint8_t* data, std::size_t size);

const std::map<std::string, Target>& targets() {
  static const std::map<std::string, Target> all = {
#define FAILSIM_FUZZ_TARGET(name) {#name, failsim_fuzz_##name},
#include "fuzz_targets.inc"
#undef FAILSIM_FUZZ_TARGET
  };
  return all;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

const std::vector<std::string>& tokens() {
  static const std::vector<std::string> t = {
      "{", "}", "[", "]", "(", ")", "\"", "\\", ",", ":", "1e309", "-1", "0", "18446744073709551616", "292471y",
      "NaN", "null", "true", "=~", "!~", "\xff\xfe", "\r\n", "%FF", "\n#", "..", "+Inf", "-9.2e15", "\"\":",
      std::string(300, '('), std::string(300, '['), std::string(100, '-'), std::string(2000, 'a'), "\r\n\r\n"};
  return t;
}

std::string mutate(const std::vector<std::string>& corpus, std::mt19937_64& rng, std::size_t max_len) {
  auto pick = [&rng](std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(rng() % n); };
  std::string s = corpus[pick(corpus.size())];
  const int ops = 1 + static_cast<int>(pick(4));
  for (int i = 0; i < ops; ++i) {
    const std::size_t at = pick(s.size() + 1);
    switch (pick(6)) {
      case 0:
        if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1u << pick(8));
        break;
      case 1: s.insert(at, tokens()[pick(tokens().size())]); break;
      case 2: s.erase(at, pick(s.size() - at + 1)); break;
      case 3: {  // repeat a slice
        const std::size_t len = pick(std::min<std::size_t>(64, s.size() - at) + 1);
        const std::string slice = s.substr(at, len);
        for (std::size_t r = pick(50); r > 0; --r) s.insert(at, slice);
        break;
      }
      case 4: {  // splice: this input's head, another's tail
        const std::string& other = corpus[pick(corpus.size())];
        s = s.substr(0, at) + other.substr(pick(other.size() + 1));
        break;
      }
      default: s.insert(at, 1, static_cast<char>(pick(256))); break;
    }
  }
  if (s.size() > max_len) s.resize(max_len);
  return s;
}

void run(Target target, const std::string& input, const std::string& artifact) {
  {
    std::ofstream out(artifact, std::ios::binary | std::ios::trunc);
    out << input;
  }
  target(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
}

}  // namespace

int main(int argc, char** argv) {
  long mutations = 0;
  std::size_t max_len = 65536;
  std::string artifact = "fuzz-smoke-crash";
  std::vector<std::string> corpus;
  const auto found = argc > 1 ? targets().find(argv[1]) : targets().end();
  if (found == targets().end()) {
    std::cerr << "usage: " << argv[0] << " TARGET [--mutations N] [--max-len L] [--artifact F] PATH...\nTARGET is one of:";
    for (const auto& [name, fn] : targets()) std::cerr << ' ' << name;
    std::cerr << '\n';
    return 2;
  }
  const Target target = found->second;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--mutations" || a == "--max-len" || a == "--artifact") && i + 1 < argc) {
      const std::string v = argv[++i];
      if (a == "--artifact") {
        artifact = v;
        continue;
      }
      long n = -1;
      try {
        n = std::stol(v);
      } catch (const std::exception&) {
      }
      if (n < 0) {
        std::cerr << argv[0] << ": " << a << " takes a number, not \"" << v << "\"\n";
        return 2;
      }
      if (a == "--mutations") {
        mutations = n;
      } else {
        max_len = static_cast<std::size_t>(n);
      }
    } else if (std::filesystem::is_directory(a)) {
      std::vector<std::filesystem::path> files;
      for (const auto& e : std::filesystem::directory_iterator(a)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
      std::sort(files.begin(), files.end());  // the same order on every machine
      for (const auto& f : files) corpus.push_back(read(f));
    } else if (std::filesystem::is_regular_file(a)) {
      corpus.push_back(read(a));
    } else {
      std::cerr << argv[0] << ": " << a << ": no such file or directory\n";
      return 2;
    }
  }
  if (corpus.empty()) {
    std::cerr << "usage: " << argv[0] << " TARGET [--mutations N] [--max-len L] [--artifact F] PATH...\n";
    return 2;
  }
  for (const auto& input : corpus) run(target, input, artifact);
  std::mt19937_64 rng(20261130);
  for (long i = 0; i < mutations; ++i) run(target, mutate(corpus, rng, max_len), artifact);
  std::filesystem::remove(artifact);
  std::cout << argv[0] << " " << argv[1] << ": " << corpus.size() << " seed inputs and " << mutations << " mutations ran without a finding\n";
  return 0;
}
