#include "cluster/node/pending.h"

#include <gtest/gtest.h>

namespace node {
namespace {

Waiter waiter(uint64_t seq, int64_t since = 0) {
  Waiter w;
  w.sender = "c1";
  w.request.seq = seq;
  w.since_ns = since;
  return w;
}

TEST(PendingRequests, WriteIsMatchedByIndexAndTerm) {
  PendingRequests p;
  EXPECT_FALSE(p.add_write(5, 2, waiter(1)).has_value());
  EXPECT_FALSE(p.take_write(4, 2).has_value());
  auto a = p.take_write(5, 2);
  ASSERT_TRUE(a.has_value());
  EXPECT_TRUE(a->same_entry);
  EXPECT_EQ(a->waiter.request.seq, 1u);
  EXPECT_EQ(p.size(), 0u);
}

TEST(PendingRequests, DifferentTermAtTheIndexIsNotTheSameEntry) {
  PendingRequests p;
  p.add_write(5, 2, waiter(1));
  auto a = p.take_write(5, 3);
  ASSERT_TRUE(a.has_value());
  EXPECT_FALSE(a->same_entry);
}

TEST(PendingRequests, SecondProposalAtAnIndexDisplacesTheFirst) {
  PendingRequests p;
  p.add_write(5, 2, waiter(1));
  auto d = p.add_write(5, 4, waiter(2));
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->request.seq, 1u);
  EXPECT_EQ(p.size(), 1u);
}

TEST(PendingRequests, ReadsWaitForConfirmationThenForApply) {
  PendingRequests p;
  std::vector<Waiter> batch;
  batch.push_back(waiter(1));
  batch.push_back(waiter(2));
  p.add_read_batch("ctx", std::move(batch));
  EXPECT_TRUE(p.take_reads_ready(100).empty());  // not confirmed yet
  p.read_confirmed("ctx", 10);
  EXPECT_TRUE(p.take_reads_ready(9).empty());
  auto ready = p.take_reads_ready(10);
  EXPECT_EQ(ready.size(), 2u);
  EXPECT_EQ(p.size(), 0u);
  p.read_confirmed("unknown", 1);  // ignored
}

TEST(PendingRequests, TakeAllAndExpiry) {
  PendingRequests p;
  p.add_write(1, 1, waiter(1, 0));
  p.add_write(2, 1, waiter(2, 500));
  p.add_read_batch("a", {waiter(3, 0)});
  auto old = p.take_expired(1000, 600);
  EXPECT_EQ(old.size(), 2u);  // seq 1 and the read
  EXPECT_EQ(p.size(), 1u);
  EXPECT_EQ(p.take_all().size(), 1u);
  EXPECT_EQ(p.size(), 0u);
}

}  // namespace
}  // namespace node
