// Node::Impl, after the core moved: Ready handling in the documented order, applying committed
// entries, answering waiting clients, snapshots and compaction, leadership changes.
#include "cluster/node/node_impl.h"

namespace node {

common::Status Node::Impl::process_ready() {
  raft::Ready rd = raft->ready();
  for (const auto& m : rd.messages) send_raft(m);  // in parallel with our own write (10.2.1)
  if (!rd.snapshot.empty())
    if (auto s = install_snapshot(rd.snapshot); !s) return s;
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
    common::Status s =
        opts.cluster.fsync == wire::FsyncMode::kAlways ? store->sync() : store->flush();
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
        log.error("skipped malformed command",
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
  // applied index and drop the log through it. The core keeps the image to send to followers that
  // need compacted entries; if it refuses (see Raft::compact), the store is left alone too.
  const uint64_t limit = opts.cluster.compaction_bytes;
  if (limit == 0 || store->log_bytes() <= limit || applied <= store->snapshot_index()) return {};
  const int64_t start = clock.now_ns();
  raft::Snapshot snap{applied, applied_term, opts.cluster.ids(), kv.serialize()};
  raft->compact(snap);
  if (raft->first_index() <= applied) return {};
  if (auto s = store->save_snapshot(snap); !s) return s;
  log.info("compacted", {{"index", snap.index},
                         {"snapshot_bytes", store->snapshot_bytes()},
                         {"log_bytes", store->log_bytes()},
                         {"ms", double(clock.now_ns() - start) / 1e6}});
  return {};
}

void Node::Impl::observe_role() {
  raft::Role role = raft->role();
  raft::Term term = raft->term();
  raft::NodeId leader = raft->leader();
  if (role == last_role && term == last_term && leader == last_leader) return;
  const bool lost_leadership =
      last_role == raft::Role::kLeader && (role != raft::Role::kLeader || term != last_term);
  log.set_raft(term, raft::role_name(role));
  log.info(
      "raft state changed",
      {{"leader", leader}, {"commit", raft->commit_index()}, {"last_index", raft->last_index()}});
  last_role = role;
  last_term = term;
  last_leader = leader;
  if (lost_leadership) reply_all(pending.take_all(), wire::ReplyCode::kWrongLeader);
}

}  // namespace node
