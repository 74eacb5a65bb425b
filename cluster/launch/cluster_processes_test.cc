// Process tests: real kvnode processes started by ClusterProcesses, talking to each other directly
// (the interposer's side is tested in harness/process). Each test owns its ClusterProcesses, whose
// destructor SIGKILLs and reaps every child, so children are reaped even when an assertion fails.
// Waiting is by polling with deadlines.
#include "cluster/launch/cluster_processes.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <thread>

#include "cluster/client/clerk.h"
#include "cluster/wire/cluster_config.h"

namespace launch {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kLeaderWait{10000};

fs::path fresh_dir(const std::string& name) {
  fs::path p = fs::path(::testing::TempDir()) /
               ("faultline_proc_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(p);
  return p;
}

bool process_exists(int pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno != ESRCH); }

class ClusterProcessesTest : public ::testing::Test {
 protected:
  void TearDown() override {
    procs_.reset();  // kills and reaps
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  ClusterProcessesOptions options(const std::string& name, int n) {
    dir_ = fresh_dir(name);
    ClusterProcessesOptions o;
    o.kvnode_path = KVNODE_PATH;
    o.run_dir = dir_.string();
    o.num_nodes = n;
    return o;
  }

  // ClusterProcesses, started (peers and clients reach the listen addresses), with a leader
  // elected.
  void start_cluster(const std::string& name, int n = 3) {
    auto p = ClusterProcesses::create(options(name, n));
    ASSERT_TRUE(p.is_ok()) << p.status().to_string();
    procs_ = std::move(p.value());
    auto st = procs_->start_all();
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

  fs::path dir_;
  std::unique_ptr<ClusterProcesses> procs_;
};

TEST_F(ClusterProcessesTest, NodesListenOnUniqueAbstractIpcEndpointsNamedInTheClusterFile) {
  start_cluster("endpoints");
  EXPECT_EQ(procs_->client_addresses(), procs_->listen_addresses());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(procs_->listen_address(i).rfind("ipc://@faultline-", 0), 0u)
        << procs_->listen_address(i);
    for (int j = 0; j < i; ++j) EXPECT_NE(procs_->listen_address(i), procs_->listen_address(j));
  }
  auto cfg = wire::load_cluster_config(procs_->cluster_file());
  ASSERT_TRUE(cfg.is_ok()) << cfg.status().to_string();
  ASSERT_EQ(cfg->nodes.size(), 3u);
  EXPECT_EQ(cfg->nodes[1].listen, procs_->listen_address(1));
  EXPECT_EQ(cfg->nodes[1].address, procs_->listen_address(1));
  EXPECT_EQ(cfg->fsync, wire::FsyncMode::kAlways);
  auto c = clerk();
  ASSERT_EQ(c->put("k", "v1", soon()).outcome, client::Outcome::kOk);
  auto got = c->get("k", soon());
  ASSERT_EQ(got.outcome, client::Outcome::kOk);
  EXPECT_EQ(got.value, "v1");
}

// The reason for ipc endpoints: clusters started at the same moment never compete for an address.
TEST(ClusterProcessesSideBySide, ClustersStartedTogetherFromThreadsAllComeUp) {
  constexpr int kClusters = 4;
  std::vector<std::unique_ptr<ClusterProcesses>> clusters(kClusters);
  std::vector<common::Status> started(kClusters);
  std::vector<std::thread> threads;
  for (int k = 0; k < kClusters; ++k) {
    threads.emplace_back([&, k] {
      ClusterProcessesOptions o;
      o.kvnode_path = KVNODE_PATH;  // run_dir empty: each gets its own temporary directory
      auto p = ClusterProcesses::create(o);
      if (!p) {
        started[k] = p.status();
        return;
      }
      clusters[k] = std::move(p.value());
      started[k] = clusters[k]->start_all();
    });
  }
  for (auto& t : threads) t.join();
  std::set<std::string> endpoints, dirs;
  for (int k = 0; k < kClusters; ++k) {
    ASSERT_TRUE(started[k].is_ok()) << "cluster " << k << ": " << started[k].to_string();
    dirs.insert(clusters[k]->run_dir());
    for (const auto& e : clusters[k]->listen_addresses()) endpoints.insert(e);
    auto leader = clusters[k]->wait_for_agreed_leader(Clock::now() + kLeaderWait);
    EXPECT_TRUE(leader.is_ok()) << "cluster " << k << ": " << leader.status().to_string();
  }
  EXPECT_EQ(endpoints.size(), static_cast<size_t>(3 * kClusters));
  EXPECT_EQ(dirs.size(), static_cast<size_t>(kClusters));
  const std::string dir = clusters[0]->run_dir();
  clusters[0].reset();
  EXPECT_FALSE(fs::exists(dir));  // a temporary run directory goes with its cluster
}

TEST_F(ClusterProcessesTest, StopReturnsTheExitStatusAndTheNodeRestartsOnItsData) {
  start_cluster("stop");
  auto c = clerk();
  ASSERT_EQ(c->put("a", "1", soon()).outcome, client::Outcome::kOk);
  auto term = procs_->stop(0, SIGTERM);
  ASSERT_TRUE(term.is_ok()) << term.status().to_string();
  EXPECT_EQ(*term, 0);  // kvnode exits cleanly on SIGTERM
  EXPECT_FALSE(procs_->alive(0));
  EXPECT_FALSE(procs_->stop(0, SIGTERM).is_ok());  // not running
  ASSERT_TRUE(procs_->start(0).is_ok());
  auto killed = procs_->stop(1, SIGKILL);
  ASSERT_TRUE(killed.is_ok());
  EXPECT_EQ(*killed, -SIGKILL);
  ASSERT_TRUE(procs_->start(1).is_ok());
  ASSERT_TRUE(procs_->wait_for_agreed_leader(Clock::now() + kLeaderWait).is_ok());
  auto got = c->get("a", soon());
  ASSERT_EQ(got.outcome, client::Outcome::kOk);
  EXPECT_EQ(got.value, "1");
}

TEST_F(ClusterProcessesTest, KillRestartPauseResume) {
  start_cluster("lifecycle");
  auto c = clerk();
  ASSERT_EQ(c->put("a", "1", soon()).outcome, client::Outcome::kOk);

  int old_pid = procs_->pid(0);
  ASSERT_TRUE(procs_->kill(0).is_ok());
  EXPECT_FALSE(procs_->alive(0));
  EXPECT_EQ(procs_->pid(0), -1);
  EXPECT_FALSE(process_exists(old_pid));  // killed and reaped, no zombie
  ASSERT_TRUE(procs_->restart(0).is_ok());
  EXPECT_TRUE(procs_->alive(0));
  EXPECT_EQ(procs_->starts(0), 2);
  EXPECT_NE(procs_->pid(0), old_pid);
  ASSERT_TRUE(procs_->status(0, milliseconds(1000)).is_ok());

  auto leader = procs_->wait_for_leader(Clock::now() + kLeaderWait);  // node 0 may have led
  ASSERT_TRUE(leader.is_ok());
  auto before = procs_->status(*leader, milliseconds(500));
  ASSERT_TRUE(before.is_ok());
  ASSERT_TRUE(procs_->pause(*leader).is_ok());
  EXPECT_TRUE(procs_->paused(*leader));
  EXPECT_TRUE(procs_->alive(*leader));
  EXPECT_FALSE(procs_->status(*leader, milliseconds(100)).is_ok());  // stopped: cannot answer
  // The others elect a new leader in a later term.
  auto next = other_leader(*leader);
  ASSERT_TRUE(next.is_ok()) << next.status().to_string();
  ASSERT_TRUE(procs_->resume(*leader).is_ok());
  EXPECT_FALSE(procs_->paused(*leader));
  EXPECT_TRUE(procs_->status(*leader, milliseconds(2000)).is_ok());
  auto got = c->get("a", soon());
  ASSERT_EQ(got.outcome, client::Outcome::kOk);
  EXPECT_EQ(got.value, "1");

  // Durable state is on disk per node.
  auto bytes = procs_->disk_bytes(0);
  ASSERT_TRUE(bytes.is_ok()) << bytes.status().to_string();

  std::vector<int> pids;
  for (int i = 0; i < 3; ++i) pids.push_back(procs_->pid(i));
  procs_->stop_all();
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(procs_->alive(i));
    EXPECT_FALSE(process_exists(pids[i])) << "node " << i;
  }
}

TEST_F(ClusterProcessesTest, RestartFromAShortLivedThreadSurvivesThatThread) {
  // PR_SET_PDEATHSIG fires when the forking thread exits; the launcher thread must be the forker.
  start_cluster("thread");
  common::Status st;
  std::thread t([&] { st = procs_->restart(1); });
  t.join();
  ASSERT_TRUE(st.is_ok()) << st.to_string();
  EXPECT_TRUE(procs_->status(1, milliseconds(1000)).is_ok());
  EXPECT_TRUE(procs_->alive(1));
}

TEST_F(ClusterProcessesTest, DestructorKillsAndReapsEveryChild) {
  start_cluster("dtor");
  std::vector<int> pids;
  for (int i = 0; i < 3; ++i) pids.push_back(procs_->pid(i));
  ASSERT_TRUE(procs_->pause(2).is_ok());  // a stopped child must be killed too
  procs_.reset();
  for (int pid : pids) EXPECT_FALSE(process_exists(pid)) << pid;
}

TEST_F(ClusterProcessesTest, MissingBinaryIsAClearError) {
  auto o = options("missing", 3);
  o.kvnode_path = (dir_ / "no-such-kvnode").string();
  auto p = ClusterProcesses::create(o);
  ASSERT_FALSE(p.is_ok());
  EXPECT_NE(p.status().message().find("no-such-kvnode"), std::string::npos);
}

TEST_F(ClusterProcessesTest, BinaryThatCannotExecIsAClearErrorAndLeavesNoZombie) {
  auto o = options("badexec", 3);
  fs::create_directories(dir_);
  const fs::path fake = dir_ / "kvnode";
  {
    std::ofstream f(fake);
    f << "not a program\n";
  }
  fs::permissions(fake, fs::perms::owner_all);
  o.kvnode_path = fake.string();
  auto p = ClusterProcesses::create(o);
  ASSERT_TRUE(p.is_ok());
  procs_ = std::move(p.value());
  auto st = procs_->start_all({});
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("cannot start"), std::string::npos) << st.message();
  int ws = 0;
  EXPECT_LE(::waitpid(-1, &ws, WNOHANG), 0);  // no child left to reap
}

TEST_F(ClusterProcessesTest, NodeThatExitsAtStartupIsReportedWithItsLog) {
  auto o = options("early_exit", 3);
  o.extra_args = {"--no-such-flag"};
  auto p = ClusterProcesses::create(o);
  ASSERT_TRUE(p.is_ok());
  procs_ = std::move(p.value());
  auto st = procs_->start_all({});
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("during startup"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("no-such-flag"), std::string::npos) << st.message();  // from the log
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(procs_->alive(i));
}

TEST_F(ClusterProcessesTest, NodeArgsReachOnlyTheirNode) {
  auto o = options("node_args", 3);
  o.node_args = {{}, {"--no-such-flag-for-node-2"}, {}};
  auto p = ClusterProcesses::create(o);
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  procs_ = std::move(p.value());
  auto st = procs_->start_all();
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("node 1 (id 2)"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("no-such-flag-for-node-2"), std::string::npos) << st.message();
  o.node_args = {{}, {}};  // one entry per node, or none
  EXPECT_FALSE(ClusterProcesses::create(o).is_ok());
}

// --- the harness dies: its nodes must die too -------------------------------------------------
// The "harness" here is a child copy of this test binary running HarnessChild.StartClusterAndWait,
// which starts a 3-node cluster, writes the node PIDs to a file and waits to be killed.

constexpr const char* kChildDirEnv = "FAULTLINE_TEST_HARNESS_CHILD_DIR";
constexpr const char* kChildHandlerEnv = "FAULTLINE_TEST_HARNESS_CHILD_HANDLER";

// Gone, or a zombie nobody has reaped yet (an orphan's new parent may be slow to reap).
bool process_dead(int pid) {
  if (!process_exists(pid)) return true;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return true;
  auto close_paren = line.rfind(')');
  return close_paren != std::string::npos && close_paren + 2 < line.size() &&
         line[close_paren + 2] == 'Z';
}

TEST(HarnessChild, StartClusterAndWait) {
  const char* dir = std::getenv(kChildDirEnv);
  if (dir == nullptr) GTEST_SKIP() << "only runs as the child of the harness-death tests";
  if (std::getenv(kChildHandlerEnv) != nullptr) ClusterProcesses::install_interrupt_handler();
  ClusterProcessesOptions o;
  o.kvnode_path = KVNODE_PATH;
  o.run_dir = dir;
  o.num_nodes = 3;
  auto p = ClusterProcesses::create(o);
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  ASSERT_TRUE(p.value()->start_all({}).is_ok());
  {
    std::ofstream f(std::string(dir) + "/pids.tmp");
    for (int i = 0; i < 3; ++i) f << p.value()->pid(i) << "\n";
  }
  fs::rename(std::string(dir) + "/pids.tmp", std::string(dir) + "/pids");
  std::this_thread::sleep_for(std::chrono::seconds(60));  // waiting to be killed, not syncing
  FAIL() << "the parent test never killed this harness";
}

// Starts the child harness; returns its PID (-1 if it exited before reporting) and the node PIDs.
pid_t spawn_child_harness(const fs::path& dir, bool handler, std::vector<int>* node_pids) {
  fs::create_directories(dir);
  std::string exe = fs::read_symlink("/proc/self/exe").string();
  pid_t child = ::fork();
  if (child == 0) {
    ::setenv(kChildDirEnv, dir.c_str(), 1);
    if (handler) ::setenv(kChildHandlerEnv, "1", 1);
    ::execl(exe.c_str(), exe.c_str(), "--gtest_filter=HarnessChild.StartClusterAndWait",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  auto deadline = Clock::now() + std::chrono::seconds(20);
  int ws = 0;
  while (!fs::exists(dir / "pids") && Clock::now() < deadline) {
    if (::waitpid(child, &ws, WNOHANG) == child) return -1;  // it failed before writing the PIDs
    std::this_thread::sleep_for(milliseconds(10));
  }
  std::ifstream f(dir / "pids");
  int pid = 0;
  while (f >> pid) node_pids->push_back(pid);
  return child;
}

// Kills and reaps the child harness and any node left behind, whatever the test's outcome.
struct ChildHarnessGuard {
  pid_t child = -1;
  std::vector<int> nodes;
  fs::path dir;
  ~ChildHarnessGuard() {
    if (child > 0) {
      ::kill(child, SIGKILL);
      ::waitpid(child, nullptr, 0);
    }
    for (int pid : nodes) {
      if (!process_dead(pid)) ::kill(pid, SIGKILL);
    }
    fs::remove_all(dir);
  }
};

bool all_dead_soon(const std::vector<int>& pids) {
  auto deadline = Clock::now() + std::chrono::seconds(5);
  while (Clock::now() < deadline) {
    bool all = true;
    for (int pid : pids) all = all && process_dead(pid);
    if (all) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return false;
}

TEST(HarnessDeathTest, KillDashNineOfTheHarnessKillsItsNodes) {
  ChildHarnessGuard g;
  g.dir = fresh_dir("sigkill");
  g.child = spawn_child_harness(g.dir, false, &g.nodes);
  ASSERT_EQ(g.nodes.size(), 3u);
  for (int pid : g.nodes) ASSERT_FALSE(process_dead(pid));
  ::kill(g.child, SIGKILL);  // a crash: no handler, no destructor runs
  ::waitpid(g.child, nullptr, 0);
  g.child = -1;
  EXPECT_TRUE(all_dead_soon(g.nodes));  // PR_SET_PDEATHSIG
}

TEST(HarnessDeathTest, InterruptOfTheHarnessKillsItsNodes) {
  ChildHarnessGuard g;
  g.dir = fresh_dir("sigint");
  g.child = spawn_child_harness(g.dir, true, &g.nodes);
  ASSERT_EQ(g.nodes.size(), 3u);
  ::kill(g.child, SIGINT);  // Ctrl-C
  int ws = 0;
  ::waitpid(g.child, &ws, 0);
  g.child = -1;
  EXPECT_TRUE(WIFSIGNALED(ws) && WTERMSIG(ws) == SIGINT);  // the handler re-raised the signal
  EXPECT_TRUE(all_dead_soon(g.nodes));
}

}  // namespace
}  // namespace launch
