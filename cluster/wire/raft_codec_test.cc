#include "cluster/wire/raft_codec.h"

#include <gtest/gtest.h>

#include "common/random.h"

namespace wire {
namespace {

bool same(const raft::Message& a, const raft::Message& b) {
  return a.type == b.type && a.from == b.from && a.to == b.to && a.term == b.term &&
         a.log_term == b.log_term && a.index == b.index && a.commit == b.commit &&
         a.entries == b.entries && a.reject == b.reject && a.reject_hint == b.reject_hint &&
         a.reject_hint_term == b.reject_hint_term && a.context == b.context &&
         a.snapshot.index == b.snapshot.index && a.snapshot.term == b.snapshot.term &&
         a.snapshot.voters == b.snapshot.voters && a.snapshot.data == b.snapshot.data &&
         a.snapshot_offset == b.snapshot_offset && a.snapshot_done == b.snapshot_done;
}

raft::Message sample_append() {
  raft::Message m;
  m.type = raft::MessageType::kAppend;
  m.from = 1;
  m.to = 3;
  m.term = 7;
  m.log_term = 6;
  m.index = 100;
  m.commit = 99;
  m.entries = {{7, 101, raft::EntryType::kNoop, ""}, {7, 102, raft::EntryType::kNormal, "cmd"}};
  return m;
}

TEST(RaftCodec, EveryMessageTypeRoundTrips) {
  for (int t = 1; t <= 11; ++t) {
    raft::Message m = sample_append();
    m.type = static_cast<raft::MessageType>(t);
    m.reject = t % 2 == 0;
    m.reject_hint = 55;
    m.reject_hint_term = 4;
    m.context = std::string("\x00\x01ctx", 5);
    if (m.type == raft::MessageType::kSnapshot) {
      m.snapshot = {90, 5, {1, 2, 3}, std::string(1000, 'x')};
      m.snapshot_offset = 4096;
      m.snapshot_done = true;
    }
    auto d = decode_raft_message(encode_raft_message(m));
    ASSERT_TRUE(d.is_ok()) << "type " << t << ": " << d.status().to_string();
    EXPECT_TRUE(same(*d, m)) << "type " << t;
  }
}

TEST(RaftCodec, LargeValuesAndTermsRoundTrip) {
  raft::Message m = sample_append();
  m.term = ~0ULL;
  m.index = 1ULL << 62;
  m.entries = {{~0ULL, (1ULL << 62) + 1, raft::EntryType::kNormal, std::string(300000, 'v')}};
  auto d = decode_raft_message(encode_raft_message(m));
  ASSERT_TRUE(d.is_ok());
  EXPECT_TRUE(same(*d, m));
}

TEST(RaftCodec, TruncationsAreRejectedWithAnOffset) {
  std::string p = encode_raft_message(sample_append());
  for (size_t n = 0; n < p.size(); ++n) {
    auto d = decode_raft_message(std::string_view(p).substr(0, n));
    ASSERT_FALSE(d.is_ok()) << n;
    EXPECT_NE(d.status().message().find("at byte"), std::string::npos) << d.status().message();
  }
}

TEST(RaftCodec, BadFieldsNameTheFieldAndOffset) {
  std::string p = encode_raft_message(sample_append());
  std::string bad = p;
  bad[1] = 42;
  EXPECT_NE(decode_raft_message(bad).status().message().find(
                "type: unknown raft message type 42 at byte 1"),
            std::string::npos);
  bad = p;
  bad[0] = 2;
  EXPECT_NE(decode_raft_message(bad).status().message().find("version"), std::string::npos);
  EXPECT_NE(decode_raft_message(p + "zz").status().message().find("trailing bytes"),
            std::string::npos);
}

TEST(RaftCodec, HugeEntryCountIsRejectedBeforeAllocating) {
  raft::Message m = sample_append();
  m.entries.clear();
  std::string p = encode_raft_message(m);
  // entries count is the byte before has_snapshot (last byte): replace with a huge varint
  p.pop_back();  // has_snapshot
  p.pop_back();  // count 0
  p += std::string("\xff\xff\xff\xff\x0f", 5);
  p.push_back('\0');
  auto d = decode_raft_message(p);
  ASSERT_FALSE(d.is_ok());
  EXPECT_NE(d.status().message().find("exceeds the payload"), std::string::npos)
      << d.status().message();
}

TEST(RaftCodec, RandomGarbageNeverCrashes) {
  common::Rng rng(7);
  std::string good = encode_raft_message(sample_append());
  for (int i = 0; i < 20000; ++i) {
    std::string g = good;
    int flips = static_cast<int>(rng.uniform(1, 4));
    for (int k = 0; k < flips; ++k)
      g[rng.uniform(0, int64_t(g.size()) - 1)] = static_cast<char>(rng.uniform(0, 255));
    if (rng.chance(0.3)) g.resize(rng.uniform(0, int64_t(g.size())));
    (void)decode_raft_message(g);
  }
}

}  // namespace
}  // namespace wire
