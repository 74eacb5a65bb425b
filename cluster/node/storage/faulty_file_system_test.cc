#include "cluster/node/storage/faulty_file_system.h"

#include <gtest/gtest.h>

namespace storage {
namespace {

TEST(FaultyFileSystem, PowerCutKeepsOnlySyncedBytesAndSyncedNames) {
  FaultyFileSystem fs;
  ASSERT_TRUE(fs.create_dirs("/d").is_ok());
  auto f = fs.create("/d/a");
  ASSERT_TRUE(f.is_ok());
  ASSERT_TRUE(f.value()->append("synced").is_ok());
  ASSERT_TRUE(f.value()->sync().is_ok());
  ASSERT_TRUE(f.value()->append("+lost").is_ok());
  ASSERT_TRUE(fs.sync_dir("/d").is_ok());
  auto g = fs.create("/d/b");  // never made durable in the directory
  ASSERT_TRUE(g.value()->sync().is_ok());
  EXPECT_EQ(fs.contents("/d/a"), "synced+lost");
  fs.power_cut();
  EXPECT_EQ(fs.contents("/d/a"), "synced");
  EXPECT_FALSE(fs.exists("/d/b"));
}

TEST(FaultyFileSystem, RenameIsDurableOnlyAfterDirectorySync) {
  FaultyFileSystem fs;
  ASSERT_TRUE(fs.create_dirs("/d").is_ok());
  auto f = fs.create("/d/tmp");
  f.value()->append("x");
  f.value()->sync();
  fs.sync_dir("/d");
  ASSERT_TRUE(fs.rename("/d/tmp", "/d/final").is_ok());
  fs.power_cut();
  EXPECT_TRUE(fs.exists("/d/tmp"));
  EXPECT_FALSE(fs.exists("/d/final"));
}

TEST(FaultyFileSystem, TearAndCrashAndFailedSync) {
  FaultyFileSystem fs;
  ASSERT_TRUE(fs.create_dirs("/d").is_ok());
  auto f = fs.create("/d/a");
  fs.tear_next_append(3);
  EXPECT_FALSE(f.value()->append("abcdef").is_ok());
  EXPECT_EQ(fs.contents("/d/a"), "abc");
  EXPECT_TRUE(fs.crashed());
  EXPECT_FALSE(fs.remove("/d/a").is_ok());  // a dead process does nothing more
  fs.restart();
  fs.fail_next_sync();
  EXPECT_FALSE(f.value()->sync().is_ok());
  EXPECT_TRUE(f.value()->sync().is_ok());
  fs.crash_after(1);
  EXPECT_TRUE(f.value()->append("g").is_ok());
  EXPECT_FALSE(f.value()->append("h").is_ok());
  EXPECT_EQ(fs.contents("/d/a"), "abcg");
}

TEST(FaultyFileSystem, ReadOnlyAndNotADirectory) {
  FaultyFileSystem fs;
  ASSERT_TRUE(fs.create_dirs("/ro").is_ok());
  fs.set_read_only("/ro");
  EXPECT_FALSE(fs.create("/ro/x").is_ok());
  EXPECT_FALSE(fs.create_dirs("/ro/sub").is_ok());
  ASSERT_TRUE(fs.create_dirs("/d").is_ok());
  ASSERT_TRUE(fs.create("/d/file").is_ok());
  common::Status s = fs.create_dirs("/d/file/sub");
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("not a directory"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace storage
