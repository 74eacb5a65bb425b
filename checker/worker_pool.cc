#include "checker/worker_pool.h"

#include <algorithm>

namespace checker {

WorkerPool::WorkerPool(unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency()) - 1;
  threads_.reserve(threads);
  try {
    for (unsigned t = 0; t < threads; ++t) threads_.emplace_back([this] { helper_loop(); });
  } catch (...) {
    stop_and_join();  // joinable threads must not be destroyed
    throw;
  }
}

WorkerPool::~WorkerPool() { stop_and_join(); }

void WorkerPool::stop_and_join() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
  threads_.clear();
}

bool WorkerPool::run(const std::function<void()>& work, unsigned helpers) {
  helpers = std::min(helpers, this->helpers());
  {
    std::lock_guard lock(mu_);
    if (work_ != nullptr) return false;
    work_ = &work;
    open_slots_ = helpers;
  }
  if (helpers == threads_.size()) {
    wake_.notify_all();
  } else {
    for (unsigned h = 0; h < helpers; ++h) wake_.notify_one();
  }
  // However the caller's own call ends (even by an exception), the helpers must be out of `work`
  // before it goes out of scope, and the pool free for the next run.
  struct Release {
    WorkerPool& pool;
    ~Release() {
      std::unique_lock lock(pool.mu_);
      pool.open_slots_ = 0;  // a helper waking from now on goes back to sleep
      pool.idle_.wait(lock, [&] { return pool.active_ == 0; });
      pool.work_ = nullptr;
      ++pool.runs_;
    }
  } release{*this};
  work();
  return true;
}

uint64_t WorkerPool::runs() const {
  std::lock_guard lock(mu_);
  return runs_;
}

void WorkerPool::helper_loop() {
  std::unique_lock lock(mu_);
  while (true) {
    wake_.wait(lock, [&] { return stop_ || open_slots_ > 0; });
    if (stop_) return;
    --open_slots_;
    ++active_;
    const std::function<void()>* work = work_;
    lock.unlock();
    (*work)();
    lock.lock();
    if (--active_ == 0) idle_.notify_all();
  }
}

}  // namespace checker
