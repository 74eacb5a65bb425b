// Process tests: real kvnode processes (cluster/launch) with every message through the harness's
// Interposer. Each test owns its ClusterProcesses, whose destructor SIGKILLs and reaps every child,
// so children are reaped even when an assertion fails. Waiting is by polling with deadlines.
#include <gtest/gtest.h>

#include <thread>

#include "cluster/client/clerk.h"
#include "cluster/launch/cluster_processes.h"
#include "cluster/wire/cluster_config.h"
#include "harness/net/interposer.h"

namespace harness {
namespace {

using launch::ClusterProcesses;
using launch::ClusterProcessesOptions;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kLeaderWait{10000};

class InterposedClusterTest : public ::testing::Test {
 protected:
  void TearDown() override {
    procs_.reset();  // kills and reaps
    net_.reset();
  }

  // ClusterProcesses (in a temporary directory) + Interposer, started, with a leader elected.
  void start_cluster(int n = 3) {
    ClusterProcessesOptions o;
    o.kvnode_path = KVNODE_PATH;
    o.num_nodes = n;
    auto p = ClusterProcesses::create(o);
    ASSERT_TRUE(p.is_ok()) << p.status().to_string();
    procs_ = std::move(p.value());
    InterposerOptions io;
    io.seed = 1;
    for (int i = 0; i < n; ++i)
      io.nodes.push_back({procs_->node_sender(i), procs_->listen_address(i)});
    net_ = std::make_unique<Interposer>(io);
    ASSERT_TRUE(net_->start().is_ok());
    auto st = procs_->start_all(net_->frontend_addresses());
    ASSERT_TRUE(st.is_ok()) << st.to_string();
    auto leader = procs_->wait_for_leader(Clock::now() + kLeaderWait);
    ASSERT_TRUE(leader.is_ok()) << leader.status().to_string();
  }

  std::unique_ptr<client::Clerk> clerk() {
    client::ClerkOptions o;
    o.servers = procs_->client_addresses();
    return std::make_unique<client::Clerk>(o);
  }

  // A node other than `old` leads (by highest term), within kLeaderWait.
  common::Result<int> other_leader(int old) {
    return procs_->wait_for_leader(Clock::now() + kLeaderWait, old);
  }

  static client::Deadline soon() { return Clock::now() + std::chrono::seconds(10); }

  std::unique_ptr<ClusterProcesses> procs_;
  std::unique_ptr<Interposer> net_;
};

TEST_F(InterposedClusterTest, ClerkWritesAndReadsThroughTheInterposer) {
  start_cluster();
  EXPECT_EQ(procs_->client_addresses(), net_->frontend_addresses());
  auto c = clerk();
  ASSERT_EQ(c->put("k", "v1", soon()).outcome, client::Outcome::kOk);
  ASSERT_EQ(c->append("k", "+2", soon()).outcome, client::Outcome::kOk);
  auto got = c->get("k", soon());
  ASSERT_EQ(got.outcome, client::Outcome::kOk);
  EXPECT_EQ(got.value, "v1+2");
  // Client traffic and Raft traffic both went through the interposer.
  uint64_t client_reqs = 0, raft_reqs = 0;
  for (int d = 0; d < 3; ++d) {
    client_reqs += net_->link_counters(kClients, d).requests_forwarded;
    for (int s = 0; s < 3; ++s) raft_reqs += net_->link_counters(s, d).requests_forwarded;
  }
  EXPECT_GE(client_reqs, 3u);
  EXPECT_GT(raft_reqs, 0u);
  EXPECT_GE(net_->counters().total_requests, client_reqs + raft_reqs);
  // The cluster file the nodes read parses back to what was meant.
  auto cfg = wire::load_cluster_config(procs_->cluster_file());
  ASSERT_TRUE(cfg.is_ok()) << cfg.status().to_string();
  ASSERT_EQ(cfg->nodes.size(), 3u);
  EXPECT_EQ(cfg->nodes[1].listen, procs_->listen_address(1));
  EXPECT_EQ(cfg->nodes[1].address, net_->frontend_address(1));
  EXPECT_EQ(cfg->fsync, wire::FsyncMode::kAlways);
}

TEST_F(InterposedClusterTest, IsolatingTheLeaderLetsTheMajorityElectAnother) {
  start_cluster();
  auto leader = procs_->wait_for_leader(Clock::now() + kLeaderWait);
  ASSERT_TRUE(leader.is_ok());
  auto old = procs_->status(*leader, milliseconds(500));
  ASSERT_TRUE(old.is_ok());
  ASSERT_TRUE(net_->isolate(*leader).is_ok());
  auto next = other_leader(*leader);
  ASSERT_TRUE(next.is_ok()) << next.status().to_string();
  auto now_leading = procs_->status(*next, milliseconds(500));
  ASSERT_TRUE(now_leading.is_ok());
  EXPECT_GT(now_leading->term, old->term);
  uint64_t cut = 0;
  for (int s = 0; s < 3; ++s) {
    if (s != *leader) cut += net_->link_counters(s, *leader).requests_dropped;
  }
  EXPECT_GT(cut, 0u);  // the partition really dropped Raft traffic
  // The majority still serves clients (clients reach every node under this partition).
  auto c = clerk();
  EXPECT_EQ(c->put("x", "y", soon()).outcome, client::Outcome::kOk);
  net_->heal();
}

}  // namespace
}  // namespace harness
