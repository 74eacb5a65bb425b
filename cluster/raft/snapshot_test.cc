// Log compaction and InstallSnapshot (issue 6) in the simulation.
#include <gtest/gtest.h>

#include "cluster/raft/testing/seeds.h"

namespace raft::testing {
namespace {

SimOptions compacting(uint64_t seed) {
  SimOptions o = sim_options(3, seed);
  o.compact_every = 10;
  o.config.max_snapshot_chunk = 64;  // snapshots of a few KB travel in many chunks
  return o;
}

// Cuts follower `f` off while the others commit and compact well past its log.
Index leave_behind(Simulation& sim, NodeId f, uint64_t seed) {
  sim.disconnect(f);
  Index last = 0;
  for (int k = 0; k < 60; ++k) last = sim.one(label("x", seed * 1000 + k), 2, true);
  return last;
}

TEST(Snapshot, LaggingFollowerCatchesUpBySnapshot) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(compacting(seed));
    ASSERT_NE(sim.one("a", 3, true), 0u);
    const NodeId f = (sim.wait_leader(1) % 3) + 1;
    ASSERT_NE(leave_behind(sim, f, seed), 0u) << sim.failure();
    const NodeId leader = sim.wait_leader(1);
    ASSERT_GT(sim.node(leader)->first_index(), sim.node(f)->last_index() + 1)
        << "the leader must have compacted what the follower lacks";
    uint64_t chunks = 0;
    sim.on_send = [&](const Message& m) { chunks += m.type == MessageType::kSnapshot; };
    sim.connect(f);
    ASSERT_NE(sim.one("after", 3, true), 0u) << sim.failure();
    EXPECT_GT(chunks, 10u) << "expected a chunked InstallSnapshot";
    // Stop-and-wait with resends on heartbeat answers: little duplicate traffic on a clean network.
    const uint64_t needed = (sim.disk(leader).snapshot.data.size() + 63) / 64;
    EXPECT_LE(chunks, needed * 3 / 2 + 4) << "snapshot of " << needed << " chunks";
    EXPECT_GT(sim.node(f)->first_index(), 1u);
    EXPECT_TRUE(sim.ok()) << sim.failure();
  }
}

TEST(Snapshot, LostChunksAreResent) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(compacting(seed));
    ASSERT_NE(sim.one("a", 3, true), 0u);
    const NodeId f = (sim.wait_leader(1) % 3) + 1;
    ASSERT_NE(leave_behind(sim, f, seed), 0u) << sim.failure();
    uint64_t n = 0;
    sim.drop_if = [&](const Message& m) {
      return (m.type == MessageType::kSnapshot || m.type == MessageType::kSnapshotResponse) &&
             ++n % 4 == 0;
    };
    sim.connect(f);
    ASSERT_NE(sim.one("after", 3, true, 5000), 0u) << sim.failure();
  }
}

TEST(Snapshot, CrashDuringInstallRestartsCleanly) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(compacting(seed));
    ASSERT_NE(sim.one("a", 3, true), 0u);
    const NodeId f = (sim.wait_leader(1) % 3) + 1;
    ASSERT_NE(leave_behind(sim, f, seed), 0u) << sim.failure();
    uint64_t received = 0;
    const uint64_t crash_after = 3 + seed % 30;
    bool crashed = false;
    sim.on_deliver = [&](const Message& m) {
      if (m.to == f && m.type == MessageType::kSnapshot) ++received;
    };
    sim.connect(f);
    ASSERT_TRUE(sim.run_until([&] { return received >= crash_after || sim.n_applied(62) == 3; },
                              2000));
    if (received >= crash_after) {
      sim.crash(f, /*mid_ready=*/seed % 2 == 0);
      crashed = true;
    }
    sim.run(5);
    sim.restart(f);
    ASSERT_NE(sim.one("after", 3, true, 5000), 0u) << sim.failure();
    EXPECT_TRUE(crashed || sim.ok());
  }
}

TEST(Snapshot, RestartFromSnapshotAndLogTail) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(compacting(seed));
    for (int k = 0; k < 25; ++k) ASSERT_NE(sim.one(label("v", k), 3, true), 0u);
    for (NodeId id = 1; id <= 3; ++id) {
      ASSERT_GT(sim.disk(id).snapshot.index, 0u);
      sim.crash(id);
    }
    for (NodeId id = 1; id <= 3; ++id) {
      sim.restart(id);
      EXPECT_EQ(sim.node(id)->first_index(), sim.disk(id).snapshot.index + 1);
    }
    ASSERT_NE(sim.one("after", 3, true), 0u) << sim.failure();
  }
}

// The leader compacts again (a newer snapshot) while a many-chunk transfer to a follower is in
// flight. Before the fix the transfer restarted at offset 0 with the new image on every
// compaction, so a follower whose transfer takes longer than the leader needs to fill
// compact_every entries never caught up while writes went on (found by the simulation with
// max_snapshot_chunk: 100). Now the transfer finishes with the image it started with.
TEST(Snapshot, FollowerCatchesUpWhileTheLeaderKeepsCompacting) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    SimOptions o = compacting(seed);
    o.config.max_snapshot_chunk = 16;  // a transfer of a few hundred chunks
    Simulation sim(o);
    ASSERT_NE(sim.one("a", 3, true), 0u);
    const NodeId f = (sim.wait_leader(1) % 3) + 1;
    ASSERT_NE(leave_behind(sim, f, seed), 0u) << sim.failure();
    const Index behind = sim.node(f)->last_index();
    sim.connect(f);
    // Writes go on, committed by the other two: the leader compacts every 10 entries.
    uint64_t installs_before = sim.snapshots_installed();
    for (int k = 0; k < 300 && sim.snapshots_installed() == installs_before; ++k) {
      ASSERT_NE(sim.one(label("y", seed * 1000 + k), 2, true), 0u) << sim.failure();
    }
    EXPECT_GT(sim.snapshots_installed(), installs_before)
        << "the follower never installed a snapshot while the leader compacted";
    EXPECT_GT(sim.node(f)->first_index(), behind + 1);
    EXPECT_TRUE(sim.ok()) << sim.failure();
  }
}

// A snapshot of a few hundred chunks over links with a delay of 2 ticks each way: one chunk per
// round trip (the transfer before it was pipelined) needs at least 4 ticks per chunk; pipelined,
// the whole transfer takes far fewer ticks than it has chunks.
TEST(Snapshot, ChunksArePipelined) {
  for (uint64_t seed : test_seeds(10)) {
    SCOPED_TRACE(seed_trace(seed));
    SimOptions o = compacting(seed);
    o.config.max_snapshot_chunk = 8;
    Simulation sim(o);
    ASSERT_NE(sim.one("a", 3, true), 0u);
    const NodeId f = (sim.wait_leader(1) % 3) + 1;
    ASSERT_NE(leave_behind(sim, f, seed), 0u) << sim.failure();
    const NodeId leader = sim.wait_leader(1);
    const uint64_t chunks = (sim.disk(leader).snapshot.data.size() + 7) / 8;
    ASSERT_GT(chunks, 100u);
    for (NodeId a = 1; a <= 3; ++a)
      for (NodeId b = 1; b <= 3; ++b)
        if (a != b) sim.set_link_delay(a, b, 2);
    const uint64_t installs = sim.snapshots_installed();
    sim.connect(f);
    const int max_ticks = static_cast<int>(chunks / 2);
    EXPECT_TRUE(sim.run_until([&] { return sim.snapshots_installed() > installs; }, max_ticks))
        << "a snapshot of " << chunks << " chunks was not installed within " << max_ticks << " ticks";
    EXPECT_TRUE(sim.ok()) << sim.failure();
  }
}

}  // namespace
}  // namespace raft::testing
