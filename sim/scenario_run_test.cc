// Scenario files in the simulation: replay (same seed => same history bytes and event hash, also
// under swarm draws), a demo that must fail is caught, shards split a sweep, summaries merge, and
// shrinking keeps the failure while cutting the scenario down.
#include "sim/scenario_run.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#include "harness/nemesis/registry.h"
#include "harness/scenario/scenario_loader.h"
#include "sim/shrink.h"
#include "sim/swarm.h"
#include "sim/sweep.h"
#include "sim/test_seeds.h"

namespace sim {
namespace {

const char* kScenario = R"(name: sim-small
cluster: {nodes: 3, compaction_bytes: 4096}
clients: {count: 3, keys: own, mix: {get: 50, append: 50}}
phases:
  - name: clients
    workload: {duration: 2s}
    nemesis:
      - every: [300ms, 500ms]
        do: {partition: random_halves}
        undo_after: 200ms
      - at: 1s
        do: {kill: leader}
        undo_after: 300ms
    after: [heal, verify_appends]
checks: {linearizable: true, appends: true}
)";

const char* kBroken = R"(name: sim-dedup-off
unsafe: true
cluster: {nodes: 3, dedup: false}
network: {drop_replies: 0.3}
clients: {count: 3, keys: own, mix: {get: 20, append: 80}}
phases:
  - name: clients
    workload: {duration: 3s}
    nemesis:
      - every: [200ms, 400ms]
        do: {partition: random_halves}
      - at: 1500ms
        do: {kill: leader}
        undo_after: 300ms
    after: [heal, verify_appends]
checks: {linearizable: true, appends: true}
)";

struct TempDir {
  TempDir() : path(std::filesystem::temp_directory_path() / ("sim-test-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

SimRunOptions run_options(uint64_t seed, const TempDir& tmp) {
  SimRunOptions ro;
  ro.seed = seed;
  ro.runs_dir = tmp.path.string();
  return ro;
}

harness::Scenario load(const char* text) {
  auto s = harness::load_scenario_text(text, "inline.yaml", harness::fault_registry());
  EXPECT_TRUE(s) << s.status().message();
  return s ? *s : harness::Scenario{};  // a scenario that failed to load fails the test, not UB
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(ScenarioRun, TheSameSeedReplaysByteForByteWithAndWithoutSwarm) {
  TempDir tmp;
  const harness::Scenario s = load(kScenario);
  for (uint64_t seed : testing::seeds(4)) {
    for (bool swarm : {false, true}) {
      SweepOptions o;
      o.runs_dir = tmp.path.string();
      SeedOutcome a = run_seed(s, seed, swarm, o, true);
      ASSERT_EQ(a.exit_code, 0) << testing::trace(seed) << " swarm=" << swarm << ": " << a.why;
      const std::string history = slurp(a.run_dir + "/history.jsonl.zst");
      const std::string nemesis = slurp(a.run_dir + "/nemesis.jsonl");
      SeedOutcome b = run_seed(s, seed, swarm, o, true);
      EXPECT_EQ(a.event_hash, b.event_hash) << testing::trace(seed);
      EXPECT_EQ(history, slurp(b.run_dir + "/history.jsonl.zst")) << testing::trace(seed);
      EXPECT_EQ(nemesis, slurp(b.run_dir + "/nemesis.jsonl")) << testing::trace(seed);
      EXPECT_GT(history.size(), 1000u);
      for (const char* f : {"results.json", "junit.xml", "report.html", "scenario.yaml", "logs/n1.log"}) {
        EXPECT_TRUE(std::filesystem::exists(b.run_dir + "/" + f)) << f;  // a replay replaces the run
      }
    }
  }
}

TEST(ScenarioRun, AnUnsafeClusterIsCaughtAndItsFailureShrinks) {
  TempDir tmp;
  const harness::Scenario s = load(kBroken);
  SweepOptions o;
  o.runs_dir = tmp.path.string();
  o.seeds = 6;
  o.jobs = 2;
  SweepSummary summary = run_sweep({s}, o, nullptr);
  EXPECT_EQ(summary.runs, 6u);
  ASSERT_GT(summary.failed, 0u) << "dedup off under reply loss was never caught";
  const SeedOutcome& f = summary.failures.front();
  // A failing seed of a sweep keeps the full run directory (passing seeds skip their report).
  for (const char* file : {"history.jsonl.zst", "nemesis.jsonl", "results.json", "junit.xml", "report.html"}) {
    EXPECT_TRUE(std::filesystem::exists(f.run_dir + "/" + file)) << file << " seed " << f.seed;
  }
  EXPECT_NE(replay_command(f).find("--seed " + std::to_string(f.seed)), std::string::npos);
  ShrinkOptions so;
  so.seed = f.seed;
  so.runs_dir = tmp.path.string();
  so.max_runs = 40;
  auto r = shrink(s, so, nullptr);
  ASSERT_TRUE(r) << r.status().message();
  auto shrunk = harness::load_scenario_file(r->file, harness::fault_registry());
  ASSERT_TRUE(shrunk) << shrunk.status().message();
  EXPECT_LE(shrunk->clients.count, s.clients.count);
  // The shrunk file fails again with its seed.
  SeedOutcome again = run_seed(*shrunk, f.seed, false, o, false);
  EXPECT_EQ(again.exit_code, 1) << again.why;
}

TEST(ScenarioRun, APassingRunSkipsItsReportOnlyWhenAsked) {
  TempDir tmp;
  const harness::Scenario s = load(kScenario);
  for (uint64_t seed : testing::seeds(2)) {
    for (bool only_on_failure : {false, true}) {
      SimRunOptions ro;
      ro.seed = seed;
      ro.runs_dir = tmp.path.string();
      ro.report_only_on_failure = only_on_failure;
      SimRunOutcome run = run_sim_scenario(s, ro);
      ASSERT_EQ(run.results.exit_code(), 0) << testing::trace(seed);
      const std::string dir = run.results.run_dir;
      EXPECT_TRUE(std::filesystem::exists(dir + "/history.jsonl.zst")) << testing::trace(seed);
      EXPECT_TRUE(std::filesystem::exists(dir + "/results.json")) << testing::trace(seed);
      EXPECT_EQ(std::filesystem::exists(dir + "/report.html"), !only_on_failure) << testing::trace(seed);
      EXPECT_EQ(std::filesystem::exists(dir + "/junit.xml"), !only_on_failure) << testing::trace(seed);
    }
  }
}

TEST(ScenarioRun, TheSimulationsOwnChecksComeFirstInTheResults) {
  TempDir tmp;
  const harness::Scenario s = load(kScenario);
  for (uint64_t seed : testing::seeds(2)) {
    SimRunOptions ro = run_options(seed, tmp);
    SimRunOutcome run = run_sim_scenario(s, ro);
    ASSERT_EQ(run.results.exit_code(), 0) << testing::trace(seed);
    ASSERT_GE(run.results.checks.size(), 3u) << testing::trace(seed);
    EXPECT_EQ(run.results.checks[0].name, "raft_invariants") << testing::trace(seed);
    EXPECT_EQ(run.results.checks[1].name, "replicas_agree") << testing::trace(seed);
    EXPECT_NE(run.results.checks[0].summary.find("node steps"), std::string::npos) << testing::trace(seed);
    // The leader kill and the partitions make elections; half the operations are ReadIndex reads.
    EXPECT_EQ(run.results.checks[0].summary.find(" 0 elections"), std::string::npos) << run.results.checks[0].summary;
    EXPECT_EQ(run.results.checks[0].summary.find(" 0 ReadIndex"), std::string::npos) << run.results.checks[0].summary;
    const std::string results = slurp(run.results.run_dir + "/results.json");
    EXPECT_NE(results.find("\"raft_invariants\""), std::string::npos) << testing::trace(seed);
    EXPECT_NE(results.find("\"replicas_agree\""), std::string::npos) << testing::trace(seed);
  }
}

// Bit rot: the killed leader's disk gets one flipped bit while it is down. It must refuse to start
// (and stays down: the run goes on with the majority) or start without having read the damaged
// durable bytes; either way the run passes (damage_refused among the checks, naming what the node
// did), and the fault line says where the bit flipped and what the node did.
TEST(ScenarioRun, ANodeWithABitFlippedAtRestRefusesToStartAndTheRunGoesOn) {
  TempDir tmp;
  const harness::Scenario s = load(kScenario);
  int refused = 0;
  for (uint64_t seed : testing::seeds(6)) {
    SimRunOptions ro = run_options(seed, tmp);
    ro.faults.bit_rot = 1.0;
    SimRunOutcome run = run_sim_scenario(s, ro);
    ASSERT_EQ(run.results.exit_code(), 0) << testing::trace(seed) << ": " << run.results.error;
    std::string rot;
    for (const auto& line : run.sim_faults) {
      if (line.find(" bit rot at /data/n") != std::string::npos) rot = line;
    }
    ASSERT_FALSE(rot.empty()) << testing::trace(seed);
    const auto damage = std::find_if(run.results.checks.begin(), run.results.checks.end(),
                                     [](const auto& c) { return c.name == "damage_refused"; });
    ASSERT_NE(damage, run.results.checks.end()) << testing::trace(seed);
    EXPECT_TRUE(damage->passed()) << testing::trace(seed) << ": " << damage->summary;
    EXPECT_NE(damage->summary.find(" bit rot at /data/n"), std::string::npos) << testing::trace(seed);
    const bool kept_down = rot.find("; the node refused to start (kept down): ") != std::string::npos;
    EXPECT_TRUE(kept_down || rot.find("; the node started") != std::string::npos)
        << testing::trace(seed) << ": " << rot;
    refused += kept_down;
  }
  if (!std::getenv("SIM_SEED")) {
    EXPECT_GT(refused, 0);
  }
}

// The simulation's own crashes (`knob` at 1.0, half of them power losses): each fault line that
// names one holds one of `markers`; there are some, at most 10, the crashed nodes come back, the
// run passes and the seed replays.
void expect_crashes_come_back(double SimFaults::*knob, const std::vector<std::string>& markers) {
  TempDir tmp;
  const harness::Scenario s = load(kScenario);
  for (uint64_t seed : testing::seeds(4)) {
    SimRunOptions ro = run_options(seed, tmp);
    ro.faults.*knob = 1.0;
    ro.faults.power_loss = 0.5;
    SimRunOutcome run = run_sim_scenario(s, ro);
    ASSERT_EQ(run.results.exit_code(), 0) << testing::trace(seed) << ": " << run.results.error;
    int crashes = 0, back = 0;
    for (const auto& line : run.sim_faults) {
      for (const auto& m : markers) crashes += line.find(m) != std::string::npos;
      if (line.find(" started again") != std::string::npos) ++back;
    }
    EXPECT_GT(crashes, 0) << testing::trace(seed);
    EXPECT_LE(crashes, 10) << testing::trace(seed);
    EXPECT_GE(back, crashes - 1) << testing::trace(seed);  // the last may still be down at the end
    SimRunOutcome again = run_sim_scenario(s, ro);
    EXPECT_EQ(again.event_hash, run.event_hash) << testing::trace(seed);
    EXPECT_EQ(again.sim_faults, run.sim_faults) << testing::trace(seed);
  }
}

TEST(ScenarioRun, ANodeCrashedRightAfterItVotedOrWonComesBackAndTheSeedReplays) {
  expect_crashes_come_back(&SimFaults::election_crash, {" after it voted in term ", " after it became leader of term "});
}

// restart_crash: a node that started again (after the scenario's leader kills) crashes again
// within 30 ms and comes back.
TEST(ScenarioRun, ANodeCrashedRightAfterItRestartedComesBackAndTheSeedReplays) {
  expect_crashes_come_back(&SimFaults::restart_crash, {" after it restarted"});
}

TEST(ScenarioRun, ShardsSplitASweepAndSummariesMerge) {
  TempDir tmp;
  const harness::Scenario s = load(kScenario);
  uint64_t runs = 0;
  std::vector<std::string> dirs;
  for (int k = 1; k <= 3; ++k) {
    SweepOptions o;
    o.seeds = 7;
    o.shard = k;
    o.shards = 3;
    o.runs_dir = (tmp.path / ("shard" + std::to_string(k))).string();
    std::filesystem::create_directories(o.runs_dir);
    SweepSummary sum = run_sweep({s}, o, nullptr);
    runs += sum.runs;
    std::ofstream(o.runs_dir + "/" + summary_file_name(o)) << to_json(sum, o).dump();
    dirs.push_back(o.runs_dir);
  }
  EXPECT_EQ(runs, 7u);
  std::vector<std::string> files;
  auto merged = merge_summaries(dirs, &files);
  ASSERT_TRUE(merged) << merged.status().message();
  EXPECT_EQ(files.size(), 3u);
  EXPECT_EQ(merged->runs, 7u);
  EXPECT_EQ(merged->passed, 7u);
  std::ofstream(tmp.path / "sim-summary-bad.json") << "{\"runs\": ";
  EXPECT_FALSE(merge_summaries({tmp.path.string()}, &files));
}

// A follower cut off while the others compact can only catch up from a snapshot; with
// max_snapshot_chunk far below the snapshot's size it arrives in many InstallSnapshot chunks.
const char* kMultiChunk = R"(name: sim-multi-chunk
cluster: {nodes: 3, compaction_bytes: 2000}
phases:
  - name: setup
    steps:
      - op: {client: all, f: put, key: a, value: A}
      - partition: {kind: sets, sets: [[0, 1], [2]]}
  - name: fill
    repeat: 40
    steps:
      - op: {client: p01, side: 0, f: append, key: k, value: "0123456789012345678901234567890123456789012345678901234567890123456789"}
  - name: catch-up
    steps:
      - wait: 500ms
      - partition: {kind: sets, sets: [[0, 2], [1]]}
      - op: {client: p02, side: 0, f: put, key: c, value: C, within: 10s}
      - op: {client: p02, f: get, key: a, expect: A}
checks: {linearizable: true}
)";

TEST(ScenarioRun, ASnapshotLargerThanAChunkIsInstalledFromManyChunks) {
  TempDir tmp;
  const harness::Scenario s = load(kMultiChunk);
  for (uint64_t seed : testing::seeds(3)) {
    SimRunOptions ro = run_options(seed, tmp);
    ro.world.max_snapshot_chunk = 256;
    SimRunOutcome run = run_sim_scenario(s, ro);
    ASSERT_EQ(run.results.exit_code(), 0) << testing::trace(seed) << ": " << run.results.error;
    // Node 2 (logs/n3.log) installed the leader's snapshot, of more than one chunk's bytes.
    std::istringstream log(slurp(run.results.run_dir + "/logs/n3.log"));
    uint64_t installed = 0;
    for (std::string line; std::getline(log, line);) {
      if (line.find("\"installed snapshot\"") == std::string::npos) continue;
      const size_t at = line.find("\"bytes\":");
      ASSERT_NE(at, std::string::npos) << line;
      installed = std::max<uint64_t>(installed, std::stoull(line.substr(at + 8)));
    }
    EXPECT_GT(installed, 4 * ro.world.max_snapshot_chunk) << testing::trace(seed);
  }
}

TEST(Swarm, DrawsAreValidScenariosAndDependOnlyOnTheSeed) {
  const harness::Scenario s = load(kScenario);
  int changed = 0;
  for (uint64_t seed : testing::seeds(30)) {
    std::vector<std::string> a_notes, b_notes;
    auto a = swarm_scenario(s, seed, &a_notes);
    auto b = swarm_scenario(s, seed, &b_notes);
    ASSERT_TRUE(a) << testing::trace(seed) << ": " << a.status().message();
    EXPECT_EQ(a->source, b->source) << testing::trace(seed);
    EXPECT_EQ(a->name, s.name);
    if (!a_notes.empty()) ++changed;
  }
  EXPECT_GT(changed, 10);
}

}  // namespace
}  // namespace sim
