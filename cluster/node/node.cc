#include "cluster/node/node.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <zmq.hpp>

#include "cluster/kv/command.h"
#include "cluster/kv/state_machine.h"
#include "cluster/node/json_log.h"
#include "cluster/node/pending.h"
#include "cluster/node/raft_codec.h"
#include "cluster/node/storage/disk_storage.h"
#include "cluster/node/storage/memory_storage.h"
#include "cluster/raft/raft.h"
#include "cluster/wire/frames.h"
#include "cluster/wire/zmq_io.h"
#include "common/clock.h"
#include "common/random.h"

namespace node {
namespace {

constexpr int kMaxDrainPerRound = 4096;   // messages taken from the socket before handling Ready
constexpr int kMaxReadyPerRound = 16;
constexpr size_t kMaxRequestBytes = 1 << 20;

common::Status check_data_dir(const std::string& dir) {
  struct stat st {};
  if (dir.empty()) return common::Status::invalid_argument("--data-dir: empty path");
  if (::stat(dir.c_str(), &st) != 0)
    return common::Status::not_found("data dir " + dir + ": " + std::strerror(errno));
  if (!S_ISDIR(st.st_mode)) return common::Status::invalid_argument("data dir " + dir + ": not a directory");
  std::string probe = dir + "/.kvnode-write-probe";
  {
    std::ofstream out(probe, std::ios::trunc);
    out << "probe";
    out.flush();
    if (!out) return common::Status::io_error("data dir " + dir + ": not writable");
  }
  ::unlink(probe.c_str());
  return common::Status::ok();
}

std::string read_context(uint64_t n) { return std::string(reinterpret_cast<const char*>(&n), sizeof n); }

}  // namespace

struct Node::Impl {
  NodeOptions opts;
  zmq::context_t* context;
  std::string name;  // our sender id, "n<id>"
  JsonLog log;
  zmq::socket_t router;
  std::map<raft::NodeId, zmq::socket_t> peers;
  storage::PosixFileSystem fs;  // outlives `store`, which points at it
  std::unique_ptr<storage::Storage> store;
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

  Impl(NodeOptions o, zmq::context_t* ctx)
      : opts(std::move(o)),
        context(ctx),
        name("n" + std::to_string(opts.id)),
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
  void observe_role();
  void send_raft(const raft::Message& m);
  void reply(const Waiter& w, wire::ReplyCode code, std::string value = {}, std::string error = {});
  void reply_all(std::vector<Waiter> ws, wire::ReplyCode code);
};

common::Status Node::Impl::start() {
  const wire::ClusterConfig& c = opts.cluster;
  const wire::NodeAddresses* self = c.find(opts.id);
  if (!self) {
    std::string ids;
    for (auto id : c.ids()) ids += (ids.empty() ? "" : ",") + std::to_string(id);
    return common::Status::invalid_argument("unknown node id " + std::to_string(opts.id) + " (" +
                                            c.path + " has ids " + ids + ")");
  }
  if (auto s = check_data_dir(opts.data_dir); !s) return s;
  storage::Recovered recovered;
  if (c.storage == wire::StorageMode::kMemory) {
    store = std::make_unique<storage::MemoryStorage>();
  } else {
    auto r = storage::DiskStorage::open(&fs, opts.data_dir, storage::DiskStorageOptions{}, &recovered);
    if (!r) return r.status();
    store = std::move(r.value());
  }
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
    s.set(zmq::sockopt::sndhwm, 10000);
    s.set(zmq::sockopt::immediate, 1);  // drop, don't queue, while the peer is unreachable
    s.set(zmq::sockopt::reconnect_ivl, 10);
    s.set(zmq::sockopt::reconnect_ivl_max, 100);
    s.set(zmq::sockopt::routing_id, name);
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
  zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0}};
  std::vector<std::string> parts;
  common::Status result;
  while (!stop.load(std::memory_order_relaxed)) {
    int64_t wait_ns = raft->has_ready() ? 0 : std::max<int64_t>(0, next_tick - clock.now_ns());
    try {
      zmq::poll(items, 1, std::chrono::milliseconds((wait_ns + 999999) / 1000000));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
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

void Node::Impl::handle(std::vector<std::string> parts) {
  auto f = wire::split_frames(std::move(parts));
  if (!f) return note_garbage("frames", f.status());
  switch (f->type) {
    case wire::MsgType::kRaft: return handle_raft(*f);
    case wire::MsgType::kClientRequest: return handle_client(std::move(*f));
    case wire::MsgType::kStatusRequest: return handle_status(*f);
    default:
      return note_garbage("frames", common::Status::invalid_argument(
                                        std::string("unexpected message type ") +
                                        wire::msg_type_name(f->type) + " from " + f->sender));
  }
}

void Node::Impl::note_garbage(const std::string& what, const common::Status& s) {
  // Logged, never fatal; a flood is sampled so it cannot fill the disk.
  ++garbage_count;
  if (garbage_count <= 20 || garbage_count % 1000 == 0)
    log.warn("dropped malformed message", {{"part", what}, {"error", s.message()}, {"count", garbage_count}});
}

void Node::Impl::handle_raft(const wire::Frames& f) {
  auto m = decode_raft_message(f.payload);
  if (!m) return note_garbage("raft payload", m.status());
  if (m->to != opts.id || !opts.cluster.find(m->from) || m->from == opts.id)
    return note_garbage("raft header", common::Status::invalid_argument(
                                           "message from " + std::to_string(m->from) + " to " +
                                           std::to_string(m->to) + " is not for this node"));
  if (auto s = raft->step(*m); !s) note_garbage("raft step", s);
}

void Node::Impl::handle_client(wire::Frames f) {
  Waiter w{std::move(f.envelope), std::move(f.sender), {}, clock.now_ns()};
  auto req = wire::decode_client_request(f.payload);
  if (!req) {
    note_garbage("client request", req.status());
    return reply(w, wire::ReplyCode::kError, {}, req.status().message());
  }
  w.request = std::move(*req);
  if (w.request.key.size() + w.request.value.size() > kMaxRequestBytes)
    return reply(w, wire::ReplyCode::kError, {}, "key and value exceed 1 MiB");
  const bool is_get = w.request.op == wire::OpKind::kGet;
  if (is_get && opts.cluster.read_mode == wire::ReadMode::kLocal)  // unsafe: may be stale
    return reply(w, wire::ReplyCode::kOk, kv.get(w.request.key));
  if (raft->role() != raft::Role::kLeader) return reply(w, wire::ReplyCode::kWrongLeader);
  if (is_get && opts.cluster.read_mode == wire::ReadMode::kReadIndex) {
    read_batch.push_back(std::move(w));
    return;
  }
  kv::Command cmd{static_cast<kv::Op>(w.request.op), w.request.client_id, w.request.seq,
                  w.request.key, w.request.value};
  raft::ProposeResult pr = raft->propose(kv::encode_command(cmd));
  if (!pr.accepted) return reply(w, wire::ReplyCode::kWrongLeader);
  if (auto displaced = pending.add_write(pr.index, pr.term, std::move(w)))
    reply(*displaced, wire::ReplyCode::kWrongLeader);
}

void Node::Impl::handle_status(const wire::Frames& f) {
  auto req = wire::decode_status_request(f.payload);
  if (!req) return note_garbage("status request", req.status());
  wire::StatusReply r;
  r.nonce = req->nonce;
  r.id = opts.id;
  r.role = raft::role_name(raft->role());
  r.term = raft->term();
  r.leader = raft->leader();
  r.commit_index = raft->commit_index();
  r.applied_index = applied;
  r.last_index = raft->last_index();
  r.log_bytes = store->log_bytes();
  r.snapshot_index = store->snapshot_index();
  r.snapshot_bytes = store->snapshot_bytes();
  wire::Frames out{f.envelope, name, wire::MsgType::kStatusReply, wire::encode(r)};
  wire::send_multipart(router, wire::join_frames(out));
}

void Node::Impl::flush_read_batch() {
  if (read_batch.empty()) return;
  std::vector<Waiter> batch = std::move(read_batch);
  read_batch.clear();
  std::string ctx = read_context(++read_counter);
  if (raft->role() != raft::Role::kLeader || !raft->read_index(ctx))
    return reply_all(std::move(batch), wire::ReplyCode::kWrongLeader);
  pending.add_read_batch(ctx, std::move(batch));
}

common::Status Node::Impl::process_ready() {
  raft::Ready rd = raft->ready();
  for (const auto& m : rd.messages) send_raft(m);  // in parallel with our own write (10.2.1)
  if (!rd.snapshot.empty())
    if (auto s = install_snapshot(rd.snapshot); !s) return s;
  // Like etcd's MustSync: new entries, a new term or a vote must be durable before anything that
  // depends on them is sent; a commit-index change alone need not be (commit is recoverable), so
  // it is only handed to the OS. This keeps the leader's commit advance off the fsync path.
  const bool must_sync = !rd.entries.empty() ||
                         (rd.has_hard_state && (rd.hard_state.term != synced_term ||
                                                rd.hard_state.vote != synced_vote));
  const bool dirty = !rd.entries.empty() || rd.has_hard_state;
  if (!rd.entries.empty())
    if (auto s = store->append(rd.entries); !s) return s;
  if (rd.has_hard_state)
    if (auto s = store->set_hard_state(rd.hard_state); !s) return s;
  if (dirty) {  // one fsync for the whole batch (group commit)
    common::Status s = must_sync && opts.cluster.fsync == wire::FsyncMode::kAlways ? store->sync()
                                                                                  : store->flush();
    if (!s) return s;
    if (rd.has_hard_state) {
      synced_term = rd.hard_state.term;
      synced_vote = rd.hard_state.vote;
    }
  }
  for (const auto& m : rd.messages_after_persist) send_raft(m);
  apply(rd.committed_entries);
  for (const auto& rs : rd.read_states) pending.read_confirmed(rs.context, rs.index);
  serve_reads();
  raft->advance();
  return common::Status::ok();
}

void Node::Impl::apply(const std::vector<raft::Entry>& entries) {
  for (const auto& e : entries) {
    if (e.index <= applied) continue;
    std::string value;
    bool ok = true;
    if (e.type == raft::EntryType::kNormal) {
      auto r = kv.apply(e.data);
      if (r) {
        value = std::move(r->value);
      } else {
        ok = false;  // every replica skips the same malformed command
        log.error("skipped malformed command", {{"index", e.index}, {"error", r.status().message()}});
      }
    }
    applied = e.index;
    applied_term = e.term;
    if (auto a = pending.take_write(e.index, e.term)) {
      if (!a->same_entry)
        reply(a->waiter, wire::ReplyCode::kWrongLeader);
      else if (!ok)
        reply(a->waiter, wire::ReplyCode::kError, {}, "malformed command");
      else
        reply(a->waiter, wire::ReplyCode::kOk,
              a->waiter.request.op == wire::OpKind::kGet ? std::move(value) : std::string());
    }
  }
}

void Node::Impl::serve_reads() {
  for (auto& w : pending.take_reads_ready(applied))
    reply(w, wire::ReplyCode::kOk, kv.get(w.request.key));
}

common::Status Node::Impl::install_snapshot(const raft::Snapshot& snapshot) {
  // The leader sent a state-machine image newer than our log: make it durable, then adopt it.
  if (auto s = store->save_snapshot(snapshot); !s) return s;
  if (auto s = kv.restore(snapshot.data); !s) return s;
  applied = snapshot.index;
  applied_term = snapshot.term;
  log.info("installed snapshot", {{"index", snapshot.index}, {"bytes", snapshot.data.size()}});
  return common::Status::ok();
}

common::Status Node::Impl::maybe_compact() {
  // issue 6: once the durable Raft state passes compaction_bytes, snapshot the state machine at the
  // applied index and drop the log through it. The core may keep more log than asked for (entries
  // a follower still needs); the store is then left alone until the core agrees, so a restarted
  // node always holds every entry the core may still have to send.
  const uint64_t limit = opts.cluster.compaction_bytes;
  if (limit == 0 || store->log_bytes() <= limit || applied <= store->snapshot_index()) return {};
  raft::Snapshot snap{applied, applied_term, opts.cluster.ids(), kv.serialize()};
  raft->compact(snap);
  if (raft->first_index() <= applied) return {};
  if (auto s = store->save_snapshot(snap); !s) return s;
  log.info("compacted", {{"index", snap.index}, {"snapshot_bytes", store->snapshot_bytes()},
                         {"log_bytes", store->log_bytes()}});
  return {};
}

void Node::Impl::observe_role() {
  raft::Role role = raft->role();
  raft::Term term = raft->term();
  raft::NodeId leader = raft->leader();
  if (role == last_role && term == last_term && leader == last_leader) return;
  const bool lost_leadership = last_role == raft::Role::kLeader &&
                               (role != raft::Role::kLeader || term != last_term);
  log.set_raft(term, raft::role_name(role));
  log.info("raft state changed", {{"leader", leader}, {"commit", raft->commit_index()},
                                  {"last_index", raft->last_index()}});
  last_role = role;
  last_term = term;
  last_leader = leader;
  if (lost_leadership) reply_all(pending.take_all(), wire::ReplyCode::kWrongLeader);
}

void Node::Impl::send_raft(const raft::Message& m) {
  auto it = peers.find(m.to);
  if (it == peers.end()) return;
  // Best effort: Raft tolerates loss, and a full queue means the peer is far behind or gone.
  wire::send_multipart(it->second, {name, std::string(1, char(wire::MsgType::kRaft)),
                                    encode_raft_message(m)});
}

void Node::Impl::reply(const Waiter& w, wire::ReplyCode code, std::string value, std::string error) {
  wire::ClientReply r;
  r.client_id = w.request.client_id;
  r.seq = w.request.seq;
  r.code = code;
  r.node_id = opts.id;
  r.leader_hint = code == wire::ReplyCode::kWrongLeader ? raft->leader() : 0;
  if (r.leader_hint == opts.id && raft->role() != raft::Role::kLeader) r.leader_hint = 0;
  r.value = std::move(value);
  r.error = std::move(error);
  wire::Frames out{w.envelope, name, wire::MsgType::kClientReply, wire::encode(r)};
  wire::send_multipart(router, wire::join_frames(out));
}

void Node::Impl::reply_all(std::vector<Waiter> ws, wire::ReplyCode code) {
  for (const auto& w : ws) reply(w, code);
}

Node::Node(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Node::~Node() = default;

common::Result<std::unique_ptr<Node>> Node::open(NodeOptions options, zmq::context_t* context) {
  auto impl = std::make_unique<Impl>(std::move(options), context);
  if (auto s = impl->start(); !s) return s;
  return std::unique_ptr<Node>(new Node(std::move(impl)));
}

common::Status Node::run(const std::atomic<bool>& stop) { return impl_->run(stop); }

std::string Node::bound_endpoint() const {
  return impl_->router.get(zmq::sockopt::last_endpoint);
}

}  // namespace node
