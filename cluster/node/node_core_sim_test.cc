// Deterministic test of the sans-I/O cores: 3 or 5 NodeCores and a few ClerkCores wired by an
// in-test message queue on simulated time, with a seeded delivery order (per-message latency),
// drops, partitions and node kills (some with a power cut) followed by recovery from storage on an
// in-memory FileSystem. Loops over seeds; checks that own-key appends are exactly-once and
// linearizable (every read is the acknowledged appends in order, plus possibly some whose outcome
// was unknown, each at most once), that replicas agree, and that the same seed twice gives the
// same sequence of outputs (a hash of every message, log line and result). No thread, no clock, no
// socket: this is what the cores promise and what `faultline sim` builds on.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cluster/client/clerk_core.h"
#include "cluster/node/node_core.h"
#include "cluster/node/storage/faulty_file_system.h"
#include "common/random.h"

namespace node {
namespace {

constexpr int64_t kMs = 1000000;

struct SimOptions {
  int nodes = 3;
  uint64_t seed = 1;
  int clients = 3;
  int64_t fault_phase_ns = 6000 * kMs;  // faults and drops, then everything heals
  int64_t heal_phase_ns = 20000 * kMs;  // time for every client's final read
  double drop = 0.02;                   // probability that a message is lost
  double reorder = 0.0;                 // probability that a message overtakes the link's queue
  bool faults = true;
  uint64_t compaction_bytes = 6000;
  uint64_t max_snapshot_chunk = 512;  // small: snapshots go out in many chunks
};

// Running hash of everything the cores output, in order.
class EventHash {
 public:
  void add(const std::string& s) {
    h_ = (h_ ^ common::hash64(s)) * 0x100000001b3ULL;
    ++count_;
  }
  void add(int64_t v) { add(std::to_string(v)); }
  uint64_t value() const { return h_; }
  uint64_t count() const { return count_; }

 private:
  uint64_t h_ = 0xcbf29ce484222325ULL;
  uint64_t count_ = 0;
};

class World {
 public:
  explicit World(SimOptions o) : o_(o), rng_(o.seed) {
    config_.tick_ms = 10;
    config_.election_timeout_min_ms = 150;
    config_.election_timeout_max_ms = 300;
    config_.heartbeat_ms = 30;
    config_.compaction_bytes = o.compaction_bytes;
    config_.path = "sim";
    for (int i = 1; i <= o.nodes; ++i) {
      wire::NodeAddresses a;
      a.id = uint64_t(i);
      a.listen = a.address = a.client_address = "inproc://sim-n" + std::to_string(i);
      config_.nodes.push_back(a);
    }
    for (int i = 1; i <= o.nodes; ++i) {
      nodes_.push_back(std::make_unique<SimNode>());
      nodes_.back()->id = uint64_t(i);
      start_node(*nodes_.back());
    }
    for (int c = 0; c < o.clients; ++c) {
      client::ClerkCoreOptions co;
      co.servers = size_t(o.nodes);
      co.client_id = 1000 + uint64_t(c);
      auto sc = std::make_unique<SimClient>(co);
      sc->index = c;
      sc->key = "k" + std::to_string(c);
      sc->next_op_ns = rng_.uniform(0, 50 * kMs);
      client_of_name_[sc->core.sender()] = c;
      clients_.push_back(std::move(sc));
    }
  }

  // Runs the fault phase, heals, then lets every client finish with a read of its own key.
  void run() {
    const int64_t fault_end = o_.fault_phase_ns;
    const int64_t end = fault_end + o_.heal_phase_ns;
    int64_t next_fault = 300 * kMs;
    while (failure_.empty() && now_ < end) {
      if (now_ >= fault_end && !healed_) heal();
      if (healed_ && all_clients_done()) break;
      int64_t t = end;
      if (!queue_.empty()) t = std::min(t, queue_.begin()->first.first);
      for (auto& n : nodes_) {
        if (n->core) t = std::min(t, n->core->next_tick_ns());
        if (!n->core && n->restart_at >= 0) t = std::min(t, n->restart_at);
        if (n->partitioned_until >= 0) t = std::min(t, n->partitioned_until);
      }
      for (auto& c : clients_) {
        if (c->core.busy())
          t = std::min(t, c->core.next_wakeup_ns());
        else if (!c->finished)
          t = std::min(t, c->next_op_ns);
      }
      if (o_.faults && !healed_) t = std::min(t, next_fault);
      if (t < now_) t = now_;
      if (!healed_ && t > fault_end) t = fault_end;
      now_ = t;
      step_queue();
      for (auto& n : nodes_) step_node_time(*n);
      for (auto& c : clients_) step_client_time(*c);
      if (o_.faults && !healed_ && now_ >= next_fault) {
        inject_fault();
        next_fault = now_ + rng_.uniform(200 * kMs, 900 * kMs);
      }
    }
    if (!failure_.empty()) return;
    if (!all_clients_done()) return fail("a client's final read did not finish after healing");
    check_replicas();
  }

  const std::string& failure() const { return failure_; }
  const EventHash& hash() const { return hash_; }
  int acked() const {
    int n = 0;
    for (auto& c : clients_)
      for (auto& op : c->appends) n += op.acked;
    return n;
  }
  int reads() const {
    int n = 0;
    for (auto& c : clients_) n += int(c->reads.size());
    return n;
  }
  int restarts() const { return restarts_; }
  int mid_write_crashes() const { return mid_write_crashes_; }
  int snapshot_waits() const { return waited_; }
  int snapshots_installed() const { return installed_; }
  int compactions() const { return compacted_; }

 private:
  struct SimNode {
    uint64_t id = 0;
    storage::FaultyFileSystem fs;
    std::unique_ptr<NodeCore> core;
    uint64_t epoch = 0;              // bumped on every crash: late storage jobs are void
    int64_t restart_at = -1;         // down until then
    int64_t partitioned_until = -1;  // cut off from everyone until then
  };
  struct Append {
    std::string token;
    bool acked = false;
  };
  struct SimClient {
    explicit SimClient(client::ClerkCoreOptions o) : core(std::move(o)) {}
    client::ClerkCore core;
    int index = 0;
    std::string key;
    int64_t next_op_ns = 0;
    bool current_is_get = false;
    bool final_read = false;
    bool finished = false;
    std::vector<Append> appends;            // own-key appends, in issue order
    std::vector<std::string> reads;         // values of own-key gets that returned ok, in order
    std::vector<size_t> acked_before_read;  // appends acked when each read was issued
  };
  enum class Kind { kToNode, kToClient, kSnapshotDone };
  struct Event {
    Kind kind;
    size_t target;      // node index or client index
    size_t server = 0;  // kToClient: which server it comes from
    uint64_t epoch = 0;
    std::vector<std::string> frames;
    StorageJob job;
  };

  void fail(std::string why) {
    if (failure_.empty()) failure_ = "t=" + std::to_string(now_ / kMs) + "ms: " + why;
  }

  NodeCoreOptions node_options(const SimNode& n) {
    NodeCoreOptions o;
    o.cluster = config_;
    o.id = n.id;
    o.data_dir = "/data/n" + std::to_string(n.id);
    o.seed = rng_.next_u64() | 1;
    o.max_snapshot_chunk = o_.max_snapshot_chunk;
    o.segment_bytes = 4096;
    return o;
  }

  void start_node(SimNode& n) {
    n.fs.restart();
    auto r = NodeCore::open(node_options(n), &n.fs);
    if (!r)
      return fail("node " + std::to_string(n.id) + " cannot recover: " + r.status().to_string());
    n.core = std::move(r.value());
    n.core->started("sim");
    n.core->tick(now_);
    n.restart_at = -1;
    pump_node(n);
  }

  void crash_node(SimNode& n, bool power_cut) {
    n.core.reset();
    ++n.epoch;
    if (power_cut) n.fs.power_cut();
    n.restart_at = now_ + rng_.uniform(100 * kMs, 1500 * kMs);
    ++restarts_;
    hash_.add("crash n" + std::to_string(n.id) + (power_cut ? " power" : ""));
  }

  bool reachable(const SimNode& n) const { return n.core && n.partitioned_until < 0; }

  int down_count() const {
    int d = 0;
    for (auto& n : nodes_) d += !n->core || n->partitioned_until >= 0;
    return d;
  }

  // One fault at a random node: a kill (the page cache survives), a power cut (only what was
  // synced survives), a partition, a crash in the middle of the next few disk writes (possibly
  // tearing an append at a random byte), or nothing.
  void inject_fault() {
    const size_t i = size_t(rng_.uniform(0, o_.nodes - 1));
    SimNode& n = *nodes_[i];
    const int64_t kind = rng_.uniform(0, 5);
    if (kind == 5 || !reachable(n)) return;          // a quiet period
    if (down_count() >= (o_.nodes - 1) / 2) return;  // keep a majority, so progress is possible
    switch (kind) {
      case 0:
      case 1:
        return crash_node(n, kind == 1);
      case 2:
        n.partitioned_until = now_ + rng_.uniform(100 * kMs, 1500 * kMs);
        hash_.add("partition n" + std::to_string(n.id));
        return;
      case 3:
        n.fs.crash_after(rng_.uniform(1, 30));  // pump_node sees the fail-stop and crashes it
        hash_.add("crash soon n" + std::to_string(n.id));
        return;
      case 4:
        n.fs.tear_next_append(size_t(rng_.uniform(0, 64)));
        hash_.add("tear n" + std::to_string(n.id));
        return;
    }
  }

  void heal() {
    healed_ = true;
    for (auto& n : nodes_) {
      n->partitioned_until = -1;
      if (!n->core) start_node(*n);
    }
  }

  bool all_clients_done() const {
    for (auto& c : clients_)
      if (!c->finished) return false;
    return true;
  }

  // --- the network ---------------------------------------------------------------------------
  int64_t latency() { return rng_.uniform(kMs / 10, 2 * kMs); }

  bool lost() { return !healed_ && rng_.chance(o_.drop); }

  void enqueue(const std::string& link, Event e) {
    int64_t at = now_ + latency();
    int64_t& last = link_last_[link];
    if (!rng_.chance(o_.reorder)) at = std::max(at, last);  // FIFO per link, as ZeroMQ keeps it
    last = std::max(last, at);
    queue_.emplace(std::make_pair(at, seq_++), std::move(e));
  }

  void step_queue() {
    while (!queue_.empty() && queue_.begin()->first.first <= now_) {
      Event e = std::move(queue_.begin()->second);
      queue_.erase(queue_.begin());
      deliver(e);
      if (!failure_.empty()) return;
    }
  }

  void deliver(Event& e) {
    switch (e.kind) {
      case Kind::kToNode: {
        SimNode& n = *nodes_[e.target];
        if (!reachable(n)) return;
        hash_.add(now_);
        for (const auto& f : e.frames) hash_.add(f);
        n.core->receive(std::move(e.frames), now_);
        flush_node(n);
        return;
      }
      case Kind::kToClient: {
        SimClient& c = *clients_[e.target];
        if (nodes_[e.server]->partitioned_until >= 0) return;
        hash_.add(now_);
        for (const auto& f : e.frames) hash_.add(f);
        c.core.on_reply(e.server, std::move(e.frames), now_);
        pump_client(c);
        return;
      }
      case Kind::kSnapshotDone: {
        SimNode& n = *nodes_[e.target];
        if (!n.core || n.epoch != e.epoch) return;  // the node died meanwhile: the write is lost
        std::optional<SnapshotWritten> done = n.core->run_storage_job(e.job);
        if (!done) return fail("a snapshot job gave no outcome");
        hash_.add("snapshot written n" + std::to_string(n.id));
        n.core->on_snapshot_written(std::move(*done));
        flush_node(n);
        return;
      }
    }
  }

  // --- nodes -----------------------------------------------------------------------------------
  void step_node_time(SimNode& n) {
    if (n.partitioned_until >= 0 && now_ >= n.partitioned_until) n.partitioned_until = -1;
    if (!n.core && n.restart_at >= 0 && now_ >= n.restart_at) start_node(n);
    if (n.core && n.core->next_tick_ns() <= now_) {
      n.core->tick(now_);
      flush_node(n);
    }
  }

  void flush_node(SimNode& n) {
    n.core->flush();
    for (int i = 0; i < 100 && n.core->has_work(); ++i) n.core->flush();
    pump_node(n);
  }

  void pump_node(SimNode& n) {
    if (!n.core) return;
    Outbox out = n.core->take_outbox();
    const size_t from = size_t(n.id - 1);
    for (const LogLine& line : out.logs) {
      std::string text = render_log_line(n.id, line, std::to_string(now_));
      hash_.add(text);
      if (line.msg == "installed snapshot") ++installed_;
      if (line.msg == "compacted") ++compacted_;
      if (line.msg == "leader's snapshot waits for our snapshot write") ++waited_;
    }
    for (Outgoing& m : out.messages) {
      if (!reachable(n) || lost()) continue;
      Event e;
      if (m.to_node != raft::kNoNode) {
        // The peer's ROUTER prepends a routing frame (here: our name).
        e.kind = Kind::kToNode;
        e.target = size_t(m.to_node - 1);
        e.frames.reserve(m.frames.size() + 1);
        e.frames.push_back("n" + std::to_string(n.id));
        for (auto& f : m.frames) e.frames.push_back(std::move(f));
        enqueue(std::to_string(n.id) + ">" + std::to_string(m.to_node), std::move(e));
      } else {
        // A reply: the first frame is the routing frame the request came with (a client's name).
        if (m.frames.empty()) return fail("a reply without a routing frame");
        auto it = client_of_name_.find(m.frames[0]);
        if (it == client_of_name_.end()) return fail("a reply to unknown " + m.frames[0]);
        e.kind = Kind::kToClient;
        e.target = it->second;
        e.server = from;
        e.frames.assign(std::make_move_iterator(m.frames.begin() + 1),
                        std::make_move_iterator(m.frames.end()));
        enqueue(std::to_string(n.id) + ">" + m.frames[0], std::move(e));
      }
    }
    for (StorageJob& job : out.jobs) {
      if (job.kind == StorageJob::Kind::kRemoveFiles) {
        n.core->run_storage_job(job);
        continue;
      }
      Event e;
      e.kind = Kind::kSnapshotDone;
      e.target = from;
      e.epoch = n.epoch;
      e.job = std::move(job);
      queue_.emplace(std::make_pair(now_ + rng_.uniform(kMs, 40 * kMs), seq_++), std::move(e));
    }
    if (n.core->failure()) return;
    // Fail-stop is right when the disk failed under the node (a crash mid-write); then the process
    // is gone. On a healthy disk it is a bug.
    if (!n.fs.crashed())
      return fail("node " + std::to_string(n.id) +
                  " fail-stopped: " + n.core->failure().to_string());
    ++mid_write_crashes_;
    crash_node(n, rng_.chance(0.5));
  }

  // --- clients ---------------------------------------------------------------------------------
  void step_client_time(SimClient& c) {
    if (c.core.busy()) {
      if (c.core.next_wakeup_ns() <= now_) {
        c.core.on_time(now_);
        pump_client(c);
      }
      return;
    }
    if (c.finished || now_ < c.next_op_ns) return;
    if (healed_ && !c.final_read) {
      c.final_read = true;  // no deadline: must finish once the cluster is whole
      start_get(c, std::nullopt);
    } else if (rng_.chance(0.25)) {
      start_get(c, now_ + 1500 * kMs);
    } else {
      Append a;
      a.token = "c" + std::to_string(c.index) + "." + std::to_string(c.appends.size()) + ";";
      c.core.start_op(wire::OpKind::kAppend, c.key, a.token, now_, now_ + 1500 * kMs);
      c.appends.push_back(a);
      c.current_is_get = false;
    }
    pump_client(c);
  }

  void start_get(SimClient& c, std::optional<int64_t> deadline) {
    size_t acked = 0;
    for (size_t i = 0; i < c.appends.size(); ++i)
      if (c.appends[i].acked) acked = i + 1;
    c.acked_before_read.push_back(acked);
    c.core.start_op(wire::OpKind::kGet, c.key, {}, now_, deadline);
    c.current_is_get = true;
  }

  void pump_client(SimClient& c) {
    for (auto sends = c.core.take_sends(); !sends.empty(); sends = c.core.take_sends()) {
      for (auto& s : sends) {
        SimNode& n = *nodes_[s.server];
        if (!n.core) {  // no connection: ZMQ_IMMEDIATE refuses the send at once
          c.core.on_send_failed(s.server, now_);
          continue;
        }
        if (lost() || n.partitioned_until >= 0) continue;
        Event e;
        e.kind = Kind::kToNode;
        e.target = s.server;
        e.frames.reserve(s.frames.size() + 1);
        e.frames.push_back(c.core.sender());  // the node's ROUTER prepends the routing frame
        for (auto& f : s.frames) e.frames.push_back(std::move(f));
        enqueue(c.core.sender() + ">" + std::to_string(s.server), std::move(e));
      }
    }
    if (auto r = c.core.take_result()) finish_op(c, *r);
  }

  void finish_op(SimClient& c, const client::OpResult& r) {
    hash_.add("result c" + std::to_string(c.index) + " " + std::to_string(int(r.outcome)) + " " +
              r.value);
    c.next_op_ns = now_ + rng_.uniform(0, 5 * kMs);
    if (!c.current_is_get) {
      if (r.outcome == client::Outcome::kOk) c.appends.back().acked = true;
      return;
    }
    if (r.outcome != client::Outcome::kOk) {
      c.acked_before_read.pop_back();
      if (c.final_read) fail("client " + std::to_string(c.index) + ": final read not ok");
      return;
    }
    check_read(c, r.value);
    c.reads.push_back(r.value);
    if (c.final_read) c.finished = true;
  }

  // A read of an own key (one writer, one operation at a time) is linearizable and exactly-once
  // iff its tokens are some of the client's appends in issue order, each at most once, including
  // every append acknowledged before the read began, and it extends the previous read.
  void check_read(SimClient& c, const std::string& value) {
    const std::string who = "client " + std::to_string(c.index) + " read '" + value + "': ";
    std::map<std::string, size_t> position;
    for (size_t i = 0; i < c.appends.size(); ++i) position[c.appends[i].token] = i;
    std::vector<size_t> seen;
    size_t start = 0;
    while (start < value.size()) {
      size_t end = value.find(';', start);
      if (end == std::string::npos) return fail(who + "a torn token");
      std::string token = value.substr(start, end + 1 - start);
      auto it = position.find(token);
      if (it == position.end()) return fail(who + "'" + token + "' was never appended");
      if (!seen.empty() && it->second <= seen.back())
        return fail(who + "'" + token + "' is out of order or applied twice");
      seen.push_back(it->second);
      start = end + 1;
    }
    const size_t must = c.acked_before_read.back();
    std::set<size_t> present(seen.begin(), seen.end());
    for (size_t i = 0; i < must; ++i)
      if (c.appends[i].acked && !present.count(i))
        return fail(who + "acknowledged '" + c.appends[i].token + "' is missing");
    if (!c.reads.empty() && value.compare(0, c.reads.back().size(), c.reads.back()) != 0)
      return fail(who + "does not extend the previous read '" + c.reads.back() + "'");
  }

  // After healing every node must reach the same applied index with the same state.
  void check_replicas() {
    for (int round = 0; round < 2000; ++round) {
      raft::Index top = 0;
      bool equal = true;
      for (auto& n : nodes_) top = std::max(top, n->core->applied_index());
      for (auto& n : nodes_) equal = equal && n->core->applied_index() == top;
      if (equal) break;
      now_ += 10 * kMs;
      step_queue();
      for (auto& n : nodes_) step_node_time(*n);
      if (!failure_.empty()) return;
    }
    const uint32_t digest = nodes_[0]->core->state_digest();
    for (auto& n : nodes_) {
      if (n->core->applied_index() != nodes_[0]->core->applied_index())
        return fail("node " + std::to_string(n->id) + " did not catch up: " + describe());
      if (n->core->state_digest() != digest)
        return fail("node " + std::to_string(n->id) + " has a different state at the same index");
    }
  }

  std::string describe() const {
    std::string d;
    for (auto& n : nodes_)
      if (n->core)
        d += "n" + std::to_string(n->id) + "(" + raft::role_name(n->core->role()) + " term " +
             std::to_string(n->core->term()) + " commit " +
             std::to_string(n->core->commit_index()) + " applied " +
             std::to_string(n->core->applied_index()) + " last " +
             std::to_string(n->core->last_index()) + ") ";
    return d;
  }

  SimOptions o_;
  common::Rng rng_;
  wire::ClusterConfig config_;
  std::vector<std::unique_ptr<SimNode>> nodes_;
  std::vector<std::unique_ptr<SimClient>> clients_;
  std::map<std::string, size_t> client_of_name_;
  std::map<std::pair<int64_t, uint64_t>, Event> queue_;
  std::map<std::string, int64_t> link_last_;
  uint64_t seq_ = 0;
  int64_t now_ = 0;
  bool healed_ = false;
  int restarts_ = 0;
  int mid_write_crashes_ = 0;
  int waited_ = 0;
  int installed_ = 0;
  int compacted_ = 0;
  EventHash hash_;
  std::string failure_;
};

struct SweepTotals {
  int acked = 0, reads = 0, restarts = 0, mid_write = 0, installed = 0, compacted = 0, waited = 0;
};

SweepTotals sweep(SimOptions base, uint64_t first_seed, int seeds) {
  SweepTotals t;
  for (int i = 0; i < seeds; ++i) {
    SimOptions o = base;
    o.seed = first_seed + uint64_t(i);
    World w(o);
    w.run();
    EXPECT_EQ(w.failure(), "") << "nodes=" << o.nodes << " seed=" << o.seed;
    if (!w.failure().empty()) break;
    t.acked += w.acked();
    t.reads += w.reads();
    t.restarts += w.restarts();
    t.mid_write += w.mid_write_crashes();
    t.waited += w.snapshot_waits();
    t.installed += w.snapshots_installed();
    t.compacted += w.compactions();
  }
  return t;
}

void print_totals(const char* label, const SweepTotals& t) {
  std::printf(
      "%s: %d appends acknowledged, %d reads, %d restarts (%d in the middle of a write), "
      "%d compactions, %d snapshots installed (%d waited for the node's own snapshot write)\n",
      label, t.acked, t.reads, t.restarts, t.mid_write, t.compacted, t.installed, t.waited);
}

TEST(NodeCoreSim, ThreeNodesStayLinearizableUnderKillsDropsAndPartitions) {
  SimOptions o;
  o.nodes = 3;
  SweepTotals t = sweep(o, 1, 40);
  // The sweep must have exercised what it claims to test.
  EXPECT_GT(t.acked, 0);
  EXPECT_GT(t.reads, 0);
  EXPECT_GT(t.restarts, 0);
  EXPECT_GT(t.mid_write, 0) << "no node ever crashed in the middle of a disk write";
  EXPECT_GT(t.compacted, 0);
  EXPECT_GT(t.installed, 0) << "no follower was ever brought up to date by a snapshot";
  EXPECT_GT(t.waited, 0) << "no leader's snapshot ever met the node's own snapshot write";
  print_totals("3 nodes", t);
}

TEST(NodeCoreSim, FiveNodesStayLinearizableUnderKillsDropsAndPartitions) {
  SimOptions o;
  o.nodes = 5;
  o.clients = 4;
  SweepTotals t = sweep(o, 100, 20);
  EXPECT_GT(t.acked, 0);
  EXPECT_GT(t.restarts, 0);
  print_totals("5 nodes", t);
}

TEST(NodeCoreSim, ReorderedDeliveryStaysLinearizable) {
  SimOptions o;
  o.nodes = 3;
  o.reorder = 0.1;
  o.drop = 0.05;
  SweepTotals t = sweep(o, 500, 20);
  EXPECT_GT(t.acked, 0);
  print_totals("reordered", t);
}

TEST(NodeCoreSim, SameSeedGivesTheSameOutputs) {
  for (uint64_t seed : {7, 8, 9}) {
    SimOptions o;
    o.nodes = seed == 9 ? 5 : 3;
    o.seed = seed;
    World a(o), b(o);
    a.run();
    b.run();
    ASSERT_EQ(a.failure(), "") << "seed=" << seed;
    EXPECT_GT(a.hash().count(), 1000u) << "seed=" << seed;
    EXPECT_EQ(a.hash().count(), b.hash().count()) << "seed=" << seed;
    EXPECT_EQ(a.hash().value(), b.hash().value()) << "seed=" << seed;
    SimOptions other = o;
    other.seed = seed + 1000;
    World c(other);
    c.run();
    EXPECT_NE(a.hash().value(), c.hash().value()) << "seed=" << seed;
  }
}

}  // namespace
}  // namespace node
