#include "harness/gate/command_exec.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "failover/duration.h"

namespace failsim::harness {
namespace {

// Bytes that are not UTF-8, and control characters other than \n and \t, become U+FFFD.
std::string printable(const std::string& raw) {
  std::string out;
  out.reserve(raw.size());
  std::size_t i = 0;
  while (i < raw.size()) {
    const auto c = static_cast<unsigned char>(raw[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    bool ok = len != 0 && i + len <= raw.size();
    for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(raw[i + k]) & 0xC0) == 0x80;
    if (ok && len == 2) ok = c >= 0xC2;
    if (ok && len == 3) {
      const auto c1 = static_cast<unsigned char>(raw[i + 1]);
      ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
    }
    if (ok && len == 4) {
      const auto c1 = static_cast<unsigned char>(raw[i + 1]);
      ok = c <= 0xF4 && !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
    }
    if (!ok) {
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    if (len == 1 && (c < 0x20 || c == 0x7F) && c != '\n' && c != '\t') {
      out += "\xEF\xBF\xBD";
    } else {
      out.append(raw, i, len);
    }
    i += len;
  }
  return out;
}

// Keeps the last bytes of a stream while it is read: more than `max`, so that
// finish_tail still sees (and marks) the cut.
void keep_tail(std::string& s, std::size_t max) {
  if (s.size() <= 2 * max) return;  // trimmed lazily, in chunks
  s.erase(0, s.size() - max - 1);
}

std::string finish_tail(std::string s, std::size_t max) {
  if (s.size() > max) {
    s.erase(0, s.size() - max);
    std::size_t cut = 0;  // skip a partly kept UTF-8 character
    while (cut < s.size() && cut < 4 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) ++cut;
    s = "…" + s.substr(cut);
  }
  return printable(s);
}

}  // namespace

std::string CommandResult::describe() const {
  switch (kind) {
    case Kind::kExited: return "exit " + std::to_string(exit_status);
    case Kind::kSignaled: return "killed by signal " + std::to_string(signal);
    case Kind::kTimedOut: return "ran past its timeout and was killed";
    case Kind::kNotStarted: return "could not start: " + error;
  }
  return "";
}

std::string CommandResult::last_line() const {
  for (const std::string* s : {&err, &out}) {
    std::size_t end = s->size();
    while (end > 0) {
      const std::size_t start = s->rfind('\n', end - 1);
      const std::size_t from = start == std::string::npos ? 0 : start + 1;
      std::string line = s->substr(from, end - from);
      if (line.find_first_not_of(" \t") != std::string::npos) return line;
      if (start == std::string::npos) break;
      end = start;
    }
  }
  return "";
}

failover::QueryOutcome command_outcome(const CommandResult& result) {
  std::string last = result.last_line();
  if (last.size() > 200) {
    std::size_t cut = last.size() - 200;
    while (cut < last.size() && (static_cast<unsigned char>(last[cut]) & 0xC0) == 0x80) ++cut;
    last = "…" + last.substr(cut);
  }
  if (result.kind == CommandResult::Kind::kExited) {
    auto o = failover::QueryOutcome::of_value(result.exit_status);
    o.error = last;
    o.output = result.out;
    return o;
  }
  return failover::QueryOutcome::failed(result.describe() + (last.empty() ? "" : ": " + last));
}

std::vector<std::string> resolve_relative_files(std::vector<std::string> argv, const std::string& base_dir) {
  namespace fs = std::filesystem;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    std::string& a = argv[i];
    if (a.empty() || a[0] == '/' || a[0] == '-' || (i == 0 && a.find('/') == std::string::npos)) continue;
    std::error_code ec;
    const fs::path p = fs::path(base_dir.empty() ? "." : base_dir) / a;
    if (fs::is_regular_file(p, ec)) a = fs::absolute(p, ec).lexically_normal().string();
  }
  return argv;
}

CommandResult run_command(const CommandSpec& spec) {
  namespace fs = std::filesystem;
  CommandResult r;
  if (spec.argv.empty()) {
    r.error = "no command";
    return r;
  }
  char dir_template[] = "/tmp/failsim-command-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    r.error = std::string("cannot make a scratch directory: ") + std::strerror(errno);
    return r;
  }
  const std::string scratch = dir_template;
  std::vector<std::string> env_strings = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + scratch, "TMPDIR=" + scratch,
                                          "LANG=C.UTF-8", "TZ=UTC"};
  for (const auto& [k, v] : spec.env) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = spec.argv;
  std::vector<char*> argv;
  for (auto& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    r.error = std::string("pipe: ") + std::strerror(errno);
    fs::remove_all(scratch);
    return r;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  posix_spawn_file_actions_addchdir_np(&actions, scratch.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);  // its own process group: a timeout kills all of it
  sigset_t no_signals, default_signals;
  sigemptyset(&no_signals);
  sigfillset(&default_signals);
  posix_spawnattr_setsigmask(&attr, &no_signals);
  posix_spawnattr_setsigdefault(&attr, &default_signals);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  // PATH lookup with the child's PATH, not ours.
  std::string program = args[0];
  if (program.find('/') == std::string::npos) {
    for (const char* dir : {"/usr/local/bin/", "/usr/bin/", "/bin/"}) {
      std::error_code ec;
      if (fs::is_regular_file(dir + program, ec) && access((dir + program).c_str(), X_OK) == 0) {
        program = dir + program;
        break;
      }
    }
  }
  pid_t pid = -1;
  const int spawned = posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (spawned != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    fs::remove_all(scratch);
    r.error = args[0] + ": " + std::strerror(spawned);
    return r;
  }

  const auto deadline = std::chrono::steady_clock::now() + spec.timeout;
  std::string out, err;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_streams = 2;
  bool timed_out = false;
  int status = 0;
  bool reaped = false;
  std::chrono::steady_clock::time_point reaped_at{};
  char buf[4096];
  while (open_streams > 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    // Once the child itself has exited, a process it left holding the pipes open is not
    // waited for beyond what is already written (and 100 ms of what it goes on writing).
    if (!reaped && waitpid(pid, &status, WNOHANG) == pid) {
      reaped = true;
      reaped_at = std::chrono::steady_clock::now();
    }
    if (reaped && std::chrono::steady_clock::now() - reaped_at > std::chrono::milliseconds(100)) break;
    const int n = poll(fds, 2, reaped ? 0 : static_cast<int>(std::min<std::int64_t>(left.count(), 50)));
    if (n < 0 && errno != EINTR) break;
    if (n == 0 && reaped) break;
    for (int k = 0; k < 2; ++k) {
      if (fds[k].fd < 0 || (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t got = read(fds[k].fd, buf, sizeof buf);
      if (got <= 0) {
        close(fds[k].fd);
        fds[k].fd = -1;
        --open_streams;
        continue;
      }
      std::string& into = k == 0 ? out : err;
      into.append(buf, static_cast<std::size_t>(got));
      keep_tail(into, spec.max_output_bytes);
    }
  }
  for (auto& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  // Both streams ended: the command may still be exiting (coreutils close stdout before
  // they exit). Wait for it, up to the deadline; only then kill what is left.
  while (!reaped && !timed_out) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      reaped = true;
    } else if (std::chrono::steady_clock::now() >= deadline) {
      timed_out = true;
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  kill(-pid, SIGKILL);  // the group: anything it left behind (or all of it, past the deadline)
  if (!reaped) waitpid(pid, &status, 0);
  fs::remove_all(scratch);
  r.out = finish_tail(std::move(out), spec.max_output_bytes);
  r.err = finish_tail(std::move(err), spec.max_output_bytes);
  if (timed_out) {
    r.kind = CommandResult::Kind::kTimedOut;
    r.error = "ran past its timeout of " + format_duration(spec.timeout) + " (wall clock) and was killed";
  } else if (WIFEXITED(status)) {
    r.kind = CommandResult::Kind::kExited;
    r.exit_status = WEXITSTATUS(status);
  } else {
    r.kind = CommandResult::Kind::kSignaled;
    r.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  }
  return r;
}

}  // namespace failsim::harness
