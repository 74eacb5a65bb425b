// Interposer tests with plain ZeroMQ sockets standing in for nodes and clients. A "node" is a
// ROUTER bound on a free port that the test drives by hand (receive one message, send a reply with
// the envelope echoed), so every step is explicit and single-threaded on the test side. Waiting is
// by polling with a deadline; no assertion depends on how fast the machine is, only "no earlier".
#include "harness/net/interposer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <optional>
#include <thread>
#include <zmq.hpp>

#include "common/clock.h"

namespace harness {
namespace {

using Frames = std::vector<std::string>;
constexpr std::chrono::milliseconds kWait{5000};

void send_frames(zmq::socket_t& s, const Frames& f) {
  for (size_t i = 0; i < f.size(); ++i) {
    s.send(zmq::buffer(f[i]), i + 1 < f.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
}

// One whole message within `timeout`, or nullopt.
std::optional<Frames> recv_frames(zmq::socket_t& s, std::chrono::milliseconds timeout = kWait) {
  zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
  if (zmq::poll(&item, 1, timeout) == 0) return std::nullopt;
  Frames f;
  zmq::message_t m;
  do {
    if (!s.recv(m, zmq::recv_flags::none)) return std::nullopt;
    f.push_back(m.to_string());
  } while (m.more());
  return f;
}

// "n<i>" (built by append: GCC 12 warns falsely on "literal" + std::string at -O2).
std::string sender_of(int i) {
  std::string s = "n";
  s += std::to_string(i);
  return s;
}

std::string answer(const std::string& payload) {
  std::string s = "re:";
  s += payload;
  return s;
}

// Polls `pred` until true or 5 s pass.
template <typename Pred>
bool eventually(Pred pred) {
  auto deadline = std::chrono::steady_clock::now() + kWait;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

class InterposerTest : public ::testing::Test {
 protected:
  static constexpr int kNodes = 3;

  void SetUp() override { start(42); }

  void start(uint64_t seed) {
    InterposerOptions o;
    o.seed = seed;
    nodes_.clear();
    for (int i = 0; i < kNodes; ++i) {
      zmq::socket_t r(ctx_, zmq::socket_type::router);
      r.set(zmq::sockopt::linger, 0);
      r.bind("tcp://127.0.0.1:*");
      o.nodes.push_back({sender_of(i + 1), r.get(zmq::sockopt::last_endpoint)});
      nodes_.push_back(std::move(r));
    }
    net_ = std::make_unique<Interposer>(o);
    ASSERT_TRUE(net_->start().is_ok());
    // A request to a node whose backend is not connected yet would be dropped.
    for (int i = 0; i < kNodes; ++i) {
      ASSERT_TRUE(eventually([&] { return net_->node_reachable(i); })) << "node " << i;
    }
  }

  // A DEALER that reaches node `dst` through the interposer.
  zmq::socket_t connect(int dst) {
    zmq::socket_t d(ctx_, zmq::socket_type::dealer);
    d.set(zmq::sockopt::linger, 0);
    d.connect(net_->frontend_address(dst));
    return d;
  }

  // Node j receives one message; returns its last three frames and replies "re:<payload>".
  std::optional<Frames> serve(int j, bool reply = true) {
    auto f = recv_frames(nodes_[j]);
    if (!f || f->size() < 3) return std::nullopt;
    Frames msg(f->end() - 3, f->end());
    if (reply) {
      Frames out(f->begin(), f->end() - 3);
      out.insert(out.end(), {sender_of(j + 1), msg[1], answer(msg[2])});
      send_frames(nodes_[j], out);
    }
    return msg;
  }

  bool node_has_nothing(int j) { return !recv_frames(nodes_[j], std::chrono::milliseconds(0)); }

  zmq::context_t ctx_{1};
  std::vector<zmq::socket_t> nodes_;
  std::unique_ptr<Interposer> net_;
};

TEST_F(InterposerTest, RequestAndReplyPassAndAreCounted) {
  auto client = connect(0);
  send_frames(client, {"c7", "T", "hello"});
  auto got = serve(0);
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, (Frames{"c7", "T", "hello"}));
  auto reply = recv_frames(client);
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, (Frames{"n1", "T", "re:hello"}));
  // A counter is bumped just after its message is sent on, so it may trail the delivery briefly.
  ASSERT_TRUE(eventually([&] { return net_->link_counters(kClients, 0).replies_forwarded == 1; }));
  LinkCounters c = net_->link_counters(kClients, 0);
  EXPECT_EQ(c.requests_forwarded, 1u);
  EXPECT_EQ(c.replies_forwarded, 1u);
  EXPECT_EQ(c.requests_dropped + c.replies_dropped, 0u);
  InterposerCounters t = net_->counters();
  EXPECT_EQ(t.total_requests, 1u);
  EXPECT_EQ(t.total_replies, 1u);
  EXPECT_EQ(t.total_dropped, 0u);
}

TEST_F(InterposerTest, RepliesReachTheRightClient) {
  auto a = connect(1);
  auto b = connect(1);
  send_frames(a, {"ca", "T", "from-a"});
  auto first = recv_frames(nodes_[1]);
  send_frames(b, {"cb", "T", "from-b"});
  auto second = recv_frames(nodes_[1]);
  ASSERT_TRUE(first && second);
  // Answer in reverse order: each reply must still go back to its own requester.
  for (auto* f : {&*second, &*first}) {
    Frames out(f->begin(), f->end() - 3);
    out.insert(out.end(), {"n2", "T", answer(f->back())});
    send_frames(nodes_[1], out);
  }
  auto ra = recv_frames(a);
  auto rb = recv_frames(b);
  ASSERT_TRUE(ra && rb);
  EXPECT_EQ(ra->back(), "re:from-a");
  EXPECT_EQ(rb->back(), "re:from-b");
}

TEST_F(InterposerTest, NodeSenderIsTheSourceOfItsLink) {
  auto peer = connect(2);  // node 0 (sender "n1") talking to node 2
  send_frames(peer, {"n1", "R", "append"});
  ASSERT_TRUE(serve(2));
  ASSERT_TRUE(recv_frames(peer));
  ASSERT_TRUE(eventually([&] { return net_->link_counters(0, 2).replies_forwarded == 1; }));
  EXPECT_EQ(net_->link_counters(0, 2).requests_forwarded, 1u);
  EXPECT_EQ(net_->link_counters(0, 2).replies_forwarded, 1u);
  EXPECT_EQ(net_->link_counters(kClients, 2).requests_forwarded, 0u);
}

TEST_F(InterposerTest, PartitionBlocksServerLinksAndHealRestores) {
  ASSERT_TRUE(net_->set_partition({{{0}, {1, 2}}, {}}).is_ok());
  EXPECT_TRUE(net_->partitioned(1, 0));
  EXPECT_FALSE(net_->partitioned(1, 2));
  EXPECT_FALSE(net_->partitioned(kClients, 0));
  auto peer = connect(0);  // node 1 (sender "n2") to node 0: cut
  send_frames(peer, {"n2", "R", "before"});
  ASSERT_TRUE(eventually([&] { return net_->link_counters(1, 0).requests_dropped == 1; }));
  // Clients still reach every node (the reference semantics).
  auto client = connect(0);
  send_frames(client, {"c1", "T", "client"});
  auto got = serve(0);
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)[2], "client");
  ASSERT_TRUE(recv_frames(client));

  net_->heal();
  EXPECT_FALSE(net_->partitioned(1, 0));
  send_frames(peer, {"n2", "R", "after"});
  got = serve(0);
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)[2], "after");  // "before" was dropped, not delivered late
  ASSERT_TRUE(recv_frames(peer));
  EXPECT_EQ(net_->link_counters(1, 0).requests_forwarded, 1u);
  EXPECT_EQ(net_->link_counters(1, 0).requests_dropped, 1u);
  EXPECT_TRUE(node_has_nothing(0));
}

TEST_F(InterposerTest, OneWayCutDropsOneDirectionOnly) {
  ASSERT_TRUE(net_->cut_one_way({Link{1, 0}}).is_ok());  // node 1 -> node 0 clogged
  EXPECT_TRUE(net_->partitioned(1, 0));
  EXPECT_FALSE(net_->partitioned(0, 1));
  auto clogged = connect(0);  // node 1 (sender "n2") to node 0: lost
  send_frames(clogged, {"n2", "R", "lost"});
  ASSERT_TRUE(eventually([&] { return net_->link_counters(1, 0).requests_dropped == 1; }));
  auto open = connect(1);  // node 0 (sender "n1") to node 1: flows
  send_frames(open, {"n1", "R", "arrives"});
  auto got = serve(1);
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)[2], "arrives");
  ASSERT_TRUE(recv_frames(open));
  EXPECT_FALSE(net_->cut_one_way({Link{kClients, 0}}).is_ok());  // node-to-node links only
  EXPECT_FALSE(net_->cut_one_way({Link{2, 2}}).is_ok());
  ASSERT_TRUE(net_->confine_client("c9", {1}).is_ok());
  net_->heal_partition();  // cuts go, the confinement stays
  EXPECT_FALSE(net_->partitioned(1, 0));
  EXPECT_TRUE(net_->client_confined_from("c9", 0));
  net_->heal();
  EXPECT_FALSE(net_->client_confined_from("c9", 0));
  EXPECT_TRUE(node_has_nothing(0));
}

TEST_F(InterposerTest, ClientsConfinedToASideReachOnlyIt) {
  ASSERT_TRUE(net_->set_partition({{{0}, {1, 2}}, {1}}).is_ok());
  auto to0 = connect(0);
  auto to1 = connect(1);
  send_frames(to0, {"c1", "T", "x"});
  ASSERT_TRUE(eventually([&] { return net_->link_counters(kClients, 0).requests_dropped == 1; }));
  send_frames(to1, {"c1", "T", "y"});
  ASSERT_TRUE(serve(1));
  ASSERT_TRUE(recv_frames(to1));
  EXPECT_TRUE(node_has_nothing(0));
}

TEST_F(InterposerTest, ConfinedClientReachesOnlyItsNodesUntilHeal) {
  ASSERT_TRUE(net_->confine_client("ca", {0}).is_ok());
  EXPECT_TRUE(net_->client_confined_from("ca", 1));
  EXPECT_FALSE(net_->client_confined_from("ca", 0));
  EXPECT_FALSE(net_->client_confined_from("cb", 1));
  auto a1 = connect(1);
  send_frames(a1, {"ca", "T", "blocked"});
  ASSERT_TRUE(eventually([&] { return net_->link_counters(kClients, 1).requests_dropped == 1; }));
  auto b1 = connect(1);  // another client is not confined
  send_frames(b1, {"cb", "T", "free"});
  auto got = serve(1);
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)[2], "free");
  ASSERT_TRUE(recv_frames(b1));
  auto a0 = connect(0);
  send_frames(a0, {"ca", "T", "own-side"});
  ASSERT_TRUE(serve(0));
  ASSERT_TRUE(recv_frames(a0));

  net_->heal();  // heal releases confinements
  EXPECT_FALSE(net_->client_confined_from("ca", 1));
  send_frames(a1, {"ca", "T", "after-heal"});
  got = serve(1);
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)[2], "after-heal");
  ASSERT_TRUE(recv_frames(a1));
  EXPECT_FALSE(net_->confine_client("ca", {3}).is_ok());
}

TEST_F(InterposerTest, ReplyToANewlyConfinedClientIsDropped) {
  auto a = connect(2);
  send_frames(a, {"ca", "T", "put"});
  auto f = recv_frames(nodes_[2]);  // the node got it; it answers only after the confinement
  ASSERT_TRUE(f);
  ASSERT_TRUE(net_->confine_client("ca", {0, 1}).is_ok());
  Frames out(f->begin(), f->end() - 3);
  out.insert(out.end(), {"n3", "T", "done"});
  send_frames(nodes_[2], out);
  ASSERT_TRUE(eventually([&] { return net_->link_counters(kClients, 2).replies_dropped == 1; }));
  EXPECT_FALSE(recv_frames(a, std::chrono::milliseconds(0)));
  net_->release_client("ca");
  EXPECT_FALSE(net_->client_confined_from("ca", 2));
}

TEST_F(InterposerTest, IsolateCutsOneNodeFromAllPeers) {
  ASSERT_TRUE(net_->isolate(2).is_ok());
  EXPECT_TRUE(net_->partitioned(0, 2));
  EXPECT_TRUE(net_->partitioned(2, 1));
  EXPECT_FALSE(net_->partitioned(0, 1));
  EXPECT_FALSE(net_->partitioned(kClients, 2));
  ASSERT_TRUE(net_->isolate(2, /*from_clients=*/true).is_ok());
  EXPECT_TRUE(net_->partitioned(kClients, 2));
  EXPECT_FALSE(net_->partitioned(kClients, 0));
}

TEST_F(InterposerTest, DropProbabilityOneDropsAllAndZeroDropsNone) {
  constexpr int kCount = 50;
  LinkRule all;
  all.drop_request = 1.0;
  ASSERT_TRUE(net_->set_unreliable(all).is_ok());
  auto client = connect(0);
  for (int i = 0; i < kCount; ++i) send_frames(client, {"c1", "T", std::to_string(i)});
  ASSERT_TRUE(eventually([&] {
    return net_->link_counters(kClients, 0).requests_dropped == static_cast<uint64_t>(kCount);
  }));
  EXPECT_EQ(net_->counters().total_requests, static_cast<uint64_t>(kCount));
  EXPECT_TRUE(node_has_nothing(0));

  net_->clear_unreliable();
  for (int i = 0; i < kCount; ++i) send_frames(client, {"c1", "T", std::to_string(i)});
  for (int i = 0; i < kCount; ++i) {
    auto got = serve(0, /*reply=*/false);
    ASSERT_TRUE(got) << i;
    EXPECT_EQ((*got)[2], std::to_string(i));  // no delay: FIFO on one link
  }
  ASSERT_TRUE(eventually([&] {
    return net_->link_counters(kClients, 0).requests_forwarded == static_cast<uint64_t>(kCount);
  }));
  LinkCounters c = net_->link_counters(kClients, 0);
  EXPECT_EQ(c.requests_forwarded, static_cast<uint64_t>(kCount));
  EXPECT_EQ(c.requests_dropped, static_cast<uint64_t>(kCount));
  EXPECT_EQ(net_->counters().total_requests, 2u * kCount);
  EXPECT_EQ(net_->counters().total_dropped, static_cast<uint64_t>(kCount));
}

TEST_F(InterposerTest, DroppedReplyIsLostAfterTheNodeExecuted) {
  LinkRule r;
  r.drop_reply = 1.0;
  ASSERT_TRUE(net_->set_rule(kClients, 1, r).is_ok());
  auto client = connect(1);
  send_frames(client, {"c1", "T", "put"});
  ASSERT_TRUE(serve(1));  // the node got the request and answered
  ASSERT_TRUE(eventually([&] { return net_->link_counters(kClients, 1).replies_dropped == 1; }));
  EXPECT_FALSE(recv_frames(client, std::chrono::milliseconds(0)));
  // Other links are untouched by a per-link rule.
  EXPECT_EQ(net_->rule(kClients, 0), LinkRule{});
}

TEST_F(InterposerTest, DelayedMessageArrivesNoEarlierThanItsDelay) {
  LinkRule r;
  r.delay_min_ms = 30;
  r.delay_max_ms = 30;
  ASSERT_TRUE(net_->set_rule(kClients, 0, r).is_ok());
  auto client = connect(0);
  int64_t sent = common::monotonic_ns();
  send_frames(client, {"c1", "T", "slow"});
  ASSERT_TRUE(serve(0));
  EXPECT_GE(common::monotonic_ns() - sent, 30 * 1000000LL);
  // The reply is held 30 ms too, from when serve() sent it: at least 30 ms after the request
  // arrived, itself at least 30 ms after `sent`. (Measured from a time taken after serve()
  // returned, a descheduled test thread made the reply look early.)
  ASSERT_TRUE(recv_frames(client));
  EXPECT_GE(common::monotonic_ns() - sent, 60 * 1000000LL);
}

TEST_F(InterposerTest, DelayReordersMessagesAcrossLinks) {
  LinkRule slow;
  slow.delay_min_ms = slow.delay_max_ms = 1000;
  ASSERT_TRUE(net_->set_rule(1, 0, slow).is_ok());
  auto from1 = connect(0);
  auto from2 = connect(0);
  send_frames(from1, {"n2", "R", "first-sent"});
  ASSERT_TRUE(eventually([&] { return net_->held() == 1; }));
  send_frames(from2, {"n3", "R", "second-sent"});
  auto a = serve(0, false);
  auto b = serve(0, false);
  ASSERT_TRUE(a && b);
  EXPECT_EQ((*a)[2], "second-sent");
  EXPECT_EQ((*b)[2], "first-sent");
}

TEST_F(InterposerTest, PartitionDropsMessagesHeldForDelay) {
  LinkRule slow;
  slow.delay_min_ms = slow.delay_max_ms = 300;
  ASSERT_TRUE(net_->set_unreliable(slow).is_ok());
  auto peer = connect(0);
  send_frames(peer, {"n2", "R", "in-flight"});
  ASSERT_TRUE(eventually([&] { return net_->held() == 1; }));
  ASSERT_TRUE(net_->isolate(0).is_ok());
  ASSERT_TRUE(eventually([&] { return net_->link_counters(1, 0).requests_dropped == 1; }));
  EXPECT_EQ(net_->link_counters(1, 0).requests_forwarded, 0u);
  EXPECT_TRUE(node_has_nothing(0));
}

TEST_F(InterposerTest, SameSeedSameDropDecisions) {
  auto run = [&](uint64_t seed) {
    net_.reset();
    start(seed);
    LinkRule half;
    half.drop_request = 0.5;
    EXPECT_TRUE(net_->set_unreliable(half).is_ok());
    auto client = connect(0);
    constexpr int kCount = 64;
    for (int i = 0; i < kCount; ++i) send_frames(client, {"c1", "T", std::to_string(i)});
    EXPECT_TRUE(eventually([&] {
      LinkCounters c = net_->link_counters(kClients, 0);
      return c.requests_forwarded + c.requests_dropped == kCount;
    }));
    std::string delivered;
    uint64_t fwd = net_->link_counters(kClients, 0).requests_forwarded;
    for (uint64_t i = 0; i < fwd; ++i) {
      auto got = serve(0, false);
      if (got) delivered += (*got)[2] + ",";
    }
    EXPECT_TRUE(node_has_nothing(0));
    return delivered;
  };
  std::string a = run(7);
  std::string b = run(7);
  std::string c = run(8);
  EXPECT_EQ(a, b);
  EXPECT_FALSE(a.empty());
  EXPECT_NE(a, c);  // 2^-64 chance of a false failure
}

TEST_F(InterposerTest, BadControlInputIsRefusedAndChangesNothing) {
  LinkRule bad;
  bad.drop_request = 1.5;
  EXPECT_FALSE(net_->set_unreliable(bad).is_ok());
  bad = LinkRule{};
  bad.delay_min_ms = 10;
  bad.delay_max_ms = 5;
  EXPECT_FALSE(net_->set_rule(kClients, 0, bad).is_ok());
  EXPECT_FALSE(net_->set_rule(kClients, 3, LinkRule{}).is_ok());
  EXPECT_FALSE(net_->set_rule(-2, 0, LinkRule{}).is_ok());
  EXPECT_FALSE(net_->set_partition({{{0, 1}, {1, 2}}, {}}).is_ok());  // node 1 twice
  EXPECT_FALSE(net_->set_partition({{{0}, {5}}, {}}).is_ok());
  EXPECT_FALSE(net_->set_partition({{{0}, {1}}, {2}}).is_ok());  // client side out of range
  EXPECT_FALSE(net_->isolate(3).is_ok());
  for (int s = kClients; s < kNodes; ++s) {
    for (int d = 0; d < kNodes; ++d) {
      EXPECT_FALSE(net_->partitioned(s, d));
      EXPECT_EQ(net_->rule(s, d), LinkRule{});
    }
  }
}

TEST_F(InterposerTest, MessageToADownNodeIsDroppedAndCounted) {
  nodes_[1].close();  // node 1 goes away
  ASSERT_TRUE(eventually([&] { return !net_->node_reachable(1); }));
  auto client = connect(1);
  send_frames(client, {"c1", "T", "lost"});
  ASSERT_TRUE(eventually([&] { return net_->link_counters(kClients, 1).requests_dropped == 1; }));
  EXPECT_EQ(net_->link_counters(kClients, 1).requests_forwarded, 0u);
}

TEST_F(InterposerTest, MalformedMessagesAreCountedNotForwarded) {
  auto client = connect(0);
  send_frames(client, {"only-two", "frames"});
  ASSERT_TRUE(eventually([&] { return net_->counters().malformed == 1; }));
  EXPECT_TRUE(node_has_nothing(0));
}

TEST(LinkTableTest, CutsAddToThePartitionAndHealRemovesThem) {
  Interposer net({{{"n1", "tcp://127.0.0.1:1"},
                   {"n2", "tcp://127.0.0.1:2"},
                   {"n3", "tcp://127.0.0.1:3"},
                   {"n4", "tcp://127.0.0.1:4"}},
                  1});
  // A ring 0-1-2-3-0 with the diagonals cut.
  ASSERT_TRUE(net.cut({{0, 2}, {1, 3}}).is_ok());
  EXPECT_TRUE(net.partitioned(0, 2));
  EXPECT_TRUE(net.partitioned(2, 0));
  EXPECT_TRUE(net.partitioned(3, 1));
  EXPECT_FALSE(net.partitioned(0, 1));
  EXPECT_FALSE(net.partitioned(kClients, 2));
  EXPECT_FALSE(net.cut({{0, 4}}).is_ok());
  EXPECT_FALSE(net.partitioned(0, 3));  // the bad call changed nothing
  net.heal();
  EXPECT_FALSE(net.partitioned(0, 2));
  EXPECT_FALSE(net.partitioned(1, 3));
}

TEST(LinkTableTest, NodeOnNoSideIsAlone) {
  Interposer net(
      {{{"n1", "tcp://127.0.0.1:1"}, {"n2", "tcp://127.0.0.1:2"}, {"n3", "tcp://127.0.0.1:3"}}, 1});
  ASSERT_TRUE(net.set_partition({{{0, 1}}, {}}).is_ok());
  EXPECT_FALSE(net.partitioned(0, 1));
  EXPECT_TRUE(net.partitioned(0, 2));
  EXPECT_TRUE(net.partitioned(2, 1));
  // heal() keeps unreliable rules; clear_unreliable() keeps the partition.
  ASSERT_TRUE(net.set_unreliable(reference_unreliable_rule()).is_ok());
  net.clear_unreliable();
  EXPECT_TRUE(net.partitioned(0, 2));
  ASSERT_TRUE(net.set_unreliable(reference_unreliable_rule()).is_ok());
  net.heal();
  EXPECT_EQ(net.rule(2, 0), reference_unreliable_rule());
  EXPECT_FALSE(net.partitioned(0, 2));
}

// --- CURVE (InterposerOptions::curve) ---

CurveKey fresh_key() {
  char pub[41], sec[41];
  EXPECT_EQ(zmq_curve_keypair(pub, sec), 0);
  return CurveKey{pub, sec};
}

std::string user_id(const zmq::message_t& m) {
  const char* u = zmq_msg_gets(m.handle(), "User-Id");
  return u ? u : "";
}

// The fake nodes' ZAP handler (their own context): admits `allowed` keys under their user id,
// on a thread of its own that stops with the object.
class ZapThread {
 public:
  ZapThread(zmq::context_t& ctx, std::map<std::string, std::string> allowed)
      : sock_(ctx, zmq::socket_type::rep), allowed_(std::move(allowed)) {
    sock_.set(zmq::sockopt::linger, 0);
    sock_.bind("inproc://zeromq.zap.01");
    thread_ = std::thread([this] { run(); });
  }
  ~ZapThread() {
    stop_ = true;
    thread_.join();
  }

 private:
  void run() {
    while (!stop_) {
      auto req = recv_frames(sock_, std::chrono::milliseconds(10));
      if (!req) continue;
      std::string user;
      if (req->size() >= 7 && (*req)[6].size() == 32) {
        char z85[41];
        if (zmq_z85_encode(z85, reinterpret_cast<const uint8_t*>((*req)[6].data()), 32)) {
          auto it = allowed_.find(z85);
          if (it != allowed_.end()) user = it->second;
        }
      }
      send_frames(sock_, {"1.0", req->size() > 1 ? (*req)[1] : "", user.empty() ? "400" : "200",
                          "", user, ""});
    }
  }
  zmq::socket_t sock_;
  std::map<std::string, std::string> allowed_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

class InterposerCurveTest : public ::testing::Test {
 protected:
  static constexpr int kNodes = 3;

  void SetUp() override {
    InterposerOptions o;
    InterposerCurve keys;
    std::map<std::string, std::string> allowed;
    for (int i = 0; i < kNodes; ++i) {
      keys.nodes.push_back(fresh_key());
      allowed[keys.nodes.back().public_key] = sender_of(i + 1);
    }
    keys.client = fresh_key();
    allowed[keys.client.public_key] = "client";
    zap_ = std::make_unique<ZapThread>(node_ctx_, allowed);
    for (int i = 0; i < kNodes; ++i) {
      zmq::socket_t r(node_ctx_, zmq::socket_type::router);
      r.set(zmq::sockopt::linger, 0);
      r.set(zmq::sockopt::zap_domain, "test");
      r.set(zmq::sockopt::curve_server, true);
      r.set(zmq::sockopt::curve_secretkey, keys.nodes[i].secret_key);
      r.bind("tcp://127.0.0.1:*");
      o.nodes.push_back({sender_of(i + 1), r.get(zmq::sockopt::last_endpoint)});
      nodes_.push_back(std::move(r));
    }
    keys_ = keys;
    o.curve = keys;
    net_ = std::make_unique<Interposer>(o);
    ASSERT_TRUE(net_->start().is_ok());
    for (int i = 0; i < kNodes; ++i) {
      ASSERT_TRUE(eventually([&] { return net_->node_reachable(i); })) << "node " << i;
    }
  }

  // A DEALER reaching node `dst` through the interposer with key `own`.
  zmq::socket_t connect(int dst, const CurveKey& own) {
    zmq::socket_t d(ctx_, zmq::socket_type::dealer);
    d.set(zmq::sockopt::linger, 0);
    d.set(zmq::sockopt::curve_serverkey, keys_.nodes[dst].public_key);
    d.set(zmq::sockopt::curve_publickey, own.public_key);
    d.set(zmq::sockopt::curve_secretkey, own.secret_key);
    d.connect(net_->frontend_address(dst));
    return d;
  }

  // Node j receives one message within `timeout`: its user id (the key of the connection it
  // came on) and last three frames; replies "re:<payload>" when `reply`.
  std::optional<std::pair<std::string, Frames>> serve(
      int j, bool reply = true, std::chrono::milliseconds timeout = kWait) {
    zmq::pollitem_t item{nodes_[j].handle(), 0, ZMQ_POLLIN, 0};
    if (zmq::poll(&item, 1, timeout) == 0) return std::nullopt;
    Frames f;
    std::string user;
    zmq::message_t m;
    do {
      if (!nodes_[j].recv(m, zmq::recv_flags::none)) return std::nullopt;
      f.push_back(m.to_string());
      user = user_id(m);
    } while (m.more());
    if (f.size() < 3) return std::nullopt;
    Frames msg(f.end() - 3, f.end());
    if (reply) {
      Frames out(f.begin(), f.end() - 3);
      out.insert(out.end(), {sender_of(j + 1), msg[1], answer(msg[2])});
      send_frames(nodes_[j], out);
    }
    return std::make_pair(user, msg);
  }

  zmq::context_t node_ctx_{1};
  std::unique_ptr<ZapThread> zap_;
  zmq::context_t ctx_{1};
  std::vector<zmq::socket_t> nodes_;
  InterposerCurve keys_;
  std::unique_ptr<Interposer> net_;
};

TEST_F(InterposerCurveTest, EachSourceReachesTheNodeOnAConnectionWithItsOwnKey) {
  // Node 0 (key n1) to node 1: the node sees the message on n1's connection, the reply returns.
  auto peer = connect(1, keys_.nodes[0]);
  send_frames(peer, {"n1", "R", "vote"});
  auto got = serve(1);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->first, "n1");
  EXPECT_EQ(got->second, (Frames{"n1", "R", "vote"}));
  auto reply = recv_frames(peer);
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, (Frames{"n2", "R", "re:vote"}));
  // Node 2 (key n3) to node 1 as well: its own connection upstream.
  auto peer3 = connect(1, keys_.nodes[2]);
  send_frames(peer3, {"n3", "R", "append"});
  got = serve(1);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->first, "n3");
  // A client: the client key upstream.
  auto client = connect(1, keys_.client);
  send_frames(client, {"c9", "Q", "get"});
  got = serve(1);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->first, "client");
  reply = recv_frames(client);
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, (Frames{"n2", "Q", "re:get"}));
  ASSERT_TRUE(eventually([&] { return net_->link_counters(kClients, 1).replies_forwarded == 1; }));
  EXPECT_EQ(net_->link_counters(0, 1).requests_forwarded, 1u);
  EXPECT_EQ(net_->link_counters(2, 1).requests_forwarded, 1u);
  EXPECT_EQ(net_->counters().curve_refused, 0u);
}

TEST_F(InterposerCurveTest, TheSourceIsTheKeyNotTheSenderFrame) {
  // A client that writes "n1" as its sender is still a client: it travels on the client key, so
  // the node's "from must match the connection" check sees through it, and partitions of node 0
  // do not apply to it.
  ASSERT_TRUE(net_->isolate(0).is_ok());
  auto client = connect(1, keys_.client);
  send_frames(client, {"n1", "R", "forged"});
  auto got = serve(1);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->first, "client");
  EXPECT_EQ(got->second, (Frames{"n1", "R", "forged"}));
  EXPECT_EQ(net_->link_counters(kClients, 1).requests_forwarded, 1u);
  EXPECT_EQ(net_->link_counters(0, 1).requests_forwarded + net_->link_counters(0, 1).requests_dropped,
            0u);
  // Node 0's own key is cut off by the partition.
  auto peer = connect(1, keys_.nodes[0]);
  send_frames(peer, {"n1", "R", "vote"});
  ASSERT_TRUE(eventually([&] { return net_->link_counters(0, 1).requests_dropped == 1; }));
  EXPECT_FALSE(serve(1, true, std::chrono::milliseconds(100)));
}

TEST_F(InterposerCurveTest, AKeyOutsideTheClusterIsRefused) {
  auto stranger = connect(0, fresh_key());
  send_frames(stranger, {"c1", "Q", "get"});
  ASSERT_TRUE(eventually([&] { return net_->counters().curve_refused >= 1; }));
  EXPECT_FALSE(serve(0, true, std::chrono::milliseconds(200)));
  EXPECT_EQ(net_->counters().total_requests, 0u);
  // The cluster's client key still gets through.
  auto client = connect(0, keys_.client);
  send_frames(client, {"c2", "Q", "get"});
  auto got = serve(0);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->first, "client");
}

TEST(InterposerCurveOptionsTest, OneKeyPairPerNodeIsRequired) {
  InterposerOptions o;
  o.nodes = {{"n1", "tcp://127.0.0.1:1"}, {"n2", "tcp://127.0.0.1:2"}};
  o.curve = InterposerCurve{{fresh_key()}, fresh_key()};
  Interposer net(o);
  EXPECT_FALSE(net.start().is_ok());
}

}  // namespace
}  // namespace harness
