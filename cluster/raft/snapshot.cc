// Raft::Impl, part 3: log compaction and InstallSnapshot (issue 6).
//
// The leader sends a follower that needs compacted entries its latest snapshot in chunks of at
// most max_snapshot_chunk bytes, pipelined: up to kSnapshotChunksInFlight chunks (at most
// max_inflight_bytes) past the offset the follower confirmed are out at once. The follower
// answers each chunk with a kSnapshotResponse naming the next offset it expects (the bytes it
// holds in order), keeps chunks that arrive ahead of a gap (up to kSnapshotChunksAhead), and
// refuses duplicates and chunks of another transfer, naming its offset. The leader moves its
// window on every answer that names a higher offset, starts over from a lower one named in a
// refusal (the follower restarted), and resends the awaited chunk on a heartbeat answer when no
// chunk went out since the heartbeat, so a lost chunk costs about one heartbeat interval. A follower restarts the assembly when a chunk of another transfer arrives
// at offset 0. After the last chunk the follower installs the
// snapshot (unless its log already holds the snapshot's last entry, in which case it keeps its
// log and only advances the commit) and answers with an append response at the snapshot index,
// sent after the snapshot is durable.
//
// A transfer keeps the image it started with (Impl::sending) when the leader compacts again
// meanwhile; the follower then needs the next image (or entries) after installing it. Restarting
// the transfer with every newer image starved a follower whose transfer took longer than the
// leader took to compact again (found by the simulation with 100-byte chunks; Snapshot.
// FollowerCatchesUpWhileTheLeaderKeepsCompacting).
#include <algorithm>

#include "cluster/raft/check.h"
#include "cluster/raft/raft_impl.h"

namespace raft {

void Raft::Impl::compact(Snapshot snap) {
  // Only an image of applied state that matches our log can replace its prefix. The node checks
  // first_index() to see whether the compaction happened.
  if (snap.index <= log.snapshot_index() || snap.index > log.applied() ||
      !log.match_term(snap.index, snap.term)) {
    return;
  }
  log.compact(snap.index, snap.term);
  snapshot = std::move(snap);
}

void Raft::Impl::send_snapshot_chunk(NodeId to, const Snapshot& snap, uint64_t offset) {
  const uint64_t size = snap.data.size();
  offset = std::min(offset, size);
  Message m;
  m.type = MessageType::kSnapshot;
  m.to = to;
  m.snapshot.index = snap.index;
  m.snapshot.term = snap.term;
  m.snapshot.voters = snap.voters;
  m.snapshot.data = snap.data.substr(offset, std::max<uint64_t>(1, cfg.max_snapshot_chunk));
  m.snapshot_offset = offset;
  m.snapshot_done = offset + m.snapshot.data.size() >= size;
  m.commit = log.committed();
  prs.at(to).probe_sent = true;  // a chunk is out; see handle_heartbeat_response
  send(std::move(m));
}

bool Raft::Impl::send_snapshot(NodeId to) {
  Progress& pr = prs.at(to);
  if (snapshot.empty()) return false;  // nothing to send (cannot happen with a compacted log)
  std::shared_ptr<const Snapshot>& image = sending[to];
  if (pr.state != ProgressState::kSnapshot || !image || image->index != pr.pending_snapshot) {
    // A new transfer starts with our latest image; one in progress keeps its own (see `sending`).
    if (!latest_image || latest_image->index != snapshot.index)
      latest_image = std::make_shared<const Snapshot>(snapshot);
    image = latest_image;
    pr.become_snapshot(image->index);
  }
  const Snapshot& snap = *image;
  const uint64_t size = snap.data.size();
  const uint64_t chunk = std::max<uint64_t>(1, cfg.max_snapshot_chunk);
  // Chunks are pipelined: up to a window past the confirmed offset are out at once, so a
  // transfer of many chunks is not one round trip per chunk. The follower keeps chunks that
  // arrive out of order (up to kSnapshotChunksAhead) and confirms the bytes it holds in order.
  const uint64_t window =
      std::max(chunk, std::min(cfg.max_inflight_bytes, kSnapshotChunksInFlight * chunk));
  if (pr.snapshot_sent < pr.snapshot_offset) pr.snapshot_sent = pr.snapshot_offset;
  bool sent = false;
  if (size == 0 && pr.snapshot_sent == 0) {  // an empty image is one message
    send_snapshot_chunk(to, snap, 0);
    pr.snapshot_sent = 1;
    return true;
  }
  while (pr.snapshot_sent < size && pr.snapshot_sent < pr.snapshot_offset + window) {
    send_snapshot_chunk(to, snap, pr.snapshot_sent);
    pr.snapshot_sent = std::min(size, pr.snapshot_sent + chunk);
    sent = true;
  }
  return sent;
}

void Raft::Impl::resend_snapshot(NodeId to) {
  // The chunk the follower waits for (it may have been lost); the ones after it are likely held
  // by the follower already, and its answer moves the window on.
  const Progress& pr = prs.at(to);
  auto it = sending.find(to);
  if (it == sending.end() || !it->second) return (void)send_snapshot(to);
  send_snapshot_chunk(to, *it->second, pr.snapshot_offset);
}

void Raft::Impl::handle_snapshot_response(const Message& m) {
  Progress& pr = prs.at(m.from);
  pr.recent_active = true;
  if (pr.state != ProgressState::kSnapshot || m.index != pr.pending_snapshot) return;  // stale
  const uint64_t at = m.snapshot_offset;  // what the follower holds, in order
  if (at > pr.snapshot_offset) {
    pr.snapshot_offset = at;
    send_snapshot(m.from);  // the window moved
  } else if (m.reject && at < pr.snapshot_offset) {
    // The follower restarted its assembly (it restarted, or a newer transfer replaced ours):
    // start again from what it holds.
    pr.snapshot_offset = at;
    pr.snapshot_sent = at;
    send_snapshot(m.from);
  }
  // Otherwise a duplicate, or an old reordered answer: the heartbeat resend covers loss.
}

void Raft::Impl::handle_snapshot(const Message& m) {
  Message resp;
  resp.type = MessageType::kSnapshotResponse;
  resp.to = m.from;
  resp.index = m.snapshot.index;
  const bool same = incoming.index == m.snapshot.index && incoming.term == m.snapshot.term &&
                    incoming_term == m.term;
  if (m.snapshot_offset == 0 && !same) {
    incoming = Snapshot{m.snapshot.index, m.snapshot.term, m.snapshot.voters, {}};
    incoming_term = m.term;
    incoming_ahead.clear();
  } else if (same && m.snapshot_offset > incoming.data.size()) {
    // Pipelined chunks may arrive out of order: keep a bounded number of those ahead of the gap,
    // and say where we are without refusing (a refusal makes the leader resend its window).
    if (incoming_ahead.size() < kSnapshotChunksAhead)
      incoming_ahead.emplace(m.snapshot_offset, std::make_pair(m.snapshot.data, m.snapshot_done));
    resp.snapshot_offset = incoming.data.size();
    send(std::move(resp));
    return;
  } else if (!same || m.snapshot_offset != incoming.data.size()) {
    resp.reject = true;  // a duplicate, or from an older transfer: say where we are
    resp.snapshot_offset = same ? incoming.data.size() : 0;
    send(std::move(resp));
    return;
  }
  incoming.data += m.snapshot.data;
  bool done = m.snapshot_done;
  // Chunks that arrived ahead of this one and now follow on.
  for (auto it = incoming_ahead.begin(); it != incoming_ahead.end() && !done;) {
    if (it->first < incoming.data.size()) {
      it = incoming_ahead.erase(it);
    } else if (it->first == incoming.data.size()) {
      incoming.data += it->second.first;
      done = it->second.second;
      it = incoming_ahead.erase(it);
    } else {
      break;
    }
  }
  if (!done) {
    resp.snapshot_offset = incoming.data.size();
    send(std::move(resp));  // chunks live in memory only: nothing to persist yet
    return;
  }
  Snapshot snap = std::move(incoming);
  incoming = Snapshot{};
  incoming_ahead.clear();
  incoming_term = 0;
  Message ack;
  ack.type = MessageType::kAppendResponse;
  ack.to = m.from;
  if (snap.index <= log.committed()) {
    ack.index = log.committed();  // we already have all of it
  } else if (log.match_term(snap.index, snap.term)) {
    // Our log already holds the snapshot's last entry (so, by log matching, all before it):
    // keep the log and its later entries, and learn that they are committed.
    log.commit_to(snap.index);
    ack.index = snap.index;
  } else {
    log.restore(snap.index, snap.term);
    snapshot = snap;
    pending_install = std::move(snap);
    ack.index = log.last_index();
  }
  send_after_persist(std::move(ack));
}

}  // namespace raft
