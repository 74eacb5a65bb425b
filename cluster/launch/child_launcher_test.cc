// spawn_child from many threads at once. Every child sleeps far longer than the test runs, so a
// spawn that waited for another child to exit (the exec-error pipe of one fork inherited by a
// child forked on another thread) shows as a child found dead at the end, not as a slow test.
// Children are killed and reaped by the guard whatever the outcome.
#include "cluster/launch/child_launcher.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "cluster/launch/run_to_exit.h"

namespace launch {
namespace {

namespace fs = std::filesystem;

struct Reaper {
  std::mutex mu;
  std::vector<pid_t> pids;
  ~Reaper() {
    for (pid_t pid : pids) {
      ::kill(pid, SIGKILL);
      while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
      }
      unregister_child(pid);
    }
  }
};

TEST(SpawnChild, ManyThreadsAtOnceEachGetTheirChildWithoutWaitingForAnother) {
  constexpr int kThreads = 8;
  constexpr int kEach = 6;
  TempDir logs;  // removed with its contents whatever the outcome
  ASSERT_FALSE(logs.path().empty());
  const fs::path dir = logs.path();
  Reaper reaper;
  std::vector<std::string> errors(kThreads);
  {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        const std::string log = (dir / ("thread-" + std::to_string(t) + ".log")).string();
        for (int k = 0; k < kEach; ++k) {
          auto pid = spawn_child("/bin/sleep", {"120"}, log);
          if (!pid) {
            errors[t] = pid.status().to_string();
            return;
          }
          std::lock_guard<std::mutex> lock(reaper.mu);
          reaper.pids.push_back(*pid);
        }
      });
    }
    for (auto& th : threads) th.join();
  }
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(errors[t], "") << "thread " << t;
  ASSERT_EQ(reaper.pids.size(), static_cast<size_t>(kThreads * kEach));
  for (pid_t pid : reaper.pids) {
    EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), 0) << "child " << pid << " is no longer running";
  }
}

TEST(SpawnChild, AMissingProgramIsAnErrorAndLeavesNoChild) {
  TempDir logs;
  ASSERT_FALSE(logs.path().empty());
  auto pid = spawn_child("/nonexistent/faultline-no-such-program", {}, logs.path() + "/log");
  EXPECT_FALSE(pid.is_ok());
  EXPECT_NE(pid.status().message().find("/nonexistent/faultline-no-such-program"),
            std::string::npos)
      << pid.status().to_string();
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);  // nothing left to reap
  EXPECT_EQ(errno, ECHILD);
}

}  // namespace
}  // namespace launch
