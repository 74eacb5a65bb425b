#include "cluster/node/storage/memory_storage.h"

#include <gtest/gtest.h>

#include "cluster/node/storage/storage_test_util.h"

namespace storage {
namespace {

using testing::entries;
using testing::entry;

TEST(MemoryStorage, AppendsTruncatesAndCompactsLikeTheDiskOne) {
  MemoryStorage st;
  ASSERT_TRUE(st.append(entries(1, 10, 1)).is_ok());
  ASSERT_TRUE(st.append(entries(8, 9, 2)).is_ok());
  EXPECT_EQ(st.last_index(), 9u);
  EXPECT_EQ(st.entries().back(), entry(9, 2));
  EXPECT_FALSE(st.append(entries(12, 12, 2)).is_ok());
  ASSERT_TRUE(st.set_hard_state({2, 1, 9}).is_ok());
  uint64_t before = st.log_bytes();
  ASSERT_TRUE(st.save_snapshot({5, 1, {1}, "img"}).is_ok());
  EXPECT_LT(st.log_bytes(), before);
  EXPECT_EQ(st.snapshot_index(), 5u);
  ASSERT_EQ(st.entries().size(), 4u);
  EXPECT_EQ(st.entries().front(), entry(6, 1));
  ASSERT_TRUE(st.save_snapshot({7, 9, {1}, "other term"}).is_ok());  // conflicting: drop all
  EXPECT_TRUE(st.entries().empty());
  EXPECT_EQ(st.last_index(), 7u);
  EXPECT_EQ(st.load_snapshot()->data, "other term");
  EXPECT_GT(st.snapshot_bytes(), 0u);
}

}  // namespace
}  // namespace storage
