#pragma once
// NodeProcess: one incarnation of a kvnode in the simulation — the real node::NodeCore (codec,
// Raft, state machine, storage through the node's SimDisk) behind the ProcessHost's Process
// interface. It is the simulation's driver of the core, as node.cc is kvnode's: messages in
// (the ROUTER's routing frame added in front of the frames), ticks, flush, outputs out (peer messages to
// node endpoints, replies back to the requester's endpoint). A snapshot-write job runs off the
// loop as it does on kvnode's worker thread: the write happens after a simulated delay (its bytes
// at the disk's bandwidth plus two fsyncs) while the node keeps serving, then its outcome goes
// back to the core. Log lines are stamped with simulated time into a LogSink that outlives the
// incarnation. Owned by its ProcessHost; single thread.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cluster/node/node_core.h"
#include "harness/sut/nodes.h"
#include "sim/invariants.h"
#include "sim/process.h"
#include "sim/sim_disk.h"

namespace sim {

// A node's log lines across its incarnations, rendered as kvnode writes them.
struct LogSink {
  std::vector<std::string> lines;
  size_t max_lines = 200000;  // beyond this, lines are counted, not kept
  uint64_t dropped = 0;
};

class NodeProcess final : public Process {
 public:
  // Opens the core (recovering from `disk`). On failure returns null and sets *error.
  static std::unique_ptr<NodeProcess> open(const node::NodeCoreOptions& options, SimDisk* disk,
                                           LogSink* logs, Nanos now, std::string* error);

  void receive(int from, Frames frames, Nanos now, Outbox& out) override;
  void tick(Nanos now, Outbox& out) override;
  void wake(uint64_t token, Nanos now, Outbox& out) override;
  // As kvnode's loop after it drained its socket: one flush for the step's inputs.
  void end_step(Nanos now, Outbox& out) override;
  bool alive() const override { return core_->failure().is_ok(); }

  // Asks the core for its status the way a status request does (outputs go to `out`).
  harness::sut::NodeStatus status(Nanos now, Outbox& out);
  node::NodeCore& core() { return *core_; }
  // What is durable now (what a power cut now would leave), given whether a step's last fsync has
  // not returned yet (ProcessHost::in_synced_step):
  //  - the log's last durable index: all of it, or while that fsync runs the log as it was before
  //    it (recorded at the step's start and before each of its fsyncs; entries it writes are in
  //    memory only, a crash undoes it). A node whose recovery read bytes no fsync had made durable
  //    (a kill in the middle of an fsync leaves them in the page cache) holds durably only its
  //    snapshot until its first fsync has returned: a correct recovery syncs what it read before
  //    it relies on it;
  //  - the term and vote as they stood at the last fsync, or at the one before it while that
  //    fsync runs: a vote set in memory and never synced is not in it.
  Durability durability(bool in_synced_step) const;
  // The ReadIndex rounds the core reported since the last step observer ran (NodeCore::Outbox).
  const std::vector<node::ReadRound>& step_reads() const { return reads_; }
  // Called after every step (an input handled and flushed), with the core as the step left it:
  // the simulation's cluster-wide invariant checks.
  void set_step_observer(std::function<void(const NodeProcess&)> observer) { observer_ = std::move(observer); }
  const node::NodeCore& core() const { return *core_; }

 private:
  NodeProcess(std::unique_ptr<node::NodeCore> core, SimDisk* disk, LogSink* logs)
      : core_(std::move(core)), disk_(disk), logs_(logs) {}
  void drain(Nanos now, Outbox& out, std::vector<std::string>* status_reply = nullptr);
  // Runs a storage job the way kvnode's worker thread does: its disk time is not the step's.
  std::optional<node::SnapshotWritten> run_off_loop(const node::StorageJob& job);

  std::unique_ptr<node::NodeCore> core_;
  SimDisk* disk_;
  LogSink* logs_;
  std::vector<node::StorageJob> jobs_;  // snapshot writes in flight, by token - 1
  std::function<void(const NodeProcess&)> observer_;
  std::vector<node::ReadRound> reads_;
  bool recovered_unsynced_ = false;  // the recovery read bytes that were not durable
  bool synced_since_open_ = false;   // an fsync began since (it has returned outside its step)
  raft::Index recovered_floor_ = 0;  // the snapshot's last index at the recovery
  std::pair<raft::Term, raft::NodeId> synced_vote_;         // at the last fsync (or as recovered)
  std::pair<raft::Term, raft::NodeId> synced_vote_before_;  // at the fsync before that
  Outbox* current_ = nullptr;  // during end_step(): where the before-fsync outputs go
  raft::Index durable_last_ = ~raft::Index{0};
  raft::Index step_end_last_ = ~raft::Index{0};  // the log's last index when the last step ended
  std::optional<raft::Index> syncing_last_;  // the last index the step's current fsync makes durable
  Nanos current_now_ = 0;
};

}  // namespace sim
