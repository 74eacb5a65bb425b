#pragma once
// The identity file of a data directory (docs/storage-format.md, "Identity"): which cluster and
// which node the directory belongs to, and a lower bound of what the node has durably promised
// (its term, the last log index it had synced, the newest log segment). DiskStorage::open reads
// it before it writes anything, refuses a directory of another cluster or node, and refuses to
// start when the log found is behind the promise (a wiped log/, a lost newest segment): starting
// anyway would forget a vote and acknowledged entries without a word.
// Pure functions over a FileSystem; whoever owns the store calls them (one thread).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cluster/node/storage/file_system.h"
#include "cluster/raft/types.h"
#include "common/status.h"

namespace storage {

constexpr const char* kIdentityName = "identity";

struct Identity {
  std::string cluster_id;
  uint64_t node_id = 0;
  // The promise: never more than is durable in the log, so a log at least this far is complete.
  raft::Term term = 0;          // the hard state's term when last written
  raft::Index last_index = 0;   // the log (or its snapshot) held every entry through this one
  uint64_t newest_segment = 0;  // the newest log segment that existed (log/NNNNNNNNN.seg)
  bool operator==(const Identity&) const = default;
};

std::string encode_identity(const Identity& id);
bool decode_identity(std::string_view payload, Identity* id, std::string* problem);

// nullopt when `dir` has no identity file; corruption naming the file and byte offset when it
// cannot be read back (a torn identity cannot happen: it is only ever replaced by a rename).
common::Result<std::optional<Identity>> read_identity(FileSystem& fs, const std::string& dir);
// Replaces `dir`/identity crash-safely: temp file, fsync, rename, fsync of `dir`.
common::Status write_identity(FileSystem& fs, const std::string& dir, const Identity& id);

// What recovery found in the log, to hold against the identity's promise.
struct LogPosition {
  raft::Term term = 0;
  raft::Index last_index = 0;   // max(last log index, snapshot index)
  uint64_t newest_segment = 0;  // 0: no segment at all
};

// ok when this process (cluster_id, node_id) owns `found` and the log reaches what it promised.
// Otherwise invalid_argument (another cluster's or node's directory) or corruption (the log is
// behind), naming the data dir, what is missing, and the recovery section of
// docs/storage-format.md.
common::Status check_identity(const std::string& dir, const Identity& found,
                              const std::string& cluster_id, uint64_t node_id,
                              const LogPosition& log);

}  // namespace storage
