// Elections in the simulation: initial election, re-election, churn, PreVote, CheckQuorum.
#include <gtest/gtest.h>

#include "cluster/raft/testing/seeds.h"

namespace raft::testing {
namespace {

SimOptions options(int nodes, uint64_t seed) { return sim_options(nodes, seed); }

TEST(Election, InitialElectionPicksOneLeaderAndKeepsIt) {
  for (uint64_t seed : test_seeds(30)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(options(3, seed));
    NodeId leader = sim.wait_leader(200);
    ASSERT_NE(leader, kNoNode) << sim.failure();
    const Term term = sim.node(leader)->term();
    // With nothing failing, the term and leader stay put.
    sim.run(300);
    ASSERT_TRUE(sim.ok()) << sim.failure();
    EXPECT_EQ(sim.leaders(), std::vector<NodeId>{leader});
    EXPECT_EQ(sim.node(leader)->term(), term);
    for (NodeId id = 1; id <= 3; ++id) EXPECT_EQ(sim.node(id)->leader(), leader);
  }
}

TEST(Election, ReElectionAfterLeaderFailure) {
  for (uint64_t seed : test_seeds(30)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(options(3, seed));
    NodeId l1 = sim.wait_leader(200);
    ASSERT_NE(l1, kNoNode);
    sim.disconnect(l1);
    NodeId l2 = sim.wait_leader(200);
    // The old leader still thinks it leads until CheckQuorum; wait for a connected one.
    ASSERT_TRUE(sim.run_until([&] {
      l2 = sim.wait_leader(1);
      return l2 != kNoNode && l2 != l1;
    }, 200)) << sim.failure();
    // The old leader rejoins: there is still exactly one leader, at the newest term.
    sim.connect(l1);
    sim.run(100);
    ASSERT_TRUE(sim.ok()) << sim.failure();
    EXPECT_EQ(sim.leaders().size(), 1u);
    // No quorum: no leader.
    const NodeId other = (l2 % 3) + 1;
    sim.disconnect(l2);
    sim.disconnect(other);
    sim.run(200);
    for (NodeId id = 1; id <= 3; ++id) {
      if (sim.is_connected(id)) {
        EXPECT_NE(sim.node(id)->role(), Role::kLeader);
      }
    }
    sim.connect(other);
    EXPECT_NE(sim.wait_leader(300), kNoNode);
    sim.connect(l2);
    sim.run(50);
    EXPECT_TRUE(sim.ok()) << sim.failure();
    EXPECT_EQ(sim.leaders().size(), 1u);
  }
}

TEST(Election, ManyElectionsUnderDisconnectChurn) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(options(7, seed));
    ASSERT_NE(sim.wait_leader(300), kNoNode);
    for (int iter = 0; iter < 10; ++iter) {
      // Disconnect three random nodes: four remain, a majority of seven.
      std::vector<NodeId> down;
      while (down.size() < 3) {
        NodeId id = sim.rng().uniform(1, 7);
        if (std::find(down.begin(), down.end(), id) == down.end()) down.push_back(id);
      }
      for (NodeId id : down) sim.disconnect(id);
      NodeId l = kNoNode;
      ASSERT_TRUE(sim.run_until([&] {
        l = sim.wait_leader(1);
        return l != kNoNode && std::find(down.begin(), down.end(), l) == down.end();
      }, 400)) << "iter " << iter << " " << sim.failure();
      for (NodeId id : down) sim.connect(id);
    }
    sim.run(100);
    EXPECT_TRUE(sim.ok()) << sim.failure();
    EXPECT_EQ(sim.leaders().size(), 1u);
  }
}

TEST(Election, PreVoteKeepsRejoiningNodeFromDisturbingLeader) {
  for (uint64_t seed : test_seeds(30)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(options(5, seed));
    NodeId leader = sim.wait_leader(300);
    ASSERT_NE(leader, kNoNode);
    sim.run(20);
    const Term term = sim.node(leader)->term();
    const NodeId loner = (leader % 5) + 1;
    sim.disconnect(loner);
    sim.run(300);  // the loner times out many times over, but only pre-votes
    EXPECT_EQ(sim.node(loner)->term(), term) << "pre-vote must not raise the term";
    sim.connect(loner);
    sim.run(100);
    ASSERT_TRUE(sim.ok()) << sim.failure();
    EXPECT_EQ(sim.leaders(), std::vector<NodeId>{leader});
    EXPECT_EQ(sim.node(leader)->term(), term);
    EXPECT_EQ(sim.node(loner)->leader(), leader);
  }
}

TEST(Election, WithoutPreVoteARejoiningNodeDisruptsTheTerm) {
  // The control experiment for the test above: it shows what PreVote protects against.
  SimOptions o = options(5, 7);
  o.config.pre_vote = false;
  o.config.check_quorum = false;
  Simulation sim(o);
  NodeId leader = sim.wait_leader(300);
  ASSERT_NE(leader, kNoNode);
  const Term term = sim.node(leader)->term();
  const NodeId loner = (leader % 5) + 1;
  sim.disconnect(loner);
  sim.run(300);
  EXPECT_GT(sim.node(loner)->term(), term + 3);
  sim.connect(loner);
  sim.run(200);
  ASSERT_TRUE(sim.ok()) << sim.failure();
  NodeId now_leader = sim.wait_leader(300);
  ASSERT_NE(now_leader, kNoNode);
  EXPECT_GT(sim.node(now_leader)->term(), term);
}

TEST(Election, CheckQuorumStepsDownIsolatedLeaderWithinElectionTimeout) {
  for (uint64_t seed : test_seeds(30)) {
    SCOPED_TRACE(seed_trace(seed));
    SimOptions o = options(3, seed);
    Simulation sim(o);
    NodeId leader = sim.wait_leader(300);
    ASSERT_NE(leader, kNoNode);
    sim.run(10);
    sim.disconnect(leader);
    const uint64_t cut = sim.now();
    ASSERT_TRUE(sim.run_until([&] { return sim.node(leader)->role() != Role::kLeader; }, 1000));
    // It notices at the end of the CheckQuorum window that began before the cut, so within two
    // minimum election timeouts of the cut.
    EXPECT_LE(sim.now() - cut, 2u * o.config.election_tick_min);
    EXPECT_TRUE(sim.ok()) << sim.failure();
  }
}

TEST(Election, LeaderLeaseIgnoresVotesWhileLeaderIsHealthy) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(options(3, seed));
    NodeId leader = sim.wait_leader(300);
    ASSERT_NE(leader, kNoNode);
    sim.run(5);
    const Term term = sim.node(leader)->term();
    // A follower that cannot hear the leader, but can reach the other follower, campaigns; the
    // other follower still hears the leader and ignores it.
    const NodeId f = (leader % 3) + 1;
    sim.set_link(leader, f, false);
    sim.set_link(f, leader, false);
    sim.run(200);
    ASSERT_TRUE(sim.ok()) << sim.failure();
    EXPECT_EQ(sim.leaders(), std::vector<NodeId>{leader});
    EXPECT_EQ(sim.node(leader)->term(), term);
  }
}

TEST(Election, SingleNodeElectsItself) {
  Simulation sim(options(1, 1));
  EXPECT_EQ(sim.wait_leader(100), 1u);
  EXPECT_NE(sim.one("x", 1, false), 0u) << sim.failure();
}

}  // namespace
}  // namespace raft::testing
