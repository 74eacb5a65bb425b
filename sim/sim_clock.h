#pragma once
// SimClock: the seam's RunClock (harness/sut/clock.h) in simulated time. Tasks are Fibers on the
// simulation's one thread; a task that sleeps, waits on a Signal, joins a task or waits for a
// client's answer parks, and an event on the EventLoop resumes it. The root context (the code that
// called into the harness, outside any task) does not park: when it blocks it runs the event loop
// itself until what it waits for holds. Time is EventLoop::now(), 0 at the start of the run.
//
// A wait with no deadline whose condition can never hold (every task waiting, nothing scheduled)
// ends the run with SimStalled rather than hang. Destroying the clock cancels tasks still parked
// (their stacks unwind). Owned by the SimSystem; single thread.
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "harness/sut/clock.h"
#include "sim/event_loop.h"
#include "sim/fiber.h"

namespace sim {

struct SimStalled : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Fibers parked on one condition.
struct Waiters {
  std::vector<std::pair<Fiber*, uint64_t>> parked;
};

class SimClock final : public harness::sut::RunClock {
 public:
  explicit SimClock(EventLoop& loop) : loop_(loop) {}
  ~SimClock() override;

  int64_t now_ns() const override { return loop_.now(); }
  void sleep_until(int64_t t_ns) override;
  std::unique_ptr<harness::sut::Task> spawn(std::string name, std::function<void()> body) override;
  std::unique_ptr<harness::sut::Signal> make_signal() override;

  // Blocks the caller until pred() holds or the deadline (-1: none) passes; returns pred().
  // A fiber parks on `waiters` (woken by wake_all) and on a timer; the root runs the loop.
  bool block(const std::function<bool()>& pred, int64_t deadline_ns, Waiters& waiters);
  // Resumes (through events at now) every fiber parked on `waiters`.
  void wake_all(Waiters& waiters);
  EventLoop& loop() { return loop_; }
  size_t tasks_started() const { return fibers_.size(); }

 private:
  struct Entry {
    std::string name;
    std::unique_ptr<Fiber> fiber;
    Waiters joiners;
  };
  void run(Entry& e);  // resumes e's fiber, then wakes its joiners if it finished
  void resume_if(Fiber* f, uint64_t id);

  EventLoop& loop_;
  std::vector<std::unique_ptr<Entry>> fibers_;  // every task's fiber lives until the clock dies
};

}  // namespace sim
