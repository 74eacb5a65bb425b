// DiskStorage snapshots and compaction: what survives, what it costs in bytes, what is refused.
#include <gtest/gtest.h>

#include "cluster/node/storage/disk_storage.h"
#include "cluster/node/storage/faulty_file_system.h"
#include "cluster/node/storage/storage_test_util.h"

namespace storage {
namespace {

using testing::entries;
using testing::entry;
using testing::open_or_die;

const std::string kDir = "/data/n1";

TEST(DiskStorage, CompactionKeepsTheLiveEntriesAcrossSegmentsAndTruncations) {
  FaultyFileSystem fs;
  Recovered rec;
  DiskStorageOptions small{.segment_bytes = 256};
  auto st = open_or_die(&fs, kDir, &rec, small);
  for (raft::Index i = 1; i <= 20; i += 2) {
    ASSERT_TRUE(st->append(entries(i, i + 1, 1)).is_ok());
    ASSERT_TRUE(st->sync().is_ok());
  }
  for (raft::Index i = 12; i <= 25; i += 3) {  // a new leader rewrites 12.. over several segments
    ASSERT_TRUE(st->append(entries(i, i + 2, 2)).is_ok());
    ASSERT_TRUE(st->sync().is_ok());
  }
  ASSERT_TRUE(st->append(entries(18, 22, 3)).is_ok());  // and another one from 18
  ASSERT_TRUE(st->set_hard_state({3, 2, 15}).is_ok());
  ASSERT_TRUE(st->sync().is_ok());
  ASSERT_GT(st->segment_count(), 3u);
  ASSERT_TRUE(st->save_snapshot({15, 2, {1, 2, 3}, "fifteen"}).is_ok());
  EXPECT_EQ(st->segment_count(), 1u);
  EXPECT_EQ(st->last_index(), 22u);
  ASSERT_TRUE(st->append(entries(23, 23, 3)).is_ok());
  ASSERT_TRUE(st->sync().is_ok());
  st.reset();
  fs.power_cut();
  st = open_or_die(&fs, kDir, &rec, small);
  ASSERT_TRUE(st);
  EXPECT_EQ(rec.state.snapshot.index, 15u);
  EXPECT_EQ(rec.state.hard_state, (raft::HardState{3, 2, 15}));
  ASSERT_EQ(rec.state.entries.size(), 8u);  // 16, 17 (term 2), 18..23 (term 3)
  EXPECT_EQ(rec.state.entries[0], entry(16, 2));
  EXPECT_EQ(rec.state.entries[1], entry(17, 2));
  for (raft::Index i = 18; i <= 23; ++i) EXPECT_EQ(rec.state.entries[i - 16], entry(i, 3));
}

TEST(DiskStorage, SnapshotWithoutAnyLogSegmentIsCorruption) {
  FaultyFileSystem fs;
  Recovered rec;
  auto st = open_or_die(&fs, kDir, &rec);
  ASSERT_TRUE(st->append(entries(1, 4, 1)).is_ok());
  ASSERT_TRUE(st->set_hard_state({1, 1, 4}).is_ok());
  ASSERT_TRUE(st->save_snapshot({4, 1, {1}, "img"}).is_ok());
  st.reset();
  auto names = fs.list(kDir + "/log");
  ASSERT_TRUE(names.is_ok());
  for (const std::string& n : names.value()) ASSERT_TRUE(fs.remove(kDir + "/log/" + n).is_ok());
  auto s = DiskStorage::open(&fs, kDir, {}, &rec);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), common::Status::Code::kCorruption);
  EXPECT_NE(s.status().message().find("hard state is lost"), std::string::npos);
}

TEST(DiskStorage, SnapshotIsLoadableAndOlderSnapshotsAreIgnored) {
  FaultyFileSystem fs;
  Recovered rec;
  auto st = open_or_die(&fs, kDir, &rec);
  ASSERT_TRUE(st->append(entries(1, 10, 1)).is_ok());
  ASSERT_TRUE(st->save_snapshot({6, 1, {1, 2}, "six"}).is_ok());
  ASSERT_TRUE(st->save_snapshot({4, 1, {1, 2}, "four"}).is_ok());  // stale: ignored
  common::Result<raft::Snapshot> snap = st->load_snapshot();
  ASSERT_TRUE(snap.is_ok());
  EXPECT_EQ(snap->index, 6u);
  EXPECT_EQ(snap->data, "six");
  EXPECT_EQ(st->snapshot_index(), 6u);
  EXPECT_EQ(st->last_index(), 10u);
  EXPECT_EQ(st->snapshot_bytes(), fs.contents(kDir + "/snapshot.snap").size());
}

uint64_t log_dir_bytes(FaultyFileSystem& fs) {
  uint64_t total = 0;
  common::Result<std::vector<std::string>> names = fs.list(kDir + "/log");
  for (const std::string& n : names.value()) total += fs.contents(kDir + "/log/" + n).size();
  return total;
}

TEST(DiskStorage, LogBytesIsWhatTheSegmentsHoldInEveryState) {
  FaultyFileSystem fs;
  Recovered rec;
  auto st = open_or_die(&fs, kDir, &rec);
  EXPECT_EQ(st->log_bytes(), log_dir_bytes(fs));
  ASSERT_TRUE(st->append(entries(1, 30, 1)).is_ok());
  ASSERT_TRUE(st->set_hard_state({1, 1, 30}).is_ok());
  EXPECT_GT(st->log_bytes(), log_dir_bytes(fs));  // queued records count before they are written
  ASSERT_TRUE(st->sync().is_ok());
  EXPECT_EQ(st->log_bytes(), log_dir_bytes(fs));
  uint64_t full = st->log_bytes();
  ASSERT_TRUE(st->save_snapshot({28, 1, {1}, "img"}).is_ok());
  EXPECT_EQ(st->log_bytes(), log_dir_bytes(fs));
  EXPECT_LT(st->log_bytes(), full / 5);
  st.reset();
  st = open_or_die(&fs, kDir, &rec);
  EXPECT_EQ(st->log_bytes(), log_dir_bytes(fs));
  EXPECT_EQ(st->snapshot_bytes(), fs.contents(kDir + "/snapshot.snap").size());
}

}  // namespace
}  // namespace storage
