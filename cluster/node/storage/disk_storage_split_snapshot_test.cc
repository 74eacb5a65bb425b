// The two-step snapshot of a node whose event loop keeps running (issue 6): the snapshot file is
// written (snapshot_file_writer) while the log goes on growing, then compact_through() drops the
// log. A crash at any point of either step, with or without a power cut, must open to the state
// before the snapshot or after it, with every synced entry.
#include <gtest/gtest.h>

#include "cluster/node/storage/disk_storage.h"
#include "cluster/node/storage/faulty_file_system.h"
#include "cluster/node/storage/memory_storage.h"
#include "cluster/node/storage/storage_test_util.h"

namespace storage {
namespace {

using testing::entries;
using testing::entry;
using testing::open_or_die;

const std::string kDir = "/data/n1";
const DiskStorageOptions kSmallSegments{.segment_bytes = 300};
const raft::Snapshot kSnapshot{12, 1, {1, 2, 3}, "image-12"};

// Log 1..20 (term 1), hard state {1, 1, 20}, synced over several segments.
std::unique_ptr<DiskStorage> build_log(FaultyFileSystem* fs) {
  Recovered rec;
  auto st = open_or_die(fs, kDir, &rec, kSmallSegments);
  if (!st) return nullptr;
  EXPECT_TRUE(st->append(entries(1, 20, 1)).is_ok());
  EXPECT_TRUE(st->set_hard_state({1, 1, 20}).is_ok());
  EXPECT_TRUE(st->sync().is_ok());
  return st;
}

void expect_entries(const Recovered& rec, raft::Index first, raft::Index last,
                    const std::string& where) {
  ASSERT_EQ(rec.state.entries.size(), last - first + 1) << where;
  for (raft::Index i = first; i <= last; ++i)
    EXPECT_EQ(rec.state.entries[i - first], entry(i, 1)) << where;
}

TEST(DiskStorageSplitSnapshot, FileThenCompactThroughKeepsWhatWasAppendedMeanwhile) {
  FaultyFileSystem fs;
  auto st = build_log(&fs);
  ASSERT_TRUE(st);
  Storage::SnapshotFileWriter write = st->snapshot_file_writer();
  common::Result<uint64_t> bytes = write(kSnapshot);
  ASSERT_TRUE(bytes.is_ok()) << bytes.status().to_string();
  EXPECT_EQ(st->snapshot_index(), 0u);                  // not adopted until compact_through
  ASSERT_TRUE(st->append(entries(21, 25, 1)).is_ok());  // the loop went on meanwhile
  ASSERT_TRUE(st->sync().is_ok());
  ASSERT_TRUE(st->compact_through(kSnapshot, bytes.value()).is_ok());
  EXPECT_EQ(st->snapshot_index(), 12u);
  EXPECT_EQ(st->snapshot_bytes(), bytes.value());
  EXPECT_EQ(st->last_index(), 25u);
  EXPECT_EQ(st->segment_count(), 1u);
  // A stale one (a newer snapshot was adopted since) changes nothing.
  ASSERT_TRUE(st->compact_through({5, 1, {1, 2, 3}, "old"}, 10).is_ok());
  EXPECT_EQ(st->snapshot_index(), 12u);
  st.reset();
  fs.power_cut();
  Recovered rec;
  st = open_or_die(&fs, kDir, &rec, kSmallSegments);
  ASSERT_TRUE(st);
  EXPECT_EQ(rec.state.snapshot.index, 12u);
  EXPECT_EQ(rec.state.snapshot.data, "image-12");
  expect_entries(rec, 13, 25, "after compact_through");
}

TEST(DiskStorageSplitSnapshot, EveryCrashPointOfBothStepsRecovers) {
  bool completed = false;
  for (int64_t n = 0; n < 100 && !completed; ++n) {
    for (bool power_cut : {false, true}) {
      std::string where =
          "crash after " + std::to_string(n) + " ops" + (power_cut ? " + power cut" : "");
      FaultyFileSystem fs;
      auto st = build_log(&fs);
      ASSERT_TRUE(st) << where;
      fs.crash_after(n);
      Storage::SnapshotFileWriter write = st->snapshot_file_writer();
      common::Result<uint64_t> bytes = write(kSnapshot);
      bool file_durable = bytes.is_ok() && !fs.crashed();
      bool appended = false;
      bool compacted = false;
      if (file_durable) {
        appended = st->append(entries(21, 22, 1)).is_ok() && st->sync().is_ok();
        compacted = appended && st->compact_through(kSnapshot, bytes.value()).is_ok();
      }
      completed = compacted && !fs.crashed();
      st.reset();
      if (power_cut) {
        fs.power_cut();
      } else {
        fs.restart();
      }
      Recovered rec;
      st = open_or_die(&fs, kDir, &rec, kSmallSegments);
      ASSERT_TRUE(st) << where;
      EXPECT_EQ(rec.state.hard_state, (raft::HardState{1, 1, 20})) << where;
      const bool after = rec.state.snapshot.index == 12;
      if (file_durable) {
        EXPECT_TRUE(after) << where << ": a durable snapshot file was lost";
      }
      if (after) {
        EXPECT_EQ(rec.state.snapshot.data, "image-12") << where;
      } else {
        EXPECT_EQ(rec.state.snapshot.index, 0u) << where;
      }
      raft::Index last = appended ? 22 : 20;
      if (!appended && !rec.state.entries.empty() && rec.state.entries.back().index == 22)
        last = 22;  // written before the crash point, and survived it
      expect_entries(rec, after ? 13 : 1, last, where);
    }
  }
  EXPECT_TRUE(completed) << "the two steps never completed within the crash-point budget";
}

TEST(DiskStorageSplitSnapshot, DeferredRemovalHandsOverTheSupersededSegmentsAndOpenRemovesThem) {
  FaultyFileSystem fs;
  DiskStorageOptions deferred = kSmallSegments;
  deferred.defer_segment_removal = true;
  Recovered rec;
  auto st = open_or_die(&fs, kDir, &rec, deferred);
  ASSERT_TRUE(st);
  ASSERT_TRUE(st->append(entries(1, 20, 1)).is_ok());
  ASSERT_TRUE(st->set_hard_state({1, 1, 20}).is_ok());
  ASSERT_TRUE(st->sync().is_ok());
  const size_t before = st->segment_count();
  ASSERT_GT(before, 1u);
  ASSERT_TRUE(st->save_snapshot(kSnapshot).is_ok());
  std::vector<std::string> superseded = st->take_superseded_segments();
  EXPECT_EQ(superseded.size(), before);
  EXPECT_TRUE(st->take_superseded_segments().empty());
  for (const std::string& path : superseded) EXPECT_TRUE(fs.exists(path)) << path;
  ASSERT_TRUE(fs.remove(superseded.front()).is_ok());  // the owner removed only one of them
  st.reset();
  fs.power_cut();
  st = open_or_die(&fs, kDir, &rec, deferred);
  ASSERT_TRUE(st);
  for (const std::string& path : superseded) EXPECT_FALSE(fs.exists(path)) << path;
  EXPECT_EQ(rec.state.snapshot.index, 12u);
  expect_entries(rec, 13, 20, "deferred removal");
}

TEST(MemoryStorageSplitSnapshot, CompactThroughIsSaveSnapshot) {
  MemoryStorage st;
  ASSERT_TRUE(st.append(entries(1, 20, 1)).is_ok());
  common::Result<uint64_t> bytes = st.snapshot_file_writer()(kSnapshot);
  ASSERT_TRUE(bytes.is_ok());
  EXPECT_EQ(st.snapshot_index(), 0u);
  ASSERT_TRUE(st.compact_through(kSnapshot, bytes.value()).is_ok());
  EXPECT_EQ(st.snapshot_index(), 12u);
  EXPECT_EQ(st.entries().size(), 8u);
  EXPECT_EQ(st.load_snapshot().value().data, "image-12");
}

}  // namespace
}  // namespace storage
