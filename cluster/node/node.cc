// Node: kvnode's driver of NodeCore. It owns the ZeroMQ sockets, the real disk (PosixFileSystem,
// or PowerCutFileSystem over it with --power-cut-storage), the snapshot worker thread and the
// clock; it moves messages, time and storage completions into the core and the core's outputs
// out. Every decision is the core's (node_core.h).
#include "cluster/node/node.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <zmq.hpp>

#include "cluster/node/json_log.h"
#include "cluster/node/node_core.h"
#include "cluster/node/snapshot_worker.h"
#include "cluster/node/storage/file_system.h"
#include "cluster/node/storage/power_cut_file_system.h"
#include "cluster/wire/curve.h"
#include "cluster/wire/zmq_io.h"
#include "common/clock.h"
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

struct Node::Impl {
  NodeOptions opts;
  zmq::context_t* context;
  JsonLog log;
  common::SteadyClock clock;
  // `security: curve`: the cluster's keys and the ZAP handler admitting them; created before the
  // ROUTER binds. Null without CURVE.
  std::optional<wire::CurveKeys> curve;
  std::unique_ptr<wire::CurveAuthenticator> auth;
  zmq::socket_t router;
  // The ROUTER's dropped connections and failed handshakes: all a node can count of the frames
  // over max_message_bytes it refused (wire::ConnectionEvents says why).
  std::unique_ptr<wire::ConnectionEvents> router_events;
  std::map<raft::NodeId, zmq::socket_t> peers;
  storage::PosixFileSystem disk_fs;
  storage::PowerCutFileSystem power_cut_fs{&disk_fs};
  storage::FileSystem& fs = opts.power_cut_storage  // outlives `core` and the worker, which use it
                                ? static_cast<storage::FileSystem&>(power_cut_fs)
                                : disk_fs;
  std::unique_ptr<NodeCore> core;
  // Declared after `core` and `fs`: destroyed (its write finished, its thread joined) first.
  std::unique_ptr<SnapshotWorker> snapshot_worker;

  Impl(NodeOptions o, zmq::context_t* ctx)
      : opts(std::move(o)), context(ctx), log(opts.id), router(*ctx, zmq::socket_type::router) {}

  common::Status start();
  common::Status open_sockets(const wire::NodeAddresses& self);
  common::Status run(const std::atomic<bool>& stop, const std::atomic<bool>* power_cut);
  void send_outputs();
  [[noreturn]] void cut_power_torn();
  uint64_t seed = 0;  // the core's seed (also the torn write's)
};

common::Status Node::Impl::start() {
  const wire::ClusterConfig& c = opts.cluster;
  const wire::NodeAddresses* self = c.find(opts.id);
  if (self && c.security == wire::Security::kCurve) {
    auto keys = wire::load_curve_keys(
        c.curve_keys_dir, std::string("n").append(std::to_string(opts.id)), c.ids());
    if (!keys)
      return common::Status::invalid_argument(c.path + ": security: curve: " +
                                              keys.status().message());
    curve = std::move(keys.value());
  }
  if (self) {  // an unknown id is the core's error to report
    if (auto s = check_data_dir(opts.data_dir); !s) return s;
  }
  NodeCoreOptions co;
  co.cluster = c;
  co.id = opts.id;
  co.data_dir = opts.data_dir;
  co.seed = opts.seed ? opts.seed
                      : common::hash64(std::string("n").append(std::to_string(opts.id))) ^
                            uint64_t(clock.now_ns());
  seed = co.seed;
  auto r = NodeCore::open(std::move(co), &fs);
  if (!r) return r.status();
  core = std::move(r.value());
  core->set_before_sync([this] { send_outputs(); });
  snapshot_worker = std::make_unique<SnapshotWorker>(
      core->snapshot_file_writer(), [fs = &fs](const std::string& path) { fs->remove(path); });
  send_outputs();  // recovery notes
  if (auto s = open_sockets(*self); !s) return s;
  core->started(router.get(zmq::sockopt::last_endpoint));
  send_outputs();
  return common::Status::ok();
}

// All socket setup in one place: the ROUTER everything arrives on, one DEALER per peer.
common::Status Node::Impl::open_sockets(const wire::NodeAddresses& self) {
  const wire::ClusterConfig& c = opts.cluster;
  if (curve) {
    try {  // the ZAP endpoint must exist before a CURVE server binds
      auth = std::make_unique<wire::CurveAuthenticator>(
          *context, wire::CurveAuthenticator::cluster_members(*curve));
    } catch (const zmq::error_t& e) {
      return common::Status::unavailable(std::string("CURVE authenticator: ") + e.what());
    }
    wire::apply_curve_server(router, curve->own);
  }
  router.set(zmq::sockopt::linger, 0);
  wire::limit_message_size(router, c.max_message_bytes);
  try {
    router_events = std::make_unique<wire::ConnectionEvents>(*context, router);
  } catch (const zmq::error_t& e) {
    return common::Status::unavailable(std::string("socket monitor: ") + e.what());
  }
  router.set(zmq::sockopt::rcvhwm, 100000);
  router.set(zmq::sockopt::sndhwm, 100000);
  try {
    router.bind(self.listen);
  } catch (const zmq::error_t& e) {
    return common::Status::unavailable("cannot bind " + self.listen + ": " + e.what());
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
    if (curve) wire::apply_curve_client(s, curve->own, curve->node_public.at(peer));
    std::string addr = c.peer_address(opts.id, peer);
    try {
      s.connect(addr);
    } catch (const zmq::error_t& e) {
      return common::Status::invalid_argument("cannot connect to node " + std::to_string(peer) +
                                              " at " + addr + ": " + e.what());
    }
    peers.emplace(peer, std::move(s));
  }
  return common::Status::ok();
}

void Node::Impl::send_outputs() {
  Outbox out = core->take_outbox();
  for (const LogLine& line : out.logs) log.write(line);
  for (const Outgoing& m : out.messages) {
    // Best effort: Raft tolerates loss, and a full queue means the peer is far behind or gone.
    if (m.to_node == raft::kNoNode) {
      wire::send_multipart(router, m.frames);
    } else if (auto it = peers.find(m.to_node); it != peers.end()) {
      wire::send_multipart(it->second, m.frames);
    }
  }
  for (StorageJob& job : out.jobs) {
    if (job.kind == StorageJob::Kind::kWriteSnapshot)
      snapshot_worker->submit(std::move(job.snapshot));
    else
      snapshot_worker->remove_files(std::move(job.paths));
  }
}

void Node::Impl::cut_power_torn() {
  // Where the tear falls: from the node's seed and how much is pending (so successive cuts of one
  // node differ), never from the clock.
  const uint64_t pending = power_cut_fs.unsynced_bytes();
  common::Rng rng(seed ^ common::hash64("power-cut") ^ (pending * 0x9E3779B97F4A7C15ull));
  auto torn = power_cut_fs.tear_last(rng.next_u64());
  if (!torn) {
    log.warn("power cut: the torn write failed", {{"error", torn.status().message()}});
  } else if (torn->path.empty()) {
    // The loop takes the signal between rounds, after a round's sync: with fsync: always there is
    // usually nothing pending.
    log.warn("power cut: nothing unsynced to tear");
  } else {
    log.warn("power cut: tore the last unsynced write",
             {{"file", torn->path}, {"kept_bytes", torn->kept},
              {"lost_bytes", pending - torn->kept}});
  }
  std::fflush(nullptr);
  std::_Exit(Node::kPowerCutExit);  // no destructor runs: nothing else reaches the disk
}

common::Status Node::Impl::run(const std::atomic<bool>& stop, const std::atomic<bool>* power_cut) {
  zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0},
                             {nullptr, snapshot_worker->wake_fd(), ZMQ_POLLIN, 0},
                             {router_events->socket().handle(), 0, ZMQ_POLLIN, 0},
                             {auth ? auth->socket().handle() : nullptr, -1, ZMQ_POLLIN, 0}};
  const int num_items = auth ? 4 : 3;
  uint64_t dropped_logged = 0;
  std::vector<std::string> parts;
  std::string connection;
  uint64_t refused_logged = 0;
  core->tick(clock.now_ns());  // starts the tick schedule
  while (!stop.load(std::memory_order_relaxed) && core->failure()) {
    if (power_cut && opts.power_cut_storage && power_cut->load(std::memory_order_relaxed))
      cut_power_torn();
    int64_t wait_ns =
        core->has_work() ? 0 : std::max<int64_t>(0, core->next_tick_ns() - clock.now_ns());
    try {
      zmq::poll(items, num_items, std::chrono::milliseconds((wait_ns + 999999) / 1000000));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
    }
    if (items[1].revents & ZMQ_POLLIN) {
      if (auto done = snapshot_worker->take_done())
        core->on_snapshot_written(SnapshotWritten{std::move(done->snapshot), done->status,
                                                  done->file_bytes, done->write_ms});
    }
    if ((items[2].revents & ZMQ_POLLIN) && router_events->drain().disconnected > 0) {
      // A peer or client that went away, or a connection libzmq dropped for a frame over
      // max_message_bytes or a protocol error: 4.3 does not say which. Sampled like the others.
      const uint64_t n = router_events->total().disconnected;
      if (n <= 20 || n / 1000 != dropped_logged / 1000) {
        log.info("connection dropped (closed by the peer, or a frame over max_message_bytes or a "
                 "protocol error: libzmq does not say which)",
                 {{"dropped", n}, {"handshakes_failed", router_events->total().handshake_failed}});
        dropped_logged = n;
      }
    }
    if (auth && (items[3].revents & ZMQ_POLLIN) && auth->handle_pending() > 0) {
      // Connections without a key of this cluster; logged sampled so a flood cannot fill the disk.
      const uint64_t n = auth->refused();
      if (n <= 20 || n / 1000 != refused_logged / 1000) {
        log.warn("refused a connection without a key of this cluster", {{"refused", n}});
        refused_logged = n;
      }
    }
    int64_t now = clock.now_ns();
    for (int i = 0; i < kMaxDrainPerRound && wire::recv_multipart(router, &parts, &connection); ++i)
      core->receive(std::move(parts), now, curve ? connection : std::string());
    core->tick(clock.now_ns());
    core->flush(kMaxReadyPerRound);
    send_outputs();
  }
  common::Status result = core->failure();
  if (result) result = core->close();
  send_outputs();
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

common::Status Node::run(const std::atomic<bool>& stop, const std::atomic<bool>* power_cut) {
  return impl_->run(stop, power_cut);
}

std::string Node::bound_endpoint() const { return impl_->router.get(zmq::sockopt::last_endpoint); }

}  // namespace node
