#include "cluster/node/snapshot_worker.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

namespace node {

SnapshotWorker::SnapshotWorker(storage::Storage::SnapshotFileWriter write, FileRemover remove)
    : write_(std::move(write)),
      remove_(std::move(remove)),
      event_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (event_fd_ < 0)
    throw std::runtime_error(std::string("snapshot worker: eventfd: ") + std::strerror(errno));
  thread_ = std::thread([this] { run(); });
}

SnapshotWorker::~SnapshotWorker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  ::close(event_fd_);
}

void SnapshotWorker::submit(raft::Snapshot snapshot) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    job_ = std::move(snapshot);
  }
  busy_ = true;
  cv_.notify_all();
}

std::optional<SnapshotWorker::Done> SnapshotWorker::take_done() {
  // The worker sets done_ and signals the eventfd under mu_, so draining it under mu_ too leaves
  // it readable exactly while an outcome is waiting.
  std::lock_guard<std::mutex> lock(mu_);
  drain_wake_fd();
  if (!done_) return std::nullopt;
  std::optional<Done> out = std::move(done_);
  done_.reset();
  busy_ = false;
  return out;
}

SnapshotWorker::Done SnapshotWorker::wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return done_.has_value(); });
  drain_wake_fd();  // the wake-up is consumed too, so the loop does not poll it again
  Done out = std::move(*done_);
  done_.reset();
  busy_ = false;
  return out;
}

void SnapshotWorker::remove_files(std::vector<std::string> paths) {
  if (paths.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (std::string& p : paths) removals_.push_back(std::move(p));
  }
  cv_.notify_all();
}

void SnapshotWorker::drain_wake_fd() {
  uint64_t count = 0;  // non-blocking: EAGAIN when there was nothing to drain
  while (::read(event_fd_, &count, sizeof count) < 0 && errno == EINTR) {
  }
}

void SnapshotWorker::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return stop_ || job_.has_value() || !removals_.empty(); });
    if (!removals_.empty()) {
      std::vector<std::string> paths = std::exchange(removals_, {});
      lock.unlock();
      for (const std::string& p : paths) remove_(p);
      lock.lock();
      continue;
    }
    if (!job_) return;  // stopping, nothing left to write
    Done done;
    done.snapshot = std::move(*job_);
    job_.reset();
    lock.unlock();
    auto start = std::chrono::steady_clock::now();
    common::Result<uint64_t> written = write_(done.snapshot);
    done.write_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (written)
      done.file_bytes = written.value();
    else
      done.status = written.status();
    lock.lock();
    done_ = std::move(done);
    cv_.notify_all();
    uint64_t one = 1;
    while (::write(event_fd_, &one, sizeof one) < 0 && errno == EINTR) {
    }
  }
}

}  // namespace node
