#pragma once
// Replay of the segmented log: reads the segments of a log directory, finds where the live log
// starts (the newest segment whose header `starts_log`), and rebuilds entries (truncations applied)
// and the last hard state. A torn record at the end of the LAST segment is cut off (the file is
// truncated) and reported; anything else wrong is Status::corruption naming the file and the byte
// offset. Used by DiskStorage on open and when it compacts. Single-threaded.
#include <cstdint>
#include <string>
#include <vector>

#include "cluster/node/storage/file_system.h"
#include "cluster/raft/types.h"
#include "common/status.h"

namespace storage {

// Where an entry's record is: segment number and byte offset of the record in it.
struct EntryLocation {
  uint64_t seq = 0;
  uint64_t offset = 0;
};

struct LogImage {
  raft::Index base_index = 0;  // the log holds base_index+1 ...
  raft::Term base_term = 0;
  std::vector<raft::Entry> entries;
  std::vector<EntryLocation> locations;  // parallel to entries
  raft::HardState hard_state;
  struct Segment {
    uint64_t seq = 0;
    uint64_t bytes = 0;  // after any torn tail was cut
  };
  std::vector<Segment> segments;     // the live segments, oldest first
  std::vector<uint64_t> stale_seqs;  // older segments superseded by a compaction
};

// `seqs`: every segment number found in `log_dir` (any order). With truncate_torn_tail=false a torn
// tail is reported as corruption instead of being repaired.
common::Status replay_log(FileSystem& fs, const std::string& log_dir, std::vector<uint64_t> seqs,
                          bool truncate_torn_tail, LogImage* image,
                          std::vector<std::string>* warnings);

}  // namespace storage
