#pragma once
// LogStore: what the event loop needs from durable Raft state, so the loop is the same over the
// real on-disk storage (cluster/node/storage, adapted in disk_log_store.cc) and over memory
// (`storage: memory`, unsafe: nothing survives a restart). Owned by the event loop thread.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cluster/raft/raft.h"
#include "common/status.h"

namespace node {

class LogStore {
 public:
  virtual ~LogStore() = default;
  // What was durable at open.
  virtual raft::RestoredState restored() const = 0;
  // Appends entries; entries[0].index may be <= the last index, replacing the suffix from there.
  virtual common::Status append(const std::vector<raft::Entry>& entries) = 0;
  virtual common::Status save_hard_state(const raft::HardState& hs) = 0;
  // Makes everything appended/saved so far durable (one fsync for the whole batch).
  virtual common::Status sync() = 0;
  virtual common::Status close() = 0;
  // Durable Raft state (log + hard state), snapshot excluded.
  virtual uint64_t raft_state_bytes() const = 0;
  virtual uint64_t snapshot_index() const { return 0; }
  virtual uint64_t snapshot_bytes() const { return 0; }
};

// Keeps nothing: a restart begins with an empty log (the unsafe `storage: memory`).
std::unique_ptr<LogStore> make_memory_log_store();

// The real store in `data_dir`; `fsync` false makes sync() a no-op (the unsafe `fsync: never`).
// Fails with a message naming the file and offset on corruption.
common::Result<std::unique_ptr<LogStore>> open_disk_log_store(const std::string& data_dir, bool fsync);

}  // namespace node
