// Raft::Impl, part 1: logical time, terms and elections (PreVote, Vote, CheckQuorum, leader lease)
// and the top-level step() that routes a message by term before the role's step function.
#include <algorithm>

#include "cluster/raft/check.h"
#include "cluster/raft/raft_impl.h"

namespace raft {
namespace {

bool is_vote_request(MessageType t) {
  return t == MessageType::kPreVote || t == MessageType::kVote;
}
bool is_from_leader(MessageType t) {
  return t == MessageType::kAppend || t == MessageType::kHeartbeat ||
         t == MessageType::kSnapshot || t == MessageType::kTimeoutNow;
}

common::Status validate(const Message& m, const Config& cfg) {
  auto bad = [&](const std::string& what) {
    return common::Status::invalid_argument("raft message type " +
                                            std::to_string(static_cast<int>(m.type)) + " from " +
                                            std::to_string(m.from) + ": " + what);
  };
  if (m.type < MessageType::kPreVote || m.type > MessageType::kTimeoutNow) {
    return bad("unknown message type");
  }
  if (m.from == kNoNode || m.from == cfg.id) return bad("bad sender id");
  if (!std::binary_search(cfg.voters.begin(), cfg.voters.end(), m.from)) {
    return bad("sender is not a member of the cluster");
  }
  if (m.term == 0) return bad("term 0");
  for (size_t k = 0; k < m.entries.size(); ++k) {
    const Entry& e = m.entries[k];
    if (e.index != m.index + 1 + k) {
      return bad("entry " + std::to_string(k) + " has index " + std::to_string(e.index) +
                 ", expected " + std::to_string(m.index + 1 + k));
    }
    if (e.term > m.term || e.term < (k == 0 ? m.log_term : m.entries[k - 1].term)) {
      return bad("entry " + std::to_string(k) + " has out-of-order term " +
                 std::to_string(e.term));
    }
  }
  return common::Status::ok();
}

}  // namespace

void Raft::Impl::tick() {
  if (role == Role::kLeader) {
    tick_leader();
  } else {
    tick_election();
  }
}

void Raft::Impl::tick_election() {
  ++election_elapsed;
  if (election_elapsed >= randomized_timeout) {
    election_elapsed = 0;
    campaign(cfg.pre_vote);
  }
}

void Raft::Impl::tick_leader() {
  ++heartbeat_elapsed;
  ++election_elapsed;
  for (auto& [id, pr] : prs) {
    // An append lost in replicate state would otherwise wedge a full window: after an election
    // timeout without progress, fall back to probing from the last known match.
    if (pr.state == ProgressState::kReplicate && pr.inflights.count() > 0 &&
        ++pr.stalled_ticks >= cfg.election_tick_min) {
      pr.become_probe();
    }
  }
  if (election_elapsed >= cfg.election_tick_min) {
    election_elapsed = 0;
    if (cfg.check_quorum && !quorum_active()) {
      become_follower(term, kNoNode);  // lost touch with a majority: stop serving (Section 9.6)
      return;
    }
  }
  if (heartbeat_elapsed >= cfg.heartbeat_tick) {
    heartbeat_elapsed = 0;
    bcast_heartbeat(read_only.last_context());
  }
}

bool Raft::Impl::quorum_active() {
  size_t active = 1;  // self
  for (auto& [id, pr] : prs) {
    if (pr.recent_active) ++active;
    pr.recent_active = false;
  }
  return active >= quorum();
}

void Raft::Impl::reset(Term new_term) {
  RAFT_CHECK(new_term >= term, "term went back from " + std::to_string(term) + " to " +
                                   std::to_string(new_term));
  if (new_term != term) {
    term = new_term;
    vote = kNoNode;
  }
  leader = kNoNode;
  election_elapsed = 0;
  heartbeat_elapsed = 0;
  randomized_timeout =
      static_cast<int>(rng.uniform(cfg.election_tick_min, cfg.election_tick_max));
  votes.clear();
  prs.clear();
  sending.clear();
  read_only.reset();
  appends_pending = false;
}

void Raft::Impl::become_follower(Term new_term, NodeId new_leader) {
  reset(new_term);
  role = Role::kFollower;
  leader = new_leader;
}

void Raft::Impl::become_pre_candidate() {
  // PreVote (Section 9.6): ask whether we could win before disturbing anyone's term.
  reset(term);
  role = Role::kPreCandidate;
}

void Raft::Impl::become_candidate() {
  reset(term + 1);
  role = Role::kCandidate;
  vote = cfg.id;
}

void Raft::Impl::become_leader() {
  reset(term);
  role = Role::kLeader;
  leader = cfg.id;
  for (NodeId v : cfg.voters) {
    if (v == cfg.id) continue;
    Progress pr(cfg.max_inflight_bytes);
    pr.next = log.last_index() + 1;
    pr.recent_active = true;  // give every follower one timeout to answer
    prs.emplace(v, std::move(pr));
  }
  // The no-op lets this leader commit, and so learn the commit of earlier terms (Figure 8).
  log.append({Entry{term, log.last_index() + 1, EntryType::kNoop, {}}});
  bcast_append(true);
}

void Raft::Impl::campaign(bool pre_vote) {
  if (role == Role::kLeader) return;
  bool promotable = false;
  for (NodeId v : cfg.voters) promotable |= (v == cfg.id);
  if (!promotable) return;
  MessageType type;
  Term campaign_term;
  if (pre_vote) {
    become_pre_candidate();
    type = MessageType::kPreVote;
    campaign_term = term + 1;
  } else {
    become_candidate();
    type = MessageType::kVote;
    campaign_term = term;
  }
  votes[cfg.id] = true;
  if (votes.size() >= quorum()) {  // single-voter cluster
    if (pre_vote) {
      campaign(false);
    } else {
      become_leader();
    }
    return;
  }
  for (NodeId v : cfg.voters) {
    if (v == cfg.id) continue;
    Message m;
    m.type = type;
    m.to = v;
    m.term = campaign_term;
    m.index = log.last_index();
    m.log_term = log.last_term();
    // A vote request promises our own vote and term are durable; a pre-vote changes nothing.
    if (pre_vote) {
      send(std::move(m));
    } else {
      send_after_persist(std::move(m));
    }
  }
}

common::Status Raft::Impl::step(const Message& m) {
  if (m.to != cfg.id) return common::Status::ok();
  if (auto st = validate(m, cfg); !st) return st;

  if (m.term > term) {
    if (is_vote_request(m.type) && cfg.check_quorum && leader != kNoNode &&
        election_elapsed < cfg.election_tick_min) {
      // Leader lease: we heard from a leader within the minimum election timeout, so this
      // candidate is disruptive (e.g. rejoining from a partition). Ignore it entirely.
      return common::Status::ok();
    }
    if (m.type == MessageType::kPreVote) {
      // A pre-vote never changes our term.
    } else if (m.type == MessageType::kPreVoteResponse && !m.reject) {
      // Granted pre-votes carry the term we would campaign in; nothing to adopt yet.
    } else {
      become_follower(m.term, is_from_leader(m.type) ? m.from : kNoNode);
    }
  } else if (m.term < term) {
    if ((cfg.check_quorum || cfg.pre_vote) &&
        (m.type == MessageType::kAppend || m.type == MessageType::kHeartbeat)) {
      // A stale leader (e.g. healed from a partition whose nodes never raised our term, thanks
      // to PreVote): tell it our term so it steps down.
      Message resp;
      resp.type = MessageType::kAppendResponse;
      resp.to = m.from;
      send(std::move(resp));
    } else if (m.type == MessageType::kPreVote) {
      Message resp;
      resp.type = MessageType::kPreVoteResponse;
      resp.to = m.from;
      resp.reject = true;
      send(std::move(resp));
    }
    return common::Status::ok();
  }

  switch (m.type) {
    case MessageType::kPreVote:
    case MessageType::kVote:
      handle_vote_request(m);
      return common::Status::ok();
    case MessageType::kPreVoteResponse:
    case MessageType::kVoteResponse:
      handle_vote_response(m);
      return common::Status::ok();
    default:
      break;
  }
  if (role == Role::kLeader) {
    if (is_from_leader(m.type)) {
      return common::Status::invalid_argument("raft: message from a second leader " +
                                              std::to_string(m.from) + " in term " +
                                              std::to_string(term));
    }
    step_leader(m);
  } else {
    if (role != Role::kFollower && is_from_leader(m.type)) {
      become_follower(term, m.from);  // a leader won this term
    }
    step_follower(m);
  }
  return common::Status::ok();
}

void Raft::Impl::handle_vote_request(const Message& m) {
  const bool pre = m.type == MessageType::kPreVote;
  const bool can_vote = vote == m.from || (vote == kNoNode && leader == kNoNode) ||
                        (pre && m.term > term);
  Message resp;
  resp.type = pre ? MessageType::kPreVoteResponse : MessageType::kVoteResponse;
  resp.to = m.from;
  if (can_vote && log.is_up_to_date(m.index, m.log_term)) {
    resp.term = m.term;  // for a pre-vote: the term the candidate will campaign in
    if (!pre) {
      election_elapsed = 0;
      vote = m.from;
    }
  } else {
    resp.reject = true;
    resp.term = term;
  }
  // A granted vote must be durable before the candidate can count it.
  send_after_persist(std::move(resp));
}

void Raft::Impl::handle_vote_response(const Message& m) {
  const bool pre = m.type == MessageType::kPreVoteResponse;
  if ((pre && role != Role::kPreCandidate) || (!pre && role != Role::kCandidate)) return;
  votes.emplace(m.from, !m.reject);
  size_t granted = 0, rejected = 0;
  for (const auto& [id, v] : votes) (v ? granted : rejected)++;
  if (granted >= quorum()) {
    if (pre) {
      campaign(false);
    } else {
      become_leader();
    }
  } else if (rejected >= quorum()) {
    become_follower(term, kNoNode);
  }
}

}  // namespace raft
