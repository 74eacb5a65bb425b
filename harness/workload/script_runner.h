#pragma once
// ScriptRunner: the scripted client actions of a phase (reference tests 2, 5-8): named script
// clients, each its own client and history process, created on first use and confined to the nodes
// of one side of the current partition if the op says so; sync ops (the script waits), async ops
// (a task of their own; the script goes on), and the expectations `expect` (a get reads exactly
// this), `within` (an op completes in time), `expect_pending` (ops still pending after a while)
// and `await` (ops complete within a bound). Each expectation becomes a CheckOutcome.
// Also the verifier: a fresh client that reads keys at the end of an iteration (verify_appends).
// Called from the Runner's task only; async ops run on tasks this object owns and joins.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/random.h"
#include "harness/record/history_writer.h"
#include "harness/scenario/scenario.h"
#include "harness/sut/system.h"
#include "harness/verdict/check_outcome.h"
#include "harness/workload/recording_client.h"

namespace harness {

class ScriptRunner {
 public:
  // The sides of the partition in force (empty when healed), from the nemesis.
  using SidesFn = std::function<std::vector<std::vector<int>>()>;

  ScriptRunner(sut::Clients& clients, sut::Network& network, sut::RunClock& clock,
               Micros attempt_timeout, HistoryWriter& history, ProcessIds& ids, SidesFn sides,
               uint64_t ids_seed);
  ~ScriptRunner();  // joins async ops (each is bounded by its deadline)

  // Runs one op / expect_pending / await step. `op_deadline_ns` bounds any op started.
  void run(const Step& step, const std::string& where, int64_t op_deadline_ns);
  // Reads every key in `keys` with a fresh verifier client; records into the history.
  void verify(const std::vector<std::string>& keys, int64_t deadline_ns);
  // Confinement follows the partition: called after every fault step, it confines each client of
  // a side to that side's nodes now (none if the side no longer exists) or, once healed, frees it.
  common::Status sync_confinement();
  void join_all();

  std::vector<CheckOutcome> outcomes() const { return outcomes_; }
  std::set<int64_t> verifier_processes() const { return verifiers_; }
  std::set<std::string> appended_keys() const { return appended_keys_; }

 private:
  struct PendingOp {
    std::unique_ptr<sut::Task> task;
    std::atomic<bool> done{false};
    std::atomic<int64_t> started_ns{0};
    std::atomic<int64_t> finished_ns{0};
    std::atomic<bool> ok{false};
  };
  struct ScriptClient {
    std::string name;
    int side = -1;  // confined to this side of the partition (-1: every node)
    std::unique_ptr<RecordingClient> client;
    std::unique_ptr<PendingOp> pending;
  };
  ScriptClient& client_for(const ScriptOp& op);
  std::unique_ptr<RecordingClient> make_client(const std::string& name, int64_t process);
  // Runs `op`; returns true and the read value when it completed.
  bool execute(ScriptClient& c, const ScriptOp& op, int64_t deadline_ns, std::string* read);
  void add(const std::string& name, bool passed, const std::string& detail);

  sut::Clients& clients_;
  sut::Network& network_;
  sut::RunClock& clock_;
  Micros attempt_timeout_;
  HistoryWriter& history_;
  ProcessIds& ids_;
  SidesFn sides_;
  common::Rng ids_rng_;
  std::map<std::string, ScriptClient> clients_by_name_;
  std::vector<CheckOutcome> outcomes_;
  std::set<int64_t> verifiers_;
  std::set<std::string> appended_keys_;
};

}  // namespace harness
