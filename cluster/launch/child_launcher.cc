#include "cluster/launch/child_launcher.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <cerrno>
#include <cstring>
#include <future>
#include <system_error>

namespace launch {

namespace {

constexpr int kMaxChildren = 1024;
// Live children for the signal handler (0 = free slot). Lock-free atomics: async-signal-safe.
std::atomic<pid_t> g_children[kMaxChildren];

void register_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t expected = 0;
    if (slot.compare_exchange_strong(expected, pid)) return;
  }
  // Table full: the child is still covered by PDEATHSIG and by its owner's destructor.
}

void kill_children_handler(int sig) {
  for (auto& slot : g_children) {
    pid_t pid = slot.load();
    if (pid > 0) ::kill(pid, SIGKILL);
  }
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// The one thread every fork of the process runs on (see child_launcher.h for why). Never
// destroyed: it lives as long as the process, so no child loses its PDEATHSIG parent early, and no
// static destructor joins a thread.
class Launcher {
 public:
  static Launcher& instance() {
    static Launcher* const launcher = new Launcher;
    return *launcher;
  }

  void post(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

 private:
  Launcher() : thread_([this] { run(); }) {}

  [[noreturn]] void run() {
    while (true) {
      std::function<void()> task;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [this] { return !tasks_.empty(); });
        task = std::move(tasks_.front());
        tasks_.pop_front();
      }
      task();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  std::thread thread_;
};

}  // namespace

void unregister_child(pid_t pid) {
  for (auto& slot : g_children) {
    pid_t expected = pid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

void install_kill_children_on_signal() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = kill_children_handler;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

common::Result<pid_t> spawn_child(const std::string& exe, const std::vector<std::string>& args,
                                  const std::string& log_path, const std::string& stdout_path) {
  namespace bp = boost::process;
  std::promise<common::Result<pid_t>> done;
  auto result = done.get_future();
  auto task = [&] {
    int log_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) {
      done.set_value(
          common::Status::io_error("cannot open log " + log_path + ": " + std::strerror(errno)));
      return;
    }
    int out_fd = log_fd;
    if (!stdout_path.empty()) {
      out_fd = ::open(stdout_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
      if (out_fd < 0) {
        const int err = errno;
        ::close(log_fd);
        done.set_value(
            common::Status::io_error("cannot open " + stdout_path + ": " + std::strerror(err)));
        return;
      }
    }
    const pid_t parent = ::getpid();
    // Runs in the child between fork and exec: only async-signal-safe calls.
    auto child_setup = [log_fd, out_fd, parent](auto&) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
      ::setpgid(0, 0);
      ::dup2(out_fd, STDOUT_FILENO);
      ::dup2(log_fd, STDERR_FILENO);
    };
    // On an exec error Boost returns an empty child; remember the PID to reap the failed child.
    pid_t failed_pid = -1;
    auto on_error = [&failed_pid](auto& exec, const std::error_code&) { failed_pid = exec.pid; };
    std::error_code ec;
    bp::child c(bp::exe = exe, bp::args = args, bp::std_in < bp::null,
                bp::extend::on_exec_setup = child_setup, bp::extend::on_error = on_error, ec);
    ::close(log_fd);
    if (out_fd != log_fd) ::close(out_fd);
    if (ec) {
      // The forked child failed to exec and has exited: reap it so it leaves no zombie.
      if (failed_pid > 0) {
        int ws = 0;
        while (::waitpid(failed_pid, &ws, 0) < 0 && errno == EINTR) {
        }
      }
      done.set_value(common::Status::io_error("cannot start " + exe + ": " + ec.message()));
      return;
    }
    pid_t pid = c.id();
    register_child(pid);
    c.detach();  // the caller reaps it with waitpid
    done.set_value(pid);
  };
  Launcher::instance().post(task);
  return result.get();
}

}  // namespace launch
