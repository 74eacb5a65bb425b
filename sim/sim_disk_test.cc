#include "sim/sim_disk.h"

#include <cstdlib>

#include <gtest/gtest.h>

#include "cluster/node/storage/disk_storage.h"
#include "sim/seeds.h"
#include "sim/test_seeds.h"

namespace sim {
namespace {

SimDisk make_disk(uint64_t seed) { return SimDisk(Seeds(seed).stream("disk", 0)); }

TEST(SimDisk, KillKeepsWhatWasWrittenAndInvalidatesOldHandles) {
  SimDisk disk = make_disk(1);
  ASSERT_TRUE(disk.create_dirs("/d"));
  auto f = disk.open_append("/d/a");
  ASSERT_TRUE(f);
  ASSERT_TRUE((*f)->append("synced."));
  ASSERT_TRUE((*f)->sync());
  ASSERT_TRUE((*f)->append("written"));
  disk.kill();
  EXPECT_EQ(*disk.read_file("/d/a"), "synced.written");
  EXPECT_FALSE((*f)->append("more"));
  EXPECT_FALSE((*f)->sync());
  EXPECT_EQ(disk.synced_contents("/d/a"), "synced.");
}

TEST(SimDisk, APowerCutDuringAStepsFsyncLosesWhatThatFsyncWouldHaveMadeDurable) {
  for (uint64_t seed : testing::seeds(20)) {
    SimDisk disk = make_disk(seed);
    ASSERT_TRUE(disk.create_dirs("/d"));
    auto f = disk.open_append("/d/a");
    ASSERT_TRUE(f);
    ASSERT_TRUE(disk.sync_dir("/d"));
    ASSERT_TRUE((*f)->append("earlier."));
    ASSERT_TRUE((*f)->sync());  // a step before: complete
    disk.begin_step();
    ASSERT_TRUE((*f)->append("this-step"));
    ASSERT_TRUE((*f)->sync());
    EXPECT_TRUE(disk.step_synced());
    disk.undo_step_syncs();  // the power went before that fsync returned
    EXPECT_FALSE(disk.step_synced());
    EXPECT_EQ(disk.synced_contents("/d/a"), "earlier.") << testing::trace(seed);
    disk.power_cut();
    const std::string left = *disk.read_file("/d/a");
    // What survives is the earlier step's bytes and at most a torn prefix of this step's.
    ASSERT_EQ(left.rfind("earlier.", 0), 0u) << testing::trace(seed) << ": " << left;
    EXPECT_EQ(std::string("this-step").rfind(left.substr(8), 0), 0u) << testing::trace(seed) << ": " << left;
  }
}

// CI seed 10 of power-cuts-under-load: a step replaced the identity file (rename, directory
// sync) and then wrote a log record and synced the log; the power went during the log's fsync.
// Undoing every sync of the step brought the old identity back while the record written after it
// survived torn: a disk no power cut can leave, and the node refused to start over it.
TEST(SimDisk, APowerCutDuringAStepUndoesOnlyItsLastSync) {
  for (uint64_t seed : testing::seeds(20)) {
    SimDisk disk = make_disk(seed);
    ASSERT_TRUE(disk.create_dirs("/d"));
    auto log = disk.open_append("/d/log");
    ASSERT_TRUE(log);
    ASSERT_TRUE(disk.sync_dir("/d"));
    ASSERT_TRUE(storage::write_file_atomically(disk, "/d", "/d/identity", "old"));
    disk.begin_step();
    ASSERT_TRUE(storage::write_file_atomically(disk, "/d", "/d/identity", "new"));
    ASSERT_TRUE((*log)->append("record"));
    ASSERT_TRUE((*log)->sync());
    disk.undo_step_syncs();
    disk.power_cut();
    EXPECT_EQ(*disk.read_file("/d/identity"), "new") << testing::trace(seed);
    EXPECT_EQ(std::string("record").rfind(*disk.read_file("/d/log"), 0), 0u) << testing::trace(seed);

    // The other order: the log's sync completed, the identity's directory sync did not.
    disk.begin_step();
    auto log2 = disk.open_append("/d/log");
    ASSERT_TRUE(log2);
    ASSERT_TRUE((*log2)->append("second"));
    ASSERT_TRUE((*log2)->sync());
    const std::string synced = *disk.read_file("/d/log");
    ASSERT_TRUE(storage::write_file_atomically(disk, "/d", "/d/identity", "newer"));
    disk.undo_step_syncs();
    disk.power_cut();
    EXPECT_EQ(*disk.read_file("/d/log"), synced) << testing::trace(seed);
    EXPECT_EQ(*disk.read_file("/d/identity"), "new") << testing::trace(seed);
  }
}

TEST(SimDisk, PowerCutKeepsTheSyncedBytesAndAtMostATornPrefixOfTheRest) {
  int torn = 0, lost_all = 0;
  for (uint64_t seed : testing::seeds(50)) {
    SimDisk disk = make_disk(seed);
    ASSERT_TRUE(disk.create_dirs("/d"));
    auto f = disk.open_append("/d/a");
    ASSERT_TRUE(f);
    ASSERT_TRUE(disk.sync_dir("/d"));
    const std::string synced = "0123456789", unsynced = "abcdefghijklmnopqrstuvwxyz";
    ASSERT_TRUE((*f)->append(synced));
    ASSERT_TRUE((*f)->sync());
    ASSERT_TRUE((*f)->append(unsynced));
    disk.power_cut();
    const std::string after = *disk.read_file("/d/a");
    ASSERT_GE(after.size(), synced.size()) << testing::trace(seed);
    EXPECT_EQ(after, (synced + unsynced).substr(0, after.size())) << testing::trace(seed);
    if (after.size() == synced.size()) ++lost_all;
    if (after.size() > synced.size() && after.size() < synced.size() + unsynced.size()) ++torn;
    // After the cut, what is there is durable: a second cut changes nothing.
    disk.power_cut();
    EXPECT_EQ(*disk.read_file("/d/a"), after) << testing::trace(seed);
  }
  EXPECT_GT(torn, 0);
  EXPECT_GT(lost_all, 0);
}

TEST(SimDisk, PowerCutUndoesNamesNotMadeDurable) {
  SimDisk disk = make_disk(3);
  ASSERT_TRUE(disk.create_dirs("/d"));
  auto old_file = disk.create("/d/old");
  ASSERT_TRUE((*old_file)->append("old"));
  ASSERT_TRUE((*old_file)->sync());
  ASSERT_TRUE(disk.sync_dir("/d"));
  auto tmp = disk.create("/d/tmp");
  ASSERT_TRUE((*tmp)->append("new"));
  ASSERT_TRUE((*tmp)->sync());
  ASSERT_TRUE(disk.rename("/d/tmp", "/d/old"));  // no sync_dir: the rename is not durable
  auto fresh = disk.create("/d/fresh");
  EXPECT_EQ(*disk.read_file("/d/old"), "new");
  disk.power_cut();
  EXPECT_EQ(*disk.read_file("/d/old"), "old");
  EXPECT_FALSE(disk.exists("/d/fresh"));
  EXPECT_FALSE(disk.exists("/d/tmp"));
}

TEST(SimDisk, CorruptionAtRestFlipsExactlyOneSyncedBit) {
  for (uint64_t seed : testing::seeds(30)) {
    SimDisk disk = make_disk(seed);
    ASSERT_TRUE(disk.create_dirs("/d"));
    EXPECT_FALSE(disk.corrupt_at_rest());  // nothing stored yet
    auto f = disk.create("/d/a");
    const std::string data(64, 'x');
    ASSERT_TRUE((*f)->append(data));
    ASSERT_TRUE((*f)->sync());
    auto where = disk.corrupt_at_rest("/d");
    ASSERT_TRUE(where) << testing::trace(seed);
    const std::string after = disk.synced_contents("/d/a");
    int bits = 0;
    for (size_t i = 0; i < data.size(); ++i) bits += __builtin_popcount(static_cast<unsigned char>(data[i] ^ after[i]));
    EXPECT_EQ(bits, 1) << testing::trace(seed) << " " << *where;
    EXPECT_EQ(*disk.read_file("/d/a"), after) << testing::trace(seed);
  }
}

// A flipped bit is "promised" only in bytes an fsync returned for: not in the unsynced tail a
// power cut happened to keep (the node never relied on it), and again once a sync covered it.
TEST(SimDisk, OnlyBytesAnFsyncReturnedForArePromised) {
  int torn_flips = 0;
  for (uint64_t seed : testing::seeds(40)) {
    SimDisk disk = make_disk(seed);
    ASSERT_TRUE(disk.create_dirs("/d"));
    auto f = disk.create("/d/a");
    ASSERT_TRUE((*f)->append(std::string(100, 'x')));
    ASSERT_TRUE((*f)->sync());
    ASSERT_TRUE(disk.sync_dir("/d"));
    ASSERT_TRUE((*f)->append(std::string(4000, 'y')));  // never synced
    disk.power_cut();
    const size_t kept = disk.synced_contents("/d/a").size();
    ASSERT_GE(kept, 100u) << testing::trace(seed);
    auto flip = disk.flip_at_rest("/d");
    ASSERT_TRUE(flip) << testing::trace(seed);
    EXPECT_EQ(flip->path, "/d/a");
    EXPECT_EQ(flip->promised, flip->offset < 100) << testing::trace(seed) << " offset " << flip->offset;
    torn_flips += !flip->promised;
    auto g = disk.open_append("/d/a");
    ASSERT_TRUE((*g)->sync());  // a sync after the restart makes the kept bytes promised too
    flip = disk.flip_at_rest("/d");
    ASSERT_TRUE(flip);
    EXPECT_TRUE(flip->promised) << testing::trace(seed);
  }
  if (!std::getenv("SIM_SEED")) {
    EXPECT_GT(torn_flips, 0);
  }
}

// What a node's recovery read is durable only if no file it read holds bytes past its last fsync.
TEST(SimDisk, ARecoveryThatReadUnsyncedBytesIsToldSo) {
  SimDisk disk = make_disk(1);
  ASSERT_TRUE(disk.create_dirs("/d"));
  auto f = disk.create("/d/a");
  ASSERT_TRUE((*f)->append("synced"));
  ASSERT_TRUE((*f)->sync());
  auto g = disk.create("/d/b");
  ASSERT_TRUE((*g)->append("in the page cache only"));
  disk.kill();  // the page cache survives
  disk.start_reads();
  ASSERT_TRUE(disk.read_file("/d/a"));
  EXPECT_FALSE(disk.read_not_durable());
  ASSERT_TRUE(disk.read_file("/d/b"));
  EXPECT_TRUE(disk.read_not_durable());
  auto h = disk.open_append("/d/b");
  ASSERT_TRUE((*h)->sync());
  EXPECT_FALSE(disk.read_not_durable());
  disk.start_reads();
  EXPECT_FALSE(disk.read_not_durable());
}

// A sync undone by a crash during it (undo_step_syncs, then a kill): the bytes are still in the
// page cache and read back after the restart, but not durable: a power cut before the next sync
// loses them (except the prefix a torn write may keep); a sync after the restart keeps them.
TEST(SimDisk, AnUndoneSyncKeepsThePageCacheButNotTheDurability) {
  int lost = 0;
  for (uint64_t seed : testing::seeds(20)) {
    for (bool resync : {false, true}) {
      SimDisk disk = make_disk(seed);
      ASSERT_TRUE(disk.create_dirs("/d"));
      auto f = disk.create("/d/a");
      ASSERT_TRUE((*f)->append("first"));
      ASSERT_TRUE((*f)->sync());
      ASSERT_TRUE(disk.sync_dir("/d"));
      disk.begin_step();
      ASSERT_TRUE((*f)->append("-second"));
      ASSERT_TRUE((*f)->sync());
      disk.undo_step_syncs();
      disk.kill();
      EXPECT_EQ(*disk.read_file("/d/a"), "first-second") << testing::trace(seed);
      EXPECT_EQ(disk.synced_contents("/d/a"), "first") << testing::trace(seed);
      if (resync) {
        ASSERT_TRUE((*disk.open_append("/d/a"))->sync());
      }
      disk.power_cut();
      const std::string after = *disk.read_file("/d/a");
      if (resync) {
        EXPECT_EQ(after, "first-second") << testing::trace(seed);
      } else {
        EXPECT_EQ(after, std::string("first-second").substr(0, after.size())) << testing::trace(seed);
        lost += after.size() < std::string("first-second").size();
      }
    }
  }
  if (!std::getenv("SIM_SEED")) {
    EXPECT_GT(lost, 0);
  }
}

TEST(SimDisk, ChargesTimeForWritesAndSyncs) {
  DiskTiming t;
  t.fsync_min = t.fsync_max = 1 * kMilli;
  SimDisk disk(common::Rng(1), t);
  ASSERT_TRUE(disk.create_dirs("/d"));
  disk.take_busy();
  auto f = disk.create("/d/a");
  ASSERT_TRUE((*f)->append(std::string(1000, 'x')));
  const Nanos write = disk.take_busy();
  EXPECT_GT(write, 0);
  ASSERT_TRUE((*f)->sync());
  EXPECT_EQ(disk.take_busy(), 1 * kMilli);
  t.slow_factor = 10;
  disk.set_timing(t);
  ASSERT_TRUE((*f)->sync());
  EXPECT_EQ(disk.take_busy(), 10 * kMilli);
  disk.fail_next_sync();
  EXPECT_FALSE((*f)->sync());
  EXPECT_TRUE((*f)->sync());
}

raft::Entry entry(raft::Index i) { return raft::Entry{1, i, raft::EntryType::kNormal, "value-" + std::to_string(i)}; }

// The real DiskStorage over the simulated disk: batches of entries, some synced, then a kill or a
// power cut at a random point. Reopening must find every synced entry, and only entries that were
// written (a torn tail is cut, never misread).
TEST(SimDisk, DiskStorageRecoversEverySyncedEntryAfterKillsAndPowerCuts) {
  for (uint64_t seed : testing::seeds(40)) {
    SimDisk disk = make_disk(seed);
    common::Rng rng = Seeds(seed).stream("test");
    raft::Index synced_through = 0, written_through = 0;
    for (int round = 0; round < 6; ++round) {
      storage::Recovered rec;
      auto st = storage::DiskStorage::open(&disk, "/data/n1", {.segment_bytes = 512}, &rec);
      ASSERT_TRUE(st) << testing::trace(seed) << ": " << st.status().to_string();
      ASSERT_GE(rec.state.entries.size(), synced_through) << testing::trace(seed);
      ASSERT_LE(rec.state.entries.size(), written_through) << testing::trace(seed);
      for (size_t k = 0; k < rec.state.entries.size(); ++k) {
        ASSERT_EQ(rec.state.entries[k], entry(k + 1)) << testing::trace(seed);
      }
      written_through = synced_through = rec.state.entries.size();
      const int batches = static_cast<int>(rng.uniform(1, 8));
      for (int b = 0; b < batches; ++b) {
        std::vector<raft::Entry> batch;
        for (int k = 0; k < rng.uniform(1, 5); ++k) batch.push_back(entry(++written_through));
        ASSERT_TRUE((*st)->append(batch));
        if (rng.chance(0.6)) {
          ASSERT_TRUE((*st)->sync());
          synced_through = written_through;
        } else {
          ASSERT_TRUE((*st)->flush());
        }
      }
      st->reset();
      if (rng.chance(0.5)) {
        disk.kill();
        synced_through = written_through;  // flushed bytes survive a kill
      } else {
        disk.power_cut();
      }
    }
  }
}

// A flipped bit in a stored record is found: the store refuses to open, or (a flip in the last
// record looks like a torn write) recovers a prefix of what was written, never a changed entry.
TEST(SimDisk, DiskStorageNeverServesACorruptedEntry) {
  int refused = 0;
  for (uint64_t seed : testing::seeds(40)) {
    SimDisk disk = make_disk(seed);
    {
      storage::Recovered rec;
      auto st = storage::DiskStorage::open(&disk, "/data/n1", {}, &rec);
      ASSERT_TRUE(st);
      for (raft::Index i = 1; i <= 20; ++i) ASSERT_TRUE((*st)->append({entry(i)}));
      ASSERT_TRUE((*st)->sync());
    }
    ASSERT_TRUE(disk.corrupt_at_rest("/data/n1/log"));
    storage::Recovered rec;
    auto st = storage::DiskStorage::open(&disk, "/data/n1", {}, &rec);
    if (!st) {
      ++refused;
      EXPECT_NE(st.status().message().find("/data/n1"), std::string::npos)
          << testing::trace(seed) << ": " << st.status().to_string();
      continue;
    }
    for (size_t k = 0; k < rec.state.entries.size(); ++k) {
      EXPECT_EQ(rec.state.entries[k], entry(k + 1)) << testing::trace(seed);
    }
  }
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace sim
