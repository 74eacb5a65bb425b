#pragma once
// Nodes: the servers of the system under test, by scenario index 0..count()-1 (part of the seam,
// see system.h). Process control and status, nothing about the network.
//
// Every call may block the calling task (start waits until the node answers; status waits up to
// its timeout) and is thread-safe: the nemesis task and the runner's task both call it.
#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"

namespace harness::sut {

// How a node goes down.
enum class Crash {
  kProcess,    // the process dies (kill -9): what it wrote survives, the page cache included
  kPowerLoss,  // the machine dies: what was not fsynced is lost, the last write may be torn
};

enum class Role { kUnknown, kFollower, kCandidate, kLeader };

// A node's own account of itself. The durable sizes are what the checks on state size read.
struct NodeStatus {
  Role role = Role::kUnknown;
  uint64_t term = 0;
  std::optional<int> leader;    // the node it believes leads, by scenario index
  uint64_t commit_index = 0;
  uint64_t applied_index = 0;
  uint64_t log_bytes = 0;       // durable Raft state: log + hard state, snapshot excluded
  uint64_t snapshot_index = 0;  // 0: no snapshot
  uint64_t snapshot_bytes = 0;
};

class Nodes {
 public:
  virtual ~Nodes() = default;
  virtual int count() const = 0;

  // Starts a node that is down (after kill), with its durable state; returns once it serves
  // (answers a status request) or with an error naming why not. Ok if it is already running.
  virtual common::Status start(int node) = 0;
  // Takes a node down. An implementation that cannot do kPowerLoss (real processes cannot lose
  // their page cache) returns an error saying so and does nothing.
  virtual common::Status kill(int node, Crash how = Crash::kProcess) = 0;
  // A power loss (kPowerLoss) that also tears the node's last unsynced write at a random (seeded)
  // byte, as a disk losing power in the middle of write-back leaves it (`power_cut: {target: T,
  // tear: true}`). Default: kill(node, kPowerLoss), for a system whose power loss already tears
  // (the simulation's disk does) or that cannot.
  virtual common::Status kill_torn(int node) { return kill(node, Crash::kPowerLoss); }
  // kill(node) if it is running, then start(node).
  virtual common::Status restart(int node) = 0;
  // Freezes a running node (SIGSTOP: no ticks, no messages handled) and thaws it. resume() of a
  // node that is not paused is ok.
  virtual common::Status pause(int node) = 0;
  virtual common::Status resume(int node) = 0;
  virtual bool running(int node) = 0;
  virtual bool paused(int node) const = 0;

  // The node's status, asked directly (not through the faulty network), within `timeout_ns`.
  virtual common::Result<NodeStatus> status(int node, int64_t timeout_ns) = 0;
  // The node that leads (role leader, highest term), asking until one is found or the run's clock
  // passes `deadline_ns`.
  virtual std::optional<int> leader(int64_t deadline_ns) = 0;

  // The node's log file relative to the run directory ("logs/n1.log"), or "" when it has none:
  // nemesis.jsonl and the report name it beside the node.
  virtual std::string log_file(int node) const = 0;
};

}  // namespace harness::sut
