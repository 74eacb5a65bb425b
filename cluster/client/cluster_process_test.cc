// Process tests: real kvnode processes started by cluster/launch (LABELS process). Every child is
// reaped by ClusterProcesses' destructor or run_to_exit, even when an assertion fails.
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <thread>
#include <zmq.hpp>

#include "cluster/client/clerk.h"
#include "cluster/launch/cluster_processes.h"
#include "cluster/launch/run_to_exit.h"
#include "cluster/wire/protocol.h"
#include "cluster/wire/zmq_io.h"

namespace client {
namespace {

using namespace std::chrono_literals;
using launch::ClusterProcesses;
using Clock = std::chrono::steady_clock;

// A started cluster in a temporary directory (nullptr, with a test failure, if it did not start);
// `tweak` adjusts the cluster file's settings.
std::unique_ptr<ClusterProcesses> start_cluster(
    int nodes = 3, const std::function<void(wire::ClusterConfig&)>& tweak = {}) {
  launch::ClusterProcessesOptions o;
  o.kvnode_path = KVNODE_PATH;
  o.num_nodes = nodes;
  o.stop_grace = 10s;
  if (tweak) tweak(o.config);
  auto c = ClusterProcesses::create(o);
  EXPECT_TRUE(c.is_ok()) << c.status().to_string();
  if (!c) return nullptr;
  auto st = c.value()->start_all();
  EXPECT_TRUE(st.is_ok()) << st.to_string();
  return st ? std::move(c.value()) : nullptr;
}

// The node a majority acknowledges as leader, or nullopt after 10 s.
std::optional<int> agreed_leader(ClusterProcesses& c) {
  auto l = c.wait_for_agreed_leader(Clock::now() + 10s);
  return l ? std::optional<int>(*l) : std::nullopt;
}

// Sends `sig` to node i and reaps it; its exit code (-signal), or nullopt if it was not running.
std::optional<int> stop_node(ClusterProcesses& c, int i, int sig) {
  auto r = c.stop(i, sig);
  return r ? std::optional<int>(*r) : std::nullopt;
}

std::optional<NodeStatus> status_of(ClusterProcesses& c, int i,
                                    std::chrono::milliseconds timeout = 500ms) {
  auto s = c.status(i, timeout);
  return s ? std::optional<NodeStatus>(*s) : std::nullopt;
}

Clerk make_clerk(const ClusterProcesses& c) {
  ClerkOptions o;
  o.servers = c.client_addresses();
  o.attempt_timeout = 100ms;
  return Clerk(o);
}

Deadline in(std::chrono::milliseconds d) { return Clock::now() + d; }

// "x<i>;" (built with append: GCC 12 warns falsely on `"x" + std::to_string(i) + ";"`).
std::string item(int i) { return std::string("x").append(std::to_string(i)).append(";"); }

std::string node_log(const ClusterProcesses& c, int i) {
  std::ifstream in(c.log_path(i));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(ClusterProcess, ClerkWritesAndReads) {
  auto c = start_cluster();
  ASSERT_TRUE(c);
  ASSERT_TRUE(agreed_leader(*c)) << node_log(*c, 0);
  Clerk clerk = make_clerk(*c);
  EXPECT_EQ(clerk.put("k", "a", in(10s)).outcome, Outcome::kOk);
  EXPECT_EQ(clerk.append("k", "b", in(10s)).outcome, Outcome::kOk);
  EXPECT_EQ(clerk.append("k", "c", in(10s)).outcome, Outcome::kOk);
  auto g = clerk.get("k", in(10s));
  EXPECT_EQ(g.outcome, Outcome::kOk);
  EXPECT_EQ(g.value, "abc");
  auto missing = clerk.get("nothing", in(10s));
  EXPECT_EQ(missing.outcome, Outcome::kOk);
  EXPECT_EQ(missing.value, "");
}

TEST(ClusterProcess, ReadModeLogServesGetsThroughTheLog) {
  auto c = start_cluster(3, [](auto& cfg) { cfg.read_mode = wire::ReadMode::kLog; });
  ASSERT_TRUE(c);
  Clerk clerk = make_clerk(*c);
  EXPECT_EQ(clerk.put("k", "v", in(10s)).outcome, Outcome::kOk);
  auto g = clerk.get("k", in(10s));
  EXPECT_EQ(g.outcome, Outcome::kOk);
  EXPECT_EQ(g.value, "v");
}

TEST(ClusterProcess, LeaderKilledOthersServeAndItCatchesUpAfterRestart) {
  auto c = start_cluster();
  ASSERT_TRUE(c);
  auto leader = agreed_leader(*c);
  ASSERT_TRUE(leader) << node_log(*c, 0);
  Clerk clerk = make_clerk(*c);
  std::string expect;
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(clerk.append("log", item(i), in(10s)).outcome, Outcome::kOk);
    expect += item(i);
  }
  ASSERT_EQ(stop_node(*c, *leader, SIGKILL), -SIGKILL);
  for (int i = 20; i < 40; ++i) {
    ASSERT_EQ(clerk.append("log", item(i), in(10s)).outcome, Outcome::kOk)
        << "after killing node " << c->node_id(*leader);
    expect += item(i);
  }
  auto g = clerk.get("log", in(10s));
  ASSERT_EQ(g.outcome, Outcome::kOk);
  EXPECT_EQ(g.value, expect);
  auto new_leader = agreed_leader(*c);
  ASSERT_TRUE(new_leader);
  EXPECT_NE(*new_leader, *leader);

  ASSERT_TRUE(c->start(*leader).is_ok());
  auto target = status_of(*c, *new_leader);
  ASSERT_TRUE(target);
  bool caught_up = false;
  for (auto until = Clock::now() + 10s; Clock::now() < until && !caught_up;) {
    auto s = status_of(*c, *leader, 200ms);
    caught_up = s && s->applied_index >= target->commit_index;
    if (!caught_up) std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(caught_up) << node_log(*c, *leader);
  // The restarted node still has every acknowledged write: kill the other two one at a time.
  EXPECT_EQ(clerk.get("log", in(10s)).value, expect);
}

TEST(ClusterProcess, AcknowledgedWritesSurviveKillingEveryNode) {
  auto c = start_cluster();
  ASSERT_TRUE(c);
  Clerk clerk = make_clerk(*c);
  std::string expect;
  for (int i = 0; i < 30; ++i) {
    ASSERT_EQ(clerk.append("k", item(i), in(10s)).outcome, Outcome::kOk);
    expect += item(i);
  }
  for (int i = 0; i < c->num_nodes(); ++i) stop_node(*c, i, SIGKILL);
  for (int i = 0; i < c->num_nodes(); ++i) ASSERT_TRUE(c->start(i).is_ok());
  auto g = clerk.get("k", in(10s));
  ASSERT_EQ(g.outcome, Outcome::kOk);
  EXPECT_EQ(g.value, expect);
}

TEST(ClusterProcess, CompactionBoundsTheLogAndSurvivesRestart) {
  auto c = start_cluster(3, [](auto& cfg) { cfg.compaction_bytes = 4096; });
  ASSERT_TRUE(c);
  Clerk clerk = make_clerk(*c);
  for (int i = 0; i < 300; ++i)
    ASSERT_EQ(clerk
                  .put(std::string("k").append(std::to_string(i % 10)),
                       std::string(100, char('a' + i % 26)), in(10s))
                  .outcome,
              Outcome::kOk);
  ASSERT_EQ(clerk.append("k0", "!", in(10s)).outcome, Outcome::kOk);
  // Compaction runs on the tick after the threshold is passed: poll until every node compacted.
  for (int i = 0; i < c->num_nodes(); ++i) {
    std::optional<NodeStatus> s;
    for (auto until = Clock::now() + 10s; Clock::now() < until;) {
      s = status_of(*c, i);
      if (s && s->snapshot_index > 0 && s->log_bytes <= 8 * 4096) break;
      std::this_thread::sleep_for(5ms);
    }
    ASSERT_TRUE(s);
    EXPECT_GT(s->snapshot_index, 0u) << "node " << i + 1;
    EXPECT_LE(s->log_bytes, 8u * 4096) << "node " << i + 1;
  }
  for (int i = 0; i < c->num_nodes(); ++i) stop_node(*c, i, SIGKILL);
  for (int i = 0; i < c->num_nodes(); ++i) ASSERT_TRUE(c->start(i).is_ok());
  auto g = clerk.get("k0", in(10s));
  ASSERT_EQ(g.outcome, Outcome::kOk);
  EXPECT_EQ(g.value, std::string(100, char('a' + 290 % 26)) + "!");
}

TEST(ClusterProcess, FollowerFarBehindCatchesUpBySnapshot) {
  auto c = start_cluster(3, [](auto& cfg) { cfg.compaction_bytes = 2048; });
  ASSERT_TRUE(c);
  auto leader = agreed_leader(*c);
  ASSERT_TRUE(leader);
  const int lagging = (*leader + 1) % c->num_nodes();
  stop_node(*c, lagging, SIGKILL);
  Clerk clerk = make_clerk(*c);
  std::string expect;
  for (int i = 0; i < 200; ++i) {
    ASSERT_EQ(clerk.append("k", item(i), in(10s)).outcome, Outcome::kOk);
    expect += item(i);
  }
  // The survivors compact past everything the stopped node has.
  std::optional<NodeStatus> s;
  for (auto until = Clock::now() + 10s; Clock::now() < until;) {
    s = status_of(*c, *leader);
    if (s && s->snapshot_index > 0) break;
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(s && s->snapshot_index > 0);
  ASSERT_TRUE(c->start(lagging).is_ok());
  bool caught_up = false;
  for (auto until = Clock::now() + 10s; Clock::now() < until && !caught_up;) {
    auto l = status_of(*c, lagging, 200ms);
    caught_up = l && l->applied_index >= s->commit_index && l->snapshot_index > 0;
    if (!caught_up) std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(caught_up) << node_log(*c, lagging);
  EXPECT_NE(node_log(*c, lagging).find("installed snapshot"), std::string::npos);
  // With the old leader gone, the restored follower must serve the full value.
  stop_node(*c, *leader, SIGKILL);
  auto g = clerk.get("k", in(10s));
  ASSERT_EQ(g.outcome, Outcome::kOk);
  EXPECT_EQ(g.value, expect);
}

TEST(ClusterProcess, SigtermShutsDownCleanly) {
  auto c = start_cluster(1);
  ASSERT_TRUE(c);
  Clerk clerk = make_clerk(*c);
  ASSERT_EQ(clerk.put("k", "v", in(10s)).outcome, Outcome::kOk);
  EXPECT_EQ(stop_node(*c, 0, SIGTERM), 0);
  EXPECT_NE(node_log(*c, 0).find("\"msg\":\"stopped\""), std::string::npos);
  ASSERT_TRUE(c->start(0).is_ok());
  EXPECT_EQ(clerk.get("k", in(10s)).value, "v");
}

TEST(ClusterProcess, DeadlineGivesUnknownWhenNoMajority) {
  auto c = start_cluster();
  ASSERT_TRUE(c);
  Clerk clerk = make_clerk(*c);
  ASSERT_EQ(clerk.put("k", "v", in(10s)).outcome, Outcome::kOk);
  stop_node(*c, 0, SIGKILL);
  stop_node(*c, 1, SIGKILL);
  auto start = Clock::now();
  auto r = clerk.put("k", "w", in(500ms));
  EXPECT_EQ(r.outcome, Outcome::kUnknown);
  EXPECT_LT(Clock::now() - start, 2s);
}

TEST(ClusterProcess, GarbageMessagesDoNotStopANode) {
  auto c = start_cluster(1);
  ASSERT_TRUE(c);
  ASSERT_TRUE(agreed_leader(*c));
  zmq::context_t ctx(1);
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.connect(c->client_addresses()[0]);
  const std::vector<std::vector<std::string>> garbage = {
      {"just one frame"},
      {"c1", "\x02"},
      {"c1", "\x63", "payload"},
      {"c1", "\x02\x02", "payload"},
      {"c1", std::string(1, '\x02'), "\x01\x09garbage"},
      {"c1", std::string(1, '\x01'), "\x01\x05\xff\xff\xff"},
      {"n2", std::string(1, '\x01'), std::string(64, '\xff')},
      {"c1", std::string(1, '\x04'), ""},
      {"c1", std::string(1, '\x03'), "\x01"},
  };
  for (int round = 0; round < 50; ++round)
    for (const auto& g : garbage) ASSERT_TRUE(wire::send_multipart(s, g) || round > 0);
  Clerk clerk = make_clerk(*c);
  EXPECT_EQ(clerk.put("k", "still alive", in(10s)).outcome, Outcome::kOk);
  EXPECT_EQ(clerk.get("k", in(10s)).value, "still alive");
  EXPECT_TRUE(c->alive(0));
  EXPECT_NE(node_log(*c, 0).find("dropped malformed message"), std::string::npos);
}

TEST(Kvctl, PutAppendGetAndStatus) {
  auto c = start_cluster();
  ASSERT_TRUE(c);
  const std::string f = c->cluster_file();
  auto put = launch::run_to_exit(KVCTL_PATH, {"--cluster", f, "put", "k", "hello"}, 15s);
  EXPECT_EQ(put.exit_code, 0) << put.stderr_text;
  auto app = launch::run_to_exit(KVCTL_PATH, {"--cluster", f, "append", "k", " world"}, 15s);
  EXPECT_EQ(app.exit_code, 0) << app.stderr_text;
  auto get = launch::run_to_exit(KVCTL_PATH, {"--cluster", f, "get", "k"}, 15s);
  EXPECT_EQ(get.exit_code, 0) << get.stderr_text;
  auto status = launch::run_to_exit(KVCTL_PATH, {"--cluster", f, "status", "--node", "2"}, 15s);
  EXPECT_EQ(status.exit_code, 0) << status.stderr_text;
  auto bad = launch::run_to_exit(KVCTL_PATH, {"--cluster", f, "status", "--node", "9"}, 15s);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.stderr_text.find("--node 9: no such node"), std::string::npos) << bad.stderr_text;
  auto usage = launch::run_to_exit(KVCTL_PATH, {"--cluster", f, "frobnicate"}, 15s);
  EXPECT_EQ(usage.exit_code, 2);
  Clerk clerk = make_clerk(*c);
  EXPECT_EQ(clerk.get("k", in(10s)).value, "hello world");
  for (int i = 0; i < c->num_nodes(); ++i) stop_node(*c, i, SIGKILL);
  auto down =
      launch::run_to_exit(KVCTL_PATH, {"--cluster", f, "--timeout-ms", "300", "get", "k"}, 15s);
  EXPECT_EQ(down.exit_code, 1);
  EXPECT_NE(down.stderr_text.find("outcome unknown"), std::string::npos) << down.stderr_text;
}

// ---- bad input on the real binary: one clear line, exit status 2, no crash ----

struct BadStart {
  std::vector<std::string> args;
  std::string expected;
};

TEST(KvnodeBadInput, StartupErrorsAreOneClearLineAndExit2) {
  launch::TempDir dir;
  const std::string good = dir.path() + "/good.yaml";
  // Never bound: every case fails before kvnode binds its endpoint.
  const std::string endpoint = "ipc://@faultline-bad-input-" + std::to_string(::getpid());
  std::ofstream(good) << "nodes:\n  - id: 1\n    listen: \"" << endpoint << "\"\n";
  const std::string bad = dir.path() + "/bad.yaml";
  std::ofstream(bad) << "nodes:\n  - id: 1\n    listen: tcp://127.0.0.1:1\n    colour: red\n";
  const std::string unsafe = dir.path() + "/unsafe.yaml";
  std::ofstream(unsafe) << "nodes:\n  - id: 1\n    listen: \"" << endpoint
                        << "\"\nread_mode: local\n";
  const std::string data = dir.path() + "/data";
  std::filesystem::create_directories(data);
  const std::string a_file = dir.path() + "/a-file";
  std::ofstream(a_file) << "x";
  const std::vector<BadStart> cases = {
      {{"--cluster", bad, "--id", "1", "--data-dir", data},
       bad + ":4: nodes[0].colour: unknown key"},
      {{"--cluster", dir.path() + "/none.yaml", "--id", "1", "--data-dir", data},
       "cannot open cluster file"},
      {{"--cluster", good, "--id", "9", "--data-dir", data}, "unknown node id 9"},
      {{"--cluster", good, "--id", "1", "--data-dir", dir.path() + "/missing"}, "data dir"},
      {{"--cluster", good, "--id", "1", "--data-dir", a_file}, "not a directory"},
      {{"--cluster", good, "--id", "1", "--data-dir", "/proc/1"}, "not writable"},
      {{"--cluster", unsafe, "--id", "1", "--data-dir", data}, "read_mode: local) need --unsafe"},
      {{"--cluster", good, "--id", "one", "--data-dir", data}, "--id"},
      {{"--id", "1", "--data-dir", data}, "--cluster"},
  };
  for (const auto& bc : cases) {
    auto r = launch::run_to_exit(KVNODE_PATH, bc.args, 10s);
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 2) << r.stderr_text;
    EXPECT_NE(r.stderr_text.find(bc.expected), std::string::npos)
        << "stderr: " << r.stderr_text << "\nexpected: " << bc.expected;
  }
}

TEST(KvnodeBadInput, PortInUseIsAClearError) {
  auto c = start_cluster(1);
  ASSERT_TRUE(c);
  ASSERT_TRUE(agreed_leader(*c));
  launch::TempDir dir;
  auto r = launch::run_to_exit(
      KVNODE_PATH, {"--cluster", c->cluster_file(), "--id", "1", "--data-dir", dir.path()}, 10s);
  EXPECT_EQ(r.exit_code, 2) << r.stderr_text;
  EXPECT_NE(r.stderr_text.find("cannot bind " + c->client_addresses()[0]), std::string::npos)
      << r.stderr_text;
}

TEST(KvnodeBadInput, CorruptLogRefusesToStartNamingTheFile) {
  auto c = start_cluster(1);
  ASSERT_TRUE(c);
  Clerk clerk = make_clerk(*c);
  for (int i = 0; i < 5; ++i)
    ASSERT_EQ(clerk.put("k", std::string(100, 'a' + i), in(10s)).outcome, Outcome::kOk);
  stop_node(*c, 0, SIGTERM);
  std::string seg;
  for (const auto& e : std::filesystem::directory_iterator(c->data_dir(0) + "/log")) seg = e.path();
  ASSERT_FALSE(seg.empty());
  {
    std::fstream f(seg, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(60);
    f.put('\x5a');
  }
  auto r = launch::run_to_exit(
      KVNODE_PATH, {"--cluster", c->cluster_file(), "--id", "1", "--data-dir", c->data_dir(0)},
      10s);
  EXPECT_EQ(r.exit_code, 2) << r.stderr_text;
  EXPECT_NE(r.stderr_text.find(".seg"), std::string::npos) << r.stderr_text;
}

}  // namespace
}  // namespace client
