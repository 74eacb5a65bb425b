#pragma once
// NodeCore: the whole logic of one kvnode — a Raft member, its KV state machine, its durable state
// and the client requests it is answering — with no I/O of its own (sans-I/O, like cluster/raft).
// Two drivers run it: kvnode's event loop (ZeroMQ sockets, poll, the real disk, the snapshot
// worker thread; node.cc) and a simulation (simulated network, disk and time, one thread).
//
// Inputs:  receive()  a message exactly as the node's ROUTER delivers it (routing frames, sender,
//                     type, payload): the wire codec runs inside the core in both drivers;
//          tick()     the time (the core ticks Raft when a tick is due, expires requests, starts
//                     compactions); it never reads a clock;
//          on_snapshot_written()  the outcome of a StorageJob::kWriteSnapshot.
// Then flush() ends the round: one ReadIndex for the Gets gathered, Ready processing (log and hard
// state written and synced through storage::Storage on the injected FileSystem), apply, replies,
// role observation. Outputs are drained with take_outbox(): frames to send (to a peer's DEALER or
// back through the ROUTER to a client), storage jobs for the driver to run off the loop (kvnode:
// on the SnapshotWorker thread; a simulation: inline or after a simulated delay, with
// run_storage_job()), and log lines.
//
// Randomness comes only from options.seed; the core starts no thread. A node that cannot write
// its durable state stops (fail-stop): failure() turns non-ok, the core ignores further input, and
// the driver must exit. Owned by one thread; not thread-safe.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/node/log_line.h"
#include "cluster/node/storage/file_system.h"
#include "cluster/raft/types.h"
#include "cluster/wire/cluster_config.h"
#include "common/status.h"

namespace node {

struct NodeCoreOptions {
  wire::ClusterConfig cluster;
  uint64_t id = 0;
  std::string data_dir;  // on `fs` (NodeCore::open); unused with `storage: memory`
  uint64_t seed = 1;     // Raft's election randomization (kvnode: from the id and the clock)
  // Raft size limits (0: Raft's default), so a simulation can vary them (swarm testing): an append
  // split over many messages, a snapshot sent in many chunks.
  uint64_t max_msg_bytes = 0;
  uint64_t max_inflight_bytes = 0;
  uint64_t max_snapshot_chunk = 0;
  uint64_t segment_bytes = 0;  // log segment size on disk (0: the storage default)
};

// One message for the driver to send. to_node != 0: a Raft message for that peer (frames are
// [sender][type][payload], for the DEALER connected to it). to_node == 0: a reply to a client
// (frames start with the routing frames the request came with, for the ROUTER).
struct Outgoing {
  raft::NodeId to_node = raft::kNoNode;
  std::vector<std::string> frames;
};

// Work on the disk that the core hands to its driver so the event loop keeps serving meanwhile.
struct StorageJob {
  enum class Kind {
    kWriteSnapshot,  // write `snapshot` crash-safely; report with on_snapshot_written()
    kRemoveFiles,    // unlink `paths` (superseded log segments); no report, failures harmless
  };
  Kind kind = Kind::kWriteSnapshot;
  raft::Snapshot snapshot;
  std::vector<std::string> paths;
};

// The outcome of a kWriteSnapshot job.
struct SnapshotWritten {
  raft::Snapshot snapshot;  // the job's snapshot, data included
  common::Status status;    // not ok: the node fail-stops
  uint64_t file_bytes = 0;  // size of the file when ok
  double write_ms = 0;      // time the write took, for the log (0 if the driver does not know)
};

// A ReadIndex round of this node as leader, reported for a simulation's checks (kvnode's driver
// drops them): `confirmed` false when a batch of Gets was handed to Raft under `context`, true when
// Raft released `context` at read index `index` (the Gets are then served once applied >= index).
struct ReadRound {
  std::string context;
  bool confirmed = false;
  raft::Index index = 0;
};

struct Outbox {
  std::vector<Outgoing> messages;
  std::vector<StorageJob> jobs;
  std::vector<LogLine> logs;
  std::vector<ReadRound> reads;  // observation only: not work for the driver (empty() ignores it)
  bool empty() const { return messages.empty() && jobs.empty() && logs.empty(); }
};

class NodeCore {
 public:
  // Checks the options (known id), opens and recovers the durable state in options.data_dir on `fs`
  // (or an empty MemoryStorage with `storage: memory`) and restores the state machine from its
  // snapshot. Errors are one-line Statuses (unknown id, corrupt log naming file and offset).
  // `fs` must outlive the core; it may be shared with the driver's storage jobs.
  static common::Result<std::unique_ptr<NodeCore>> open(NodeCoreOptions options,
                                                        storage::FileSystem* fs);
  ~NodeCore();
  NodeCore(const NodeCore&) = delete;
  NodeCore& operator=(const NodeCore&) = delete;

  // Logs the "started" line (the driver knows where it listens).
  void started(const std::string& listen);

  // --- inputs -----------------------------------------------------------------------------------
  // One message as a ROUTER delivers it: [routing frames...][sender][type][payload]. Malformed
  // messages are logged (sampled) and dropped; a malformed client request is answered kError.
  // `connection`: who the transport says sent it — the authenticated user id of its connection
  // ("n<id>" for a member's key, "client" for the client key, under `security: curve`), empty when
  // the transport cannot tell. A Raft message from a known connection that is not the member it
  // names in `from` is refused, counted (forged_refused()) and logged (sampled).
  void receive(std::vector<std::string> frames, int64_t now_ns, const std::string& connection = {});
  // Raft messages refused because their connection was not the member they named.
  uint64_t forged_refused() const;
  // Time has reached now_ns: ticks Raft once if a tick is due (a stall is not made up with a burst
  // of ticks), expires requests a leader could not finish, and may start a compaction.
  void tick(int64_t now_ns);
  // The outcome of the kWriteSnapshot job in flight.
  void on_snapshot_written(SnapshotWritten done);
  // Ends a round of inputs: batches the gathered Gets into one ReadIndex, handles up to
  // `max_ready` Raft Ready batches (durable writes, messages, apply, replies), observes the role.
  void flush(int max_ready = 16);

  // --- outputs ----------------------------------------------------------------------------------
  Outbox take_outbox();
  // Called (if set) just before the core blocks on a durable write, so a driver can send what is
  // already queued: the messages Raft lets go out in parallel with that write (thesis 10.2.1).
  void set_before_sync(std::function<void()> hook);

  // When tick() is next due, and whether flush() has work left now (the driver should not sleep).
  int64_t next_tick_ns() const;
  bool has_work() const;
  // Non-ok once the node cannot keep its durable state: the driver must stop.
  const common::Status& failure() const;
  // Clean shutdown: makes everything queued durable (not with a failed store).
  common::Status close();

  // --- storage jobs, for a driver that runs them inline (a simulation)
  // ----------------------------- Runs `job` on the core's FileSystem; kWriteSnapshot returns its
  // outcome for on_snapshot_written.
  std::optional<SnapshotWritten> run_storage_job(const StorageJob& job);
  // The function a kWriteSnapshot job runs: safe on another thread if the FileSystem is (kvnode's
  // SnapshotWorker runs it there), while the core goes on. Files are removed with file_system().
  std::function<common::Result<uint64_t>(const raft::Snapshot&)> snapshot_file_writer();
  storage::FileSystem* file_system() const;

  // --- observation (tests, simulations, the status reply) ---------------------------------------
  uint64_t id() const;
  raft::Role role() const;
  raft::Term term() const;
  raft::NodeId vote() const;  // whom this node voted for in its term (kNoNode: nobody yet)
  raft::NodeId leader() const;
  raft::Index commit_index() const;
  raft::Index applied_index() const;
  raft::Index last_index() const;
  raft::Index first_index() const;  // first index still in the log (after the snapshot)
  // The term of the log entry at `index` (nullopt: compacted or past the log), for the
  // simulation's cluster-wide invariant checks.
  std::optional<raft::Term> log_term(raft::Index index) const;
  // CRC-32C of the state machine image (equal on replicas that applied the same entries).
  uint32_t state_digest() const;
  size_t pending_requests() const;

 private:
  struct State;
  explicit NodeCore(std::unique_ptr<State> state);

  std::unique_ptr<State> s_;
};

}  // namespace node
