#include <gtest/gtest.h>

#include "common/binary.h"
#include "common/crc32c.h"
#include "common/markup.h"
#include "common/random.h"
#include "common/status.h"

namespace common {
namespace {

TEST(Crc32c, MatchesKnownVectors) {
  EXPECT_EQ(crc32c("123456789"), 0xE3069283u);
  std::string zeros(32, '\0');
  EXPECT_EQ(crc32c(zeros), 0x8A9136AAu);
  EXPECT_EQ(crc32c_extend(crc32c("1234"), "56789", 5), 0xE3069283u);
}

TEST(Rng, SameSeedSameSequenceDifferentSeedDiffers) {
  Rng a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) {
    uint64_t x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    (void)c;
  }
  EXPECT_NE(Rng(42).next_u64(), Rng(43).next_u64());
}

TEST(Rng, UniformStaysInBounds) {
  Rng r(7);
  for (int i = 0; i < 10000; ++i) {
    auto v = r.uniform(-3, 5);
    ASSERT_GE(v, -3);
    ASSERT_LE(v, 5);
  }
}

TEST(Binary, RoundTripsAndDetectsTruncation) {
  std::string buf;
  BinaryWriter w(&buf);
  w.u8(7);
  w.u32(0xdeadbeef);
  w.u64(1ULL << 60);
  w.varint(300);
  w.bytes("hello");
  BinaryReader r(buf);
  uint8_t a;
  uint32_t b;
  uint64_t c, d;
  std::string s;
  ASSERT_TRUE(r.u8(&a) && r.u32(&b) && r.u64(&c) && r.varint(&d) && r.bytes(&s));
  EXPECT_EQ(a, 7);
  EXPECT_EQ(b, 0xdeadbeefu);
  EXPECT_EQ(c, 1ULL << 60);
  EXPECT_EQ(d, 300u);
  EXPECT_EQ(s, "hello");
  EXPECT_TRUE(r.at_end());
  BinaryReader t(std::string_view(buf).substr(0, buf.size() - 2));
  ASSERT_TRUE(t.u8(&a) && t.u32(&b) && t.u64(&c) && t.varint(&d));
  EXPECT_FALSE(t.bytes(&s));
  EXPECT_TRUE(t.failed());
}

TEST(Status, CarriesCodeAndMessage) {
  Status s = Status::corruption("log/000001.seg: bad CRC at offset 4096");
  EXPECT_FALSE(s.is_ok());
  EXPECT_EQ(s.to_string(), "corruption: log/000001.seg: bad CRC at offset 4096");
  Result<int> r = 5;
  EXPECT_TRUE(r.is_ok());
  EXPECT_EQ(*r, 5);
  Result<int> e = Status::not_found("x");
  EXPECT_FALSE(e.is_ok());
}

}  // namespace
}  // namespace common

TEST(Markup, EscapesEveryCharacterThatCouldEndTextOrAnAttribute) {
  EXPECT_EQ(common::escape_markup(R"(<a href="x">'&'</a>)"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  EXPECT_EQ(common::escape_markup("plain"), "plain");
}
