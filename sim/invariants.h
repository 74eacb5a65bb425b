#pragma once
// ClusterInvariants: Raft's cluster-wide safety properties (the extended Raft paper, Figure 3.2),
// checked by the simulation after every step of every node, so a bug is caught at the step that
// broke one, whether or not a client ever reads the damage:
//  - Election Safety: at most one leader per term;
//  - State Machine Safety, on the log: once a node has committed index i, every node that commits
//    index i commits the entry of the same term (an entry committed and later overwritten, or two
//    nodes committing different entries at one index);
//  - Leader Completeness: a leader of term t holds every entry that was committed in a term
//    before t (checked when the simulation first sees it lead term t);
//  - commit on a majority: when a leader's commit index advances to c, a majority of the nodes
//    hold the entry (c, its term) in their logs or snapshots, durably: a follower inside a step
//    whose fsync has not returned holds only what was durable before it (an entry acknowledged
//    before its fsync is counted on memory a crash loses). A node that is down counts as holding
//    it: its log is not looked at, so the check can miss but never accuse wrongly;
//  - a leader commits by counting replicas only an entry of its own term (§5.4.2, Figure 8):
//    when a node that is leader of term t after a step has advanced its commit index in that
//    step, the entry at the new commit index is of term t (entries of earlier terms are
//    committed with it, never by themselves);
//  - election on a durable majority: when a node is first seen leading term t, a majority of the
//    nodes hold durably (as an fsync left them: what a power cut now would keep) a term after t,
//    or term t with their vote for it. A vote granted before it was synced counts only in memory,
//    so a crash could let that node vote again in term t. The leader and nodes that are down count
//    as holding it;
//  - ReadIndex covers what was committed: a read a leader confirms at read index r arrived when no
//    node had committed past r (the highest commit index among the other nodes at the step that
//    handed the read to Raft is the bound). A leader deposed meanwhile, or a round confirmed by
//    answers to a heartbeat sent before the read arrived, fails it even when no client's read
//    happened to see the stale value;
//  - replicas agree: nodes that applied the log through the same index hold the same state
//    machine digest, compared across time (every digest seen is kept by index), not only between
//    nodes that happen to stand at the same index at once.
// Only a simulation can check these: it sees every replica at every step. The first violation is
// kept (with the simulated time and the nodes involved); the run then fails the check it names.
// Owned by the SimSystem; single thread.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cluster/node/node_core.h"
#include "sim/event_loop.h"

namespace sim {

// What the checks read of a replica: a NodeCore in the simulation (CoreView), a fake in tests.
class ReplicaView {
 public:
  virtual ~ReplicaView() = default;
  virtual raft::Role role() const = 0;
  virtual raft::Term term() const = 0;
  virtual raft::Index commit_index() const = 0;
  virtual raft::Index first_index() const = 0;  // after the snapshot
  virtual raft::Index last_index() const = 0;
  virtual std::optional<raft::Term> log_term(raft::Index index) const = 0;
  virtual raft::Index applied_index() const = 0;
  virtual uint32_t state_digest() const = 0;
  // The last log index that is durable (fsynced) now; entries after it are in memory only.
  virtual raft::Index durable_through() const { return ~raft::Index{0}; }
  // Why entries after durable_through() are not durable, for the message.
  virtual std::string not_durable_why() const { return "its fsync had not returned"; }
  // The term and vote that are durable now (an unknown view: a term after every term).
  virtual std::pair<raft::Term, raft::NodeId> durable_vote() const { return {~raft::Term{0}, raft::kNoNode}; }
};

// What of a live node is durable now (the defaults: everything, as for a node not looked at).
struct Durability {
  raft::Index through = ~raft::Index{0};  // the last log index an fsync has made durable
  std::pair<raft::Term, raft::NodeId> vote{~raft::Term{0}, raft::kNoNode};  // term and vote on disk
  bool recovery_unsynced = false;  // its recovery read bytes no fsync has made durable since
};

class CoreView final : public ReplicaView {
 public:
  explicit CoreView(const node::NodeCore& core, Durability durable = {}) : core_(core), durable_(durable) {}
  raft::Role role() const override { return core_.role(); }
  raft::Term term() const override { return core_.term(); }
  raft::Index commit_index() const override { return core_.commit_index(); }
  raft::Index first_index() const override { return core_.first_index(); }
  raft::Index last_index() const override { return core_.last_index(); }
  std::optional<raft::Term> log_term(raft::Index index) const override {
    return core_.log_term(index);
  }
  raft::Index applied_index() const override { return core_.applied_index(); }
  uint32_t state_digest() const override { return core_.state_digest(); }
  raft::Index durable_through() const override { return durable_.through; }
  std::pair<raft::Term, raft::NodeId> durable_vote() const override { return durable_.vote; }
  std::string not_durable_why() const override {
    return durable_.recovery_unsynced ? "its recovery read it from the page cache and no fsync has made it durable since"
                                      : ReplicaView::not_durable_why();
  }

 private:
  const node::NodeCore& core_;
  Durability durable_;
};

class ClusterInvariants {
 public:
  // The view of node i now, or null while it is down.
  // Valid until the next call for the same node; no allocation (it runs at every leader commit).
  using Lookup = std::function<const ReplicaView*(int)>;
  ClusterInvariants(int nodes, Lookup lookup);

  // After node `node` (0-based) finished a step. `incarnation` changes when the node restarted:
  // its log is then checked again from the start. `reads`: the ReadIndex rounds it reported in
  // the step (NodeCore's Outbox::reads).
  void after_step(int node, uint64_t incarnation, const ReplicaView& core, Nanos now,
                  const std::vector<node::ReadRound>& reads = {});
  // Compares the node's state digest with every digest seen at its applied index.
  void audit_state(int node, const ReplicaView& core, Nanos now);

  // The first violation of Election Safety, State Machine Safety or Leader Completeness ("" if
  // none), and the first time two replicas held different states at one applied index.
  const std::string& raft_violation() const { return raft_violation_; }
  const std::string& divergence() const { return divergence_; }
  uint64_t steps_checked() const { return steps_; }
  uint64_t commits_checked() const { return commits_; }
  uint64_t digests_compared() const { return digests_; }
  uint64_t elections_checked() const { return elections_; }
  uint64_t reads_checked() const { return reads_; }

 private:
  struct Committed {
    raft::Term entry_term = 0;  // 0: not known to be committed
    raft::Term in_term = 0;     // the term of the node that first committed it
    int node = -1;
    Nanos at = 0;
  };
  struct NodeState {
    uint64_t incarnation = 0;
    raft::Index checked = 0;        // committed entries up to here were compared
    raft::Term led_checked = 0;     // the last term whose leadership was checked for completeness
    raft::Index leader_commit = 0;  // the commit index last checked on a majority, as leader
    std::optional<raft::Index> commit;  // after the node's previous step (none before its first)
    struct ReadBound {
      raft::Index commit = 0;  // the highest commit index of another node when the read arrived
      int node = -1;
      Nanos at = 0;
    };
    std::unordered_map<std::string, ReadBound> reads;  // by context, until confirmed
  };
  void check_reads(int node, const ReplicaView& core, const std::vector<node::ReadRound>& reads, Nanos now);
  void check_votes_durable(int node, const ReplicaView& core, Nanos now);
  // The nodes that hold what a majority must: `node` itself and nodes that are down count (they
  // are not looked at); `lacks(view)` is "" for a live node that holds it, else why not, which
  // follows the node's name in `lacking` (comma-separated).
  template <class Lacks>
  int count_holding(int node, std::string* lacking, const Lacks& lacks) const;
  void check_leader_commit_term(int node, const ReplicaView& core, Nanos now);
  void check_commits(int node, const ReplicaView& core, Nanos now);
  void check_leader(int node, const ReplicaView& core, Nanos now);
  void check_commit_on_majority(int node, const ReplicaView& core, Nanos now);
  void fail(std::string what, Nanos now);

  Lookup lookup_;
  std::vector<NodeState> nodes_;
  std::vector<Committed> committed_;  // by log index
  raft::Index max_committed_ = 0;
  std::unordered_map<raft::Term, int> leader_of_term_;
  struct Digest {
    uint32_t digest = 0;
    int node = 0;
    Nanos at = 0;
  };
  std::unordered_map<raft::Index, Digest> digests_by_applied_;
  std::string raft_violation_;
  std::string divergence_;
  uint64_t steps_ = 0;
  uint64_t commits_ = 0;
  uint64_t digests_ = 0;
  uint64_t elections_ = 0;
  uint64_t reads_ = 0;
};

}  // namespace sim
