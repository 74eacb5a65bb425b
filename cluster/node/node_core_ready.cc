// NodeCore, after the Raft core moved: Ready handling in the documented order, applying committed
// entries, answering waiting clients, snapshots and compaction, leadership changes.
#include "cluster/node/node_core_state.h"

namespace node {

common::Status NodeCore::State::process_ready() {
  raft::Ready rd = raft->ready();
  for (const auto& m : rd.messages) send_raft(m);  // in parallel with our own write (10.2.1)
  rd.messages.clear();
  if (!rd.snapshot.empty()) {
    if (snapshot_in_flight) {
      // Our own snapshot write in flight writes the same file: the leader's image is installed
      // once it has finished (on_snapshot_written), and the rest of this Ready waits with it.
      log(LogLevel::kInfo, "leader's snapshot waits for our snapshot write",
          {{"index", rd.snapshot.index}});
      blocked_ready = std::move(rd);
      return common::Status::ok();
    }
    if (auto s = install_snapshot(rd.snapshot); !s) return s;
  }
  return finish_ready(rd);
}

common::Status NodeCore::State::finish_ready(raft::Ready& rd) {
  // Like etcd's MustSync: new entries, a new term or a vote must be durable before anything that
  // depends on them is sent. A commit-index change alone need not be (commit is recoverable): it
  // stays queued in the store and goes out with the next write, which keeps the leader's commit
  // advance, on the way to every client reply, free of disk calls.
  const bool must_sync = !rd.entries.empty() ||
                         (rd.has_hard_state &&
                          (rd.hard_state.term != synced_term || rd.hard_state.vote != synced_vote));
  if (!rd.entries.empty())
    if (auto s = store->append(rd.entries); !s) return s;
  if (rd.has_hard_state)
    if (auto s = store->set_hard_state(rd.hard_state); !s) return s;
  if (must_sync) {  // one fsync for the whole batch (group commit)
    if (auto s = sync_store(); !s) return s;
    if (rd.has_hard_state) {
      synced_term = rd.hard_state.term;
      synced_vote = rd.hard_state.vote;
    }
  }
  for (const auto& m : rd.messages_after_persist) send_raft(m);
  apply(rd.committed_entries);
  for (const auto& rs : rd.read_states) {
    out.reads.push_back(ReadRound{rs.context, true, rs.index});
    pending.read_confirmed(rs.context, rs.index);
  }
  serve_reads();
  raft->advance();
  return common::Status::ok();
}

common::Status NodeCore::State::sync_store() {
  if (before_sync) before_sync();  // the driver sends what may go out during the write
  return opts.cluster.fsync == wire::FsyncMode::kAlways ? store->sync() : store->flush();
}

void NodeCore::State::apply(const std::vector<raft::Entry>& entries) {
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
        log(LogLevel::kError, "skipped malformed command",
            {{"index", e.index}, {"error", r.status().message()}});
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
              a->waiter.request.op == wire::OpKind::kGet ? std::string_view(value)
                                                         : std::string_view());
    }
  }
}

void NodeCore::State::serve_reads() {
  for (auto& w : pending.take_reads_ready(applied))
    reply(w, wire::ReplyCode::kOk, kv.get_view(w.request.key));
}

common::Status NodeCore::State::install_snapshot(const raft::Snapshot& snapshot) {
  // The leader sent a state-machine image newer than our log: make it durable, then adopt it.
  // Precondition: no snapshot write of our own in flight (see process_ready).
  if (auto s = store->save_snapshot(snapshot); !s) return s;
  remove_superseded();
  if (auto s = kv.restore(snapshot.data); !s) return s;
  applied = snapshot.index;
  applied_term = snapshot.term;
  log(LogLevel::kInfo, "installed snapshot",
      {{"index", snapshot.index}, {"bytes", snapshot.data.size()}});
  return common::Status::ok();
}

void NodeCore::State::maybe_compact() {
  // issue 6: once the durable Raft state passes compaction_bytes, snapshot the state machine at the
  // applied index. The driver writes the snapshot file (several fsyncs) off the loop while the
  // core keeps serving; finish_compaction() does the rest when it is durable. One at a time.
  const uint64_t limit = opts.cluster.compaction_bytes;
  if (limit == 0 || snapshot_in_flight || blocked_ready || store->log_bytes() <= limit ||
      applied <= store->snapshot_index() || applied < raft->first_index())
    return;
  StorageJob job;
  job.kind = StorageJob::Kind::kWriteSnapshot;
  job.snapshot = raft::Snapshot{applied, applied_term, opts.cluster.ids(), kv.serialize()};
  out.jobs.push_back(std::move(job));
  snapshot_in_flight = true;
}

common::Status NodeCore::State::finish_compaction(SnapshotWritten done) {
  // The snapshot file is durable: tell the core, which keeps the image to send to followers that
  // need compacted entries, and drop the log through it. If the core refuses (see Raft::compact)
  // or a leader's newer snapshot was installed meanwhile, the log is left alone: the file is then
  // only ahead of the log, which open() completes after a crash.
  if (!done.status) return done.status;  // fail-stop: we cannot keep our durable state
  const raft::Snapshot& snap = done.snapshot;
  if (snap.index <= store->snapshot_index()) return {};
  raft->compact(snap);
  if (raft->first_index() <= snap.index) return {};
  if (auto s = store->compact_through(snap, done.file_bytes); !s) return s;
  remove_superseded();
  log(LogLevel::kInfo, "compacted",
      {{"index", snap.index},
       {"snapshot_bytes", store->snapshot_bytes()},
       {"log_bytes", store->log_bytes()},
       {"write_ms", done.write_ms}});
  return {};
}

void NodeCore::State::remove_superseded() {
  if (!disk) return;
  std::vector<std::string> paths = disk->take_superseded_segments();
  if (paths.empty()) return;
  StorageJob job;
  job.kind = StorageJob::Kind::kRemoveFiles;
  job.paths = std::move(paths);
  out.jobs.push_back(std::move(job));
}

void NodeCore::State::observe_role() {
  raft::Role role = raft->role();
  raft::Term term = raft->term();
  raft::NodeId leader = raft->leader();
  if (role == last_role && term == last_term && leader == last_leader) return;
  const bool lost_leadership =
      last_role == raft::Role::kLeader && (role != raft::Role::kLeader || term != last_term);
  log_term = term;
  log_role = raft::role_name(role);
  log(LogLevel::kInfo, "raft state changed",
      {{"leader", leader}, {"commit", raft->commit_index()}, {"last_index", raft->last_index()}});
  last_role = role;
  last_term = term;
  last_leader = leader;
  if (lost_leadership) reply_all(pending.take_all(), wire::ReplyCode::kWrongLeader);
}

}  // namespace node
