// The real node and client cores in the simulated world: clients on shared keys, a nemesis that
// partitions, kills (process and power loss) and pauses, then a linearizability check of the
// recorded history with the checker library; and the determinism check: the same seed twice gives
// a byte-identical history and the same event hash.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "checker/checker.h"
#include "checker/history.h"
#include "sim/seeds.h"
#include "sim/sim_system.h"
#include "sim/test_seeds.h"

namespace sim {
namespace {

namespace sut = harness::sut;

struct RunOutput {
  std::string history;  // JSON lines
  uint64_t hash = 0;
  int ok = 0;
  uint64_t events = 0;
};

sut::SystemSpec spec_for(uint64_t seed, int nodes) {
  const Seeds seeds(seed);
  sut::SystemSpec spec;
  spec.nodes = nodes;
  for (int i = 0; i < nodes; ++i) spec.node_seeds.push_back(seeds.seed_of(testing::label("node/", i)) | 1);
  spec.network_seed = seeds.seed_of("network");
  spec.settings.compaction_bytes = 4096;  // snapshots and installs happen in a short run
  return spec;
}

RunOutput run_world(uint64_t seed, int nodes = 3, bool faults = true) {
  const Seeds seeds(seed);
  WorldOptions wo;
  wo.seed = seed;
  wo.write_logs = false;
  wo.max_snapshot_chunk = 512;  // a snapshot goes over in many chunks
  SimSystem sys(spec_for(seed, nodes), wo);
  RunOutput out;
  EXPECT_TRUE(sys.start());
  std::vector<std::string> lines;
  auto record = [&](int64_t process, const char* type, const char* f, const std::string& key,
                    nlohmann::json value) {
    lines.push_back(checker::to_json_line({process, type, f, key, std::move(value), sys.clock().now_ns()}));
  };
  const int64_t end = 3 * kSecond;
  std::vector<std::unique_ptr<sut::Task>> tasks;
  for (int c = 0; c < 3; ++c) {
    tasks.push_back(sys.clock().spawn("client", [&, c] {
      common::Rng rng = seeds.stream("client", c);
      sut::ClientOptions co;
      co.name = testing::label("c", c);
      co.client_id = seeds.seed_of(co.name) | 1;
      auto client = sys.clients().make(co);
      int n = 0;
      while (sys.clock().now_ns() < end) {
        const std::string key = testing::label("k", rng.uniform(0, 1));
        const int64_t deadline = sys.clock().now_ns() + 500 * kMilli;
        if (rng.chance(0.5)) {
          record(c, "invoke", "get", key, nullptr);
          auto r = client->invoke(sut::OpKind::kGet, key, "", deadline);
          if (r.outcome == sut::Outcome::kOk) {
            ++out.ok;
            record(c, "ok", "get", key, r.value);
          } else {
            record(c, "info", "get", key, nullptr);
          }
        } else {
          std::string v = testing::label("x ", c) + testing::label(" ", n++) + " y";
          record(c, "invoke", "append", key, v);
          auto r = client->invoke(sut::OpKind::kAppend, key, v, deadline);
          if (r.outcome == sut::Outcome::kOk) ++out.ok;
          record(c, r.outcome == sut::Outcome::kOk ? "ok" : "info", "append", key, v);
        }
      }
    }));
  }
  if (faults) {
    tasks.push_back(sys.clock().spawn("nemesis", [&] {
      common::Rng rng = seeds.stream("nemesis");
      while (sys.clock().now_ns() < end - 500 * kMilli) {
        sys.clock().sleep_for(rng.uniform(100, 400) * kMilli);
        const int victim = static_cast<int>(rng.uniform(0, nodes - 1));
        switch (rng.uniform(0, 3)) {
          case 0: {
            (void)sys.network().partition({{victim}, {}}, -1);
            std::vector<int> rest;
            for (int i = 0; i < nodes; ++i) if (i != victim) rest.push_back(i);
            (void)sys.network().partition({{victim}, rest}, -1);
            sys.clock().sleep_for(rng.uniform(100, 500) * kMilli);
            sys.network().heal();
            break;
          }
          case 1:
            (void)sys.nodes().kill(victim, rng.chance(0.5) ? sut::Crash::kPowerLoss : sut::Crash::kProcess);
            sys.clock().sleep_for(rng.uniform(50, 300) * kMilli);
            (void)sys.nodes().start(victim);
            break;
          case 2:
            (void)sys.nodes().pause(victim);
            sys.clock().sleep_for(rng.uniform(50, 300) * kMilli);
            (void)sys.nodes().resume(victim);
            break;
          default: {
            sut::LinkFault f;
            f.drop_requests = 0.2;
            f.delay_max_ns = 20 * kMilli;
            f.reorder = true;
            std::vector<sut::Link> links;
            for (int s = 0; s < nodes; ++s)
              for (int d = 0; d < nodes; ++d) if (s != d) links.push_back({s, d});
            (void)sys.network().set_link_faults(f, links);
            sys.clock().sleep_for(rng.uniform(100, 400) * kMilli);
            sys.network().clear_link_faults();
          }
        }
      }
    }));
  }
  for (auto& t : tasks) t->join();
  for (const auto& l : lines) out.history += l + "\n";
  out.hash = sys.event_hash();
  out.events = sys.loop().events_run();
  sys.stop();
  return out;
}

TEST(ClusterSim, HistoriesOfTheRealCoresUnderFaultsAreLinearizable) {
  for (uint64_t seed : testing::seeds(8)) {
    RunOutput out = run_world(seed);
    EXPECT_GT(out.ok, 20) << testing::trace(seed);
    auto history = checker::parse_history_text(out.history, checker::HistoryFormat::kJson, "sim");
    ASSERT_TRUE(history) << testing::trace(seed) << ": " << history.status().to_string();
    checker::CheckOptions opts;
    opts.threads = 1;
    auto result = checker::check(*history, opts);
    ASSERT_TRUE(result) << testing::trace(seed);
    EXPECT_EQ(result->verdict, checker::Verdict::kLinearizable)
        << testing::trace(seed) << "\n" << checker::format_text(*history, *result);
  }
}

TEST(ClusterSim, TheSameSeedGivesTheSameHistoryAndEventHash) {
  for (uint64_t seed : testing::seeds(6)) {
    RunOutput a = run_world(seed), b = run_world(seed);
    EXPECT_EQ(a.history, b.history) << testing::trace(seed);
    EXPECT_EQ(a.hash, b.hash) << testing::trace(seed);
    EXPECT_EQ(a.events, b.events) << testing::trace(seed);
  }
  EXPECT_NE(run_world(1).hash, run_world(2).hash);
}

// `check_quorum` and `pre_vote` (cluster settings) reach the Raft core of every node: a leader cut
// off from the majority steps down within two election timeouts with CheckQuorum, and leads on
// (in its old term, beside the majority's new leader) without it; once stepped down, without
// PreVote it campaigns in ever higher terms.
TEST(ClusterSim, ACutOffLeaderStepsDownOnlyWithCheckQuorum) {
  for (bool check_quorum : {true, false}) {
    for (uint64_t seed : testing::seeds(3)) {
      WorldOptions wo;
      wo.seed = seed;
      wo.write_logs = false;
      sut::SystemSpec spec = spec_for(seed, 3);
      spec.settings.check_quorum = check_quorum;
      spec.settings.pre_vote = !check_quorum;  // either way the majority elects a new leader
      SimSystem sys(spec, wo);
      ASSERT_TRUE(sys.start()) << testing::trace(seed);
      auto leader_of = [&](int except) {
        for (int i = 0; i < 3; ++i)
          if (i != except && sys.sim_nodes().core(i) && sys.sim_nodes().core(i)->role() == raft::Role::kLeader)
            return i;
        return -1;
      };
      ASSERT_TRUE(sys.loop().run_until([&] { return leader_of(-1) >= 0; }, 5 * kSecond)) << testing::trace(seed);
      const int old = leader_of(-1);
      const raft::Term old_term = sys.sim_nodes().core(old)->term();
      std::vector<int> rest;
      for (int i = 0; i < 3; ++i) if (i != old) rest.push_back(i);
      ASSERT_TRUE(sys.network().partition({{old}, rest}, -1)) << testing::trace(seed);
      sys.loop().run_until(sys.loop().now() + 2 * kSecond);  // >= 6 election timeouts
      const int fresh = leader_of(old);
      ASSERT_GE(fresh, 0) << testing::trace(seed) << ": the majority elected no leader";
      EXPECT_GT(sys.sim_nodes().core(fresh)->term(), old_term) << testing::trace(seed);
      EXPECT_EQ(sys.sim_nodes().core(old)->role() == raft::Role::kLeader, !check_quorum)
          << testing::trace(seed) << " check_quorum " << check_quorum;
      // Without PreVote the cut-off node campaigns in term after term; with it, its pre-votes fail
      // and its term stays.
      if (check_quorum)
        EXPECT_GT(sys.sim_nodes().core(old)->term(), old_term + 1) << testing::trace(seed);
      else
        EXPECT_EQ(sys.sim_nodes().core(old)->term(), old_term) << testing::trace(seed);
      sys.stop();
    }
  }
}

// After the run every live node applies what was committed (replicas_catch_up, the last of the
// simulation's own checks); a node whose disk is far too slow to catch up within 30 s of simulated
// time fails it, a node that is down is left out.
TEST(ClusterSim, EveryLiveReplicaCatchesUpAfterTheRun) {
  enum class Third { kNormal, kTooSlow, kDown };
  for (Third third : {Third::kNormal, Third::kTooSlow, Third::kDown}) {
    for (uint64_t seed : testing::seeds(2)) {
      WorldOptions wo;
      wo.seed = seed;
      wo.write_logs = false;
      SimSystem sys(spec_for(seed, 3), wo);
      ASSERT_TRUE(sys.start()) << testing::trace(seed);
      auto has_leader = [&] {
        for (int i = 0; i < 3; ++i)
          if (sys.sim_nodes().core(i) && sys.sim_nodes().core(i)->role() == raft::Role::kLeader) return true;
        return false;
      };
      ASSERT_TRUE(sys.loop().run_until(has_leader, 5 * kSecond)) << testing::trace(seed);
      if (third == Third::kTooSlow) {
        ASSERT_TRUE(sys.sim_nodes().slow_disk(2, 1e6));  // an fsync takes minutes
      }
      if (third == Third::kDown) {
        ASSERT_TRUE(sys.nodes().kill(2, sut::Crash::kProcess));
      }
      auto writer = sys.clock().spawn("client", [&] {
        sut::ClientOptions co;
        co.name = "c";
        co.client_id = 7;
        auto client = sys.clients().make(co);
        for (int i = 0; i < 20; ++i)
          (void)client->invoke(sut::OpKind::kAppend, "k", "x", sys.clock().now_ns() + 2 * kSecond);
      });
      writer->join();
      sys.stop();
      const auto checks = sys.own_checks();
      ASSERT_EQ(checks.back().name, "replicas_catch_up");
      EXPECT_EQ(checks.back().passed, third != Third::kTooSlow) << testing::trace(seed) << checks.back().summary;
      const std::string expect = third == Third::kNormal  ? "the 3 of 3 nodes up at the end applied through index"
                                 : third == Third::kDown ? "the 2 of 3 nodes up at the end applied through index"
                                                         : "n3 had applied the log only through index";
      EXPECT_NE(checks.back().summary.find(expect), std::string::npos) << testing::trace(seed) << checks.back().summary;
    }
  }
}

}  // namespace
}  // namespace sim
