#include "cluster/node/node.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "cluster/node/node_impl.h"
#include "cluster/node/storage/memory_storage.h"
#include "cluster/wire/zmq_io.h"
#include "common/random.h"

namespace node {
namespace {

constexpr int kMaxDrainPerRound = 4096;  // messages taken from the socket before handling Ready
constexpr int kMaxReadyPerRound = 16;

common::Status check_data_dir(const std::string& dir) {
  struct stat st {};
  if (dir.empty()) return common::Status::invalid_argument("--data-dir: empty path");
  if (::stat(dir.c_str(), &st) != 0)
    return common::Status::not_found("data dir " + dir + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode))
    return common::Status::invalid_argument("data dir " + dir + ": not a directory");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)  // writes nothing: the dir may be another's
    return common::Status::io_error("data dir " + dir + ": not writable: " + std::strerror(errno));
  return common::Status::ok();
}

}  // namespace

common::Status Node::Impl::start() {
  const wire::ClusterConfig& c = opts.cluster;
  const wire::NodeAddresses* self = c.find(opts.id);
  if (!self) {
    std::string ids;
    for (auto id : c.ids()) {
      if (!ids.empty()) ids += ',';
      ids += std::to_string(id);
    }
    return common::Status::invalid_argument("unknown node id " + std::to_string(opts.id) + " (" +
                                            c.path + " has ids " + ids + ")");
  }
  if (c.security == wire::Security::kCurve)  // wire/curve.h has the pieces; the loop needs them
    return common::Status::invalid_argument(c.path + ": security: curve is not wired in yet");
  if (auto s = check_data_dir(opts.data_dir); !s) return s;
  storage::Recovered recovered;
  if (c.storage == wire::StorageMode::kMemory) {
    store = std::make_unique<storage::MemoryStorage>();
  } else {
    storage::DiskStorageOptions disk_options;
    disk_options.defer_segment_removal = true;  // the snapshot worker unlinks them
    disk_options.cluster_id = c.cluster_id;     // the data dir's lock and identity (issue 14)
    disk_options.node_id = opts.id;
    auto r = storage::DiskStorage::open(&fs, opts.data_dir, disk_options, &recovered);
    if (!r) return r.status();
    disk = r.value().get();
    store = std::move(r.value());
  }
  snapshot_worker = std::make_unique<SnapshotWorker>(
      store->snapshot_file_writer(), [fs = &fs](const std::string& path) { fs->remove(path); });
  for (const auto& w : recovered.warnings) log.warn("storage recovery", {{"note", w}});
  raft::Config rc;
  rc.id = opts.id;
  rc.voters = c.ids();
  rc.election_tick_min = std::max(1, c.election_timeout_min_ms / c.tick_ms);
  rc.election_tick_max = std::max(rc.election_tick_min, c.election_timeout_max_ms / c.tick_ms);
  rc.heartbeat_tick = std::max(1, c.heartbeat_ms / c.tick_ms);
  rc.seed = opts.seed ? opts.seed : common::hash64(name) ^ uint64_t(clock.now_ns());
  const raft::RestoredState& restored = recovered.state;
  raft = std::make_unique<raft::Raft>(rc, restored);
  applied = restored.snapshot.index;
  applied_term = restored.snapshot.term;
  synced_term = restored.hard_state.term;
  synced_vote = restored.hard_state.vote;
  if (!restored.snapshot.empty() && !restored.snapshot.data.empty())
    if (auto s = kv.restore(restored.snapshot.data); !s) return s;

  router.set(zmq::sockopt::linger, 0);
  wire::limit_message_size(router, c.max_message_bytes);
  router.set(zmq::sockopt::rcvhwm, 100000);
  router.set(zmq::sockopt::sndhwm, 100000);
  try {
    router.bind(self->listen);
  } catch (const zmq::error_t& e) {
    return common::Status::unavailable("cannot bind " + self->listen + ": " + e.what());
  }
  for (auto peer : c.ids()) {
    if (peer == opts.id) continue;
    zmq::socket_t s(*context, zmq::socket_type::dealer);
    s.set(zmq::sockopt::linger, 0);
    wire::limit_message_size(s, c.max_message_bytes);
    s.set(zmq::sockopt::sndhwm, 10000);
    s.set(zmq::sockopt::immediate, 1);  // drop, don't queue, while the peer is unreachable
    s.set(zmq::sockopt::reconnect_ivl, 10);
    s.set(zmq::sockopt::reconnect_ivl_max, 100);
    std::string addr = c.peer_address(opts.id, peer);
    try {
      s.connect(addr);
    } catch (const zmq::error_t& e) {
      return common::Status::invalid_argument("cannot connect to node " + std::to_string(peer) +
                                              " at " + addr + ": " + e.what());
    }
    peers.emplace(peer, std::move(s));
  }
  log.set_raft(raft->term(), raft::role_name(raft->role()));
  last_term = raft->term();
  log.info("started", {{"listen", router.get(zmq::sockopt::last_endpoint)},
                       {"last_index", raft->last_index()},
                       {"commit", raft->commit_index()},
                       {"read_mode", wire::read_mode_name(c.read_mode)},
                       {"unsafe", c.unsafe_settings()}});
  return common::Status::ok();
}

common::Status Node::Impl::run(const std::atomic<bool>& stop) {
  const int64_t tick = tick_ns();
  const int64_t max_pending_age = 2 * int64_t(opts.cluster.election_timeout_max_ms) * 1000000;
  int64_t next_tick = clock.now_ns() + tick;
  zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0},
                             {nullptr, snapshot_worker->wake_fd(), ZMQ_POLLIN, 0}};
  std::vector<std::string> parts;
  common::Status result;
  while (!stop.load(std::memory_order_relaxed)) {
    int64_t wait_ns = raft->has_ready() ? 0 : std::max<int64_t>(0, next_tick - clock.now_ns());
    try {
      zmq::poll(items, 2, std::chrono::milliseconds((wait_ns + 999999) / 1000000));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
    }
    if (items[1].revents & ZMQ_POLLIN) {
      if (auto done = snapshot_worker->take_done()) result = finish_compaction(std::move(*done));
      if (!result) break;
    }
    for (int i = 0; i < kMaxDrainPerRound && wire::recv_multipart(router, &parts); ++i)
      handle(std::move(parts));
    int64_t now = clock.now_ns();
    if (now >= next_tick) {
      raft->tick();
      next_tick += tick;
      if (now >= next_tick) next_tick = now + tick;  // a stall is not made up with a burst of ticks
      reply_all(pending.take_expired(now, max_pending_age), wire::ReplyCode::kRetry);
      result = maybe_compact();
      if (!result) break;
    }
    flush_read_batch();
    for (int i = 0; i < kMaxReadyPerRound && raft->has_ready(); ++i) {
      result = process_ready();
      if (!result) break;
    }
    if (!result) break;
    observe_role();
  }
  if (!result) log.error("stopping: cannot keep durable state", {{"error", result.message()}});
  if (result) {
    result = store->sync();  // clean shutdown: everything queued is made durable
    if (!result) log.error("final sync failed", {{"error", result.message()}});
  }
  log.info("stopped");
  return result;
}

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Node::~Node() = default;

common::Result<std::unique_ptr<Node>> Node::open(NodeOptions options, zmq::context_t* context) {
  auto impl = std::make_unique<Impl>(std::move(options), context);
  if (auto s = impl->start(); !s) return s;
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

common::Status Node::run(const std::atomic<bool>& stop) { return impl_->run(stop); }

std::string Node::bound_endpoint() const { return impl_->router.get(zmq::sockopt::last_endpoint); }

}  // namespace node
