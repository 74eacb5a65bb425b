#include "cluster/launch/run_to_exit.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "cluster/launch/child_launcher.h"

namespace launch {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kPollInterval{5};

// Waits (bounded) for `pid` to exit; returns the exit code or -signal, nullopt on timeout.
std::optional<int> wait_exit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto until = Clock::now() + timeout;
  while (true) {
    int st = 0;
    const pid_t r = ::waitpid(pid, &st, WNOHANG);
    if (r == pid) {
      unregister_child(pid);
      return WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st);
    }
    if (r < 0 && errno != EINTR) return std::nullopt;
    if (Clock::now() >= until) return std::nullopt;
    std::this_thread::sleep_for(kPollInterval);
  }
}

std::string read_all(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/faultline-XXXXXX";
  if (::mkdtemp(tmpl.data())) path_ = tmpl;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

ProcessResult run_to_exit(const std::string& path, const std::vector<std::string>& args,
                          std::chrono::milliseconds timeout) {
  ProcessResult result;
  TempDir dir;
  if (dir.path().empty()) {
    result.exit_code = 127;
    result.stderr_text = "run_to_exit: cannot create a temporary directory";
    return result;
  }
  const std::string out_path = dir.path() + "/stdout";
  const std::string err_path = dir.path() + "/stderr";
  common::Result<pid_t> pid = spawn_child(path, args, err_path, out_path);
  if (!pid) {
    result.exit_code = 127;
    result.stderr_text = pid.status().message();
    return result;
  }
  auto code = wait_exit(*pid, timeout);
  if (!code) {
    result.timed_out = true;
    ::kill(*pid, SIGKILL);
    code = wait_exit(*pid, std::chrono::seconds(10));
  }
  result.exit_code = code.value_or(-SIGKILL);
  result.stdout_text = read_all(out_path);
  result.stderr_text = read_all(err_path);
  return result;
}

}  // namespace launch
