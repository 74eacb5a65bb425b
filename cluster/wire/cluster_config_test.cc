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
pre_vote: off
check_quorum: false
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
  EXPECT_FALSE(c->pre_vote);
  EXPECT_FALSE(c->check_quorum);
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
  EXPECT_TRUE(c->pre_vote);
  EXPECT_TRUE(c->check_quorum);
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
      {"nodes:\n  - id: 1\n    listen: tcp://a:1\ncheck_quorum: maybe\n",
       "bad.yaml:4: check_quorum: expected on|off|true|false, got 'maybe'"},
      {"nodes:\n  - id: 1\n    listen: tcp://a:1\ntiming:\n  election_timeout_ms: [300, 100]\n",
       "bad.yaml:5: timing.election_timeout_ms: min is greater than max"},
      {"nodes:\n  - id: 1\n    listen: tcp://a:1\n    peers: {7: tcp://a:2}\n",
       "nodes[0].peers.7: not another member"},
      {"nodes:\n  - id: 1\n    listen: [\n", "bad.yaml:"},
      {"- 1\n- 2\n", "bad.yaml:1: (top level): expected a mapping"},
      // issue 14: ports that ZeroMQ would wrap, shared listen addresses, limits, cluster ids
      {"nodes:\n  - id: 1\n    listen: tcp://127.0.0.1:99999\n",
       "bad.yaml:3: nodes[0].listen: port '99999' is not a number from 0 to 65535"},
      {"nodes:\n  - id: 1\n    listen: tcp://127.0.0.1:65536\n", "nodes[0].listen: port '65536'"},
      {"nodes:\n  - id: 1\n    listen: tcp://127.0.0.1:x1\n", "nodes[0].listen: port 'x1'"},
      {"nodes:\n  - id: 1\n    listen: tcp://a:1\n    address: tcp://a:123456\n",
       "bad.yaml:4: nodes[0].address: port '123456'"},
      {"nodes:\n  - id: 1\n    listen: tcp://a:1\n    peers: {2: tcp://a}\n  - id: 2\n"
       "    listen: tcp://a:2\n",
       "nodes[0].peers.2: no port in 'tcp://a'"},
      {"nodes:\n  - id: 1\n    listen: tcp://a:7\n  - id: 2\n    listen: tcp://a:7\n",
       "bad.yaml:5: nodes[1].listen: 'tcp://a:7' is also nodes[0].listen"},
      {"nodes:\n  - id: 1\n    listen: ipc:///tmp/x\n  - id: 2\n    listen: ipc:///tmp/x\n",
       "nodes[1].listen: 'ipc:///tmp/x' is also nodes[0].listen"},
      {"nodes:\n  - id: 1\n    listen: tcp://a:1\nmax_message_bytes: 1000\n",
       "bad.yaml:4: max_message_bytes: must be between 2097152"},
      {"nodes:\n  - id: 1\n    listen: tcp://a:1\ncluster_id: 'a b'\n",
       "bad.yaml:4: cluster_id: expected 1 to 128 characters"},
  };
  for (const auto& c : cases) {
    auto r = parse_cluster_config(c.text, "bad.yaml");
    ASSERT_FALSE(r.is_ok()) << c.text;
    EXPECT_NE(r.status().message().find(c.expected), std::string::npos)
        << "got: " << r.status().message() << "\nwanted: " << c.expected;
  }
}

TEST(ClusterConfig, ClusterIdAndMessageLimit) {
  auto c = parse_cluster_config(kGood, "c.yaml");
  ASSERT_TRUE(c.is_ok());
  EXPECT_EQ(c->cluster_id, "ids-1-2-3");  // derived from the members
  EXPECT_EQ(c->max_message_bytes, kDefaultMaxMessageBytes);
  c = parse_cluster_config(std::string(kGood) + "cluster_id: prod-7\nmax_message_bytes: 3000000\n",
                           "c.yaml");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->cluster_id, "prod-7");
  EXPECT_EQ(c->max_message_bytes, 3000000u);
}

TEST(ClusterConfig, CurveSecurityNeedsAKeyDirectoryBesideTheFile) {
  auto c = parse_cluster_config(std::string(kGood) + "security: curve\ncurve_keys: keys\n",
                                "/etc/kv/cluster.yaml");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->security, Security::kCurve);
  EXPECT_EQ(c->curve_keys_dir, "/etc/kv/keys");
  auto bad = parse_cluster_config(std::string(kGood) + "security: curve\n", "c.yaml");
  EXPECT_NE(bad.status().message().find("curve_keys: missing"), std::string::npos)
      << bad.status().message();
  bad = parse_cluster_config(std::string(kGood) + "security: tls\n", "c.yaml");
  EXPECT_NE(bad.status().message().find("security: expected none|curve, got 'tls'"),
            std::string::npos);
  EXPECT_EQ(parse_cluster_config(kGood, "c.yaml")->security, Security::kNone);
}

TEST(ClusterConfig, EphemeralPortsMayRepeat) {
  auto c = parse_cluster_config(
      "nodes:\n  - id: 1\n    listen: tcp://127.0.0.1:0\n  - id: 2\n    listen: "
      "tcp://127.0.0.1:0\n  - id: 3\n    listen: tcp://127.0.0.1:*\n  - id: 4\n    listen: "
      "tcp://127.0.0.1:65535\n",
      "e.yaml");
  EXPECT_TRUE(c.is_ok()) << c.status().to_string();
}

TEST(ClusterConfig, MissingFileIsAClearError) {
  auto r = load_cluster_config("/nonexistent/cluster.yaml");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("/nonexistent/cluster.yaml"), std::string::npos);
}

}  // namespace
}  // namespace wire
