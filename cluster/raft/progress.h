#pragma once
// Progress: the leader's view of one follower's replication (etcd's tracker.Progress), and
// Inflights, the appends sent to it but not yet acknowledged. Owned by Raft::Impl; single thread.
//
// States: kProbe sends one append at a time and waits for an answer (after a reject, or for a new
// leader); kReplicate pipelines appends, advancing `next` optimistically, until the in-flight bytes
// reach the bound; kSnapshot waits for a snapshot to be installed (issue 6).
#include <cstdint>
#include <deque>
#include <utility>

#include "cluster/raft/types.h"

namespace raft {

enum class ProgressState : uint8_t { kProbe, kReplicate, kSnapshot };

// The appends in flight to one follower: (last index, bytes) in send order. Bounded in bytes: a
// new append fits only if the total stays within max_bytes, except that an empty window always
// takes one (so a single entry larger than the bound still makes progress).
class Inflights {
 public:
  explicit Inflights(uint64_t max_bytes) : max_bytes_(max_bytes) {}
  void add(Index last, uint64_t bytes);
  void free_le(Index index);  // acknowledged through index
  void reset();
  bool full() const { return bytes_ >= max_bytes_ || q_.size() >= kMaxCount; }
  // Bytes a new append may carry now (0 when full; unlimited when empty).
  uint64_t room() const;
  uint64_t bytes() const { return bytes_; }
  size_t count() const { return q_.size(); }

 private:
  static constexpr size_t kMaxCount = 1024;
  uint64_t max_bytes_;
  uint64_t bytes_ = 0;
  std::deque<std::pair<Index, uint64_t>> q_;
};

struct Progress {
  explicit Progress(uint64_t max_inflight_bytes) : inflights(max_inflight_bytes) {}

  Index match = 0;
  Index next = 1;
  ProgressState state = ProgressState::kProbe;
  bool probe_sent = false;       // kProbe: an append is out; wait for its answer or a heartbeat
                                 // kSnapshot: a chunk went out since the last heartbeat
  bool recent_active = false;    // heard from since the last CheckQuorum round
  int stalled_ticks = 0;         // kReplicate: ticks with appends in flight and no progress
  Index sent_commit = 0;         // highest commit index told to this follower
  Index pending_snapshot = 0;    // kSnapshot: index of the snapshot being sent
  uint64_t snapshot_offset = 0;  // kSnapshot: bytes of it the follower has confirmed
  uint64_t snapshot_sent = 0;    // kSnapshot: the next byte to send (chunks up to it are out)
  Index gap_suspect = 0;  // kReplicate: a heartbeat answer lacked entries sent through this one
  Inflights inflights;

  void become_probe();
  void become_replicate();
  void become_snapshot(Index snapshot_index);
  // A success response through n: returns true if it moved match forward.
  bool maybe_update(Index n);
  // A reject of the append after `rejected`; next_hint is the leader's guess from the follower's
  // hint. Returns false if the reject is stale (answers an append we no longer care about).
  // A probe at an entry the follower had acknowledged (rejected <= match) was refused: it lost
  // entries it acknowledged (a torn tail after a crash). match is forgotten (it may no longer be
  // counted for commitment) and probing resumes from the hint.
  bool maybe_decr_to(Index rejected, Index next_hint);
  // The follower holds less than it acknowledged: forget match, probe from after `follower_last`.
  void lost_entries(Index follower_last);
  bool paused() const;
  // Records an append carrying entries through `last` of `bytes` bytes.
  void sent_entries(Index last, uint64_t bytes);
};

const char* progress_state_name(ProgressState s);

}  // namespace raft
