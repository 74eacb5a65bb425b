// Process tests of ProcessSystem's power cut: real kvnode processes on 127.0.0.1 (reaped by
// ClusterProcesses when the system is destroyed, also on failure). A single node with
// `fsync: never` acknowledges appends it never fsynced: a power cut loses them, a kill does not.
#include "harness/sut/process/process_system.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "cluster/client/clerk.h"
#include "cluster/wire/cluster_config.h"
#include "cluster/wire/curve.h"

namespace harness::sut {
namespace {

namespace fs = std::filesystem;

SystemSpec spec(const std::string& name, bool power_cuts) {
  SystemSpec s;
  s.nodes = 1;
  s.settings.fsync = Fsync::kNever;
  s.unsafe = true;
  s.power_cuts = power_cuts;
  s.run_dir = testing::TempDir() + "/process_system_test/" + name;
  fs::remove_all(s.run_dir);
  fs::create_directories(s.run_dir);
  s.node_seeds = {1};
  return s;
}

struct Cluster {
  explicit Cluster(const SystemSpec& s) {
    auto made = make_process_system({KVNODE_PATH}, s);
    EXPECT_TRUE(made.is_ok()) << made.status().message();
    if (made.is_ok()) system = std::move(*made);
  }
  // An append to "k", acknowledged; then the node goes down `how`, starts again, and "k" is read.
  std::string append_crash_read(Crash how, common::Status* kill_status) {
    auto c = system->clients().make(ClientOptions{"c1", 7, 200'000'000});
    const int64_t deadline = system->clock().now_ns() + 10'000'000'000;
    EXPECT_EQ(c->invoke(OpKind::kAppend, "k", "durable?", deadline).outcome, Outcome::kOk);
    EXPECT_EQ(c->invoke(OpKind::kGet, "k", "", deadline).value, "durable?");
    *kill_status = system->nodes().kill(0, how);
    if (!kill_status->is_ok()) return "(not killed)";
    EXPECT_TRUE(system->nodes().start(0).is_ok());
    const OpResult r = c->invoke(OpKind::kGet, "k", "", system->clock().now_ns() + 10'000'000'000);
    EXPECT_EQ(r.outcome, Outcome::kOk);
    return r.value;
  }
  std::unique_ptr<System> system;
};

TEST(ProcessSystemPowerCut, APowerCutLosesWhatWasNotFsynced) {
  Cluster c(spec("cut", true));
  ASSERT_TRUE(c.system);
  ASSERT_TRUE(c.system->start().is_ok());
  common::Status killed;
  EXPECT_EQ(c.append_crash_read(Crash::kPowerLoss, &killed), "");
  EXPECT_TRUE(killed.is_ok()) << killed.message();
}

TEST(ProcessSystemPowerCut, AKillKeepsWhatWasWrittenWithoutPowerCutStorage) {
  Cluster c(spec("kill", false));
  ASSERT_TRUE(c.system);
  ASSERT_TRUE(c.system->start().is_ok());
  common::Status killed;
  EXPECT_EQ(c.append_crash_read(Crash::kProcess, &killed), "durable?");
  EXPECT_TRUE(killed.is_ok()) << killed.message();
}

TEST(ProcessSystemPowerCut, WithoutPowerCutStorageAPowerLossIsRefusedAndTheNodeStaysUp) {
  Cluster c(spec("refused", false));
  ASSERT_TRUE(c.system);
  ASSERT_TRUE(c.system->start().is_ok());
  const common::Status s = c.system->nodes().kill(0, Crash::kPowerLoss);
  EXPECT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("--power-cut-storage"), std::string::npos) << s.message();
  EXPECT_TRUE(c.system->nodes().running(0));
}

TEST(ProcessSystemPowerCut, ATornPowerCutKeepsAPrefixAndTheNodeRecovers) {
  const SystemSpec s = spec("torn", true);
  Cluster c(s);
  ASSERT_TRUE(c.system);
  ASSERT_TRUE(c.system->start().is_ok());
  auto client = c.system->clients().make(ClientOptions{"c1", 7, 200'000'000});
  auto in = [&](int64_t sec) { return c.system->clock().now_ns() + sec * 1'000'000'000; };
  ASSERT_EQ(client->invoke(OpKind::kAppend, "k", "unsynced", in(10)).outcome, Outcome::kOk);
  ASSERT_TRUE(c.system->nodes().kill_torn(0).is_ok());
  EXPECT_FALSE(c.system->nodes().running(0));
  ASSERT_TRUE(c.system->nodes().start(0).is_ok());
  const OpResult r = client->invoke(OpKind::kGet, "k", "", in(10));
  ASSERT_EQ(r.outcome, Outcome::kOk);
  // Whatever prefix of the append's record survived, recovery keeps whole records only.
  EXPECT_TRUE(r.value.empty() || r.value == "unsynced") << r.value;
  // The node tore its write before it died, and said so in its log.
  std::ifstream log(s.run_dir + "/logs/n1.log");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("power cut: tore the last unsynced write"), std::string::npos) << text;
}

TEST(ProcessSystemPowerCut, WithoutPowerCutStorageATornCutIsRefusedToo) {
  Cluster c(spec("torn-refused", false));
  ASSERT_TRUE(c.system);
  ASSERT_TRUE(c.system->start().is_ok());
  EXPECT_FALSE(c.system->nodes().kill_torn(0).is_ok());
  EXPECT_TRUE(c.system->nodes().running(0));
}

// `security: curve` through the harness: the launcher makes the run's keys, the interposer
// terminates CURVE with them, the system's clients hold the client key. Three nodes, a partition.
SystemSpec curve_spec(const std::string& name) {
  SystemSpec s;
  s.nodes = 3;
  s.settings.curve = true;
  s.run_dir = testing::TempDir() + "/process_system_test/" + name;
  fs::remove_all(s.run_dir);
  fs::create_directories(s.run_dir);
  s.node_seeds = {1, 2, 3};
  return s;
}

TEST(ProcessSystemCurve, ClientsAndPeersWorkThroughTheInterposerUnderPartitions) {
  Cluster c(curve_spec("curve"));
  ASSERT_TRUE(c.system);
  ASSERT_TRUE(c.system->start().is_ok());
  EXPECT_TRUE(fs::exists(testing::TempDir() + "/process_system_test/curve/keys/n1.key"));
  auto client = c.system->clients().make(ClientOptions{"c1", 7, 200'000'000});
  auto in = [&](int64_t s) { return c.system->clock().now_ns() + s * 1'000'000'000; };
  ASSERT_EQ(client->invoke(OpKind::kPut, "k", "a", in(10)).outcome, Outcome::kOk);
  // Cut the leader off: the other two elect one over the interposer's CURVE links.
  auto leader = c.system->nodes().leader(in(10));
  ASSERT_TRUE(leader);
  std::vector<int> rest;
  for (int i = 0; i < 3; ++i)
    if (i != *leader) rest.push_back(i);
  ASSERT_TRUE(c.system->network().partition({{*leader}, rest}, 1).is_ok());
  EXPECT_EQ(client->invoke(OpKind::kAppend, "k", "b", in(20)).outcome, Outcome::kOk);
  c.system->network().heal();
  const OpResult r = client->invoke(OpKind::kGet, "k", "", in(10));
  EXPECT_EQ(r.outcome, Outcome::kOk);
  EXPECT_EQ(r.value, "ab");
}

TEST(ProcessSystemCurve, AClientWithoutTheClusterKeyIsRefused) {
  const SystemSpec s = curve_spec("curve-refused");
  Cluster c(s);
  ASSERT_TRUE(c.system);
  ASSERT_TRUE(c.system->start().is_ok());
  // The addresses the harness's clients use: the interposer's frontends, from the cluster file.
  auto cfg = wire::load_cluster_config(s.run_dir + "/cluster.yaml");
  ASSERT_TRUE(cfg.is_ok()) << cfg.status().message();
  auto attempt = [&](std::optional<client::ClerkCurve> curve) {
    client::ClerkOptions o;
    o.servers = cfg->client_addresses();
    o.curve = std::move(curve);
    client::Clerk clerk(o);
    return clerk.put("k", "v", std::chrono::steady_clock::now() + std::chrono::seconds(2)).outcome;
  };
  // No key at all, and a well-formed key that is not the cluster's: no answer, outcome unknown.
  EXPECT_EQ(attempt(std::nullopt), client::Outcome::kUnknown);
  auto stranger = wire::generate_curve_key_pair();
  ASSERT_TRUE(stranger.is_ok());
  auto keys = client::clerk_curve_for(*cfg);
  ASSERT_TRUE(keys.is_ok() && keys->has_value());
  client::ClerkCurve wrong = **keys;
  wrong.public_key = stranger->public_key;
  wrong.secret_key = stranger->secret_key;
  EXPECT_EQ(attempt(wrong), client::Outcome::kUnknown);
  // The run's client key gets through the same way.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  client::ClerkOptions o;
  o.servers = cfg->client_addresses();
  o.curve = **keys;
  client::Clerk good(o);
  EXPECT_EQ(good.put("k", "v", deadline).outcome, client::Outcome::kOk);
}

}  // namespace
}  // namespace harness::sut
