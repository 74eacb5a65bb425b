#include "sim/invariants.h"

#include <algorithm>

namespace sim {

namespace {

std::string ms_text(Nanos t) {
  std::string s = std::to_string(t / kMilli);
  s += " ms";
  return s;
}

// Raft ids are node index + 1, as in logs/n<id>.log.
// (Appended: GCC 12 reports a false -Wrestrict on "lit" + std::to_string.)
std::string node_name(int node) {
  std::string s(1, 'n');
  s += std::to_string(node + 1);
  return s;
}

}  // namespace

ClusterInvariants::ClusterInvariants(int nodes, Lookup lookup)
    : lookup_(std::move(lookup)), nodes_(static_cast<size_t>(nodes)) {}

void ClusterInvariants::fail(std::string what, Nanos now) {
  if (raft_violation_.empty()) raft_violation_ = "at " + ms_text(now) + ": " + std::move(what);
}

void ClusterInvariants::after_step(int node, uint64_t incarnation, const ReplicaView& core,
                                   Nanos now, const std::vector<node::ReadRound>& reads) {
  if (!raft_violation_.empty()) return;
  ++steps_;
  NodeState& n = nodes_[static_cast<size_t>(node)];
  if (n.incarnation != incarnation) n = NodeState{incarnation, 0, 0, 0, std::nullopt, {}};
  check_reads(node, core, reads, now);
  if (!raft_violation_.empty()) return;
  if (core.role() == raft::Role::kLeader) {
    check_leader_commit_term(node, core, now);
    check_commit_on_majority(node, core, now);
  }
  n.commit = core.commit_index();
  if (!raft_violation_.empty()) return;
  check_commits(node, core, now);
  if (core.role() == raft::Role::kLeader) check_leader(node, core, now);
}

void ClusterInvariants::check_leader_commit_term(int node, const ReplicaView& core, Nanos now) {
  const NodeState& n = nodes_[static_cast<size_t>(node)];
  const raft::Index c = core.commit_index();
  if (!n.commit || c <= *n.commit) return;  // the first step: a recovered commit index is no move
  // A leader's commit index moves only by counting replicas (it accepts no appends in its term).
  const auto term = core.log_term(c);
  if (!term || *term == core.term()) return;  // compacted away: the snapshot cannot tell
  fail("leader commits only its own term's entries: " + node_name(node) + ", leader of term " +
           std::to_string(core.term()) + ", advanced its commit index from " +
           std::to_string(*n.commit) + " to " + std::to_string(c) + ", an entry of term " +
           std::to_string(*term) + " (Raft commits an earlier term's entry only with one of the "
           "leader's own term after it: Figure 8 of the paper)",
       now);
}

template <class Lacks>
int ClusterInvariants::count_holding(int node, std::string* lacking, const Lacks& lacks) const {
  int holding = 0;
  for (int i = 0; i < static_cast<int>(nodes_.size()); ++i) {
    const ReplicaView* view = i == node ? nullptr : lookup_(i);
    const std::string why = view ? lacks(*view) : std::string();  // itself, or down: not looked at
    if (why.empty()) {
      ++holding;
      continue;
    }
    *lacking += lacking->empty() ? "" : ", ";
    *lacking += node_name(i) + why;
  }
  return holding;
}

void ClusterInvariants::check_commit_on_majority(int node, const ReplicaView& core, Nanos now) {
  NodeState& n = nodes_[static_cast<size_t>(node)];
  const raft::Index c = core.commit_index();
  if (c <= n.leader_commit) return;
  n.leader_commit = c;
  const auto term = core.log_term(c);
  if (!term || !lookup_) return;
  const int total = static_cast<int>(nodes_.size());
  std::string lacking;
  const int holding = count_holding(node, &lacking, [&](const ReplicaView& view) -> std::string {
    const auto t = view.log_term(c);
    if (c < view.first_index() || (t && *t == *term && c <= view.durable_through()))
      return "";  // in its snapshot, or durably in its log
    return !t            ? " has no entry there"
           : *t != *term ? " holds term " + std::to_string(*t)
                         : " holds it in memory only (" + view.not_durable_why() + ")";
  });
  if (holding * 2 > total) return;
  fail("commit on a majority: " + node_name(node) + ", leader of term " +
           std::to_string(core.term()) + ", committed index " + std::to_string(c) +
           " (an entry of term " + std::to_string(*term) + ") held by " + std::to_string(holding) +
           " of " + std::to_string(total) + " nodes (" + lacking + ")",
       now);
}

void ClusterInvariants::check_reads(int node, const ReplicaView& core,
                                    const std::vector<node::ReadRound>& reads, Nanos now) {
  NodeState& n = nodes_[static_cast<size_t>(node)];
  if (reads.empty() && n.reads.empty()) return;  // most steps: no memset of an empty table's buckets
  for (const auto& r : reads) {
    if (!r.confirmed) {
      NodeState::ReadBound bound{0, -1, now};
      for (int i = 0; lookup_ && i < static_cast<int>(nodes_.size()); ++i) {
        const ReplicaView* view = i == node ? nullptr : lookup_(i);
        if (view && view->commit_index() > bound.commit) bound = {view->commit_index(), i, now};
      }
      // Batches under one context are confirmed together: the highest bound holds for them all.
      auto [it, inserted] = n.reads.emplace(r.context, bound);
      if (!inserted && bound.commit > it->second.commit) it->second = bound;
      continue;
    }
    auto it = n.reads.find(r.context);
    if (it == n.reads.end()) continue;
    const NodeState::ReadBound b = it->second;
    n.reads.erase(it);
    ++reads_;
    if (r.index >= b.commit) continue;
    fail("ReadIndex covers what was committed: " + node_name(node) + ", leader of term " +
             std::to_string(core.term()) + ", confirmed a read at index " + std::to_string(r.index) +
             ", but " + node_name(b.node) + " had committed index " + std::to_string(b.commit) +
             " when the read arrived at " + ms_text(b.at) +
             " (the read can miss writes that completed before it was sent)",
         now);
    return;
  }
  if (core.role() != raft::Role::kLeader) n.reads.clear();  // its rounds are dropped
}

void ClusterInvariants::check_votes_durable(int node, const ReplicaView& core, Nanos now) {
  if (!lookup_) return;
  ++elections_;
  const raft::Term term = core.term();
  const raft::NodeId id = static_cast<raft::NodeId>(node + 1);
  const int total = static_cast<int>(nodes_.size());
  std::string lacking;
  const int holding = count_holding(node, &lacking, [&](const ReplicaView& view) -> std::string {
    const auto [t, vote] = view.durable_vote();
    if (t > term || (t == term && vote == id)) return "";
    return " has term " + std::to_string(t) + " " +
           (t < term                ? std::string("on disk")
            : vote == raft::kNoNode ? std::string("with no vote on disk")
                                    : "with its vote for " + node_name(static_cast<int>(vote) - 1) + " on disk");
  });
  if (holding * 2 > total) return;
  fail("election on a durable majority: " + node_name(node) + " became leader of term " +
           std::to_string(term) + " with durable votes or later terms on " + std::to_string(holding) +
           " of " + std::to_string(total) + " nodes (" + lacking +
           "): a vote granted before it was synced, which a crash would let its node grant again",
       now);
}

void ClusterInvariants::check_commits(int node, const ReplicaView& core, Nanos now) {
  NodeState& n = nodes_[static_cast<size_t>(node)];
  const raft::Index commit = core.commit_index();
  if (n.checked > commit) n.checked = commit;
  // Entries compacted into the snapshot are gone from the log; the state digest covers them.
  raft::Index i = std::max<raft::Index>(n.checked + 1, core.first_index());
  if (committed_.size() <= commit)
    committed_.resize(std::max<size_t>(commit + 1, committed_.size() * 2));
  for (; i <= commit; ++i) {
    const auto t = core.log_term(i);
    if (!t) continue;
    ++commits_;
    Committed& c = committed_[i];
    if (c.entry_term == 0) {
      c = Committed{*t, core.term(), node, now};
      max_committed_ = std::max(max_committed_, i);
      continue;
    }
    if (c.entry_term != *t) {
      fail("State Machine Safety: " + node_name(node) + " committed index " + std::to_string(i) +
               " holding an entry of term " + std::to_string(*t) + ", but " + node_name(c.node) +
               " had committed index " + std::to_string(i) + " with an entry of term " +
               std::to_string(c.entry_term) + " at " + ms_text(c.at) +
               " (a committed entry was overwritten)",
           now);
      return;
    }
  }
  n.checked = commit;
}

void ClusterInvariants::check_leader(int node, const ReplicaView& core, Nanos now) {
  NodeState& n = nodes_[static_cast<size_t>(node)];
  const raft::Term term = core.term();
  auto [it, inserted] = leader_of_term_.emplace(term, node);
  if (!inserted && it->second != node) {
    fail("Election Safety: " + node_name(it->second) + " and " + node_name(node) +
             " were both leader of term " + std::to_string(term),
         now);
    return;
  }
  if (n.led_checked == term) return;
  n.led_checked = term;
  check_votes_durable(node, core, now);
  if (!raft_violation_.empty()) return;
  // Entries committed in an earlier term must all be in the new leader's log. (One committed in
  // this term or later, by an old leader whose acks were sent before its followers voted here,
  // need not be: the paper's proof covers commits in earlier terms only.)
  const raft::Index from = std::max<raft::Index>(core.commit_index() + 1, core.first_index());
  for (raft::Index i = from; i <= max_committed_; ++i) {
    const Committed& c = committed_[i];
    if (c.entry_term == 0 || c.in_term >= term) continue;
    const auto t = core.log_term(i);
    if (t && *t == c.entry_term) continue;
    fail("Leader Completeness: " + node_name(node) + " became leader of term " +
             std::to_string(term) + " without index " + std::to_string(i) + " of term " +
             std::to_string(c.entry_term) + ", committed by " + node_name(c.node) + " in term " +
             std::to_string(c.in_term) + " at " + ms_text(c.at) +
             (t ? " (it holds an entry of term " + std::to_string(*t) + " there)"
                : " (its log ends at " + std::to_string(core.last_index()) + ")"),
         now);
    return;
  }
}

void ClusterInvariants::audit_state(int node, const ReplicaView& core, Nanos now) {
  if (!divergence_.empty()) return;
  const raft::Index applied = core.applied_index();
  if (applied == 0) return;
  const uint32_t digest = core.state_digest();
  ++digests_;
  auto [it, inserted] = digests_by_applied_.emplace(applied, Digest{digest, node, now});
  if (inserted || it->second.digest == digest) return;
  divergence_ =
      "at " + ms_text(now) + " " + node_name(node) + " had applied the log through index " +
      std::to_string(applied) + " and held state digest " + std::to_string(digest) + ", but " +
      node_name(it->second.node) + " had held digest " + std::to_string(it->second.digest) +
      " at that index (" + ms_text(it->second.at) + ")";
}

}  // namespace sim
