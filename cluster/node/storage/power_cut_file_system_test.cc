// PowerCutFileSystem (issue 14, power cuts): when the process dies, what it wrote but did not
// fsync is gone and what it synced stays, exactly as after a power cut; a torn last write is
// recovered by the ordinary recovery. "The process dies" is modelled by dropping the decorator
// (its pending bytes die with it) and restart() of the inner FaultyFileSystem, which keeps the
// page cache as SIGKILL does.
#include "cluster/node/storage/power_cut_file_system.h"

#include <gtest/gtest.h>

#include <thread>

#include "cluster/node/storage/disk_storage.h"
#include "cluster/node/storage/faulty_file_system.h"
#include "cluster/node/storage/storage_test_util.h"

namespace storage {
namespace {

using testing::entries;
using testing::open_or_die;

const std::string kDir = "/data/n1";

// Entries 1..5 and hard state {2, 1, 5} synced; 6..8 and {3, 1, 8} only written (fsync: never).
void write_some(FileSystem* fs) {
  Recovered rec;
  auto st = open_or_die(fs, kDir, &rec);
  ASSERT_TRUE(st);
  ASSERT_TRUE(st->append(entries(1, 5, 2)).is_ok());
  ASSERT_TRUE(st->set_hard_state({2, 1, 5}).is_ok());
  ASSERT_TRUE(st->sync().is_ok());
  ASSERT_TRUE(st->append(entries(6, 8, 3)).is_ok());
  ASSERT_TRUE(st->set_hard_state({3, 1, 8}).is_ok());
  ASSERT_TRUE(st->flush().is_ok());
}

TEST(PowerCutFileSystem, AKillLosesWhatWasNotSyncedAndKeepsWhatWas) {
  FaultyFileSystem disk;
  {
    PowerCutFileSystem fs(&disk);
    write_some(&fs);
    EXPECT_GT(fs.unsynced_bytes(), 0u);
  }  // SIGKILL: the pending bytes die with the process
  disk.restart();
  Recovered rec;
  auto st = open_or_die(&disk, kDir, &rec);
  ASSERT_TRUE(st);
  ASSERT_EQ(rec.state.entries.size(), 5u);
  EXPECT_EQ(rec.state.entries.back().index, 5u);
  EXPECT_EQ(rec.state.hard_state, (raft::HardState{2, 1, 5}));
}

TEST(PowerCutFileSystem, WithoutItAKillKeepsUnsyncedWrites) {
  // The control: this is why kill -9 alone cannot catch `fsync: never`.
  FaultyFileSystem disk;
  write_some(&disk);
  disk.restart();
  Recovered rec;
  auto st = open_or_die(&disk, kDir, &rec);
  ASSERT_TRUE(st);
  EXPECT_EQ(rec.state.entries.size(), 8u);
}

TEST(PowerCutFileSystem, TheProcessReadsItsOwnUnsyncedWrites) {
  FaultyFileSystem disk;
  PowerCutFileSystem fs(&disk);
  ASSERT_TRUE(fs.create_dirs("/d").is_ok());
  auto f = fs.create("/d/f");
  ASSERT_TRUE(f.is_ok());
  ASSERT_TRUE(f.value()->append("abc").is_ok());
  EXPECT_EQ(fs.read_file("/d/f").value(), "abc");
  EXPECT_EQ(disk.contents("/d/f"), "");
  ASSERT_TRUE(f.value()->sync().is_ok());
  EXPECT_EQ(disk.contents("/d/f"), "abc");
  EXPECT_EQ(fs.unsynced_bytes(), 0u);
  ASSERT_TRUE(f.value()->append("de").is_ok());
  ASSERT_TRUE(fs.rename("/d/f", "/d/g").is_ok());
  EXPECT_EQ(fs.read_file("/d/g").value(), "abcde");
}

// The unsynced tail torn at every byte: recovery keeps the synced prefix, whole records of the
// torn write, and truncates the rest with a warning; it never fails.
TEST(PowerCutFileSystem, ATornUnsyncedWriteIsRecoveredAtEveryByte) {
  size_t pending = 0;
  {
    FaultyFileSystem disk;
    PowerCutFileSystem fs(&disk);
    write_some(&fs);
    ASSERT_EQ(fs.unsynced().size(), 1u);
    pending = fs.unsynced()[0].second;
  }
  ASSERT_GT(pending, 0u);
  for (size_t keep = 0; keep <= pending; ++keep) {
    FaultyFileSystem disk;
    {
      PowerCutFileSystem fs(&disk);
      write_some(&fs);
      auto files = fs.unsynced();
      ASSERT_EQ(files.size(), 1u);
      ASSERT_TRUE(fs.tear(files[0].first, keep).is_ok());
    }
    disk.restart();
    Recovered rec;
    auto r = DiskStorage::open(&disk, kDir, {}, &rec);
    ASSERT_TRUE(r.is_ok()) << "torn after " << keep << " bytes: " << r.status().to_string();
    const auto& es = rec.state.entries;
    ASSERT_GE(es.size(), 5u) << keep;
    ASSERT_LE(es.size(), 8u) << keep;
    for (size_t i = 0; i < es.size(); ++i) ASSERT_EQ(es[i].index, i + 1) << keep;
    if (keep == pending) {
      EXPECT_EQ(es.size(), 8u);
    }
  }
}

TEST(PowerCutFileSystem, TearLastTearsTheFileWrittenLastAndLosesTheOthers) {
  for (uint64_t random : {uint64_t{0}, uint64_t{7}, uint64_t{1} << 40, ~uint64_t{0}}) {
    FaultyFileSystem disk;
    PowerCutFileSystem::Torn torn;
    {
      PowerCutFileSystem fs(&disk);
      ASSERT_TRUE(fs.create_dirs("/d").is_ok());
      auto a = fs.create("/d/a");
      auto b = fs.create("/d/b");
      ASSERT_TRUE(a.is_ok() && b.is_ok());
      ASSERT_TRUE(a.value()->append("aaaa").is_ok());
      ASSERT_TRUE(b.value()->append("0123456789").is_ok());
      auto r = fs.tear_last(random);
      ASSERT_TRUE(r.is_ok()) << r.status().to_string();
      torn = r.value();
    }  // the process dies: "a"'s unsynced bytes with it
    disk.restart();
    EXPECT_EQ(torn.path, "/d/b");
    EXPECT_EQ(torn.pending, 10u);
    EXPECT_EQ(torn.kept, random % 11) << random;
    EXPECT_EQ(disk.read_file("/d/b").value(), std::string("0123456789").substr(0, torn.kept));
    EXPECT_EQ(disk.read_file("/d/a").value(), "");
  }
}

TEST(PowerCutFileSystem, TearLastWithNothingPendingDoesNothing) {
  FaultyFileSystem disk;
  PowerCutFileSystem fs(&disk);
  auto r = fs.tear_last(3);
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r.value().path.empty());
}

// The snapshot worker writes its file on its own thread while the loop appends to the log: both
// go through one decorator (run under TSan by `make tsan`).
TEST(PowerCutFileSystem, TwoThreadsWriteTheirOwnFiles) {
  PosixFileSystem posix;
  PowerCutFileSystem fs(&posix);
  const std::string dir = ::testing::TempDir() + "power-cut-threads";
  ASSERT_TRUE(fs.create_dirs(dir).is_ok());
  auto writer = [&](const std::string& name) {
    auto f = fs.create(dir + "/" + name);
    ASSERT_TRUE(f.is_ok());
    for (int i = 0; i < 200; ++i) {
      ASSERT_TRUE(f.value()->append(name).is_ok());
      if (i % 10 == 9) {
        ASSERT_TRUE(f.value()->sync().is_ok());
      }
    }
  };
  std::thread other(writer, "b");
  writer("a");
  other.join();
  EXPECT_EQ(fs.unsynced_bytes(), 0u);
  EXPECT_EQ(posix.read_file(dir + "/a").value(), std::string(200, 'a'));
  EXPECT_EQ(posix.read_file(dir + "/b").value(), std::string(200, 'b'));
  ASSERT_TRUE(fs.remove(dir + "/a").is_ok());
  ASSERT_TRUE(fs.remove(dir + "/b").is_ok());
}

}  // namespace
}  // namespace storage
