#pragma once
// ScriptRunner: the scripted client actions of a phase (reference tests 2, 5-8): named script
// clients, each its own Clerk and history process, created on first use and confined to the nodes
// of one side of the current partition if the op says so; sync ops (the script waits), async ops
// (run on their own thread; the script goes on), and the expectations `expect` (a get reads exactly
// this), `within` (an op completes in time), `expect_pending` (ops still pending after a while)
// and `await` (ops complete within a bound). Each expectation becomes a CheckOutcome.
// Also the verifier: a fresh client that reads keys at the end of an iteration (verify_appends).
// Called from the Runner's thread only; async ops run on threads this object owns and joins.
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cluster/client/clerk.h"
#include "common/clock.h"
#include "harness/verdict/check_outcome.h"
#include "harness/workload/client_workload.h"
#include "harness/nemesis/fault_injector.h"
#include "harness/record/history_writer.h"
#include "harness/net/interposer.h"
#include "harness/scenario/scenario.h"

namespace harness {

class ScriptRunner {
 public:
  // `servers`: the addresses clients use (the run's interposer frontends); `senders`: each node's
  // sender frame (for the side gates).
  ScriptRunner(std::vector<std::string> servers, std::vector<std::string> senders,
               Micros attempt_timeout, HistoryWriter& history, const common::Clock& clock,
               ProcessIds& ids, FaultInjector& faults);
  ~ScriptRunner();  // joins async ops (each is bounded by its deadline)

  // Runs one op / expect_pending / await step. `op_deadline` bounds any op started.
  void run(const Step& step, const std::string& where,
           std::chrono::steady_clock::time_point op_deadline);
  // Reads every key in `keys` with a fresh verifier client; records into the history.
  void verify(const std::vector<std::string>& keys, std::chrono::steady_clock::time_point deadline);
  // Confinement follows the partition: called after every fault step, it gives each side gate the
  // current sides (clients of a side reach only its nodes) or, once healed, opens it fully.
  common::Status sync_gates();
  // Forgets script clients (a new iteration starts with fresh ones); joins their async ops first.
  void reset_clients();
  void join_all();

  std::vector<CheckOutcome> outcomes() const { return outcomes_; }
  std::set<int64_t> verifier_processes() const { return verifiers_; }
  std::set<std::string> appended_keys() const { return appended_keys_; }

 private:
  struct PendingOp {
    std::thread thread;
    std::atomic<bool> done{false};
    std::atomic<int64_t> started_ns{0};
    std::atomic<int64_t> finished_ns{0};
    std::atomic<bool> ok{false};
  };
  struct ScriptClient {
    int64_t process = 0;
    std::unique_ptr<client::Clerk> clerk;
    std::unique_ptr<PendingOp> pending;
  };
  ScriptClient& client_for(const ScriptOp& op);
  // Runs `op` on `c`'s Clerk; returns true and the read value when it completed.
  bool execute(ScriptClient& c, const ScriptOp& op, std::chrono::steady_clock::time_point deadline,
               std::string* read);
  void add(const std::string& name, bool passed, const std::string& detail);

  std::vector<std::string> servers_;
  std::vector<std::string> senders_;
  Micros attempt_timeout_;
  HistoryWriter& history_;
  const common::Clock& clock_;
  ProcessIds& ids_;
  FaultInjector& faults_;
  // One gate per side that script clients were confined to: a second Interposer in front of the
  // run's interposer whose client traffic is confined to that side until the partition heals.
  std::map<int, std::unique_ptr<Interposer>> gates_;
  std::map<std::string, ScriptClient> clients_;
  std::vector<CheckOutcome> outcomes_;
  std::set<int64_t> verifiers_;
  std::set<std::string> appended_keys_;
};

}  // namespace harness
