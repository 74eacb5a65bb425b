// Crashes with restart from the persisted state, Figure 8, unreliable networks and churn.
#include <gtest/gtest.h>

#include "cluster/raft/testing/seeds.h"

namespace raft::testing {
namespace {

std::string cmd(int k) {
  std::string s = "v";
  s += std::to_string(k);
  return s;
}

TEST(Persistence, StateSurvivesCrashesOfEveryNode) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(sim_options(3, seed));
    ASSERT_NE(sim.one(cmd(11), 3, true), 0u);
    for (NodeId id = 1; id <= 3; ++id) sim.crash(id);
    for (NodeId id = 1; id <= 3; ++id) sim.restart(id);
    ASSERT_NE(sim.one(cmd(12), 3, true), 0u) << sim.failure();
    NodeId l = sim.wait_leader(1);
    sim.crash(l);
    sim.restart(l);
    ASSERT_NE(sim.one(cmd(13), 3, true), 0u) << sim.failure();
    l = sim.wait_leader(1);
    sim.crash(l);
    ASSERT_NE(sim.one(cmd(14), 2, true), 0u) << sim.failure();
    sim.restart(l);
    const NodeId f = (sim.wait_leader(300) % 3) + 1;
    sim.crash(f);
    ASSERT_NE(sim.one(cmd(15), 2, true), 0u) << sim.failure();
    sim.restart(f);
    ASSERT_NE(sim.one(cmd(16), 3, true), 0u) << sim.failure();
    // Every node re-applied the whole history after its restart, identically (checked).
    for (NodeId id = 1; id <= 3; ++id) EXPECT_GE(sim.applied(id).size(), 6u);
  }
}

TEST(Persistence, CrashesMidReadyLoseOnlyUnpersistedState) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(sim_options(5, seed));
    int k = 0;
    for (int iter = 0; iter < 30; ++iter) {
      NodeId l = sim.wait_leader(300);
      if (l != kNoNode) {
        sim.node(l)->propose(cmd(k++));
        sim.node(l)->propose(cmd(k++));
      }
      sim.run(static_cast<int>(sim.rng().uniform(0, 12)));
      // Crash a random node in the middle of a Ready (messages out, nothing written).
      NodeId victim = sim.rng().uniform(1, 5);
      sim.crash(victim, /*mid_ready=*/true);
      sim.run(static_cast<int>(sim.rng().uniform(0, 12)));
      sim.restart(victim);
      ASSERT_TRUE(sim.ok()) << sim.failure();
    }
    ASSERT_NE(sim.one(cmd(1000), 5, true), 0u) << sim.failure();
  }
}

TEST(Persistence, RestartedNodeRecoversItsDurableStateExactly) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(sim_options(3, seed));
    for (int k = 0; k < 5; ++k) ASSERT_NE(sim.one(cmd(k), 3, true), 0u);
    const NodeId id = (sim.wait_leader(1) % 3) + 1;
    const HardState hs = sim.node(id)->hard_state();
    const Index last = sim.node(id)->last_index();
    sim.crash(id);
    sim.restart(id);
    EXPECT_EQ(sim.node(id)->term(), hs.term);
    EXPECT_EQ(sim.node(id)->hard_state().vote, hs.vote);
    EXPECT_EQ(sim.node(id)->last_index(), last);
    EXPECT_EQ(sim.node(id)->commit_index(), sim.disk(id).hard_state.commit);
    EXPECT_EQ(sim.node(id)->role(), Role::kFollower);
  }
}

// Figure 8 of the Raft paper: leaders come and go before their entries commit; an entry of an
// earlier term must never be committed by counting replicas, only under a current-term entry.
void figure8(uint64_t seed, bool unreliable, int iterations, int compact_every = 0) {
  SimOptions o = sim_options(5, seed);
  o.compact_every = compact_every;
  o.config.max_snapshot_chunk = 100;
  if (unreliable) {
    o.net.drop = 0.1;
    o.net.max_delay = 3;
    o.net.long_delay = 0.1;
  }
  Simulation sim(o);
  ASSERT_NE(sim.one(cmd(0), 1, true), 0u) << sim.failure();
  int up = 5;
  for (int iter = 0; iter < iterations && sim.ok(); ++iter) {
    NodeId leader = kNoNode;
    for (NodeId id = 1; id <= 5; ++id) {
      if (sim.is_up(id) && sim.node(id)->propose(cmd(iter + 1)).accepted) leader = id;
    }
    if (sim.rng().chance(0.1)) {
      sim.run(static_cast<int>(sim.rng().uniform(0, 2 * o.config.election_tick_max)));
    } else {
      sim.run(static_cast<int>(sim.rng().uniform(0, 6)));
    }
    if (leader != kNoNode && sim.is_up(leader)) {
      sim.crash(leader, sim.rng().chance(0.5));
      --up;
    }
    if (up < 3) {
      NodeId id = sim.rng().uniform(1, 5);
      if (!sim.is_up(id)) {
        sim.restart(id);
        ++up;
      }
    }
  }
  for (NodeId id = 1; id <= 5; ++id) sim.restart(id);
  sim.set_network(NetworkOptions{});
  ASSERT_NE(sim.one(cmd(100000), 5, true, 5000), 0u) << sim.failure();
}

TEST(Persistence, Figure8) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    figure8(seed, false, 300);
  }
}

TEST(Persistence, Figure8Unreliable) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    figure8(seed, true, 300);
  }
}

TEST(Persistence, UnreliableAgreement) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    SimOptions o = sim_options(5, seed);
    o.net.drop = 0.1;
    o.net.max_delay = 3;
    o.net.long_delay = 0.05;
    Simulation sim(o);
    for (int k = 0; k < 30; ++k) {
      // Several concurrent "clients" on whatever node leads.
      for (int c = 0; c < 4; ++c) {
        for (NodeId id = 1; id <= 5; ++id) sim.node(id)->propose(cmd(k * 10 + c));
      }
      ASSERT_NE(sim.one(cmd(k * 10 + 9), 1, true), 0u) << sim.failure();
    }
    sim.set_network(NetworkOptions{});
    ASSERT_NE(sim.one(cmd(99999), 5, true), 0u) << sim.failure();
  }
}

// Crashes, restarts, partitions and a lossy network at once, with proposals throughout. The
// safety checker runs after every step; at the end the healed cluster must agree again.
uint64_t churn(uint64_t seed, bool unreliable, int compact_every = 0) {
  SimOptions o = sim_options(5, seed);
  o.compact_every = compact_every;
  o.config.max_snapshot_chunk = 100;
  if (unreliable) {
    o.net.drop = 0.1;
    o.net.max_delay = 3;
    o.net.long_delay = 0.05;
  }
  Simulation sim(o);
  int k = 0;
  for (int tick = 0; tick < 1500 && sim.ok(); ++tick) {
    // Proposals arrive at random nodes (only leaders accept them).
    if (sim.rng().chance(0.3)) {
      NodeId id = sim.rng().uniform(1, 5);
      if (sim.is_up(id)) sim.node(id)->propose(cmd(k++));
    }
    const double r = sim.rng().next_double();
    NodeId id = sim.rng().uniform(1, 5);
    if (r < 0.006) {
      sim.crash(id, sim.rng().chance(0.5));
    } else if (r < 0.03) {
      sim.restart(id);
    } else if (r < 0.036) {
      sim.disconnect(id);
    } else if (r < 0.06) {
      sim.connect(id);
    } else if (r < 0.065) {
      sim.partition({{1, 2}, {3, 4, 5}});
    } else if (r < 0.07) {
      sim.heal();
    }
    sim.step();
  }
  EXPECT_TRUE(sim.ok()) << sim.failure();
  sim.heal();
  for (NodeId id = 1; id <= 5; ++id) sim.restart(id);
  sim.set_network(NetworkOptions{});
  EXPECT_NE(sim.one(cmd(1 << 30), 5, true, 5000), 0u) << sim.failure();
  // A sanity check that proposals got through at all (some schedules leave no majority for long).
  EXPECT_GT(sim.checker().max_applied(), 3u) << "churn made no progress at all";
  return sim.snapshots_installed();
}

TEST(Persistence, ReliableChurn) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    churn(seed, false);
  }
}

TEST(Persistence, UnreliableChurn) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    churn(seed, true);
  }
}

TEST(Persistence, UnreliableChurnWithCompaction) {
  uint64_t installs = 0;
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    installs += churn(seed, true, 7);
  }
  EXPECT_GT(installs, 0u) << "no follower ever needed a snapshot: the test lost its point";
}

TEST(Persistence, Figure8UnreliableWithCompaction) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    figure8(seed, true, 300, 5);
  }
}

}  // namespace
}  // namespace raft::testing
