#pragma once
// Interposer: the harness's ZeroMQ proxy that sits on every client->node and node->node path, so
// the nemesis can partition, drop, delay and reorder messages without changing node code. The
// harness owns it (one per run); it runs one proxy thread of its own.
//
// Topology. For each node j the interposer binds a frontend ROUTER on 127.0.0.1:<ephemeral port>
// (frontend_address(j)) and connects a backend DEALER to node j's real listen address. Every peer
// and every client is configured to reach node j through frontend_address(j). A message arriving
// at frontend j is [routing id][...envelope][sender][type][payload]; its SOURCE is read from the
// sender frame (third from last): a sender equal to NodeEndpoint::sender of node i is node i,
// anything else is a client (all clients form one endpoint, kClients). Its DESTINATION is node j.
// It leaves through backend j with the frontend's routing id kept as the first envelope frame; node
// j echoes the envelope back in its reply, which the interposer reads from backend j and routes to
// the requester through frontend j. So every message is either
//   a REQUEST  on link (src -> j): entered frontend j, travels toward node j, or
//   a REPLY    on link (src -> j): left node j through its backend, travels back to src.
// A node's own outgoing messages to a peer k (its DEALER connected to frontend k) are requests on
// link (j -> k); answers it sends back on the same connection are replies on link (j -> k).
// The link of a reply is the requester's link: rule(src, j) governs both directions of the pair.
//
// Rules. The effective fate of a message on link (s, d):
//   1. partitioned(s, d) (symmetric; set by set_partition/isolate/cut), or s is a client confined
//      away from d (confine_client) -> dropped, counted as dropped.
//   2. otherwise LinkRule(s, d): with probability drop_request (requests) or drop_reply (replies)
//      dropped; else held for a delay drawn uniformly from [delay_min_ms, delay_max_ms] and then
//      sent. Messages are released in order of release time (ties in arrival order), so a delay
//      range reorders messages naturally; there is no separate reorder knob. A message still held
//      when its link becomes partitioned is dropped at release time (a partition cuts in-flight
//      messages).
// A message to a node that is not running (no connection on its backend) is dropped and counted,
// not queued for the node's next start. A reply whose requester has gone is discarded by ZeroMQ
// (counted as forwarded).
// A reply dropped after node j has executed the request is exactly the reference's "reply lost
// after the server executed it". Partition state (partition, cuts, confinements) and LinkRules are
// independent: heal() leaves unreliable rules in place and clear_unreliable() leaves the partition.
// Counters and rules are per link: all clients share the kClients row.
//
// Threads. All public methods are thread-safe (the nemesis thread, the harness's main thread and a
// reporter may call them concurrently). Control calls write a mutex-protected rule table and bump a
// version number; the proxy thread copies the table when the version changed, at the latest before
// handling the next message it receives after the call returns (so a message sent after
// set_partition() returns is subject to that partition). Counters are atomics, read at any time.
// Randomness (drops, delays) comes only from a common::Rng seeded with InterposerOptions::seed and
// used only by the proxy thread, so a run's drop/delay decisions replay for the same message order.
//
// CURVE (InterposerOptions::curve, for `security: curve` clusters). The harness generated every
// key, so the interposer terminates CURVE instead of passing it through: frontend j is a CURVE
// server with node j's key pair, and its own ZAP handler admits only the cluster's public keys
// (each node's and the client key); a connection with any other key is refused (counted in
// curve_refused). A message's SOURCE is then the authenticated key of its connection (node i's key
// -> node i, the client key -> kClients), not the sender frame, which anyone can write (a client's
// sender frame still names it for confinement). Upstream, a message travels on a backend DEALER
// that holds the key of its source: one backend per (source, node j), a CURVE client with node
// i's key pair (or the client key) and node j's server key. So node j still sees every Raft
// message arrive on the connection of the member it names (its "from must match the connection"
// check holds through the interposer), and a client key cannot speak for a node.
//
// Lifetime. start() binds the frontends and starts the thread; stop() (and the destructor) stops
// it, closing its sockets; held messages are discarded. Not copyable or movable.
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace harness {

// Endpoint indices: 0..N-1 are nodes (in InterposerOptions::nodes order); kClients is every client.
constexpr int kClients = -1;
// ZeroMQ errors in a row after which the proxy thread gives up (see proxy_failed()).
constexpr int kMaxProxyErrors = 1000;

struct NodeEndpoint {
  std::string sender;           // the sender frame the node puts on its messages, e.g. "n1"
  std::string backend_address;  // the node's real listen address, e.g. "tcp://127.0.0.1:40001"
};

// A CURVE key pair in Z85 (40 characters each).
struct CurveKey {
  std::string public_key;
  std::string secret_key;
};

// The keys of a `security: curve` cluster (see "CURVE" above).
struct InterposerCurve {
  std::vector<CurveKey> nodes;  // node i's key pair, in InterposerOptions::nodes order
  CurveKey client;              // the clients' key pair
};

struct InterposerOptions {
  std::vector<NodeEndpoint> nodes;
  uint64_t seed = 1;
  // Bound on messages held for delay at once; beyond it a message that should be held is dropped
  // (and counted as dropped). Keeps memory bounded when delays are large.
  size_t max_held = 100000;
  // Set: terminate CURVE with these keys (start() fails unless there is one pair per node).
  std::optional<InterposerCurve> curve = std::nullopt;
};

// The unreliable-network rule of one link (requester s, node d). Probabilities in [0, 1]; delays in
// milliseconds with 0 <= delay_min_ms <= delay_max_ms. Default: reliable, no delay.
struct LinkRule {
  double drop_request = 0.0;  // s -> d messages dropped with this probability
  double drop_reply = 0.0;    // d -> s replies dropped with this probability
  int delay_min_ms = 0;       // every forwarded message (both directions) is held for a delay
  int delay_max_ms = 0;       //   drawn uniformly from [delay_min_ms, delay_max_ms]
  bool operator==(const LinkRule&) const = default;
};

// The reference's unreliable network: every message delayed 0-26 ms, 10 % of requests and 10 % of
// replies dropped.
LinkRule reference_unreliable_rule();

struct Link {
  int src = kClients;  // requester: node index or kClients
  int dst = 0;         // node index
  bool operator<(const Link& o) const { return src != o.src ? src < o.src : dst < o.dst; }
  bool operator==(const Link&) const = default;
};

struct Partition {
  // Each side is a set of node indices. Nodes on different sides cannot exchange messages; a node
  // listed on no side is alone on its own side. A node on two sides is an error.
  std::vector<std::set<int>> sides;
  // Empty: clients reach every node (the reference semantics: partitions cut only server-to-server
  // links). Otherwise clients reach only the nodes on these sides (indices into `sides`).
  std::set<int> client_sides;
};

// Per-link message counts. "forwarded" counts messages actually sent on; "dropped" counts messages
// discarded by a partition, a drop probability or the max_held bound.
struct LinkCounters {
  uint64_t requests_forwarded = 0;
  uint64_t requests_dropped = 0;
  uint64_t replies_forwarded = 0;
  uint64_t replies_dropped = 0;
};

struct InterposerCounters {
  // Requests that entered any frontend (forwarded or dropped): the "messages" column, like the
  // reference run's RPC count (each counted once, whatever became of it). kvnode sends a Raft
  // response as a message of its own on its DEALER (not as a reply), so a Raft RPC counts twice
  // here (request + response) while a client RPC counts once.
  uint64_t total_requests = 0;
  uint64_t total_replies = 0;  // replies that came back from any node (forwarded or dropped)
  uint64_t total_dropped = 0;  // requests + replies dropped
  uint64_t malformed = 0;      // messages with fewer than 3 frames after routing: dropped, counted
  // ZeroMQ errors the proxy thread survived (EINTR excluded). After kMaxProxyErrors in a row the
  // proxy thread gives up and proxy_failed() turns true: every path through it is then cut.
  uint64_t proxy_errors = 0;
  // With CURVE: connections to a frontend refused because their key is not one of the cluster's.
  uint64_t curve_refused = 0;
};

class Interposer {
 public:
  explicit Interposer(InterposerOptions options);
  ~Interposer();
  Interposer(const Interposer&) = delete;
  Interposer& operator=(const Interposer&) = delete;

  // Binds one frontend per node and starts the proxy thread. Backends connect lazily, so the nodes
  // may start later. Fails if a bind fails or start() was already called.
  common::Status start();
  // Stops the thread and closes all sockets. Idempotent.
  void stop();

  int num_nodes() const;
  // tcp://127.0.0.1:<port> of node j's frontend; valid after a successful start().
  std::string frontend_address(int node) const;
  std::vector<std::string> frontend_addresses() const;

  // --- nemesis control (any thread) ---
  // Replaces the partition. Fails (and changes nothing) on an out-of-range or duplicated node
  // index or an out-of-range client side.
  common::Status set_partition(const Partition& p);
  // Cuts node j from every other node. Clients still reach it unless `from_clients` (then clients
  // reach every node but j). Replaces any partition.
  common::Status isolate(int node, bool from_clients = false);
  // Additionally cuts each given pair of nodes (both directions), on top of the current partition:
  // shapes that sides cannot express (bridge, ring). Fails (and changes nothing) on an out-of-range
  // index. heal() removes these cuts too.
  common::Status cut(const std::vector<std::pair<int, int>>& node_pairs);
  // Cuts each link (src -> dst) in one direction only: src's messages to dst (and dst's replies
  // on that exchange) are dropped; dst's own messages to src still flow. Node-to-node links only;
  // fails (and changes nothing) on anything else. heal() removes these cuts too.
  common::Status cut_one_way(const std::vector<Link>& links);
  // Confines one client, named by its sender frame (client::ClerkOptions::sender), to `nodes`: its
  // requests to any other node, and replies from them, are dropped (counted on link (kClients,
  // dst)). This is on top of the partition's client rule, so both must allow a message. Replaces
  // an earlier confinement of the same client; release_client() or heal() undoes it. Fails on an
  // out-of-range node index. (The reference's "clients of the minority" are confined this way.)
  common::Status confine_client(const std::string& sender, const std::set<int>& nodes);
  void release_client(const std::string& sender);
  // Removes the partition, every cut and every client confinement (unreliable rules stay).
  void heal();
  // Removes the partition and every cut; client confinements and unreliable rules stay.
  void heal_partition();
  // Same rule on every link (clients' and nodes'), or only on the given links.
  common::Status set_unreliable(const LinkRule& rule);
  common::Status set_unreliable(const LinkRule& rule, const std::vector<Link>& links);
  common::Status set_rule(int src, int dst, const LinkRule& rule);
  // Every link back to the default (reliable) rule; the partition stays.
  void clear_unreliable();

  // --- observation (any thread) ---
  bool partitioned(int src, int dst) const;
  // True when a confinement keeps client `sender` from node `dst` (partition rules not included).
  bool client_confined_from(const std::string& sender, int dst) const;
  LinkRule rule(int src, int dst) const;
  LinkCounters link_counters(int src, int dst) const;
  InterposerCounters counters() const;
  // True while the backend holds a TCP connection to node j's listen address (node j is up and
  // accepting; with CURVE: every backend to node j finished its handshake); requests to an
  // unreachable node are dropped. Tests and startup code can wait on it.
  bool node_reachable(int node) const;
  // True when the proxy thread stopped on its own after repeated ZeroMQ errors (see counters()).
  bool proxy_failed() const;
  // Messages currently held for delay (approximate while running).
  size_t held() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace harness
