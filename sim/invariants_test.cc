#include "sim/invariants.h"

#include <gtest/gtest.h>

#include <map>

namespace sim {
namespace {

// A replica as the checks see it: a log of terms from first_index on, a commit index, a role.
struct FakeReplica final : ReplicaView {
  raft::Role role_ = raft::Role::kFollower;
  raft::Term term_ = 1;
  raft::Index commit_ = 0;
  raft::Index first_ = 1;
  std::vector<raft::Term> log_;  // log_[k] is the term of index first_ + k
  raft::Index applied_ = 0;
  uint32_t digest_ = 0;
  raft::Index durable_ = ~raft::Index{0};  // all of it, unless a step's fsync is running
  std::pair<raft::Term, raft::NodeId> durable_vote_{~raft::Term{0}, raft::kNoNode};  // unknown

  raft::Role role() const override { return role_; }
  raft::Term term() const override { return term_; }
  raft::Index commit_index() const override { return commit_; }
  raft::Index first_index() const override { return first_; }
  raft::Index last_index() const override { return first_ + log_.size() - 1; }
  std::optional<raft::Term> log_term(raft::Index i) const override {
    if (i < first_ || i > last_index()) return std::nullopt;
    return log_[i - first_];
  }
  raft::Index applied_index() const override { return applied_; }
  uint32_t state_digest() const override { return digest_; }
  raft::Index durable_through() const override { return durable_; }
  std::pair<raft::Term, raft::NodeId> durable_vote() const override { return durable_vote_; }
};

// The checks over the replicas `r`, all of them up.
ClusterInvariants watching(std::vector<FakeReplica>& r) {
  return ClusterInvariants(static_cast<int>(r.size()),
                           [&r](int i) -> const ReplicaView* { return &r[static_cast<size_t>(i)]; });
}

TEST(ClusterInvariants, ACorrectHistoryBreaksNothing) {
  ClusterInvariants inv(3, nullptr);
  FakeReplica a, b;
  a.role_ = raft::Role::kLeader;
  a.log_ = {1, 1, 1};
  a.commit_ = 2;
  inv.after_step(0, 1, a, 10);
  b.log_ = {1, 1};
  b.commit_ = 2;
  inv.after_step(1, 1, b, 20);
  // A new leader of term 2 that holds everything committed, then commits its own entry.
  b.role_ = raft::Role::kLeader;
  b.term_ = 2;
  b.log_ = {1, 1, 2};
  b.commit_ = 3;
  inv.after_step(1, 1, b, 30);
  EXPECT_EQ(inv.raft_violation(), "");
  EXPECT_EQ(inv.commits_checked(), 5u);
}

TEST(ClusterInvariants, TwoLeadersOfOneTermBreakElectionSafety) {
  ClusterInvariants inv(3, nullptr);
  FakeReplica a, b;
  a.role_ = b.role_ = raft::Role::kLeader;
  a.term_ = b.term_ = 4;
  inv.after_step(0, 1, a, 1'000'000);
  EXPECT_EQ(inv.raft_violation(), "");
  inv.after_step(0, 1, a, 2'000'000);  // the same leader again is fine
  EXPECT_EQ(inv.raft_violation(), "");
  inv.after_step(2, 1, b, 3'000'000);
  EXPECT_EQ(inv.raft_violation(), "at 3 ms: Election Safety: n1 and n3 were both leader of term 4");
}

TEST(ClusterInvariants, AnOverwrittenCommittedEntryBreaksStateMachineSafety) {
  ClusterInvariants inv(3, nullptr);
  FakeReplica a, b;
  a.log_ = {1, 2};
  a.commit_ = 2;
  inv.after_step(0, 1, a, 5'000'000);
  b.log_ = {1, 3};
  b.commit_ = 1;
  inv.after_step(1, 1, b, 6'000'000);
  EXPECT_EQ(inv.raft_violation(), "");  // index 2 not committed on b yet: no claim
  b.commit_ = 2;
  inv.after_step(1, 1, b, 7'000'000);
  EXPECT_EQ(inv.raft_violation(),
            "at 7 ms: State Machine Safety: n2 committed index 2 holding an entry of term 3, but "
            "n1 had committed index 2 "
            "with an entry of term 2 at 5 ms (a committed entry was overwritten)");
}

TEST(ClusterInvariants, ARestartedNodeIsCheckedFromTheStartOfItsLog) {
  ClusterInvariants inv(2, nullptr);
  FakeReplica a;
  a.log_ = {1, 1, 1};
  a.commit_ = 3;
  inv.after_step(0, 1, a, 0);
  // Incarnation 2 recovered a different log (say, a lost fsync) and commits it: caught even
  // though its commit index never went past what the first incarnation had checked.
  a.log_ = {1, 2, 2};
  inv.after_step(0, 2, a, 1'000'000);
  EXPECT_NE(inv.raft_violation().find("n1 committed index 2 holding an entry of term 2"),
            std::string::npos)
      << inv.raft_violation();
}

TEST(ClusterInvariants, ALeaderWithoutAnEntryCommittedInAnEarlierTermBreaksLeaderCompleteness) {
  ClusterInvariants inv(3, nullptr);
  FakeReplica a, c;
  a.role_ = raft::Role::kLeader;
  a.term_ = 2;
  a.log_ = {1, 2, 2};
  a.commit_ = 3;
  inv.after_step(0, 1, a, 1'000'000);
  c.role_ = raft::Role::kLeader;
  c.term_ = 3;
  c.log_ = {1, 2};  // one entry short: a vote granted to a log that was not up to date
  c.commit_ = 1;
  inv.after_step(2, 1, c, 2'000'000);
  EXPECT_EQ(inv.raft_violation(),
            "at 2 ms: Leader Completeness: n3 became leader of term 3 without index 3 of term 2, "
            "committed by n1 in "
            "term 2 at 1 ms (its log ends at 2)");
}

TEST(ClusterInvariants, AnEntryCommittedInTheNewLeadersOwnTermNeedNotBeInItsLog) {
  // An old leader of term 3 commits with acks its followers sent before they voted in term 4:
  // the leader of term 4 may lack that entry at its election (the paper's proof covers earlier
  // terms only).
  ClusterInvariants inv(3, nullptr);
  FakeReplica old_leader, next;
  old_leader.term_ = 4;  // it already moved to term 4 when the simulation sees the commit
  old_leader.log_ = {1, 3};
  old_leader.commit_ = 2;
  inv.after_step(0, 1, old_leader, 1);
  next.role_ = raft::Role::kLeader;
  next.term_ = 4;
  next.log_ = {1};
  inv.after_step(1, 1, next, 2);
  EXPECT_EQ(inv.raft_violation(), "");
}

TEST(ClusterInvariants, ALeaderCommitsOnlyWhatAMajorityHolds) {
  std::vector<FakeReplica> r(5);
  std::vector<bool> up(5, true);
  ClusterInvariants inv(5, [&](int i) -> const ReplicaView* {
    return up[static_cast<size_t>(i)] ? &r[static_cast<size_t>(i)] : nullptr;
  });
  FakeReplica& leader = r[0];
  leader.role_ = raft::Role::kLeader;
  leader.term_ = 3;
  leader.log_ = {1, 3, 3};
  r[1].log_ = {1, 3, 3};        // holds index 3
  r[2].first_ = 4;              // index 3 is in its snapshot
  r[3].log_ = {1, 2, 2, 2, 2};  // a stale tail of term 2: it does not hold (3, term 3)
  r[4].log_ = {1};              // behind
  leader.commit_ = 3;
  inv.after_step(0, 1, leader, 1'000'000);
  EXPECT_EQ(inv.raft_violation(), "");  // n1, n2 and n3's snapshot: 3 of 5
  r[2].first_ = 1;
  r[2].log_ = {1, 3, 3, 3};
  leader.log_.push_back(3);
  leader.commit_ = 4;
  up[1] = false;  // a node that is down counts as holding it (its disk is not looked at)
  inv.after_step(0, 1, leader, 2'000'000);
  EXPECT_EQ(inv.raft_violation(), "");
  up[1] = true;
  leader.log_.push_back(3);
  leader.commit_ = 5;
  inv.after_step(0, 1, leader, 3'000'000);
  EXPECT_EQ(inv.raft_violation(),
            "at 3 ms: commit on a majority: n1, leader of term 3, committed index 5 (an entry of "
            "term 3) held by 1 of 5 "
            "nodes (n2 has no entry there, n3 has no entry there, n4 holds term 2, n5 has no entry "
            "there)");
}

// A follower whose fsync has not returned holds in memory only what that fsync writes: a leader
// that counted it (an acknowledgement sent before the fsync) committed on memory a crash loses.
TEST(ClusterInvariants, AFollowerHoldsOnlyWhatItHasFsynced) {
  std::vector<FakeReplica> r(3);
  ClusterInvariants inv = watching(r);
  FakeReplica& leader = r[0];
  leader.role_ = raft::Role::kLeader;
  leader.term_ = 2;
  leader.log_ = {1, 2, 2};
  r[1].log_ = {1, 2, 2};
  r[1].durable_ = 2;  // index 3 is in the fsync it is still running
  r[2].log_ = {1};
  leader.commit_ = 2;
  inv.after_step(0, 1, leader, 1'000'000);
  EXPECT_EQ(inv.raft_violation(), "");  // index 2 is durable on n2: 2 of 3
  leader.commit_ = 3;
  inv.after_step(0, 1, leader, 2'000'000);
  EXPECT_EQ(inv.raft_violation(),
            "at 2 ms: commit on a majority: n1, leader of term 2, committed index 3 (an entry of "
            "term 2) held by 1 of 3 nodes (n2 holds it in memory only (its fsync had not "
            "returned), n3 has no entry there)");
}

// A vote counts once it is durable: granted from memory, a crash lets its node grant it again.
TEST(ClusterInvariants, ALeaderIsElectedOnVotesAMajorityHoldsOnDisk) {
  std::vector<FakeReplica> r(3);
  ClusterInvariants inv = watching(r);
  FakeReplica& leader = r[0];
  leader.role_ = raft::Role::kLeader;
  leader.term_ = 4;
  r[1].durable_vote_ = {4, 1};  // n2 voted for n1 and synced it
  r[2].durable_vote_ = {3, 3};
  inv.after_step(0, 1, leader, 1'000'000);
  EXPECT_EQ(inv.raft_violation(), "");  // n1 and n2: 2 of 3
  r[1].durable_vote_ = {6, raft::kNoNode};  // a later term counts: it cannot vote in term 5 again
  leader.term_ = 5;
  inv.after_step(0, 1, leader, 2'000'000);
  EXPECT_EQ(inv.raft_violation(), "");
  r[1].durable_vote_ = {7, raft::kNoNode};  // its vote for n1 in term 7 is in memory only
  r[2].durable_vote_ = {7, 3};
  leader.term_ = 7;
  inv.after_step(0, 1, leader, 3'000'000);
  EXPECT_EQ(inv.raft_violation(),
            "at 3 ms: election on a durable majority: n1 became leader of term 7 with durable votes "
            "or later terms on 1 of 3 nodes (n2 has term 7 with no vote on disk, n3 has term 7 with "
            "its vote for n3 on disk): a vote granted before it was synced, which a crash would let "
            "its node grant again");
}

// A read a leader confirms must cover every entry some node had committed when the read arrived.
TEST(ClusterInvariants, AReadConfirmedBelowAnEarlierCommitElsewhereIsStale) {
  std::vector<FakeReplica> r(3);
  ClusterInvariants inv = watching(r);
  FakeReplica& leader = r[0];
  leader.role_ = raft::Role::kLeader;
  leader.term_ = 2;
  leader.commit_ = 5;
  r[1].commit_ = 5;
  inv.after_step(0, 1, leader, 1'000'000, {node::ReadRound{"a", false, 0}});
  r[1].commit_ = 9;  // committed after read "a" arrived: "a" need not cover it
  inv.after_step(0, 1, leader, 2'000'000, {node::ReadRound{"b", false, 0}, node::ReadRound{"a", true, 5}});
  EXPECT_EQ(inv.raft_violation(), "");
  inv.after_step(0, 1, leader, 3'000'000, {node::ReadRound{"b", true, 5}});
  EXPECT_EQ(inv.raft_violation(),
            "at 3 ms: ReadIndex covers what was committed: n1, leader of term 2, confirmed a read at "
            "index 5, but n2 had committed index 9 when the read arrived at 2 ms (the read can miss "
            "writes that completed before it was sent)");
}

TEST(ClusterInvariants, AReadRoundIsForgottenWhenItsLeaderStepsDown) {
  std::vector<FakeReplica> r(3);
  ClusterInvariants inv = watching(r);
  FakeReplica& n1 = r[0];
  n1.role_ = raft::Role::kLeader;
  n1.term_ = 2;
  n1.commit_ = 5;
  r[2].commit_ = 8;
  inv.after_step(0, 1, n1, 1'000'000, {node::ReadRound{"a", false, 0}});
  n1.role_ = raft::Role::kFollower;  // Raft dropped the round
  inv.after_step(0, 1, n1, 2'000'000);
  n1.role_ = raft::Role::kLeader;
  n1.term_ = 3;
  n1.commit_ = 8;
  r[2].commit_ = 0;
  // The same context again (a new round after a restart numbers from 1 again): a new bound.
  inv.after_step(0, 1, n1, 3'000'000, {node::ReadRound{"a", false, 0}, node::ReadRound{"a", true, 8}});
  EXPECT_EQ(inv.raft_violation(), "");
}

TEST(ClusterInvariants, ALeaderCommitsAnEarlierTermsEntryOnlyWithOneOfItsOwnTerm) {
  ClusterInvariants inv(3, nullptr);
  FakeReplica a;
  a.log_ = {1, 2, 2};
  a.commit_ = 1;
  inv.after_step(0, 1, a, 1'000'000);  // a follower of term 2
  a.role_ = raft::Role::kLeader;
  a.term_ = 4;
  a.log_.push_back(4);  // its own no-op, index 4
  inv.after_step(0, 1, a, 2'000'000);
  a.commit_ = 4;  // indexes 2-3 (term 2) committed with its own entry: fine
  inv.after_step(0, 1, a, 3'000'000);
  EXPECT_EQ(inv.raft_violation(), "");

  ClusterInvariants other(3, nullptr);
  FakeReplica b;  // Figure 8: index 2 of term 2 committed by counting, before index 3 of term 4
  b.role_ = raft::Role::kLeader;
  b.term_ = 4;
  b.log_ = {1, 2, 4};
  b.commit_ = 1;
  other.after_step(1, 1, b, 4'000'000);
  b.commit_ = 2;
  other.after_step(1, 1, b, 5'000'000);
  EXPECT_EQ(other.raft_violation(),
            "at 5 ms: leader commits only its own term's entries: n2, leader of term 4, advanced "
            "its commit index from 1 to 2, an entry of term 2 (Raft commits an earlier term's "
            "entry only with one of the leader's own term after it: Figure 8 of the paper)");
}

TEST(ClusterInvariants, DigestsAreComparedByAppliedIndexAcrossTime) {
  ClusterInvariants inv(3, nullptr);
  FakeReplica a, b;
  a.applied_ = 10;
  a.digest_ = 111;
  inv.audit_state(0, a, 1'000'000);
  a.applied_ = 12;
  a.digest_ = 222;
  inv.audit_state(0, a, 2'000'000);
  b.applied_ = 10;
  b.digest_ = 111;
  inv.audit_state(1, b, 3'000'000);
  EXPECT_EQ(inv.divergence(), "");
  b.applied_ = 12;
  b.digest_ = 999;  // b reaches index 12 later, with another state
  inv.audit_state(1, b, 4'000'000);
  EXPECT_EQ(inv.divergence(),
            "at 4 ms n2 had applied the log through index 12 and held state digest 999, but n1 had "
            "held digest 222 "
            "at that index (2 ms)");
  EXPECT_EQ(inv.digests_compared(), 4u);
}

}  // namespace
}  // namespace sim
