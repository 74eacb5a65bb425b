#include "cluster/raft/testing/simulation.h"

#include <algorithm>
#include <cstdlib>

namespace raft::testing {

struct Simulation::Node {
  NodeId id = kNoNode;
  std::unique_ptr<Raft> raft;
  DiskLog disk;
  bool connected = true;
  bool crash_mid_ready = false;
  uint64_t incarnation = 0;
  std::vector<Entry> applied;
  std::vector<ReadState> reads;
  Index commit_seen = 0;
};

std::vector<uint64_t> test_seeds(int count, uint64_t base) {
  if (const char* env = std::getenv("RAFT_SEED"); env != nullptr && *env != '\0') {
    return {std::strtoull(env, nullptr, 10)};
  }
  if (const char* env = std::getenv("RAFT_SEED_COUNT"); env != nullptr && *env != '\0') {
    count = std::atoi(env);  // soak: more seeds than CI runs
  }
  std::vector<uint64_t> seeds;
  for (int k = 0; k < count; ++k) seeds.push_back(base + k);
  return seeds;
}

Config sim_config() {
  Config c;
  c.election_tick_min = 10;
  c.election_tick_max = 20;
  c.heartbeat_tick = 2;
  c.max_msg_bytes = 4 << 10;
  c.max_inflight_bytes = 64 << 10;
  return c;
}

Simulation::Simulation(SimOptions options)
    : opts_(std::move(options)), net_(opts_.net), rng_(opts_.seed * 0x9e3779b97f4a7c15ULL + 7) {
  group_.assign(opts_.nodes, 0);
  for (int k = 0; k < opts_.nodes; ++k) {
    auto n = std::make_unique<Node>();
    n->id = k + 1;
    nodes_.push_back(std::move(n));
  }
  for (auto& n : nodes_) n->raft = std::make_unique<Raft>(config_for(n->id, 0), RestoredState{});
}

Simulation::~Simulation() = default;

Config Simulation::config_for(NodeId id, uint64_t incarnation) const {
  Config c = opts_.config;
  c.id = id;
  c.voters.clear();
  for (int k = 1; k <= opts_.nodes; ++k) c.voters.push_back(k);
  c.seed = opts_.seed * 1000003 + incarnation * 7919 + id;
  return c;
}

Raft* Simulation::node(NodeId id) { return nodes_.at(id - 1)->raft.get(); }
bool Simulation::is_up(NodeId id) const { return nodes_.at(id - 1)->raft != nullptr; }
const DiskLog& Simulation::disk(NodeId id) const { return nodes_.at(id - 1)->disk; }
const std::vector<Entry>& Simulation::applied(NodeId id) const {
  return nodes_.at(id - 1)->applied;
}
const std::vector<ReadState>& Simulation::read_states(NodeId id) const {
  return nodes_.at(id - 1)->reads;
}

void Simulation::crash(NodeId id, bool mid_ready) {
  Node& n = *nodes_.at(id - 1);
  if (!n.raft) return;
  if (mid_ready && n.raft->has_ready()) {
    n.crash_mid_ready = true;
    process_ready(n);
  }
  n.raft.reset();
  n.crash_mid_ready = false;
}

void Simulation::restart(NodeId id) {
  Node& n = *nodes_.at(id - 1);
  if (n.raft) return;
  RestoredState rs;
  rs.hard_state = n.disk.hard_state;
  rs.snapshot = n.disk.snapshot;
  rs.entries.assign(n.disk.entries.begin() + n.disk.snapshot.index, n.disk.entries.end());
  n.incarnation++;
  // The state machine restarts from the snapshot; the rest is applied again from the log.
  n.applied = decode_entries(n.disk.snapshot.data);
  n.reads.clear();
  n.commit_seen = rs.hard_state.commit;
  n.raft = std::make_unique<Raft>(config_for(id, n.incarnation), rs);
}

void Simulation::disconnect(NodeId id) { nodes_.at(id - 1)->connected = false; }
void Simulation::connect(NodeId id) { nodes_.at(id - 1)->connected = true; }
bool Simulation::is_connected(NodeId id) const { return nodes_.at(id - 1)->connected; }

void Simulation::partition(const std::vector<std::vector<NodeId>>& groups) {
  std::fill(group_.begin(), group_.end(), -1);
  for (size_t g = 0; g < groups.size(); ++g) {
    for (NodeId id : groups[g]) group_.at(id - 1) = static_cast<int>(g);
  }
  for (auto& g : group_) {
    if (g == -1) g = static_cast<int>(groups.size()) + 1000 + (&g - group_.data());  // alone
  }
}

void Simulation::heal() {
  std::fill(group_.begin(), group_.end(), 0);
  cut_links_.clear();
  for (auto& n : nodes_) n->connected = true;
}

void Simulation::set_link(NodeId from, NodeId to, bool up) {
  if (up) {
    cut_links_.erase({from, to});
  } else {
    cut_links_.insert({from, to});
  }
}

void Simulation::set_link_delay(NodeId from, NodeId to, int delay) {
  link_delay_[{from, to}] = delay;
}

bool Simulation::link_up(NodeId from, NodeId to) const {
  return nodes_.at(from - 1)->connected && nodes_.at(to - 1)->connected &&
         group_.at(from - 1) == group_.at(to - 1) && !cut_links_.count({from, to});
}

uint64_t Simulation::messages_sent(MessageType t) const {
  auto it = sent_by_type_.find(t);
  return it == sent_by_type_.end() ? 0 : it->second;
}

void Simulation::emit(std::vector<Message>& msgs) {
  for (auto& m : msgs) {
    ++sent_total_;
    ++sent_by_type_[m.type];
    if (on_send) on_send(m);
    if (m.to < 1 || m.to > nodes_.size()) {
      error_ = "node " + std::to_string(m.from) + " sent to unknown node " + std::to_string(m.to);
      continue;
    }
    if (!link_up(m.from, m.to) || rng_.chance(net_.drop) || (drop_if && drop_if(m))) continue;
    int delay;
    if (auto it = link_delay_.find({m.from, m.to}); it != link_delay_.end()) {
      delay = it->second;
    } else {
      delay = static_cast<int>(rng_.uniform(net_.min_delay, net_.max_delay));
      if (net_.long_delay > 0 && rng_.chance(net_.long_delay)) {
        delay += static_cast<int>(rng_.uniform(1, net_.long_delay_max));
      }
    }
    wire_.push(InFlight{now_ + delay, seq_++, std::move(m)});
  }
  msgs.clear();
}

void Simulation::process_ready(Node& n) {
  for (int round = 0; round < 100 && n.raft && n.raft->has_ready(); ++round) {
    Ready rd = n.raft->ready();
    emit(rd.messages);
    if (n.crash_mid_ready) return;  // the fsync never happened
    if (!rd.snapshot.empty()) {
      std::vector<Entry> image = decode_entries(rd.snapshot.data);
      if (image.size() != rd.snapshot.index) {
        error_ = "node " + std::to_string(n.id) + " got a snapshot that does not decode";
        return;
      }
      n.disk.entries.clear();
      n.disk.prefix.clear();
      n.disk.write(image);
      n.disk.snapshot = rd.snapshot;
      checker_.on_install(n.id, n.disk, rd.snapshot.index);
      ++installs_;
      n.applied = std::move(image);
    }
    if (!rd.entries.empty()) {
      const Index from = rd.entries.front().index;
      if (from > n.disk.last_index() + 1) {
        error_ = "node " + std::to_string(n.id) + " Ready leaves a gap in the durable log at " +
                 std::to_string(from);
        return;
      }
      n.disk.write(rd.entries);
      checker_.on_persist(n.id, n.disk, from);
    }
    if (rd.has_hard_state) {
      checker_.on_hard_state(n.id, n.disk.hard_state, rd.hard_state);
      if (rd.hard_state.commit > n.disk.last_index()) {
        error_ = "node " + std::to_string(n.id) + " persisted a commit beyond its durable log";
      }
      n.disk.hard_state = rd.hard_state;
    }
    emit(rd.messages_after_persist);
    for (const Entry& e : rd.committed_entries) {
      checker_.on_apply(n.id, e, n.applied.size() + 1, n.disk);
      n.applied.push_back(e);
    }
    for (auto& rs : rd.read_states) n.reads.push_back(rs);
    n.raft->advance();
    maybe_compact(n);
  }
}

void Simulation::maybe_compact(Node& n) {
  if (opts_.compact_every <= 0 || n.applied.empty() ||
      n.applied.size() < n.disk.snapshot.index + opts_.compact_every) {
    return;
  }
  Snapshot snap;
  snap.index = n.applied.size();
  snap.term = n.applied.back().term;
  snap.voters = config_for(n.id, 0).voters;
  snap.data = encode_entries(n.applied);
  n.raft->compact(snap);
  if (n.raft->first_index() == snap.index + 1) n.disk.snapshot = std::move(snap);
}

void Simulation::flush(NodeId id) {
  Node& n = *nodes_.at(id - 1);
  if (n.raft) process_ready(n);
}

void Simulation::deliver_due() {
  for (int k = 0; k < 100000 && !wire_.empty() && wire_.top().at <= now_; ++k) {
    InFlight f = wire_.top();
    wire_.pop();
    Node& n = *nodes_.at(f.msg.to - 1);
    if (!n.raft || !link_up(f.msg.from, f.msg.to)) continue;
    if (on_deliver) on_deliver(f.msg);
    if (auto st = n.raft->step(f.msg); !st) error_ = "step failed: " + st.to_string();
    process_ready(n);
  }
}

void Simulation::check_step() {
  for (auto& n : nodes_) {
    if (!n->raft) continue;
    if (n->raft->commit_index() < n->commit_seen) {
      error_ = "node " + std::to_string(n->id) + " commit index went back";
    }
    n->commit_seen = n->raft->commit_index();
    if (n->raft->role() == Role::kLeader) checker_.on_leader(n->id, n->raft->term(), n->disk);
  }
}

void Simulation::step() {
  ++now_;
  checker_.set_time(now_);
  for (auto& n : nodes_) {
    if (!n->raft) continue;
    n->raft->tick();
    process_ready(*n);
  }
  deliver_due();
  for (auto& n : nodes_) {
    if (n->raft) process_ready(*n);
  }
  check_step();
}

void Simulation::run(int ticks) {
  for (int k = 0; k < ticks && ok(); ++k) step();
}

bool Simulation::run_until(const std::function<bool()>& pred, int max_ticks) {
  for (int k = 0; k < max_ticks && ok(); ++k) {
    if (pred()) return true;
    step();
  }
  return ok() && pred();
}

std::string Simulation::failure() const {
  std::string out = checker_.violation();
  if (!error_.empty()) out += (out.empty() ? "" : "; ") + error_;
  return out;
}

std::vector<NodeId> Simulation::leaders() const {
  std::vector<NodeId> out;
  for (auto& n : nodes_) {
    if (n->raft && n->raft->role() == Role::kLeader) out.push_back(n->id);
  }
  return out;
}

NodeId Simulation::wait_leader(int max_ticks) {
  NodeId best = kNoNode;
  auto find = [&] {
    Term best_term = 0;
    best = kNoNode;
    for (auto& n : nodes_) {
      if (n->raft && n->connected && n->raft->role() == Role::kLeader &&
          n->raft->term() >= best_term) {
        best_term = n->raft->term();
        best = n->id;
      }
    }
    return best != kNoNode;
  };
  run_until(find, max_ticks);
  return best;
}

int Simulation::n_applied(Index index, std::string* data) const {
  int count = 0;
  for (auto& n : nodes_) {
    if (!n->raft || n->applied.size() < index) continue;
    if (count == 0 && data != nullptr) *data = n->applied[index - 1].data;
    ++count;
  }
  return count;
}

Index Simulation::one(const std::string& cmd, int expected, bool retry, int max_ticks) {
  const uint64_t deadline = now_ + max_ticks;
  size_t start = 0;
  while (now_ < deadline && ok()) {
    Index index = 0;
    for (size_t k = 0; k < nodes_.size(); ++k) {
      Node& n = *nodes_[(start + k) % nodes_.size()];
      if (!n.raft || !n.connected) continue;
      auto r = n.raft->propose(cmd);
      if (r.accepted) {
        index = r.index;
        process_ready(n);
        break;
      }
    }
    start++;
    if (index == 0) {
      step();
      continue;
    }
    const uint64_t wait_until = std::min<uint64_t>(deadline, now_ + 4 * opts_.config.election_tick_max);
    while (now_ < wait_until && ok()) {
      std::string data;
      if (n_applied(index, &data) >= expected && data == cmd) return index;
      step();
    }
    if (!retry) return 0;
  }
  return 0;
}

}  // namespace raft::testing
