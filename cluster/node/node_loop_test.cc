// In-process test of the node event loop: three Node objects, each running on its own thread over
// inproc:// endpoints of one ZeroMQ context, driven by raw wire messages (cluster/node may not use
// the Clerk). Waits poll with deadlines; every thread is joined.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <random>
#include <thread>
#include <zmq.hpp>

#include "cluster/node/node.h"
#include "cluster/wire/frames.h"
#include "cluster/wire/protocol.h"
#include "cluster/wire/zmq_io.h"

namespace node {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Three nodes, each with a stop flag and a thread.
class InProcessCluster {
 public:
  // `dir` holds the nodes' data dirs and outlives the cluster (the test removes it), so a second
  // cluster on new endpoints can restart from the same durable state. (inproc endpoints, unlike
  // tcp ones, are not reconnected after the bound side closes, hence new names on restart.)
  InProcessCluster(const std::string& name, std::filesystem::path dir) : dir_(std::move(dir)) {
    std::string yaml = "nodes:\n";
    for (int i = 1; i <= 3; ++i)
      yaml += "  - id: " + std::to_string(i) + "\n    listen: " + address(name, i) + "\n";
    yaml += "timing: {tick_ms: 5, election_timeout_ms: [50, 100], heartbeat_ms: 15}\n";
    auto cfg = wire::parse_cluster_config(yaml, "inproc.yaml");
    EXPECT_TRUE(cfg.is_ok()) << cfg.status().to_string();
    config_ = *cfg;
    // Every container is sized before the first thread starts: the threads read them.
    for (int i = 1; i <= 3; ++i) {
      std::filesystem::create_directories(dir_ / std::to_string(i));
      stops_.push_back(std::make_unique<std::atomic<bool>>(false));
      threads_.emplace_back();
      results_.emplace_back();
    }
    for (int i = 1; i <= 3; ++i) start(i);
  }
  ~InProcessCluster() {
    for (int i = 1; i <= 3; ++i) stop(i);
  }

  static std::string address(const std::string& name, int i) {
    return "inproc://" + name + "-" + std::to_string(i);
  }
  std::string address(int i) const { return config_.nodes[i - 1].listen; }
  zmq::context_t& context() { return context_; }

  void start(int i) {
    auto n = Node::open(
        NodeOptions{config_, uint64_t(i), (dir_ / std::to_string(i)).string(), uint64_t(i)},
        &context_);
    ASSERT_TRUE(n.is_ok()) << n.status().to_string();
    stops_[i - 1]->store(false);
    threads_[i - 1] = std::thread([this, i, node = std::move(n.value())]() mutable {
      results_[i - 1] = node->run(*stops_[i - 1]);
      node.reset();  // closes its sockets on this thread
    });
  }
  void stop(int i) {
    stops_[i - 1]->store(true);
    if (threads_[i - 1].joinable()) threads_[i - 1].join();
    EXPECT_TRUE(results_[i - 1].is_ok()) << results_[i - 1].to_string();
  }

 private:
  zmq::context_t context_{1};
  std::filesystem::path dir_;
  wire::ClusterConfig config_;
  std::vector<std::unique_ptr<std::atomic<bool>>> stops_;
  std::vector<std::thread> threads_;
  std::vector<common::Status> results_;
};

// A minimal client: one DEALER per node, follows leader hints, bounded by a deadline.
class RawClient {
 public:
  // Each client needs its own id: the servers de-duplicate by (client id, seq).
  RawClient(InProcessCluster& c, std::vector<int> nodes)
      : nodes_(std::move(nodes)), id_(std::random_device{}() | 1) {
    for (int i : nodes_) {
      sockets_.emplace_back(c.context(), zmq::socket_type::dealer);
      sockets_.back().set(zmq::sockopt::linger, 0);
      sockets_.back().connect(c.address(i));
    }
  }

  std::optional<std::string> call(wire::OpKind op, const std::string& key,
                                  const std::string& value) {
    wire::ClientRequest req{op, id_, ++seq_, key, value};
    size_t at = 0;
    for (auto until = Clock::now() + 10s; Clock::now() < until;) {
      wire::send_multipart(
          sockets_[at], {std::string("c").append(std::to_string(id_)),
                         std::string(1, char(wire::MsgType::kClientRequest)), wire::encode(req)});
      auto r = wait(at, req.seq, 100ms);
      if (r && r->code == wire::ReplyCode::kOk) return r->value;
      size_t next = (at + 1) % sockets_.size();
      if (r && r->code == wire::ReplyCode::kWrongLeader)
        for (size_t k = 0; k < nodes_.size(); ++k)
          if (uint64_t(nodes_[k]) == r->leader_hint) next = k;
      if (r && r->leader_hint == 0) {  // election in progress: give it a moment (a late Ok counts)
        auto late = wait(at, req.seq, 5ms);
        if (late && late->code == wire::ReplyCode::kOk) return late->value;
      }
      at = next;
    }
    return std::nullopt;
  }

 private:
  std::optional<wire::ClientReply> wait(size_t at, uint64_t seq,
                                        std::chrono::milliseconds timeout) {
    zmq::pollitem_t item{sockets_[at].handle(), 0, ZMQ_POLLIN, 0};
    std::vector<std::string> parts;
    for (auto until = Clock::now() + timeout; Clock::now() < until;) {
      zmq::poll(&item, 1, 10ms);
      while (wire::recv_multipart(sockets_[at], &parts)) {
        auto f = wire::split_frames(std::move(parts));
        if (!f) continue;
        auto r = wire::decode_client_reply(f->payload);
        if (r && r->seq == seq) return *r;
      }
    }
    return std::nullopt;
  }

  std::vector<int> nodes_;
  uint64_t id_;
  std::vector<zmq::socket_t> sockets_;
  uint64_t seq_ = 0;
};

// A fresh directory removed at the end of the test.
struct TestDir {
  std::filesystem::path path;
  explicit TestDir(const std::string& name)
      : path(std::filesystem::temp_directory_path() / (name + "-" + std::to_string(getpid()))) {
    std::filesystem::remove_all(path);
  }
  ~TestDir() { std::filesystem::remove_all(path); }
};

TEST(NodeLoop, ThreeNodesReplicateAndServeLinearizableReads) {
  TestDir dir("node-loop-basic");
  InProcessCluster c("node-loop-basic", dir.path);
  RawClient client(c, {1, 2, 3});
  ASSERT_EQ(client.call(wire::OpKind::kPut, "k", "a"), "");
  ASSERT_EQ(client.call(wire::OpKind::kAppend, "k", "b"), "");
  EXPECT_EQ(client.call(wire::OpKind::kGet, "k", ""), "ab");
  EXPECT_EQ(client.call(wire::OpKind::kGet, "missing", ""), "");
}

TEST(NodeLoop, SurvivorsServeAfterANodeStopsAndStateRecoversFromDisk) {
  TestDir dir("node-loop-failover");
  {
    InProcessCluster c("node-loop-failover-a", dir.path);
    {
      RawClient client(c, {1, 2, 3});
      ASSERT_EQ(client.call(wire::OpKind::kPut, "k", "1"), "");
    }
    c.stop(1);
    RawClient client(c, {2, 3});
    ASSERT_EQ(client.call(wire::OpKind::kAppend, "k", "2"), "");
    EXPECT_EQ(client.call(wire::OpKind::kGet, "k", ""), "12");
  }
  // Every node restarts from its data dir (node 1 has only "1" and must catch up).
  InProcessCluster c("node-loop-failover-b", dir.path);
  RawClient client(c, {1, 2, 3});
  ASSERT_EQ(client.call(wire::OpKind::kAppend, "k", "3"), "");
  EXPECT_EQ(client.call(wire::OpKind::kGet, "k", ""), "123");
}

}  // namespace
}  // namespace node
