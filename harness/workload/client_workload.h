#pragma once
// ClientWorkload: the scenario's clients, each a task of the run (RunClock::spawn) with its own
// client of the system under test, recording every operation into the history through a
// RecordingClient. An operation still pending when the workload is told to stop keeps running
// until its deadline (`stop_grace` after the workload's end); if it has not finished by then it is
// recorded as info — never dropped.
//
// Owned by the Runner for the whole run; start()/stop()/join() are called from the Runner's task
// only. With `identity: per_run` the clients (and their history processes) survive from one
// workload to the next; otherwise every workload gets fresh ones.
#include <atomic>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/random.h"
#include "harness/record/history_writer.h"
#include "harness/scenario/scenario.h"
#include "harness/sut/system.h"
#include "harness/workload/recording_client.h"

namespace harness {

// "x <client> <n> y": the append values that let a check find each client's appends in a value.
std::string append_value(int client, int64_t n);

class ClientWorkload {
 public:
  // `ids_seed`: the run's client-identity stream (every client id drawn from it).
  ClientWorkload(ClientsSpec spec, sut::Clients& clients, sut::RunClock& clock,
                 HistoryWriter& history, ProcessIds& ids, uint64_t ids_seed);
  ~ClientWorkload();  // joins any running workers (after stop())
  ClientWorkload(const ClientWorkload&) = delete;
  ClientWorkload& operator=(const ClientWorkload&) = delete;

  // Starts the workers, their choices drawn from `seed` (the run's clients stream for this
  // workload). They stop on their own after `workload.ops_per_client` operations, or when stop()
  // is called; no operation outlives `op_deadline_ns` (run clock).
  void start(const WorkloadSpec& workload, uint64_t seed, int64_t op_deadline_ns);
  // No new operations; a pending one has until its deadline to finish.
  void stop();
  void join();
  bool all_done() const;  // every worker has returned (ops_per_client reached)

  std::vector<std::string> keys() const;          // every key the workload touches
  std::set<int64_t> processes() const;            // history processes of every client so far

 private:
  struct Worker;
  void worker_loop(Worker& w, uint64_t seed);

  ClientsSpec spec_;
  sut::Clients& clients_;
  sut::RunClock& clock_;
  HistoryWriter& history_;
  ProcessIds& ids_;
  common::Rng ids_rng_;
  WorkloadSpec workload_;
  int64_t op_deadline_ns_ = 0;
  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<int64_t> counters_;          // per client index: appends so far (values stay unique)
  std::set<int64_t> processes_;
};

}  // namespace harness
