#include "cluster/kv/state_machine.h"

#include <gtest/gtest.h>

#include <vector>

#include "common/random.h"

namespace kv {
namespace {

std::string cmd(Op op, uint64_t client, uint64_t seq, std::string key, std::string value = "") {
  return encode_command(Command{op, client, seq, std::move(key), std::move(value)});
}

TEST(KvStateMachine, PutAppendGetAndMissingKeyReadsEmpty) {
  KvStateMachine sm;
  EXPECT_EQ(sm.apply(cmd(Op::kGet, 1, 1, "x"))->value, "");
  sm.apply(cmd(Op::kPut, 1, 2, "x", "a"));
  sm.apply(cmd(Op::kAppend, 1, 3, "x", "b"));
  sm.apply(cmd(Op::kAppend, 1, 4, "y", "c"));  // append to a missing key starts from ""
  common::Result<ApplyResult> r = sm.apply(cmd(Op::kGet, 1, 5, "x"));
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->value, "ab");
  EXPECT_EQ(sm.get("y"), "c");
  EXPECT_EQ(sm.get("nope"), "");
  EXPECT_EQ(sm.get_view("x"), "ab");  // the copy-free read sees the same value
  EXPECT_TRUE(sm.get_view("nope").empty());
}

TEST(KvStateMachine, RetriedAppendAppliesOnceAcrossInterleavedClients) {
  KvStateMachine sm;
  // Client 1's append (seq 1) is committed twice (a retry after a lost reply), with client 2's
  // operations interleaved between the original and the retry.
  sm.apply(cmd(Op::kAppend, 1, 1, "k", "A"));
  sm.apply(cmd(Op::kAppend, 2, 1, "k", "B"));
  common::Result<ApplyResult> retry = sm.apply(cmd(Op::kAppend, 1, 1, "k", "A"));
  ASSERT_TRUE(retry.is_ok());
  EXPECT_TRUE(retry->duplicate);
  sm.apply(cmd(Op::kAppend, 2, 2, "k", "C"));
  sm.apply(cmd(Op::kAppend, 2, 2, "k", "C"));  // client 2 retries too
  sm.apply(cmd(Op::kAppend, 1, 2, "k", "D"));
  sm.apply(cmd(Op::kAppend, 2, 1, "k", "B"));  // a very late duplicate (seq below the last)
  EXPECT_EQ(sm.get("k"), "ABCD");
}

TEST(KvStateMachine, DedupOffAppliesRetriesTwice) {
  KvStateMachine sm(/*dedup=*/false);
  sm.apply(cmd(Op::kAppend, 1, 1, "k", "A"));
  common::Result<ApplyResult> retry = sm.apply(cmd(Op::kAppend, 1, 1, "k", "A"));
  EXPECT_FALSE(retry->duplicate);
  EXPECT_EQ(sm.get("k"), "AA");
  EXPECT_EQ(sm.client_count(), 0u);
}

TEST(KvStateMachine, TableHoldsOneRecordPerClient) {
  KvStateMachine sm;
  uint64_t seq[3] = {0, 0, 0};
  const uint64_t ids[3] = {0x1111, 0x2222, 0x3333};
  for (int i = 0; i < 10000; ++i) {
    int c = i % 3;
    Op op = (i % 2) ? Op::kAppend : Op::kPut;
    std::string key = "key";
    key += std::to_string(i % 5);
    sm.apply(cmd(op, ids[c], ++seq[c], key, "v"));
  }
  EXPECT_EQ(sm.client_count(), 3u);
  EXPECT_EQ(sm.key_count(), 5u);
}

TEST(KvStateMachine, ReplicasApplyingTheSameLogHoldIdenticalBytes) {
  common::Rng rng(2024);
  std::vector<std::string> log;
  uint64_t seq[8] = {};
  for (int i = 0; i < 3000; ++i) {
    int c = static_cast<int>(rng.uniform(0, 7));
    Op op = static_cast<Op>(rng.uniform(1, 3));
    uint64_t s = rng.chance(0.1) && seq[c] > 0 ? seq[c] : ++seq[c];  // some retries
    std::string key = "k";  // built in two steps: GCC 12 warns (falsely) on "k" + to_string()
    key += std::to_string(rng.uniform(0, 40));
    log.push_back(cmd(op, 1000 + c, s, key, std::to_string(rng.next_u64() % 1000)));
  }
  KvStateMachine a, b;
  for (const std::string& e : log) ASSERT_TRUE(a.apply(e).is_ok());
  for (const std::string& e : log) ASSERT_TRUE(b.apply(e).is_ok());
  EXPECT_EQ(a.serialize(), b.serialize());
  EXPECT_EQ(a.digest(), b.digest());

  // Snapshot after half the log, restore into a fresh replica, apply the rest: same bytes.
  KvStateMachine half, restored;
  for (size_t i = 0; i < log.size() / 2; ++i) half.apply(log[i]);
  ASSERT_TRUE(restored.restore(half.serialize()).is_ok());
  EXPECT_EQ(restored.serialize(), half.serialize());
  for (size_t i = log.size() / 2; i < log.size(); ++i) restored.apply(log[i]);
  EXPECT_EQ(restored.serialize(), a.serialize());
}

TEST(KvStateMachine, RestoredTableStillDeduplicates) {
  KvStateMachine a;
  a.apply(cmd(Op::kAppend, 5, 1, "k", "x"));
  KvStateMachine b;
  ASSERT_TRUE(b.restore(a.serialize()).is_ok());
  EXPECT_TRUE(b.apply(cmd(Op::kAppend, 5, 1, "k", "x"))->duplicate);
  EXPECT_EQ(b.get("k"), "x");
}

TEST(KvStateMachine, MalformedCommandIsAnErrorAndChangesNothing) {
  KvStateMachine sm;
  sm.apply(cmd(Op::kPut, 1, 1, "k", "v"));
  std::string before = sm.serialize();
  for (std::string bad : {std::string(), std::string("\x01"), std::string("\x02garbage"),
                          cmd(Op::kPut, 1, 2, "k", "w").substr(0, 12)}) {
    common::Result<ApplyResult> r = sm.apply(bad);
    EXPECT_FALSE(r.is_ok());
  }
  EXPECT_EQ(sm.serialize(), before);
}

TEST(KvStateMachine, CorruptImageIsRejectedAndStateKept) {
  KvStateMachine sm;
  sm.apply(cmd(Op::kPut, 1, 1, "a", "1"));
  sm.apply(cmd(Op::kPut, 2, 1, "b", "2"));
  std::string image = sm.serialize();
  KvStateMachine target;
  target.apply(cmd(Op::kPut, 9, 1, "keep", "me"));
  std::string kept = target.serialize();
  for (size_t n = 0; n < image.size(); ++n) {
    common::Status s = target.restore(std::string_view(image).substr(0, n));
    ASSERT_FALSE(s.is_ok()) << "prefix " << n;
    EXPECT_EQ(s.code(), common::Status::Code::kCorruption);
  }
  EXPECT_FALSE(target.restore(image + "z").is_ok());
  EXPECT_EQ(target.serialize(), kept);
}

}  // namespace
}  // namespace kv
