#pragma once
// SimWorkload and SimScript: the scenario's clients in the simulation, as tasks on the seam's
// RunClock with clients from the seam's Clients — the same operations, keys, values and history
// events as the process mode's ClientWorkload and ScriptRunner (harness/workload/), which are
// still written for OS threads and ZeroMQ Clerks. (Once the harness's workload runs on the seam,
// these go.) Owned by one scenario run; single thread.
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "harness/nemesis/fault_injector.h"
#include "harness/record/history_writer.h"
#include "harness/scenario/scenario.h"
#include "harness/sut/system.h"
#include "harness/verdict/check_outcome.h"

namespace sim {

// History process numbers, one per client identity.
struct ProcessCounter {
  int64_t next = 0;
};

class SimWorkload {
 public:
  SimWorkload(harness::ClientsSpec spec, harness::sut::System& system, harness::HistoryWriter& history,
              ProcessCounter& ids);
  ~SimWorkload();
  // Starts the client tasks; ops never outlive op_deadline_ns.
  void start(const harness::WorkloadSpec& workload, uint64_t seed, int64_t op_deadline_ns);
  void stop() { stop_ = true; }
  void join();
  bool all_done() const;
  std::vector<std::string> keys() const;
  const std::set<int64_t>& processes() const { return processes_; }
  int64_t ops_ok() const { return ops_ok_; }

 private:
  struct Worker {
    int index = 0;
    int64_t process = 0;
    std::unique_ptr<harness::sut::Client> client;
    std::unique_ptr<harness::sut::Task> task;
    bool done = false;
    bool first_workload = true;
  };
  void worker_loop(Worker& w, uint64_t seed);

  harness::ClientsSpec spec_;
  harness::sut::System& system_;
  harness::HistoryWriter& history_;
  ProcessCounter& ids_;
  harness::WorkloadSpec workload_;
  int64_t op_deadline_ns_ = 0;
  bool stop_ = false;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<int64_t> counters_;
  std::set<int64_t> processes_;
  int64_t ops_ok_ = 0;
  int generation_ = 0;
};

class SimScript {
 public:
  SimScript(harness::sut::System& system, int64_t attempt_timeout_ns, harness::HistoryWriter& history,
            ProcessCounter& ids, harness::FaultInjector& faults);
  ~SimScript();
  void run(const harness::Step& step, const std::string& where, int64_t op_deadline_ns);
  void verify(const std::vector<std::string>& keys, int64_t deadline_ns);
  // Script clients confined to a side follow the current partition.
  void sync_sides();
  void join_all();
  const std::vector<harness::CheckOutcome>& outcomes() const { return outcomes_; }
  const std::set<int64_t>& verifier_processes() const { return verifiers_; }
  const std::set<std::string>& appended_keys() const { return appended_keys_; }

 private:
  struct Pending {
    std::unique_ptr<harness::sut::Task> task;
    bool done = false;
    bool ok = false;
    int64_t started_ns = 0;
    int64_t finished_ns = 0;
  };
  struct ScriptClient {
    std::string name;
    int64_t process = 0;
    int side = -1;
    std::unique_ptr<harness::sut::Client> client;
    std::unique_ptr<Pending> pending;
  };
  ScriptClient& client_for(const harness::ScriptOp& op);
  bool execute(ScriptClient& c, const harness::ScriptOp& op, int64_t deadline_ns, std::string* read);
  void add(const std::string& name, bool passed, const std::string& detail);

  harness::sut::System& system_;
  int64_t attempt_timeout_ns_;
  harness::HistoryWriter& history_;
  ProcessCounter& ids_;
  harness::FaultInjector& faults_;
  std::map<std::string, ScriptClient> clients_;
  std::vector<harness::CheckOutcome> outcomes_;
  std::set<int64_t> verifiers_;
  std::set<std::string> appended_keys_;
  uint64_t next_client_id_ = 0x5c0000;
};

}  // namespace sim
