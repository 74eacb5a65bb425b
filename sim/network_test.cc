#include "sim/network.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "sim/seeds.h"
#include "sim/test_seeds.h"

namespace sim {
namespace {

struct Received {
  int from;
  int to;
  std::string bytes;
  Nanos at;
};

// A network of `nodes` nodes and two clients, each endpoint recording what it receives.
struct Fixture {
  explicit Fixture(uint64_t seed, int nodes = 3) : net(loop, Seeds(seed).stream("network"), nodes) {
    for (int e = 0; e < nodes; ++e) listen(e);
    listen(client_endpoint(0));
    listen(client_endpoint(1));
  }
  void listen(int e) {
    net.attach(e, [this, e](int from, Frames&& f) {
      ASSERT_EQ(f.size(), 1u);
      got.push_back({from, e, f[0], loop.now()});
    });
  }
  // Sends `n` numbered messages from -> to, then runs the loop to the end.
  void burst(int from, int to, int n, bool reply = false) {
    for (int i = 0; i < n; ++i) net.send(from, to, {std::to_string(i)}, reply);
    loop.run_until(loop.now() + 10 * kSecond);
  }
  std::vector<int> numbers(int to) const {
    std::vector<int> out;
    for (const auto& r : got) if (r.to == to) out.push_back(std::stoi(r.bytes));
    return out;
  }
  EventLoop loop;
  SimNetwork net;
  std::vector<Received> got;
};

TEST(SimNetwork, DeliversWithinTheLatencyRangeAndInOrderOnAFifoLink) {
  for (uint64_t seed : testing::seeds(20)) {
    Fixture f(seed);
    LinkQuality q;
    q.latency = {1 * kMilli, 5 * kMilli, 0, 0};
    f.net.set_baseline(q);
    for (int i = 0; i < 50; ++i) {
      f.net.send(0, 1, {std::to_string(i)});
      f.loop.run_until(f.loop.now() + 100 * kMicro);
    }
    f.loop.run_until(f.loop.now() + kSecond);
    std::vector<int> got = f.numbers(1);
    ASSERT_EQ(got.size(), 50u) << testing::trace(seed);
    for (int i = 0; i < 50; ++i) EXPECT_EQ(got[static_cast<size_t>(i)], i) << testing::trace(seed);
    for (const auto& r : f.got) EXPECT_GE(r.at, 1 * kMilli) << testing::trace(seed);
    EXPECT_EQ(f.net.counters().delivered, 50u);
  }
}

TEST(SimNetwork, ReorderingLinksLetMessagesOvertake) {
  int reordered_seeds = 0;
  for (uint64_t seed : testing::seeds(20)) {
    Fixture f(seed);
    LinkQuality q;
    q.latency = {0, 10 * kMilli, 0, 0};
    q.reorder = true;
    f.net.set_baseline(q);
    f.burst(0, 1, 20);
    std::vector<int> got = f.numbers(1);
    ASSERT_EQ(got.size(), 20u) << testing::trace(seed);
    if (!std::is_sorted(got.begin(), got.end())) ++reordered_seeds;
  }
  EXPECT_GT(reordered_seeds, 0);
}

TEST(SimNetwork, AStalledMessageArrivesLateAndHoldsUpTheMessagesBehindItOnAFifoLink) {
  int stalled_seeds = 0;
  for (uint64_t seed : testing::seeds(20)) {
    Fixture f(seed);
    LinkQuality q;
    q.latency = {1 * kMilli, 2 * kMilli, 0, 0, 0.05, 500 * kMilli};
    f.net.set_baseline(q);
    for (int i = 0; i < 100; ++i) {
      f.net.send(0, 1, {std::to_string(i)});
      f.loop.run_until(f.loop.now() + kMilli);
    }
    f.loop.run_until(f.loop.now() + 2 * kSecond);
    std::vector<int> got = f.numbers(1);
    ASSERT_EQ(got.size(), 100u) << testing::trace(seed);  // late, never lost
    EXPECT_TRUE(std::is_sorted(got.begin(), got.end())) << testing::trace(seed);
    bool stalled = false;
    for (const auto& r : f.got) {
      const Nanos sent = std::stoi(r.bytes) * kMilli;  // message i left at i ms
      EXPECT_LE(r.at - sent, 2 * kMilli + 500 * kMilli + 100 * kMilli) << testing::trace(seed);
      if (r.at - sent > 50 * kMilli) stalled = true;
    }
    if (stalled) ++stalled_seeds;
  }
  EXPECT_GT(stalled_seeds, 10);  // 1 - 0.95^100: nearly every seed stalls at least once
}

TEST(SimNetwork, NoStallDrawsNothingSoRunsWithoutStallsKeepTheirDelays) {
  for (uint64_t seed : testing::seeds(5)) {
    common::Rng a = Seeds(seed).stream("latency");
    common::Rng b = Seeds(seed).stream("latency");
    Latency plain{1 * kMilli, 9 * kMilli, 0.3, 20 * kMilli};
    Latency no_stall = plain;
    no_stall.stall_max = 500 * kMilli;  // a bound without a chance: still no stall, no draw
    for (int i = 0; i < 200; ++i) ASSERT_EQ(plain.draw(a), no_stall.draw(b)) << testing::trace(seed);
  }
}

TEST(SimNetwork, DropsRequestsAndRepliesAtTheirOwnRatesAndDuplicates) {
  for (uint64_t seed : testing::seeds(10)) {
    Fixture f(seed);
    LinkQuality q;
    q.drop_requests = 0.5;
    q.drop_replies = 0.0;
    q.duplicate = 0.2;
    f.net.set_quality(kAnyClient, 0, q);
    f.burst(client_endpoint(0), 0, 2000);
    const size_t requests = f.numbers(0).size();
    f.got.clear();
    f.burst(0, client_endpoint(0), 2000, /*reply=*/true);
    const size_t replies = f.numbers(client_endpoint(0)).size();
    // 2000 * 0.5 kept, 20% of those doubled: about 1200. Peers keep the reliable baseline.
    EXPECT_GT(requests, 1000u) << testing::trace(seed);
    EXPECT_LT(requests, 1400u) << testing::trace(seed);
    EXPECT_GT(replies, 2200u) << testing::trace(seed);  // none lost, about 400 duplicates
    f.got.clear();
    f.burst(1, 2, 100);
    EXPECT_EQ(f.numbers(2).size(), 100u) << testing::trace(seed);
    EXPECT_EQ(f.net.counters().lost, f.net.counters().sent - requests - replies - 100 +
                                           f.net.counters().duplicated)
        << testing::trace(seed);
  }
}

TEST(SimNetwork, PartitionsCutsAndClogs) {
  Fixture f(1, 5);
  f.net.set_partition({{0, 1, 2}, {3, 4}});
  EXPECT_FALSE(f.net.blocked(0, 2));
  EXPECT_TRUE(f.net.blocked(0, 3));
  EXPECT_TRUE(f.net.blocked(4, 1));
  EXPECT_FALSE(f.net.blocked(3, 4));
  EXPECT_FALSE(f.net.blocked(client_endpoint(0), 4));  // clients reach every node by default
  f.net.set_client_reach(std::set<int>{3, 4});
  EXPECT_TRUE(f.net.blocked(client_endpoint(0), 0));
  EXPECT_TRUE(f.net.blocked(0, client_endpoint(0)));
  f.net.confine_client(1, {0});
  EXPECT_FALSE(f.net.blocked(client_endpoint(1), 0));
  EXPECT_TRUE(f.net.blocked(client_endpoint(1), 3));
  f.net.heal();
  EXPECT_FALSE(f.net.blocked(0, 3));
  EXPECT_FALSE(f.net.blocked(client_endpoint(0), 0));
  EXPECT_TRUE(f.net.blocked(client_endpoint(1), 3));  // confinement outlives heal
  f.net.cut({{0, 1}});
  EXPECT_TRUE(f.net.blocked(0, 1));
  EXPECT_TRUE(f.net.blocked(1, 0));
  EXPECT_FALSE(f.net.blocked(0, 2));
  f.net.clog(2, 3);
  EXPECT_TRUE(f.net.blocked(2, 3));
  EXPECT_FALSE(f.net.blocked(3, 2));
  f.net.unclog(2, 3);
  EXPECT_FALSE(f.net.blocked(2, 3));
}

TEST(SimNetwork, APartitionCutsMessagesInFlightAndDetachedEndpointsGetNothing) {
  Fixture f(7);
  LinkQuality q;
  q.latency = {5 * kMilli, 5 * kMilli, 0, 0};
  f.net.set_baseline(q);
  f.net.send(0, 1, {"in flight"});
  f.net.send(0, 2, {"to a dead node"});
  f.net.detach(2);
  f.loop.run_until(1 * kMilli);
  f.net.set_partition({{0}, {1, 2}});
  f.loop.run_until(10 * kMilli);
  EXPECT_TRUE(f.got.empty());
  EXPECT_EQ(f.net.counters().blocked, 2u);      // 0 and 2 are on different sides too
  EXPECT_EQ(f.net.counters().unreachable, 0u);  // blocked is judged first
  f.net.heal();
  f.net.send(0, 2, {"to a dead node"});
  f.loop.run_until(20 * kMilli);
  EXPECT_EQ(f.net.counters().unreachable, 1u);
}

TEST(SimNetwork, SameSeedSameDeliveries) {
  for (uint64_t seed : testing::seeds(10)) {
    auto run = [seed] {
      Fixture f(seed);
      LinkQuality q;
      q.latency = {0, 3 * kMilli, 0.1, 50 * kMilli};
      q.drop_requests = 0.2;
      q.duplicate = 0.1;
      q.reorder = true;
      f.net.set_baseline(q);
      for (int i = 0; i < 200; ++i) f.net.send(i % 3, (i + 1) % 3, {std::to_string(i)});
      f.loop.run_until(kSecond);
      std::string trace;
      for (const auto& r : f.got) trace += r.bytes + "@" + std::to_string(r.at) + " ";
      return std::make_pair(trace, f.loop.hash());
    };
    EXPECT_EQ(run(), run()) << testing::trace(seed);
  }
}

TEST(SimNetwork, AHoldingPartitionDeliversWhatItHeldInOrderOnHealUnlessTooOldOrTheReceiverRestarted) {
  for (uint64_t seed : testing::seeds(5)) {
    Fixture f(seed);
    LinkQuality q;
    q.latency = {kMilli, 2 * kMilli, 0, 0};
    f.net.set_baseline(q);
    f.net.set_hold(kSecond);
    f.net.set_partition({{0}, {1, 2}});
    for (int i = 0; i < 5; ++i) f.net.send(0, 1, {std::to_string(i)});
    f.net.send(2, 0, {"9"});
    f.loop.run_until(f.loop.now() + 500 * kMilli);
    EXPECT_TRUE(f.got.empty()) << testing::trace(seed);  // nothing crosses the partition
    f.net.heal();
    f.loop.run_until(f.loop.now() + 10 * kMilli);
    EXPECT_EQ(f.numbers(1), (std::vector<int>{0, 1, 2, 3, 4})) << testing::trace(seed);
    EXPECT_EQ(f.numbers(0), (std::vector<int>{9})) << testing::trace(seed);
    EXPECT_EQ(f.net.counters().held, 6u);
    EXPECT_EQ(f.net.counters().released, 6u);

    // Held longer than the hold: lost. A receiver that restarted meanwhile: lost (a new connection).
    f.got.clear();
    f.net.set_partition({{0}, {1, 2}});
    f.net.send(0, 1, {"5"});
    f.net.send(0, 2, {"6"});
    f.loop.run_until(f.loop.now() + 100 * kMilli);
    f.net.detach(2);
    f.listen(2);
    f.loop.run_until(f.loop.now() + 1100 * kMilli);
    f.net.send(0, 1, {"7"});
    f.net.heal();
    f.loop.run_until(f.loop.now() + 10 * kMilli);
    EXPECT_EQ(f.numbers(1), (std::vector<int>{7})) << testing::trace(seed);
    EXPECT_TRUE(f.numbers(2).empty()) << testing::trace(seed);
  }
}

TEST(SimNetwork, WithoutAHoldAPartitionDropsAndNothingComesLater) {
  Fixture f(1);
  f.net.set_partition({{0}, {1, 2}});
  f.net.send(0, 1, {"0"});
  f.loop.run_until(f.loop.now() + 100 * kMilli);
  f.net.heal();
  f.loop.run_until(f.loop.now() + kSecond);
  EXPECT_TRUE(f.got.empty());
  EXPECT_EQ(f.net.counters().held, 0u);
  EXPECT_EQ(f.net.counters().blocked, 1u);
}

}  // namespace
}  // namespace sim
