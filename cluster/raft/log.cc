#include "cluster/raft/log.h"

#include <algorithm>

#include "cluster/raft/check.h"

namespace raft {

RaftLog::RaftLog(Index snap_index, Term snap_term, std::vector<Entry> entries)
    : snap_index_(snap_index),
      snap_term_(snap_term),
      entries_(std::move(entries)),
      committed_(snap_index),
      applied_(snap_index),
      applying_(snap_index),
      unstable_(snap_index + entries_.size() + 1),
      persisted_(snap_index + entries_.size()) {
  for (size_t k = 0; k < entries_.size(); ++k) {
    RAFT_CHECK(entries_[k].index == snap_index_ + 1 + k,
               "restored entries are not contiguous after the snapshot at index " +
                   std::to_string(entries_[k].index));
  }
}

Term RaftLog::last_term() const { return entries_.empty() ? snap_term_ : entries_.back().term; }

std::optional<Term> RaftLog::term(Index i) const {
  if (i == snap_index_) return snap_term_;
  if (i < snap_index_ || i > last_index()) return std::nullopt;
  return entries_[i - snap_index_ - 1].term;
}

bool RaftLog::match_term(Index i, Term t) const {
  auto tt = term(i);
  return tt.has_value() && *tt == t;
}

bool RaftLog::is_up_to_date(Index last_index, Term last_term) const {
  return last_term > this->last_term() ||
         (last_term == this->last_term() && last_index >= this->last_index());
}

const Entry& RaftLog::at(Index i) const {
  RAFT_CHECK(i > snap_index_ && i <= last_index(), "log index out of range: " + std::to_string(i));
  return entries_[i - snap_index_ - 1];
}

void RaftLog::append(std::vector<Entry> entries) {
  if (entries.empty()) return;
  const Index from = entries.front().index;
  RAFT_CHECK(from > committed_, "append would overwrite committed entry " + std::to_string(from) +
                                    " (commit " + std::to_string(committed_) + ")");
  RAFT_CHECK(from <= last_index() + 1, "append leaves a gap at " + std::to_string(from));
  entries_.resize(from - snap_index_ - 1);
  for (auto& e : entries) entries_.push_back(std::move(e));
  unstable_ = std::min(unstable_, from);
  persisted_ = std::min(persisted_, from - 1);
}

Index RaftLog::find_conflict(const std::vector<Entry>& entries) const {
  for (const auto& e : entries) {
    if (!match_term(e.index, e.term)) return e.index;
  }
  return 0;
}

std::pair<Index, Term> RaftLog::find_conflict_by_term(Index i, Term t) const {
  i = std::min(i, last_index());
  while (i > snap_index_) {
    Term ti = entries_[i - snap_index_ - 1].term;
    if (ti <= t) return {i, ti};
    --i;
  }
  return {i, i == snap_index_ ? snap_term_ : 0};
}

std::vector<Entry> RaftLog::slice(Index lo, Index hi, uint64_t max_bytes) const {
  std::vector<Entry> out;
  hi = std::min(hi, last_index() + 1);
  RAFT_CHECK(lo > snap_index_ || lo >= hi, "slice of compacted entries from " + std::to_string(lo));
  uint64_t bytes = 0;
  for (Index i = lo; i < hi; ++i) {
    const Entry& e = entries_[i - snap_index_ - 1];
    if (!out.empty() && bytes + e.data.size() > max_bytes) break;
    bytes += e.data.size();
    out.push_back(e);
  }
  return out;
}

void RaftLog::commit_to(Index i) {
  if (i <= committed_) return;
  RAFT_CHECK(i <= last_index(), "commit " + std::to_string(i) + " beyond the last index " +
                                    std::to_string(last_index()));
  committed_ = i;
}

std::vector<Entry> RaftLog::take_unstable() {
  std::vector<Entry> out;
  if (!has_unstable()) return out;
  out.assign(entries_.begin() + (unstable_ - snap_index_ - 1), entries_.end());
  unstable_ = last_index() + 1;
  return out;
}

void RaftLog::stable_to(Index i, Term t) {
  if (i <= persisted_ || !match_term(i, t) || i >= unstable_) return;
  persisted_ = i;
}

std::vector<Entry> RaftLog::take_committed(uint64_t max_bytes) {
  if (!has_next_committed()) return {};
  auto out = slice(applying_ + 1, committed_ + 1, max_bytes);
  applying_ += out.size();
  return out;
}

void RaftLog::applied_to(Index i) {
  RAFT_CHECK(i <= committed_, "applied " + std::to_string(i) + " beyond commit " +
                                  std::to_string(committed_));
  applied_ = std::max(applied_, i);
  applying_ = std::max(applying_, applied_);
}

void RaftLog::compact(Index i, Term t) {
  if (i <= snap_index_) return;
  RAFT_CHECK(i <= applied_, "compaction past the applied index " + std::to_string(applied_));
  RAFT_CHECK(match_term(i, t), "compaction point does not match the log at " + std::to_string(i));
  entries_.erase(entries_.begin(), entries_.begin() + (i - snap_index_));
  snap_index_ = i;
  snap_term_ = t;
}

void RaftLog::restore(Index i, Term t) {
  RAFT_CHECK(i > committed_, "restoring a snapshot at or below the commit index");
  entries_.clear();
  snap_index_ = i;
  snap_term_ = t;
  committed_ = i;
  applied_ = i;
  applying_ = i;
  unstable_ = i + 1;
  persisted_ = i;
}

}  // namespace raft
