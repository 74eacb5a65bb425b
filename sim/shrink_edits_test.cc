// The shrinker's reductions without a simulation: delta debugging with a fake "still fails"
// predicate, the nemesis schedule written out exactly as the seed draws it, the candidate edits
// (each one a scenario the loader accepts), the fault count read from a nemesis log, and the
// replay command of a knobs-seed run.
#include "sim/shrink_edits.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "harness/nemesis/registry.h"
#include "harness/nemesis/schedule.h"
#include "harness/run/seeds.h"
#include "harness/scenario/scenario_loader.h"
#include "sim/sweep.h"
#include "sim/test_seeds.h"

namespace sim {
namespace {

const char* kFlapping = R"(name: flapping
cluster: {nodes: 5}
clients: {count: 5, keys: own, mix: {append: 50, get: 50}}
phases:
  - name: clients
    workload: {duration: 3s}
    nemesis:
      - every: [100ms, 300ms]
        from: 500ms
        do: {partition: random_halves}
      - at: 1s
        do: {kill: random}
        undo_after: 300ms
      - at: 2s
        do: {pause: leader}
        undo_after: 100ms
    after: [heal, {wait: 1s}, verify_appends]
checks: {linearizable: true, appends: true}
)";

harness::Scenario load(const std::string& text) {
  auto s = harness::load_scenario_text(text, "test.yaml", harness::fault_registry());
  EXPECT_TRUE(s) << s.status().message() << "\n" << text;
  return s ? *s : harness::Scenario{};
}

std::string text_of(const YAML::Node& n) {
  YAML::Emitter e;
  e << n;
  return std::string(e.c_str()) + "\n";
}

std::vector<int> ints(const YAML::Node& seq) {
  std::vector<int> out;
  for (const auto& n : seq) out.push_back(n.as<int>());
  return out;
}

TEST(Ddmin, FindsTheTwoItemsThatFailTogether) {
  int calls = 0;
  auto fails = [&](const std::vector<size_t>& k) {
    ++calls;
    return std::count(k.begin(), k.end(), 7u) && std::count(k.begin(), k.end(), 23u);
  };
  const auto kept = ddmin(40, fails, [] { return false; });
  EXPECT_EQ(kept, (std::vector<size_t>{7, 23}));
  EXPECT_LE(calls, 80) << "delta debugging should need O(k log n) runs, not n^2";
}

TEST(Ddmin, AFailureThatNeedsNothingKeepsNothingInOneRun) {
  int calls = 0;
  const auto kept = ddmin(
      12, [&](const std::vector<size_t>&) { return ++calls, true; }, [] { return false; });
  EXPECT_TRUE(kept.empty());
  EXPECT_EQ(calls, 1);
}

TEST(Ddmin, AFailureThatNeedsEveryItemKeepsThemAll) {
  const auto kept = ddmin(
      6, [](const std::vector<size_t>& k) { return k.size() == 6; }, [] { return false; });
  EXPECT_EQ(kept.size(), 6u);
}

TEST(Ddmin, StopsWhenTheBudgetIsSpentWithASubsetThatStillFails) {
  int calls = 0;
  auto fails = [&](const std::vector<size_t>& k) {
    ++calls;
    return std::count(k.begin(), k.end(), 3u) > 0;
  };
  const auto kept = ddmin(64, fails, [&] { return calls >= 3; });
  EXPECT_LE(calls, 3);
  EXPECT_TRUE(std::count(kept.begin(), kept.end(), 3u)) << "what is kept must still fail";
  EXPECT_LT(kept.size(), 64u);
}

// The written-out schedule is the seed's schedule: the same times, the same sides, the same node.
TEST(Materialize, WritesTheSeedsScheduleOutEventForEvent) {
  const harness::Scenario s = load(kFlapping);
  for (uint64_t seed : testing::seeds(5)) {
    const YAML::Node root = YAML::Load(kFlapping);
    auto m = materialize(root, s, seed);
    ASSERT_TRUE(m) << testing::trace(seed);
    const harness::Scenario ms = load(text_of(*m));
    const harness::RunSeeds seeds(seed);
    auto want =
        harness::generate_schedule(s.phases[0], 5, seeds.schedule(0, 0), seeds.faults(0, 0));
    ASSERT_TRUE(want);
    std::vector<harness::ScheduledEvent> forward;
    for (const auto& e : *want) {
      if (!e.undo) forward.push_back(e);
    }
    const YAML::Node nem = (*m)["phases"][0]["nemesis"];
    ASSERT_EQ(nem.size(), forward.size()) << testing::trace(seed);
    ASSERT_GT(forward.size(), 8u);
    for (size_t i = 0; i < forward.size(); ++i) {
      const harness::ScheduledEvent& e = forward[i];
      ASSERT_TRUE(nem[i]["at"]) << testing::trace(seed);
      EXPECT_EQ(micros_of(nem[i]["at"].as<std::string>()), e.at.count()) << testing::trace(seed);
      EXPECT_FALSE(nem[i]["every"]);
      const std::string fault = e.action.fault.name;
      if (fault == "partition") {
        const YAML::Node p = nem[i]["do"]["partition"];
        EXPECT_EQ(p["kind"].as<std::string>(), "sets");
        ASSERT_EQ(p["sets"].size(), e.sides.size());
        for (size_t k = 0; k < e.sides.size(); ++k) EXPECT_EQ(ints(p["sets"][k]), e.sides[k]);
      } else if (fault == "kill") {
        EXPECT_EQ(nem[i]["do"]["kill"].as<int>(), e.random_node) << testing::trace(seed);
        EXPECT_EQ(nem[i]["undo_after"].as<std::string>(), "300ms");
      } else {
        EXPECT_EQ(nem[i]["do"]["pause"].as<std::string>(), "leader")
            << "a live target stays as written";
      }
    }
    // And the loaded file draws the same times again.
    auto again =
        harness::generate_schedule(ms.phases[0], 5, seeds.schedule(0, 0), seeds.faults(0, 0));
    ASSERT_TRUE(again);
    ASSERT_EQ(again->size(), want->size());
    for (size_t i = 0; i < want->size(); ++i) {
      EXPECT_EQ((*again)[i].at, (*want)[i].at) << i << " " << testing::trace(seed);
      EXPECT_EQ((*again)[i].undo, (*want)[i].undo) << i << " " << testing::trace(seed);
    }
    EXPECT_FALSE(materialize(*m, ms, seed)) << "nothing is left to write out";
  }
}

TEST(Materialize, LeavesARepeatedPhaseAlone) {
  std::string text = kFlapping;
  text.replace(text.find("  - name: clients\n"), 18, "  - name: clients\n    repeat: 2\n");
  const harness::Scenario s = load(text);
  EXPECT_FALSE(materialize(YAML::Load(text), s, 1));
}

TEST(KeepNemesisEntries, KeepsTheChosenEntriesOfEveryPhase) {
  const harness::Scenario s = load(kFlapping);
  YAML::Node root = *materialize(YAML::Load(kFlapping), s, 3);
  // A second phase with one fault of its own.
  YAML::Node second = YAML::Clone(root["phases"][0]);
  second["name"] = "second";
  YAML::Node one(YAML::NodeType::Sequence);
  one.push_back(YAML::Clone(root["phases"][0]["nemesis"][0]));
  second["nemesis"] = one;
  root["phases"].push_back(second);
  const std::string before = text_of(root);
  const auto all = nemesis_entries(root);
  const size_t first_phase = root["phases"][0]["nemesis"].size();
  ASSERT_EQ(all.size(), first_phase + 1);
  YAML::Node kept = keep_nemesis_entries(root, {1, first_phase});
  EXPECT_EQ(kept["phases"][0]["nemesis"].size(), 1u);
  EXPECT_EQ(text_of(kept["phases"][0]["nemesis"][0]), text_of(root["phases"][0]["nemesis"][1]));
  EXPECT_EQ(kept["phases"][1]["nemesis"].size(), 1u);
  load(text_of(kept));
  YAML::Node none = keep_nemesis_entries(root, {});
  EXPECT_FALSE(none["phases"][0]["nemesis"]) << "an empty list is dropped, not left empty";
  load(text_of(none));
  EXPECT_EQ(text_of(root), before) << "the input is not changed";
}

// A fake "still fails" predicate: the failure needs the partitions at two given times with their
// sides. Written out and delta-debugged, the schedule comes down to exactly those two faults.
TEST(Shrinking, AWrittenOutScheduleComesDownToTheFaultsTheFailureNeeds) {
  const harness::Scenario s = load(kFlapping);
  const YAML::Node m = *materialize(YAML::Load(kFlapping), s, 2);
  const YAML::Node nem = m["phases"][0]["nemesis"];
  std::set<std::string> needed = {text_of(nem[2]), text_of(nem[9])};
  int runs = 0;
  auto still_fails = [&](const YAML::Node& root) {
    ++runs;
    std::set<std::string> have;
    const YAML::Node n = root["phases"][0]["nemesis"];
    for (size_t i = 0; n && i < n.size(); ++i) have.insert(text_of(n[i]));
    return std::includes(have.begin(), have.end(), needed.begin(), needed.end());
  };
  const size_t n = nemesis_entries(m).size();
  const auto keep = ddmin(
      n, [&](const std::vector<size_t>& k) { return still_fails(keep_nemesis_entries(m, k)); },
      [] { return false; });
  const YAML::Node shrunk = keep_nemesis_entries(m, keep);
  ASSERT_EQ(shrunk["phases"][0]["nemesis"].size(), 2u);
  EXPECT_TRUE(still_fails(shrunk));
  EXPECT_LE(runs, static_cast<int>(n) * 2);
  // Then the workload ends soon after the last of them.
  bool shortened = false;
  for (const Candidate& c : fine_candidates(shrunk)) {
    load(text_of(c.root));
    const int64_t d = micros_of(c.root["phases"][0]["workload"]["duration"].as<std::string>());
    if (d < 3'000'000) {
      shortened = true;
      EXPECT_GT(d, micros_of(nem[9]["at"].as<std::string>())) << c.edit;
    }
  }
  EXPECT_TRUE(shortened);
}

TEST(FineCandidates, MergesAFaultIntoTheIdenticalOneBeforeIt) {
  const char* text = R"(name: twice
cluster: {nodes: 3}
clients: {count: 1}
phases:
  - name: p
    workload: {duration: 10s}
    nemesis:
      - {at: 1s, do: {partition: {kind: sets, sets: [[0], [1, 2]]}}}
      - {at: 2s, do: {partition: {kind: sets, sets: [[0], [1, 2]]}}}
      - {at: 3s, do: {partition: {kind: sets, sets: [[1], [0, 2]]}}}
)";
  const YAML::Node root = YAML::Load(text);
  int merges = 0;
  for (const Candidate& c : fine_candidates(root)) {
    load(text_of(c.root));
    if (c.edit.find("merged") == std::string::npos) continue;
    ++merges;
    const YAML::Node nem = c.root["phases"][0]["nemesis"];
    ASSERT_EQ(nem.size(), 2u);
    EXPECT_EQ(nem[0]["at"].as<std::string>(), "1s");
    EXPECT_EQ(nem[1]["at"].as<std::string>(), "3s");
  }
  EXPECT_EQ(merges, 1);
}

TEST(HealInstead, EndsTheFaultBeforeInsteadOfReplacingIt) {
  const harness::Scenario s = load(kFlapping);
  const YAML::Node m = *materialize(YAML::Load(kFlapping), s, 4);
  const auto healable = healable_entries(m);
  const size_t n = nemesis_entries(m).size();
  ASSERT_EQ(healable.size(), n - 2) << "the partitions, not the kill or the pause";
  const YAML::Node h = heal_instead(m, {healable[0], healable[3]});
  load(text_of(h));
  const YAML::Node nem = h["phases"][0]["nemesis"];
  ASSERT_EQ(nem.size(), n);
  EXPECT_EQ(nem[healable[0]]["do"].as<std::string>(), "heal");
  EXPECT_EQ(nem[healable[3]]["do"].as<std::string>(), "heal");
  EXPECT_EQ(nem[healable[0]]["at"].as<std::string>(),
            m["phases"][0]["nemesis"][healable[0]]["at"].as<std::string>());
  EXPECT_TRUE(nem[healable[1]]["do"]["partition"]);
  EXPECT_TRUE(healable_entries(h).size() == healable.size() - 2);
}

TEST(CoarseCandidates, EachIsOneValidEditSmallerThanTheScenario) {
  std::string text = kFlapping;
  text.replace(text.find("  - name: clients\n"), 18, "  - name: clients\n    repeat: 4\n");
  text += "network: {drop_replies: 0.1}\n";
  const YAML::Node root = YAML::Load(text);
  std::set<std::string> edits;
  for (const Candidate& c : coarse_candidates(root)) {
    load(text_of(c.root));
    edits.insert(c.edit);
    EXPECT_NE(text_of(c.root), text_of(root)) << c.edit;
  }
  for (const char* e : {"repeat of phase 0: 1", "repeat of phase 0: 2", "clients: 1", "clients: 2",
                        "clients: 4", "workload of phase 0: 1500ms", "baseline network dropped"}) {
    EXPECT_TRUE(edits.count(e)) << e;
  }
  EXPECT_EQ(text_of(root), text_of(YAML::Load(text))) << "the input is not changed";
}

TEST(AppliedFaults, CountsTheFaultsThatBrokeSomething) {
  const std::string log =
      R"j({"time":500000000,"phase":"clients","iteration":0,"action":"partition","undo":false,"detail":"partition random_halves [0,1 | 2,3,4]","ok":true})j"
      "\n"
      R"j({"time":700000000,"phase":"clients","iteration":0,"action":"partition","undo":false,"detail":"partition isolate_leader","ok":false,"error":"no leader"})j"
      "\n"
      R"j({"time":800000000,"phase":"clients","iteration":1,"action":"kill","undo":false,"detail":"kill random (n2)","ok":true})j"
      "\n"
      R"j({"time":900000000,"phase":"clients","iteration":1,"action":"kill","undo":true,"detail":"undo kill random (n2)","ok":true})j"
      "\n"
      R"j({"time":950000000,"phase":"clients","iteration":1,"action":"network","undo":false,"detail":"network reliable","ok":true})j"
      "\n"
      R"j({"time":990000000,"phase":"clients","iteration":1,"action":"restart","undo":false,"detail":"restart all","ok":true})j"
      "\n"
      R"j({"time":1000000000,"phase":"clients","iteration":1,"action":"heal","undo":false,"detail":"heal","ok":true})j"
      "\n"
      R"j({"time":2000000000,"phase":"final","iteration":0,"action":"heal","undo":false,"detail":"heal","ok":true})j"
      "\n";
  const auto faults = applied_faults(log);
  ASSERT_EQ(faults.size(), 2u);
  EXPECT_EQ(faults[0], "clients #1 0.500 s: partition random_halves [0,1 | 2,3,4]");
  EXPECT_EQ(faults[1], "clients #2 0.800 s: kill random (n2)");
  EXPECT_EQ(sim_fault_episodes({"100ms n1 slow x0.05", "900ms n1 back to normal",
                                "n1 power losses 2", "300ms n2 clock rate 1.05",
                                "310ms n3 crashed after it voted in term 4", "500ms n3 started again"}),
            3);
}

TEST(ReplayCommand, NamesTheKnobsSeedOfARunThatHadOne) {
  SeedOutcome o;
  o.file = "runs/flapping partitions-shrunk-1.yaml";
  o.seed = 7;
  EXPECT_EQ(replay_command(o), "faultline sim 'runs/flapping partitions-shrunk-1.yaml' --seed 7");
  o.knobs_seed = 7;
  EXPECT_EQ(replay_command(o),
            "faultline sim 'runs/flapping partitions-shrunk-1.yaml' --seed 7 --knobs-seed 7");
  o.knobs_seed = 0;
  o.swarmed = true;
  EXPECT_EQ(replay_command(o),
            "faultline sim 'runs/flapping partitions-shrunk-1.yaml' --seed 7 --swarm");
}

// `faultline summary` prints the replay commands of merged sweeps: a knobs-seed run keeps its
// --knobs-seed and does not become a --swarm run (its swarm notes are not empty).
TEST(ReplayCommand, SurvivesASummaryMerge) {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("shrink-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  SweepSummary summary;
  SeedOutcome f;
  f.scenario = "x";
  f.file = "x-shrunk-3.yaml";
  f.seed = 3;
  f.exit_code = 1;
  f.why = "replicas_agree: differ";
  f.knobs_seed = 3;
  f.swarm = {"latency 10-20us"};
  summary.runs = summary.failed = 1;
  summary.failures.push_back(f);
  SweepOptions o;
  {
    std::ofstream out(dir / "sim-summary.json");
    out << to_json(summary, o).dump(2);
  }
  std::vector<std::string> files;
  auto merged = merge_summaries({dir.string()}, &files);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(merged) << merged.status().message();
  ASSERT_EQ(merged->failures.size(), 1u);
  EXPECT_EQ(replay_command(merged->failures[0]),
            "faultline sim x-shrunk-3.yaml --seed 3 --knobs-seed 3");
}

TEST(MicrosOf, ReadsTheScenarioDurations) {
  EXPECT_EQ(micros_of("6s"), 6'000'000);
  EXPECT_EQ(micros_of("1500ms"), 1'500'000);
  EXPECT_EQ(micros_of("250us"), 250);
  EXPECT_EQ(micros_of("1min"), 60'000'000);
  EXPECT_EQ(micros_of("soon"), 0);
}

}  // namespace
}  // namespace sim
