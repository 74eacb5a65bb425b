#include "harness/run/seeds.h"

#include <gtest/gtest.h>

#include <set>

namespace harness {
namespace {

TEST(RunSeeds, SameScenarioSeedGivesTheSameStreams) {
  for (uint64_t seed : {uint64_t{1}, uint64_t{42}, uint64_t{0xdeadbeefcafe}, ~uint64_t{0}}) {
    RunSeeds a(seed);
    RunSeeds b(seed);
    EXPECT_EQ(a.schedule(1, 2), b.schedule(1, 2)) << "seed " << seed;
    EXPECT_EQ(a.network(), b.network()) << "seed " << seed;
    EXPECT_EQ(a.nodes(5), b.nodes(5)) << "seed " << seed;
  }
}

TEST(RunSeeds, NamedStreamsAreDistinctAndNeverZero) {
  for (uint64_t seed = 0; seed < 50; ++seed) {
    RunSeeds s(seed);
    std::set<uint64_t> all;
    for (int p = 0; p < 3; ++p) {
      for (int i = 0; i < 3; ++i) {
        all.insert(s.schedule(p, i));
        all.insert(s.faults(p, i));
        all.insert(s.clients(p, i));
        all.insert(s.steps(p, i));
      }
    }
    for (uint64_t n : s.nodes(7)) all.insert(n);
    all.insert(s.client_ids());
    all.insert(s.script_ids());
    all.insert(s.network());
    all.insert(s.final_faults());
    EXPECT_EQ(all.size(), 3u * 3u * 4u + 7u + 4u) << "seed " << seed;
    EXPECT_EQ(all.count(0), 0u) << "seed " << seed;
  }
}

TEST(RunSeeds, DifferentScenarioSeedsGiveDifferentNodeSeeds) {
  for (uint64_t seed = 1; seed < 50; ++seed) {
    EXPECT_NE(RunSeeds(seed).node(0), RunSeeds(seed + 1).node(0)) << "seed " << seed;
  }
}

}  // namespace
}  // namespace harness
