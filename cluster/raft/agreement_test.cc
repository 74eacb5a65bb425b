// Log replication in the simulation: agreement, failures, back-up, message counts, pipelining.
#include <gtest/gtest.h>

#include <map>

#include "cluster/raft/testing/seeds.h"

namespace raft::testing {
namespace {

std::string cmd(uint64_t seed, int k) {
  std::string s = "c";
  s += std::to_string(seed);
  s += '-';
  s += std::to_string(k);
  return s;
}

TEST(Agreement, BasicAgreementOnEveryNode) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(sim_options(5, seed));
    ASSERT_NE(sim.wait_leader(300), kNoNode);
    Index prev = 0;
    for (int k = 0; k < 10; ++k) {
      std::string data;
      ASSERT_EQ(sim.n_applied(prev + 2, &data), 0) << "applied before proposed";
      Index index = sim.one(cmd(seed, k), 5, false);
      ASSERT_NE(index, 0u) << sim.failure();
      EXPECT_GT(index, prev);
      prev = index;
    }
    ASSERT_TRUE(sim.ok()) << sim.failure();
  }
}

TEST(Agreement, DespiteFailedFollower) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(sim_options(3, seed));
    NodeId leader = sim.wait_leader(300);
    ASSERT_NE(sim.one(cmd(seed, 1), 3, false), 0u);
    const NodeId f = (leader % 3) + 1;
    sim.disconnect(f);
    ASSERT_NE(sim.one(cmd(seed, 2), 2, false), 0u) << sim.failure();
    ASSERT_NE(sim.one(cmd(seed, 3), 2, true), 0u) << sim.failure();
    sim.connect(f);
    ASSERT_NE(sim.one(cmd(seed, 4), 3, true), 0u) << sim.failure();
    ASSERT_NE(sim.one(cmd(seed, 5), 3, true), 0u) << sim.failure();
    ASSERT_TRUE(sim.ok()) << sim.failure();
  }
}

TEST(Agreement, NoAgreementWithoutMajority) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(sim_options(5, seed));
    ASSERT_NE(sim.one(cmd(seed, 1), 5, true), 0u) << sim.failure();
    NodeId leader = sim.wait_leader(10);
    ASSERT_NE(leader, kNoNode);
    for (NodeId k = 1; k <= 3; ++k) sim.disconnect(((leader + k - 1) % 5) + 1);
    auto r = sim.node(leader)->propose(cmd(seed, 2));
    ASSERT_TRUE(r.accepted);
    sim.flush(leader);
    sim.run(100);
    EXPECT_EQ(sim.n_applied(r.index), 0) << "committed without a majority";
    sim.heal();
    // The uncommitted entry may be replaced by a new leader or committed; either way the cluster
    // agrees again.
    ASSERT_NE(sim.one(cmd(seed, 3), 5, true), 0u) << sim.failure();
    ASSERT_TRUE(sim.ok()) << sim.failure();
  }
}

TEST(Agreement, ConcurrentProposalsAllCommitInOrder) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(sim_options(3, seed));
    NodeId leader = sim.wait_leader(300);
    ASSERT_NE(sim.one(cmd(seed, 0), 3, false), 0u);
    leader = sim.wait_leader(1);
    std::map<Index, std::string> proposed;
    for (int k = 1; k <= 20; ++k) {
      auto r = sim.node(leader)->propose(cmd(seed, k));
      ASSERT_TRUE(r.accepted);
      proposed[r.index] = cmd(seed, k);
    }
    ASSERT_EQ(proposed.size(), 20u) << "indexes must be distinct";
    const Index last = proposed.rbegin()->first;
    ASSERT_TRUE(sim.run_until([&] { return sim.n_applied(last) == 3; }, 200)) << sim.failure();
    for (auto& [index, data] : proposed) {
      std::string got;
      EXPECT_EQ(sim.n_applied(index, &got), 3);
      EXPECT_EQ(got, data);
    }
  }
}

TEST(Agreement, PartitionedLeaderRejoinsAndItsUncommittedEntriesAreReplaced) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(sim_options(3, seed));
    ASSERT_NE(sim.one("101", 3, true), 0u);
    NodeId l1 = sim.wait_leader(1);
    sim.disconnect(l1);
    for (int k = 0; k < 3; ++k) sim.node(l1)->propose(label("stale", k));
    sim.flush(l1);
    ASSERT_NE(sim.one("103", 2, true), 0u) << sim.failure();
    NodeId l2 = sim.wait_leader(1);
    ASSERT_NE(l2, l1);
    sim.disconnect(l2);
    sim.connect(l1);
    ASSERT_NE(sim.one("104", 2, true), 0u) << sim.failure();
    sim.connect(l2);
    ASSERT_NE(sim.one("105", 3, true), 0u) << sim.failure();
    for (NodeId id = 1; id <= 3; ++id) {
      for (const Entry& e : sim.applied(id)) EXPECT_NE(e.data.rfind("stale", 0), 0u) << e.data;
    }
  }
}

// The classic "backup" test: a long divergent tail must be repaired with a bounded number of
// append round trips thanks to the conflict-term hints.
TEST(Agreement, FastBackupOverLongDivergentLogs) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(sim_options(5, seed));
    ASSERT_NE(sim.one(cmd(seed, 0), 5, true), 0u);
    NodeId l1 = sim.wait_leader(1);
    // Old leader + one follower, cut off, accumulate 50 uncommitted entries.
    NodeId a = (l1 % 5) + 1, b = (a % 5) + 1, c = (b % 5) + 1, d = (c % 5) + 1;
    sim.partition({{l1, a}, {b, c, d}});
    for (int k = 0; k < 50; ++k) sim.node(l1)->propose(label("lost", k));
    sim.flush(l1);
    sim.run(5);
    // The majority side commits 50 entries.
    for (int k = 0; k < 50; ++k) ASSERT_NE(sim.one(cmd(seed, 100 + k), 3, true), 0u);
    NodeId l2 = sim.wait_leader(1);
    NodeId other = (l2 == b) ? c : b;
    // l2 and one follower accumulate 50 more uncommitted entries.
    std::vector<NodeId> maj{b, c, d};
    std::vector<NodeId> rest;
    for (NodeId id : maj) {
      if (id != l2 && id != other) rest.push_back(id);
    }
    sim.partition({{l2, other}, {l1, a, rest[0]}});
    for (int k = 0; k < 50; ++k) sim.node(l2)->propose(label("lost2-", k));
    sim.flush(l2);
    sim.run(5);
    // The old partition (l1, a) plus rest[0] elect a leader and commit 50 entries.
    for (int k = 0; k < 50; ++k) ASSERT_NE(sim.one(cmd(seed, 200 + k), 3, true), 0u);
    // Re-elect within that group so the leader starts every follower at its (long) last index:
    // l2 and `other` then hold 50 conflicting entries just below it.
    const NodeId l3 = sim.wait_leader(1);
    sim.crash(l3);
    sim.restart(l3);
    ASSERT_NE(sim.one(cmd(seed, 299), 3, true), 0u) << sim.failure();
    // Everyone together: count rejected appends during the repair.
    uint64_t rejects = 0;
    sim.on_send = [&](const Message& m) {
      if (m.type == MessageType::kAppendResponse && m.reject) ++rejects;
    };
    sim.heal();
    ASSERT_NE(sim.one(cmd(seed, 300), 5, true), 0u) << sim.failure();
    // Each divergent follower needs a probe per distinct conflicting term, not one per entry
    // (which would take over 100 rejects here).
    EXPECT_LE(rejects, 16u);
    EXPECT_GE(rejects, 2u) << "the scenario did not produce divergent followers";
    ASSERT_TRUE(sim.ok()) << sim.failure();
  }
}

TEST(Agreement, MessageCountsAreBounded) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(sim_options(3, seed));
    ASSERT_NE(sim.wait_leader(300), kNoNode);
    // An election, split votes included, stays small (pre-vote + vote + first appends).
    EXPECT_LE(sim.messages_sent(), 60u) << "election used too many messages";
    ASSERT_NE(sim.one(cmd(seed, 0), 3, true), 0u);
    NodeId leader = sim.wait_leader(1);
    sim.run(5);
    const uint64_t before_appends =
        sim.messages_sent(MessageType::kAppend) + sim.messages_sent(MessageType::kAppendResponse);
    std::vector<Index> idx;
    for (int k = 1; k <= 10; ++k) {
      auto r = sim.node(leader)->propose(cmd(seed, k));
      ASSERT_TRUE(r.accepted);
      idx.push_back(r.index);
      sim.flush(leader);
    }
    ASSERT_TRUE(sim.run_until([&] { return sim.n_applied(idx.back()) == 3; }, 100));
    const uint64_t appends = sim.messages_sent(MessageType::kAppend) +
                             sim.messages_sent(MessageType::kAppendResponse) - before_appends;
    // Per entry and follower: one append, one response, and at most one commit notice + answer;
    // plus a few reject/probe round trips when the network reorders pipelined appends.
    EXPECT_LE(appends, 10u * 2 * 4 + 24);
    // Idle: heartbeats only, one round per heartbeat interval.
    sim.run(10);
    const uint64_t idle_before = sim.messages_sent();
    sim.run(100);
    const uint64_t idle = sim.messages_sent() - idle_before;
    EXPECT_LE(idle, (100u / sim_config().heartbeat_tick + 1) * 2 * 2 + 4);
    ASSERT_TRUE(sim.ok()) << sim.failure();
  }
}

TEST(Agreement, ProposalIsReplicatedInTheVeryNextReady) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    Simulation sim(sim_options(3, seed));
    ASSERT_NE(sim.one(cmd(seed, 0), 3, true), 0u);
    NodeId leader = sim.wait_leader(1);
    sim.run(3);
    auto r = sim.node(leader)->propose(cmd(seed, 1));
    ASSERT_TRUE(r.accepted);
    std::set<NodeId> got;
    sim.on_send = [&](const Message& m) {
      if (m.type != MessageType::kAppend) return;
      for (const Entry& e : m.entries) {
        if (e.index == r.index) got.insert(m.to);
      }
    };
    ASSERT_TRUE(sim.node(leader)->has_ready());
    sim.flush(leader);  // the Ready right after propose(), without any tick
    EXPECT_EQ(got.size(), 2u) << "appends must not wait for a heartbeat";
  }
}

// A slow follower link: the leader may not have more than max_inflight_bytes of entries in
// flight to it, however many proposals pile up.
TEST(Agreement, InflightBytesPerFollowerAreBounded) {
  for (uint64_t seed : test_seeds(20)) {
    SCOPED_TRACE(seed_trace(seed));
    SimOptions o = sim_options(3, seed);
    o.config.max_msg_bytes = 4 << 10;
    o.config.max_inflight_bytes = 16 << 10;
    // In-order links: a reordered append is rejected and the probe that follows restarts the
    // window while stale appends may still be on the wire, which this accounting would count.
    o.net.min_delay = o.net.max_delay = 1;
    Simulation sim(o);
    ASSERT_NE(sim.one(cmd(seed, 0), 3, true), 0u);
    NodeId leader = sim.wait_leader(1);
    const NodeId slow = (leader % 3) + 1;
    sim.set_link_delay(leader, slow, 4);
    sim.set_link_delay(slow, leader, 4);
    // Outstanding bytes per follower: sent in appends, not yet covered by a success response.
    std::map<NodeId, std::map<Index, uint64_t>> outstanding;  // follower -> last index -> bytes
    uint64_t worst = 0;
    sim.on_send = [&](const Message& m) {
      if (m.from != leader || m.type != MessageType::kAppend || m.entries.empty()) return;
      uint64_t bytes = 0;
      for (const Entry& e : m.entries) bytes += e.data.size();
      outstanding[m.to][m.entries.back().index] += bytes;
      uint64_t total = 0;
      for (auto& [i, b] : outstanding[m.to]) total += b;
      worst = std::max(worst, total);
    };
    sim.on_deliver = [&](const Message& m) {
      if (m.to != leader || m.type != MessageType::kAppendResponse || m.reject) return;
      auto& out = outstanding[m.from];
      out.erase(out.begin(), out.upper_bound(m.index));
    };
    Index last = 0;
    for (int k = 0; k < 200; ++k) {
      auto r = sim.node(leader)->propose(std::string(1000, 'a' + k % 26));
      ASSERT_TRUE(r.accepted);
      last = r.index;
      if (k % 20 == 0) sim.step();
    }
    ASSERT_TRUE(sim.run_until([&] { return sim.n_applied(last) == 3; }, 2000)) << sim.failure();
    EXPECT_LE(worst, o.config.max_inflight_bytes);
    EXPECT_GT(worst, o.config.max_inflight_bytes / 2) << "the window was never used";
  }
}

}  // namespace
}  // namespace raft::testing
