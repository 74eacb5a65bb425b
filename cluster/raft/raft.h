#pragma once
// Raft: the pure, I/O-free consensus core (etcd/raft shape). It never blocks, sleeps, reads a clock,
// touches a file or a socket; time is tick(), randomness comes from the seed in Config. Owned by one
// thread (a kvnode event loop, or a simulation); not thread-safe.
//
// Implements, from the extended Raft paper: randomized election timeouts in ticks, PreVote and
// CheckQuorum (Section 9.6), log replication with the conflict-term fast back-up, commit of
// current-term entries only with a no-op on election (Figure 8), immediate, pipelined, batched
// replication bounded by in-flight bytes, ReadIndex reads (Section 8), snapshots (issue 6).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/raft/types.h"
#include "common/status.h"

namespace raft {

struct Config {
  NodeId id = kNoNode;
  std::vector<NodeId> voters;        // every member, including id
  int election_tick_min = 15;        // election timeout drawn uniformly in [min, max] ticks
  int election_tick_max = 30;
  int heartbeat_tick = 3;
  uint64_t max_inflight_bytes = 1 << 20;  // per follower, bytes of entries sent but not acknowledged
  uint64_t max_msg_bytes = 256 << 10;     // bytes of entries batched into one append
  uint64_t max_snapshot_chunk = 64 << 10; // issue 6
  bool pre_vote = true;
  bool check_quorum = true;
  uint64_t seed = 1;                 // seeds the election-timeout randomization
};

// What the node recovered from disk. Entries follow the snapshot (entries[0].index == snapshot.index+1).
struct RestoredState {
  HardState hard_state;
  Snapshot snapshot;  // data may be omitted, but then a leader cannot send it to a follower
  std::vector<Entry> entries;
};

struct ProposeResult {
  bool accepted = false;   // false: not the leader (or leadership being lost); see leader_hint
  Index index = 0;         // where the entry will be, if it commits
  Term term = 0;
  NodeId leader_hint = kNoNode;
};

class Raft {
 public:
  // Starts as a follower from the durable state. The state machine is assumed to hold exactly the
  // snapshot: committed entries after restored.snapshot.index are handed out again for applying.
  // A restored state that contradicts itself (commit beyond the log, entries not following the
  // snapshot) is a fatal invariant violation, as is an invalid Config (see check.h).
  Raft(const Config& config, const RestoredState& restored);
  ~Raft();
  Raft(const Raft&) = delete;
  Raft& operator=(const Raft&) = delete;

  // Advances logical time by one tick (elections, heartbeats, CheckQuorum).
  void tick();
  // Feeds one message received from a peer. Messages not addressed to this node are ignored;
  // a malformed message (e.g. entries that do not follow `index`) is rejected with a Status.
  common::Status step(const Message& m);
  // Appends a command to the log if this node is the leader.
  ProposeResult propose(std::string command);
  // Asks for a ReadIndex. Returns false (with leader_hint) unless this node is the leader; the
  // answer arrives later as a ReadState in Ready carrying `context`, or never if leadership is lost
  // (the node then times the request out and the client retries).
  bool read_index(std::string context);
  // Records that the state machine was compacted into `snapshot` (issue 6) and drops the log
  // through snapshot.index. Ignored unless snapshot.index <= applied_index(), it is past the
  // current first_index(), and its term matches the log; first_index() == snapshot.index + 1
  // afterwards tells that it happened. The core keeps `snapshot` (data included) to send to
  // followers that need the compacted entries, in chunks of max_snapshot_chunk bytes.
  void compact(Snapshot snapshot);
  // Asks to start an election now (tests and leadership transfer); follows PreVote if enabled.
  void campaign();

  bool has_ready() const;  // false while a Ready is out (between ready() and advance())
  Ready ready();   // takes the pending batch; call advance() once it has been handled
  void advance();  // exactly once per ready(); a second ready() before it aborts

  NodeId id() const;
  Role role() const;
  Term term() const;
  NodeId leader() const;
  Index commit_index() const;
  Index applied_index() const;
  Index last_index() const;
  Index first_index() const;  // first index still in the log (after the snapshot)
  // The term of the entry at `i` (the snapshot's term at first_index() - 1); nullopt when `i` is
  // compacted away or past the log. For observers (the simulation's invariant checks).
  std::optional<Term> term_at(Index i) const;
  Index persisted_index() const;  // last index known durable on this node
  const HardState& hard_state() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace raft
