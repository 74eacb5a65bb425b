#include "checker/worker_pool.h"

#include <algorithm>

namespace checker {

WorkerPool::WorkerPool(unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency()) - 1;
  threads_.reserve(threads);
  for (unsigned t = 0; t < threads; ++t) threads_.emplace_back([this] { helper_loop(); });
}

WorkerPool::~WorkerPool() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
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
  work();
  std::unique_lock lock(mu_);
  open_slots_ = 0;  // a helper waking from now on goes back to sleep
  idle_.wait(lock, [&] { return active_ == 0; });
  work_ = nullptr;
  return true;
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
