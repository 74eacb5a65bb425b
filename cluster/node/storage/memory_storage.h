#pragma once
// MemoryStorage: Storage without a disk, for `storage: memory` (unsafe: a restarted node comes back
// empty and may vote twice or forget acknowledged writes, which is what the harness demonstrates).
// It keeps the same bookkeeping as DiskStorage, and log_bytes() counts the bytes DiskStorage would
// have written, so status and compaction behave the same. Owned by the event loop; not thread-safe.
#include <vector>

#include "cluster/node/storage/storage.h"

namespace storage {

class MemoryStorage : public Storage {
 public:
  MemoryStorage() = default;

  common::Status append(const std::vector<raft::Entry>& entries) override;
  common::Status set_hard_state(const raft::HardState& hs) override;
  common::Status flush() override { return common::Status::ok(); }
  common::Status sync() override { return common::Status::ok(); }
  common::Status save_snapshot(const raft::Snapshot& snapshot) override;
  // Nothing to write: the snapshot is kept by compact_through(), which is save_snapshot().
  SnapshotFileWriter snapshot_file_writer() override {
    return [](const raft::Snapshot&) -> common::Result<uint64_t> { return uint64_t{0}; };
  }
  common::Status compact_through(const raft::Snapshot& snapshot, uint64_t) override {
    return save_snapshot(snapshot);
  }
  common::Result<raft::Snapshot> load_snapshot() override { return snapshot_; }

  raft::Index last_index() const override { return snapshot_.index + entries_.size(); }
  raft::Index snapshot_index() const override { return snapshot_.index; }
  uint64_t log_bytes() const override { return log_bytes_; }
  uint64_t snapshot_bytes() const override;

  const std::vector<raft::Entry>& entries() const { return entries_; }
  const raft::HardState& hard_state() const { return hard_state_; }

 private:
  raft::Snapshot snapshot_;
  std::vector<raft::Entry> entries_;  // snapshot_.index + 1 ...
  raft::HardState hard_state_;
  uint64_t log_bytes_ = 0;
};

}  // namespace storage
