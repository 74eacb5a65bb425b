// Scenario schema: good files load with the values they say; bad files are refused with an error
// naming file:line and the field. (Here, not in ../scenario/, because loading needs the faults.)
#include "harness/scenario/scenario_loader.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "harness/nemesis/fault.h"
#include "harness/nemesis/registry.h"

namespace harness {
namespace {

const char* kGood = R"(name: partitions-many-clients
description: reference test 14
seed: 7
cluster:
  nodes: 5
  election_timeout: [150ms, 300ms]
  fsync: always
  check_quorum: false
network:
  drop_requests: 0.1
  drop_replies: 0.1
  delay: [0ms, 26ms]
clients:
  count: 5
  keys: own
  mix: {get: 50, append: 50}
phases:
  - name: clients
    repeat: 3
    workload: {duration: 6s}
    nemesis:
      - every: [1000ms, 1199ms]
        from: 1s
        do: {partition: random_halves}
      - at: 2s
        do: {kill: leader}
        undo_after: 500ms
    after:
      - heal
      - wait: 1s
      - kill: all
      - wait: 1s
      - restart: all
      - verify_appends
checks:
  linearizable: true
  appends: true
  min_ops: 100
  deadline: 120s
)";

TEST(ScenarioLoader, GoodFileLoadsEveryField) {
  auto s = load_scenario_text(kGood, "good.yaml", fault_registry());
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ(s->name, "partitions-many-clients");
  EXPECT_EQ(*s->seed, 7u);
  EXPECT_EQ(s->cluster.nodes, 5);
  EXPECT_TRUE(s->cluster.pre_vote);
  EXPECT_FALSE(s->cluster.check_quorum);
  EXPECT_FALSE(s->cluster.settings().check_quorum);  // what the system under test is started with
  EXPECT_FALSE(s->cluster.uses_unsafe_mode());       // safe either way
  EXPECT_EQ(s->network.delay_max, Micros(26000));
  EXPECT_DOUBLE_EQ(s->network.drop_requests, 0.1);
  EXPECT_EQ(s->clients.count, 5);
  EXPECT_EQ(s->clients.put_weight, 0);
  ASSERT_EQ(s->phases.size(), 1u);
  const Phase& p = s->phases[0];
  EXPECT_EQ(p.repeat, 3);
  EXPECT_EQ(*p.workload->duration, Micros(6'000'000));
  ASSERT_EQ(p.nemesis.size(), 2u);
  EXPECT_TRUE(p.nemesis[0].periodic());
  EXPECT_EQ(p.nemesis[0].period_min, Micros(1'000'000));
  EXPECT_EQ(p.nemesis[0].period_max, Micros(1'199'000));
  EXPECT_EQ(p.nemesis[0].action.kind, Step::Kind::kFault);
  EXPECT_EQ(p.nemesis[0].action.fault.name, "partition");
  ASSERT_NE(p.nemesis[1].action.fault.as<TargetArgs>(), nullptr);
  EXPECT_EQ(p.nemesis[1].action.fault.as<TargetArgs>()->target.kind, NodeTarget::Kind::kLeader);
  EXPECT_EQ(*p.nemesis[1].undo_after, Micros(500'000));
  ASSERT_EQ(p.after.size(), 6u);
  EXPECT_EQ(p.after[4].name(), "restart");
  EXPECT_EQ(p.after[4].line, 33);
  EXPECT_TRUE(s->checks.appends);
  EXPECT_EQ(*s->checks.min_ops, 100);
}

TEST(ScenarioLoader, ScriptedMinorityScenarioLoads) {
  const char* text = R"(cluster: {nodes: 5}
phases:
  - steps:
      - partition: {kind: leader_minority}
      - op: {client: a, side: majority, f: put, key: "1", value: "14"}
      - op: {client: a, f: get, key: "1", expect: "14"}
      - op: {client: b, side: minority, f: put, key: "1", value: "15", async: true}
      - op: {client: c, side: minority, f: get, key: "1", async: true}
      - expect_pending: {clients: [b, c], for: 1s}
      - heal
      - await: {clients: [b, c], within: 3s}
)";
  auto s = load_scenario_text(text, "minority.yaml", fault_registry());
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  const auto& steps = s->phases[0].steps;
  ASSERT_EQ(steps.size(), 8u);
  EXPECT_EQ(steps[1].op.side, 0);
  EXPECT_EQ(*steps[2].op.expect, "14");
  EXPECT_TRUE(steps[3].op.async);
  EXPECT_EQ(steps[5].kind, Step::Kind::kExpectPending);
  EXPECT_EQ(steps[6].name(), "heal");
  EXPECT_EQ(steps[7].wait, Micros(3'000'000));
}

struct BadCase {
  const char* name;
  const char* text;
  const char* expected;  // substring of the error
};

const BadCase kBad[] = {
    {"unknown top-level key", "phases: [{steps: [heal]}]\nclsuter: {nodes: 3}\n",
     "bad.yaml:2:1: clsuter: unknown field 'clsuter'"},
    {"unknown nested key", "cluster:\n  nodes: 3\n  nodez: 4\nphases: [{steps: [heal]}]\n",
     "bad.yaml:3:3: cluster.nodez: unknown field"},
    {"wrong type", "cluster:\n  nodes: five\nphases: [{steps: [heal]}]\n",
     "bad.yaml:2:10: cluster.nodes: 'five' is not an integer"},
    {"node index out of range", "cluster: {nodes: 3}\nphases:\n  - steps:\n      - kill: 3\n",
     "bad.yaml:4:15: phases[0].steps[0].kill: 3 is out of range [0, 2]"},
    {"partition set out of range",
     "cluster: {nodes: 3}\nphases:\n  - steps:\n      - partition: {kind: sets, sets: [[0, 1], [5]]}\n",
     "phases[0].steps[0].partition.sets[1][0]: 5 is out of range"},
    {"sets must cover every node",
     "cluster: {nodes: 3}\nphases:\n  - steps:\n      - partition: {kind: sets, sets: [[0], [1]]}\n",
     "bad.yaml:4:39: phases[0].steps[0].partition.sets: the sets must cover every node"},
    {"unsafe mode without unsafe", "cluster:\n  read_mode: local\nphases: [{steps: [heal]}]\n",
     "bad.yaml:2:14: cluster.read_mode: 'local' is an unsafe mode"},
    {"duration without unit", "phases:\n  - steps:\n      - wait: 100\n",
     "bad.yaml:3:15: phases[0].steps[0].wait: '100' is not a duration"},
    {"at after the workload ends",
     "clients: {count: 1}\nphases:\n  - workload: {duration: 2s}\n    nemesis:\n      - at: 3s\n        do: heal\n",
     "bad.yaml:5:9: phases[0].nemesis[0]: at: is not before the end of the workload"},
    {"every with min > max",
     "clients: {count: 1}\nphases:\n  - workload: {duration: 2s}\n    nemesis:\n      - every: [2s, 1s]\n        do: heal\n",
     "bad.yaml:5:16: phases[0].nemesis[0].every: min is greater than max"},
    {"from after until",
     "clients: {count: 1}\nphases:\n  - workload: {duration: 2s}\n    nemesis:\n      - every: 100ms\n        from: 3s\n        do: heal\n",
     "bad.yaml:5:9: phases[0].nemesis[0]: from: is not before until:"},
    {"nemesis without workload", "phases:\n  - steps: [heal]\n    nemesis: []\n",
     "bad.yaml:3:14: phases[0].nemesis: a nemesis schedule runs during a workload"},
    {"workload without clients", "phases:\n  - workload: {duration: 1s}\n",
     "bad.yaml:2:15: phases[0].workload: a workload needs clients"},
    {"script op in nemesis", "clients: {count: 1}\nphases:\n  - workload: {duration: 2s}\n    nemesis:\n      - at: 1s\n        do: {wait: 1s}\n",
     "phases[0].nemesis[0].do: 'wait' is not one of"},
    {"await before async op",
     "phases:\n  - steps:\n      - await: {clients: [b], within: 1s}\n",
     "bad.yaml:3:1: phases[0]: await names client 'b', which has no async op"},
    {"no phases", "cluster: {nodes: 3}\n", "bad.yaml:1:1: missing required field 'phases'"},
    {"no_snapshot with compaction",
     "cluster: {compaction_bytes: 1000}\nphases: [{steps: [heal]}]\nchecks: {no_snapshot: true}\n",
     "bad.yaml:3:23: checks.no_snapshot: no_snapshot needs compaction off"},
    {"yaml syntax error", "phases: [heal\n", "bad.yaml:2:"},
    {"drop probability > 1", "network: {drop_requests: 1.5}\nphases: [{steps: [heal]}]\n",
     "bad.yaml:1:26: network.drop_requests: 1.5 is out of range [0, 1]"},
    {"unknown step", "phases:\n  - steps:\n      - explode: now\n",
     "phases[0].steps[0]: 'explode' is not one of"},
    {"put without value", "phases:\n  - steps:\n      - op: {client: a, f: put, key: k}\n",
     "bad.yaml:3:13: phases[0].steps[0].op: a put needs a value"},
    {"name unfit for a directory", "name: a/b\nphases: [{steps: [heal]}]\n",
     "bad.yaml:1:7: name: a name may hold only letters"},
    {"name that leaves the runs directory", "name: ..\nphases: [{steps: [heal]}]\n",
     "bad.yaml:1:7: name: '..': a name may not start with '.'"},
    {"name that is the runs directory", "name: .\nphases: [{steps: [heal]}]\n",
     "bad.yaml:1:7: name: '.': a name may not start with '.'"},
    {"name of the latest link", "name: latest\nphases: [{steps: [heal]}]\n",
     "bad.yaml:1:7: name: 'latest' is reserved"},
    {"duplicate nested key", "cluster:\n  nodes: 3\n  nodes: 99\nphases: [{steps: [heal]}]\n",
     "bad.yaml:3:3: cluster.nodes: duplicate key 'nodes' (first at line 2)"},
    {"duplicate key in a flow mapping",
     "cluster: {nodes: 3, nodes: 5}\nphases: [{steps: [heal]}]\n",
     "bad.yaml:1:21: cluster.nodes: duplicate key 'nodes'"},
    {"duplicate top-level block",
     "phases: [{steps: [heal]}]\nchecks: {linearizable: true}\nchecks: {bogus: 1}\n",
     "bad.yaml:3:1: checks: duplicate key 'checks' (first at line 2)"},
    {"duplicate key in a list item", "phases:\n  - steps: [heal]\n    steps: [heal]\n",
     "bad.yaml:3:5: phases[0].steps: duplicate key 'steps'"},
    {"more readers than clients", "clients: {count: 2, readers: 3}\nphases: [{steps: [heal]}]\n",
     "bad.yaml:1:30: clients.readers: more readers than clients"},
    {"deadline the phases cannot meet",
     "clients: {count: 1}\nphases:\n  - workload: {duration: 60s}\n    repeat: 3\nchecks: {deadline: 10s}\n",
     "bad.yaml:5:20: checks.deadline: the phases' workloads alone take 180 s"},
    {"latency bound on an operation never issued",
     "clients: {count: 1, mix: {get: 100}}\nphases:\n  - workload: {duration: 1s}\n"
     "checks: {mean_latency: {max: 10ms}}\n",
     "bad.yaml:4:24: checks.mean_latency: the clients never issue 'append'"},
    {"misspelt latency key named first",
     "clients: {count: 1, mix: {get: 100}}\nphases:\n  - workload: {duration: 1s}\n"
     "checks: {mean_latency: {max: 10ms, fn: get}}\n",
     "bad.yaml:4:36: checks.mean_latency.fn: unknown field 'fn'"},
    {"misspelt top-level key named before what it leaves missing",
     "client: {count: 5}\nphases:\n  - workload: {duration: 1s}\n",
     "bad.yaml:1:1: client: unknown field 'client' (expected one of: name,"},
    {"misspelt nemesis key named", "clients: {count: 1}\nphases:\n  - workload: {duration: 2s}\n"
     "    nemesis:\n      - att: 1s\n        do: heal\n",
     "bad.yaml:5:9: phases[0].nemesis[0].att: unknown field 'att' (expected one of: at, every,"},
    {"tab in the indentation", "cluster:\n\tnodes: 3\nphases: [{steps: [heal]}]\n",
     "bad.yaml:2:7: illegal map value (line 2 holds a tab: YAML indents with spaces only)"},
    {"nemesis period too short to apply",
     "clients: {count: 1}\nphases:\n  - workload: {duration: 2s}\n    nemesis:\n      - every: 1us\n        do: heal\n",
     "bad.yaml:5:16: phases[0].nemesis[0].every: the period must be at least 1ms"},
    {"tag that is not a word", "tags: [partition, Big Tag]\nphases: [{steps: [heal]}]\n",
     "bad.yaml:1:19: tags[1]: 'Big Tag': a tag holds only lower-case letters"},
    {"tag given twice", "tags: [a, a]\nphases: [{steps: [heal]}]\n", "bad.yaml:1:11: tags[1]: tag 'a' given twice"},
    {"expected failure of an unknown check", "phases: [{steps: [heal]}]\nexpect: {fail: [apends]}\n",
     "bad.yaml:2:17: expect.fail[0]: 'apends' is not one of: linearizable, appends,"},
    {"expected failure of a check the scenario does not run",
     "phases: [{steps: [heal]}]\nexpect: {fail: [appends]}\n",
     "bad.yaml:2:17: expect.fail[0]: 'appends' is not among this scenario's checks"},
    {"expect without fail", "phases: [{steps: [heal]}]\nexpect: {pass: [appends]}\n",
     "bad.yaml:2:10: expect.pass: unknown field 'pass'"},
    {"expect with an empty list", "phases: [{steps: [heal]}]\nexpect: {fail: []}\n",
     "bad.yaml:2:16: expect.fail: name at least one check"},
    {"reference without ops", "phases: [{steps: [heal]}]\nreference: {seconds: 1.5, peers: 5, messages: 9}\n",
     "bad.yaml:2:12: reference: missing required field 'ops'"},
    {"reference with a negative count",
     "phases: [{steps: [heal]}]\nreference: {seconds: 1.5, peers: 5, messages: -9, ops: 1}\n",
     "bad.yaml:2:47: reference.messages: -9 is out of range"},
    {"name of the summaries", "name: invocations\nphases: [{steps: [heal]}]\n",
     "bad.yaml:1:7: name: 'invocations' is reserved"},
    {"confined clients on a ring",
     "phases:\n  - steps:\n      - partition: {kind: ring, clients: 0}\n",
     "phases[0].steps[0].partition.clients: ring has no sides"},
};

TEST(ScenarioLoader, LatencyBoundOnOperationsOutsideTheMixIsAccepted) {
  // Readers only get and own-key clients first put "": both are issued whatever the mix says.
  const char* text =
      "clients: {count: 4, readers: 2, mix: {append: 1}}\nphases:\n  - workload: {duration: 1s}\n"
      "checks: {mean_latency: {f: %s, max: 50ms}}\n";
  for (const char* f : {"get", "put", "append", "any"}) {
    char buf[256];
    std::snprintf(buf, sizeof buf, text, f);
    auto s = load_scenario_text(buf, "ok.yaml", fault_registry());
    EXPECT_TRUE(s.is_ok()) << f << ": " << s.status().message();
  }
}

TEST(ScenarioLoader, BadFilesNameFileLineAndField) {
  for (const auto& c : kBad) {
    auto s = load_scenario_text(c.text, "bad.yaml", fault_registry());
    ASSERT_FALSE(s.is_ok()) << c.name;
    EXPECT_NE(s.status().message().find(c.expected), std::string::npos)
        << c.name << ": got \"" << s.status().message() << "\"";
  }
}

TEST(ScenarioLoader, FileNameThatWouldNameTheLatestLinkNeedsAName) {
  auto s = load_scenario_text("phases: [{steps: [heal]}]\n", "dir/latest.yaml", fault_registry());
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.status().message().find("dir/latest.yaml:1:1: name: 'latest' is reserved"),
            std::string::npos)
      << s.status().message();
  EXPECT_TRUE(load_scenario_text("name: ok\nphases: [{steps: [heal]}]\n", "latest.yaml", fault_registry()).is_ok());
}

TEST(ScenarioLoader, SeedIsRecordedInTheTextAsRun) {
  EXPECT_EQ(scenario_text_with_seed("name: a\nseed: 1\nphases: []\n", 99),
            "name: a\nseed: 99\nphases: []\n");
  const std::string added = scenario_text_with_seed("name: a", 5);
  EXPECT_NE(added.find("\nseed: 5"), std::string::npos);
  auto s = load_scenario_text(scenario_text_with_seed(kGood, 12345), "good.yaml", fault_registry());
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ(*s->seed, 12345u);
}

TEST(ScenarioLoader, SeedsAboveInt64MaxRerunFromTheRecordedText) {
  // Half of all random seeds are above 2^63; the run directory's scenario.yaml must load again.
  const uint64_t seed = 16855679490826602430u;
  auto s = load_scenario_text(scenario_text_with_seed(kGood, seed), "good.yaml", fault_registry());
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ(*s->seed, seed);
  std::string text = scenario_text_with_seed(kGood, 1);
  text.replace(text.find("seed: 1"), 7, "seed: -1");
  auto bad = load_scenario_text(text, "bad.yaml", fault_registry());
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("'-1' is not an unsigned integer"), std::string::npos)
      << bad.status().message();
}

TEST(ScenarioLoader, TagsExpectationsAndReferenceFigures) {
  std::string text = kGood;
  text += "tags: [partition, restarts]\nexpect: {fail: [appends, linearizable]}\n"
          "reference: {seconds: 29.7, peers: 5, messages: 6122, ops: 1060}\n";
  auto s = load_scenario_text(text, "good.yaml", fault_registry());
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ(s->tags, (std::vector<std::string>{"partition", "restarts"}));
  EXPECT_TRUE(s->has_tag("restarts"));
  EXPECT_FALSE(s->has_tag("restart"));
  EXPECT_EQ(s->expect_fail, (std::vector<std::string>{"appends", "linearizable"}));
  ASSERT_TRUE(s->reference.has_value());
  EXPECT_DOUBLE_EQ(s->reference->seconds, 29.7);
  EXPECT_EQ(s->reference->peers, 5);
  EXPECT_EQ(s->reference->messages, 6122u);
  EXPECT_EQ(s->reference->ops, 1060);
  // Without the blocks: no tags, every check must pass, no reference.
  auto plain = load_scenario_text(kGood, "good.yaml", fault_registry());
  ASSERT_TRUE(plain.is_ok());
  EXPECT_TRUE(plain->tags.empty());
  EXPECT_TRUE(plain->expect_fail.empty());
  EXPECT_FALSE(plain->reference.has_value());
}

TEST(ScenarioLoader, ExpectedDurationAddsRepeatsWorkloadsAndWaits) {
  // kGood: 3 x (6 s workload + two 1 s waits).
  auto s = load_scenario_text(kGood, "good.yaml", fault_registry());
  ASSERT_TRUE(s.is_ok());
  EXPECT_DOUBLE_EQ(s->expected_duration().seconds, 24.0);
  EXPECT_FALSE(s->expected_duration().open_ended);
  EXPECT_EQ(s->expected_duration().text(), "24s");
  // A workload of a number of operations has no fixed length.
  auto ops = load_scenario_text(
      "clients: {count: 1}\nphases:\n  - workload: {ops_per_client: 10}\n    after: [wait: 2s]\n",
      "ops.yaml", fault_registry());
  ASSERT_TRUE(ops.is_ok()) << ops.status().message();
  EXPECT_TRUE(ops->expected_duration().open_ended);
  EXPECT_EQ(ops->expected_duration().text(), ">=2s");
}

TEST(ScenarioLoader, ScriptExpectationsCanBeExpectedToFail) {
  const char* text = "phases:\n  - steps:\n      - op: {client: a, f: get, key: k, expect: x}\n"
                     "expect: {fail: [script]}\n";
  auto s = load_scenario_text(text, "s.yaml", fault_registry());
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ(s->expect_fail, std::vector<std::string>{"script"});
}

TEST(ScenarioLoader, LongValuesAreShortenedForTerminalLines) {
  EXPECT_EQ(short_value("abc"), "abc");
  const std::string big(2000, 'v');
  const std::string shown = short_value(big);
  EXPECT_EQ(shown, std::string(40, 'v') + "... (2000 bytes)");
  Step put;
  put.kind = Step::Kind::kOp;
  put.op.client = "a";
  put.op.f = sut::OpKind::kPut;
  put.op.key = "k";
  put.op.value = big;
  EXPECT_LT(put.describe().size(), 100u) << put.describe();
}

TEST(ScenarioLoader, MissingFileIsAnError) {
  auto s = load_scenario_file("/nonexistent/x.yaml", fault_registry());
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.status().message().find("/nonexistent/x.yaml"), std::string::npos);
}

}  // namespace
TEST(ScenarioLoader, SecurityCurveReachesTheSystemSettings) {
  const std::string text = "name: s\ncluster: {nodes: 3, security: curve}\nphases: [{steps: [heal]}]\n";
  auto s = load_scenario_text(text, "s.yaml", fault_registry());
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_TRUE(s->cluster.settings().curve);
  auto none = load_scenario_text("name: s\nphases: [{steps: [heal]}]\n", "s.yaml", fault_registry());
  ASSERT_TRUE(none.is_ok());
  EXPECT_FALSE(none->cluster.settings().curve);
  auto bad = load_scenario_text("name: s\ncluster: {security: tls}\nphases: [{steps: [heal]}]\n",
                                "s.yaml", fault_registry());
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("s.yaml:2"), std::string::npos) << bad.status().message();
  EXPECT_NE(bad.status().message().find("security"), std::string::npos) << bad.status().message();
}

}  // namespace harness
