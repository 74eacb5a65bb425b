// Clerk against scripted fake servers (ROUTER sockets on inproc endpoints, one thread each): leader
// hints, retries, remembering the leader, deadlines, stale replies. Every thread is joined.
#include "cluster/client/clerk.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>
#include <zmq.hpp>

#include "cluster/wire/frames.h"
#include "cluster/wire/protocol.h"
#include "cluster/wire/zmq_io.h"

namespace client {
namespace {

using namespace std::chrono_literals;
using Policy = std::function<std::vector<wire::ClientReply>(const wire::ClientRequest&)>;

// A fake node: answers each client request with whatever `policy` returns (nothing = dropped).
class FakeServer {
 public:
  FakeServer(zmq::context_t& ctx, std::string address, uint64_t id, Policy policy)
      : address_(std::move(address)), id_(id), policy_(std::move(policy)) {
    thread_ = std::thread([this, &ctx] { serve(ctx); });
    while (!bound_.load()) std::this_thread::yield();
  }
  ~FakeServer() {
    stop_ = true;
    thread_.join();
  }
  int requests() const { return requests_.load(); }
  const std::string& address() const { return address_; }

 private:
  void serve(zmq::context_t& ctx) {
    zmq::socket_t s(ctx, zmq::socket_type::router);
    s.set(zmq::sockopt::linger, 0);
    s.bind(address_);
    bound_ = true;
    zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
    std::vector<std::string> parts;
    while (!stop_.load()) {
      zmq::poll(&item, 1, 10ms);
      while (wire::recv_multipart(s, &parts)) {
        auto f = wire::split_frames(std::move(parts));
        if (!f || f->type != wire::MsgType::kClientRequest) continue;
        auto req = wire::decode_client_request(f->payload);
        if (!req) continue;
        ++requests_;
        for (auto r : policy_(*req)) {
          r.node_id = id_;
          wire::send_multipart(
              s, wire::join_frames({f->envelope, std::string("n").append(std::to_string(id_)),
                                    wire::MsgType::kClientReply, wire::encode(r)}));
        }
      }
    }
  }

  std::string address_;
  uint64_t id_;
  Policy policy_;
  std::atomic<bool> bound_{false};
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

wire::ClientReply answer(const wire::ClientRequest& q, wire::ReplyCode code, uint64_t hint = 0,
                         std::string value = {}) {
  return {q.client_id, q.seq, code, 0, hint, std::move(value), {}};
}

Policy leader_with_value(std::string v) {
  return [v](const wire::ClientRequest& q) {
    return std::vector{answer(q, wire::ReplyCode::kOk, 0, v)};
  };
}
Policy follower_of(uint64_t leader) {
  return [leader](const wire::ClientRequest& q) {
    return std::vector{answer(q, wire::ReplyCode::kWrongLeader, leader)};
  };
}
Policy silent() {
  return [](const wire::ClientRequest&) { return std::vector<wire::ClientReply>{}; };
}

std::string addr(const char* test, int i) {
  return std::string("inproc://clerk-").append(test).append("-").append(std::to_string(i));
}

ClerkOptions options(const std::vector<FakeServer*>& servers) {
  ClerkOptions o;
  for (auto* s : servers) o.servers.push_back(s->address());
  o.attempt_timeout = 50ms;
  return o;
}

TEST(Clerk, FindsTheLeaderAndRemembersIt) {
  zmq::context_t ctx(1);
  FakeServer s1(ctx, addr("find", 1), 1, follower_of(3));
  FakeServer s2(ctx, addr("find", 2), 2, follower_of(0));  // no leader known
  FakeServer s3(ctx, addr("find", 3), 3, leader_with_value("v"));
  Clerk clerk(options({&s1, &s2, &s3}), &ctx);
  auto r = clerk.get("k", std::chrono::steady_clock::now() + 5s);
  ASSERT_EQ(r.outcome, Outcome::kOk);
  EXPECT_EQ(r.value, "v");
  int before = s1.requests() + s2.requests();
  EXPECT_EQ(clerk.put("k", "x").outcome, Outcome::kOk);
  EXPECT_EQ(s1.requests() + s2.requests(), before);  // went straight to the remembered leader
}

TEST(Clerk, FollowsAHintToAKnownNode) {
  zmq::context_t ctx(1);
  std::atomic<uint64_t> leader{2};
  auto policy = [&leader](uint64_t self) -> Policy {
    return [&leader, self](const wire::ClientRequest& q) {
      return std::vector{self == leader.load()
                             ? answer(q, wire::ReplyCode::kOk)
                             : answer(q, wire::ReplyCode::kWrongLeader, leader.load())};
    };
  };
  FakeServer s1(ctx, addr("hint", 1), 1, policy(1));
  FakeServer s2(ctx, addr("hint", 2), 2, policy(2));
  FakeServer s3(ctx, addr("hint", 3), 3, policy(3));
  Clerk clerk(options({&s1, &s2, &s3}), &ctx);
  // s1 hints at node 2, still unknown, so the Clerk tries the next server: s2, the leader. It has
  // now heard from nodes 1 and 2.
  ASSERT_EQ(clerk.put("k", "v").outcome, Outcome::kOk);
  leader = 1;
  // s2 (remembered) hints at node 1, which is known: the Clerk goes straight to s1.
  ASSERT_EQ(clerk.put("k", "w").outcome, Outcome::kOk);
  EXPECT_EQ(s1.requests(), 2);
  EXPECT_EQ(s2.requests(), 2);
  EXPECT_EQ(s3.requests(), 0);
}

TEST(Clerk, DeadlineGivesUnknownWhenNobodyAnswers) {
  zmq::context_t ctx(1);
  FakeServer s1(ctx, addr("deadline", 1), 1, silent());
  FakeServer s2(ctx, addr("deadline", 2), 2, silent());
  Clerk clerk(options({&s1, &s2}), &ctx);
  auto start = std::chrono::steady_clock::now();
  auto r = clerk.append("k", "x", start + 300ms);
  EXPECT_EQ(r.outcome, Outcome::kUnknown);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_GE(r.attempts, 2);  // it moved between servers on attempt timeouts
  EXPECT_GE(s1.requests(), 1);
  EXPECT_GE(s2.requests(), 1);
}

TEST(Clerk, IgnoresRepliesForOtherOperations) {
  zmq::context_t ctx(1);
  FakeServer s1(ctx, addr("stale", 1), 1, [](const wire::ClientRequest& q) {
    auto stale = answer(q, wire::ReplyCode::kOk, 0, "stale");
    stale.seq = q.seq + 100;
    auto foreign = answer(q, wire::ReplyCode::kOk, 0, "foreign");
    foreign.client_id = q.client_id + 1;
    return std::vector{stale, foreign, answer(q, wire::ReplyCode::kOk, 0, "right")};
  });
  Clerk clerk(options({&s1}), &ctx);
  EXPECT_EQ(clerk.get("k").value, "right");
}

TEST(Clerk, RetryAndWrongLeaderAreRetriedUntilOk) {
  zmq::context_t ctx(1);
  std::atomic<int> calls{0};
  FakeServer s1(ctx, addr("retry", 1), 1, [&calls](const wire::ClientRequest& q) {
    int n = calls++;
    auto code = n == 0   ? wire::ReplyCode::kRetry
                : n == 1 ? wire::ReplyCode::kWrongLeader
                         : wire::ReplyCode::kOk;
    return std::vector{answer(q, code, 0, "done")};
  });
  Clerk clerk(options({&s1}), &ctx);
  auto r = clerk.put("k", "v");
  EXPECT_EQ(r.outcome, Outcome::kOk);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(clerk.messages_sent(), 3u);
}

TEST(Clerk, EachClerkHasItsOwnIdAndSender) {
  ClerkOptions o;
  o.servers = {"inproc://nowhere"};
  Clerk a(o), b(o);
  EXPECT_NE(a.client_id(), 0u);
  EXPECT_NE(a.client_id(), b.client_id());
  o.client_id = 42;
  Clerk c(o);
  EXPECT_EQ(c.client_id(), 42u);
}

}  // namespace
}  // namespace client
