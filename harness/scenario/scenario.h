#pragma once
// Scenario: one `faultline run` input, fully validated (see docs/scenarios.md for the YAML schema).
// Plain values, produced by load_scenario() and read-only afterwards; safe to share between threads
// once loaded. Every duration is in microseconds; `line` fields point back into the YAML file so
// run-time messages can name where a step came from.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/sut/system.h"

namespace harness {

using Micros = std::chrono::microseconds;

struct ClusterSpec {
  int nodes = 5;
  Micros tick{10'000};
  Micros election_min{150'000};
  Micros election_max{300'000};
  Micros heartbeat{30'000};
  sut::Fsync fsync = sut::Fsync::kAlways;
  sut::ReadMode read_mode = sut::ReadMode::kReadIndex;
  sut::Storage storage = sut::Storage::kDisk;
  bool dedup = true;                      // false is unsafe
  bool pre_vote = true;                   // Raft's PreVote and CheckQuorum (safe either way)
  bool check_quorum = true;
  uint64_t compaction_bytes = 0;          // 0: log compaction off
  bool curve = false;                     // security: curve
  bool uses_unsafe_mode() const;
  sut::ClusterSettings settings() const;  // what the system under test is started with
};

// Which messages a network rule applies to.
struct LinkScope {
  enum class Kind { kAll, kPeers, kClients, kNodes };
  Kind kind = Kind::kAll;
  std::vector<int> nodes;  // kNodes: every link touching one of these nodes
};

// Link quality: drops (requests and replies separately), delay, reordering.
struct NetworkRule {
  double drop_requests = 0;
  double drop_replies = 0;
  Micros delay_min{0};
  Micros delay_max{0};
  bool reorder = false;
  LinkScope scope;
  bool is_reliable() const {
    return drop_requests == 0 && drop_replies == 0 && delay_max.count() == 0 && !reorder;
  }
};

// Which node(s) an action targets. Resolved at the moment the action runs (the leader then).
struct NodeTarget {
  enum class Kind { kNode, kLeader, kMinority, kAll, kRandom, kDown };
  Kind kind = Kind::kNode;
  int node = 0;  // kNode
};

// One scripted client operation (reference tests 6, 7, 8). A script client is created on first use;
// `side` confines it to the nodes of a side of the current partition (-1: every node).
struct ScriptOp {
  std::string client;
  sut::OpKind f = sut::OpKind::kGet;
  std::string key;
  std::string value;
  int side = -1;
  bool async = false;                   // start it and go on; `await`/`expect_pending` look at it later
  std::optional<std::string> expect;    // a get must read exactly this
  std::optional<Micros> within;         // must complete within this time (else the check fails)
};

// A fault's parameters, as the fault that owns them parsed them (harness/nemesis/faults/). The
// scenario only carries them; the nemesis registry knows the kinds.
class FaultArgs {
 public:
  virtual ~FaultArgs() = default;
  virtual std::string describe() const = 0;  // "" when the fault takes no argument
};

// One fault step: the registered fault's name and its parsed parameters.
struct FaultStep {
  std::string name;                       // "partition", "kill", "clog", ...
  std::shared_ptr<const FaultArgs> args;  // never null in a loaded scenario
  // The parameters as the fault's own type (nullptr if they are not of that type).
  template <typename T>
  const T* as() const {
    return dynamic_cast<const T*>(args.get());
  }
};

struct Step {
  enum class Kind { kWait, kFault, kOp, kExpectPending, kAwait, kVerifyAppends };
  Kind kind = Kind::kWait;
  int line = 0;
  Micros wait{0};                        // kWait; kExpectPending/kAwait: the time bound
  FaultStep fault;                       // kFault
  ScriptOp op;                           // kOp
  std::vector<std::string> clients;      // kExpectPending, kAwait
  std::string describe() const;          // one line, for progress and nemesis.jsonl
  // "wait", "op", ..., or the fault's name: nemesis.jsonl's `action`.
  std::string name() const;
};

// A fault on a schedule inside a workload: once at `at`, or every [period_min, period_max] from
// `from` until `until` (default: the end of the workload). `undo_after` reverts it (heal, restart,
// resume, reliable network) after that long (faults that can be undone only).
struct NemesisEntry {
  int line = 0;
  std::optional<Micros> at;
  Micros period_min{0};
  Micros period_max{0};
  Micros from{0};
  std::optional<Micros> until;
  std::optional<Micros> undo_after;
  Step action;
  bool periodic() const { return !at.has_value(); }
};

struct WorkloadSpec {
  std::optional<Micros> duration;
  int64_t ops_per_client = 0;  // 0: until the duration ends
};

struct Phase {
  std::string name;
  int line = 0;
  int repeat = 1;
  std::vector<Step> steps;                // before the workload
  std::optional<WorkloadSpec> workload;
  std::vector<NemesisEntry> nemesis;      // relative to the workload's start
  std::vector<Step> after;                // after the workload
};

struct ClientsSpec {
  enum class Keys { kOwn, kShared, kHot };
  int count = 0;
  Keys keys = Keys::kOwn;
  int key_count = 1;                 // kShared
  std::string hot_key = "k";         // kHot
  int readers = 0;                   // the first `readers` clients only get (they never learn of a
                                     // new leader from a write, so they stay where they started)
  int get_weight = 50;
  int put_weight = 0;
  int append_weight = 50;
  bool init_put_empty = true;        // each client first puts "" to its own key (kOwn) per workload
  bool warmup_get = false;           // one Get before the first timed operation
  double rate = 0;                   // ops/s per client; 0: closed loop
  bool fresh_identity = true;        // a new client id (and history process) per workload
  Micros attempt_timeout{100'000};
  Micros stop_grace{2'000'000};      // time a pending op gets to finish when told to stop
};

struct ChecksSpec {
  bool linearizable = true;
  bool appends = false;                     // each client's appends once and in order
  std::optional<int64_t> min_ops;
  std::optional<uint64_t> max_raft_state_bytes;
  std::optional<uint64_t> max_snapshot_bytes;
  bool no_snapshot = false;
  std::optional<Micros> deadline;           // the whole run
  std::optional<Micros> max_mean_latency;   // of `latency_f` operations
  std::optional<sut::OpKind> latency_f = sut::OpKind::kAppend;  // nullopt: any operation
  Micros checker_timeout{60'000'000};
};

// The figures of a reference run of this scenario (`reference:`), printed beside ours by
// `faultline run --table`: the lab's four columns.
struct ReferenceFigures {
  double seconds = 0;
  int peers = 0;
  uint64_t messages = 0;
  int64_t ops = 0;  // completed operations
};

// How long a scenario's phases take: repeats x (workload durations + waits). `open_ended` when a
// phase also has work of no fixed length (ops_per_client workloads, scripted operations).
struct ExpectedDuration {
  double seconds = 0;
  bool open_ended = false;
  std::string text() const;  // "30s", ">=2s"
};

// The check names `expect: {fail: [...]}` may list: what results.json calls each check, and
// "script" for every scripted expectation (op expect/within, expect_pending, await).
const std::vector<std::string>& expectable_checks();

struct Scenario {
  std::string file;
  std::string name;
  std::string description;
  std::string source;                 // the YAML text as read
  std::optional<uint64_t> seed;
  bool unsafe = false;
  ClusterSpec cluster;
  NetworkRule network;                // baseline for the whole run
  ClientsSpec clients;
  std::vector<Phase> phases;
  ChecksSpec checks;
  std::vector<std::string> tags;            // `tags: [...]`, for `faultline list` and `run --tag`
  // `expect: {fail: [...]}`: the run must fail at least one of these checks and no other (a demo
  // that must be caught); empty: every check must pass.
  std::vector<std::string> expect_fail;
  std::optional<ReferenceFigures> reference;  // `reference:`
  ExpectedDuration expected_duration() const;
  bool has_tag(const std::string& tag) const;
  // Whether a step or nemesis entry of any phase uses the fault `name` ("power_cut", ...).
  bool uses_fault(const std::string& name) const;
};

// The scenario's description: its `description:`, else the comment lines at the top of its file
// joined into one paragraph (the report's and `faultline list`'s).
std::string scenario_description(const Scenario& s);

const char* to_string(Step::Kind kind);
const char* to_string(sut::Fsync mode);
const char* to_string(sut::ReadMode mode);
const char* to_string(sut::Storage mode);
std::string describe(const NodeTarget& target);
std::string describe(const NetworkRule& rule);
// "n3"; "{0,1,2}".
std::string node_name(int node);
std::string node_set(const std::vector<int>& nodes);
std::string ms_text(Micros d);  // "800ms", "1.5ms"
// `value` for a terminal line: itself when at most `max` bytes, else its first `max` bytes,
// "..." and its length ("chunk-00-chunk-0... (2200 bytes)").
std::string short_value(const std::string& value, size_t max = 40);

}  // namespace harness
