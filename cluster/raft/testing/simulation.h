#pragma once
// Simulation: N Raft nodes in one process over a seeded, simulated network and disk, for tests.
// Time is a tick counter; each step() ticks every live node, delivers the messages that are due and
// runs every Ready the way a kvnode must (send `messages`, write entries and hard state, then send
// `messages_after_persist`, apply, advance). The network drops, delays, reorders and partitions; a
// crash throws away the Raft object and keeps only what was written to the simulated disk. A
// SafetyChecker watches every write, apply and leader. Everything is drawn from one seed, so a run
// replays exactly. Owned by one test; single thread.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "cluster/raft/raft.h"
#include "cluster/raft/testing/safety_checker.h"
#include "common/random.h"

namespace raft::testing {

struct NetworkOptions {
  double drop = 0.0;           // chance a message is lost
  int min_delay = 0;           // ticks; 0 delivers within the same step
  int max_delay = 1;
  double long_delay = 0.0;     // chance of an extra delay up to long_delay_max (reordering)
  int long_delay_max = 20;
};

struct SimOptions {
  int nodes = 3;
  uint64_t seed = 1;
  Config config;  // template for every node: id, voters and seed are filled in
  NetworkOptions net;
  // Every node compacts its log once it has applied this many entries past its last snapshot
  // (0: never). The simulated state machine is the list of applied entries; its snapshot is
  // that list, encoded, so an installed snapshot can be checked entry by entry.
  int compact_every = 0;
};

class Simulation {
 public:
  explicit Simulation(SimOptions options);
  ~Simulation();

  // --- time ---
  void step();
  void run(int ticks);
  // Steps until pred() holds (checked before each step); false after max_ticks or a violation.
  bool run_until(const std::function<bool()>& pred, int max_ticks);
  uint64_t now() const { return now_; }

  // --- nodes (ids 1..n) ---
  int size() const { return static_cast<int>(nodes_.size()); }
  Raft* node(NodeId id);  // nullptr while crashed
  bool is_up(NodeId id) const;
  // Loses everything not yet written. With mid_ready, the next Ready of the node is cut short:
  // its `messages` go out, nothing is written, nothing after that happens.
  void crash(NodeId id, bool mid_ready = false);
  void restart(NodeId id);
  const DiskLog& disk(NodeId id) const;
  // Entries the node's state machine applied since it last started.
  const std::vector<Entry>& applied(NodeId id) const;
  const std::vector<ReadState>& read_states(NodeId id) const;

  // --- network ---
  void disconnect(NodeId id);  // cut every link to and from id
  void connect(NodeId id);
  bool is_connected(NodeId id) const;
  void partition(const std::vector<std::vector<NodeId>>& groups);
  void heal();  // reconnects everything
  void set_link(NodeId from, NodeId to, bool up);
  void set_network(const NetworkOptions& net) { net_ = net; }
  const NetworkOptions& network() const { return net_; }
  // Sets the delay of one direction explicitly (overrides min/max_delay for it).
  void set_link_delay(NodeId from, NodeId to, int delay);

  // --- observations ---
  const SafetyChecker& checker() const { return checker_; }
  bool ok() const { return checker_.ok() && error_.empty(); }
  std::string failure() const;
  std::vector<NodeId> leaders() const;  // live nodes in the leader role
  // The leader of the highest term among live connected nodes, after running up to max_ticks
  // until one exists; kNoNode if none appeared.
  NodeId wait_leader(int max_ticks);
  // How many live nodes applied `index`, and the data applied there (the first one seen).
  int n_applied(Index index, std::string* data = nullptr) const;
  // The classic lab helper: submit `cmd` to a leader and wait until at least `expected` nodes
  // applied it; if `retry`, resubmit after a lost leadership. Returns the index, 0 on failure.
  Index one(const std::string& cmd, int expected, bool retry, int max_ticks = 2000);
  uint64_t messages_sent() const { return sent_total_; }
  uint64_t snapshots_installed() const { return installs_; }
  uint64_t messages_sent(MessageType t) const;
  // Called for every message a node emits (before the network decides its fate).
  std::function<void(const Message&)> on_send;
  // Called for every message delivered to a live node.
  std::function<void(const Message&)> on_deliver;
  // Messages for which this returns true are lost (targeted faults, e.g. only append responses).
  std::function<bool(const Message&)> drop_if;
  // Runs the pending Readies of node `id` now (after a propose or read_index from the test).
  void flush(NodeId id);
  common::Rng& rng() { return rng_; }

 private:
  struct Node;
  struct InFlight {
    uint64_t at;
    uint64_t seq;
    Message msg;
    bool operator>(const InFlight& o) const { return at != o.at ? at > o.at : seq > o.seq; }
  };
  bool link_up(NodeId from, NodeId to) const;
  void emit(std::vector<Message>& msgs);
  void deliver_due();
  void process_ready(Node& n);
  void check_step();
  void maybe_compact(Node& n);
  Config config_for(NodeId id, uint64_t incarnation) const;

  SimOptions opts_;
  NetworkOptions net_;
  common::Rng rng_;
  SafetyChecker checker_;
  std::string error_;  // a Status error from step() or a broken Ready contract
  std::vector<std::unique_ptr<Node>> nodes_;
  std::priority_queue<InFlight, std::vector<InFlight>, std::greater<InFlight>> wire_;
  std::set<std::pair<NodeId, NodeId>> cut_links_;
  std::map<std::pair<NodeId, NodeId>, int> link_delay_;
  std::vector<int> group_;  // partition group per node (index id-1)
  uint64_t now_ = 0;
  uint64_t seq_ = 0;
  uint64_t sent_total_ = 0;
  uint64_t installs_ = 0;
  std::map<MessageType, uint64_t> sent_by_type_;
};

// Seeds for a test: RAFT_SEED=n replays one seed; otherwise `count` seeds from `base`
// (RAFT_SEED_COUNT=n overrides the count for a soak run).
std::vector<uint64_t> test_seeds(int count, uint64_t base = 1);
// A Config tuned for simulations (short timeouts so runs are quick).
Config sim_config();

}  // namespace raft::testing
