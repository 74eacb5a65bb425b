#pragma once
// System: the system under test, as the harness sees it — the seam between faultline and whatever
// it tests. The runner drives a run only through these five interfaces:
//
//   RunClock  (clock.h)    the run's time; every wait and every concurrent task goes through it
//   Nodes     (nodes.h)    start, kill, restart, pause, resume, status, durable-state sizes
//   Network   (network.h)  partitions, one-way cuts, per-link drop/delay/reorder, client
//                          confinement, counters
//   Clients   (clients.h)  a factory of clients doing get/put/append with a deadline:
//                          ok / fail / unknown
//
// Implementations (see docs/architecture.md):
//   - harness/sut/process/: kvnode processes on 127.0.0.1, the ZeroMQ interposer, Clerk clients,
//     the wall clock and OS threads (faultline run).
//   - sim/: the same cluster code in one deterministic single-threaded simulation with simulated
//     time, network and disk (faultline sim); its tasks are cooperative, see clock.h.
//   - later, an external system (etcd first): its own processes and client, the interposer or
//     iptables for the network.
// An implementation that cannot do something a scenario asks for (a power loss on real processes)
// returns an error saying so, and the run ends with a harness error naming it.
//
// Lifetime: make the System (nothing runs yet), start() it, run, stop() it (idempotent; the
// destructor stops it too). Everything random inside it comes from SystemSpec's seeds.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "harness/sut/clients.h"
#include "harness/sut/clock.h"
#include "harness/sut/network.h"
#include "harness/sut/nodes.h"

namespace harness::sut {

enum class Fsync { kAlways, kNever };              // kNever is unsafe
enum class ReadMode { kReadIndex, kLog, kLocal };  // kLocal is unsafe
enum class Storage { kDisk, kMemory };             // kMemory is unsafe

// The cluster's own settings (what kvnode's cluster file holds besides the members). Durations in
// nanoseconds.
struct ClusterSettings {
  int64_t tick_ns = 10'000'000;
  int64_t election_min_ns = 150'000'000;
  int64_t election_max_ns = 300'000'000;
  int64_t heartbeat_ns = 30'000'000;
  Fsync fsync = Fsync::kAlways;
  ReadMode read_mode = ReadMode::kReadIndex;
  Storage storage = Storage::kDisk;
  bool dedup = true;              // false is unsafe
  bool pre_vote = true;           // Raft's PreVote and CheckQuorum (safe either way)
  bool check_quorum = true;
  uint64_t compaction_bytes = 0;  // 0: log compaction off
  // `security: curve`: nodes and clients authenticate with per-run CURVE keys (a system that has
  // no such transport, like the simulation, runs without it).
  bool curve = false;
  bool operator==(const ClusterSettings&) const = default;
};

struct SystemSpec {
  int nodes = 3;
  ClusterSettings settings;
  bool unsafe = false;          // the scenario allows unsafe settings (kvnode --unsafe)
  // The scenario cuts the power (power_cut): the nodes must be able to lose what they did not
  // fsync (Nodes::kill(node, Crash::kPowerLoss)). A system that can do it only at a cost (kvnode
  // --power-cut-storage keeps unsynced writes in the process) pays it only then.
  bool power_cuts = false;
  std::string run_dir;          // where the system may keep logs/ and data/ (exists already)
  // Seeds of the named streams the system draws from (harness/run/seeds.h derives them from the
  // scenario seed): node i's own randomness (election timeouts) and the network's (drops, delays).
  std::vector<uint64_t> node_seeds;  // one per node
  uint64_t network_seed = 1;
};

class System {
 public:
  virtual ~System() = default;
  // Brings the cluster up: every node started and serving, every link reliable (the runner then
  // applies the scenario's baseline `network:` through network()).
  virtual common::Status start() = 0;
  // Stops every node and the network; idempotent.
  virtual void stop() = 0;

  virtual RunClock& clock() = 0;
  virtual Nodes& nodes() = 0;
  virtual Network& network() = 0;
  virtual Clients& clients() = 0;

  // Checks only this system can make, asked for after stop(): a simulation sees every replica at
  // every step (Raft's safety properties, replicas that applied the same log holding the same
  // state); real processes have none. The runner lists them with its own checks, first.
  struct OwnCheck {
    std::string name;
    bool passed = true;
    std::string summary;  // one line: what was checked, or the first violation
  };
  virtual std::vector<OwnCheck> own_checks() const { return {}; }
};

// How the runner gets its system: made before the run starts (its clock stamps the run's files),
// started after the run directory exists.
using SystemFactory = std::function<common::Result<std::unique_ptr<System>>(const SystemSpec&)>;

}  // namespace harness::sut
