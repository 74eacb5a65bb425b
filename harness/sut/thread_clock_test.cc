#include "harness/sut/thread_clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace harness::sut {
namespace {

TEST(ThreadClock, SleepUntilReturnsNoEarlierThanAsked) {
  ThreadClock clock;
  const int64_t until = clock.now_ns() + 2'000'000;
  clock.sleep_until(until);
  EXPECT_GE(clock.now_ns(), until);
}

TEST(ThreadClock, SpawnedTasksRunAndJoin) {
  ThreadClock clock;
  std::atomic<int> ran{0};
  std::vector<std::unique_ptr<Task>> tasks;
  for (int i = 0; i < 4; ++i) tasks.push_back(clock.spawn("t", [&] { ran.fetch_add(1); }));
  for (auto& t : tasks) t->join();
  EXPECT_EQ(ran.load(), 4);
  for (auto& t : tasks) EXPECT_TRUE(t->done());
}

TEST(ThreadClock, SignalWakesAWaiterWhenThePredicateTurnsTrue) {
  ThreadClock clock;
  auto signal = clock.make_signal();
  bool flag = false;  // changed only in update(), read only in the predicate
  auto setter = clock.spawn("setter", [&] { signal->update([&] { flag = true; }); });
  const bool seen = signal->wait_until([&] { return flag; }, clock.now_ns() + 30'000'000'000);
  setter->join();
  EXPECT_TRUE(seen);
}

TEST(ThreadClock, SignalWaitReturnsFalseAtTheDeadline) {
  ThreadClock clock;
  auto signal = clock.make_signal();
  EXPECT_FALSE(signal->wait_until([] { return false; }, clock.now_ns() + 1'000'000));
}

}  // namespace
}  // namespace harness::sut
