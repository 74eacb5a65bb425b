// The data dir's lock and identity (issue 14 items 2 and 3): a second store on the same directory
// is refused and touches nothing; a directory of another cluster or node is refused; a log behind
// what the node durably promised (wiped log/, lost newest segment) is refused, naming what is
// missing; and no crash or power cut at any point makes a healthy directory look behind.
#include "cluster/node/storage/identity.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "cluster/node/storage/disk_storage.h"
#include "cluster/node/storage/faulty_file_system.h"
#include "cluster/node/storage/storage_test_util.h"

namespace storage {
namespace {

using testing::entries;
using testing::open_or_die;

const std::string kDir = "/data/n1";

DiskStorageOptions identified(uint64_t segment_bytes = 300, std::string cluster = "c1",
                              uint64_t node = 1) {
  DiskStorageOptions o;
  o.segment_bytes = segment_bytes;
  o.cluster_id = std::move(cluster);
  o.node_id = node;
  return o;
}

common::Status open_status(FileSystem* fs, const DiskStorageOptions& options) {
  Recovered rec;
  return DiskStorage::open(fs, kDir, options, &rec).status();
}

// Log 1..40 in term 3 over several segments, hard state {3, 1, 40}, all synced.
void build_log(FaultyFileSystem* fs) {
  Recovered rec;
  auto st = open_or_die(fs, kDir, &rec, identified());
  ASSERT_TRUE(st);
  for (raft::Index i = 1; i <= 40; i += 5) {
    ASSERT_TRUE(st->append(entries(i, i + 4, 3)).is_ok());
    ASSERT_TRUE(st->sync().is_ok());
  }
  ASSERT_TRUE(st->set_hard_state({3, 1, 40}).is_ok());
  ASSERT_TRUE(st->sync().is_ok());
  ASSERT_GT(st->segment_count(), 2u);
}

// Every file of the data dir with its bytes: what "touches nothing" compares.
std::map<std::string, std::string> tree(FaultyFileSystem& fs) {
  std::map<std::string, std::string> out;
  for (const std::string& dir : {kDir, kDir + "/log"}) {
    auto names = fs.list(dir);
    if (!names.is_ok()) continue;
    for (const std::string& name : names.value())
      out[dir + "/" + name] = fs.contents(dir + "/" + name);
  }
  return out;
}

std::vector<std::string> segments(FaultyFileSystem& fs) {
  auto names = fs.list(kDir + "/log");
  EXPECT_TRUE(names.is_ok());
  std::vector<std::string> out = names.value();
  std::sort(out.begin(), out.end());
  return out;
}

TEST(DataDirLock, ASecondStoreIsRefusedAndTouchesNothing) {
  FaultyFileSystem fs;
  Recovered rec;
  auto first = open_or_die(&fs, kDir, &rec, identified());
  ASSERT_TRUE(first);
  ASSERT_TRUE(first->append(entries(1, 3, 1)).is_ok());
  ASSERT_TRUE(first->sync().is_ok());
  const int64_t ops = fs.mutating_ops();
  const auto before = tree(fs);
  common::Status s = open_status(&fs, identified());
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), common::Status::Code::kUnavailable) << s.to_string();
  EXPECT_NE(s.message().find("data dir /data/n1 is in use"), std::string::npos) << s.message();
  EXPECT_EQ(fs.mutating_ops(), ops) << "the refused store wrote something";
  EXPECT_EQ(tree(fs), before);
  first.reset();  // released on close
  EXPECT_TRUE(open_status(&fs, identified()).is_ok());
}

TEST(DataDirLock, PosixLockNamesTheHolderAndIsReleasedOnClose) {
  std::string dir =
      std::filesystem::temp_directory_path() / ("kvnode-lock-test-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  PosixFileSystem fs;
  Recovered rec;
  {
    auto first = DiskStorage::open(&fs, dir, identified(), &rec);
    ASSERT_TRUE(first.is_ok()) << first.status().to_string();
    auto second = DiskStorage::open(&fs, dir, identified(), &rec);
    ASSERT_FALSE(second.is_ok());
    EXPECT_NE(second.status().message().find("locked by another process (process " +
                                             std::to_string(::getpid()) + ")"),
              std::string::npos)
        << second.status().message();
  }
  EXPECT_TRUE(DiskStorage::open(&fs, dir, identified(), &rec).is_ok());
  std::filesystem::remove_all(dir);
}

TEST(Identity, RoundTripsAndRejectsDamage) {
  FaultyFileSystem fs;
  ASSERT_TRUE(fs.create_dirs(kDir).is_ok());
  Identity id{"cluster-a", 7, 12, 345, 6};
  ASSERT_TRUE(write_identity(fs, kDir, id).is_ok());
  auto back = read_identity(fs, kDir);
  ASSERT_TRUE(back.is_ok() && back.value().has_value());
  EXPECT_EQ(*back.value(), id);
  std::string bytes = fs.contents(kDir + "/identity");
  bytes[bytes.size() - 2] ^= 0x40;
  fs.set_contents(kDir + "/identity", bytes, true);
  auto bad = read_identity(fs, kDir);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("/data/n1/identity at byte offset 0"), std::string::npos)
      << bad.status().message();
}

TEST(Identity, AnotherClustersOrNodesDirectoryIsRefusedUntouched) {
  FaultyFileSystem fs;
  build_log(&fs);
  const auto before = tree(fs);
  common::Status s = open_status(&fs, identified(300, "c2", 1));
  EXPECT_NE(s.message().find("belongs to cluster 'c1', not 'c2'"), std::string::npos)
      << s.to_string();
  s = open_status(&fs, identified(300, "c1", 2));
  EXPECT_NE(s.message().find("belongs to node 1, not node 2"), std::string::npos) << s.to_string();
  EXPECT_EQ(tree(fs), before);
  EXPECT_TRUE(open_status(&fs, identified()).is_ok());
}

TEST(Identity, AWipedLogIsRefusedNamingWhatIsMissing) {
  FaultyFileSystem fs;
  build_log(&fs);
  for (const std::string& name : segments(fs))
    ASSERT_TRUE(fs.remove(kDir + "/log/" + name).is_ok());
  const auto before = tree(fs);
  common::Status s = open_status(&fs, identified());
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), common::Status::Code::kCorruption);
  EXPECT_NE(s.message().find("the log is behind what this node durably promised"),
            std::string::npos)
      << s.message();
  EXPECT_NE(s.message().find("every log segment"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("the hard state of term 3"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("docs/storage-format.md"), std::string::npos) << s.message();
  EXPECT_EQ(tree(fs), before) << "a refused open must not write";
  EXPECT_TRUE(segments(fs).empty()) << "a refused open must not start a fresh log";
}

TEST(Identity, ALostNewestSegmentIsRefusedNamingIt) {
  FaultyFileSystem fs;
  build_log(&fs);
  std::vector<std::string> names = segments(fs);
  ASSERT_TRUE(fs.remove(kDir + "/log/" + names.back()).is_ok());
  common::Status s = open_status(&fs, identified());
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("log segment /data/n1/log/" + names.back()), std::string::npos)
      << s.message();
}

TEST(Identity, ALogWithoutIdentityGetsOneWithAWarning) {
  FaultyFileSystem fs;
  {
    Recovered rec;
    auto st = open_or_die(&fs, kDir, &rec, DiskStorageOptions{.segment_bytes = 300});
    ASSERT_TRUE(st->append(entries(1, 5, 1)).is_ok());
    ASSERT_TRUE(st->sync().is_ok());
  }
  Recovered rec;
  auto st = open_or_die(&fs, kDir, &rec, identified());
  ASSERT_TRUE(st);
  ASSERT_FALSE(rec.warnings.empty());
  EXPECT_NE(rec.warnings.back().find("no identity file"), std::string::npos);
  auto id = read_identity(fs, kDir);
  ASSERT_TRUE(id.is_ok() && id.value().has_value());
  EXPECT_EQ(id.value()->last_index, 5u);
}

// Appends, term changes, a leader's truncation below the promise and a snapshot replacing a
// divergent log; the process dies (or the power fails) after every mutating operation in turn.
// The directory must always open again: the promise never runs ahead of the durable log.
TEST(Identity, NoCrashOrPowerCutMakesAHealthyLogLookBehind) {
  for (bool power : {false, true}) {
    for (int64_t crash_at = 1;; ++crash_at) {
      FaultyFileSystem fs;
      fs.crash_after(crash_at);
      {
        Recovered rec;
        auto r = DiskStorage::open(&fs, kDir, identified(), &rec);
        if (r.is_ok()) {
          auto& st = *r.value();
          bool ok = true;
          for (raft::Index i = 1; ok && i <= 30; i += 5) {
            ok = st.append(entries(i, i + 4, 1 + i / 10)).is_ok() &&
                 st.set_hard_state({1 + i / 10, 1, i}).is_ok() && st.sync().is_ok();
          }
          // A new leader overwrites 12.. (the promise said 30), then a snapshot at 8 of another
          // history replaces the whole log.
          ok = ok && st.append(entries(12, 14, 9)).is_ok() &&
               st.set_hard_state({9, 2, 11}).is_ok() && st.sync().is_ok();
          ok = ok && st.save_snapshot({8, 8, {1, 2, 3}, "snap"}).is_ok();
          if (ok) {
            EXPECT_FALSE(fs.crashed());
          }
        }
      }
      const bool finished = !fs.crashed();
      if (power) {
        fs.power_cut();
      } else {
        fs.restart();
      }
      common::Status s = open_status(&fs, identified());
      EXPECT_TRUE(s.is_ok()) << (power ? "power cut" : "crash") << " after op " << crash_at << ": "
                             << s.to_string();
      if (!s.is_ok() || finished) break;
    }
  }
}

}  // namespace
}  // namespace storage
