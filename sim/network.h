#pragma once
// SimNetwork: the simulated wire between nodes and clients. A message is the frames of one
// multipart message (each encoded by the real codec, as the real drivers send them over ZeroMQ)
// from one endpoint to another, moved from the sender to the receiver without copies; the network decides its fate with its own seeded
// stream and schedules its delivery on the EventLoop:
//  - blocked: a partition puts the two nodes on different sides, the pair is cut, the direction is
//    clogged (one-way), or a confined client may not reach that node. Checked when the message is
//    sent and again when it arrives (a partition cuts messages in flight). With set_hold(h) a
//    blocked message is held instead, as a TCP connection keeps retransmitting through a short
//    partition: when the link opens again it is delivered (after a latency draw, in order), unless
//    it was held longer than h or either end restarted meanwhile (the connection is gone);
//  - lost: with the link's drop chance (requests and replies separately, like the interposer);
//  - duplicated: with the link's duplicate chance, a second copy with its own latency;
//  - delayed: by the link's latency distribution (uniform [min, max], plus with chance `tail` an
//    extra uniform [0, tail_max]: the slow outliers real networks have; with chance `stall` a
//    stall of up to `stall_max`, hundreds of ms: see Latency). Without `reorder` a link
//    is FIFO (TCP: a message never overtakes an earlier one on the same link); with it every copy
//    travels on its own.
// Endpoints: nodes 0..N-1, client c is client_endpoint(c). A message to an endpoint with no handler
// attached (a killed node, a finished client) is dropped at delivery. Link rules for clients are
// shared by all clients (the interposer's kClients row). Owned by the World; single thread.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/random.h"
#include "sim/event_loop.h"

namespace sim {

constexpr int kClientBase = 1 << 20;
inline int client_endpoint(int client) { return kClientBase + client; }
inline bool is_client(int endpoint) { return endpoint >= kClientBase; }
constexpr int kAnyClient = -1;  // the row of link rules every client shares

struct Latency {
  Nanos min = 50 * kMicro;
  Nanos max = 400 * kMicro;
  double tail = 0;     // chance of an extra delay
  Nanos tail_max = 0;  // up to this much
  // A stall: with chance `stall`, a further uniform [0, stall_max] (a TCP retransmission timeout
  // after a lost segment, a reconnection delivering what ZeroMQ had queued): long enough for a
  // message to arrive after its sender's election, term or transfer has moved on. On a FIFO link
  // the messages behind it wait too, as behind a stalled TCP connection. No draw when 0, so runs
  // without stalls are what they were.
  double stall = 0;
  Nanos stall_max = 0;
  Nanos draw(common::Rng& rng) const;
};

// A message: its frames, in order.
using Frames = std::vector<std::string>;

struct LinkQuality {
  Latency latency;
  double drop_requests = 0;  // messages from the requester to the server
  double drop_replies = 0;   // answers back
  double duplicate = 0;
  bool reorder = false;
  bool operator==(const LinkQuality&) const = default;
};

struct NetCounters {
  uint64_t sent = 0;
  uint64_t delivered = 0;
  uint64_t blocked = 0;    // partitions, cuts, clogs, confinement
  uint64_t lost = 0;       // drop chance
  uint64_t unreachable = 0;  // nobody listening at delivery
  uint64_t duplicated = 0;
  uint64_t held = 0;       // blocked messages held for later (set_hold)
  uint64_t released = 0;   // held messages delivered after all
  uint64_t dropped() const { return blocked + lost + unreachable; }
};

class SimNetwork {
 public:
  // Gets the message's frames to keep (a duplicated message's copies are separate).
  using Handler = std::function<void(int from, Frames&& frames)>;

  SimNetwork(EventLoop& loop, common::Rng rng, int nodes);

  void attach(int endpoint, Handler handler);
  void detach(int endpoint);
  bool attached(int endpoint) const { return handlers_.count(endpoint) > 0; }

  // `reply`: an answer from the server side of the link (uses drop_replies). `leave_after`: the
  // message leaves the sender that much later (a busy process); blocking is judged now and again
  // at arrival.
  // The event hash folds in the endpoints, the number of frames and each frame's bytes.
  void send(int from, int to, Frames frames, bool reply = false, Nanos leave_after = 0);

  // --- link quality ---
  void set_baseline(const LinkQuality& q) { baseline_ = q; }
  const LinkQuality& baseline() const { return baseline_; }
  // Quality of the exchanges requester `src` starts with server `dst`: src's messages to dst are
  // requests, dst's answers to src (sent with reply = true) are its replies. Node-to-node messages
  // are all requests (a Raft response is a request on the reverse link). kAnyClient: every client.
  void set_link(int src, int dst, const LinkQuality& q) { quality_[{src, dst}] = q; }
  // Both directed links between a and b.
  void set_quality(int a, int b, const LinkQuality& q);
  void clear_quality() { quality_.clear(); }  // every link back to the baseline
  // The quality that governs a message from -> to.
  const LinkQuality& quality(int from, int to, bool reply = false) const;

  // --- partitions ---
  // Nodes on different sides cannot talk. A node in no side talks to nobody.
  void set_partition(const std::vector<std::vector<int>>& sides);
  // Both directions of each pair.
  void cut(const std::vector<std::pair<int, int>>& pairs);
  // One direction only: messages from `from` to `to` are lost; the other way still works.
  void clog(int from, int to) { clogged_.insert({from, to}); }
  void unclog(int from, int to);
  // Every client may reach only `nodes` (nullopt: every node).
  void set_client_reach(std::optional<std::set<int>> nodes);
  // One client may reach only `nodes` (overrides the shared reach for it).
  void confine_client(int client, std::set<int> nodes) { confined_[client] = std::move(nodes); }
  void release_client(int client);
  // Ends partitions, cuts, clogs and the shared client reach (confinements and qualities stay).
  void heal();
  // Blocked messages are held up to `max` (0: dropped, the default) and delivered when their link
  // opens again (see the top of this file).
  void set_hold(Nanos max) { hold_max_ = max; }

  bool blocked(int from, int to) const;
  const NetCounters& counters() const { return counters_; }

 private:
  int row(int endpoint) const { return is_client(endpoint) ? kAnyClient : endpoint; }
  void deliver(int from, int to, Frames& frames, bool reply);
  // A blocked message: held (set_hold) or dropped.
  void block(int from, int to, Frames& frames, bool reply);
  // After the links changed: held messages whose link is open leave now, expired ones go.
  void release_held();
  uint64_t generation(int endpoint) const {
    auto it = generation_.find(endpoint);
    return it == generation_.end() ? 0 : it->second;
  }
  void schedule(int from, int to, Frames frames, Nanos delay, bool fifo, bool reply);

  EventLoop& loop_;
  common::Rng rng_;
  int nodes_;
  // Boxed, so that a handler that detaches or replaces itself while it runs stays where it is
  // (in retired_) until it returns.
  std::map<int, std::unique_ptr<Handler>> handlers_;
  int delivering_to_ = -1;  // the endpoint whose handler runs now
  std::vector<std::unique_ptr<Handler>> retired_;
  LinkQuality baseline_;
  std::map<std::pair<int, int>, LinkQuality> quality_;
  std::vector<int> side_;  // per node; -2: no partition
  std::set<std::pair<int, int>> cut_;
  std::set<std::pair<int, int>> clogged_;
  std::optional<std::set<int>> client_reach_;
  std::map<int, std::set<int>> confined_;
  // FIFO links: arrival time of the last copy on from -> to (see last_arrival()): node to node
  // at [from * nodes + to]; a client's links at [client * nodes + node], one table per direction.
  Nanos& last_arrival(int from, int to);
  std::vector<Nanos> node_arrival_;
  std::vector<Nanos> to_client_arrival_;
  std::vector<Nanos> from_client_arrival_;
  std::map<std::pair<int, int>, Nanos> other_arrival_;  // any other pair (an endpoint out of range)
  NetCounters counters_;
  Nanos hold_max_ = 0;
  struct Held {
    int from;
    int to;
    Frames frames;
    Nanos since;
    bool reply;
    uint64_t from_generation;  // attach() count of each end when held: a restart ends the connection
    uint64_t to_generation;
  };
  std::vector<Held> held_;  // in the order they were held (FIFO per link)
  std::map<int, uint64_t> generation_;  // attach() count per endpoint
};

}  // namespace sim
