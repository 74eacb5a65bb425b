#include "cluster/wire/protocol.h"

#include <gtest/gtest.h>

#include "cluster/wire/frames.h"
#include "common/random.h"

namespace wire {
namespace {

TEST(WireProtocol, ClientRequestRoundTrips) {
  for (OpKind op : {OpKind::kGet, OpKind::kPut, OpKind::kAppend}) {
    ClientRequest m{op, 0xdeadbeefcafef00dULL, 42, "key", std::string("v\0al", 4)};
    auto d = decode_client_request(encode(m));
    ASSERT_TRUE(d.is_ok()) << d.status().to_string();
    EXPECT_EQ(*d, m);
  }
}

TEST(WireProtocol, ClientReplyRoundTrips) {
  ClientReply m{7, 9, ReplyCode::kWrongLeader, 2, 3, "", "why"};
  auto d = decode_client_reply(encode(m));
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_EQ(*d, m);
}

TEST(WireProtocol, StatusRoundTrips) {
  StatusRequest q{77};
  auto dq = decode_status_request(encode(q));
  ASSERT_TRUE(dq.is_ok());
  EXPECT_EQ(*dq, q);
  StatusReply r{77, 1, "leader", 5, 1, 100, 99, 101, 4096, 50, 300};
  auto dr = decode_status_reply(encode(r));
  ASSERT_TRUE(dr.is_ok()) << dr.status().to_string();
  EXPECT_EQ(*dr, r);
}

TEST(WireProtocol, WrongVersionIsRejectedAtByteZero) {
  std::string p = encode(ClientRequest{OpKind::kPut, 1, 1, "k", "v"});
  p[0] = 9;
  auto d = decode_client_request(p);
  ASSERT_FALSE(d.is_ok());
  EXPECT_NE(d.status().message().find("version"), std::string::npos);
  EXPECT_NE(d.status().message().find("at byte 0"), std::string::npos);
}

TEST(WireProtocol, UnknownOpIsRejectedWithOffset) {
  std::string p = encode(ClientRequest{OpKind::kPut, 1, 1, "k", "v"});
  p[1] = 17;
  auto d = decode_client_request(p);
  ASSERT_FALSE(d.is_ok());
  EXPECT_NE(d.status().message().find("op: unknown op 17 at byte 1"), std::string::npos)
      << d.status().message();
}

TEST(WireProtocol, EveryTruncationIsRejected) {
  std::string p = encode(ClientRequest{OpKind::kAppend, 123456789, 5, "key", "value"});
  for (size_t n = 0; n < p.size(); ++n) {
    auto d = decode_client_request(std::string_view(p).substr(0, n));
    EXPECT_FALSE(d.is_ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_NE(d.status().message().find("at byte"), std::string::npos);
  }
  std::string r = encode(StatusReply{1, 2, "follower", 3, 4, 5, 6, 7, 8, 9, 10});
  for (size_t n = 0; n < r.size(); ++n)
    EXPECT_FALSE(decode_status_reply(std::string_view(r).substr(0, n)).is_ok());
}

TEST(WireProtocol, TrailingBytesAreRejected) {
  std::string p = encode(StatusRequest{3}) + "x";
  auto d = decode_status_request(p);
  ASSERT_FALSE(d.is_ok());
  EXPECT_NE(d.status().message().find("trailing bytes at byte 2"), std::string::npos)
      << d.status().message();
}

TEST(WireProtocol, RandomGarbageNeverCrashes) {
  common::Rng rng(12345);
  for (int i = 0; i < 5000; ++i) {
    std::string g(rng.uniform(0, 40), '\0');
    for (auto& c : g) c = static_cast<char>(rng.uniform(0, 255));
    if (i % 2 == 0 && !g.empty()) g[0] = static_cast<char>(kVersion);
    (void)decode_client_request(g);
    (void)decode_client_reply(g);
    (void)decode_status_request(g);
    (void)decode_status_reply(g);
  }
}

TEST(WireFrames, LastThreeFramesAreTheMessageAndTheRestIsTheEnvelope) {
  auto f = split_frames({"router-id", "proxy-hop", "c1", std::string(1, '\x02'), "payload"});
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  EXPECT_EQ(f->envelope, (std::vector<std::string>{"router-id", "proxy-hop"}));
  EXPECT_EQ(f->sender, "c1");
  EXPECT_EQ(f->type, MsgType::kClientRequest);
  EXPECT_EQ(f->payload, "payload");
  EXPECT_EQ(join_frames(*f),
            (std::vector<std::string>{"router-id", "proxy-hop", "c1", "\x02", "payload"}));
}

TEST(WireFrames, MovingJoinGivesTheSameFramesAsCopying) {
  Frames f{{"router-id"}, "n2", MsgType::kClientReply, std::string(1000, 'v')};
  const std::vector<std::string> copied = join_frames(f);
  EXPECT_EQ(join_frames(std::move(f)), copied);
  EXPECT_EQ(copied.size(), 4u);
}

TEST(WireProtocol, ReplyEncodedWithAValueViewIsByteIdentical) {
  for (const std::string& value : {std::string(), std::string("ab"), std::string(300, 'x')}) {
    ClientReply r{7, 300, ReplyCode::kOk, 2, 0, value, ""};
    ClientReply header = r;
    header.value = "ignored";
    EXPECT_EQ(encode(header, value), encode(r)) << value.size();
  }
}

TEST(WireFrames, MalformedFramingIsRejected) {
  EXPECT_FALSE(split_frames({"a", "b"}).is_ok());
  EXPECT_FALSE(split_frames({"id", "c1", "", "p"}).is_ok());
  EXPECT_FALSE(split_frames({"id", "c1", "\x02\x02", "p"}).is_ok());
  auto bad = split_frames({"id", "c1", "\x09", "p"});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("unknown type 9"), std::string::npos);
}

}  // namespace
}  // namespace wire
