// DiskStorage over the real file system (PosixFileSystem), in a fresh temporary directory.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>

#include "cluster/node/storage/disk_storage.h"
#include "cluster/node/storage/storage_test_util.h"

namespace storage {
namespace {

using testing::entries;
using testing::open_or_die;

// The same storage over the real file system, in a fresh temporary directory.
class PosixDiskStorage : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/node_storage_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
  PosixFileSystem fs_;
};

TEST_F(PosixDiskStorage, RoundTripTornTailAndSnapshot) {
  Recovered rec;
  auto st = open_or_die(&fs_, dir_ + "/data", &rec);
  ASSERT_TRUE(st);
  ASSERT_TRUE(st->append(entries(1, 50, 1)).is_ok());
  ASSERT_TRUE(st->set_hard_state({1, 1, 40}).is_ok());
  ASSERT_TRUE(st->sync().is_ok());
  ASSERT_TRUE(st->save_snapshot({30, 1, {1, 2, 3}, "state-image"}).is_ok());
  ASSERT_TRUE(st->append(entries(51, 51, 1)).is_ok());
  ASSERT_TRUE(st->sync().is_ok());
  st.reset();
  // Tear the last record by hand.
  std::string seg;
  for (const auto& f : std::filesystem::directory_iterator(dir_ + "/data/log")) seg = f.path();
  uint64_t size = std::filesystem::file_size(seg);
  std::filesystem::resize_file(seg, size - 3);
  st = open_or_die(&fs_, dir_ + "/data", &rec);
  ASSERT_TRUE(st);
  EXPECT_EQ(rec.state.snapshot.index, 30u);
  EXPECT_EQ(rec.state.snapshot.data, "state-image");
  ASSERT_EQ(rec.state.entries.size(), 20u);  // 31..50; 51 was torn
  EXPECT_EQ(rec.state.entries.front().index, 31u);
  EXPECT_EQ(rec.warnings.size(), 1u);
  EXPECT_EQ(rec.state.hard_state, (raft::HardState{1, 1, 40}));
}

TEST_F(PosixDiskStorage, ReadOnlyDataDirIsAClearError) {
  if (geteuid() == 0) GTEST_SKIP() << "root writes to read-only directories";
  std::string ro = dir_ + "/ro";
  std::filesystem::create_directory(ro);
  std::filesystem::permissions(
      ro, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  Recovered rec;
  auto s = DiskStorage::open(&fs_, ro, {}, &rec);
  std::filesystem::permissions(ro, std::filesystem::perms::owner_all);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.status().message().find("data dir " + ro), std::string::npos) << s.status().message();
}

TEST_F(PosixDiskStorage, DataDirUnderARegularFileIsAClearError) {
  std::string file = dir_ + "/plain";
  ASSERT_TRUE(fs_.create(file).is_ok());
  Recovered rec;
  auto s = DiskStorage::open(&fs_, file + "/data", {}, &rec);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.status().message().find("data dir " + file + "/data"), std::string::npos)
      << s.status().message();
}

}  // namespace
}  // namespace storage
