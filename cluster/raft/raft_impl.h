#pragma once
// Raft::Impl: the state and the step functions of the Raft core (internal; see raft.h for the
// contract). Split over raft.cc (construction, Ready/advance, accessors), election.cc (ticks,
// terms, PreVote/Vote, CheckQuorum), replication.cc (appends, commit, heartbeats, ReadIndex) and
// snapshot.cc (compaction, chunked InstallSnapshot).
// Single thread, owned by Raft.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "cluster/raft/log.h"
#include "cluster/raft/progress.h"
#include "cluster/raft/raft.h"
#include "cluster/raft/read_only.h"
#include "common/random.h"

namespace raft {

// Snapshot chunks in flight to one follower at most (and at most max_inflight_bytes of them).
constexpr uint64_t kSnapshotChunksInFlight = 16;
// Out-of-order chunks a follower keeps until the gap before them is filled.
constexpr size_t kSnapshotChunksAhead = 2 * kSnapshotChunksInFlight;

struct Raft::Impl {
  Impl(const Config& config, const RestoredState& restored);

  // --- election.cc ---
  void tick();
  void tick_election();
  void tick_leader();
  common::Status step(const Message& m);
  void campaign(bool pre_vote);
  void become_follower(Term term, NodeId leader);
  void become_pre_candidate();
  void become_candidate();
  void become_leader();
  void handle_vote_request(const Message& m);
  void handle_vote_response(const Message& m);
  bool quorum_active();
  void reset(Term term);

  // --- replication.cc ---
  void step_leader(const Message& m);
  void step_follower(const Message& m);
  void handle_append(const Message& m);
  void handle_heartbeat(const Message& m);
  void handle_append_response(const Message& m);
  void handle_heartbeat_response(const Message& m);
  bool send_append(NodeId to, bool send_if_empty);
  void bcast_append(bool send_if_empty);
  void bcast_heartbeat(const std::string& context);
  bool maybe_commit();
  bool committed_current_term() const;
  void flush_reads();
  ProposeResult propose(std::string command);
  bool read_index(std::string context);

  // --- snapshot.cc ---
  // InstallSnapshot chunks for a follower behind our log: fills its window of chunks in flight.
  bool send_snapshot(NodeId to);
  void resend_snapshot(NodeId to);  // the first chunk it lacks, again
  void send_snapshot_chunk(NodeId to, const Snapshot& snap, uint64_t offset);
  void handle_snapshot(const Message& m);
  void handle_snapshot_response(const Message& m);
  void compact(Snapshot snapshot);

  // --- raft.cc ---
  HardState hard_state() const { return HardState{term, vote, log.committed()}; }
  size_t quorum() const { return cfg.voters.size() / 2 + 1; }
  void send(Message m);              // may go now
  void send_after_persist(Message m);  // only once this batch is durable
  bool has_ready() const;
  Ready ready();
  void advance();

  Config cfg;
  RaftLog log;
  Term term = 0;
  NodeId vote = kNoNode;
  NodeId leader = kNoNode;
  Role role = Role::kFollower;
  int election_elapsed = 0;
  int heartbeat_elapsed = 0;
  int randomized_timeout = 0;
  common::Rng rng;
  std::map<NodeId, Progress> prs;  // leader only: every voter but self
  std::map<NodeId, bool> votes;    // (pre)candidate only: answers received, self included
  ReadOnly read_only;
  Snapshot snapshot;          // the latest state-machine image our log starts after (with data)
  // Leader: the image each follower in kSnapshot state is being sent. A transfer finishes with
  // the image it started with even when we compact again meanwhile (restarting it with every
  // newer image starved a follower whose transfer took longer than a compaction interval).
  std::map<NodeId, std::shared_ptr<const Snapshot>> sending;
  std::shared_ptr<const Snapshot> latest_image;  // `snapshot` shared by new transfers
  Snapshot pending_install;   // received from the leader, to hand out in the next Ready
  Snapshot incoming;          // chunks received so far (follower)
  Term incoming_term = 0;     // term of the leader sending `incoming`
  // Chunks of `incoming` that arrived ahead of a gap: offset -> (data, last chunk).
  std::map<uint64_t, std::pair<std::string, bool>> incoming_ahead;

  // Output accumulated until the next ready().
  std::vector<Message> msgs;
  std::vector<Message> msgs_after_persist;
  std::vector<ReadState> read_states;
  bool appends_pending = false;  // leader: proposals not yet sent to followers
  HardState prev_hard_state;  // as last handed out in a Ready (or restored)
  HardState hard_state_view;  // backs the Raft::hard_state() reference

  // The Ready handed out and not yet advanced.
  bool ready_outstanding = false;
  Index ready_last_index = 0;
  Term ready_last_term = 0;
  Index ready_applying = 0;
};

}  // namespace raft
