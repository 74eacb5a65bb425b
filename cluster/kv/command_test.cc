#include "cluster/kv/command.h"

#include <gtest/gtest.h>

namespace kv {
namespace {

TEST(KvCommand, RoundTripsEveryOp) {
  for (Op op : {Op::kGet, Op::kPut, Op::kAppend}) {
    Command c{op, 0xfeedfacecafebeefULL, 42, "key", std::string("v\0al", 4)};
    common::Result<Command> back = decode_command(encode_command(c));
    ASSERT_TRUE(back.is_ok()) << back.status().to_string();
    EXPECT_EQ(back.value(), c);
  }
}

TEST(KvCommand, EveryTruncationIsAnErrorNamingAnOffset) {
  std::string bytes = encode_command(Command{Op::kPut, 7, 9, "k", "value"});
  for (size_t n = 0; n < bytes.size(); ++n) {
    common::Result<Command> r = decode_command(std::string_view(bytes).substr(0, n));
    ASSERT_FALSE(r.is_ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_NE(r.status().message().find("byte offset"), std::string::npos);
  }
}

struct BadCase {
  const char* name;
  std::string bytes;
  const char* field;
};

TEST(KvCommand, MalformedInputsAreRejectedWithTheField) {
  std::string good = encode_command(Command{Op::kAppend, 1, 2, "k", "v"});
  std::string bad_version = good;
  bad_version[0] = 9;
  std::string bad_op = good;
  bad_op[1] = 77;
  std::string huge_key_len = good.substr(0, 18) + std::string("\xff\xff\xff\xff\x0f", 5);
  std::vector<BadCase> cases = {
      {"version", bad_version, "version"},
      {"op", bad_op, "op"},
      {"key length past end", huge_key_len, "key"},
      {"trailing", good + "x", "end"},
  };
  for (const BadCase& c : cases) {
    common::Result<Command> r = decode_command(c.bytes);
    ASSERT_FALSE(r.is_ok()) << c.name;
    EXPECT_NE(r.status().message().find(std::string("'") + c.field + "'"), std::string::npos)
        << c.name << ": " << r.status().message();
  }
}

}  // namespace
}  // namespace kv
