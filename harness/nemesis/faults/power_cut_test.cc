// power_cut: a power loss (not a plain kill) of the target nodes; undo restarts exactly them.
#include <gtest/gtest.h>

#include "harness/nemesis/fault_test_support.h"

namespace harness {
namespace {

using testing_support::event;
using testing_support::FakeWorld;
using testing_support::parse_step;

TEST(PowerCut, CutsThePowerOfTheMinorityInTheDrawnOrder) {
  FakeWorld w(5);
  ASSERT_TRUE(w.faults.apply(event("{power_cut: minority}", {4, 2, 0, 1, 3})).is_ok());
  EXPECT_EQ(w.nodes.down, (std::set<int>{4, 2}));
  const std::vector<std::pair<int, sut::Crash>> want = {{4, sut::Crash::kPowerLoss},
                                                        {2, sut::Crash::kPowerLoss}};
  EXPECT_EQ(w.nodes.crashes, want);
}

TEST(PowerCut, KillIsNotAPowerCut) {
  FakeWorld w(3);
  ASSERT_TRUE(w.faults.apply(event("{kill: 1}", {0, 1, 2})).is_ok());
  ASSERT_TRUE(w.faults.apply(event("{power_cut: 2}", {0, 1, 2})).is_ok());
  const std::vector<std::pair<int, sut::Crash>> want = {{1, sut::Crash::kProcess},
                                                        {2, sut::Crash::kPowerLoss}};
  EXPECT_EQ(w.nodes.crashes, want);
}

TEST(PowerCut, UndoRestartsExactlyTheCutLeader) {
  FakeWorld w(5);
  w.nodes.leader_node = 3;
  auto cut = event("{power_cut: leader}");
  cut.entry = 1;
  ASSERT_TRUE(w.faults.apply(cut).is_ok());
  EXPECT_EQ(w.nodes.down, (std::set<int>{3}));
  EXPECT_EQ(w.faults.active_faults(), "down n3");
  w.nodes.leader_node = 0;
  auto undo = cut;
  undo.undo = true;
  ASSERT_TRUE(w.faults.apply(undo).is_ok());
  EXPECT_TRUE(w.nodes.down.empty());
  EXPECT_EQ(w.faults.active_faults(), "none");
}

TEST(PowerCut, AllThenRestartAll) {
  FakeWorld w(3);
  ASSERT_TRUE(w.faults.apply(event("{power_cut: all}", {0, 1, 2})).is_ok());
  EXPECT_EQ(w.nodes.down, (std::set<int>{0, 1, 2}));
  ASSERT_TRUE(w.faults.apply(event("{restart: all}", {0, 1, 2})).is_ok());
  EXPECT_TRUE(w.nodes.down.empty());
}

TEST(PowerCut, ASystemThatCannotCutThePowerFailsTheRunAndLeavesTheNodeUp) {
  FakeWorld w(3);
  w.nodes.power_loss_supported = false;
  auto cut = event("{power_cut: 0}", {0, 1, 2});
  const common::Status s = w.faults.apply(cut);
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("power"), std::string::npos) << s.message();
  EXPECT_TRUE(w.nodes.down.empty());
  EXPECT_TRUE(fault_registry().find("power_cut")->failure_is_fatal(false));
}

TEST(PowerCut, DescribesItselfAndRefusesBadTargets) {
  EXPECT_EQ(parse_step("{power_cut: minority}", 5).describe(), "power_cut minority");
  for (const std::string yaml : {"power_cut", "{power_cut: 9}", "{power_cut: down}"}) {
    try {
      parse_step(yaml, 3);
      ADD_FAILURE() << yaml << " was accepted";
    } catch (const ScenarioError& e) {
      EXPECT_NE(std::string(e.what()).find("test.yaml:1:"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace harness
