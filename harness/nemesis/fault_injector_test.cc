// FaultInjector over a fake cluster: live targets resolve with the drawn order, undo reverts exactly
// what was done, and the active-fault summary follows.
#include "harness/nemesis/fault_injector.h"

#include <gtest/gtest.h>

#include <fstream>

namespace harness {
namespace {

// FakeCluster: records calls; leader fixed by the test. Single-threaded use.
class FakeCluster : public ClusterControl {
 public:
  explicit FakeCluster(int n) : n_(n) {}
  int num_nodes() const override { return n_; }
  std::string node_log(int node) const override {
    return "logs/n" + std::to_string(node + 1) + ".log";
  }
  common::Status set_partition(const std::vector<std::vector<int>>& sides, int clients_side) override {
    sides_ = sides;
    clients_side_ = clients_side;
    return common::Status::ok();
  }
  common::Status cut_links(const std::vector<std::pair<int, int>>& pairs) override {
    cuts_ = pairs;
    return common::Status::ok();
  }
  void heal() override {
    sides_.clear();
    cuts_.clear();
    ++heals_;
  }
  common::Status set_network(const NetworkRule& rule) override {
    reliable_ = rule.is_reliable();
    return common::Status::ok();
  }
  common::Status kill(int node) override {
    down_.insert(node);
    return common::Status::ok();
  }
  common::Status start(int node) override {
    down_.erase(node);
    return common::Status::ok();
  }
  common::Status pause(int node) override {
    paused_.insert(node);
    return common::Status::ok();
  }
  common::Status resume(int node) override {
    paused_.erase(node);
    return common::Status::ok();
  }
  std::optional<int> leader(Micros) override { return leader_; }

  int n_;
  std::optional<int> leader_ = 3;
  std::vector<std::vector<int>> sides_;
  std::vector<std::pair<int, int>> cuts_;
  int clients_side_ = -1;
  int heals_ = 0;
  bool reliable_ = true;
  std::set<int> down_, paused_;
};

ScheduledEvent event(Step::Kind kind, std::vector<int> order = {0, 1, 2, 3, 4}) {
  ScheduledEvent e;
  e.action.kind = kind;
  e.order = std::move(order);
  return e;
}

TEST(FaultInjector, LeaderMinorityPutsTheLeaderInTheMinority) {
  FakeCluster cluster(5);
  common::ManualClock clock;
  FaultInjector faults(cluster, nullptr, clock);
  auto e = event(Step::Kind::kPartition, {3, 1, 4, 0, 2});
  e.action.partition.kind = PartitionSpec::Kind::kLeaderMinority;
  ASSERT_TRUE(faults.apply(e).is_ok());
  ASSERT_EQ(cluster.sides_.size(), 2u);
  EXPECT_EQ(cluster.sides_[1], (std::vector<int>{3, 1}));  // leader, then the drawn order
  EXPECT_EQ(cluster.sides_[0], (std::vector<int>{0, 2, 4}));
  EXPECT_EQ(faults.sides(), cluster.sides_);
  EXPECT_NE(faults.active_faults().find("partition {0,2,4}|{3,1}"), std::string::npos) << faults.active_faults();
}

TEST(FaultInjector, NoLeaderMeansTheLeaderPartitionFails) {
  FakeCluster cluster(5);
  cluster.leader_.reset();
  common::ManualClock clock;
  FaultInjector faults(cluster, nullptr, clock);
  auto e = event(Step::Kind::kPartition);
  e.action.partition.kind = PartitionSpec::Kind::kIsolateLeader;
  EXPECT_FALSE(faults.apply(e).is_ok());
  EXPECT_TRUE(cluster.sides_.empty());
}

TEST(FaultInjector, UndoRestartsExactlyTheKilledLeader) {
  FakeCluster cluster(5);
  common::ManualClock clock;
  FaultInjector faults(cluster, nullptr, clock);
  auto kill = event(Step::Kind::kKill);
  kill.action.target.kind = NodeTarget::Kind::kLeader;
  kill.entry = 2;
  ASSERT_TRUE(faults.apply(kill).is_ok());
  EXPECT_EQ(cluster.down_, (std::set<int>{3}));
  cluster.leader_ = 0;  // a new leader; the undo must still restart node 3
  auto undo = kill;
  undo.undo = true;
  ASSERT_TRUE(faults.apply(undo).is_ok());
  EXPECT_TRUE(cluster.down_.empty());
  EXPECT_EQ(faults.active_faults(), "none");
}

TEST(FaultInjector, KillAllThenRestartAll) {
  FakeCluster cluster(3);
  common::ManualClock clock;
  FaultInjector faults(cluster, nullptr, clock);
  auto kill = event(Step::Kind::kKill, {0, 1, 2});
  kill.action.target.kind = NodeTarget::Kind::kAll;
  ASSERT_TRUE(faults.apply(kill).is_ok());
  EXPECT_EQ(cluster.down_.size(), 3u);
  EXPECT_EQ(faults.down().size(), 3u);
  auto restart = event(Step::Kind::kRestart, {0, 1, 2});
  restart.action.target.kind = NodeTarget::Kind::kAll;
  ASSERT_TRUE(faults.apply(restart).is_ok());
  EXPECT_TRUE(cluster.down_.empty());
}

TEST(FaultInjector, MinorityKillUsesTheDrawnOrder) {
  FakeCluster cluster(5);
  common::ManualClock clock;
  FaultInjector faults(cluster, nullptr, clock);
  auto kill = event(Step::Kind::kKill, {4, 2, 0, 1, 3});
  kill.action.target.kind = NodeTarget::Kind::kMinority;
  ASSERT_TRUE(faults.apply(kill).is_ok());
  EXPECT_EQ(cluster.down_, (std::set<int>{4, 2}));
}

TEST(FaultInjector, RingCutsEveryNonNeighbourLink) {
  FakeCluster cluster(5);
  common::ManualClock clock;
  FaultInjector faults(cluster, nullptr, clock);
  auto ring = event(Step::Kind::kPartition, {0, 1, 2, 3, 4});
  ring.action.partition.kind = PartitionSpec::Kind::kRing;
  ASSERT_TRUE(faults.apply(ring).is_ok());
  EXPECT_EQ(cluster.cuts_.size(), 5u);  // 10 pairs, 5 of them neighbours on the ring
  for (const auto& [a, b] : cluster.cuts_) {
    const int d = std::abs(a - b);
    EXPECT_TRUE(d == 2 || d == 3) << a << "-" << b << " are neighbours on the ring";
  }
}

TEST(FaultInjector, NemesisLineNamesTheLogOfEachNodeItTouched) {
  FakeCluster cluster(5);
  common::ManualClock clock;
  const std::string path = testing::TempDir() + "/fault_injector_node_logs.jsonl";
  JsonlWriter log;
  ASSERT_TRUE(log.open(path).is_ok());
  FaultInjector faults(cluster, &log, clock);
  auto kill = event(Step::Kind::kKill);
  kill.action.target.kind = NodeTarget::Kind::kLeader;  // node 3
  ASSERT_TRUE(faults.apply(kill).is_ok());
  log.close();
  std::ifstream in(path);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  const auto j = nlohmann::json::parse(line);
  EXPECT_EQ(j["nodes"], nlohmann::json::array({3})) << line;
  EXPECT_EQ(j["node_logs"], nlohmann::json::array({"logs/n4.log"})) << line;
}

TEST(FaultInjector, HealEverythingResumesRestartsAndHeals) {
  FakeCluster cluster(5);
  common::ManualClock clock;
  FaultInjector faults(cluster, nullptr, clock);
  auto pause = event(Step::Kind::kPause);
  pause.action.target = NodeTarget{NodeTarget::Kind::kNode, 1};
  auto kill = event(Step::Kind::kKill);
  kill.action.target = NodeTarget{NodeTarget::Kind::kNode, 2};
  ASSERT_TRUE(faults.apply(pause).is_ok());
  ASSERT_TRUE(faults.apply(kill).is_ok());
  EXPECT_NE(faults.active_faults().find("paused n1"), std::string::npos);
  ASSERT_TRUE(faults.heal_everything().is_ok());
  EXPECT_TRUE(cluster.paused_.empty());
  EXPECT_TRUE(cluster.down_.empty());
  EXPECT_EQ(faults.active_faults(), "none");
}

}  // namespace
}  // namespace harness
