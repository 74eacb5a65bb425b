#pragma once
// RunClock: the run's time, and the only way the harness waits or does two things at once.
//
// Part of the seam between the harness and the system under test (see system.h). The runner, the
// nemesis and the workloads never call std::this_thread::sleep_*, never start a std::thread and
// never wait on a std::condition_variable: they ask the run's clock. So one implementation can run
// them on OS threads against wall time (the kvnode processes) and another can run them as
// cooperative tasks on one thread against simulated time (the deterministic simulation), where a
// task runs until it blocks on the seam (sleep_until, Signal::wait_until, a client call, a node
// start) and the simulation then runs whatever comes next in simulated time.
//
// Rules for code running in tasks, so both kinds of implementation work:
//   - hold a std::mutex only around code that does not block on the seam (a simulated task that
//     yields while holding one would deadlock the next task that takes it on the same thread);
//   - wait for other tasks only through Task::join() and Signal::wait_until();
//   - read time only through now_ns() (it is also the clock of history.jsonl and nemesis.jsonl).
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/clock.h"

namespace harness::sut {

// A task started by RunClock::spawn. join() blocks the calling task until the body returned.
// Destroying a task that was not joined joins it.
class Task {
 public:
  virtual ~Task() = default;
  virtual void join() = 0;
  virtual bool done() const = 0;
};

// A condition tasks wait on (a condition variable with its own lock). `change` runs under the
// signal's lock and then wakes every waiter; `pred` is evaluated under the same lock, so state that
// is only changed through update() and only read in pred needs no other lock.
class Signal {
 public:
  virtual ~Signal() = default;
  virtual void update(const std::function<void()>& change) = 0;
  // Blocks until pred() holds or now_ns() >= deadline_ns; returns pred().
  virtual bool wait_until(const std::function<bool()>& pred, int64_t deadline_ns) = 0;
};

class RunClock : public common::Clock {
 public:
  // now_ns() (from common::Clock): the run's monotonic time in nanoseconds; the epoch is the
  // implementation's (steady_clock's epoch for processes, 0 at the simulation's start).

  // Blocks the calling task until now_ns() >= t_ns (returns at once if it already is).
  virtual void sleep_until(int64_t t_ns) = 0;
  // Starts `body` as a new task of the run; `name` is for logs and determinism traces.
  virtual std::unique_ptr<Task> spawn(std::string name, std::function<void()> body) = 0;
  virtual std::unique_ptr<Signal> make_signal() = 0;

  void sleep_for(int64_t d_ns) { sleep_until(now_ns() + d_ns); }
};

}  // namespace harness::sut
