// FaultInjector over fake nodes and network: live targets resolve with the drawn order, undo
// reverts exactly what was done, and the active-fault summary follows.
#include "harness/nemesis/fault_injector.h"

#include <gtest/gtest.h>

#include <fstream>

#include "harness/nemesis/fault_test_support.h"

namespace harness {
namespace {

using testing_support::event;
using testing_support::FakeWorld;

TEST(FaultInjector, LeaderMinorityPutsTheLeaderInTheMinority) {
  FakeWorld w(5);
  w.nodes.leader_node = 3;
  auto e = event("{partition: leader_minority}", {3, 1, 4, 0, 2});
  ASSERT_TRUE(w.faults.apply(e).is_ok());
  ASSERT_EQ(w.network.sides.size(), 2u);
  EXPECT_EQ(w.network.sides[1], (std::vector<int>{3, 1}));  // leader, then the drawn order
  EXPECT_EQ(w.network.sides[0], (std::vector<int>{0, 2, 4}));
  EXPECT_EQ(w.faults.sides(), w.network.sides);
  EXPECT_NE(w.faults.active_faults().find("partition {0,2,4}|{3,1}"), std::string::npos)
      << w.faults.active_faults();
}

TEST(FaultInjector, NoLeaderMeansTheLeaderPartitionFails) {
  FakeWorld w(5);
  w.nodes.leader_node.reset();
  EXPECT_FALSE(w.faults.apply(event("{partition: isolate_leader}")).is_ok());
  EXPECT_TRUE(w.network.sides.empty());
}

TEST(FaultInjector, UndoRestartsExactlyTheKilledLeader) {
  FakeWorld w(5);
  w.nodes.leader_node = 3;
  auto kill = event("{kill: leader}");
  kill.entry = 2;
  ASSERT_TRUE(w.faults.apply(kill).is_ok());
  EXPECT_EQ(w.nodes.down, (std::set<int>{3}));
  w.nodes.leader_node = 0;  // a new leader; the undo must still restart node 3
  auto undo = kill;
  undo.undo = true;
  ASSERT_TRUE(w.faults.apply(undo).is_ok());
  EXPECT_TRUE(w.nodes.down.empty());
  EXPECT_EQ(w.faults.active_faults(), "none");
}

TEST(FaultInjector, KillAllThenRestartAll) {
  FakeWorld w(3);
  ASSERT_TRUE(w.faults.apply(event("{kill: all}", {0, 1, 2})).is_ok());
  EXPECT_EQ(w.nodes.down.size(), 3u);
  EXPECT_EQ(w.faults.down().size(), 3u);
  ASSERT_TRUE(w.faults.apply(event("{restart: all}", {0, 1, 2})).is_ok());
  EXPECT_TRUE(w.nodes.down.empty());
}

TEST(FaultInjector, MinorityKillUsesTheDrawnOrder) {
  FakeWorld w(5);
  ASSERT_TRUE(w.faults.apply(event("{kill: minority}", {4, 2, 0, 1, 3})).is_ok());
  EXPECT_EQ(w.nodes.down, (std::set<int>{4, 2}));
}

TEST(FaultInjector, RingCutsEveryNonNeighbourLinkBothWays) {
  FakeWorld w(5);
  ASSERT_TRUE(w.faults.apply(event("{partition: ring}", {0, 1, 2, 3, 4})).is_ok());
  EXPECT_EQ(w.network.cuts.size(), 10u);  // 10 pairs, 5 of them neighbours on the ring; 2 ways
  for (const auto& link : w.network.cuts) {
    const int d = std::abs(link.src - link.dst);
    EXPECT_TRUE(d == 2 || d == 3) << link.src << "-" << link.dst << " are neighbours on the ring";
  }
}

TEST(FaultInjector, NemesisLineNamesTheLogOfEachNodeItTouched) {
  const std::string path = testing::TempDir() + "/fault_injector_node_logs.jsonl";
  JsonlWriter log;
  ASSERT_TRUE(log.open(path).is_ok());
  FakeWorld w(5, &log);
  w.nodes.leader_node = 3;
  ASSERT_TRUE(w.faults.apply(event("{kill: leader}")).is_ok());
  log.close();
  std::ifstream in(path);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["action"], "kill") << line;
  EXPECT_EQ(j["nodes"], nlohmann::json::array({3})) << line;
  EXPECT_EQ(j["node_logs"], nlohmann::json::array({"logs/n4.log"})) << line;
}

TEST(FaultInjector, HealEverythingResumesRestartsAndHeals) {
  FakeWorld w(5);
  ASSERT_TRUE(w.faults.apply(event("{pause: 1}")).is_ok());
  ASSERT_TRUE(w.faults.apply(event("{kill: 2}")).is_ok());
  EXPECT_NE(w.faults.active_faults().find("paused n1"), std::string::npos);
  ASSERT_TRUE(w.faults.heal_everything().is_ok());
  EXPECT_TRUE(w.nodes.paused_set.empty());
  EXPECT_TRUE(w.nodes.down.empty());
  EXPECT_EQ(w.faults.active_faults(), "none");
}

TEST(FaultInjector, NetworkFaultSetsTheScopeAndUndoRestoresTheBaseline) {
  FakeWorld w(3);
  auto e = event("{network: {drop_requests: 0.5, links: peers}}", {0, 1, 2});
  e.entry = 1;
  ASSERT_TRUE(w.faults.apply(e).is_ok());
  EXPECT_EQ(w.network.faults.size(), 6u);  // 3 nodes, 2 peers each; client links untouched
  EXPECT_EQ(w.network.faults.count(sut::Link{sut::kClients, 0}), 0u);
  auto undo = e;
  undo.undo = true;
  ASSERT_TRUE(w.faults.apply(undo).is_ok());
  EXPECT_TRUE(w.network.faults.empty());
  EXPECT_EQ(w.faults.active_faults(), "none");
}

TEST(FaultInjector, AStepThatIsNotAFaultIsRefused) {
  FakeWorld w(3);
  ScheduledEvent e;
  e.action.kind = Step::Kind::kWait;
  EXPECT_FALSE(w.faults.apply(e).is_ok());
}

}  // namespace
}  // namespace harness
