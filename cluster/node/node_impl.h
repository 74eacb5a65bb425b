#pragma once
// Node::Impl: the state of one kvnode's event loop, shared by node.cc (start, loop),
// node_requests.cc (messages in, replies out) and node_ready.cc (Ready handling, apply,
// compaction). Private to cluster/node; used only by the loop's thread.
#include <map>
#include <memory>
#include <string>
#include <vector>
#include <zmq.hpp>

#include "cluster/kv/state_machine.h"
#include "cluster/node/json_log.h"
#include "cluster/node/node.h"
#include "cluster/node/pending.h"
#include "cluster/node/snapshot_worker.h"
#include "cluster/node/storage/disk_storage.h"
#include "cluster/node/storage/power_cut_file_system.h"
#include "cluster/node/storage/storage.h"
#include "cluster/raft/raft.h"
#include "cluster/wire/frames.h"
#include "common/clock.h"

namespace node {

struct Node::Impl {
  NodeOptions opts;
  zmq::context_t* context;
  std::string name;  // our sender id, "n<id>"
  JsonLog log;
  zmq::socket_t router;
  std::map<raft::NodeId, zmq::socket_t> peers;
  storage::PosixFileSystem disk_fs;
  storage::PowerCutFileSystem power_cut_fs{&disk_fs};
  storage::FileSystem& fs = opts.power_cut_storage  // outlives `store`, which points at it
                                ? static_cast<storage::FileSystem&>(power_cut_fs)
                                : disk_fs;
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
  common::SteadyClock clock;
  double compact_loop_ms = 0;  // loop time spent on the compaction in flight (serialize, submit)
  // Declared after `store` and `fs`: destroyed (its write finished, its thread joined) first.
  std::unique_ptr<SnapshotWorker> snapshot_worker;

  Impl(NodeOptions o, zmq::context_t* ctx)
      : opts(std::move(o)),
        context(ctx),
        name(std::string("n").append(std::to_string(opts.id))),
        log(opts.id),
        router(*ctx, zmq::socket_type::router),
        kv(opts.cluster.dedup) {}

  int64_t tick_ns() const { return int64_t(opts.cluster.tick_ms) * 1000000; }

  common::Status start();
  common::Status run(const std::atomic<bool>& stop);
  void handle(std::vector<std::string> parts);
  void handle_raft(const wire::Frames& f);
  void handle_client(wire::Frames f);
  void handle_status(const wire::Frames& f);
  void note_garbage(const std::string& what, const common::Status& s);
  void flush_read_batch();
  common::Status process_ready();
  void apply(const std::vector<raft::Entry>& entries);
  void serve_reads();
  common::Status install_snapshot(const raft::Snapshot& snapshot);
  common::Status maybe_compact();
  common::Status finish_compaction(SnapshotWorker::Done done);
  void observe_role();
  void send_raft(const raft::Message& m);
  void reply(const Waiter& w, wire::ReplyCode code, std::string value = {}, std::string error = {});
  void reply_all(std::vector<Waiter> ws, wire::ReplyCode code);
};

}  // namespace node
