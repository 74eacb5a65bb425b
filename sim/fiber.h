#pragma once
// Fiber: a cooperative task with its own stack (POSIX ucontext), so harness code written as
// blocking calls (sleep, wait for a signal, a client call) runs unchanged inside the simulation on
// ONE thread: a blocking call parks the fiber and returns control to the event loop, and an event
// resumes it later in simulated time. Only the root context (the thread's own stack, where the
// event loop runs) resumes fibers; a fiber never resumes another.
//
// A fiber that is destroyed while parked is first resumed with cancel(): its pending park() throws
// FiberCancelled, which unwinds its stack (running destructors) back to the fiber's entry.
// Exceptions other than FiberCancelled that escape the body are rethrown by resume().
// Single thread; not copyable or movable (its context points into itself).
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <ucontext.h>

namespace sim {

struct FiberCancelled {};

class Fiber {
 public:
  explicit Fiber(std::function<void()> body, size_t stack_bytes = 512 * 1024);
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // Runs the fiber until it parks or finishes. Root context only.
  void resume();
  // Marks the fiber cancelled and resumes it (if started and not done) so it unwinds.
  void cancel();
  bool done() const { return done_; }
  bool started() const { return started_; }

  // Bookkeeping for whoever parks the fiber (SimClock): a parked fiber is resumed only by the
  // wake-up carrying its current wait id, so a late timer cannot resume it from a later wait.
  uint64_t wait_id = 0;
  bool waiting = false;

  // Inside a fiber: gives control back to the root. Throws FiberCancelled once cancelled.
  static void park();
  // The fiber running now, or nullptr in the root context.
  static Fiber* current();

 private:
  static void trampoline(unsigned lo, unsigned hi);

  std::function<void()> body_;
  std::unique_ptr<char[]> stack_;
  size_t stack_bytes_;
  ucontext_t context_;
  ucontext_t caller_;
  bool started_ = false;
  bool done_ = false;
  bool cancelled_ = false;
  std::exception_ptr error_;
};

}  // namespace sim
