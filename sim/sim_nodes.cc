#include "sim/sim_nodes.h"

#include <algorithm>

namespace sim {

SimNodes::SimNodes(SimClock& clock, SimNetwork& net, std::vector<node::NodeCoreOptions> options,
                   std::vector<std::unique_ptr<SimDisk>> disks, ProcessTiming timing)
    : clock_(clock), options_(std::move(options)), disks_(std::move(disks)),
      logs_(options_.size()), errors_(options_.size()), power_losses_(options_.size(), 0),
      rot_(options_.size()) {
  for (size_t i = 0; i < options_.size(); ++i) {
    hosts_.push_back(std::make_unique<ProcessHost>(
        clock.loop(), net, static_cast<int>(i), disks_[i].get(), timing, [this, i](Nanos now) {
          std::string error;
          auto p = NodeProcess::open(options_[i], disks_[i].get(), &logs_[i], now, &error);
          errors_[i] = error;
          if (p) {
            p->set_step_observer([this, i](const NodeProcess& process) {
              if (observer_) observer_(static_cast<int>(i), hosts_[i]->incarnation(), process);
            });
          }
          return std::unique_ptr<Process>(std::move(p));
        }));
  }
}

SimNodes::~SimNodes() = default;

common::Status SimNodes::check(int node) const {
  if (node < 0 || node >= count())
    return common::Status::invalid_argument("no node " + std::to_string(node) + " (the cluster has " +
                                            std::to_string(count()) + ")");
  return common::Status::ok();
}

common::Status SimNodes::start(int node) {
  if (auto s = check(node); !s) return s;
  Rot& rot = rot_[static_cast<size_t>(node)];
  const bool first_start_since_rot = !rot.where.empty() && rot.outcome.empty();
  disk(node).start_reads();
  if (!host(node).start()) {
    const std::string& error = errors_[static_cast<size_t>(node)];
    if (!rot.where.empty()) {  // what it must do over a damaged disk: stay down, as an operator finds it
      if (first_start_since_rot) rot.outcome = "refused to start (kept down): " + error;
      return common::Status::ok();
    }
    return common::Status::unavailable("node n" + std::to_string(node + 1) +
                                       " refused to start: " + error);
  }
  if (first_start_since_rot) {
    if (rot.promised && disk(node).was_read(rot.path)) {
      rot.outcome = "started although its recovery read the damaged file, and the bit was in bytes an fsync had "
                    "returned for: it took damaged durable state for good, or dropped it as an unfinished write";
      if (damage_violation_.empty()) damage_violation_ = bit_rot(node);
    } else {
      rot.outcome = rot.promised ? "started (its recovery did not read the damaged file)"
                                 : "started (the bit was in unsynced bytes a power cut had kept: never promised)";
    }
  }
  return common::Status::ok();
}

common::Status SimNodes::crash(int node, harness::sut::Crash how, bool may_rot) {
  if (auto s = check(node); !s) return s;
  if (!host(node).up()) return common::Status::ok();
  if (how == harness::sut::Crash::kProcess && power_loss_ > 0 && power_rng_.chance(power_loss_))
    how = harness::sut::Crash::kPowerLoss;
  host(node).kill();
  // The node died while its last fsync was still running: it never completed. After a kill its
  // bytes are still in the page cache (a restart reads them) but durable only once synced again.
  if (host(node).killed_mid_sync()) disk(node).undo_step_syncs();
  if (how == harness::sut::Crash::kPowerLoss) {
    disk(node).power_cut();
    ++power_losses_[static_cast<size_t>(node)];
  }
  const bool rotted = std::any_of(rot_.begin(), rot_.end(), [](const Rot& r) { return !r.where.empty(); });
  if (may_rot && bit_rot_ > 0 && !rotted && rot_rng_.chance(bit_rot_)) {  // one node per run
    if (auto flip = disk(node).flip_at_rest(options_[static_cast<size_t>(node)].data_dir)) {
      Rot& r = rot_[static_cast<size_t>(node)];
      r.path = flip->path;
      r.promised = flip->promised;
      std::string& w = r.where = flip->path + "@" + std::to_string(flip->offset);
      w += " (flipped at ";  // appended: GCC 12 reports a false -Wrestrict on "lit" + to_string
      w += std::to_string(clock_.now_ns() / 1'000'000);
      w += " ms, while it was down)";
    }
  }
  return common::Status::ok();
}

std::string SimNodes::damage_summary() const {
  if (!damage_violation_.empty()) return damage_violation_;
  for (int i = 0; i < count(); ++i)
    if (std::string rot = bit_rot(i); !rot.empty()) return rot;
  return "no bit flipped at rest in this run";
}

std::string SimNodes::bit_rot(int node) const {
  const Rot& rot = rot_[static_cast<size_t>(node)];
  if (rot.where.empty()) return "";
  std::string line(1, 'n');
  line += std::to_string(node + 1);
  line += " bit rot at ";
  line += rot.where;
  if (!rot.outcome.empty()) line += "; the node " + rot.outcome;
  return line;
}

common::Status SimNodes::restart(int node) {
  if (auto s = kill(node); !s) return s;
  return start(node);
}

common::Status SimNodes::pause(int node) {
  if (auto s = check(node); !s) return s;
  host(node).pause();
  return common::Status::ok();
}

common::Status SimNodes::resume(int node) {
  if (auto s = check(node); !s) return s;
  host(node).resume();
  return common::Status::ok();
}

bool SimNodes::running(int node) { return check(node) && host(node).up(); }

bool SimNodes::paused(int node) const { return check(node) && hosts_[static_cast<size_t>(node)]->paused(); }

node::NodeCore* SimNodes::core(int node) {
  if (!running(node)) return nullptr;
  return &static_cast<NodeProcess*>(host(node).process())->core();
}

Durability SimNodes::durability(int node) {
  if (!running(node)) return {};
  return static_cast<NodeProcess*>(host(node).process())->durability(host(node).in_synced_step());
}

common::Result<harness::sut::NodeStatus> SimNodes::status(int node, int64_t timeout_ns) {
  if (auto s = check(node); !s) return s;
  if (!host(node).up()) return common::Status::unavailable("node n" + std::to_string(node) + " is down");
  if (host(node).paused()) {
    clock_.sleep_for(timeout_ns);  // a stopped process never answers
    return common::Status::timeout("node n" + std::to_string(node) + " did not answer (paused)");
  }
  harness::sut::NodeStatus st;
  host(node).poke([&](Process& p, Outbox& out) {
    st = static_cast<NodeProcess&>(p).status(host(node).local_now(), out);
  });
  return st;
}

std::optional<int> SimNodes::leader(int64_t deadline_ns) {
  for (;;) {
    std::optional<int> best;
    uint64_t best_term = 0;
    for (int i = 0; i < count(); ++i) {
      if (!host(i).up() || host(i).paused()) continue;
      node::NodeCore* c = core(i);
      if (c->role() == raft::Role::kLeader && (!best || c->term() > best_term)) {
        best = i;
        best_term = c->term();
      }
    }
    if (best || clock_.now_ns() >= deadline_ns) return best;
    clock_.sleep_until(std::min<int64_t>(deadline_ns, clock_.now_ns() + 10 * kMilli));
  }
}

std::string SimNodes::log_file(int node) const { return "logs/n" + std::to_string(node + 1) + ".log"; }

common::Status SimNodes::slow(int node, double fraction) {
  if (auto s = check(node); !s) return s;
  host(node).set_speed(fraction);
  return common::Status::ok();
}

common::Status SimNodes::drift(int node, double rate) {
  if (auto s = check(node); !s) return s;
  host(node).set_clock_rate(rate);
  return common::Status::ok();
}

common::Status SimNodes::slow_disk(int node, double factor) {
  if (auto s = check(node); !s) return s;
  DiskTiming t = disk(node).timing();
  t.slow_factor = factor;
  disk(node).set_timing(t);
  return common::Status::ok();
}

}  // namespace sim
