#pragma once
// Network: the links between the nodes, and between the clients and the nodes, of the system under
// test (part of the seam, see system.h). Nodes are scenario indexes 0..N-1; kClients stands for
// every client at once. A message travels on a directed link (src -> dst).
//
// Three independent layers: cuts (partitions, one-way cuts), which heal() removes; client
// confinements, which release_client() removes; and link faults (drop, delay, reorder), which
// clear_link_faults() removes. A message must pass all three. Every call is thread-safe and takes effect
// for every message sent after it returns.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"

namespace harness::sut {

constexpr int kClients = -1;

struct Link {
  int src = kClients;  // node index or kClients
  int dst = 0;         // node index
  bool operator==(const Link&) const = default;
  bool operator<(const Link& o) const { return src != o.src ? src < o.src : dst < o.dst; }
};

// The quality of a link. Requests are messages src sends toward dst; replies are what dst answers
// on the same exchange (a client's reply; a node's Raft responses travel as requests of their own
// on the reverse link). Delays are drawn uniformly from [delay_min_ns, delay_max_ns]; `reorder`
// lets a later message overtake an earlier one.
struct LinkFault {
  double drop_requests = 0;
  double drop_replies = 0;
  int64_t delay_min_ns = 0;
  int64_t delay_max_ns = 0;
  bool reorder = false;
  bool operator==(const LinkFault&) const = default;
};

struct NetworkCounters {
  uint64_t messages = 0;  // messages sent into the network, whatever became of them
  uint64_t dropped = 0;   // messages the network dropped (cuts, drops, overflow)
};

class Network {
 public:
  virtual ~Network() = default;

  // Replaces the partition: nodes on different sides cannot exchange messages (both directions).
  // clients_side < 0: clients reach every node; otherwise only the nodes of that side. One-way
  // cuts are removed first; confinements stay.
  virtual common::Status partition(const std::vector<std::vector<int>>& sides,
                                   int clients_side) = 0;
  // Adds one-way cuts on top of the partition: messages on each link (src -> dst) are lost, the
  // reverse direction still flows. A two-way cut is both links. Node-to-node links only.
  virtual common::Status cut(const std::vector<Link>& links) = 0;
  // Confines one client (by ClientOptions::name) to `nodes`: it reaches no other node. Replaces an
  // earlier confinement of the same client.
  virtual common::Status confine_client(const std::string& client, const std::set<int>& nodes) = 0;
  virtual void release_client(const std::string& client) = 0;
  // Removes the partition and every cut; confinements and link faults stay.
  virtual void heal() = 0;

  // Sets the fault of each given link (replacing what it had). An all-zero fault is reliable.
  virtual common::Status set_link_faults(const LinkFault& fault, const std::vector<Link>& links) = 0;
  // Every link back to reliable; cuts stay.
  virtual void clear_link_faults() = 0;

  virtual NetworkCounters counters() const = 0;
};

}  // namespace harness::sut
