#pragma once
// SimSystem: the seam's System (harness/sut/system.h) as one deterministic simulated world: an
// EventLoop, a SimClock whose tasks are fibers, a SimNetwork behind the seam's Network, N real
// NodeCores on SimDisks behind the seam's Nodes, and ClerkCore clients behind the seam's Clients.
// Everything random comes from the SystemSpec's seeds and WorldOptions::seed through named
// streams; nothing reads a wall clock or starts a thread. The same spec and options give the same
// run, event for event: event_hash() is the fingerprint a determinism check compares.
// Owned by whoever runs the scenario; single thread.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/sut/system.h"
#include "sim/event_loop.h"
#include "sim/invariants.h"
#include "sim/network.h"
#include "sim/process.h"
#include "sim/seam_network.h"
#include "sim/sim_clients.h"
#include "sim/sim_clock.h"
#include "sim/sim_disk.h"
#include "sim/sim_nodes.h"

namespace sim {

// The simulation's own knobs (what a SystemSpec does not say). Swarm testing draws them per seed.
struct WorldOptions {
  uint64_t seed = 1;  // streams not named in the SystemSpec (disks)
  Latency latency;    // every link's latency before any fault
  double duplicate = 0;  // every link's chance of delivering a second copy (a retransmission)
  bool reorder = false;  // links are not FIFO (delays reorder messages)
  // A partition holds messages up to this long and delivers them when it heals, as TCP
  // retransmits through a partition (iptables DROP); 0: a partition drops them (SimNetwork::set_hold).
  Nanos partition_hold = 0;
  DiskTiming disk;
  Nanos cpu_cost = 5 * kMicro;  // per message or tick handled, at full speed
  int max_inputs_per_step = 4096;  // inputs a node takes before one flush (ProcessTiming)
  // Raft size limits and the log segment size (0: the cluster's defaults).
  uint64_t max_msg_bytes = 0;
  uint64_t max_inflight_bytes = 0;
  uint64_t max_snapshot_chunk = 0;
  uint64_t segment_bytes = 0;
  bool write_logs = true;  // stop() writes logs/n<id>.log into the run directory
  // Faults only a simulation has (swarm testing draws them): the chance that a kill is a power
  // loss, and per second of run time the chance that a node slows to `slow_fraction` of its speed,
  // that its clock rate drifts by up to `drift_max`, or that its disk slows 10-100x, each for
  // 0.2-3 s. A task of the system applies them from start() to stop().
  double power_loss = 0;
  double slow_node = 0;
  double slow_fraction = 0.1;
  double clock_drift = 0;
  double drift_max = 0.1;
  double slow_disk = 0;
  // The chance that a node crashes (a kill; a power loss with chance `power_loss`) within a
  // millisecond after a step in which it voted (for itself or another) or became leader, and is
  // started again 20-400 ms later: the moment a durable promise (a vote, a term, a leader's first
  // entry) has just been made, which crashes at random times rarely hit. At most 10 per run, only
  // while the other nodes keep a majority up.
  double election_crash = 0;
  // The chance that a node that has just started again (after any crash) crashes again within
  // 30 ms of its first step, and is started again 20-400 ms later: its recovery has just run and
  // it has answered on what it recovered, before its next fsync (a crash loop, a power flap).
  // At most 10 per run, only while the other nodes keep a majority up.
  double restart_crash = 0;
  // The chance that a crash (kill or power loss) also flips one bit of the node's durable state
  // while it is down (SimNodes::set_bit_rot: at most one node per run).
  double bit_rot = 0;
  // Filled in by stop(): the run's event hash, events and simulated time (for the sweep).
  struct Fingerprint {
    uint64_t event_hash = 0;
    uint64_t events = 0;
    int64_t now_ns = 0;
    std::vector<std::string> faults;  // the simulation-only faults applied, one line each
  };
  std::shared_ptr<Fingerprint> fingerprint;
};

class SimSystem final : public harness::sut::System {
 public:
  SimSystem(const harness::sut::SystemSpec& spec, const WorldOptions& options);
  ~SimSystem() override;

  common::Status start() override;
  void stop() override;
  harness::sut::RunClock& clock() override { return clock_; }
  harness::sut::Nodes& nodes() override { return *nodes_; }
  harness::sut::Network& network() override { return seam_; }
  harness::sut::Clients& clients() override { return *clients_; }
  // raft_invariants and replicas_agree (sim/invariants.h), damage_refused (SimNodes::set_bit_rot)
  // and replicas_catch_up (settle()).
  std::vector<OwnCheck> own_checks() const override;

  SimNodes& sim_nodes() { return *nodes_; }
  SimNetwork& sim_network() { return net_; }
  EventLoop& loop() { return loop_; }
  uint64_t event_hash() const { return loop_.hash(); }
  const harness::sut::SystemSpec& spec() const { return spec_; }

 private:
  harness::sut::SystemSpec spec_;
  WorldOptions options_;
  EventLoop loop_;
  SimClock clock_;
  SimNetwork net_;
  SeamNetwork seam_;
  std::unique_ptr<SimNodes> nodes_;
  std::unique_ptr<SimClients> clients_;
  void start_sim_faults();
  // One line of the fingerprint's faults: "<ms>ms n<Raft id> <what>", at the current time.
  void note_fault(int node, const std::string& what);
  // election_crash: after a step of `node`, whether its vote or role changed and it crashes now.
  void maybe_crash_after_election_step(int node, const node::NodeCore& core);
  // Whether one of the simulation's own crashes of a kind (`crashes` counts them) hits `node` now:
  // not while the run finishes, at most 10 of a kind per run, with chance `chance` drawn from
  // `rng`, and only while the other nodes keep a majority up. Counts it when it does.
  bool crash_drawn(common::Rng& rng, double chance, int* crashes, int node);
  // A crash of `node` `within` from now (drawn from `rng`), if the other nodes keep a majority up
  // then, and its restart 20-400 ms later; `what` completes the fault line ("crashed after it ...").
  void crash_soon(int node, common::Rng& rng, Nanos within, const std::string& what);
  bool others_keep_a_majority(int node) const;  // up and not paused, `node` not counted
  struct ElectionState {
    raft::Term term = 0;
    raft::NodeId vote = 0;
    raft::Role role = raft::Role::kFollower;
  };
  std::vector<ElectionState> election_state_;
  common::Rng election_rng_{1};
  int election_crashes_ = 0;
  std::vector<uint64_t> last_incarnation_;  // of each node's last step (0: none yet)
  common::Rng restart_rng_{1};
  int restart_crashes_ = 0;
  // Raft's safety properties after every step of every node, and every 100 ms (and at stop) each
  // live node's state digest against every digest seen at its applied index.
  ClusterInvariants invariants_;
  std::vector<std::optional<CoreView>> peer_views_;  // what invariants_'s lookup hands out
  void audit();
  void schedule_audit();
  // After the run (clients gone, faults healed): every node that is up and reachable applies
  // through the highest commit index any node had, within 30 s of simulated time. A follower
  // left behind for good (an append or snapshot install that never succeeds) is a bug no client
  // need ever see: the cluster has silently lost a replica. Not checked when fewer than a
  // majority is up or a link between live nodes is still cut (a run that ended in an error).
  void settle();
  void finish(bool settle_first);
  bool caught_up_ = true;
  std::string catch_up_summary_ = "not checked: the run did not end";
  bool started_ = false;
  bool stopped_ = false;
  bool finishing_ = false;
  std::unique_ptr<harness::sut::Task> sim_faults_;
  std::vector<std::string> fault_lines_;
};

// The wire config of a simulated cluster of `nodes` with these settings (ids 1..N, sim:// names).
wire::ClusterConfig sim_cluster_config(int nodes, const harness::sut::ClusterSettings& s);

// A SystemFactory making SimSystems with `options` (for the runner).
harness::sut::SystemFactory sim_system_factory(WorldOptions options);

}  // namespace sim
