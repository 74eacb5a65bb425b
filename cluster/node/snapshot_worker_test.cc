// SnapshotWorker: the outcome of a write comes back through the eventfd, wait() blocks for it, a
// failed write is reported, and destruction waits for a write in progress.
#include "cluster/node/snapshot_worker.h"

#include <gtest/gtest.h>
#include <poll.h>

#include <atomic>
#include <future>

namespace node {
namespace {

raft::Snapshot snapshot_at(raft::Index index) { return {index, 2, {1, 2, 3}, "image"}; }

void no_removals(const std::string& path) { ADD_FAILURE() << "unexpected removal of " << path; }

// Blocks (bounded: 10 s) until fd is readable; a synchronization point, not a sleep.
bool readable_within_10s(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 10000) == 1;
}

TEST(SnapshotWorker, OutcomeArrivesThroughTheWakeFd) {
  std::atomic<int> calls{0};
  SnapshotWorker worker(
      [&](const raft::Snapshot& s) -> common::Result<uint64_t> {
        ++calls;
        return uint64_t{s.data.size() + 100};
      },
      no_removals);
  EXPECT_FALSE(worker.busy());
  worker.submit(snapshot_at(7));
  EXPECT_TRUE(worker.busy());
  ASSERT_TRUE(readable_within_10s(worker.wake_fd()));
  std::optional<SnapshotWorker::Done> done = worker.take_done();
  ASSERT_TRUE(done.has_value());
  EXPECT_TRUE(done->status.is_ok());
  EXPECT_EQ(done->snapshot.index, 7u);
  EXPECT_EQ(done->snapshot.data, "image");
  EXPECT_EQ(done->file_bytes, 105u);
  EXPECT_FALSE(worker.busy());
  EXPECT_FALSE(worker.take_done().has_value());  // taken once; the eventfd is drained too
  pollfd p{worker.wake_fd(), POLLIN, 0};
  EXPECT_EQ(::poll(&p, 1, 0), 0);
  EXPECT_EQ(calls.load(), 1);
}

TEST(SnapshotWorker, NothingIsDoneWhileTheWriteRunsAndWaitBlocksForIt) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> started;
  SnapshotWorker worker(
      [&](const raft::Snapshot&) -> common::Result<uint64_t> {
        started.set_value();
        released.wait();
        return uint64_t{1};
      },
      no_removals);
  worker.submit(snapshot_at(3));
  started.get_future().wait();
  EXPECT_FALSE(worker.take_done().has_value());
  EXPECT_TRUE(worker.busy());
  release.set_value();
  SnapshotWorker::Done done = worker.wait();
  EXPECT_TRUE(done.status.is_ok());
  EXPECT_EQ(done.snapshot.index, 3u);
  EXPECT_FALSE(worker.busy());
  EXPECT_FALSE(worker.take_done().has_value());
}

TEST(SnapshotWorker, AFailedWriteIsReportedAndTheNextOneRuns) {
  int n = 0;
  SnapshotWorker worker(
      [&](const raft::Snapshot& s) -> common::Result<uint64_t> {
        ++n;  // only the worker thread touches it; read after wait() (which synchronizes)
        if (s.index == 1) return common::Status::io_error("fsync failed");
        return uint64_t{9};
      },
      no_removals);
  worker.submit(snapshot_at(1));
  SnapshotWorker::Done failed = worker.wait();
  EXPECT_FALSE(failed.status.is_ok());
  EXPECT_EQ(failed.status.message(), "fsync failed");
  worker.submit(snapshot_at(2));
  SnapshotWorker::Done ok = worker.wait();
  EXPECT_TRUE(ok.status.is_ok());
  EXPECT_EQ(ok.file_bytes, 9u);
  EXPECT_EQ(n, 2);
}

TEST(SnapshotWorker, DestructionLetsAWriteInProgressFinish) {
  std::atomic<bool> finished{false};
  std::promise<void> started;
  {
    SnapshotWorker worker(
        [&](const raft::Snapshot&) -> common::Result<uint64_t> {
          started.set_value();
          finished = true;
          return uint64_t{1};
        },
        no_removals);
    worker.submit(snapshot_at(5));
    started.get_future().wait();
  }
  EXPECT_TRUE(finished.load());
}

TEST(SnapshotWorker, RemovalsQueuedBeforeAWriteAreDoneWhenItIsDone) {
  std::vector<std::string> removed;  // worker thread; read after wait(), which synchronizes
  SnapshotWorker worker(
      [](const raft::Snapshot&) -> common::Result<uint64_t> { return uint64_t{1}; },
      [&](const std::string& path) { removed.push_back(path); });
  worker.remove_files({"log/000000001.seg", "log/000000002.seg"});
  worker.remove_files({});
  worker.submit(snapshot_at(4));
  EXPECT_TRUE(worker.wait().status.is_ok());
  EXPECT_EQ(removed, (std::vector<std::string>{"log/000000001.seg", "log/000000002.seg"}));
}

}  // namespace
}  // namespace node
