#pragma once
// RaftLog: the in-memory Raft log of one node: a compacted prefix (snapshot index/term) followed by
// entries, plus the commit and apply cursors and the bookkeeping of what has been handed to the node
// for persistence. Owned by Raft::Impl; single thread.
//
// Persistence tracking (etcd's "unstable"): entries from unstable_ on have not been handed out in a
// Ready yet; persisted_ is the last index known durable. A conflicting append that truncates the
// suffix pulls both cursors back, so a durable-but-overwritten entry is never counted as persisted.
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "cluster/raft/types.h"

namespace raft {

class RaftLog {
 public:
  // Entries must follow the snapshot (entries[0].index == snap_index + 1) and be contiguous.
  RaftLog(Index snap_index, Term snap_term, std::vector<Entry> entries);

  Index first_index() const { return snap_index_ + 1; }
  Index last_index() const { return snap_index_ + entries_.size(); }
  Term last_term() const;
  Index snapshot_index() const { return snap_index_; }
  Term snapshot_term() const { return snap_term_; }
  // Term of entry i; the snapshot's term at snap_index; nullopt if compacted away or past the end.
  std::optional<Term> term(Index i) const;
  Term term_or_zero(Index i) const { return term(i).value_or(0); }
  bool match_term(Index i, Term t) const;
  // Section 5.4.1: is a log ending at (last_index, last_term) at least as up to date as ours?
  bool is_up_to_date(Index last_index, Term last_term) const;
  const Entry& at(Index i) const;

  // Appends entries (entries[0].index <= last_index()+1); a suffix from entries[0].index is
  // truncated. Truncating a committed entry is a fatal invariant violation.
  void append(std::vector<Entry> entries);
  // First index in `entries` whose term differs from ours or that we lack; 0 if all present.
  Index find_conflict(const std::vector<Entry>& entries) const;
  // The largest index <= i whose term is <= t (for the conflict-term fast back-up), with its term.
  std::pair<Index, Term> find_conflict_by_term(Index i, Term t) const;
  // Entries in [lo, hi), at most max_bytes of data (but at least one entry if lo < hi).
  std::vector<Entry> slice(Index lo, Index hi, uint64_t max_bytes) const;

  Index committed() const { return committed_; }
  void commit_to(Index i);  // never decreases; must be <= last_index()
  Index applied() const { return applied_; }

  // --- Ready bookkeeping ---
  bool has_unstable() const { return unstable_ <= last_index(); }
  // Hands out the entries not yet given for persistence and marks them in progress.
  std::vector<Entry> take_unstable();
  // The node made entries through (i, t) durable; ignored if the log changed there since.
  void stable_to(Index i, Term t);
  Index persisted() const { return persisted_; }
  bool has_next_committed() const { return applying_ < committed_; }
  // Committed entries not yet handed out for applying, at most max_bytes (at least one).
  std::vector<Entry> take_committed(uint64_t max_bytes);
  // The node applied everything handed out so far.
  void applied_to(Index i);

  // Drops entries through i (i <= applied) and remembers (i, term) as the snapshot point.
  void compact(Index i, Term t);
  // Replaces the whole log with a snapshot point (a follower installing a snapshot).
  void restore(Index i, Term t);

 private:
  Index snap_index_;
  Term snap_term_;
  std::vector<Entry> entries_;  // entries_[k].index == snap_index_ + 1 + k
  Index committed_;
  Index applied_;
  Index applying_;   // handed out for applying, <= committed_
  Index unstable_;   // first index not yet handed out for persistence
  Index persisted_;  // last index known durable
};

}  // namespace raft
