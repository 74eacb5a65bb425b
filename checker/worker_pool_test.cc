// WorkerPool: every piece of shared-out work is done once, run() returns only after every helper
// has left the work, a second run() while one is in progress is refused, and checks on a pool
// give the same verdicts as checks without one.
#include "checker/worker_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include "checker/checker.h"

namespace checker {
namespace {

TEST(WorkerPool, SharesWorkAndReturnsOnlyWhenEveryHelperHasLeft) {
  WorkerPool pool(3);
  ASSERT_EQ(pool.helpers(), 3u);
  for (int round = 0; round < 200; ++round) {
    constexpr int kItems = 64;
    std::vector<std::atomic<int>> done(kItems);
    std::atomic<int> next{0}, inside{0}, most_inside{0};
    const std::function<void()> work = [&] {
      const int now = ++inside;
      int seen = most_inside.load();
      while (now > seen && !most_inside.compare_exchange_weak(seen, now)) {
      }
      for (int i = next++; i < kItems; i = next++) ++done[i];
      --inside;
    };
    ASSERT_TRUE(pool.run(work, 3)) << "round " << round;
    EXPECT_EQ(pool.runs(), static_cast<uint64_t>(round + 1));
    EXPECT_EQ(inside.load(), 0) << "run() returned while a helper was still in the work";
    EXPECT_LE(most_inside.load(), 4);
    for (int i = 0; i < kItems; ++i)
      ASSERT_EQ(done[i].load(), 1) << "item " << i << ", round " << round;
  }
}

TEST(WorkerPool, NoHelpersAskedRunsOnTheCallerAlone) {
  WorkerPool pool(2);
  std::atomic<int> calls{0};
  ASSERT_TRUE(pool.run([&] { ++calls; }, 0));
  EXPECT_EQ(calls.load(), 1);
}

TEST(WorkerPool, ASecondRunWhileOneIsInProgressIsRefused) {
  WorkerPool pool(1);
  std::promise<void> entered, release;
  std::shared_future<void> released = release.get_future().share();
  bool first_entered = false;
  auto first = std::async(std::launch::async, [&] {
    return pool.run(
        [&] {
          // No helpers are asked for: this is the caller's own call.
          if (!std::exchange(first_entered, true)) entered.set_value();
          released.wait();
        },
        0);
  });
  entered.get_future().wait();
  std::atomic<int> second_calls{0};
  EXPECT_FALSE(pool.run([&] { ++second_calls; }, 1));
  EXPECT_EQ(second_calls.load(), 0);
  release.set_value();
  EXPECT_TRUE(first.get());
  EXPECT_TRUE(pool.run([&] { ++second_calls; }, 1));  // free again
  EXPECT_EQ(pool.runs(), 2u);                         // the refused run does not count
  EXPECT_GE(second_calls.load(), 1);
}

TEST(WorkerPool, AnExceptionInTheCallersWorkStillWaitsForTheHelpersAndFreesThePool) {
  WorkerPool pool(2);
  const std::thread::id caller = std::this_thread::get_id();
  std::atomic<int> inside{0};
  const std::function<void()> work = [&] {
    if (std::this_thread::get_id() == caller) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // let helpers join
      throw std::runtime_error("caller fails");
    }
    ++inside;  // helpers only: they must not throw (see WorkerPool)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    --inside;
  };
  bool thrown = false;
  try {
    pool.run(work, 2);
  } catch (const std::runtime_error&) {
    thrown = true;
  }
  EXPECT_TRUE(thrown);
  EXPECT_EQ(inside.load(), 0) << "run() unwound while a helper was still in the work";
  EXPECT_EQ(pool.runs(), 1u);
  int calls = 0;
  EXPECT_TRUE(pool.run([&] { ++calls; }, 0)) << "the pool stayed busy after the exception";
  EXPECT_EQ(calls, 1);
}

TEST(WorkerPool, ChecksOnAPoolGiveTheSameVerdictsAsWithout) {
  // Many keys of a few operations each (so the pool is used), one with an impossible read.
  std::string text;
  int64_t t = 0;
  auto line = [&](int p, const char* type, const char* f, const std::string& key,
                  const nlohmann::json& value) {
    const nlohmann::json event = {{"process", p}, {"type", type},   {"f", f},
                                  {"key", key},   {"value", value}, {"time", t++}};
    text += event.dump() + "\n";
  };
  for (int k = 0; k < 40; ++k) {
    std::string key = "k";
    key += std::to_string(k);
    for (int p = 0; p < 3; ++p) {  // three puts in a row, then a get of the last
      std::string v = "v";
      v += std::to_string(p);
      line(p, "invoke", "put", key, v);
      line(p, "ok", "put", key, v);
    }
    line(3, "invoke", "get", key, nullptr);
    line(3, "ok", "get", key, k == 17 ? "never written" : "v2");
  }
  auto h = parse_history_text(text, HistoryFormat::kJson, "pool.jsonl");
  ASSERT_TRUE(h.is_ok()) << h.status().message();
  WorkerPool pool(3);
  for (bool explain : {false, true}) {
    CheckOptions plain, pooled;
    plain.explain = pooled.explain = explain;
    pooled.pool = &pool;
    pooled.threads = 4;  // the caller and all three helpers, whatever the cores
    auto a = check(*h, plain);
    const uint64_t runs_before = pool.runs();
    auto b = check(*h, pooled);
    EXPECT_EQ(pool.runs(), runs_before + 1) << "the pooled check did not use the pool";
    ASSERT_TRUE(a.is_ok() && b.is_ok());
    EXPECT_EQ(a->verdict, Verdict::kViolation);
    EXPECT_EQ(b->verdict, Verdict::kViolation);
    for (size_t i = 0; explain && i < a->partitions.size(); ++i) {
      EXPECT_EQ(a->partitions[i].verdict, b->partitions[i].verdict) << a->partitions[i].key;
      EXPECT_EQ(a->partitions[i].stuck_ops, b->partitions[i].stuck_ops) << a->partitions[i].key;
    }
  }
}

}  // namespace
}  // namespace checker
