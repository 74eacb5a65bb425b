// ClerkCore on its own: no sockets, no threads, no clock. Each test plays the servers by hand
// (what a request was sent where, which reply comes back when) and checks the core's decisions.
#include "cluster/client/clerk_core.h"

#include <gtest/gtest.h>

#include "cluster/wire/frames.h"

namespace client {
namespace {

constexpr int64_t kMs = 1000000;

ClerkCore make(size_t servers) {
  ClerkCoreOptions o;
  o.servers = servers;
  o.client_id = 42;
  o.attempt_timeout_ns = 100 * kMs;
  o.round_backoff_ns = 5 * kMs;
  o.server_names = {"tcp://a", "tcp://b", "tcp://c"};
  return ClerkCore(o);
}

// The request in a ClerkSend.
wire::ClientRequest request_of(const ClerkSend& s) {
  auto f = wire::split_frames(s.frames);
  EXPECT_TRUE(f.is_ok());
  EXPECT_EQ(f->type, wire::MsgType::kClientRequest);
  auto r = wire::decode_client_request(f->payload);
  EXPECT_TRUE(r.is_ok());
  return *r;
}

std::vector<std::string> reply(const wire::ClientRequest& q, wire::ReplyCode code, uint64_t node,
                               uint64_t hint = 0, std::string value = {}) {
  wire::ClientReply r{q.client_id, q.seq, code, node, hint, std::move(value), {}};
  return wire::join_frames({{},
                            std::string("n").append(std::to_string(node)),
                            wire::MsgType::kClientReply,
                            wire::encode(r)});
}

// The one message the core wants sent now.
ClerkSend only_send(ClerkCore& c) {
  auto sends = c.take_sends();
  EXPECT_EQ(sends.size(), 1u);
  return sends.empty() ? ClerkSend{} : sends[0];
}

TEST(ClerkCore, FirstAttemptGoesToServerZeroWithTheClientIdAndSequence) {
  ClerkCore c = make(3);
  c.start_op(wire::OpKind::kPut, "k", "v", 0);
  ClerkSend s = only_send(c);
  EXPECT_EQ(s.server, 0u);
  EXPECT_EQ(s.frames[0], "c000000000000002a");
  wire::ClientRequest q = request_of(s);
  EXPECT_EQ(q.client_id, 42u);
  EXPECT_EQ(q.seq, 1u);
  EXPECT_EQ(q.key, "k");
  EXPECT_EQ(q.value, "v");
  c.on_reply(0, reply(q, wire::ReplyCode::kOk, 1), 1 * kMs);
  auto r = c.take_result();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->outcome, Outcome::kOk);
  EXPECT_EQ(r->attempts, 1);
  EXPECT_FALSE(c.busy());
}

TEST(ClerkCore, FollowsALeaderHintOnceItKnowsWhereThatNodeIs) {
  ClerkCore c = make(3);
  // Learn that node 3 is server 2 from an earlier answer.
  c.start_op(wire::OpKind::kGet, "k", {}, 0);
  c.on_reply(2, reply(request_of(only_send(c)), wire::ReplyCode::kOk, 3), 0);
  // Next op starts at server 2 (the last to answer ok); it says node 1 leads, and node 1 is
  // unknown, so the core rotates; then server 0 (node 1) hints node 3 = server 2.
  c.start_op(wire::OpKind::kPut, "k", "v", 0);
  ClerkSend s = only_send(c);
  EXPECT_EQ(s.server, 2u);
  c.on_reply(2, reply(request_of(s), wire::ReplyCode::kWrongLeader, 3, 1), 0);
  s = only_send(c);
  EXPECT_EQ(s.server, 0u);
  c.on_reply(0, reply(request_of(s), wire::ReplyCode::kWrongLeader, 1, 3), 0);
  s = only_send(c);
  EXPECT_EQ(s.server, 2u) << "the hint names node 3, learned to be server 2";
}

TEST(ClerkCore, RotatesOnAttemptTimeoutAndBacksOffAfterAWholeRound) {
  ClerkCore c = make(3);
  c.start_op(wire::OpKind::kAppend, "k", "x", 0);
  EXPECT_EQ(only_send(c).server, 0u);
  EXPECT_EQ(c.next_wakeup_ns(), 100 * kMs);
  c.on_time(100 * kMs);
  EXPECT_EQ(only_send(c).server, 1u);
  c.on_time(200 * kMs);
  EXPECT_EQ(only_send(c).server, 2u);
  c.on_time(300 * kMs);  // three refusals in a row: back off before the next round
  EXPECT_TRUE(c.take_sends().empty());
  EXPECT_EQ(c.next_wakeup_ns(), 305 * kMs);
  c.on_time(305 * kMs);
  EXPECT_EQ(only_send(c).server, 0u);
}

TEST(ClerkCore, RetryBacksOffThenAsksTheSameServerWithTheSameSequence) {
  ClerkCore c = make(3);
  c.start_op(wire::OpKind::kPut, "k", "v", 0);
  wire::ClientRequest q = request_of(only_send(c));
  c.on_reply(0, reply(q, wire::ReplyCode::kRetry, 1), 10 * kMs);
  EXPECT_TRUE(c.take_sends().empty());
  c.on_time(15 * kMs);
  ClerkSend s = only_send(c);
  EXPECT_EQ(s.server, 0u);
  EXPECT_EQ(request_of(s).seq, q.seq) << "a retry is the same operation";
}

TEST(ClerkCore, AnUnreachableServerIsSkippedAtOnce) {
  ClerkCore c = make(3);
  c.start_op(wire::OpKind::kPut, "k", "v", 0);
  EXPECT_EQ(only_send(c).server, 0u);
  c.on_send_failed(0, 0);
  ClerkSend s = only_send(c);
  EXPECT_EQ(s.server, 1u);
  c.on_reply(1, reply(request_of(s), wire::ReplyCode::kOk, 2), 0);
  auto r = c.take_result();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->attempts, 1) << "a request never handed over is not an attempt";
  EXPECT_EQ(c.leader(), 1u);
}

TEST(ClerkCore, DeadlineGivesUnknownNeverFailure) {
  ClerkCore c = make(3);
  c.start_op(wire::OpKind::kPut, "k", "v", 0, 50 * kMs);
  only_send(c);
  EXPECT_EQ(c.next_wakeup_ns(), 50 * kMs) << "the attempt is cut at the deadline";
  c.on_time(50 * kMs);
  auto r = c.take_result();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->outcome, Outcome::kUnknown);
  EXPECT_EQ(r->attempts, 1);
}

TEST(ClerkCore, StaleRepliesAreIgnored) {
  ClerkCore c = make(3);
  c.start_op(wire::OpKind::kPut, "k", "v", 0);
  wire::ClientRequest first = request_of(only_send(c));
  c.on_reply(0, reply(first, wire::ReplyCode::kOk, 1), 0);
  ASSERT_TRUE(c.take_result().has_value());
  c.start_op(wire::OpKind::kPut, "k", "w", 0);
  only_send(c);
  c.on_reply(0, reply(first, wire::ReplyCode::kOk, 1), 0);  // the old operation's reply again
  EXPECT_FALSE(c.take_result().has_value());
  c.on_reply(0, {"garbage"}, 0);
  EXPECT_TRUE(c.busy());
}

TEST(ClerkCore, StatusRetriesAnUnsentRequestAndTimesOutNamingTheServer) {
  ClerkCore c = make(3);
  EXPECT_FALSE(c.start_status(7, 0, 10 * kMs).is_ok());
  ASSERT_TRUE(c.start_status(1, 0, 10 * kMs).is_ok());
  EXPECT_EQ(only_send(c).server, 1u);
  c.on_send_failed(1, 0);
  EXPECT_EQ(c.next_wakeup_ns(), 2 * kMs);
  c.on_time(2 * kMs);
  EXPECT_EQ(only_send(c).server, 1u);
  c.on_time(10 * kMs);
  auto r = c.take_status();
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->is_ok());
  EXPECT_NE(r->status().message().find("tcp://b"), std::string::npos) << r->status().message();
}

TEST(ClerkCore, StatusReplyWithTheRightNonceIsTheAnswer) {
  ClerkCore c = make(3);
  ASSERT_TRUE(c.start_status(2, 0, 10 * kMs).is_ok());
  auto f = wire::split_frames(only_send(c).frames);
  auto q = wire::decode_status_request(f->payload);
  wire::StatusReply r;
  r.nonce = q->nonce;
  r.id = 3;
  r.role = "leader";
  r.term = 4;
  c.on_reply(2, wire::join_frames({{}, "n3", wire::MsgType::kStatusReply, wire::encode(r)}), 0);
  auto s = c.take_status();
  ASSERT_TRUE(s.has_value() && s->is_ok());
  EXPECT_EQ((*s)->role, "leader");
  EXPECT_EQ((*s)->term, 4u);
}

}  // namespace
}  // namespace client
