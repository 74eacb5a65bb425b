// Process tests of ProcessSystem's power cut: real kvnode processes on 127.0.0.1 (reaped by
// ClusterProcesses when the system is destroyed, also on failure). A single node with
// `fsync: never` acknowledges appends it never fsynced: a power cut loses them, a kill does not.
#include "harness/sut/process/process_system.h"

#include <gtest/gtest.h>

#include <filesystem>

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

}  // namespace
}  // namespace harness::sut
