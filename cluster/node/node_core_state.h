#pragma once
// NodeCore::State: everything one NodeCore holds, shared by node_core.cc (open, time, outputs),
// node_core_requests.cc (messages in, replies out) and node_core_ready.cc (Ready handling, apply,
// snapshots and compaction, leadership changes). Private to cluster/node; one thread.
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/kv/state_machine.h"
#include "cluster/node/node_core.h"
#include "cluster/node/pending.h"
#include "cluster/node/storage/disk_storage.h"
#include "cluster/node/storage/storage.h"
#include "cluster/raft/raft.h"
#include "cluster/wire/frames.h"

namespace node {

struct NodeCore::State {
  NodeCoreOptions opts;
  storage::FileSystem* fs;
  std::string name;  // our sender id, "n<id>"
  std::unique_ptr<storage::Storage> store;
  storage::DiskStorage* disk = nullptr;  // `store` when it is on disk, for its superseded segments
  std::unique_ptr<raft::Raft> raft;
  kv::KvStateMachine kv;
  PendingRequests pending;
  std::vector<Waiter> read_batch;  // Gets gathered this round; one ReadIndex for all of them
  uint64_t read_counter = 0;
  raft::Index applied = 0;
  raft::Term applied_term = 0;  // term of entry `applied` (a snapshot needs it)
  raft::Role last_role = raft::Role::kFollower;
  raft::Term last_term = 0;
  raft::NodeId last_leader = raft::kNoNode;
  raft::Term synced_term = 0;  // term and vote last made durable (see process_ready)
  raft::NodeId synced_vote = raft::kNoNode;
  uint64_t garbage_count = 0;
  uint64_t forged_count = 0;  // Raft messages whose connection was not the member named in `from`
  int64_t now_ns = 0;    // the latest time an input brought
  bool ticking = false;  // next_tick_ns is set (by the first tick())
  int64_t next_tick_ns = 0;
  bool snapshot_in_flight = false;  // a kWriteSnapshot job is out, its outcome not yet back
  // A Ready whose snapshot could not be installed while our own snapshot write was in flight (both
  // write the same file): the rest of it is handled when that write has finished.
  std::optional<raft::Ready> blocked_ready;
  common::Status failure;
  Outbox out;
  std::function<void()> before_sync;
  // The Raft fields stamped on log lines.
  uint64_t log_term = 0;
  const char* log_role = "follower";

  explicit State(NodeCoreOptions o, storage::FileSystem* f)
      : opts(std::move(o)),
        fs(f),
        name(std::string("n").append(std::to_string(opts.id))),
        kv(opts.cluster.dedup) {}

  int64_t tick_ns() const { return int64_t(opts.cluster.tick_ms) * 1000000; }

  // node_core.cc
  void log(LogLevel level, std::string msg, nlohmann::json fields = {});
  void fail(const common::Status& s);
  // node_core_requests.cc
  void handle(std::vector<std::string> parts, const std::string& connection);
  void handle_raft(const wire::Frames& f, const std::string& connection);
  void handle_client(wire::Frames f);
  void handle_status(const wire::Frames& f);
  void note_garbage(const std::string& what, const common::Status& s);
  void flush_read_batch();
  void send_raft(const raft::Message& m);
  // `value` is only read during the call (encoded into the reply at once).
  void reply(const Waiter& w, wire::ReplyCode code, std::string_view value = {},
             std::string error = {});
  void reply_all(std::vector<Waiter> ws, wire::ReplyCode code);
  // node_core_ready.cc
  common::Status process_ready();
  common::Status finish_ready(raft::Ready& rd);  // the part after the snapshot is installed
  common::Status sync_store();
  void apply(const std::vector<raft::Entry>& entries);
  void serve_reads();
  common::Status install_snapshot(const raft::Snapshot& snapshot);
  void maybe_compact();
  common::Status finish_compaction(SnapshotWritten done);
  void observe_role();
  void remove_superseded();
};

}  // namespace node
