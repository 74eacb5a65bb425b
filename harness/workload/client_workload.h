#pragma once
// ClientWorkload: the scenario's clients as worker threads. Each thread owns its own Clerk (ZeroMQ
// sockets are not thread-safe) and records every operation into the history: an invoke before the
// call, then ok (with what a get read) or info (the Clerk's deadline passed: unknown outcome) after
// it, with monotonic nanosecond times from the history's clock. An operation still pending when
// the workload is told to stop keeps running until `stop_grace` later; if it has not finished by
// then it is recorded as info — never dropped.
//
// Owned by the Runner for the whole run; start()/stop()/join() are called from the Runner's thread
// only. With `identity: per_run` the Clerks (and their history processes) survive from one
// workload to the next; otherwise every workload gets fresh ones.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cluster/client/clerk.h"
#include "common/clock.h"
#include "harness/record/history_writer.h"
#include "harness/scenario/scenario.h"

namespace harness {

// Hands out history process numbers (one per client identity). Thread-safe.
class ProcessIds {
 public:
  int64_t next() { return next_.fetch_add(1); }

 private:
  std::atomic<int64_t> next_{0};
};

// "x <client> <n> y": the append values that let a check find each client's appends in a value.
std::string append_value(int client, int64_t n);

class ClientWorkload {
 public:
  ClientWorkload(ClientsSpec spec, std::vector<std::string> servers, HistoryWriter& history,
                 const common::Clock& clock, ProcessIds& ids);
  ~ClientWorkload();  // joins any running workers (after stop())
  ClientWorkload(const ClientWorkload&) = delete;
  ClientWorkload& operator=(const ClientWorkload&) = delete;

  // Starts the workers. They stop on their own after `workload.ops_per_client` operations, or
  // when stop() is called; no operation outlives `op_deadline`.
  void start(const WorkloadSpec& workload, uint64_t seed,
             std::chrono::steady_clock::time_point op_deadline);
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
  std::vector<std::string> servers_;
  HistoryWriter& history_;
  const common::Clock& clock_;
  ProcessIds& ids_;
  WorkloadSpec workload_;
  std::chrono::steady_clock::time_point op_deadline_;
  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<int64_t> counters_;          // per client index: appends so far (values stay unique)
  std::set<int64_t> processes_;
};

}  // namespace harness
