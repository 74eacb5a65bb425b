#pragma once
// ReadOnly: the leader's queue of ReadIndex requests (Raft paper, Section 8). Owned by Raft::Impl;
// single thread.
//
// Requests are queued, then started together as one round: the round records the commit index and
// gets a unique context that the leader's next heartbeat carries. When a majority (counting the
// leader) has answered that heartbeat, the round and every earlier round are released as ReadStates,
// in order: the later heartbeat was sent after the earlier rounds were recorded, so it proves the
// leader was still leader for them too. Leadership loss drops everything (reset()).
#include <cstdint>
#include <deque>
#include <set>
#include <string>
#include <vector>

#include "cluster/raft/types.h"

namespace raft {

class ReadOnly {
 public:
  void enqueue(std::string request_context) { queued_.push_back(std::move(request_context)); }
  bool has_queued() const { return !queued_.empty(); }
  // Takes the queued requests as reads at `commit` without a round (single-voter cluster).
  std::vector<ReadState> release_queued(Index commit);
  // Starts a round for the queued requests at `commit`; returns its heartbeat context.
  std::string start_round(Index commit);
  // Context of the newest round still waiting, "" if none (carried by periodic heartbeats too).
  std::string last_context() const;
  // Records `from`'s answer to the heartbeat with `context`; returns the reads this released.
  std::vector<ReadState> ack(NodeId from, const std::string& context, size_t quorum);
  size_t pending_rounds() const { return rounds_.size(); }
  void reset();

 private:
  struct Round {
    std::string context;
    Index index = 0;
    std::vector<std::string> requests;
    std::set<NodeId> acks;  // followers that answered; the leader counts itself
  };
  std::vector<std::string> queued_;
  std::deque<Round> rounds_;
  uint64_t next_round_ = 1;  // never reset: contexts stay unique for the node's lifetime
};

}  // namespace raft
