// Process tests of `security: curve` (issue 14 item 5): real kvnode processes on 127.0.0.1 with
// fresh keys per test (the launcher reaps every child, also when an assertion fails).
#include <gtest/gtest.h>

#include <fstream>
#include <thread>
#include <zmq.hpp>

#include "cluster/client/clerk.h"
#include "cluster/launch/cluster_processes.h"
#include "cluster/wire/curve.h"
#include "cluster/wire/protocol.h"
#include "cluster/wire/raft_codec.h"
#include "cluster/wire/zmq_io.h"

namespace client {
namespace {

using namespace std::chrono_literals;
using launch::ClusterProcesses;
using Clock = std::chrono::steady_clock;

std::unique_ptr<ClusterProcesses> start_curve_cluster() {
  launch::ClusterProcessesOptions o;
  o.kvnode_path = KVNODE_PATH;
  o.num_nodes = 3;
  o.curve = true;
  auto c = ClusterProcesses::create(o);
  EXPECT_TRUE(c.is_ok()) << c.status().to_string();
  if (!c) return nullptr;
  auto st = c.value()->start_all();
  EXPECT_TRUE(st.is_ok()) << st.to_string();
  return st ? std::move(c.value()) : nullptr;
}

bool wait_for_leader(ClusterProcesses& c) {
  return c.wait_for_leader(Clock::now() + 10s).is_ok();
}

std::string node_log(const ClusterProcesses& c, int i) {
  std::ifstream in(c.log_path(i));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Deadline in(std::chrono::milliseconds d) { return Clock::now() + d; }

ClerkOptions options(const ClusterProcesses& c, std::optional<ClerkCurve> curve) {
  ClerkOptions o;
  o.servers = c.client_addresses();
  o.attempt_timeout = 100ms;
  o.curve = std::move(curve);
  return o;
}

TEST(CurveProcess, ACurveClusterServesAClerkWithTheClientKey) {
  auto c = start_curve_cluster();
  ASSERT_TRUE(c);
  ASSERT_TRUE(wait_for_leader(*c)) << node_log(*c, 0);
  ASSERT_TRUE(c->curve());
  Clerk clerk(options(*c, c->curve()));
  EXPECT_EQ(clerk.put("k", "a", in(10s)).outcome, Outcome::kOk);
  EXPECT_EQ(clerk.append("k", "b", in(10s)).outcome, Outcome::kOk);
  auto g = clerk.get("k", in(10s));
  EXPECT_EQ(g.outcome, Outcome::kOk);
  EXPECT_EQ(g.value, "ab");
}

TEST(CurveProcess, AClientWithoutAKeyOfTheClusterGetsNothing) {
  auto c = start_curve_cluster();
  ASSERT_TRUE(c);
  ASSERT_TRUE(wait_for_leader(*c)) << node_log(*c, 0);
  Clerk plain(options(*c, std::nullopt));
  EXPECT_EQ(plain.put("k", "plain", in(1500ms)).outcome, Outcome::kUnknown);
  EXPECT_FALSE(plain.status(0, 500ms).is_ok());
  // A CURVE client with a key pair the cluster does not know: the handshake is refused.
  auto stranger = wire::generate_curve_key_pair();
  ASSERT_TRUE(stranger.is_ok());
  ClerkCurve wrong = *c->curve();
  wrong.public_key = stranger->public_key;
  wrong.secret_key = stranger->secret_key;
  Clerk other(options(*c, wrong));
  EXPECT_EQ(other.put("k", "stranger", in(1500ms)).outcome, Outcome::kUnknown);
  // Neither wrote anything, and the cluster still serves its own client.
  Clerk own(options(*c, c->curve()));
  auto g = own.get("k", in(10s));
  EXPECT_EQ(g.outcome, Outcome::kOk);
  EXPECT_EQ(g.value, "");
  std::string logs;
  for (int i = 0; i < c->num_nodes(); ++i) logs += node_log(*c, i);
  EXPECT_NE(logs.find("refused a connection without a key of this cluster"), std::string::npos);
}

// Connects to node 1 as a CURVE client with `key` (a name of keys_dir) and sends an append of
// term 1,000,000 that claims to come from node 3.
void send_append_from_node3(const ClusterProcesses& c, zmq::context_t& ctx, const std::string& key) {
  auto own = wire::load_curve_key_file(c.keys_dir() + "/" + key + ".key");
  ASSERT_TRUE(own.is_ok()) << own.status().message();
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  wire::apply_curve_client(s, *own, c.curve()->server_public_keys[0]);
  s.connect(c.client_addresses()[0]);
  raft::Message m;
  m.type = raft::MessageType::kAppend;
  m.from = 3;
  m.to = 1;
  m.term = 1000000;
  const std::vector<std::string> frames = {"n3", std::string(1, char(wire::MsgType::kRaft)),
                                           wire::encode_raft_message(m)};
  // Sent a few times: the first may go out before the handshake finished.
  for (int i = 0; i < 10; ++i) {
    zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLOUT, 0};
    zmq::poll(&item, 1, std::chrono::milliseconds(100));
    if (item.revents & ZMQ_POLLOUT) (void)wire::send_multipart(s, frames);
    std::this_thread::sleep_for(50ms);
  }
}

uint64_t term_of(ClusterProcesses& c, int i) {
  auto s = c.status(i, 1s);
  return s ? s->term : 0;
}

TEST(CurveProcess, ARaftMessageNamingAnotherMemberThanItsConnectionIsRefused) {
  auto c = start_curve_cluster();
  ASSERT_TRUE(c);
  ASSERT_TRUE(wait_for_leader(*c)) << node_log(*c, 0);
  zmq::context_t ctx(1);
  // Admitted keys, but not node 3's: the client's and node 2's.
  send_append_from_node3(*c, ctx, "client");
  send_append_from_node3(*c, ctx, "n2");
  EXPECT_LT(term_of(*c, 0), 1000000u);
  const std::string log = node_log(*c, 0);
  EXPECT_NE(log.find("refused raft message from another connection"), std::string::npos) << log;
  EXPECT_NE(log.find("\"connection\":\"client\""), std::string::npos) << log;
  EXPECT_NE(log.find("\"connection\":\"n2\""), std::string::npos) << log;
  // The same message over node 3's own key is Raft's to judge: it takes the higher term. So the
  // refusals above were the connection check, not the message.
  send_append_from_node3(*c, ctx, "n3");
  const auto deadline = Clock::now() + 5s;
  while (term_of(*c, 0) < 1000000u && Clock::now() < deadline) std::this_thread::sleep_for(50ms);
  EXPECT_GE(term_of(*c, 0), 1000000u);
}

}  // namespace
}  // namespace client
