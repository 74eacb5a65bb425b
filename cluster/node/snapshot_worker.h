#pragma once
// SnapshotWorker: writes a node's snapshot files on a thread of its own, so the fsyncs of a
// compaction do not stall the event loop (issue 6). One write at a time: the loop submit()s a
// snapshot (the state machine serialized at the applied index: a copy the worker owns), keeps
// serving, and collects the outcome with take_done() once wake_fd() — an eventfd in the loop's
// poll set — is readable; or it blocks in wait() when it must (before writing the same file
// itself, e.g. to install a leader's snapshot). The loop then does the cheap rest of a compaction
// (Raft::compact, Storage::compact_through) and hands back the log segments that made obsolete,
// for the worker to unlink (remove_files). Owned by the node; every member function is for the
// loop thread only. The destructor lets a write in progress finish, then joins the thread.
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cluster/node/storage/storage.h"
#include "cluster/raft/types.h"
#include "common/status.h"

namespace node {

class SnapshotWorker {
 public:
  struct Done {
    raft::Snapshot snapshot;  // what was submitted, data included (for Raft::compact)
    common::Status status;    // the write's outcome; not ok: the file may be half made
    uint64_t file_bytes = 0;  // size of the snapshot file when status is ok
    double write_ms = 0;      // time the worker spent writing
  };

  // Removes a file the log no longer needs; failures are the store's open() to clean up.
  using FileRemover = std::function<void(const std::string& path)>;

  // `write` and `remove` run on the worker thread (storage::Storage::snapshot_file_writer()).
  SnapshotWorker(storage::Storage::SnapshotFileWriter write, FileRemover remove);
  ~SnapshotWorker();
  SnapshotWorker(const SnapshotWorker&) = delete;
  SnapshotWorker& operator=(const SnapshotWorker&) = delete;

  // True from submit() until the outcome was taken by take_done() or wait().
  bool busy() const { return busy_; }
  // Starts writing `snapshot`. Precondition: !busy().
  void submit(raft::Snapshot snapshot);
  // Readable when an outcome is waiting; take_done() clears it.
  int wake_fd() const { return event_fd_; }
  // The outcome of the submitted write if it has finished, without blocking.
  std::optional<Done> take_done();
  // Blocks until the submitted write finished and returns its outcome. Precondition: busy().
  Done wait();
  // Queues superseded log segments to be removed off the loop (no outcome is reported).
  void remove_files(std::vector<std::string> paths);

 private:
  void run();
  void drain_wake_fd();  // with mu_ held

  storage::Storage::SnapshotFileWriter write_;
  FileRemover remove_;
  int event_fd_ = -1;
  bool busy_ = false;  // loop thread only
  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<raft::Snapshot> job_;  // guarded by mu_
  std::optional<Done> done_;           // guarded by mu_
  std::vector<std::string> removals_;  // guarded by mu_
  bool stop_ = false;                  // guarded by mu_
  std::thread thread_;                 // last: started once everything above exists
};

}  // namespace node
