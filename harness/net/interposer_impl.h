#pragma once
// Interposer::Impl, shared by interposer.cc (the control API: start, stop, rules, counters) and
// interposer_proxy.cc (the proxy thread's loop). Private to harness/net.
//
// Threads: the control side changes `table` under `mu` and bumps `version`; the proxy thread
// copies the table into `local` when the version moved (refresh_rules) and owns every socket,
// the delay heap and the routes. Counters are atomics both sides read.
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>
#include <zmq.hpp>

#include "common/random.h"
#include "harness/net/interposer.h"
#include "harness/net/link_table.h"

namespace harness {
namespace interposer_detail {

// Longest the proxy thread blocks in poll: bounds how late it notices stop().
constexpr std::chrono::milliseconds kMaxPollWait{20};
// Messages taken from one socket per poll round, so one busy socket cannot starve the others.
constexpr int kBatch = 64;
// Bound on frames kept from one message (more are read and dropped as malformed).
constexpr size_t kMaxFrames = 64;
// Bound on remembered frontend routing ids per node (requester of each connection).
constexpr size_t kMaxRoutes = 1 << 16;

enum Counter { kReqFwd = 0, kReqDrop = 1, kRepFwd = 2, kRepDrop = 3, kNumCounters = 4 };

// A message held for delay. Ordered by release time, ties by arrival.
struct Held {
  int64_t release_ns;
  uint64_t seq;
  bool reply;
  int src;
  int dst;
  std::string client;  // the client's sender frame when src is kClients (for confinement)
  std::vector<zmq::message_t> parts;
};

// What a frontend connection (routing id) is: the requester and, for a client, its sender frame.
struct Route {
  int src = kClients;
  std::string client;
};
struct HeldLater {
  bool operator()(const Held& a, const Held& b) const {
    return a.release_ns != b.release_ns ? a.release_ns > b.release_ns : a.seq > b.seq;
  }
};

}  // namespace interposer_detail

struct Interposer::Impl {
  using Counter = interposer_detail::Counter;
  using Held = interposer_detail::Held;
  using HeldLater = interposer_detail::HeldLater;
  using Route = interposer_detail::Route;

  explicit Impl(InterposerOptions o)
      : options(std::move(o)),
        n(static_cast<int>(options.nodes.size())),
        slots(options.curve ? n + 1 : 1),
        table(n),
        version(1),
        link_counts(
            new std::atomic<uint64_t>[static_cast<size_t>(table.num_links()) * interposer_detail::kNumCounters]),
        rng(options.seed) {
    for (int i = 0; i < table.num_links() * interposer_detail::kNumCounters; ++i) link_counts[i].store(0);
    backend_up.reset(new std::atomic<bool>[static_cast<size_t>(slots * n)]);
    for (int i = 0; i < slots * n; ++i) backend_up[i].store(false);
  }

  // --- shared (control side) ---
  const InterposerOptions options;
  const int n;
  // Backends per node: 1 without CURVE (one DEALER to node j carries everybody's requests); with
  // CURVE n + 1, one per source holding that source's key: slot 0 the clients, slot i + 1 node i.
  const int slots;
  mutable std::mutex mu;
  LinkTable table;  // guarded by mu
  std::atomic<uint64_t> version;
  std::vector<std::string> frontends;  // guarded by mu
  bool started = false;                // guarded by mu
  std::atomic<bool> stop_requested{false};
  std::thread thread;

  std::unique_ptr<std::atomic<uint64_t>[]> link_counts;
  std::atomic<uint64_t> total_requests{0};
  std::atomic<uint64_t> total_replies{0};
  std::atomic<uint64_t> total_dropped{0};
  std::atomic<uint64_t> malformed{0};
  std::atomic<uint64_t> proxy_errors{0};
  std::atomic<uint64_t> curve_refused{0};
  std::atomic<bool> proxy_failed{false};
  std::mutex stop_mu;  // serializes stop() callers around thread.join()
  std::atomic<size_t> held_count{0};
  // Per backend (backend_index): connected (with CURVE: handshake done).
  std::unique_ptr<std::atomic<bool>[]> backend_up;

  // --- proxy thread only (sockets are created in start() before the thread exists) ---
  zmq::context_t ctx{1};
  std::vector<zmq::socket_t> front;
  std::vector<zmq::socket_t> back;      // slots x n, indexed by backend_index
  std::vector<zmq::socket_t> monitors;  // PAIRs receiving each backend's connect/disconnect events
  std::optional<zmq::socket_t> zap;     // with CURVE: the ZAP handler (REP) of the frontends
  std::unordered_map<std::string, std::string> zap_allowed;  // Z85 public key -> user id
  LinkTable local;
  uint64_t local_version = 0;
  common::Rng rng;
  std::priority_queue<Held, std::vector<Held>, HeldLater> heap;
  uint64_t seq = 0;
  std::vector<std::unordered_map<std::string, Route>> routes;  // per node: routing id -> requester

  // The backend carrying `src`'s requests to node `dst`.
  int backend_index(int src, int dst) const {
    return (slots == 1 ? 0 : (src == kClients ? 0 : src + 1)) * n + dst;
  }

  // --- proxy thread (interposer_proxy.cc) ---
  void on_zap_request();
  void count(int src, int dst, Counter c);
  void refresh_rules();
  int source_of(const std::vector<zmq::message_t>& parts) const;
  bool blocked(int src, int dst, std::string_view client) const;
  // Decides a message's fate: drop now, send now, or hold.
  void dispatch(bool reply, int src, int dst, std::string_view client,
                std::vector<zmq::message_t>& parts);
  bool send(bool reply, int src, int dst, std::vector<zmq::message_t>& parts);
  void on_request(int j, std::vector<zmq::message_t>& parts);
  void on_reply(int j, std::vector<zmq::message_t>& parts);
  void release_due();
  std::chrono::milliseconds poll_wait() const;
  void on_monitor_event(int b);
  void run();
  // One round: wait for traffic or the next release, handle what arrived, release what is due.
  void step(std::vector<zmq::pollitem_t>& items, std::vector<zmq::message_t>& parts);
};

}  // namespace harness
