#include "cluster/wire/cluster_config.h"

#include <gtest/gtest.h>

namespace wire {
namespace {

const char* kGood = R"(nodes:
  - id: 1
    listen: tcp://127.0.0.1:5001
  - id: 2
    listen: tcp://127.0.0.1:5002
    address: tcp://127.0.0.1:6002
    client_address: tcp://127.0.0.1:7002
    peers:
      1: tcp://127.0.0.1:8021
  - id: 3
    listen: tcp://127.0.0.1:5003
timing:
  tick_ms: 5
  election_timeout_ms: [100, 200]
  heartbeat_ms: 20
fsync: never
read_mode: log
storage: memory
dedup: off
compaction_bytes: 4096
)";

TEST(ClusterConfig, ParsesEveryField) {
  auto c = parse_cluster_config(kGood, "c.yaml");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  ASSERT_EQ(c->nodes.size(), 3u);
  EXPECT_EQ(c->nodes[0].address, "tcp://127.0.0.1:5001");
  EXPECT_EQ(c->nodes[0].client_address, "tcp://127.0.0.1:5001");
  EXPECT_EQ(c->nodes[1].client_address, "tcp://127.0.0.1:7002");
  EXPECT_EQ(c->peer_address(2, 1), "tcp://127.0.0.1:8021");
  EXPECT_EQ(c->peer_address(1, 2), "tcp://127.0.0.1:6002");
  EXPECT_EQ(c->peer_address(3, 1), "tcp://127.0.0.1:5001");
  EXPECT_EQ(c->tick_ms, 5);
  EXPECT_EQ(c->election_timeout_min_ms, 100);
  EXPECT_EQ(c->election_timeout_max_ms, 200);
  EXPECT_EQ(c->heartbeat_ms, 20);
  EXPECT_EQ(c->fsync, FsyncMode::kNever);
  EXPECT_EQ(c->read_mode, ReadMode::kLog);
  EXPECT_EQ(c->storage, StorageMode::kMemory);
  EXPECT_FALSE(c->dedup);
  EXPECT_EQ(c->compaction_bytes, 4096u);
  EXPECT_EQ(c->unsafe_settings().size(), 3u);  // fsync never, storage memory, dedup off
}

TEST(ClusterConfig, DefaultsAreSafe) {
  auto c = parse_cluster_config("nodes:\n  - id: 1\n    listen: tcp://127.0.0.1:1\n", "d.yaml");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->tick_ms, 10);
  EXPECT_EQ(c->election_timeout_min_ms, 150);
  EXPECT_EQ(c->election_timeout_max_ms, 300);
  EXPECT_EQ(c->heartbeat_ms, 30);
  EXPECT_EQ(c->read_mode, ReadMode::kReadIndex);
  EXPECT_TRUE(c->dedup);
  EXPECT_TRUE(c->unsafe_settings().empty());
}

struct BadCase {
  const char* text;
  const char* expected;  // substring of the error
};

TEST(ClusterConfig, BadFilesNameFileLineAndField) {
  const BadCase cases[] = {
      {"nodes: []\n", "bad.yaml:1: nodes: expected a non-empty list"},
      {"timing: {tick_ms: 10}\n", "bad.yaml:1: nodes: missing"},
      {"nodes:\n  - id: 1\n    listen: tcp://127.0.0.1:1\n    colour: red\n",
       "bad.yaml:4: nodes[0].colour: unknown key"},
      {"nodes:\n  - id: x\n    listen: tcp://127.0.0.1:1\n",
       "bad.yaml:2: nodes[0].id: expected a non-negative integer, got 'x'"},
      {"nodes:\n  - id: 1\n    listen: tcp://a:1\n  - id: 1\n    listen: tcp://a:2\n",
       "bad.yaml:4: nodes[1].id: duplicate id 1"},
      {"nodes:\n  - id: 1\n    listen: 127.0.0.1:1\n",
       "bad.yaml:3: nodes[0].listen: expected a ZeroMQ endpoint"},
      {"nodes:\n  - id: 1\n", "bad.yaml:2: nodes[0].listen: missing"},
      {"nodes:\n  - id: 1\n    listen: tcp://a:1\nread_mode: fast\n",
       "bad.yaml:4: read_mode: expected read_index|log|local, got 'fast'"},
      {"nodes:\n  - id: 1\n    listen: tcp://a:1\ntiming:\n  election_timeout_ms: [300, 100]\n",
       "bad.yaml:5: timing.election_timeout_ms: min is greater than max"},
      {"nodes:\n  - id: 1\n    listen: tcp://a:1\n    peers: {7: tcp://a:2}\n",
       "nodes[0].peers.7: not another member"},
      {"nodes:\n  - id: 1\n    listen: [\n", "bad.yaml:"},
      {"- 1\n- 2\n", "bad.yaml:1: (top level): expected a mapping"},
  };
  for (const auto& c : cases) {
    auto r = parse_cluster_config(c.text, "bad.yaml");
    ASSERT_FALSE(r.is_ok()) << c.text;
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos)
        << "got: " << r.status().message() << "\nwanted: " << c.expected;
  }
}

TEST(ClusterConfig, MissingFileIsAClearError) {
  auto r = load_cluster_config("/nonexistent/cluster.yaml");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("/nonexistent/cluster.yaml"), std::string::npos);
}

}  // namespace
}  // namespace wire
