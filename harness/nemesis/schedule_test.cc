// Schedule generator: the same seed gives the same schedule; periods stay within their bounds.
#include "harness/nemesis/schedule.h"

#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "common/random.h"
#include "harness/nemesis/registry.h"
#include "harness/scenario/scenario_loader.h"

namespace harness {
namespace {

Phase load_phase(const char* text) {
  auto s = load_scenario_text(text, "t.yaml", fault_registry());
  EXPECT_TRUE(s.is_ok()) << s.status().message();
  return s->phases.at(0);
}

const char* kPartitioner = R"(clients: {count: 1}
phases:
  - workload: {duration: 6s}
    nemesis:
      - every: [1000ms, 1199ms]
        from: 1s
        do: {partition: random_halves}
      - at: 2500ms
        do: {kill: random}
        undo_after: 1s
)";

std::string render(const std::vector<ScheduledEvent>& events) {
  std::string out;
  for (const auto& e : events) {
    std::ostringstream line;
    line << e.at.count() << " " << e.describe() << " order";
    for (int n : e.order) line << " " << n;
    out += line.str() + "\n";
  }
  return out;
}

TEST(Schedule, SameSeedSameSchedule) {
  const Phase phase = load_phase(kPartitioner);
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    auto a = generate_schedule(phase, 5, seed, seed + 1000);
    auto b = generate_schedule(phase, 5, seed, seed + 1000);
    ASSERT_TRUE(a.is_ok() && b.is_ok());
    EXPECT_EQ(render(*a), render(*b)) << "seed " << seed;
  }
}

TEST(Schedule, DifferentSeedsDifferentSchedules) {
  const Phase phase = load_phase(kPartitioner);
  std::set<std::string> seen;
  for (uint64_t seed = 1; seed <= 20; ++seed) seen.insert(render(*generate_schedule(phase, 5, seed, seed + 1000)));
  EXPECT_GT(seen.size(), 15u);
}

TEST(Schedule, PeriodsWithinBoundsAndSortedByTime) {
  const Phase phase = load_phase(kPartitioner);
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    auto events = generate_schedule(phase, 5, seed, seed + 1000);
    ASSERT_TRUE(events.is_ok());
    Micros last_partition{-1};
    int partitions = 0;
    int kills = 0;
    int undos = 0;
    for (size_t i = 0; i < events->size(); ++i) {
      const auto& e = (*events)[i];
      if (i > 0) {
        EXPECT_LE((*events)[i - 1].at, e.at) << "seed " << seed;
      }
      if (e.action.name() == "partition") {
        EXPECT_GE(e.at, Micros(1'000'000));
        EXPECT_LT(e.at, Micros(6'000'000));
        if (last_partition.count() >= 0) {
          EXPECT_GE(e.at - last_partition, Micros(1'000'000)) << "seed " << seed;
          EXPECT_LE(e.at - last_partition, Micros(1'199'000)) << "seed " << seed;
        }
        last_partition = e.at;
        ASSERT_EQ(e.sides.size(), 2u);
        EXPECT_FALSE(e.sides[0].empty());
        EXPECT_FALSE(e.sides[1].empty());
        EXPECT_EQ(e.sides[0].size() + e.sides[1].size(), 5u);
        ++partitions;
      }
      if (e.action.name() == "kill") {
        EXPECT_GE(e.random_node, 0);
        EXPECT_LT(e.random_node, 5);
        if (e.undo) {
          EXPECT_EQ(e.at, Micros(3'500'000));
          ++undos;
        } else {
          EXPECT_EQ(e.at, Micros(2'500'000));
          ++kills;
        }
      }
    }
    EXPECT_GE(partitions, 5);  // 1s..6s with periods of at most 1.199 s
    EXPECT_LE(partitions, 5);  // and at least 1 s
    EXPECT_EQ(kills, 1);
    EXPECT_EQ(undos, 1);
  }
}

TEST(Schedule, UndoTargetsTheSameDrawnNode) {
  const Phase phase = load_phase(kPartitioner);
  auto events = generate_schedule(phase, 5, 3, 3 + 1000);
  ASSERT_TRUE(events.is_ok());
  int kill_node = -1;
  for (const auto& e : *events) {
    if (e.action.name() != "kill") continue;
    if (e.undo) {
      EXPECT_EQ(e.random_node, kill_node);
    } else {
      kill_node = e.random_node;
    }
  }
}

TEST(Schedule, FaultChoicesComeFromTheirOwnStream) {
  const Phase phase = load_phase(kPartitioner);
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    auto a = generate_schedule(phase, 5, seed, 1);
    auto b = generate_schedule(phase, 5, seed, 2);
    ASSERT_TRUE(a.is_ok() && b.is_ok());
    ASSERT_EQ(a->size(), b->size()) << "seed " << seed;
    for (size_t k = 0; k < a->size(); ++k) EXPECT_EQ((*a)[k].at, (*b)[k].at) << "seed " << seed;
  }
}

TEST(Schedule, RandomHalvesAlwaysCutSomething) {
  common::Rng rng(1);
  for (int i = 0; i < 1000; ++i) {
    auto sides = random_halves(3, rng);
    EXPECT_FALSE(sides[0].empty());
    EXPECT_FALSE(sides[1].empty());
  }
}

}  // namespace
}  // namespace harness
