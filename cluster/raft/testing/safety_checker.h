#pragma once
// SafetyChecker: the cluster-wide Raft invariants, checked incrementally while a Simulation runs,
// so a violation is reported at the step that caused it (Raft paper, Figure 3):
//  - election safety: at most one leader per term;
//  - log matching: two persisted logs that hold an entry with the same index and term hold the
//    same entries up to it (checked through a prefix hash per (index, term));
//  - leader completeness: a new leader's log holds every entry applied anywhere so far;
//  - state-machine safety: entries applied at one index are identical on every node, in order;
//  - a node's term and commit never go back, and it never changes its vote within a term.
// Owned by one Simulation; single thread. Records the first violation instead of aborting, so the
// test can print it with the seed.
#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cluster/raft/types.h"

namespace raft::testing {

// A node's durable log as the simulation wrote it, with a running prefix hash per entry.
struct DiskLog {
  // The whole log, even below the snapshot: the simulation keeps it so the checks can compare
  // prefixes (a restart only reads the snapshot and the entries after it).
  std::vector<Entry> entries;     // entries[k].index == k + 1
  std::vector<uint64_t> prefix;   // prefix[k]: hash of entries[0..k]
  HardState hard_state;
  Snapshot snapshot;  // latest durable snapshot (data: the encoded applied entries)
  Index last_index() const { return entries.size(); }
  uint64_t prefix_at(Index i) const { return i == 0 ? 0 : prefix[i - 1]; }
  // Truncates at es[0].index and appends es; returns the first index rewritten.
  void write(const std::vector<Entry>& es);
};

class SafetyChecker {
 public:
  bool ok() const { return violation_.empty(); }
  const std::string& violation() const { return violation_; }
  void set_time(uint64_t tick) { tick_ = tick; }

  // After `node` durably wrote entries from index `from` on (its whole log is `disk`).
  void on_persist(NodeId node, const DiskLog& disk, Index from);
  // After `node` installed a snapshot through `index` (its disk now holds exactly those entries).
  void on_install(NodeId node, const DiskLog& disk, Index index);
  // Before `node` replaces its durable hard state `prev` with `next`.
  void on_hard_state(NodeId node, const HardState& prev, const HardState& next);
  // `node` applied `e`; `expected_index` is the index its state machine needs next.
  void on_apply(NodeId node, const Entry& e, Index expected_index, const DiskLog& disk);
  // `node` is leader of `term` (called every step it is; cheap after the first time).
  void on_leader(NodeId node, Term term, const DiskLog& disk);
  Index max_applied() const { return max_applied_; }

 private:
  void fail(const std::string& what);
  struct PairHash {
    size_t operator()(const std::pair<Index, Term>& p) const {
      return std::hash<uint64_t>()(p.first * 0x9e3779b97f4a7c15ULL ^ p.second);
    }
  };
  std::string violation_;
  uint64_t tick_ = 0;
  std::unordered_map<std::pair<Index, Term>, uint64_t, PairHash> prefix_by_id_;
  std::map<Term, NodeId> leader_of_term_;
  std::vector<Entry> applied_;             // applied_[k] is the entry applied at index k+1
  std::vector<uint64_t> applied_prefix_;   // the applier's prefix hash at that index
  Index max_applied_ = 0;
};

uint64_t entry_hash(uint64_t prev, const Entry& e);
// The simulated state machine's snapshot format: the applied entries, encoded.
std::string encode_entries(const std::vector<Entry>& entries);
std::vector<Entry> decode_entries(const std::string& data);

}  // namespace raft::testing
