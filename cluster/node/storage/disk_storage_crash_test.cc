// Crash tests: the process dies (or the power fails) at every mutating file-system operation of a
// snapshot + compaction, or of a stream of appends, and the data dir must still open to a
// consistent state holding everything that was acknowledged.
#include <gtest/gtest.h>

#include <cctype>
#include <ostream>

#include "cluster/node/storage/disk_storage.h"
#include "cluster/node/storage/faulty_file_system.h"
#include "cluster/node/storage/storage_test_util.h"
#include "common/random.h"

namespace storage {
namespace {

using testing::entries;
using testing::entry;
using testing::open_or_die;

const std::string kDir = "/data/n1";
const DiskStorageOptions kSmallSegments{.segment_bytes = 300};

struct CompactionCase {
  const char* name;
  raft::Index earlier_snapshot;  // 0: none before the one under test
  raft::Snapshot snapshot;       // the one saved while crashing
  raft::Index kept_from;         // first entry expected after it (0: none kept)
};

std::ostream& operator<<(std::ostream& os, const CompactionCase& c) { return os << c.name; }

// Log 1..30 (term 1 up to 20, then 2), hard state {2, 1, 30}, all synced, over several segments.
void build_log(FaultyFileSystem* fs, raft::Index earlier_snapshot) {
  Recovered rec;
  auto st = open_or_die(fs, kDir, &rec, kSmallSegments);
  ASSERT_TRUE(st);
  for (raft::Index i = 1; i <= 30; i += 5) {
    ASSERT_TRUE(st->append(entries(i, i + 4, i <= 20 ? 1 : 2)).is_ok());
    ASSERT_TRUE(st->sync().is_ok());
  }
  ASSERT_TRUE(st->set_hard_state({2, 1, 30}).is_ok());
  ASSERT_TRUE(st->sync().is_ok());
  ASSERT_GT(st->segment_count(), 1u);
  if (earlier_snapshot > 0) {
    ASSERT_TRUE(st->save_snapshot({earlier_snapshot, 1, {1, 2, 3}, "early"}).is_ok());
  }
}

// Either the state before the snapshot, or the state after it; nothing in between.
void expect_consistent(const Recovered& rec, const CompactionCase& c, bool must_be_after,
                       const std::string& where) {
  EXPECT_EQ(rec.state.hard_state, (raft::HardState{2, 1, 30})) << where;
  bool after = rec.state.snapshot.index == c.snapshot.index;
  if (must_be_after) {
    EXPECT_TRUE(after) << where << ": an acknowledged snapshot was lost";
  }
  raft::Index first =
      after ? (c.kept_from ? c.kept_from : 0) : (c.earlier_snapshot ? c.earlier_snapshot + 1 : 1);
  if (after) {
    EXPECT_EQ(rec.state.snapshot.data, c.snapshot.data) << where;
    EXPECT_EQ(rec.state.snapshot.term, c.snapshot.term) << where;
  } else {
    EXPECT_EQ(rec.state.snapshot.index, c.earlier_snapshot) << where;
  }
  if (first == 0) {
    EXPECT_TRUE(rec.state.entries.empty()) << where;
    return;
  }
  ASSERT_EQ(rec.state.entries.size(), 30 - first + 1) << where;
  for (size_t i = 0; i < rec.state.entries.size(); ++i) {
    raft::Index index = first + i;
    ASSERT_EQ(rec.state.entries[i], entry(index, index <= 20 ? 1 : 2)) << where;
  }
}

class CrashDuringCompaction : public ::testing::TestWithParam<CompactionCase> {};

TEST_P(CrashDuringCompaction, EveryCrashPointRecoversToBeforeOrAfter) {
  const CompactionCase& c = GetParam();
  bool completed = false;
  for (int64_t n = 0; n < 200 && !completed; ++n) {
    for (bool power_cut : {false, true}) {
      std::string where = std::string(c.name) + ": crash after " + std::to_string(n) + " ops" +
                          (power_cut ? " + power cut" : "");
      FaultyFileSystem fs;
      build_log(&fs, c.earlier_snapshot);
      Recovered rec;
      auto st = open_or_die(&fs, kDir, &rec, kSmallSegments);
      ASSERT_TRUE(st) << where;
      fs.crash_after(n);
      bool acknowledged = st->save_snapshot(c.snapshot).is_ok();
      completed = acknowledged && !fs.crashed();
      st.reset();
      if (power_cut) {
        fs.power_cut();
      } else {
        fs.restart();
      }
      auto again = open_or_die(&fs, kDir, &rec, kSmallSegments);
      ASSERT_TRUE(again) << where;
      expect_consistent(rec, c, acknowledged, where);
      // Opening twice changes nothing, and the log goes on.
      raft::Index last = again->last_index();
      Recovered rec2;
      again.reset();
      again = open_or_die(&fs, kDir, &rec2, kSmallSegments);
      ASSERT_TRUE(again) << where;
      EXPECT_EQ(rec2.state.snapshot.index, rec.state.snapshot.index) << where;
      EXPECT_EQ(rec2.state.entries, rec.state.entries) << where;
      ASSERT_TRUE(again->append({entry(last + 1, 3)}).is_ok()) << where;
      ASSERT_TRUE(again->sync().is_ok()) << where;
      again.reset();
      fs.power_cut();
      again = open_or_die(&fs, kDir, &rec2, kSmallSegments);
      ASSERT_TRUE(again) << where;
      EXPECT_EQ(again->last_index(), last + 1) << where;
    }
  }
  EXPECT_TRUE(completed) << "the snapshot never completed within the crash-point budget";
}

INSTANTIATE_TEST_SUITE_P(
    Storage, CrashDuringCompaction,
    ::testing::Values(
        CompactionCase{"keeps the tail", 0, {15, 1, {1, 2, 3}, "image-15"}, 16},
        CompactionCase{"second compaction", 10, {25, 2, {1, 2, 3}, "image-25"}, 26},
        CompactionCase{"through the last entry", 0, {30, 2, {1, 2, 3}, "image-30"}, 0},
        CompactionCase{"installed, conflicting term", 0, {25, 7, {1, 2, 3}, "leader"}, 0},
        CompactionCase{"installed, beyond the log", 0, {40, 3, {1, 2, 3}, "far"}, 0}),
    [](const ::testing::TestParamInfo<CompactionCase>& info) {
      std::string name;  // "keeps the tail" -> "KeepsTheTail"
      bool upper = true;
      for (const char* c = info.param.name; *c; ++c) {
        if (*c == ' ' || *c == ',') {
          upper = true;
        } else {
          name += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(*c))) : *c;
          upper = false;
        }
      }
      return name;
    });

TEST(CrashDuringAppends, AcknowledgedEntriesSurviveACrashAtAnyPoint) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    common::Rng rng(seed);
    for (int64_t n = 0; n < 60; n += 1 + static_cast<int64_t>(rng.uniform(0, 3))) {
      FaultyFileSystem fs;
      Recovered rec;
      auto st = open_or_die(&fs, kDir, &rec, {.segment_bytes = 400});
      ASSERT_TRUE(st);
      fs.crash_after(n);
      raft::Index acked = 0, issued = 0;
      raft::HardState acked_hs;
      for (int batch = 0; batch < 40; ++batch) {
        raft::Index count = static_cast<raft::Index>(rng.uniform(1, 4));
        if (!st->append(entries(issued + 1, issued + count, 1)).is_ok()) break;
        issued += count;
        raft::HardState hs{1, 1, issued};
        if (!st->set_hard_state(hs).is_ok() || !st->sync().is_ok()) break;
        acked = issued;
        acked_hs = hs;
      }
      st.reset();
      bool power_cut = rng.chance(0.5);
      power_cut ? fs.power_cut() : fs.restart();
      std::string where = "seed " + std::to_string(seed) + " crash after " + std::to_string(n);
      st = open_or_die(&fs, kDir, &rec, {.segment_bytes = 400});
      ASSERT_TRUE(st) << where;
      EXPECT_GE(rec.state.entries.size(), acked) << where;
      EXPECT_LE(rec.state.entries.size(), issued) << where;
      EXPECT_GE(rec.state.hard_state.commit, acked_hs.commit) << where;
      for (size_t i = 0; i < rec.state.entries.size(); ++i) {
        ASSERT_EQ(rec.state.entries[i], entry(i + 1, 1)) << where;
      }
    }
  }
}

// The node compacts whenever the Raft state passes a threshold; the lab's check is that it then
// never exceeds 8 x the threshold.
TEST(Compaction, RaftStateStaysBoundedByTheThreshold) {
  FaultyFileSystem fs;
  Recovered rec;
  auto st = open_or_die(&fs, kDir, &rec);
  const uint64_t threshold = 1000;
  uint64_t max_bytes = 0;
  for (raft::Index i = 1; i <= 600; ++i) {
    ASSERT_TRUE(st->append({entry(i, 1)}).is_ok());
    ASSERT_TRUE(st->set_hard_state({1, 1, i}).is_ok());
    ASSERT_TRUE(st->sync().is_ok());
    max_bytes = std::max(max_bytes, st->log_bytes());
    if (st->log_bytes() > threshold) {
      ASSERT_TRUE(st->save_snapshot({i, 1, {1}, "x=" + std::to_string(i)}).is_ok());
    }
  }
  EXPECT_LE(max_bytes, 8 * threshold);
  EXPECT_LE(st->log_bytes(), threshold);
  EXPECT_LT(st->snapshot_bytes(), 100u);
}

}  // namespace
}  // namespace storage
