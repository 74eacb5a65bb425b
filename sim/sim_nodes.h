#pragma once
// SimNodes: the seam's Nodes (harness/sut/nodes.h) in the simulation: one ProcessHost per node
// running NodeProcess incarnations over the node's own SimDisk, plus the faults only a simulation
// can give (a power loss that drops the page cache and tears the last write, a flipped bit at
// rest, a slow node, a drifting clock, a slow disk). Node i has Raft id i + 1, data in
// /data/n<id> on its disk, and logs "logs/n<id>.log" (written by SimSystem::stop()).
// Owned by the SimSystem; single thread. Calls that wait (status of a paused node, leader) wait
// on the SimClock, in simulated time.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/node/node_core.h"
#include "harness/sut/nodes.h"
#include "sim/node_process.h"
#include "sim/process.h"
#include "sim/sim_clock.h"
#include "sim/sim_disk.h"

namespace sim {

class SimNodes final : public harness::sut::Nodes {
 public:
  // options[i] is node i's core options (id i + 1).
  SimNodes(SimClock& clock, SimNetwork& net, std::vector<node::NodeCoreOptions> options,
           std::vector<std::unique_ptr<SimDisk>> disks, ProcessTiming timing);
  ~SimNodes() override;

  int count() const override { return static_cast<int>(hosts_.size()); }
  common::Status start(int node) override;
  common::Status kill(int node, harness::sut::Crash how = harness::sut::Crash::kProcess) override {
    return crash(node, how, true);
  }
  // kill(), with bit rot (set_bit_rot) only if `may_rot`: the simulation's own crashes
  // (WorldOptions::election_crash) restart the node and must not keep it down.
  common::Status crash(int node, harness::sut::Crash how, bool may_rot);
  common::Status restart(int node) override;
  common::Status pause(int node) override;
  common::Status resume(int node) override;
  bool running(int node) override;
  bool paused(int node) const override;
  common::Result<harness::sut::NodeStatus> status(int node, int64_t timeout_ns) override;
  std::optional<int> leader(int64_t deadline_ns) override;
  std::string log_file(int node) const override;

  // --- faults beyond the seam ---
  // From now on a kill asked as kProcess is a power loss with chance `p` (swarm testing).
  void set_power_loss(double p, common::Rng rng) {
    power_loss_ = p;
    power_rng_ = rng;
  }
  uint64_t power_losses(int node) const { return power_losses_[static_cast<size_t>(node)]; }
  // From now on a crash (kill or power loss) also flips one bit of the node's durable state, at
  // rest while it is down, with chance `p`; at most one node per run, so a majority keeps intact
  // disks. A node must then refuse to start (its checksums catch the bit; it stays down, which is
  // what an operator would see) or start without the damaged bytes, never serve them: the run's
  // checks and raft_invariants judge the rest. A node that read the damaged file while it
  // recovered and started anyway, when the bit was in bytes an fsync had returned for (it may have
  // acknowledged or voted on them), is a violation (damage_violation()): it took damaged durable
  // state for good or dropped it as an unfinished write.
  void set_bit_rot(double p, common::Rng rng) {
    bit_rot_ = p;
    rot_rng_ = rng;
  }
  // What the bit rot of `node` did ("" if none): where the bit flipped and how the node took it.
  std::string bit_rot(int node) const;
  // The first node that started over a flipped bit in durable bytes it read ("" if none), and
  // what the bit rot did in this run (for the check's summary).
  const std::string& damage_violation() const { return damage_violation_; }
  std::string damage_summary() const;
  common::Status slow(int node, double fraction);     // 1.0: full speed again
  common::Status drift(int node, double rate);        // 1.0: true time again
  common::Status slow_disk(int node, double factor);  // 1.0: normal again

  SimDisk& disk(int node) { return *disks_[static_cast<size_t>(node)]; }
  ProcessHost& host(int node) { return *hosts_[static_cast<size_t>(node)]; }
  const LogSink& logs(int node) const { return logs_[static_cast<size_t>(node)]; }
  // The live core of a running node (nullptr when down).
  node::NodeCore* core(int node);
  // What of `node` is durable now (NodeProcess::durability); everything while it is down.
  Durability durability(int node);
  // Called after every step of a node: (node, incarnation, its core as the step left it).
  using StepObserver = std::function<void(int, uint64_t, const NodeProcess&)>;
  void set_step_observer(StepObserver observer) { observer_ = std::move(observer); }
  // Why the node last refused to start ("" if it did not).
  const std::string& start_error(int node) const { return errors_[static_cast<size_t>(node)]; }

 private:
  common::Status check(int node) const;

  SimClock& clock_;
  std::vector<node::NodeCoreOptions> options_;
  std::vector<std::unique_ptr<SimDisk>> disks_;
  std::vector<LogSink> logs_;
  std::vector<std::string> errors_;
  std::vector<std::unique_ptr<ProcessHost>> hosts_;
  double power_loss_ = 0;
  common::Rng power_rng_{1};
  double bit_rot_ = 0;
  common::Rng rot_rng_{1};
  std::vector<uint64_t> power_losses_;
  struct Rot {
    std::string where;    // "" if its bit never flipped; "path@offset (flipped at ...)" otherwise
    std::string outcome;  // how the node took it at its next start ("" until then)
    std::string path;     // the file
    bool promised = false;  // the byte was covered by a returned fsync (SimDisk::Flip)
  };
  std::vector<Rot> rot_;
  std::string damage_violation_;
  StepObserver observer_;
};

}  // namespace sim
