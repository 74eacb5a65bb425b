// Process tests: short real scenarios (a few seconds each) against real kvnode processes, asserting
// on the run directory's results.json. Each run's processes are reaped by ClusterProcesses.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "harness/verdict/run_results.h"
#include "harness/run/runner.h"
#include "harness/scenario/scenario_loader.h"
#include "harness/nemesis/registry.h"
#include "harness/sut/process/process_system.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

RunResults run_example(const std::string& name, uint64_t seed) {
  auto scenario = load_scenario_file(std::string(FL_SCENARIOS_DIR) + "/" + name + ".yaml", fault_registry());
  EXPECT_TRUE(scenario.is_ok()) << scenario.status().message();
  RunOptions opts;
  opts.system = sut::process_system_factory({KVNODE_PATH});
  opts.runs_dir = testing::TempDir() + "/faultline-runs";
  opts.seed = seed;
  opts.quiet = true;
  RunResults r = run_scenario(*scenario, opts);
  EXPECT_TRUE(r.error.empty()) << r.error;
  // What the test asserts on is what results.json says, not the in-memory value.
  auto from_disk = read_results_json(r.run_dir + "/results.json");
  EXPECT_TRUE(from_disk.is_ok()) << from_disk.status().message();
  return from_disk.is_ok() ? *from_disk : r;
}

const CheckOutcome* find_check(const RunResults& r, const std::string& name) {
  for (const auto& c : r.checks) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

std::string all_checks(const RunResults& r) {
  std::string out;
  for (const auto& c : r.checks) out += c.name + ": " + to_string(c.verdict) + " " + c.summary + "\n";
  return out;
}

TEST(RunProcess, ReliableRunPassesAndWritesTheRunDirectory) {
  RunResults r = run_example("reliable-short", 1);
  EXPECT_TRUE(r.passed()) << all_checks(r);
  EXPECT_EQ(r.exit_code(), 0);
  EXPECT_EQ(r.seed, 1u);
  EXPECT_EQ(r.figures.peers, 3);
  EXPECT_GT(r.figures.messages, 0u);
  EXPECT_GE(r.figures.completed_ops, 50);
  ASSERT_NE(find_check(r, "linearizable"), nullptr);
  EXPECT_EQ(find_check(r, "linearizable")->verdict, CheckVerdict::kPass);
  ASSERT_NE(find_check(r, "appends"), nullptr);
  EXPECT_EQ(find_check(r, "appends")->verdict, CheckVerdict::kPass) << find_check(r, "appends")->summary;
  for (const char* f : {"scenario.yaml", "history.jsonl.zst", "nemesis.jsonl", "results.json", "report.html",
                        "junit.xml", "logs/n1.log"}) {
    EXPECT_TRUE(fs::exists(r.run_dir + "/" + f)) << f;
  }
  std::ifstream in(r.run_dir + "/scenario.yaml");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_NE(text.str().find("seed: 1"), std::string::npos);
  EXPECT_TRUE(fs::exists(fs::path(r.run_dir).parent_path().parent_path() / "latest"));
}

TEST(RunProcess, LocalReadsUnderPartitionsAreCaughtOnEverySeed) {
  for (uint64_t seed : {1, 2, 3}) {
    RunResults r = run_example("local-reads-partitioned", seed);
    const CheckOutcome* lin = find_check(r, "linearizable");
    ASSERT_NE(lin, nullptr) << "seed " << seed;
    EXPECT_EQ(lin->verdict, CheckVerdict::kViolation) << "seed " << seed << ": " << lin->summary;
    EXPECT_EQ(r.exit_code(), 1) << "seed " << seed;
    EXPECT_TRUE(fs::exists(r.run_dir + "/linearizability.txt")) << "seed " << seed;
  }
}

TEST(RunProcess, KillAllAndRestartLosesNoAcknowledgedAppend) {
  RunResults r = run_example("kill-all-restart", 7);
  const CheckOutcome* appends = find_check(r, "appends");
  ASSERT_NE(appends, nullptr);
  EXPECT_EQ(appends->verdict, CheckVerdict::kPass) << appends->summary;
  EXPECT_GT(appends->details.value("acknowledged_appends_confirmed", 0), 0);
  EXPECT_TRUE(r.passed()) << all_checks(r);
  // Scenario index i is Raft id i + 1: each nemesis line names the log file of every node it hit.
  std::ifstream nemesis(r.run_dir + "/nemesis.jsonl");
  int kills = 0;
  for (std::string line; std::getline(nemesis, line);) {
    const auto j = nlohmann::json::parse(line);
    if (j["action"] != "kill") continue;
    ++kills;
    ASSERT_EQ(j["node_logs"].size(), j["nodes"].size()) << line;
    for (size_t k = 0; k < j["nodes"].size(); ++k) {
      const std::string log = j["node_logs"][k];
      EXPECT_EQ(log, "logs/n" + std::to_string(j["nodes"][k].get<int>() + 1) + ".log") << line;
      EXPECT_TRUE(fs::exists(r.run_dir + "/" + log)) << log;
    }
  }
  EXPECT_GT(kills, 0);
  std::stringstream report;
  report << std::ifstream(r.run_dir + "/report.html").rdbuf();
  EXPECT_NE(report.str().find("kill all  nodes: n0 (logs/n1.log), n1 (logs/n2.log)"),
            std::string::npos);
}

TEST(RunProcess, ScriptedMinorityMakesNoProgressAndCompletesAfterHeal) {
  RunResults r = run_example("minority-scripted", 5);
  EXPECT_TRUE(r.passed()) << all_checks(r);
  int script_checks = 0;
  for (const auto& c : r.checks) script_checks += c.name.rfind("script", 0) == 0 ? 1 : 0;
  EXPECT_EQ(script_checks, 6) << all_checks(r);  // 2 puts/gets, pending, get, await, get
}

}  // namespace
}  // namespace harness
