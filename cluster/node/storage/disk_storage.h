#pragma once
// DiskStorage: the durable Raft state of a node in its data directory (docs/storage-format.md):
//   <dir>/log/NNNNNNNNN.seg  append-only segments of checksummed records (entries, hard states,
//                            suffix truncations), rolled at options.segment_bytes;
//   <dir>/snapshot.snap      the latest snapshot, replaced by write-temp + fsync + rename +
//   fsync-dir;
//   <dir>/identity           cluster id, node id and a lower bound of the durable log (identity.h);
//   <dir>/LOCK               flock()ed while a store has the directory open.
// Records are queued in a user-space buffer; flush() is one write() and sync() one fdatasync, so
// one sync covers every entry and hard state waiting for it (group commit).
// Compaction writes a new segment that `starts_log` (temp file + rename) holding the hard state and
// the entries after the snapshot, then removes the older segments; a crash at any step leaves
// either the old log or the new one, and open() finishes the job. Owned by the node's event loop;
// not thread-safe. `fs` must outlive it.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cluster/node/storage/file_system.h"
#include "cluster/node/storage/identity.h"
#include "cluster/node/storage/storage.h"

namespace storage {

struct DiskStorageOptions {
  uint64_t segment_bytes = 8 << 20;  // a segment is rolled once it reaches this size
  // Compaction leaves the segments it superseded for the owner to remove (see
  // take_superseded_segments), e.g. off its event loop: unlinking them can take milliseconds.
  // Safe because a superseded segment is garbage; open() removes any that are left.
  bool defer_segment_removal = false;
  // The identity this process claims (identity.h). node_id 0: no identity file is read or written
  // (tests of the log alone). Otherwise open() refuses a directory whose identity names another
  // cluster or node, or whose log is behind the identity's promise, before writing anything.
  std::string cluster_id = "";
  uint64_t node_id = 0;
};

class DiskStorage : public Storage {
 public:
  // Opens (creating if missing) the data directory and recovers its state into `recovered`.
  // First it locks <dir>/LOCK: while one store (in any process) has the directory open, another
  // open() fails with `unavailable` and touches nothing else. Errors: io_error when the directory
  // cannot be created or written; corruption naming the file and byte offset when a record other
  // than a torn last one is damaged, or the log is behind the identity (see DiskStorageOptions).
  static common::Result<std::unique_ptr<DiskStorage>> open(FileSystem* fs, const std::string& dir,
                                                           const DiskStorageOptions& options,
                                                           Recovered* recovered);
  ~DiskStorage() override;

  common::Status append(const std::vector<raft::Entry>& entries) override;
  common::Status set_hard_state(const raft::HardState& hs) override;
  common::Status flush() override;
  common::Status sync() override;
  common::Status save_snapshot(const raft::Snapshot& snapshot) override;
  SnapshotFileWriter snapshot_file_writer() override;
  common::Status compact_through(const raft::Snapshot& snapshot, uint64_t file_bytes) override;
  // Writes <dir>/snapshot.snap crash-safely (temp file, fsync, rename, fsync of `dir`) and returns
  // its size. Uses only `fs` and the snapshot file: safe on another thread than the store's owner
  // if `fs` is (PosixFileSystem is). invalid_argument when the snapshot is too large for a record.
  static common::Result<uint64_t> write_snapshot_file(FileSystem* fs, const std::string& dir,
                                                      const raft::Snapshot& snapshot);
  common::Result<raft::Snapshot> load_snapshot() override;

  raft::Index last_index() const override { return base_index_ + log_.size(); }
  raft::Index snapshot_index() const override { return snapshot_index_; }
  uint64_t log_bytes() const override;
  uint64_t snapshot_bytes() const override { return snapshot_bytes_; }
  size_t segment_count() const { return segments_.size(); }
  // Paths of the segments compactions superseded since the last call (defer_segment_removal only).
  // Removing them is optional and needs no ordering: any thread whose FileSystem allows it.
  std::vector<std::string> take_superseded_segments();

 private:
  struct Segment {
    uint64_t seq = 0;
    uint64_t bytes = 0;
  };

  DiskStorage(FileSystem* fs, std::string dir, const DiskStorageOptions& options);
  common::Status recover(Recovered* recovered);
  common::Status remove_temp_files(const std::string& dir, std::vector<std::string>* warnings);
  common::Status read_snapshot(raft::Snapshot* snapshot);
  // Writes a complete segment as temp file + fsync + rename + fsync of the log directory.
  common::Status write_segment_file(uint64_t seq, bool starts_log, raft::Index base_index,
                                    raft::Term base_term, const std::string& body);
  common::Status open_current();
  common::Status roll();
  // Replaces the live log by one segment starting after (index, term) holding `kept`.
  common::Status compact_log(raft::Index index, raft::Term term,
                             const std::vector<raft::Entry>& kept);
  // Reads entries from..last_index() back from their segments.
  common::Status read_entries(raft::Index from, std::vector<raft::Entry>* out);
  // Term of entry `index` if the log (or its base) holds it, else 0.
  raft::Term term_at(raft::Index index) const;
  common::Status fail(common::Status s);
  std::string segment_path(uint64_t seq) const;
  // Rewrites the identity with the current position; call only when all of it is durable.
  common::Status update_identity();
  // Before the log shrinks durably below the identity's promise (a leader's truncation, a snapshot
  // replacing a divergent log), lowers the promise to `last` first.
  common::Status lower_identity(raft::Index last);

  FileSystem* fs_;
  std::unique_ptr<FileLock> lock_;  // first in, last out: held while anything else is open
  std::string dir_;
  std::string log_dir_;
  DiskStorageOptions options_;

  std::vector<Segment> segments_;  // live segments, oldest first; the last one is appended to
  std::unique_ptr<WritableFile> current_;
  std::string buffer_;  // queued records not yet written

  raft::Index base_index_ = 0;
  raft::Term base_term_ = 0;
  // Term and record location of entries base_index_+1 ...: enough to check the InstallSnapshot
  // rule and to copy the entries a compaction keeps without reading the whole log.
  struct EntryMeta {
    raft::Term term = 0;
    uint64_t seq = 0;
    uint64_t offset = 0;
  };
  std::vector<EntryMeta> log_;
  raft::HardState hard_state_;      // the latest queued
  bool hard_state_queued_ = false;  // hard_state_ is still to be written
  bool unsynced_ = false;           // bytes were written to current_ since its last sync
  raft::Index snapshot_index_ = 0;
  raft::Term snapshot_term_ = 0;
  uint64_t snapshot_bytes_ = 0;
  common::Status failed_;
  std::vector<std::string> superseded_;         // see take_superseded_segments()
  Identity identity_;                           // as last written (options_.node_id != 0)
  raft::Index truncated_to_ = ~raft::Index{0};  // lowest last index a queued truncation leaves
};

}  // namespace storage
