// KvValues: equal strings share one id however they were built; hashes follow concatenation.
#include "checker/kv_values.h"

#include <gtest/gtest.h>

#include <string>

namespace checker {
namespace {

TEST(KvValues, EqualStringsShareAnIdWhicheverWayTheyWereBuilt) {
  KvValues v;
  const std::string abcde = "abcde", ab = "ab", cde = "cde", a = "a", bcde = "bcde";
  const uint32_t whole = v.literal(abcde);
  const uint32_t empty = v.literal("");
  const uint32_t by_two = v.append(v.append(empty, v.literal(ab)), v.literal(cde));
  const uint32_t by_other_two = v.append(v.literal(a), v.literal(bcde));
  EXPECT_EQ(by_two, whole);
  EXPECT_EQ(by_other_two, whole);
  EXPECT_EQ(v.append(whole, empty), whole) << "appending nothing changes nothing";
  EXPECT_EQ(v.materialize(by_two), "abcde");
  EXPECT_EQ(v.length(by_two), 5u);
  EXPECT_NE(v.append(v.literal(cde), v.literal(ab)), whole);
  EXPECT_EQ(v.materialize(v.append(v.literal(cde), v.literal(ab))), "cdeab");
}

TEST(KvValues, HashOfAConcatenationExtendsTheHashOfItsPrefix) {
  const std::string s = "x 1 0 yx 22 13 yz";
  for (size_t cut = 0; cut <= s.size(); ++cut) {
    const uint64_t prefix = kv_hash::extend(0, std::string_view(s).substr(0, cut));
    EXPECT_EQ(kv_hash::extend(prefix, std::string_view(s).substr(cut)), kv_hash::extend(0, s))
        << "cut at " << cut;
  }
  KvValues v;
  EXPECT_EQ(v.hash(v.append(v.literal("x 1 0 y"), v.literal("x 22 13 yz"))), kv_hash::extend(0, s));
}

TEST(KvValues, KeptTextOutlivesItsArgument) {
  KvValues v;
  std::string_view kept;
  {
    std::string temporary = "[1,2]";
    kept = v.keep(temporary);
  }
  const uint32_t id = v.literal(kept);
  EXPECT_EQ(v.literal_text(id), "[1,2]");
  EXPECT_GT(v.memory_bytes(), 0u);
}

}  // namespace
}  // namespace checker
