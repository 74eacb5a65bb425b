#include "cluster/node/storage/memory_storage.h"

#include "cluster/node/storage/log_format.h"
#include "cluster/node/storage/record.h"

namespace storage {

common::Status MemoryStorage::append(const std::vector<raft::Entry>& entries) {
  if (entries.empty()) return common::Status::ok();
  raft::Index first = entries.front().index;
  if (first <= snapshot_.index || first > last_index() + 1) {
    return common::Status::invalid_argument(
        "append: entry " + std::to_string(first) + " does not fit a log holding " +
        std::to_string(snapshot_.index + 1) + ".." + std::to_string(last_index()));
  }
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].index != first + i) {
      return common::Status::invalid_argument("append: entries are not consecutive at " +
                                              std::to_string(entries[i].index));
    }
  }
  if (first <= last_index()) {
    entries_.resize(first - snapshot_.index - 1);
    log_bytes_ += kRecordHeaderBytes + 8;
  }
  for (const raft::Entry& e : entries) {
    entries_.push_back(e);
    log_bytes_ += kRecordHeaderBytes + 17 + e.data.size();
  }
  return common::Status::ok();
}

common::Status MemoryStorage::set_hard_state(const raft::HardState& hs) {
  if (hs == hard_state_) return common::Status::ok();
  hard_state_ = hs;
  log_bytes_ += kRecordHeaderBytes + 24;
  return common::Status::ok();
}

common::Status MemoryStorage::save_snapshot(const raft::Snapshot& snapshot) {
  if (snapshot.index <= snapshot_.index) return common::Status::ok();
  std::vector<raft::Entry> kept;
  raft::Index s = snapshot.index;
  bool matches = s <= last_index() && entries_[s - snapshot_.index - 1].term == snapshot.term;
  if (matches)
    kept.assign(entries_.begin() + static_cast<std::ptrdiff_t>(s - snapshot_.index),
                entries_.end());
  snapshot_ = snapshot;
  entries_ = std::move(kept);
  // Same accounting as a freshly compacted segment: header, hard state, the kept entries.
  log_bytes_ = 2 * kRecordHeaderBytes + encode_segment_header({}).size() + 24;
  for (const raft::Entry& e : entries_) log_bytes_ += kRecordHeaderBytes + 17 + e.data.size();
  return common::Status::ok();
}

uint64_t MemoryStorage::snapshot_bytes() const {
  if (snapshot_.empty()) return 0;
  return kRecordHeaderBytes + encode_snapshot(snapshot_).size();
}

}  // namespace storage
