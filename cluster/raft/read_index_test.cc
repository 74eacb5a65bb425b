// ReadIndex (Raft paper, Section 8) in the simulation.
#include <gtest/gtest.h>

#include <map>

#include "cluster/raft/testing/seeds.h"

namespace raft::testing {
namespace {

bool released(Simulation& sim, NodeId id, const std::string& ctx, Index* index = nullptr) {
  if (!sim.is_up(id)) return false;
  for (const ReadState& rs : sim.read_states(id)) {
    if (rs.context == ctx) {
      if (index != nullptr) *index = rs.index;
      return true;
    }
  }
  return false;
}

TEST(ReadIndex, ReleasedOnlyAfterAMajorityAnswersTheHeartbeatRound) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(sim_options(5, seed));
    ASSERT_NE(sim.one("a", 5, true), 0u);
    const NodeId leader = sim.wait_leader(1);
    const Index commit = sim.node(leader)->commit_index();
    // Count the distinct followers whose heartbeat answers carrying a context reached the leader.
    std::set<NodeId> answered;
    bool blocked = true;
    sim.drop_if = [&](const Message& m) {
      return blocked && m.type == MessageType::kHeartbeatResponse && m.to == leader;
    };
    sim.on_deliver = [&](const Message& m) {
      if (m.type == MessageType::kHeartbeatResponse && m.to == leader && !m.context.empty()) {
        answered.insert(m.from);
      }
    };
    ASSERT_TRUE(sim.node(leader)->read_index("r1"));
    sim.flush(leader);
    sim.run(8);  // several heartbeat rounds, all answers lost
    EXPECT_FALSE(released(sim, leader, "r1"));
    blocked = false;
    Index index = 0;
    ASSERT_TRUE(sim.run_until([&] { return released(sim, leader, "r1", &index); }, 50));
    EXPECT_GE(answered.size(), 2u) << "released before a majority (with the leader) answered";
    EXPECT_GE(index, commit);
    EXPECT_TRUE(sim.ok()) << sim.failure();
  }
}

TEST(ReadIndex, DeposedLeaderNeverReleasesAPendingRead) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(sim_options(3, seed));
    ASSERT_NE(sim.one("a", 3, true), 0u);
    const NodeId old = sim.wait_leader(1);
    sim.disconnect(old);
    ASSERT_TRUE(sim.node(old)->read_index("stale"));  // it still believes it leads
    sim.flush(old);
    // The others elect a new leader and commit a write the stale read must not miss.
    ASSERT_NE(sim.one("b", 2, true), 0u) << sim.failure();
    sim.connect(old);
    sim.run(100);
    EXPECT_FALSE(released(sim, old, "stale"));
    EXPECT_NE(sim.node(old)->role(), Role::kLeader);
    EXPECT_TRUE(sim.ok()) << sim.failure();
  }
}

TEST(ReadIndex, WaitsForTheLeadersFirstCommitInItsTerm) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(sim_options(3, seed));
    ASSERT_NE(sim.one("a", 3, true), 0u);
    const NodeId l1 = sim.wait_leader(1);
    // Append answers are lost: a new leader can be elected but cannot commit its no-op.
    bool block = true;
    sim.drop_if = [&](const Message& m) {
      return block && m.type == MessageType::kAppendResponse;
    };
    sim.disconnect(l1);
    NodeId l2 = kNoNode;
    ASSERT_TRUE(sim.run_until([&] {
      for (NodeId id = 1; id <= 3; ++id) {
        if (id != l1 && sim.node(id)->role() == Role::kLeader) l2 = id;
      }
      return l2 != kNoNode;
    }, 500));
    ASSERT_TRUE(sim.node(l2)->read_index("early"));
    sim.flush(l2);
    sim.run(30);
    EXPECT_FALSE(released(sim, l2, "early")) << "released before the no-op committed";
    block = false;
    Index index = 0;
    ASSERT_TRUE(sim.run_until([&] { return released(sim, l2, "early", &index); }, 100))
        << sim.failure();
    // The read index covers the new leader's no-op (and so everything committed before it).
    EXPECT_EQ(sim.node(l2)->term(), sim.disk(l2).entries.at(index - 1).term);
  }
}

TEST(ReadIndex, ManyReadsShareOneHeartbeatRound) {
  Simulation sim(sim_options(3, 1));
  ASSERT_NE(sim.one("a", 3, true), 0u);
  const NodeId leader = sim.wait_leader(1);
  sim.run(1);
  uint64_t ctx_heartbeats = 0;
  sim.on_send = [&](const Message& m) {
    if (m.type == MessageType::kHeartbeat && !m.context.empty()) ++ctx_heartbeats;
  };
  for (int k = 0; k < 10; ++k) ASSERT_TRUE(sim.node(leader)->read_index(label("r", k)));
  sim.flush(leader);
  EXPECT_EQ(ctx_heartbeats, 2u) << "one heartbeat per follower for ten reads";
  ASSERT_TRUE(sim.run_until([&] { return sim.read_states(leader).size() == 10; }, 20));
  for (const ReadState& rs : sim.read_states(leader)) EXPECT_EQ(rs.index, 2u);
}

TEST(ReadIndex, SingleNodeReleasesAtOnce) {
  Simulation sim(sim_options(1, 1));
  ASSERT_NE(sim.one("a", 1, true), 0u);
  ASSERT_TRUE(sim.node(1)->read_index("r"));
  sim.flush(1);
  ASSERT_EQ(sim.read_states(1).size(), 1u);
  EXPECT_EQ(sim.read_states(1)[0].index, sim.node(1)->commit_index());
}

TEST(ReadIndex, FollowerRefuses) {
  Simulation sim(sim_options(3, 1));
  const NodeId leader = sim.wait_leader(300);
  ASSERT_NE(leader, kNoNode);
  EXPECT_FALSE(sim.node((leader % 3) + 1)->read_index("r"));
}

// Under churn, every released read must cover every write committed anywhere before the read
// was requested (the linearizability condition for ReadIndex).
TEST(ReadIndex, ReleasedReadsAreLinearizableUnderChurn) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    SimOptions o = sim_options(5, seed);
    o.net.drop = 0.05;
    o.net.max_delay = 3;
    Simulation sim(o);
    std::map<std::string, Index> committed_before;  // read context -> max commit at request
    size_t checked = 0;
    std::map<NodeId, size_t> seen;  // read states already checked, per node incarnation
    int k = 0;
    for (int tick = 0; tick < 1500 && sim.ok(); ++tick) {
      Index max_commit = sim.checker().max_applied();
      for (NodeId id = 1; id <= 5; ++id) {
        if (sim.is_up(id)) max_commit = std::max(max_commit, sim.node(id)->commit_index());
      }
      NodeId id = sim.rng().uniform(1, 5);
      if (sim.is_up(id)) {
        if (sim.rng().chance(0.3)) sim.node(id)->propose(label("w", k++));
        std::string ctx = label("q", k++);
        if (sim.node(id)->read_index(ctx)) committed_before[ctx] = max_commit;
      }
      const double r = sim.rng().next_double();
      NodeId victim = sim.rng().uniform(1, 5);
      if (r < 0.006) {
        sim.crash(victim);
      } else if (r < 0.03) {
        sim.restart(victim);
      } else if (r < 0.036) {
        sim.disconnect(victim);
      } else if (r < 0.06) {
        sim.connect(victim);
      }
      sim.step();
      for (NodeId n = 1; n <= 5; ++n) {
        if (!sim.is_up(n)) continue;
        const auto& states = sim.read_states(n);
        if (states.size() < seen[n]) seen[n] = 0;  // restarted
        for (; seen[n] < states.size(); ++seen[n]) {
          const ReadState& rs = states[seen[n]];
          auto it = committed_before.find(rs.context);
          ASSERT_NE(it, committed_before.end());
          ASSERT_GE(rs.index, it->second) << "read " << rs.context << " misses a committed write";
          committed_before.erase(it);
          ++checked;
        }
      }
    }
    ASSERT_TRUE(sim.ok()) << sim.failure();
    EXPECT_GT(checked, 20u);
  }
}

}  // namespace
}  // namespace raft::testing
