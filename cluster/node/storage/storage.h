#pragma once
// Storage: the durable Raft state of one node (log entries, hard state, snapshot), as the kvnode
// event loop uses it after each Ready: append() and set_hard_state() queue records, then ONE sync()
// makes all of them durable (group commit), then the node may send the messages that depend on
// them. DiskStorage keeps it in a data directory; MemoryStorage keeps nothing across a restart
// (`storage: memory`, unsafe). Implementations are owned by the event loop and are not thread-safe.
// After any I/O error a Storage is failed for good and returns that error from every call: the
// node must stop (fail-stop), because the kernel may have dropped the data it could not write.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cluster/raft/raft.h"
#include "cluster/raft/types.h"
#include "common/status.h"

namespace storage {

// What open() found: the state to give the Raft core (snapshot.data included, for the state
// machine) and human-readable notes about repairs it made (a torn tail truncated, leftovers of an
// interrupted compaction removed), for the node to log.
struct Recovered {
  raft::RestoredState state;
  std::vector<std::string> warnings;
};

class Storage {
 public:
  virtual ~Storage() = default;

  // Queues entries. entries[0].index may be <= last_index(): the log from there on is discarded
  // first (a leader overwriting a conflicting suffix). Entries must be consecutive, follow the
  // snapshot, and leave no gap; otherwise invalid_argument and nothing is queued.
  virtual common::Status append(const std::vector<raft::Entry>& entries) = 0;
  // Queues the hard state (written only if it changed).
  virtual common::Status set_hard_state(const raft::HardState& hs) = 0;
  // Hands everything queued to the operating system (one write): survives a process kill, not a
  // power cut. For `fsync: never`.
  virtual common::Status flush() = 0;
  // flush() plus one fdatasync: everything queued so far is durable when this returns ok.
  virtual common::Status sync() = 0;
  // Stores a snapshot crash-safely and compacts the log through snapshot.index: later entries are
  // kept only if the log holds snapshot.index with snapshot.term (Raft's InstallSnapshot rule).
  // A snapshot not newer than the current one is ignored. Syncs anything queued first.
  virtual common::Status save_snapshot(const raft::Snapshot& snapshot) = 0;
  // save_snapshot() split in two, so that a node can keep its event loop running while the
  // snapshot file is written and fsynced (issue 6):
  //  1. snapshot_file_writer() returns a function that writes the snapshot file crash-safely (temp
  //     file, fsync, rename, fsync of the directory) and returns its size in bytes. It may run on
  //     ONE other thread at a time while the owner keeps using this store, provided no
  //     save_snapshot() runs until it returned. It touches only the snapshot file, never the log.
  //  2. once it returned ok, compact_through(snapshot, file_bytes) (owner's thread) adopts the
  //     snapshot and compacts the log through it exactly as save_snapshot() does after its file
  //     write; ignored unless snapshot.index is newer than the current snapshot.
  // A crash between 1 and 2 leaves a snapshot newer than the log's start, which open() completes.
  using SnapshotFileWriter = std::function<common::Result<uint64_t>(const raft::Snapshot&)>;
  virtual SnapshotFileWriter snapshot_file_writer() = 0;
  virtual common::Status compact_through(const raft::Snapshot& snapshot, uint64_t file_bytes) = 0;
  // The current snapshot with its data (empty() when there is none).
  virtual common::Result<raft::Snapshot> load_snapshot() = 0;

  virtual raft::Index last_index() const = 0;
  virtual raft::Index snapshot_index() const = 0;
  // Durable Raft state size: bytes of log and hard state, snapshot excluded (`status` log_bytes).
  virtual uint64_t log_bytes() const = 0;
  virtual uint64_t snapshot_bytes() const = 0;
};

}  // namespace storage
