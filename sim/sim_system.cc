#include "sim/sim_system.h"

#include <filesystem>
#include <fstream>
#include <utility>

#include "sim/seeds.h"

namespace sim {

wire::ClusterConfig sim_cluster_config(int nodes, const harness::sut::ClusterSettings& s) {
  wire::ClusterConfig c;
  c.path = "(simulated cluster)";
  for (int i = 0; i < nodes; ++i) {
    wire::NodeAddresses a;
    a.id = static_cast<uint64_t>(i + 1);
    a.listen = a.address = a.client_address = "sim://n" + std::to_string(i + 1);
    c.nodes.push_back(a);
  }
  auto ms = [](int64_t ns) { return static_cast<int>(ns / 1'000'000); };
  c.tick_ms = std::max(1, ms(s.tick_ns));
  c.election_timeout_min_ms = ms(s.election_min_ns);
  c.election_timeout_max_ms = ms(s.election_max_ns);
  c.heartbeat_ms = ms(s.heartbeat_ns);
  c.fsync = s.fsync == harness::sut::Fsync::kNever ? wire::FsyncMode::kNever : wire::FsyncMode::kAlways;
  c.read_mode = s.read_mode == harness::sut::ReadMode::kLocal ? wire::ReadMode::kLocal
                : s.read_mode == harness::sut::ReadMode::kLog ? wire::ReadMode::kLog
                                                              : wire::ReadMode::kReadIndex;
  c.storage = s.storage == harness::sut::Storage::kMemory ? wire::StorageMode::kMemory : wire::StorageMode::kDisk;
  c.dedup = s.dedup;
  c.pre_vote = s.pre_vote;
  c.check_quorum = s.check_quorum;
  c.compaction_bytes = s.compaction_bytes;
  return c;
}

SimSystem::SimSystem(const harness::sut::SystemSpec& spec, const WorldOptions& options)
    : spec_(spec), options_(options), clock_(loop_), net_(loop_, common::Rng(spec.network_seed), spec.nodes),
      seam_(net_, spec.nodes),
      invariants_(spec.nodes, [this](int i) -> const ReplicaView* {
        node::NodeCore* c = nodes_ ? nodes_->core(i) : nullptr;
        if (!c || !c->failure().is_ok()) return nullptr;
        return &peer_views_[static_cast<size_t>(i)].emplace(*c, nodes_->durability(i));
      }),
      peer_views_(static_cast<size_t>(spec.nodes)) {
  LinkQuality base;
  base.latency = options.latency;
  base.duplicate = options.duplicate;
  base.reorder = options.reorder;
  net_.set_baseline(base);
  net_.set_hold(options.partition_hold);
  const wire::ClusterConfig config = sim_cluster_config(spec.nodes, spec.settings);
  std::vector<node::NodeCoreOptions> opts;
  std::vector<std::unique_ptr<SimDisk>> disks;
  const Seeds seeds(options.seed);
  for (int i = 0; i < spec.nodes; ++i) {
    node::NodeCoreOptions o;
    o.cluster = config;
    o.id = static_cast<uint64_t>(i + 1);
    o.data_dir = "/data/n" + std::to_string(i + 1);
    o.seed = static_cast<size_t>(i) < spec.node_seeds.size() && spec.node_seeds[static_cast<size_t>(i)]
                 ? spec.node_seeds[static_cast<size_t>(i)]
                 : seeds.seed_of("node/" + std::to_string(i)) | 1;
    o.max_msg_bytes = options.max_msg_bytes;
    o.max_inflight_bytes = options.max_inflight_bytes;
    o.max_snapshot_chunk = options.max_snapshot_chunk;
    o.segment_bytes = options.segment_bytes;
    opts.push_back(std::move(o));
    disks.push_back(std::make_unique<SimDisk>(seeds.stream("disk", i), options.disk));
  }
  ProcessTiming timing;
  timing.tick_interval = static_cast<Nanos>(config.tick_ms) * kMilli;
  timing.cpu_cost = options.cpu_cost;
  timing.max_inputs_per_step = options.max_inputs_per_step;
  nodes_ = std::make_unique<SimNodes>(clock_, net_, std::move(opts), std::move(disks), timing);
  clients_ = std::make_unique<SimClients>(clock_, net_, seam_, spec.nodes);
  nodes_->set_step_observer([this](int node, uint64_t incarnation, const NodeProcess& process) {
    const node::NodeCore& core = process.core();
    invariants_.after_step(node, incarnation, CoreView(core), loop_.now(), process.step_reads());
    const uint64_t previous = std::exchange(last_incarnation_[static_cast<size_t>(node)], incarnation);
    if (options_.election_crash > 0) {
      ElectionState& e = election_state_[static_cast<size_t>(node)];
      const bool voted = core.vote() != raft::kNoNode && (core.vote() != e.vote || core.term() != e.term);
      const bool led = core.role() == raft::Role::kLeader && e.role != raft::Role::kLeader;
      e = ElectionState{core.term(), core.vote(), core.role()};
      if (previous == incarnation && (voted || led)) maybe_crash_after_election_step(node, core);
    }
    const bool restarted = previous != 0 && previous != incarnation;  // not its first start
    if (options_.restart_crash > 0 && restarted &&
        crash_drawn(restart_rng_, options_.restart_crash, &restart_crashes_, node))
      crash_soon(node, restart_rng_, 30 * kMilli, "restarted");
  });
  election_state_.resize(static_cast<size_t>(spec.nodes));
  election_rng_ = Seeds(options_.seed).stream("election-crash");
  last_incarnation_.resize(static_cast<size_t>(spec.nodes));
  restart_rng_ = Seeds(options_.seed).stream("restart-crash");
}

SimSystem::~SimSystem() { finish(false); }

common::Status SimSystem::start() {
  if (started_) return common::Status::ok();
  started_ = true;
  for (int i = 0; i < spec_.nodes; ++i) {
    if (auto st = nodes_->start(i); !st) return st;
  }
  nodes_->set_power_loss(options_.power_loss, Seeds(options_.seed).stream("power-loss"));
  nodes_->set_bit_rot(options_.bit_rot, Seeds(options_.seed).stream("bit-rot"));
  start_sim_faults();
  schedule_audit();
  return common::Status::ok();
}

void SimSystem::schedule_audit() {
  loop_.after(100 * kMilli, EventKind::kControl, [this] {
    if (stopped_) return;
    audit();
    schedule_audit();
  });
}

void SimSystem::audit() {
  for (int i = 0; i < nodes_->count(); ++i) {
    node::NodeCore* c = nodes_->core(i);
    if (c && c->failure().is_ok()) invariants_.audit_state(i, CoreView(*c), loop_.now());
  }
}

std::vector<harness::sut::System::OwnCheck> SimSystem::own_checks() const {
  std::vector<OwnCheck> out;
  const std::string& v = invariants_.raft_violation();
  out.push_back(OwnCheck{"raft_invariants", v.empty(),
                         v.empty() ? "election safety, state machine safety, leader completeness, commits on "
                                     "durable majorities, " +
                                         std::to_string(invariants_.elections_checked()) +
                                         " elections on durable votes and " +
                                         std::to_string(invariants_.reads_checked()) +
                                         " ReadIndex rounds covering every commit held over " +
                                         std::to_string(invariants_.steps_checked()) + " node steps (" +
                                         std::to_string(invariants_.commits_checked()) + " commits compared)"
                                   : v});
  const std::string& d = invariants_.divergence();
  out.push_back(OwnCheck{"replicas_agree", d.empty(),
                         d.empty() ? std::to_string(invariants_.digests_compared()) +
                                         " state digests compared by applied index, all equal"
                                   : d});
  // A node never starts over damaged durable state (SimNodes::set_bit_rot).
  out.push_back(OwnCheck{"damage_refused", nodes_->damage_violation().empty(), nodes_->damage_summary()});
  out.push_back(OwnCheck{"replicas_catch_up", caught_up_, catch_up_summary_});
  return out;
}

// Every 100 ms of run time each node may slow down, drift or get a slow disk for a while; each
// change is one line of the fingerprint (the sweep prints them with a failure).
void SimSystem::start_sim_faults() {
  const WorldOptions& f = options_;
  if (f.slow_node <= 0 && f.clock_drift <= 0 && f.slow_disk <= 0) return;
  sim_faults_ = clock_.spawn("sim-faults", [this] {
    const WorldOptions& f = options_;
    common::Rng rng = Seeds(options_.seed).stream("sim-faults");
    const int n = nodes_->count();
    std::vector<int64_t> until(static_cast<size_t>(n), 0);
    auto note = [this](const std::string& what, int node) { note_fault(node, what); };
    auto normal = [&](int i) {
      (void)nodes_->slow(i, 1.0);
      (void)nodes_->drift(i, 1.0);
      (void)nodes_->slow_disk(i, 1.0);
    };
    const double p = 0.1;  // per 100 ms step: the rates are per second
    while (!finishing_) {
      clock_.sleep_for(100 * kMilli);
      for (int i = 0; i < n && !finishing_; ++i) {
        int64_t& u = until[static_cast<size_t>(i)];
        if (u && clock_.now_ns() >= u) {
          normal(i);
          u = 0;
          note("back to normal", i);
          continue;
        }
        if (u) continue;
        const int64_t span = rng.uniform(200, 3000) * kMilli;
        if (rng.chance(f.slow_node * p)) {
          (void)nodes_->slow(i, f.slow_fraction);
          note("slow x" + std::to_string(f.slow_fraction), i);
        } else if (rng.chance(f.clock_drift * p)) {
          const double rate = 1.0 + (rng.next_double() * 2 - 1) * f.drift_max;
          (void)nodes_->drift(i, rate);
          note("clock rate " + std::to_string(rate), i);
        } else if (rng.chance(f.slow_disk * p)) {
          const int factor = static_cast<int>(rng.uniform(10, 100));
          (void)nodes_->slow_disk(i, factor);
          note("slow disk x" + std::to_string(factor), i);
        } else {
          continue;
        }
        u = clock_.now_ns() + span;
      }
    }
    for (int i = 0; i < n; ++i) normal(i);
  });
}

void SimSystem::note_fault(int node, const std::string& what) {
  std::string line = std::to_string(loop_.now() / kMilli);
  line += "ms n";
  line += std::to_string(node + 1);  // Raft ids, as in logs/n<id>.log
  line += ' ';
  line += what;
  fault_lines_.push_back(std::move(line));
}

void SimSystem::maybe_crash_after_election_step(int node, const node::NodeCore& core) {
  if (!crash_drawn(election_rng_, options_.election_crash, &election_crashes_, node)) return;
  const std::string what = core.role() == raft::Role::kLeader ? "became leader of term " : "voted in term ";
  crash_soon(node, election_rng_, 1 * kMilli, what + std::to_string(core.term()));  // maybe while its fsync runs
}

bool SimSystem::crash_drawn(common::Rng& rng, double chance, int* crashes, int node) {
  constexpr int kMaxCrashesOfAKind = 10;
  if (finishing_ || *crashes >= kMaxCrashesOfAKind || !rng.chance(chance) || !others_keep_a_majority(node))
    return false;
  ++*crashes;
  return true;
}

bool SimSystem::others_keep_a_majority(int node) const {
  const int n = nodes_->count();
  int up = 0;
  for (int i = 0; i < n; ++i) up += i != node && nodes_->host(i).up() && !nodes_->host(i).paused();
  return up >= n / 2 + 1;
}

void SimSystem::crash_soon(int node, common::Rng& rng, Nanos within, const std::string& line_what) {
  const Nanos after = rng.uniform(0, within / kMicro) * kMicro;
  const Nanos down = rng.uniform(20, 400) * kMilli;
  ProcessHost& host = nodes_->host(node);
  const uint64_t incarnation = host.incarnation();
  loop_.after(after, EventKind::kControl, [this, node, incarnation, down, line_what] {
    ProcessHost& h = nodes_->host(node);
    // Something else came first: the node crashed or restarted, or another node went down.
    if (finishing_ || !h.up() || h.incarnation() != incarnation || !others_keep_a_majority(node)) return;
    const uint64_t losses = nodes_->power_losses(node);
    (void)nodes_->crash(node, harness::sut::Crash::kProcess, false);
    note_fault(node, (nodes_->power_losses(node) > losses ? "lost power after it " : "crashed after it ") + line_what);
    const uint64_t down_incarnation = h.incarnation();
    loop_.after(down, EventKind::kControl, [this, node, down_incarnation] {
      ProcessHost& h2 = nodes_->host(node);
      if (finishing_ || h2.up() || h2.incarnation() != down_incarnation) return;  // restarted meanwhile
      (void)nodes_->start(node);
      note_fault(node, h2.up() ? "started again" : "refused to start");
    });
  });
}

void SimSystem::stop() { finish(true); }

void SimSystem::settle() {
  const int n = nodes_->count();
  std::vector<int> live;
  raft::Index target = 0;
  for (int i = 0; i < n; ++i) {
    const node::NodeCore* c = nodes_->core(i);
    if (!c || !c->failure().is_ok() || nodes_->paused(i)) continue;
    live.push_back(i);
    target = std::max(target, c->commit_index());
  }
  if (live.size() * 2 <= static_cast<size_t>(n)) {
    catch_up_summary_ = "not checked: " + std::to_string(live.size()) + " of " + std::to_string(n) +
                        " nodes were up at the end";
    return;
  }
  for (int a : live)
    for (int b : live)
      if (a != b && net_.blocked(a, b)) {
        catch_up_summary_ = "not checked: the link n" + std::to_string(a + 1) + " -> n" + std::to_string(b + 1) +
                            " was still cut at the end";
        return;
      }
  const Nanos start = loop_.now();
  const Nanos limit = 30 * kSecond;
  // The first live node that has not applied through the target, or -1.
  auto behind = [&] {
    for (int i : live) {
      const node::NodeCore* c = nodes_->core(i);
      if (c && c->failure().is_ok() && c->applied_index() < target) return i;
    }
    return -1;
  };
  int late = behind();
  while (late >= 0 && loop_.now() - start < limit) {
    clock_.sleep_for(50 * kMilli);
    late = behind();
  }
  const std::string nodes = std::to_string(live.size()) + " of " + std::to_string(n) + " nodes";
  if (late < 0) {
    catch_up_summary_ = "the " + nodes + " up at the end applied through index " + std::to_string(target) +
                        " (the highest commit index) within " + std::to_string((loop_.now() - start) / kMilli) +
                        " ms after the run";
    return;
  }
  caught_up_ = false;
  const node::NodeCore* c = nodes_->core(late);
  catch_up_summary_ = "n" + std::to_string(late + 1) + " had applied the log only through index " +
                      std::to_string(c ? c->applied_index() : 0) + " (its commit index " +
                      std::to_string(c ? c->commit_index() : 0) + ", log " +
                      std::to_string(c ? c->first_index() : 0) + ".." + std::to_string(c ? c->last_index() : 0) +
                      ") 30 s after the run, when index " + std::to_string(target) +
                      " had been committed, with " + nodes + " up and the network healed: a replica that never "
                      "catches up";
}

void SimSystem::finish(bool settle_first) {
  if (stopped_ || !started_) return;
  audit();
  finishing_ = true;
  if (sim_faults_) {
    try {
      sim_faults_->join();
    } catch (const SimStalled&) {
    }
  }
  if (settle_first) {
    settle();
    audit();
  }
  stopped_ = true;
  for (int i = 0; i < nodes_->count(); ++i) {
    std::string line(1, 'n');  // appended: GCC 12 reports a false -Wrestrict on "lit" + to_string
    line += std::to_string(i + 1);  // Raft ids, as in logs/n<id>.log
    line += " power losses ";
    line += std::to_string(nodes_->power_losses(i));
    fault_lines_.push_back(std::move(line));
    if (std::string rot = nodes_->bit_rot(i); !rot.empty()) fault_lines_.push_back(std::move(rot));
  }
  if (options_.fingerprint) {
    options_.fingerprint->event_hash = loop_.hash();
    options_.fingerprint->events = loop_.events_run();
    options_.fingerprint->now_ns = loop_.now();
    options_.fingerprint->faults = fault_lines_;
  }
  for (int i = 0; i < nodes_->count(); ++i) {
    if (node::NodeCore* c = nodes_->core(i)) (void)c->close();
    nodes_->host(i).kill();
  }
  if (!options_.write_logs || spec_.run_dir.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(spec_.run_dir + "/logs", ec);
  for (int i = 0; i < nodes_->count(); ++i) {
    std::ofstream out(spec_.run_dir + "/" + nodes_->log_file(i));
    for (const auto& line : nodes_->logs(i).lines) out << line << '\n';
  }
}

harness::sut::SystemFactory sim_system_factory(WorldOptions options) {
  return [options](const harness::sut::SystemSpec& spec) -> common::Result<std::unique_ptr<harness::sut::System>> {
    return std::unique_ptr<harness::sut::System>(std::make_unique<SimSystem>(spec, options));
  };
}

}  // namespace sim
