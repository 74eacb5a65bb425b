// clog: a one-way cut from `from` to `to`, on top of the partition in force; undo heals.
#include <gtest/gtest.h>

#include "harness/nemesis/fault_test_support.h"

namespace harness {
namespace {

using testing_support::event;
using testing_support::FakeWorld;
using testing_support::parse_step;

TEST(Clog, CutsOnlyTheLinksFromFromToTo) {
  FakeWorld w(5);
  ASSERT_TRUE(w.faults.apply(event("{clog: {from: 0, to: [1, 2]}}")).is_ok());
  EXPECT_EQ(w.network.cuts, (std::vector<sut::Link>{{0, 1}, {0, 2}}));  // 1->0 and 2->0 still flow
  EXPECT_EQ(w.faults.active_faults(), "partition clog {0}->{1,2}");
}

TEST(Clog, AddsToThePartitionInForceAndUndoHealsEverything) {
  FakeWorld w(5);
  ASSERT_TRUE(w.faults.apply(event("{partition: {kind: sets, sets: [[0, 1], [2, 3, 4]]}}")).is_ok());
  auto clog = event("{clog: {from: [2, 3], to: 4}}");
  clog.entry = 1;
  ASSERT_TRUE(w.faults.apply(clog).is_ok());
  EXPECT_EQ(w.network.sides.size(), 2u);  // the partition stays
  EXPECT_EQ(w.network.cuts, (std::vector<sut::Link>{{2, 4}, {3, 4}}));
  auto undo = clog;
  undo.undo = true;
  ASSERT_TRUE(w.faults.apply(undo).is_ok());
  EXPECT_TRUE(w.network.cuts.empty());
  EXPECT_TRUE(w.network.sides.empty());
  EXPECT_EQ(w.faults.active_faults(), "none");
}

TEST(Clog, DescribesItselfForTheNemesisLog) {
  EXPECT_EQ(parse_step("{clog: {from: 1, to: 0}}", 3).describe(), "clog {1}->{0}");
}

TEST(Clog, BadArgumentsAreRefusedWithTheirPlace) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"clog", "'clog' needs an argument"},
      {"{clog: {from: 0}}", "missing"},
      {"{clog: {from: 0, to: 0}}", "node 0 is on both ends of the clog"},
      {"{clog: {from: 0, to: 7}}", "out of range"},
      {"{clog: {from: 0, to: [], }}", "name at least one node"},
      {"{clog: {from: 0, to: 1, via: 2}}", "via"},
  };
  for (const auto& [yaml, want] : cases) {
    try {
      parse_step(yaml, 3);
      ADD_FAILURE() << yaml << " was accepted";
    } catch (const ScenarioError& e) {
      EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << yaml << ": " << e.what();
      EXPECT_NE(std::string(e.what()).find("test.yaml:1:"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace harness
