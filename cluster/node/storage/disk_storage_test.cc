#include "cluster/node/storage/disk_storage.h"

#include <gtest/gtest.h>

#include "cluster/node/storage/faulty_file_system.h"
#include "cluster/node/storage/log_format.h"
#include "cluster/node/storage/record.h"
#include "cluster/node/storage/storage_test_util.h"

namespace storage {
namespace {

using testing::entries;
using testing::entry;
using testing::open_or_die;

const std::string kDir = "/data/n1";
const std::string kSeg1 = kDir + "/log/000000001.seg";

TEST(DiskStorage, EntriesAndHardStateRoundTripOverReopen) {
  FaultyFileSystem fs;
  Recovered rec;
  auto st = open_or_die(&fs, kDir, &rec);
  ASSERT_TRUE(st);
  EXPECT_TRUE(rec.state.entries.empty());
  ASSERT_TRUE(st->append(entries(1, 10, 1)).is_ok());
  ASSERT_TRUE(st->set_hard_state({2, 3, 7}).is_ok());
  ASSERT_TRUE(st->append(entries(11, 12, 2)).is_ok());
  ASSERT_TRUE(st->sync().is_ok());
  st.reset();
  fs.power_cut();
  auto again = open_or_die(&fs, kDir, &rec);
  ASSERT_TRUE(again);
  EXPECT_TRUE(rec.warnings.empty());
  EXPECT_EQ(rec.state.hard_state, (raft::HardState{2, 3, 7}));
  ASSERT_EQ(rec.state.entries.size(), 12u);
  EXPECT_EQ(rec.state.entries[0], entry(1, 1));
  EXPECT_EQ(rec.state.entries[11], entry(12, 2));
  EXPECT_EQ(again->last_index(), 12u);
}

TEST(DiskStorage, SuffixTruncationSurvivesReopen) {
  FaultyFileSystem fs;
  Recovered rec;
  auto st = open_or_die(&fs, kDir, &rec);
  ASSERT_TRUE(st->append(entries(1, 8, 1)).is_ok());
  ASSERT_TRUE(st->sync().is_ok());
  ASSERT_TRUE(st->append(entries(5, 6, 3)).is_ok());  // a new leader overwrites 5..8
  ASSERT_TRUE(st->sync().is_ok());
  EXPECT_EQ(st->last_index(), 6u);
  st.reset();
  st = open_or_die(&fs, kDir, &rec);
  ASSERT_EQ(rec.state.entries.size(), 6u);
  EXPECT_EQ(rec.state.entries[3], entry(4, 1));
  EXPECT_EQ(rec.state.entries[4], entry(5, 3));
  ASSERT_TRUE(st->append(entries(7, 7, 3)).is_ok());  // and the log goes on from there
  ASSERT_TRUE(st->sync().is_ok());
  st.reset();
  st = open_or_die(&fs, kDir, &rec);
  EXPECT_EQ(rec.state.entries.back(), entry(7, 3));
}

TEST(DiskStorage, RejectsAppendsThatLeaveAGapOrSkipIndexes) {
  FaultyFileSystem fs;
  Recovered rec;
  auto st = open_or_die(&fs, kDir, &rec);
  ASSERT_TRUE(st->append(entries(1, 3, 1)).is_ok());
  EXPECT_FALSE(st->append(entries(5, 6, 1)).is_ok());
  EXPECT_FALSE(st->append({entry(4, 1), entry(6, 1)}).is_ok());
  EXPECT_FALSE(st->append(entries(0, 1, 1)).is_ok());
  EXPECT_EQ(st->last_index(), 3u);
}

TEST(DiskStorage, TornTailAtEveryByteOfTheLastRecordIsTruncated) {
  // Build a synced log, then remember the bytes of one more record (entry 6).
  FaultyFileSystem fs;
  Recovered rec;
  auto st = open_or_die(&fs, kDir, &rec);
  ASSERT_TRUE(st->append(entries(1, 5, 1)).is_ok());
  ASSERT_TRUE(st->set_hard_state({1, 1, 5}).is_ok());
  ASSERT_TRUE(st->sync().is_ok());
  std::string base = fs.contents(kSeg1);
  ASSERT_TRUE(st->append(entries(6, 6, 1)).is_ok());
  ASSERT_TRUE(st->sync().is_ok());
  std::string full = fs.contents(kSeg1);
  st.reset();
  std::string record = full.substr(base.size());
  for (size_t k = 0; k < record.size(); ++k) {
    FaultyFileSystem torn;
    ASSERT_TRUE(torn.create_dirs(kDir + "/log").is_ok());
    torn.set_contents(kSeg1, base + record.substr(0, k), true);
    Recovered r;
    auto s = open_or_die(&torn, kDir, &r);
    ASSERT_TRUE(s) << "cut at byte " << k;
    ASSERT_EQ(r.state.entries.size(), 5u) << "cut at byte " << k;
    EXPECT_EQ(r.state.hard_state, (raft::HardState{1, 1, 5}));
    EXPECT_EQ(torn.contents(kSeg1), base);
    if (k > 0) {
      ASSERT_EQ(r.warnings.size(), 1u) << "cut at byte " << k;
      EXPECT_NE(r.warnings[0].find(kSeg1), std::string::npos) << r.warnings[0];
      EXPECT_NE(r.warnings[0].find("offset " + std::to_string(base.size())), std::string::npos)
          << r.warnings[0];
    }
    ASSERT_TRUE(s->append(entries(6, 6, 2)).is_ok());  // appending goes on after the cut
    ASSERT_TRUE(s->sync().is_ok());
    s.reset();
    s = open_or_die(&torn, kDir, &r);
    ASSERT_EQ(r.state.entries.size(), 6u);
    EXPECT_EQ(r.state.entries.back(), entry(6, 2));
  }
}

TEST(DiskStorage, TornWriteFromTheFileSystemIsRecovered) {
  FaultyFileSystem fs;
  Recovered rec;
  auto st = open_or_die(&fs, kDir, &rec);
  ASSERT_TRUE(st->append(entries(1, 3, 1)).is_ok());
  ASSERT_TRUE(st->sync().is_ok());
  ASSERT_TRUE(st->append(entries(4, 9, 1)).is_ok());
  fs.tear_next_append(100);  // the batch 4..9 reaches the file only in part
  EXPECT_FALSE(st->sync().is_ok());
  EXPECT_FALSE(st->append(entries(10, 10, 1)).is_ok());  // failed for good
  st.reset();
  fs.restart();
  st = open_or_die(&fs, kDir, &rec);
  ASSERT_GE(rec.state.entries.size(), 3u);
  ASSERT_LE(rec.state.entries.size(), 9u);
  for (size_t i = 0; i < rec.state.entries.size(); ++i) {
    EXPECT_EQ(rec.state.entries[i], entry(i + 1, 1));
  }
  EXPECT_EQ(rec.warnings.size(), 1u);
}

TEST(DiskStorage, CorruptionInTheMiddleNamesFileAndOffset) {
  FaultyFileSystem fs;
  Recovered rec;
  auto st = open_or_die(&fs, kDir, &rec);
  ASSERT_TRUE(st->append(entries(1, 1, 1)).is_ok());
  ASSERT_TRUE(st->sync().is_ok());
  size_t second = fs.contents(kSeg1).size();
  ASSERT_TRUE(st->append(entries(2, 5, 1)).is_ok());
  ASSERT_TRUE(st->sync().is_ok());
  st.reset();
  for (size_t delta : {size_t{0}, size_t{4}, size_t{11}, kRecordHeaderBytes + 3}) {
    std::string bytes = fs.contents(kSeg1);
    bytes[second + delta] ^= 0x40;
    FaultyFileSystem bad;
    ASSERT_TRUE(bad.create_dirs(kDir + "/log").is_ok());
    bad.set_contents(kSeg1, bytes, true);
    Recovered r;
    auto s = DiskStorage::open(&bad, kDir, {}, &r);
    ASSERT_FALSE(s.is_ok()) << "flip at +" << delta;
    EXPECT_EQ(s.status().code(), common::Status::Code::kCorruption);
    const std::string& msg = s.status().message();
    EXPECT_NE(msg.find(kSeg1), std::string::npos) << msg;
    EXPECT_NE(msg.find("byte offset " + std::to_string(second)), std::string::npos) << msg;
  }
}

TEST(DiskStorage, DamagedLastRecordOfAnEarlierSegmentIsCorruptionNotATornTail) {
  FaultyFileSystem fs;
  Recovered rec;
  auto st = open_or_die(&fs, kDir, &rec, {.segment_bytes = 200});
  for (raft::Index i = 1; i <= 20; ++i) {
    ASSERT_TRUE(st->append(entries(i, i, 1)).is_ok());
    ASSERT_TRUE(st->sync().is_ok());
  }
  ASSERT_GT(st->segment_count(), 2u);
  st.reset();
  std::string bytes = fs.contents(kSeg1);
  bytes.back() ^= 0x01;
  fs.set_contents(kSeg1, bytes, true);
  auto s = DiskStorage::open(&fs, kDir, {.segment_bytes = 200}, &rec);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), common::Status::Code::kCorruption);
  EXPECT_NE(s.status().message().find(kSeg1), std::string::npos) << s.status().message();
}

TEST(DiskStorage, PowerCutLosesOnlyUnsyncedRecords) {
  FaultyFileSystem fs;
  Recovered rec;
  auto st = open_or_die(&fs, kDir, &rec);
  ASSERT_TRUE(st->append(entries(1, 3, 1)).is_ok());
  ASSERT_TRUE(st->set_hard_state({1, 1, 2}).is_ok());
  ASSERT_TRUE(st->sync().is_ok());
  ASSERT_TRUE(st->append(entries(4, 6, 1)).is_ok());
  ASSERT_TRUE(st->set_hard_state({2, 0, 3}).is_ok());
  ASSERT_TRUE(st->flush().is_ok());  // written, not synced
  st.reset();
  fs.power_cut();
  st = open_or_die(&fs, kDir, &rec);
  EXPECT_EQ(rec.state.entries.size(), 3u);
  EXPECT_EQ(rec.state.hard_state, (raft::HardState{1, 1, 2}));
}

TEST(DiskStorage, SyncAfterFlushStillMakesTheFlushedRecordsDurable) {
  FaultyFileSystem fs;
  Recovered rec;
  auto st = open_or_die(&fs, kDir, &rec);
  ASSERT_TRUE(st->append(entries(1, 3, 1)).is_ok());
  ASSERT_TRUE(st->flush().is_ok());
  ASSERT_TRUE(st->sync().is_ok());
  st.reset();
  fs.power_cut();
  st = open_or_die(&fs, kDir, &rec);
  EXPECT_EQ(rec.state.entries.size(), 3u);
}

TEST(DiskStorage, ASurvivingHardStateNeverCommitsBeyondTheSurvivingEntries) {
  FaultyFileSystem fs;
  Recovered rec;
  auto st = open_or_die(&fs, kDir, &rec);
  ASSERT_TRUE(st->append(entries(1, 2, 1)).is_ok());
  ASSERT_TRUE(st->set_hard_state({1, 1, 2}).is_ok());
  ASSERT_TRUE(st->sync().is_ok());
  std::string base = fs.contents(kSeg1);
  // The node queues the hard state first this time; the storage still writes it last.
  ASSERT_TRUE(st->set_hard_state({1, 1, 6}).is_ok());
  ASSERT_TRUE(st->append(entries(3, 6, 1)).is_ok());
  ASSERT_TRUE(st->sync().is_ok());
  std::string full = fs.contents(kSeg1);
  st.reset();
  for (size_t k = base.size(); k < full.size(); ++k) {
    FaultyFileSystem torn;
    ASSERT_TRUE(torn.create_dirs(kDir + "/log").is_ok());
    torn.set_contents(kSeg1, full.substr(0, k), true);
    Recovered r;
    auto s = open_or_die(&torn, kDir, &r);
    ASSERT_TRUE(s);
    EXPECT_LE(r.state.hard_state.commit, r.state.entries.size()) << "cut at byte " << k;
  }
}

TEST(DiskStorage, ProcessKillKeepsFlushedButUnsyncedRecords) {
  FaultyFileSystem fs;
  Recovered rec;
  auto st = open_or_die(&fs, kDir, &rec);
  ASSERT_TRUE(st->append(entries(1, 3, 1)).is_ok());
  ASSERT_TRUE(st->flush().is_ok());
  st.reset();  // SIGKILL: the page cache survives
  st = open_or_die(&fs, kDir, &rec);
  EXPECT_EQ(rec.state.entries.size(), 3u);
}

TEST(DiskStorage, FailedSyncStopsTheStorage) {
  FaultyFileSystem fs;
  Recovered rec;
  auto st = open_or_die(&fs, kDir, &rec);
  ASSERT_TRUE(st->append(entries(1, 1, 1)).is_ok());
  fs.fail_next_sync();
  EXPECT_FALSE(st->sync().is_ok());
  EXPECT_FALSE(st->sync().is_ok());  // never "succeeds" on a retry after a failed fsync
  EXPECT_FALSE(st->set_hard_state({1, 0, 0}).is_ok());
}

TEST(DiskStorage, SegmentsRollAndLogBytesCountTheFiles) {
  FaultyFileSystem fs;
  Recovered rec;
  DiskStorageOptions small{.segment_bytes = 512};
  auto st = open_or_die(&fs, kDir, &rec, small);
  for (raft::Index i = 1; i <= 100; i += 4) {
    ASSERT_TRUE(st->append(entries(i, i + 3, 1 + i / 50)).is_ok());
    ASSERT_TRUE(st->set_hard_state({1 + i / 50, 1, i}).is_ok());
    ASSERT_TRUE(st->sync().is_ok());
  }
  EXPECT_GT(st->segment_count(), 5u);
  auto names = fs.list(kDir + "/log");
  ASSERT_TRUE(names.is_ok());
  EXPECT_EQ(names.value().size(), st->segment_count());
  uint64_t total = 0;
  for (const std::string& n : names.value()) {
    std::string c = fs.contents(kDir + "/log/" + n);
    total += c.size();
    EXPECT_LT(c.size(), 512u + 4 * 64) << n;  // rolled at the size (plus at most one batch)
  }
  EXPECT_EQ(st->log_bytes(), total);
  st.reset();
  fs.power_cut();
  st = open_or_die(&fs, kDir, &rec, small);
  ASSERT_EQ(rec.state.entries.size(), 100u);
  for (raft::Index i = 1; i <= 100; ++i) EXPECT_EQ(rec.state.entries[i - 1].index, i);
  EXPECT_EQ(rec.state.hard_state.commit, 97u);
  EXPECT_EQ(st->log_bytes(), total);
}

TEST(DiskStorage, MissingDataDirIsCreated) {
  FaultyFileSystem fs;
  Recovered rec;
  auto st = open_or_die(&fs, "/fresh/deep/dir", &rec);
  ASSERT_TRUE(st);
  EXPECT_TRUE(fs.exists("/fresh/deep/dir/log/000000001.seg"));
}

TEST(DiskStorage, UnwritableOrNonDirectoryDataDirIsAClearError) {
  FaultyFileSystem fs;
  ASSERT_TRUE(fs.create_dirs("/ro").is_ok());
  fs.set_read_only("/ro");
  Recovered rec;
  auto a = DiskStorage::open(&fs, "/ro", {}, &rec);
  ASSERT_FALSE(a.is_ok());
  EXPECT_NE(a.status().message().find("data dir /ro"), std::string::npos) << a.status().message();
  EXPECT_NE(a.status().message().find("Permission denied"), std::string::npos);
  ASSERT_TRUE(fs.create_dirs("/d").is_ok());
  fs.set_contents("/d/file", "x", true);
  auto b = DiskStorage::open(&fs, "/d/file", {}, &rec);
  ASSERT_FALSE(b.is_ok());
  EXPECT_NE(b.status().message().find("not a directory"), std::string::npos)
      << b.status().message();
}

TEST(DiskStorage, GarbageSegmentOrSnapshotFileIsCorruption) {
  FaultyFileSystem fs;
  ASSERT_TRUE(fs.create_dirs(kDir + "/log").is_ok());
  fs.set_contents(kSeg1, "this is not a log segment at all", true);
  Recovered rec;
  auto a = DiskStorage::open(&fs, kDir, {}, &rec);
  ASSERT_FALSE(a.is_ok());
  EXPECT_EQ(a.status().code(), common::Status::Code::kCorruption);
  EXPECT_NE(a.status().message().find(kSeg1 + " at byte offset 0"), std::string::npos)
      << a.status().message();

  FaultyFileSystem fs2;
  ASSERT_TRUE(fs2.create_dirs(kDir).is_ok());
  fs2.set_contents(kDir + "/snapshot.snap", "garbage snapshot bytes", true);
  auto b = DiskStorage::open(&fs2, kDir, {}, &rec);
  ASSERT_FALSE(b.is_ok());
  EXPECT_NE(b.status().message().find("snapshot.snap at byte offset 0"), std::string::npos)
      << b.status().message();
}

TEST(DiskStorage, LeftoverTemporaryAndUnknownFilesAreReported) {
  FaultyFileSystem fs;
  Recovered rec;
  auto st = open_or_die(&fs, kDir, &rec);
  ASSERT_TRUE(st->append(entries(1, 2, 1)).is_ok());
  ASSERT_TRUE(st->sync().is_ok());
  st.reset();
  fs.set_contents(kDir + "/snapshot.snap.tmp", "half a snapshot", true);
  fs.set_contents(kDir + "/log/000000002.seg.tmp", "half a segment", true);
  fs.set_contents(kDir + "/log/README", "not ours", true);
  st = open_or_die(&fs, kDir, &rec);
  ASSERT_TRUE(st);
  EXPECT_EQ(rec.state.entries.size(), 2u);
  EXPECT_EQ(rec.warnings.size(), 3u);
  EXPECT_FALSE(fs.exists(kDir + "/snapshot.snap.tmp"));
  EXPECT_FALSE(fs.exists(kDir + "/log/000000002.seg.tmp"));
  EXPECT_TRUE(fs.exists(kDir + "/log/README"));
}

}  // namespace
}  // namespace storage
