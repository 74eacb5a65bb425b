// NodeCore: opening (recovery from storage), the public inputs and outputs, observation.
#include "cluster/node/node_core.h"

#include <algorithm>

#include "cluster/node/node_core_state.h"
#include "cluster/node/storage/memory_storage.h"

namespace node {

void NodeCore::State::log(LogLevel level, std::string msg, nlohmann::json fields) {
  out.logs.push_back(LogLine{level, std::move(msg), std::move(fields), log_term, log_role});
}

void NodeCore::State::fail(const common::Status& s) {
  if (!failure) return;  // the first cause is the one reported
  failure = s;
  log(LogLevel::kError, "stopping: cannot keep durable state", {{"error", s.message()}});
}

common::Result<std::unique_ptr<NodeCore>> NodeCore::open(NodeCoreOptions options,
                                                         storage::FileSystem* fs) {
  const wire::ClusterConfig& c = options.cluster;
  if (!c.find(options.id)) {
    std::string ids;
    for (auto id : c.ids()) {
      if (!ids.empty()) ids += ',';
      ids += std::to_string(id);
    }
    return common::Status::invalid_argument("unknown node id " + std::to_string(options.id) + " (" +
                                            c.path + " has ids " + ids + ")");
  }
  auto s = std::make_unique<State>(std::move(options), fs);
  const NodeCoreOptions& o = s->opts;
  storage::Recovered recovered;
  if (c.storage == wire::StorageMode::kMemory) {
    s->store = std::make_unique<storage::MemoryStorage>();
  } else {
    storage::DiskStorageOptions disk_options;
    disk_options.defer_segment_removal = true;  // removed by a kRemoveFiles job, off the loop
    disk_options.cluster_id = c.cluster_id;     // the data dir's lock and identity (issue 14)
    disk_options.node_id = o.id;
    if (o.segment_bytes) disk_options.segment_bytes = o.segment_bytes;
    auto r = storage::DiskStorage::open(fs, o.data_dir, disk_options, &recovered);
    if (!r) return r.status();
    s->disk = r.value().get();
    s->store = std::move(r.value());
  }
  for (const auto& w : recovered.warnings)
    s->log(LogLevel::kWarn, "storage recovery", {{"note", w}});
  const wire::ClusterConfig& cc = o.cluster;
  raft::Config rc;
  rc.id = o.id;
  rc.voters = cc.ids();
  rc.election_tick_min = std::max(1, cc.election_timeout_min_ms / cc.tick_ms);
  rc.election_tick_max = std::max(rc.election_tick_min, cc.election_timeout_max_ms / cc.tick_ms);
  rc.heartbeat_tick = std::max(1, cc.heartbeat_ms / cc.tick_ms);
  rc.seed = o.seed;
  rc.pre_vote = cc.pre_vote;
  rc.check_quorum = cc.check_quorum;
  if (o.max_msg_bytes) rc.max_msg_bytes = o.max_msg_bytes;
  if (o.max_inflight_bytes) rc.max_inflight_bytes = o.max_inflight_bytes;
  if (o.max_snapshot_chunk) rc.max_snapshot_chunk = o.max_snapshot_chunk;
  raft::RestoredState& restored = recovered.state;
  s->synced_term = restored.hard_state.term;  // what the disk holds (a raised term is not on it)
  s->synced_vote = restored.hard_state.vote;
  {
    // A batch is written as its entries, then its hard state, then one fsync; a power cut that
    // tears it in between leaves entries of a term the hard state never reached. They were never
    // fsynced, so never acknowledged, and no vote in that term went out (votes wait for the
    // sync): adopting the term with no vote is safe, and Raft's restore requires it.
    const raft::Term last_term =
        restored.entries.empty() ? restored.snapshot.term : restored.entries.back().term;
    if (last_term > restored.hard_state.term) {
      s->log(LogLevel::kWarn, "storage recovery",
             {{"note", "the log's last entry has term " + std::to_string(last_term) +
                           " but the hard state only term " +
                           std::to_string(restored.hard_state.term) +
                           " (a batch torn between its entries and its hard state): term raised, "
                           "no vote"}});
      restored.hard_state.term = last_term;
      restored.hard_state.vote = raft::kNoNode;
    }
  }
  s->raft = std::make_unique<raft::Raft>(rc, restored);
  s->applied = restored.snapshot.index;
  s->applied_term = restored.snapshot.term;
  if (!restored.snapshot.empty() && !restored.snapshot.data.empty())
    if (auto st = s->kv.restore(restored.snapshot.data); !st) return st;
  s->last_term = s->raft->term();
  s->log_term = s->raft->term();
  s->log_role = raft::role_name(s->raft->role());
  return std::unique_ptr<NodeCore>(new NodeCore(std::move(s)));
}

NodeCore::NodeCore(std::unique_ptr<State> state) : s_(std::move(state)) {}
NodeCore::~NodeCore() = default;

void NodeCore::started(const std::string& listen) {
  s_->log(LogLevel::kInfo, "started",
          {{"listen", listen},
           {"last_index", s_->raft->last_index()},
           {"commit", s_->raft->commit_index()},
           {"read_mode", wire::read_mode_name(s_->opts.cluster.read_mode)},
           {"unsafe", s_->opts.cluster.unsafe_settings()}});
}

void NodeCore::receive(std::vector<std::string> frames, int64_t now_ns,
                       const std::string& connection) {
  if (!s_->failure) return;
  s_->now_ns = now_ns;
  s_->handle(std::move(frames), connection);
}

uint64_t NodeCore::forged_refused() const { return s_->forged_count; }

void NodeCore::tick(int64_t now_ns) {
  State& s = *s_;
  if (!s.failure) return;
  s.now_ns = now_ns;
  const int64_t tick = s.tick_ns();
  if (!s.ticking) {  // the first call starts the schedule
    s.ticking = true;
    s.next_tick_ns = now_ns + tick;
    return;
  }
  if (now_ns < s.next_tick_ns) return;
  s.raft->tick();
  s.next_tick_ns += tick;
  if (now_ns >= s.next_tick_ns) s.next_tick_ns = now_ns + tick;  // no burst after a stall
  const int64_t max_pending_age = 2 * int64_t(s.opts.cluster.election_timeout_max_ms) * 1000000;
  s.reply_all(s.pending.take_expired(now_ns, max_pending_age), wire::ReplyCode::kRetry);
  s.maybe_compact();
}

void NodeCore::on_snapshot_written(SnapshotWritten done) {
  State& s = *s_;
  if (!s.failure) return;
  s.snapshot_in_flight = false;
  if (s.blocked_ready) {
    // A leader's snapshot waited for this write: it is newer than anything we applied, so our own
    // snapshot is dropped (once it is known to be written: a failed write still fail-stops).
    if (!done.status) return s.fail(done.status);
    raft::Ready rd = std::move(*s.blocked_ready);
    s.blocked_ready.reset();
    common::Status st = s.install_snapshot(rd.snapshot);
    if (st) st = s.finish_ready(rd);
    if (!st) s.fail(st);
    return;
  }
  if (auto st = s.finish_compaction(std::move(done)); !st) s.fail(st);
}

void NodeCore::flush(int max_ready) {
  State& s = *s_;
  if (!s.failure) return;
  s.flush_read_batch();
  for (int i = 0; i < max_ready && !s.blocked_ready && s.raft->has_ready(); ++i) {
    if (auto st = s.process_ready(); !st) return s.fail(st);
  }
  s.observe_role();
}

Outbox NodeCore::take_outbox() { return std::exchange(s_->out, Outbox{}); }

void NodeCore::set_before_sync(std::function<void()> hook) { s_->before_sync = std::move(hook); }

int64_t NodeCore::next_tick_ns() const { return s_->ticking ? s_->next_tick_ns : s_->now_ns; }

bool NodeCore::has_work() const {
  return s_->failure && !s_->blocked_ready && (s_->raft->has_ready() || !s_->read_batch.empty());
}

const common::Status& NodeCore::failure() const { return s_->failure; }

common::Status NodeCore::close() {
  if (!s_->failure) return s_->failure;
  common::Status st = s_->store->sync();  // clean shutdown: everything queued is made durable
  if (!st) s_->log(LogLevel::kError, "final sync failed", {{"error", st.message()}});
  return st;
}

std::function<common::Result<uint64_t>(const raft::Snapshot&)> NodeCore::snapshot_file_writer() {
  return s_->store->snapshot_file_writer();
}

storage::FileSystem* NodeCore::file_system() const { return s_->fs; }

std::optional<SnapshotWritten> NodeCore::run_storage_job(const StorageJob& job) {
  if (job.kind == StorageJob::Kind::kRemoveFiles) {
    for (const auto& p : job.paths) s_->fs->remove(p);  // failures: open() removes leftovers
    return std::nullopt;
  }
  SnapshotWritten done;
  done.snapshot = job.snapshot;
  auto written = s_->store->snapshot_file_writer()(job.snapshot);
  if (written)
    done.file_bytes = written.value();
  else
    done.status = written.status();
  return done;
}

uint64_t NodeCore::id() const { return s_->opts.id; }
raft::Role NodeCore::role() const { return s_->raft->role(); }
raft::Term NodeCore::term() const { return s_->raft->term(); }
raft::NodeId NodeCore::leader() const { return s_->raft->leader(); }
raft::NodeId NodeCore::vote() const { return s_->raft->hard_state().vote; }
raft::Index NodeCore::commit_index() const { return s_->raft->commit_index(); }
raft::Index NodeCore::applied_index() const { return s_->applied; }
raft::Index NodeCore::last_index() const { return s_->raft->last_index(); }
raft::Index NodeCore::first_index() const { return s_->raft->first_index(); }
std::optional<raft::Term> NodeCore::log_term(raft::Index index) const { return s_->raft->term_at(index); }
uint32_t NodeCore::state_digest() const { return s_->kv.digest(); }
size_t NodeCore::pending_requests() const { return s_->pending.size(); }

}  // namespace node
