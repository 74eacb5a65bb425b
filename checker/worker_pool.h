#pragma once
// WorkerPool: threads kept waiting between checks, so that a program checking many histories (a
// scenario suite, a benchmark) spreads a history's partitions over all cores without paying to
// start threads for each (check() still keeps histories under 1,000 operations on the calling
// thread: there, even handing keys to a waiting thread costs more than it saves). Owned by the
// caller of check() and passed in CheckOptions; any thread may call run(). One run at a time uses
// the helpers: a run() that finds them busy returns false without running. `work` must not throw
// on a helper (that ends the process, as on any std::thread). The destructor stops and joins the
// threads; no run() may be in progress then.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace checker {

class WorkerPool {
 public:
  // `threads`: helper threads to keep (0: one fewer than the cores, so that with the caller's
  // own thread every core works).
  explicit WorkerPool(unsigned threads = 0);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  unsigned helpers() const { return static_cast<unsigned>(threads_.size()); }

  // Runs `work` on the calling thread and on up to `helpers` pool threads at once, and returns
  // when every one of them has returned from it. `work` must be safe to run concurrently and
  // must itself share out what there is to do: a helper may join late, after the caller's call
  // has already done everything, and then must find nothing left. Returns false (and runs
  // nothing) if another run() is using the pool.
  bool run(const std::function<void()>& work, unsigned helpers);
  uint64_t runs() const;  // runs completed

 private:
  void helper_loop();
  void stop_and_join();

  mutable std::mutex mu_;
  std::condition_variable wake_;                 // helpers: a run started, or stop
  std::condition_variable idle_;                 // run(): the last active helper returned
  const std::function<void()>* work_ = nullptr;  // the run in progress, if any
  unsigned open_slots_ = 0;                      // helpers that may still join the run in progress
  unsigned active_ = 0;                          // helpers inside work_
  bool stop_ = false;
  uint64_t runs_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace checker
