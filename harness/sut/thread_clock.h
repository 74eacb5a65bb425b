#pragma once
// ThreadClock: the RunClock of a run in real time — the process's monotonic clock, tasks as OS
// threads, signals as a mutex and condition variable. Used by the process implementation of the
// seam (and any system that runs in wall time). Thread-safe.
#include "harness/sut/clock.h"

namespace harness::sut {

class ThreadClock final : public RunClock {
 public:
  int64_t now_ns() const override;
  void sleep_until(int64_t t_ns) override;
  std::unique_ptr<Task> spawn(std::string name, std::function<void()> body) override;
  std::unique_ptr<Signal> make_signal() override;
};

}  // namespace harness::sut
