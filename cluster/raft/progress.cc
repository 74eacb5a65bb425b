#include "cluster/raft/progress.h"

#include <algorithm>

namespace raft {

void Inflights::add(Index last, uint64_t bytes) {
  q_.emplace_back(last, bytes);
  bytes_ += bytes;
}

void Inflights::free_le(Index index) {
  while (!q_.empty() && q_.front().first <= index) {
    bytes_ -= q_.front().second;
    q_.pop_front();
  }
}

void Inflights::reset() {
  q_.clear();
  bytes_ = 0;
}

uint64_t Inflights::room() const {
  if (q_.empty()) return UINT64_MAX;
  if (full()) return 0;
  return max_bytes_ - bytes_;
}

void Progress::become_probe() {
  state = ProgressState::kProbe;
  next = match + 1;
  probe_sent = false;
  stalled_ticks = 0;
  gap_suspect = 0;
  inflights.reset();
}

void Progress::become_replicate() {
  state = ProgressState::kReplicate;
  next = match + 1;
  probe_sent = false;
  stalled_ticks = 0;
  gap_suspect = 0;
  inflights.reset();
}

void Progress::become_snapshot(Index snapshot_index) {
  state = ProgressState::kSnapshot;
  pending_snapshot = snapshot_index;
  snapshot_offset = 0;
  snapshot_sent = 0;
  probe_sent = false;
  stalled_ticks = 0;
  gap_suspect = 0;
  inflights.reset();
}

bool Progress::maybe_update(Index n) {
  bool updated = false;
  if (match < n) {
    match = n;
    probe_sent = false;
    stalled_ticks = 0;
    updated = true;
  }
  next = std::max(next, n + 1);
  return updated;
}

bool Progress::maybe_decr_to(Index rejected, Index next_hint) {
  if (state == ProgressState::kReplicate) {
    if (rejected <= match) return false;  // stale: that append was already superseded
    next = match + 1;
    return true;
  }
  if (next == 0 || next - 1 != rejected) return false;  // stale: not our outstanding probe
  if (rejected <= match) {
    // Before issue 14 this probed match + 1 again for ever (until a leader change).
    lost_entries(std::min(rejected - 1, next_hint));
    return true;
  }
  next = std::max(std::min(rejected, next_hint + 1), match + 1);
  probe_sent = false;
  return true;
}

void Progress::lost_entries(Index follower_last) {
  state = ProgressState::kProbe;
  match = 0;
  next = follower_last + 1;
  probe_sent = false;
  stalled_ticks = 0;
  gap_suspect = 0;
  inflights.reset();
}

bool Progress::paused() const {
  switch (state) {
    case ProgressState::kProbe:
      return probe_sent;
    case ProgressState::kReplicate:
      return inflights.full();
    case ProgressState::kSnapshot:
      return true;
  }
  return true;
}

void Progress::sent_entries(Index last, uint64_t bytes) {
  if (state == ProgressState::kReplicate) {
    next = last + 1;
    inflights.add(last, bytes);
  } else if (state == ProgressState::kProbe) {
    probe_sent = true;
  }
}

const char* progress_state_name(ProgressState s) {
  switch (s) {
    case ProgressState::kProbe:
      return "probe";
    case ProgressState::kReplicate:
      return "replicate";
    case ProgressState::kSnapshot:
      return "snapshot";
  }
  return "?";
}

}  // namespace raft
