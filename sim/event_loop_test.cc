#include "sim/event_loop.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sim/seeds.h"

namespace sim {
namespace {

TEST(EventLoop, RunsEventsInTimeThenSchedulingOrder) {
  EventLoop loop;
  std::string order;
  loop.at(30, EventKind::kTimer, [&] { order += 'c'; });
  loop.at(10, EventKind::kTimer, [&] { order += 'a'; });
  loop.at(30, EventKind::kTimer, [&] { order += 'd'; });
  loop.at(20, EventKind::kTimer, [&] {
    order += 'b';
    loop.after(0, EventKind::kTimer, [&] { order += 'B'; });  // same time, after those queued
  });
  loop.run_until(100);
  EXPECT_EQ(order, "abBcd");
  EXPECT_EQ(loop.now(), 100);
  EXPECT_EQ(loop.events_run(), 5u);
}

TEST(EventLoop, CancelledEventsDoNotRunAndThePastIsClampedToNow) {
  EventLoop loop;
  int ran = 0;
  loop.run_until(50);
  uint64_t a = loop.at(60, EventKind::kTimer, [&] { ran += 1; });
  loop.at(10, EventKind::kTimer, [&] { ran += 10; EXPECT_EQ(loop.now(), 50); });
  loop.cancel(a);
  loop.run_until(100);
  EXPECT_EQ(ran, 10);
}

TEST(EventLoop, RunUntilPredicateStopsAtTheEventThatMadeItTrue) {
  EventLoop loop;
  int n = 0;
  for (int i = 1; i <= 10; ++i) loop.at(i * 10, EventKind::kTimer, [&] { ++n; });
  EXPECT_TRUE(loop.run_until([&] { return n == 4; }, 1000));
  EXPECT_EQ(loop.now(), 40);
  EXPECT_FALSE(loop.run_until([&] { return n == 100; }, 75));
  EXPECT_EQ(loop.now(), 75);
  EXPECT_EQ(n, 7);
}

// The hash sees the order and times of events and what they note.
TEST(EventLoop, HashIsEqualForEqualRunsAndDiffersOtherwise) {
  auto run = [](uint64_t note_value, Nanos second_at) {
    EventLoop loop;
    loop.at(5, EventKind::kTimer, [&] { loop.note(note_value); });
    loop.at(second_at, EventKind::kDeliver, [&] { loop.note_bytes("payload"); });
    loop.run_until(100);
    return loop.hash();
  };
  EXPECT_EQ(run(1, 7), run(1, 7));
  EXPECT_NE(run(1, 7), run(2, 7));
  EXPECT_NE(run(1, 7), run(1, 8));
}

TEST(Seeds, NamedStreamsAreStableAndIndependent) {
  Seeds a(42), b(42), c(43);
  EXPECT_EQ(a.stream("network").next_u64(), b.stream("network").next_u64());
  EXPECT_NE(a.stream("network").next_u64(), a.stream("disk").next_u64());
  EXPECT_NE(a.stream("network").next_u64(), c.stream("network").next_u64());
  EXPECT_NE(a.stream("disk", 1).next_u64(), a.stream("disk", 2).next_u64());
}

}  // namespace
}  // namespace sim
