#include "cluster/raft/testing/interaction.h"

#include <sstream>
#include <stdexcept>

namespace raft::testing {

struct Interaction::Node {
  NodeId id = kNoNode;
  std::unique_ptr<Raft> raft;
  HardState hard_state;          // durable
  Snapshot snapshot;             // durable; its data is "image@<index>"
  std::vector<Entry> entries;    // durable, after the snapshot: entries[k].index == snapshot.index+1+k
  Index applied = 0;
  Term applied_term = 0;
  std::vector<Message> inbox;
};

namespace {

const char* type_name(MessageType t) {
  switch (t) {
    case MessageType::kPreVote: return "PreVote";
    case MessageType::kPreVoteResponse: return "PreVoteResp";
    case MessageType::kVote: return "Vote";
    case MessageType::kVoteResponse: return "VoteResp";
    case MessageType::kAppend: return "App";
    case MessageType::kAppendResponse: return "AppResp";
    case MessageType::kHeartbeat: return "Heartbeat";
    case MessageType::kHeartbeatResponse: return "HeartbeatResp";
    case MessageType::kSnapshot: return "Snap";
    case MessageType::kSnapshotResponse: return "SnapResp";
    case MessageType::kTimeoutNow: return "TimeoutNow";
  }
  return "?";
}

std::vector<std::string> split(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

}  // namespace

std::string describe(const Entry& e) {
  std::string s = std::to_string(e.term) + "/" + std::to_string(e.index);
  return e.type == EntryType::kNoop ? s + " noop" : s + " " + e.data;
}

std::string describe(const Message& m) {
  std::ostringstream o;
  o << m.from << "->" << m.to << " " << type_name(m.type) << " term=" << m.term;
  switch (m.type) {
    case MessageType::kPreVote:
    case MessageType::kVote:
      o << " last=" << m.log_term << "/" << m.index;
      break;
    case MessageType::kPreVoteResponse:
    case MessageType::kVoteResponse:
      o << (m.reject ? " rejected" : " granted");
      break;
    case MessageType::kAppend:
      o << " prev=" << m.log_term << "/" << m.index << " commit=" << m.commit << " [";
      for (size_t k = 0; k < m.entries.size(); ++k) o << (k ? ", " : "") << describe(m.entries[k]);
      o << "]";
      break;
    case MessageType::kAppendResponse:
      o << " index=" << m.index;
      if (m.reject) o << " rejected hint=" << m.reject_hint_term << "/" << m.reject_hint;
      break;
    case MessageType::kHeartbeat:
      o << " commit=" << m.commit;
      if (!m.context.empty()) o << " ctx=" << m.context;
      break;
    case MessageType::kHeartbeatResponse:
      if (!m.context.empty()) o << " ctx=" << m.context;
      break;
    case MessageType::kSnapshot:
      o << " snap=" << m.snapshot.term << "/" << m.snapshot.index << " offset=" << m.snapshot_offset
        << " chunk=" << m.snapshot.data << (m.snapshot_done ? " done" : "");
      break;
    case MessageType::kSnapshotResponse:
      o << " snap=" << m.index << " next-offset=" << m.snapshot_offset
        << (m.reject ? " rejected" : "");
      break;
    default:
      break;
  }
  return o.str();
}

Interaction::Interaction() = default;
Interaction::~Interaction() = default;

Interaction::Node& Interaction::node(const std::string& arg) {
  size_t id = std::stoul(arg);
  if (id < 1 || id > nodes_.size()) throw std::invalid_argument("no node " + arg);
  Node& n = *nodes_[id - 1];
  if (!n.raft) throw std::invalid_argument("node " + arg + " is crashed");
  return n;
}

std::string Interaction::add_nodes(const std::vector<std::string>& args) {
  if (args.size() < 2) throw std::invalid_argument("add-nodes N [options]");
  const int count = std::stoi(args[1]);
  config_ = Config{};
  // Timeouts far beyond any script: time only moves through tick-* commands.
  config_.election_tick_min = 1000;
  config_.election_tick_max = 1000;
  config_.heartbeat_tick = 1;
  for (size_t k = 2; k < args.size(); ++k) {
    if (args[k] == "pre-vote=false") {
      config_.pre_vote = false;
    } else if (args[k] == "check-quorum=false") {
      config_.check_quorum = false;
    } else if (args[k].rfind("election=", 0) == 0) {
      config_.election_tick_min = config_.election_tick_max = std::stoi(args[k].substr(9));
    } else if (args[k].rfind("snapshot-chunk=", 0) == 0) {
      config_.max_snapshot_chunk = std::stoull(args[k].substr(15));
    } else {
      throw std::invalid_argument("unknown option " + args[k]);
    }
  }
  for (int k = 1; k <= count; ++k) config_.voters.push_back(k);
  for (int k = 1; k <= count; ++k) {
    auto n = std::make_unique<Node>();
    n->id = k;
    Config c = config_;
    c.id = k;
    n->raft = std::make_unique<Raft>(c, RestoredState{});
    nodes_.push_back(std::move(n));
  }
  return "ok";
}

std::string Interaction::process_ready(NodeId id) {
  Node& n = node(std::to_string(id));
  if (!n.raft->has_ready()) return "";
  Ready rd = n.raft->ready();
  std::ostringstream o;
  o << "> " << id << " handling Ready\n";
  if (!rd.snapshot.empty()) {
    o << "  Snapshot " << rd.snapshot.term << "/" << rd.snapshot.index << " " << rd.snapshot.data
      << "\n";
    n.snapshot = rd.snapshot;
    n.entries.clear();
    n.applied = rd.snapshot.index;
    n.applied_term = rd.snapshot.term;
  }
  if (rd.has_hard_state) {
    o << "  HardState term=" << rd.hard_state.term << " vote=" << rd.hard_state.vote
      << " commit=" << rd.hard_state.commit << "\n";
    n.hard_state = rd.hard_state;
  }
  if (!rd.entries.empty()) {
    o << "  Entries:";
    for (const auto& e : rd.entries) o << " [" << describe(e) << "]";
    o << "\n";
    n.entries.resize(rd.entries.front().index - n.snapshot.index - 1);
    n.entries.insert(n.entries.end(), rd.entries.begin(), rd.entries.end());
  }
  for (const auto* batch : {&rd.messages, &rd.messages_after_persist}) {
    for (const auto& m : *batch) {
      o << (batch == &rd.messages ? "  send " : "  send after persist ") << describe(m) << "\n";
      nodes_.at(m.to - 1)->inbox.push_back(m);
    }
  }
  if (!rd.committed_entries.empty()) {
    o << "  Apply:";
    for (const auto& e : rd.committed_entries) o << " [" << describe(e) << "]";
    o << "\n";
    n.applied = rd.committed_entries.back().index;
    n.applied_term = rd.committed_entries.back().term;
  }
  for (const auto& rs : rd.read_states) o << "  ReadState " << rs.context << " at " << rs.index << "\n";
  n.raft->advance();
  return o.str();
}

std::string Interaction::deliver(NodeId id) {
  Node& n = *nodes_.at(id - 1);
  std::vector<Message> inbox;
  inbox.swap(n.inbox);
  std::ostringstream o;
  for (const auto& m : inbox) {
    if (!n.raft || isolated_.count(m.from) || isolated_.count(m.to)) {
      o << "  dropped " << describe(m) << "\n";
      continue;
    }
    o << "  " << describe(m) << "\n";
    if (auto st = n.raft->step(m); !st) o << "  error: " << st.message() << "\n";
  }
  return o.str();
}

std::string Interaction::stabilize() {
  std::string out;
  for (int round = 0; round < 100; ++round) {
    bool moved = false;
    for (auto& n : nodes_) {
      if (!n->raft) continue;
      std::string s = process_ready(n->id);
      moved |= !s.empty();
      out += s;
    }
    for (auto& n : nodes_) {
      if (n->inbox.empty()) continue;
      moved = true;
      out += "> " + std::to_string(n->id) + " receiving messages\n" + deliver(n->id);
    }
    if (!moved) break;
  }
  return out;
}

std::string Interaction::status() const {
  std::ostringstream o;
  for (const auto& n : nodes_) {
    if (!n->raft) {
      o << n->id << ": crashed\n";
      continue;
    }
    const Raft& r = *n->raft;
    o << n->id << ": " << role_name(r.role()) << " term=" << r.term() << " leader=" << r.leader()
      << " commit=" << r.commit_index() << " last=" << r.last_index() << "\n";
  }
  return o.str();
}

std::string Interaction::run(const std::string& line) {
  auto args = split(line);
  if (args.empty()) return "";
  const std::string& cmd = args[0];
  try {
    std::string out;
    if (cmd == "add-nodes") return add_nodes(args);
    if (cmd == "status") return status();
    if (cmd == "stabilize") return stabilize();
    if (cmd == "heal") {
      isolated_.clear();
      return "ok";
    }
    if (args.size() < 2) throw std::invalid_argument("missing node id");
    if (cmd == "process-ready" || cmd == "deliver-msgs") {
      for (size_t k = 1; k < args.size(); ++k) {
        NodeId id = std::stoul(args[k]);
        out += cmd == "process-ready" ? process_ready(id) : deliver(id);
      }
      return out;
    }
    if (cmd == "isolate") {
      isolated_.insert(std::stoul(args[1]));
      return "ok";
    }
    if (cmd == "crash") {
      nodes_.at(std::stoul(args[1]) - 1)->raft.reset();
      nodes_.at(std::stoul(args[1]) - 1)->inbox.clear();
      return "ok";
    }
    if (cmd == "restart") {
      Node& n = *nodes_.at(std::stoul(args[1]) - 1);
      Config c = config_;
      c.id = n.id;
      n.raft = std::make_unique<Raft>(c, RestoredState{n.hard_state, n.snapshot, n.entries});
      n.applied = n.snapshot.index;
      n.applied_term = n.snapshot.term;
      return "ok";
    }
    Node& n = node(args[1]);
    if (cmd == "compact") {
      Snapshot snap{n.applied, n.applied_term, config_.voters, "image@" + std::to_string(n.applied)};
      n.raft->compact(snap);
      if (n.raft->first_index() != snap.index + 1) return "not compacted";
      n.entries.erase(n.entries.begin(), n.entries.begin() + (snap.index - n.snapshot.index));
      n.snapshot = std::move(snap);
      return "ok first_index=" + std::to_string(n.raft->first_index());
    }
    if (cmd == "campaign") {
      n.raft->campaign();
      return "ok";
    }
    if (cmd == "propose") {
      auto r = n.raft->propose(args.size() > 2 ? args[2] : "");
      return r.accepted ? "ok index=" + std::to_string(r.index)
                        : "rejected leader=" + std::to_string(r.leader_hint);
    }
    if (cmd == "read-index") {
      return n.raft->read_index(args.size() > 2 ? args[2] : "") ? "ok" : "rejected";
    }
    if (cmd == "tick-heartbeat" || cmd == "tick-election") {
      const int ticks = cmd == "tick-heartbeat" ? config_.heartbeat_tick : config_.election_tick_max;
      for (int k = 0; k < ticks; ++k) n.raft->tick();
      return "ok";
    }
    throw std::invalid_argument("unknown command " + cmd);
  } catch (const std::exception& e) {
    return std::string("error: ") + e.what();
  }
}

}  // namespace raft::testing
