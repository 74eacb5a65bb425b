#include "sim/sim_clock.h"

#include <gtest/gtest.h>

#include <string>

namespace sim {
namespace {

// "<who><ms> " (built by appending: GCC 12 reports a false -Wrestrict on "lit" + to_string).
std::string stamp(char who, int64_t ns) {
  std::string s(1, who);
  s += std::to_string(ns / kMilli);
  s += ' ';
  return s;
}

TEST(SimClock, TasksSleepInSimulatedTimeAndInterleaveByTime) {
  EventLoop loop;
  SimClock clock(loop);
  std::string trace;
  auto a = clock.spawn("a", [&] {
    for (int i = 0; i < 3; ++i) {
      trace += stamp('a', clock.now_ns());
      clock.sleep_for(10 * kMilli);
    }
  });
  auto b = clock.spawn("b", [&] {
    clock.sleep_for(5 * kMilli);
    for (int i = 0; i < 2; ++i) {
      trace += stamp('b', clock.now_ns());
      clock.sleep_for(10 * kMilli);
    }
  });
  a->join();  // the root runs the loop until a is done
  EXPECT_EQ(clock.now_ns(), 30 * kMilli);
  b->join();
  EXPECT_EQ(trace, "a0 b5 a10 b15 a20 ");
  EXPECT_TRUE(a->done());
}

TEST(SimClock, SignalsWakeWaitersAndDeadlinesEndWaits) {
  EventLoop loop;
  SimClock clock(loop);
  auto signal = clock.make_signal();
  int value = 0;
  int64_t woke_at = -1;
  bool timed_out = true;
  auto waiter = clock.spawn("waiter", [&] {
    timed_out = !signal->wait_until([&] { return value == 2; }, 100 * kMilli);
    woke_at = clock.now_ns();
  });
  auto late = clock.spawn("late", [&] {
    EXPECT_FALSE(signal->wait_until([&] { return value == 99; }, 50 * kMilli));
    EXPECT_EQ(clock.now_ns(), 50 * kMilli);
  });
  auto setter = clock.spawn("setter", [&] {
    clock.sleep_for(10 * kMilli);
    signal->update([&] { value = 1; });
    clock.sleep_for(10 * kMilli);
    signal->update([&] { value = 2; });
  });
  waiter->join();
  EXPECT_FALSE(timed_out);
  EXPECT_EQ(woke_at, 20 * kMilli);
  late->join();
  setter->join();
  // The root waits too: it runs the loop until its condition holds or its deadline.
  EXPECT_FALSE(signal->wait_until([&] { return value == 3; }, 200 * kMilli));
  EXPECT_EQ(clock.now_ns(), 200 * kMilli);
}

TEST(SimClock, TasksJoinTasksAndAStalledRunIsReported) {
  EventLoop loop;
  SimClock clock(loop);
  int order = 0;
  auto outer = clock.spawn("outer", [&] {
    auto inner = clock.spawn("inner", [&] {
      clock.sleep_for(kMilli);
      order = order * 10 + 1;
    });
    inner->join();
    order = order * 10 + 2;
  });
  outer->join();
  EXPECT_EQ(order, 12);
  auto signal = clock.make_signal();
  auto stuck = clock.spawn("stuck", [&] { signal->wait_until([] { return false; }, -1); });
  EXPECT_THROW(stuck->join(), SimStalled);
  // Destroying the clock unwinds the stuck task; its destructor does not join again.
}

TEST(SimClock, AnExceptionInATaskReachesTheRoot) {
  EventLoop loop;
  SimClock clock(loop);
  auto t = clock.spawn("thrower", [&] {
    clock.sleep_for(kMilli);
    throw std::runtime_error("boom");
  });
  EXPECT_THROW(loop.run_until(10 * kMilli), std::runtime_error);
}

}  // namespace
}  // namespace sim
