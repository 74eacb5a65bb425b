#include "harness/sut/thread_clock.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace harness::sut {
namespace {

std::chrono::steady_clock::time_point to_steady(int64_t t_ns) {
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::nanoseconds(t_ns)));
}

class ThreadTask final : public Task {
 public:
  explicit ThreadTask(std::function<void()> body)
      : thread_([this, body = std::move(body)] {
          body();
          done_ = true;
        }) {}
  ~ThreadTask() override { join(); }
  void join() override {
    if (thread_.joinable()) thread_.join();
  }
  bool done() const override { return done_; }

 private:
  std::atomic<bool> done_{false};
  std::thread thread_;  // last: started after done_ exists
};

class ThreadSignal final : public Signal {
 public:
  void update(const std::function<void()>& change) override {
    {
      std::lock_guard lock(mu_);
      change();
    }
    cv_.notify_all();
  }
  bool wait_until(const std::function<bool()>& pred, int64_t deadline_ns) override {
    std::unique_lock lock(mu_);
    return cv_.wait_until(lock, to_steady(deadline_ns), pred);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
};

}  // namespace

int64_t ThreadClock::now_ns() const { return common::monotonic_ns(); }

void ThreadClock::sleep_until(int64_t t_ns) { std::this_thread::sleep_until(to_steady(t_ns)); }

std::unique_ptr<Task> ThreadClock::spawn(std::string /*name*/, std::function<void()> body) {
  return std::make_unique<ThreadTask>(std::move(body));
}

std::unique_ptr<Signal> ThreadClock::make_signal() { return std::make_unique<ThreadSignal>(); }

}  // namespace harness::sut
