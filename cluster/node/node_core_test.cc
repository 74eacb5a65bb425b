// NodeCore on its own: frames in, frames out, on an in-memory FileSystem and a hand-moved clock.
#include "cluster/node/node_core.h"

#include <gtest/gtest.h>

#include "cluster/node/storage/disk_storage.h"
#include "cluster/node/storage/faulty_file_system.h"
#include "cluster/wire/frames.h"
#include "cluster/wire/raft_codec.h"

namespace node {
namespace {

constexpr int64_t kMs = 1000000;

wire::ClusterConfig config(int nodes) {
  wire::ClusterConfig c;
  c.path = "test.yaml";
  c.tick_ms = 10;
  c.election_timeout_min_ms = 100;
  c.election_timeout_max_ms = 200;
  c.heartbeat_ms = 30;
  for (int i = 1; i <= nodes; ++i) {
    wire::NodeAddresses a;
    a.id = uint64_t(i);
    a.listen = a.address = a.client_address = "inproc://n" + std::to_string(i);
    c.nodes.push_back(a);
  }
  return c;
}

class NodeCoreTest : public ::testing::Test {
 protected:
  void open(int nodes, uint64_t id = 1) {
    fs_.restart();
    NodeCoreOptions o;
    o.cluster = config(nodes);
    o.id = id;
    o.data_dir = "/data";
    o.seed = 7;
    auto r = NodeCore::open(o, &fs_);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    core_ = std::move(r.value());
    core_->tick(now_);
  }
  // Advances time tick by tick until the single node leads.
  void elect() {
    for (int i = 0; i < 100 && core_->role() != raft::Role::kLeader; ++i) {
      now_ += 10 * kMs;
      core_->tick(now_);
      core_->flush();
    }
    ASSERT_EQ(core_->role(), raft::Role::kLeader);
    for (int i = 0; i < 5 && core_->has_work(); ++i) core_->flush();  // the no-op commits
    core_->take_outbox();
  }
  // A client request as the ROUTER delivers it (routing frame "r1").
  std::vector<std::string> request(wire::OpKind op, std::string key, std::string value,
                                   uint64_t seq) {
    wire::ClientRequest q{op, 9, seq, std::move(key), std::move(value)};
    return wire::join_frames({{"r1"}, "c9", wire::MsgType::kClientRequest, wire::encode(q)});
  }
  // The client replies in `out`, decoded; their routing frame must be "r1".
  std::vector<wire::ClientReply> replies(const Outbox& out) {
    std::vector<wire::ClientReply> rs;
    for (const auto& m : out.messages) {
      if (m.to_node != raft::kNoNode) continue;
      EXPECT_EQ(m.frames.front(), "r1");
      auto f = wire::split_frames(m.frames);
      EXPECT_TRUE(f.is_ok());
      if (f->type != wire::MsgType::kClientReply) continue;
      auto r = wire::decode_client_reply(f->payload);
      EXPECT_TRUE(r.is_ok());
      rs.push_back(*r);
    }
    return rs;
  }
  std::vector<wire::ClientReply> ask(wire::OpKind op, std::string key, std::string value,
                                     uint64_t seq) {
    core_->receive(request(op, std::move(key), std::move(value), seq), now_);
    core_->flush();
    return replies(core_->take_outbox());
  }

  storage::FaultyFileSystem fs_;
  std::unique_ptr<NodeCore> core_;
  int64_t now_ = 0;
};

TEST_F(NodeCoreTest, UnknownIdIsRefusedNamingTheIds) {
  NodeCoreOptions o;
  o.cluster = config(3);
  o.id = 4;
  o.data_dir = "/data";
  auto r = NodeCore::open(o, &fs_);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("unknown node id 4 (test.yaml has ids 1,2,3)"),
            std::string::npos)
      << r.status().message();
}

TEST_F(NodeCoreTest, SingleNodeAppliesAPutAndAnswersAGetThroughTheRouter) {
  open(1);
  elect();
  auto put = ask(wire::OpKind::kPut, "k", "v1", 1);
  ASSERT_EQ(put.size(), 1u);
  EXPECT_EQ(put[0].code, wire::ReplyCode::kOk);
  EXPECT_EQ(put[0].seq, 1u);
  auto get = ask(wire::OpKind::kGet, "k", "", 2);
  ASSERT_EQ(get.size(), 1u);
  EXPECT_EQ(get[0].code, wire::ReplyCode::kOk);
  EXPECT_EQ(get[0].value, "v1");
}

TEST_F(NodeCoreTest, AFollowerSendsTheClientAway) {
  open(3);
  auto r = ask(wire::OpKind::kPut, "k", "v", 1);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].code, wire::ReplyCode::kWrongLeader);
  EXPECT_EQ(r[0].node_id, 1u);
}

TEST_F(NodeCoreTest, GarbageIsLoggedAndDroppedAndABadRequestIsAnsweredWithError) {
  open(1);
  core_->receive({"only one frame"}, now_);
  core_->receive({"r1", "c9", std::string(1, char(wire::MsgType::kClientRequest)), "\x01\xff"},
                 now_);
  core_->flush();
  Outbox out = core_->take_outbox();
  int dropped = 0;
  for (const auto& l : out.logs) dropped += l.msg == "dropped malformed message";
  EXPECT_EQ(dropped, 2);
  auto rs = replies(out);
  ASSERT_EQ(rs.size(), 1u);
  EXPECT_EQ(rs[0].code, wire::ReplyCode::kError);
  EXPECT_TRUE(core_->failure().is_ok());
}

TEST_F(NodeCoreTest, StatusIsAnsweredWithTheNonce) {
  open(1);
  elect();
  core_->receive(
      wire::join_frames(
          {{"r1"}, "c9", wire::MsgType::kStatusRequest, wire::encode(wire::StatusRequest{77})}),
      now_);
  core_->flush();
  Outbox out = core_->take_outbox();
  ASSERT_EQ(out.messages.size(), 1u);
  auto f = wire::split_frames(out.messages[0].frames);
  ASSERT_TRUE(f.is_ok());
  auto s = wire::decode_status_reply(f->payload);
  ASSERT_TRUE(s.is_ok());
  EXPECT_EQ(s->nonce, 77u);
  EXPECT_EQ(s->role, "leader");
  EXPECT_EQ(s->id, 1u);
}

TEST_F(NodeCoreTest, AFailedSyncStopsTheNodeBeforeItAnswers) {
  open(1);
  elect();
  fs_.fail_next_sync();
  auto r = ask(wire::OpKind::kPut, "k", "v", 1);
  EXPECT_TRUE(r.empty()) << "nothing may be acknowledged that is not durable";
  EXPECT_FALSE(core_->failure().is_ok());
  // Once stopped, it takes no more input.
  EXPECT_TRUE(ask(wire::OpKind::kGet, "k", "", 2).empty());
}

TEST_F(NodeCoreTest, ARestartedNodeRecoversItsStateFromStorage) {
  open(1);
  elect();
  ASSERT_EQ(ask(wire::OpKind::kAppend, "k", "a", 1)[0].code, wire::ReplyCode::kOk);
  ASSERT_EQ(ask(wire::OpKind::kAppend, "k", "b", 2)[0].code, wire::ReplyCode::kOk);
  const uint32_t digest = core_->state_digest();
  ASSERT_TRUE(core_->close().is_ok());
  core_.reset();
  fs_.power_cut();  // only what was synced survives
  open(1);
  elect();
  EXPECT_EQ(core_->state_digest(), digest);
  // A retry of the last append is recognised as a duplicate after the restart.
  auto retry = ask(wire::OpKind::kAppend, "k", "b", 2);
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(ask(wire::OpKind::kGet, "k", "", 3)[0].value, "ab");
}

// A power cut can tear a batch between its entries and its hard state (kvnode
// --power-cut-storage on SIGUSR1, the simulation's disk): the log then holds entries of a term its
// hard state never reached. They were never fsynced, so never acknowledged, and no vote in that
// term went out; the node adopts the term (no vote) and starts, instead of failing Raft's restore
// check for ever. Before the fix this aborted (RAFT_CHECK in Raft's constructor).
TEST_F(NodeCoreTest, EntriesOfATermAboveTheHardStateAfterATornBatchAreAdopted) {
  open(1);
  elect();
  const raft::Term term = core_->term();
  ASSERT_TRUE(core_->close().is_ok());
  core_.reset();
  {
    fs_.restart();
    storage::DiskStorageOptions o;
    o.cluster_id = config(1).cluster_id;
    o.node_id = 1;
    storage::Recovered rec;
    auto st = storage::DiskStorage::open(&fs_, "/data", o, &rec);
    ASSERT_TRUE(st.is_ok()) << st.status().to_string();
    const raft::Index next = rec.state.entries.back().index + 1;
    // What survives of a torn batch: the entries of a new term, not the hard state after them.
    std::vector<raft::Entry> es{{term + 2, next, raft::EntryType::kNoop, ""}};
    ASSERT_TRUE(st.value()->append(es).is_ok());
    ASSERT_TRUE(st.value()->sync().is_ok());
  }
  open(1);
  EXPECT_GE(core_->term(), term + 2);
  elect();  // and it serves again
  EXPECT_EQ(ask(wire::OpKind::kAppend, "k", "x", 1)[0].code, wire::ReplyCode::kOk);
}

// Under CURVE the driver passes the connection's authenticated name: a Raft message naming a
// member other than its connection is refused before Raft sees it (the term stays), counted and
// logged; from the member's own connection, or where the transport cannot tell (""), it is Raft's.
TEST_F(NodeCoreTest, ARaftMessageFromAnotherConnectionThanItsSenderIsRefused) {
  open(3);
  auto append_from_3 = [](raft::Term term) {
    raft::Message m;
    m.type = raft::MessageType::kAppend;
    m.from = 3;
    m.to = 1;
    m.term = term;
    return wire::join_frames({{"r9"}, "n3", wire::MsgType::kRaft, wire::encode_raft_message(m)});
  };
  for (const std::string connection : {"client", "n2"}) {
    core_->receive(append_from_3(1000), now_, connection);
    core_->flush();
    EXPECT_LT(core_->term(), 1000u) << connection;
  }
  EXPECT_EQ(core_->forged_refused(), 2u);
  int refused = 0;
  for (const auto& l : core_->take_outbox().logs)
    refused += l.msg == "refused raft message from another connection";
  EXPECT_EQ(refused, 2);
  core_->receive(append_from_3(1000), now_, "n3");
  core_->flush();
  EXPECT_EQ(core_->term(), 1000u);
  core_->receive(append_from_3(2000), now_, "");
  core_->flush();
  EXPECT_EQ(core_->term(), 2000u);
  EXPECT_EQ(core_->forged_refused(), 2u);
}

}  // namespace
}  // namespace node
