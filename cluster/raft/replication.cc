// Raft::Impl, part 2: log replication (appends, the conflict-term fast back-up, commit),
// heartbeats, proposals and ReadIndex.
#include <algorithm>

#include "cluster/raft/check.h"
#include "cluster/raft/raft_impl.h"

namespace raft {
namespace {
uint64_t entry_bytes(const std::vector<Entry>& es) {
  uint64_t n = 0;
  for (const auto& e : es) n += e.data.size();
  return n;
}
}  // namespace

ProposeResult Raft::Impl::propose(std::string command) {
  ProposeResult r;
  r.leader_hint = leader;
  if (role != Role::kLeader) return r;
  const Index index = log.last_index() + 1;
  log.append({Entry{term, index, EntryType::kNormal, std::move(command)}});
  // Replicate now, not on the next heartbeat: the appends go out in the very next Ready, in
  // parallel with the leader's own write (its match only counts once advance() confirms it).
  // They are built when that Ready is taken, so proposals made in between share one append per
  // follower instead of one each.
  appends_pending = true;
  r.accepted = true;
  r.index = index;
  r.term = term;
  return r;
}

bool Raft::Impl::committed_current_term() const {
  return log.term_or_zero(log.committed()) == term;
}

bool Raft::Impl::read_index(std::string context) {
  if (role != Role::kLeader) return false;
  read_only.enqueue(std::move(context));
  return true;
}

void Raft::Impl::flush_reads() {
  // A leader only knows the latest commit once it has committed an entry of its own term.
  if (role != Role::kLeader || !read_only.has_queued() || !committed_current_term()) return;
  if (cfg.voters.size() == 1) {
    for (auto& rs : read_only.release_queued(log.committed())) read_states.push_back(rs);
    return;
  }
  bcast_heartbeat(read_only.start_round(log.committed()));
}

bool Raft::Impl::send_append(NodeId to, bool send_if_empty) {
  Progress& pr = prs.at(to);
  if (pr.paused()) return false;
  const Index prev = pr.next - 1;
  auto prev_term = log.term(prev);
  if (!prev_term.has_value()) return send_snapshot(to);  // it needs entries we compacted
  uint64_t budget = std::min<uint64_t>(cfg.max_msg_bytes, pr.inflights.room());
  std::vector<Entry> entries = log.slice(pr.next, log.last_index() + 1, budget);
  const uint64_t bytes = entry_bytes(entries);
  if (pr.inflights.count() > 0 && bytes > pr.inflights.room()) return false;  // wait for acks
  if (entries.empty() && !send_if_empty) return false;
  Message m;
  m.type = MessageType::kAppend;
  m.to = to;
  m.index = prev;
  m.log_term = *prev_term;
  m.commit = log.committed();
  pr.sent_commit = std::max(pr.sent_commit, m.commit);
  if (!entries.empty())
    pr.sent_entries(entries.back().index, bytes);
  else if (pr.state == ProgressState::kProbe)
    pr.probe_sent = true;
  m.entries = std::move(entries);
  send(std::move(m));
  return true;
}

void Raft::Impl::bcast_append(bool send_if_empty) {
  for (auto& [id, pr] : prs) {
    if (send_append(id, send_if_empty)) {
      while (send_append(id, false)) {
      }
    }
  }
}

void Raft::Impl::bcast_heartbeat(const std::string& context) {
  for (auto& [id, pr] : prs) {
    if (pr.state == ProgressState::kSnapshot) pr.probe_sent = false;  // allow one chunk resend
    Message m;
    m.type = MessageType::kHeartbeat;
    m.to = id;
    // Never tell a follower to commit past what it is known to hold (it may lack those entries).
    m.commit = std::min(pr.match, log.committed());
    pr.sent_commit = std::max(pr.sent_commit, m.commit);
    // Everything sent before this heartbeat: its answer shows whether an append got lost.
    if (pr.state == ProgressState::kReplicate) m.index = pr.next - 1;
    m.context = context;
    send(std::move(m));
  }
}

bool Raft::Impl::maybe_commit() {
  std::vector<Index> matches;
  matches.push_back(log.persisted());  // the leader's own entries count once durable
  for (const auto& [id, pr] : prs) matches.push_back(pr.match);
  std::sort(matches.begin(), matches.end(), std::greater<Index>());
  const Index candidate = matches[quorum() - 1];
  // Only an entry of the current term is committed by counting replicas (Figure 8).
  if (candidate <= log.committed() || log.term_or_zero(candidate) != term) return false;
  log.commit_to(candidate);
  return true;
}

void Raft::Impl::step_leader(const Message& m) {
  if (prs.find(m.from) == prs.end()) return;  // not a voter
  switch (m.type) {
    case MessageType::kAppendResponse:
      handle_append_response(m);
      break;
    case MessageType::kHeartbeatResponse:
      handle_heartbeat_response(m);
      break;
    case MessageType::kSnapshotResponse:
      handle_snapshot_response(m);
      break;
    default:
      break;
  }
}

void Raft::Impl::handle_append_response(const Message& m) {
  Progress& pr = prs.at(m.from);
  pr.recent_active = true;
  if (m.reject) {
    // Fast back-up: jump over the follower's whole conflicting term at once instead of one
    // index per round trip.
    Index next_hint = m.reject_hint;
    if (m.reject_hint_term > 0) {
      next_hint = log.find_conflict_by_term(m.reject_hint, m.reject_hint_term).first;
    }
    if (pr.maybe_decr_to(m.index, next_hint)) {
      if (pr.state == ProgressState::kReplicate) pr.become_probe();
      send_append(m.from, true);
    }
    return;
  }
  const bool was_paused = pr.paused();
  if (!pr.maybe_update(m.index)) return;
  if (pr.state == ProgressState::kProbe) {
    pr.become_replicate();
  } else if (pr.state == ProgressState::kReplicate) {
    pr.inflights.free_le(m.index);
  } else if (pr.state == ProgressState::kSnapshot && pr.match >= pr.pending_snapshot) {
    pr.become_replicate();  // installed: continue with the entries after it
    sending.erase(m.from);
  }
  if (maybe_commit()) {
    bcast_append(true);  // tell everyone the new commit index now
  } else if (was_paused) {
    send_append(m.from, false);
  }
  while (send_append(m.from, false)) {
  }
  // A follower that was paused when the commit advanced has not heard of it yet.
  if (pr.sent_commit < log.committed()) send_append(m.from, true);
  // Our own commit may have reached this term only now: queued reads can start.
  if (read_only.has_queued() && committed_current_term()) flush_reads();
}

void Raft::Impl::handle_heartbeat_response(const Message& m) {
  Progress& pr = prs.at(m.from);
  pr.recent_active = true;
  if (pr.state == ProgressState::kSnapshot) {
    // No chunk went out since the last heartbeat (no answer moved the window): resend the chunk
    // the follower waits for (it may have been lost), at most once per heartbeat interval.
    if (!pr.probe_sent) resend_snapshot(m.from);
  } else {
    pr.probe_sent = false;
    // m.index is the follower's last index when it answered; m.reject_hint echoes what we had
    // sent it before the heartbeat (issue 14).
    const bool gap = pr.state == ProgressState::kReplicate && m.index < m.reject_hint &&
                     pr.inflights.count() > 0;
    if (m.reject && m.index < pr.match) {
      // The heartbeat's commit (<= match when sent) is beyond the follower's log: it lost
      // entries it had acknowledged (a torn tail). Forget its match, probe after its log.
      pr.lost_entries(m.index);
      pr.gap_suspect = 0;
      send_append(m.from, true);
    } else if (gap && pr.gap_suspect != 0 && m.index < pr.gap_suspect) {
      // Two heartbeats in a row found it without entries sent before the earlier one: that
      // append was lost (one heartbeat alone may just have overtaken a delayed append). Resend
      // from match now rather than wait for the pipeline to stall (about an election timeout).
      pr.become_replicate();
      pr.gap_suspect = 0;
      while (send_append(m.from, false)) {
      }
    } else {
      pr.gap_suspect = gap ? m.reject_hint : 0;
      if (pr.match < log.last_index()) send_append(m.from, false);
    }
  }
  if (!m.context.empty()) {
    for (auto& rs : read_only.ack(m.from, m.context, quorum())) read_states.push_back(rs);
  }
}

void Raft::Impl::step_follower(const Message& m) {
  switch (m.type) {
    case MessageType::kAppend:
      election_elapsed = 0;
      leader = m.from;
      handle_append(m);
      break;
    case MessageType::kHeartbeat:
      election_elapsed = 0;
      leader = m.from;
      handle_heartbeat(m);
      break;
    case MessageType::kSnapshot:
      election_elapsed = 0;
      leader = m.from;
      handle_snapshot(m);
      break;
    case MessageType::kTimeoutNow:
      campaign(false);  // leadership transfer: the leader asked us to run now, skipping PreVote
      break;
    default:
      break;
  }
}

void Raft::Impl::handle_append(const Message& m) {
  Message resp;
  resp.type = MessageType::kAppendResponse;
  resp.to = m.from;
  if (m.index < log.committed()) {
    resp.index = log.committed();  // everything up to our commit already matches the leader
    send_after_persist(std::move(resp));
    return;
  }
  if (log.match_term(m.index, m.log_term)) {
    const Index conflict = log.find_conflict(m.entries);
    if (conflict != 0) {
      RAFT_CHECK(conflict > log.committed(), "leader " + std::to_string(m.from) +
                                                 " would overwrite committed entry " +
                                                 std::to_string(conflict));
      std::vector<Entry> tail(m.entries.begin() + (conflict - m.index - 1), m.entries.end());
      log.append(std::move(tail));
    }
    const Index last_new = m.index + m.entries.size();
    log.commit_to(std::min(m.commit, last_new));
    resp.index = last_new;
  } else {
    const Index hint = std::min(m.index, log.last_index());
    auto [hint_index, hint_term] = log.find_conflict_by_term(hint, m.log_term);
    resp.index = m.index;
    resp.reject = true;
    resp.reject_hint = hint_index;
    resp.reject_hint_term = hint_term;
  }
  // The answer promises the entries are durable: it waits for this batch's fsync.
  send_after_persist(std::move(resp));
}

void Raft::Impl::handle_heartbeat(const Message& m) {
  log.commit_to(std::min(m.commit, log.last_index()));
  Message resp;
  resp.type = MessageType::kHeartbeatResponse;
  resp.to = m.from;
  resp.context = m.context;
  resp.index = log.last_index();  // lets the leader see a lost append or a lost tail at once
  resp.reject_hint = m.index;
  // The leader told us to commit entries we do not have: we lost entries we had acknowledged.
  resp.reject = m.commit > log.last_index();
  send(std::move(resp));
}

}  // namespace raft
