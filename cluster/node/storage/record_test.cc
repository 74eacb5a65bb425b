#include "cluster/node/storage/record.h"

#include <gtest/gtest.h>

#include "cluster/node/storage/log_format.h"

namespace storage {
namespace {

TEST(Record, RoundTripsAndChainsOffsets) {
  std::string file;
  append_record(&file, RecordType::kEntry, "hello");
  append_record(&file, RecordType::kHardState, "");
  RecordRead a = read_record(file, 0);
  ASSERT_EQ(a.outcome, ReadOutcome::kOk);
  EXPECT_EQ(a.type, RecordType::kEntry);
  EXPECT_EQ(a.payload, "hello");
  RecordRead b = read_record(file, a.next);
  ASSERT_EQ(b.outcome, ReadOutcome::kOk);
  EXPECT_EQ(b.type, RecordType::kHardState);
  EXPECT_EQ(read_record(file, b.next).outcome, ReadOutcome::kEnd);
}

TEST(Record, EveryPrefixOfARecordReadsAsTorn) {
  std::string file;
  append_record(&file, RecordType::kEntry, "some payload bytes");
  for (size_t n = 1; n < file.size(); ++n) {
    RecordRead r = read_record(std::string_view(file).substr(0, n), 0);
    EXPECT_EQ(r.outcome, ReadOutcome::kTorn) << "prefix " << n << ": " << r.problem;
  }
}

TEST(Record, DamageFollowedByDataIsCorruptAtTheEndIsTorn) {
  std::string file;
  append_record(&file, RecordType::kEntry, "first");
  size_t second = file.size();
  append_record(&file, RecordType::kEntry, "second");
  for (size_t i = 0; i < second; ++i) {  // any flipped bit in the first record, more data after
    std::string bad = file;
    bad[i] ^= 0x10;
    EXPECT_EQ(read_record(bad, 0).outcome, ReadOutcome::kCorrupt) << "byte " << i;
  }
  std::string last_damaged = file;
  last_damaged.back() ^= 0x01;  // a flipped bit in the payload of a complete last record: rot
  EXPECT_EQ(read_record(last_damaged, second).outcome, ReadOutcome::kCorrupt);
  std::string zero_tail = file.substr(0, second) + std::string(40, '\0');
  EXPECT_EQ(read_record(zero_tail, second).outcome, ReadOutcome::kTorn);
}

TEST(Record, ACompleteLastRecordIsTornOnlyWhereASectorOfItReadsAsZeros) {
  // A record across a sector boundary whose second sector never landed (the file system had
  // already extended the file): zeros from the boundary on.
  std::string file(400, 'x');
  const size_t at = file.size();
  append_record(&file, RecordType::kEntry, std::string(300, 'p'));  // payload bytes 413-712
  std::string torn = file;
  for (size_t i = 512; i < torn.size(); ++i) torn[i] = '\0';
  RecordRead r = read_record(torn, at);
  EXPECT_EQ(r.outcome, ReadOutcome::kTorn) << r.problem;
  std::string rotten = file;
  rotten[600] ^= 0x04;  // every sector landed, one bit is wrong
  r = read_record(rotten, at);
  EXPECT_EQ(r.outcome, ReadOutcome::kCorrupt) << r.problem;
  EXPECT_EQ(r.problem, "payload checksum mismatch");
}

TEST(LogFormat, PayloadsRoundTrip) {
  raft::Entry e{7, 42, raft::EntryType::kNoop, std::string("d\0t", 3)};
  raft::Entry e2;
  std::string problem;
  ASSERT_TRUE(decode_entry(encode_entry(e), &e2, &problem)) << problem;
  EXPECT_EQ(e, e2);
  raft::HardState hs{3, 2, 1}, hs2;
  ASSERT_TRUE(decode_hard_state(encode_hard_state(hs), &hs2, &problem));
  EXPECT_EQ(hs, hs2);
  raft::Snapshot s{10, 4, {1, 2, 3}, "image"}, s2;
  ASSERT_TRUE(decode_snapshot(encode_snapshot(s), &s2, &problem));
  EXPECT_EQ(s2.index, 10u);
  EXPECT_EQ(s2.voters, (std::vector<raft::NodeId>{1, 2, 3}));
  EXPECT_EQ(s2.data, "image");
  SegmentHeader h{5, true, 9, 2}, h2;
  ASSERT_TRUE(decode_segment_header(encode_segment_header(h), &h2, &problem));
  EXPECT_EQ(h2.seq, 5u);
  EXPECT_TRUE(h2.starts_log);
  EXPECT_FALSE(decode_hard_state("short", &hs2, &problem));
  EXPECT_FALSE(problem.empty());
}

TEST(LogFormat, SegmentNames) {
  EXPECT_EQ(segment_name(1), "000000001.seg");
  uint64_t seq = 0;
  EXPECT_TRUE(parse_segment_name("000000042.seg", &seq));
  EXPECT_EQ(seq, 42u);
  EXPECT_FALSE(parse_segment_name("00000004x.seg", &seq));
  EXPECT_FALSE(parse_segment_name("000000042.seg.tmp", &seq));
  EXPECT_FALSE(parse_segment_name(".seg", &seq));
}

}  // namespace
}  // namespace storage
