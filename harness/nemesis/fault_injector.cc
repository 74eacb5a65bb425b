#include "harness/nemesis/fault_injector.h"

#include <algorithm>
#include <sstream>

namespace harness {
namespace {

constexpr Micros kLeaderWait{3'000'000};

std::string sides_text(const std::vector<std::vector<int>>& sides) {
  std::ostringstream out;
  for (size_t s = 0; s < sides.size(); ++s) {
    out << (s ? "|" : "") << "{";
    for (size_t k = 0; k < sides[s].size(); ++k) out << (k ? "," : "") << sides[s][k];
    out << "}";
  }
  return out.str();
}

std::string set_text(const std::set<int>& nodes) {
  if (nodes.empty()) return "-";
  std::ostringstream out;
  bool first = true;
  for (int n : nodes) {
    out << (first ? "n" : ",n") << n;
    first = false;
  }
  return out.str();
}

// Minority members: `first` (if >= 0), then nodes in the drawn order, up to (n - 1) / 2.
std::vector<int> minority(int n, int first, const std::vector<int>& order) {
  const size_t size = static_cast<size_t>(std::max(1, (n - 1) / 2));
  std::vector<int> out;
  if (first >= 0) out.push_back(first);
  for (int x : order) {
    if (out.size() >= size) break;
    if (x != first) out.push_back(x);
  }
  return out;
}

std::vector<int> complement(int n, const std::vector<int>& some) {
  std::vector<int> out;
  for (int x = 0; x < n; ++x) {
    if (std::find(some.begin(), some.end(), x) == some.end()) out.push_back(x);
  }
  return out;
}

}  // namespace

FaultInjector::FaultInjector(ClusterControl& cluster, JsonlWriter* log, const common::Clock& clock)
    : cluster_(cluster), log_(log), clock_(clock) {}

void FaultInjector::set_context(const std::string& phase, int iteration) {
  std::lock_guard lock(mu_);
  phase_ = phase;
  iteration_ = iteration;
}

common::Status FaultInjector::apply(const ScheduledEvent& event) {
  std::lock_guard lock(mu_);
  std::vector<int> nodes;
  common::Status status = apply_locked(event, &nodes);
  log_locked(event, nodes, status);
  ++actions_;
  return status;
}

common::Status FaultInjector::apply_step(const Step& step, common::Rng& rng) {
  ScheduledEvent event;
  event.action = step;
  event.entry = -1 - step.line;  // steps never undo; a distinct key per line
  const int n = cluster_.num_nodes();
  event.order.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) event.order[static_cast<size_t>(i)] = i;
  for (int i = n - 1; i > 0; --i) {
    std::swap(event.order[static_cast<size_t>(i)], event.order[static_cast<size_t>(rng.uniform(0, i))]);
  }
  if (step.kind == Step::Kind::kPartition && step.partition.kind == PartitionSpec::Kind::kRandomHalves) {
    event.sides = random_halves(n, rng);
  }
  event.random_node = static_cast<int>(rng.uniform(0, n - 1));
  return apply(event);
}

common::Status FaultInjector::heal_everything() {
  std::lock_guard lock(mu_);
  common::Status first_error;
  for (int n : std::set<int>(paused_)) {
    if (auto s = cluster_.resume(n); !s && first_error.is_ok()) first_error = s;
    paused_.erase(n);
  }
  for (int n : std::set<int>(down_)) {
    if (auto s = cluster_.start(n); !s && first_error.is_ok()) first_error = s;
    down_.erase(n);
  }
  cluster_.heal();
  sides_.clear();
  partition_text_.clear();
  network_text_.clear();
  ScheduledEvent e;
  e.action.kind = Step::Kind::kHeal;
  log_locked(e, {}, first_error);
  return first_error;
}

std::vector<int> FaultInjector::resolve_locked(const ScheduledEvent& event, common::Status* status) {
  const int n = cluster_.num_nodes();
  const NodeTarget& t = event.action.target;
  switch (t.kind) {
    case NodeTarget::Kind::kNode: return {t.node};
    case NodeTarget::Kind::kRandom: return {event.random_node};
    case NodeTarget::Kind::kMinority: return minority(n, -1, event.order);
    case NodeTarget::Kind::kAll: {
      if (event.action.kind == Step::Kind::kRestart) return {down_.begin(), down_.end()};
      if (event.action.kind == Step::Kind::kResume) return {paused_.begin(), paused_.end()};
      return complement(n, {});
    }
    case NodeTarget::Kind::kDown: return {down_.begin(), down_.end()};
    case NodeTarget::Kind::kLeader: {
      auto leader = cluster_.leader(kLeaderWait);
      if (!leader) {
        *status = common::Status::unavailable("no leader within 3 s");
        return {};
      }
      return {*leader};
    }
  }
  return {};
}

common::Status FaultInjector::partition_locked(const ScheduledEvent& event, std::vector<int>* nodes) {
  const int n = cluster_.num_nodes();
  const PartitionSpec& p = event.action.partition;
  std::vector<std::vector<int>> sides;
  std::vector<std::pair<int, int>> cuts;
  switch (p.kind) {
    case PartitionSpec::Kind::kRandomHalves: sides = event.sides; break;
    case PartitionSpec::Kind::kSets: sides = p.sets; break;
    case PartitionSpec::Kind::kIsolateNode: sides = {complement(n, {p.node}), {p.node}}; break;
    case PartitionSpec::Kind::kLeaderMinority:
    case PartitionSpec::Kind::kIsolateLeader: {
      auto leader = cluster_.leader(kLeaderWait);
      if (!leader) return common::Status::unavailable("no leader within 3 s to partition");
      std::vector<int> minor = p.kind == PartitionSpec::Kind::kIsolateLeader
                                   ? std::vector<int>{*leader}
                                   : minority(n, *leader, event.order);
      sides = {complement(n, minor), minor};
      break;
    }
    case PartitionSpec::Kind::kBridge: {
      // Two halves that cannot talk, joined by one bridge node that talks to both.
      const int bridge = event.order[0];
      std::vector<int> rest(event.order.begin() + 1, event.order.end());
      const size_t half = rest.size() / 2;
      for (size_t a = 0; a < half; ++a) {
        for (size_t b = half; b < rest.size(); ++b) cuts.emplace_back(rest[a], rest[b]);
      }
      nodes->push_back(bridge);
      break;
    }
    case PartitionSpec::Kind::kRing: {
      // Nodes in the drawn order on a ring; each talks only to its two neighbours.
      for (int a = 0; a < n; ++a) {
        for (int b = a + 1; b < n; ++b) {
          const int pa = static_cast<int>(std::find(event.order.begin(), event.order.end(), a) - event.order.begin());
          const int pb = static_cast<int>(std::find(event.order.begin(), event.order.end(), b) - event.order.begin());
          const int d = std::abs(pa - pb);
          if (d != 1 && d != n - 1) cuts.emplace_back(a, b);
        }
      }
      nodes->assign(event.order.begin(), event.order.end());
      break;
    }
  }
  cluster_.heal();
  if (!cuts.empty()) {
    if (auto s = cluster_.cut_links(cuts); !s) return s;
    sides_.clear();
    partition_text_ = describe(p) + " (" + std::to_string(cuts.size()) + " links cut)";
    return common::Status::ok();
  }
  if (auto s = cluster_.set_partition(sides, p.clients_side); !s) return s;
  sides_ = sides;
  partition_text_ = sides_text(sides) + (p.clients_side >= 0 ? " clients on side " + std::to_string(p.clients_side) : "");
  for (const auto& side : sides) nodes->insert(nodes->end(), side.begin(), side.end());
  return common::Status::ok();
}

common::Status FaultInjector::apply_locked(const ScheduledEvent& event, std::vector<int>* nodes) {
  const Step& step = event.action;
  if (event.undo) {
    // Revert exactly what the forward event of this entry did.
    const std::vector<int> touched = last_nodes_[event.entry];
    switch (step.kind) {
      case Step::Kind::kPartition:
        cluster_.heal();
        sides_.clear();
        partition_text_.clear();
        return common::Status::ok();
      case Step::Kind::kKill:
        for (int n : touched) {
          if (!down_.count(n)) continue;
          if (auto s = cluster_.start(n); !s) return s;
          down_.erase(n);
          nodes->push_back(n);
        }
        return common::Status::ok();
      case Step::Kind::kPause:
        for (int n : touched) {
          if (!paused_.count(n)) continue;
          if (auto s = cluster_.resume(n); !s) return s;
          paused_.erase(n);
          nodes->push_back(n);
        }
        return common::Status::ok();
      case Step::Kind::kNetwork:
        network_text_.clear();
        return cluster_.set_network(NetworkRule{});
      default:
        return common::Status::ok();
    }
  }
  common::Status status;
  switch (step.kind) {
    case Step::Kind::kHeal:
      cluster_.heal();
      sides_.clear();
      partition_text_.clear();
      network_text_.clear();
      return status;
    case Step::Kind::kPartition:
      status = partition_locked(event, nodes);
      break;
    case Step::Kind::kKill:
    case Step::Kind::kRestart:
    case Step::Kind::kPause:
    case Step::Kind::kResume: {
      std::vector<int> targets = resolve_locked(event, &status);
      if (!status) return status;
      for (int n : targets) {
        common::Status s;
        if (step.kind == Step::Kind::kKill) {
          if (paused_.erase(n)) (void)cluster_.resume(n);
          s = cluster_.kill(n);
          if (s) down_.insert(n);
        } else if (step.kind == Step::Kind::kRestart) {
          if (paused_.erase(n)) (void)cluster_.resume(n);
          s = cluster_.start(n);
          if (s) down_.erase(n);
        } else if (step.kind == Step::Kind::kPause) {
          if (down_.count(n) || paused_.count(n)) continue;
          s = cluster_.pause(n);
          if (s) paused_.insert(n);
        } else {
          if (!paused_.count(n)) continue;
          s = cluster_.resume(n);
          if (s) paused_.erase(n);
        }
        if (!s) return s;
        nodes->push_back(n);
      }
      break;
    }
    case Step::Kind::kNetwork:
      status = cluster_.set_network(step.network);
      network_text_ = step.network.is_reliable() ? "" : describe(step.network);
      break;
    default:
      return common::Status::invalid_argument(std::string(to_string(step.kind)) + " is not a fault");
  }
  if (status) last_nodes_[event.entry] = *nodes;
  return status;
}

void FaultInjector::log_locked(const ScheduledEvent& event, const std::vector<int>& nodes,
                               const common::Status& status) {
  if (!log_) return;
  nlohmann::json line;
  line["time"] = clock_.now_ns();
  line["phase"] = phase_;
  line["iteration"] = iteration_;
  line["action"] = to_string(event.action.kind);
  line["undo"] = event.undo;
  line["detail"] = event.describe();
  line["nodes"] = nodes;
  nlohmann::json logs = nlohmann::json::array();
  for (int n : nodes) logs.push_back(cluster_.node_log(n));
  line["node_logs"] = logs;  // beside `nodes`: a user looking for n0's log finds logs/n1.log
  if (!sides_.empty()) line["sides"] = sides_;
  line["active"] = active_faults_locked();
  line["ok"] = status.is_ok();
  if (!status.is_ok()) line["error"] = status.message();
  log_->write(line);
}

std::vector<std::vector<int>> FaultInjector::sides() const {
  std::lock_guard lock(mu_);
  return sides_;
}

std::set<int> FaultInjector::down() const {
  std::lock_guard lock(mu_);
  return down_;
}

int FaultInjector::actions() const {
  std::lock_guard lock(mu_);
  return actions_;
}

std::string FaultInjector::active_faults() const {
  std::lock_guard lock(mu_);
  return active_faults_locked();
}

std::string FaultInjector::active_faults_locked() const {
  std::string out;
  auto add = [&](const std::string& s) {
    if (!out.empty()) out += "; ";
    out += s;
  };
  if (!partition_text_.empty()) add("partition " + partition_text_);
  if (!down_.empty()) add("down " + set_text(down_));
  if (!paused_.empty()) add("paused " + set_text(paused_));
  if (!network_text_.empty()) add("net " + network_text_);
  return out.empty() ? "none" : out;
}

}  // namespace harness
