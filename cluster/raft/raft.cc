// Raft: construction, the Ready/advance cycle and the public forwarding layer.
#include "cluster/raft/raft.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "cluster/raft/check.h"
#include "cluster/raft/raft_impl.h"

namespace raft {
namespace {
// Committed entries handed out per Ready, so one Ready never holds an unbounded batch.
constexpr uint64_t kMaxApplyBytes = 8 << 20;

void check_config(const Config& c) {
  RAFT_CHECK(c.id != kNoNode, "config: node id must not be 0");
  RAFT_CHECK(std::find(c.voters.begin(), c.voters.end(), c.id) != c.voters.end(),
             "config: voters must include the node's own id " + std::to_string(c.id));
  RAFT_CHECK(std::find(c.voters.begin(), c.voters.end(), kNoNode) == c.voters.end(),
             "config: voter id 0 is reserved");
  RAFT_CHECK(c.election_tick_min > 0 && c.election_tick_min <= c.election_tick_max,
             "config: need 0 < election_tick_min <= election_tick_max");
  RAFT_CHECK(c.heartbeat_tick > 0 && c.heartbeat_tick < c.election_tick_min,
             "config: need 0 < heartbeat_tick < election_tick_min");
  RAFT_CHECK(c.max_msg_bytes > 0 && c.max_inflight_bytes > 0,
             "config: max_msg_bytes and max_inflight_bytes must be positive");
}
}  // namespace

void check_failed(const char* file, int line, const char* cond, const std::string& msg) {
  std::fprintf(stderr, "raft invariant violated at %s:%d: %s: %s\n", file, line, cond, msg.c_str());
  std::fflush(stderr);
  std::abort();
}

const char* role_name(Role r) {
  switch (r) {
    case Role::kFollower:
      return "follower";
    case Role::kPreCandidate:
      return "pre-candidate";
    case Role::kCandidate:
      return "candidate";
    case Role::kLeader:
      return "leader";
  }
  return "unknown";
}

Raft::Impl::Impl(const Config& config, const RestoredState& restored)
    : cfg(config),
      log(restored.snapshot.index, restored.snapshot.term, restored.entries),
      rng(config.seed ^ (0x5851f42d4c957f2dULL * config.id)) {
  check_config(cfg);
  std::sort(cfg.voters.begin(), cfg.voters.end());
  cfg.voters.erase(std::unique(cfg.voters.begin(), cfg.voters.end()), cfg.voters.end());
  const HardState& hs = restored.hard_state;
  RAFT_CHECK(hs.commit <= log.last_index(),
             "restored commit " + std::to_string(hs.commit) + " is beyond the last entry " +
                 std::to_string(log.last_index()) + ": the log lost committed entries");
  RAFT_CHECK(log.last_term() <= hs.term || log.last_index() == 0,
             "restored log has an entry of term " + std::to_string(log.last_term()) +
                 " above the hard state term " + std::to_string(hs.term));
  log.commit_to(std::max(hs.commit, restored.snapshot.index));
  term = hs.term;
  vote = hs.vote;
  prev_hard_state = hs;
  snapshot = restored.snapshot;
  become_follower(term, kNoNode);
}

void Raft::Impl::send(Message m) {
  m.from = cfg.id;
  if (m.term == 0) m.term = term;
  msgs.push_back(std::move(m));
}

void Raft::Impl::send_after_persist(Message m) {
  m.from = cfg.id;
  if (m.term == 0) m.term = term;
  msgs_after_persist.push_back(std::move(m));
}

bool Raft::Impl::has_ready() const {
  if (ready_outstanding) return false;
  return !msgs.empty() || !msgs_after_persist.empty() || !read_states.empty() ||
         hard_state() != prev_hard_state || log.has_unstable() || log.has_next_committed() ||
         !pending_install.empty() || (appends_pending && role == Role::kLeader) ||
         (role == Role::kLeader && read_only.has_queued() && committed_current_term());
}

Ready Raft::Impl::ready() {
  RAFT_CHECK(!ready_outstanding, "ready() called again before advance()");
  if (appends_pending && role == Role::kLeader) bcast_append(false);
  appends_pending = false;
  flush_reads();
  Ready rd;
  rd.snapshot = std::move(pending_install);
  pending_install = Snapshot{};
  rd.entries = log.take_unstable();
  if (!rd.entries.empty()) {
    ready_last_index = rd.entries.back().index;
    ready_last_term = rd.entries.back().term;
  } else {
    ready_last_index = 0;
  }
  HardState hs = hard_state();
  if (hs != prev_hard_state) {
    RAFT_CHECK(hs.term >= prev_hard_state.term, "term went back from " +
                                                     std::to_string(prev_hard_state.term) + " to " +
                                                     std::to_string(hs.term));
    RAFT_CHECK(hs.commit >= prev_hard_state.commit, "commit index went back");
    rd.has_hard_state = true;
    rd.hard_state = hs;
    prev_hard_state = hs;
  }
  rd.messages = std::move(msgs);
  msgs.clear();
  rd.messages_after_persist = std::move(msgs_after_persist);
  msgs_after_persist.clear();
  rd.committed_entries = log.take_committed(kMaxApplyBytes);
  ready_applying = rd.committed_entries.empty() ? 0 : rd.committed_entries.back().index;
  rd.read_states = std::move(read_states);
  read_states.clear();
  ready_outstanding = true;
  return rd;
}

void Raft::Impl::advance() {
  RAFT_CHECK(ready_outstanding, "advance() without a ready()");
  ready_outstanding = false;
  if (ready_last_index != 0) log.stable_to(ready_last_index, ready_last_term);
  if (ready_applying != 0) log.applied_to(ready_applying);
  // The leader's own durable entries now count toward the commit (etcd's self-ack on persist).
  if (role == Role::kLeader && maybe_commit()) bcast_append(true);
}

// --- public forwarding layer ---

Raft::Raft(const Config& config, const RestoredState& restored)
    : impl_(std::make_unique<Impl>(config, restored)) {}
Raft::~Raft() = default;

void Raft::tick() { impl_->tick(); }
common::Status Raft::step(const Message& m) { return impl_->step(m); }
ProposeResult Raft::propose(std::string command) { return impl_->propose(std::move(command)); }
bool Raft::read_index(std::string context) { return impl_->read_index(std::move(context)); }
void Raft::campaign() { impl_->campaign(impl_->cfg.pre_vote); }
bool Raft::has_ready() const { return impl_->has_ready(); }
Ready Raft::ready() { return impl_->ready(); }
void Raft::advance() { impl_->advance(); }

void Raft::compact(Snapshot snapshot) { impl_->compact(std::move(snapshot)); }

NodeId Raft::id() const { return impl_->cfg.id; }
Role Raft::role() const { return impl_->role; }
Term Raft::term() const { return impl_->term; }
NodeId Raft::leader() const { return impl_->leader; }
Index Raft::commit_index() const { return impl_->log.committed(); }
Index Raft::applied_index() const { return impl_->log.applied(); }
Index Raft::last_index() const { return impl_->log.last_index(); }
Index Raft::first_index() const { return impl_->log.first_index(); }
std::optional<Term> Raft::term_at(Index i) const { return impl_->log.term(i); }
Index Raft::persisted_index() const { return impl_->log.persisted(); }
const HardState& Raft::hard_state() const {
  impl_->hard_state_view = impl_->hard_state();
  return impl_->hard_state_view;
}

}  // namespace raft
