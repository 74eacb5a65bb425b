#include "harness/net/interposer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <queue>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <zmq.hpp>

#include "common/clock.h"
#include "common/random.h"
#include "harness/net/link_table.h"

namespace harness {

namespace {

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

// Receives one whole multipart message without blocking; false when none is waiting. Frames past
// kMaxFrames are consumed and discarded (the message then counts as malformed via `overflow`).
bool recv_parts(zmq::socket_t& s, std::vector<zmq::message_t>* parts, bool* overflow) {
  parts->clear();
  *overflow = false;
  zmq::message_t m;
  if (!s.recv(m, zmq::recv_flags::dontwait)) return false;
  while (true) {
    bool more = m.more();
    if (parts->size() < kMaxFrames) {
      parts->push_back(std::move(m));
    } else {
      *overflow = true;
    }
    if (!more) break;
    m = zmq::message_t();
    // The rest of a multipart message is already here once its first frame arrived.
    if (!s.recv(m, zmq::recv_flags::dontwait)) break;
  }
  return true;
}

bool send_parts(zmq::socket_t& s, std::vector<zmq::message_t>& parts) {
  for (size_t i = 0; i < parts.size(); ++i) {
    auto flags = zmq::send_flags::dontwait;
    if (i + 1 < parts.size()) flags = flags | zmq::send_flags::sndmore;
    // Only the first frame can fail with EAGAIN; later frames of a started message are queued.
    if (!s.send(parts[i], flags)) return false;
  }
  return true;
}

}  // namespace

struct Interposer::Impl {
  explicit Impl(InterposerOptions o)
      : options(std::move(o)),
        n(static_cast<int>(options.nodes.size())),
        table(n),
        version(1),
        link_counts(
            new std::atomic<uint64_t>[static_cast<size_t>(table.num_links()) * kNumCounters]),
        rng(options.seed) {
    for (int i = 0; i < table.num_links() * kNumCounters; ++i) link_counts[i].store(0);
    backend_up.reset(new std::atomic<bool>[static_cast<size_t>(n)]);
    for (int i = 0; i < n; ++i) backend_up[i].store(false);
  }

  // --- shared (control side) ---
  const InterposerOptions options;
  const int n;
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
  std::atomic<bool> proxy_failed{false};
  std::mutex stop_mu;  // serializes stop() callers around thread.join()
  std::atomic<size_t> held_count{0};
  std::unique_ptr<std::atomic<bool>[]> backend_up;  // per node: backend has a TCP connection

  // --- proxy thread only (sockets are created in start() before the thread exists) ---
  zmq::context_t ctx{1};
  std::vector<zmq::socket_t> front;
  std::vector<zmq::socket_t> back;
  std::vector<zmq::socket_t> monitors;  // PAIRs receiving each backend's connect/disconnect events
  LinkTable local;
  uint64_t local_version = 0;
  common::Rng rng;
  std::priority_queue<Held, std::vector<Held>, HeldLater> heap;
  uint64_t seq = 0;
  std::vector<std::unordered_map<std::string, Route>> routes;  // per node: routing id -> requester

  void count(int src, int dst, Counter c) {
    link_counts[static_cast<size_t>(local.index(src, dst)) * kNumCounters + c].fetch_add(
        1, std::memory_order_relaxed);
    if (c == kReqDrop || c == kRepDrop) total_dropped.fetch_add(1, std::memory_order_relaxed);
  }

  void refresh_rules() {
    uint64_t v = version.load(std::memory_order_acquire);
    if (v == local_version) return;
    std::lock_guard<std::mutex> lock(mu);
    local = table;
    local_version = version.load(std::memory_order_relaxed);
  }

  int source_of(const std::vector<zmq::message_t>& parts) const {
    const zmq::message_t& sender = parts[parts.size() - 3];
    std::string_view s(static_cast<const char*>(sender.data()), sender.size());
    for (int i = 0; i < n; ++i) {
      if (s == options.nodes[i].sender) return i;
    }
    return kClients;
  }

  bool blocked(int src, int dst, std::string_view client) const {
    return local.partitioned(src, dst) || (src == kClients && local.client_blocked(client, dst));
  }

  // Decides a message's fate: drop now, send now, or hold.
  void dispatch(bool reply, int src, int dst, std::string_view client,
                std::vector<zmq::message_t>& parts) {
    const Counter fwd = reply ? kRepFwd : kReqFwd;
    const Counter drop = reply ? kRepDrop : kReqDrop;
    if (blocked(src, dst, client)) return count(src, dst, drop);
    const LinkRule& r = local.rule(src, dst);
    double p = reply ? r.drop_reply : r.drop_request;
    if (p > 0.0 && rng.chance(p)) return count(src, dst, drop);
    int64_t delay_ms = r.delay_max_ms > r.delay_min_ms ? rng.uniform(r.delay_min_ms, r.delay_max_ms)
                                                       : r.delay_min_ms;
    if (delay_ms == 0) {
      return count(src, dst, send(reply, dst, parts) ? fwd : drop);
    }
    if (heap.size() >= options.max_held) return count(src, dst, drop);
    heap.push(Held{common::monotonic_ns() + delay_ms * 1000000, seq++, reply, src, dst,
                   src == kClients ? std::string(client) : std::string(), std::move(parts)});
    held_count.store(heap.size(), std::memory_order_relaxed);
  }

  bool send(bool reply, int dst, std::vector<zmq::message_t>& parts) {
    return send_parts(reply ? front[dst] : back[dst], parts);
  }

  void on_request(int j, std::vector<zmq::message_t>& parts) {
    total_requests.fetch_add(1, std::memory_order_relaxed);
    // [routing id][envelope...][sender][type][payload]
    if (parts.size() < 4) {
      malformed.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    int src = source_of(parts);
    const zmq::message_t& sender = parts[parts.size() - 3];
    std::string_view client(static_cast<const char*>(sender.data()), sender.size());
    auto& r = routes[j];
    std::string rid(static_cast<const char*>(parts[0].data()), parts[0].size());
    auto it = r.find(rid);
    if (it == r.end()) {
      if (r.size() >= kMaxRoutes) r.clear();
      Route route;
      route.src = src;
      if (src == kClients) route.client = std::string(client);
      r.emplace(std::move(rid), std::move(route));
    } else if (it->second.src != src || (src == kClients && it->second.client != client)) {
      it->second.src = src;
      it->second.client = src == kClients ? std::string(client) : std::string();
    }
    dispatch(false, src, j, client, parts);
  }

  void on_reply(int j, std::vector<zmq::message_t>& parts) {
    total_replies.fetch_add(1, std::memory_order_relaxed);
    // [frontend routing id][envelope...][sender][type][payload]
    if (parts.size() < 4) {
      malformed.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    std::string rid(static_cast<const char*>(parts[0].data()), parts[0].size());
    auto it = routes[j].find(rid);
    if (it == routes[j].end()) return dispatch(true, kClients, j, std::string_view(), parts);
    dispatch(true, it->second.src, j, it->second.client, parts);
  }

  void release_due() {
    int64_t now = common::monotonic_ns();
    while (!heap.empty() && heap.top().release_ns <= now) {
      // priority_queue::top is const; the element is popped right after, so moving from it is safe.
      Held h = std::move(const_cast<Held&>(heap.top()));
      heap.pop();
      const Counter fwd = h.reply ? kRepFwd : kReqFwd;
      const Counter drop = h.reply ? kRepDrop : kReqDrop;
      if (blocked(h.src, h.dst, h.client)) {
        count(h.src, h.dst, drop);
      } else {
        count(h.src, h.dst, send(h.reply, h.dst, h.parts) ? fwd : drop);
      }
    }
    held_count.store(heap.size(), std::memory_order_relaxed);
  }

  std::chrono::milliseconds poll_wait() const {
    if (heap.empty()) return kMaxPollWait;
    int64_t wait_ns = heap.top().release_ns - common::monotonic_ns();
    if (wait_ns <= 0) return std::chrono::milliseconds(0);
    // Round up: waking early would only spin.
    auto ms = std::chrono::milliseconds((wait_ns + 999999) / 1000000);
    return std::min(ms, kMaxPollWait);
  }

  // A monitor event is two frames: [uint16 event][uint32 value] and the endpoint.
  void on_monitor_event(int j) {
    zmq::message_t event;
    while (monitors[j].recv(event, zmq::recv_flags::dontwait)) {
      uint16_t id = 0;
      if (event.size() >= sizeof id) std::memcpy(&id, event.data(), sizeof id);
      while (event.more()) {
        zmq::message_t rest;
        if (!monitors[j].recv(rest, zmq::recv_flags::none)) break;
        event = std::move(rest);
      }
      if (id == ZMQ_EVENT_CONNECTED) backend_up[j].store(true, std::memory_order_release);
      if (id == ZMQ_EVENT_DISCONNECTED) backend_up[j].store(false, std::memory_order_release);
    }
  }

  void run() {
    std::vector<zmq::pollitem_t> items;
    for (int j = 0; j < n; ++j) items.push_back({front[j].handle(), 0, ZMQ_POLLIN, 0});
    for (int j = 0; j < n; ++j) items.push_back({back[j].handle(), 0, ZMQ_POLLIN, 0});
    for (int j = 0; j < n; ++j) items.push_back({monitors[j].handle(), 0, ZMQ_POLLIN, 0});
    std::vector<zmq::message_t> parts;
    parts.reserve(8);
    int errors_in_a_row = 0;
    while (!stop_requested.load(std::memory_order_acquire)) {
      try {
        step(items, parts);
        errors_in_a_row = 0;
      } catch (const zmq::error_t& e) {
        if (e.num() == EINTR) continue;  // e.g. the harness was stopped and continued
        if (e.num() == ETERM) break;
        proxy_errors.fetch_add(1, std::memory_order_relaxed);
        if (++errors_in_a_row >= kMaxProxyErrors) {
          proxy_failed.store(true, std::memory_order_release);
          break;
        }
      }
    }
    while (!heap.empty()) heap.pop();
    held_count.store(0);
    front.clear();
    back.clear();
    monitors.clear();
  }

  // One round: wait for traffic or the next release, handle what arrived, release what is due.
  void step(std::vector<zmq::pollitem_t>& items, std::vector<zmq::message_t>& parts) {
    bool overflow = false;
    zmq::poll(items.data(), items.size(), poll_wait());
    refresh_rules();
    for (int j = 0; j < n; ++j) {
      if (items[j].revents & ZMQ_POLLIN) {
        for (int k = 0; k < kBatch && recv_parts(front[j], &parts, &overflow); ++k) {
          if (overflow) {
            malformed.fetch_add(1, std::memory_order_relaxed);
            continue;
          }
          on_request(j, parts);
        }
      }
      if (items[n + j].revents & ZMQ_POLLIN) {
        for (int k = 0; k < kBatch && recv_parts(back[j], &parts, &overflow); ++k) {
          if (overflow) {
            malformed.fetch_add(1, std::memory_order_relaxed);
            continue;
          }
          on_reply(j, parts);
        }
      }
      if (items[2 * n + j].revents & ZMQ_POLLIN) on_monitor_event(j);
    }
    release_due();
  }
};

Interposer::Interposer(InterposerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

Interposer::~Interposer() { stop(); }

common::Status Interposer::start() {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.mu);
  if (m.started) return common::Status::invalid_argument("interposer: start() called twice");
  if (m.n == 0) return common::Status::invalid_argument("interposer: no nodes");
  std::vector<std::string> frontends;
  int j = 0;
  try {
    for (; j < m.n; ++j) {
      zmq::socket_t f(m.ctx, zmq::socket_type::router);
      f.set(zmq::sockopt::linger, 0);
      f.bind("tcp://127.0.0.1:*");
      frontends.push_back(f.get(zmq::sockopt::last_endpoint));
      zmq::socket_t b(m.ctx, zmq::socket_type::dealer);
      b.set(zmq::sockopt::linger, 0);
      // While node j is down (killed, not yet restarted) a send fails at once and the message is
      // counted as dropped, as on a real network, instead of queueing for the next incarnation.
      b.set(zmq::sockopt::immediate, 1);
      b.set(zmq::sockopt::reconnect_ivl, 10);  // a restarted node is reachable again quickly
      b.set(zmq::sockopt::reconnect_ivl_max, 100);
      std::string monitor_endpoint = "inproc://interposer-monitor-" +
                                     std::to_string(reinterpret_cast<uintptr_t>(&m)) + "-" +
                                     std::to_string(j);
      if (zmq_socket_monitor(b.handle(), monitor_endpoint.c_str(),
                             ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED) != 0) {
        throw zmq::error_t();
      }
      zmq::socket_t mon(m.ctx, zmq::socket_type::pair);
      mon.set(zmq::sockopt::linger, 0);
      mon.connect(monitor_endpoint);
      b.connect(m.options.nodes[j].backend_address);
      m.front.push_back(std::move(f));
      m.back.push_back(std::move(b));
      m.monitors.push_back(std::move(mon));
    }
  } catch (const zmq::error_t& e) {
    m.front.clear();
    m.back.clear();
    m.monitors.clear();
    return common::Status::io_error(std::string("interposer: cannot set up node ") +
                                    std::to_string(j) + " sockets: " + e.what());
  }
  m.frontends = std::move(frontends);
  m.routes.resize(static_cast<size_t>(m.n));
  m.local = m.table;
  m.local_version = m.version.load();
  m.started = true;
  m.thread = std::thread([&m] { m.run(); });
  return common::Status::ok();
}

void Interposer::stop() {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.stop_mu);
  m.stop_requested.store(true, std::memory_order_release);
  if (m.thread.joinable()) m.thread.join();
}

int Interposer::num_nodes() const { return impl_->n; }

std::string Interposer::frontend_address(int node) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (node < 0 || node >= static_cast<int>(impl_->frontends.size())) return "";
  return impl_->frontends[node];
}

std::vector<std::string> Interposer::frontend_addresses() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->frontends;
}

namespace {
// Runs `change` on the table under the lock and publishes a new version if it succeeded.
template <typename F>
common::Status change_table(std::mutex& mu, LinkTable& table, std::atomic<uint64_t>& version,
                            F change) {
  std::lock_guard<std::mutex> lock(mu);
  LinkTable next = table;
  common::Status st = change(next);
  if (!st) return st;
  table = std::move(next);
  version.fetch_add(1, std::memory_order_release);
  return st;
}
}  // namespace

common::Status Interposer::set_partition(const Partition& p) {
  return change_table(impl_->mu, impl_->table, impl_->version,
                      [&](LinkTable& t) { return t.set_partition(p); });
}

common::Status Interposer::isolate(int node, bool from_clients) {
  return change_table(impl_->mu, impl_->table, impl_->version,
                      [&](LinkTable& t) { return t.isolate(node, from_clients); });
}

common::Status Interposer::cut(const std::vector<std::pair<int, int>>& node_pairs) {
  return change_table(impl_->mu, impl_->table, impl_->version,
                      [&](LinkTable& t) { return t.cut(node_pairs); });
}

common::Status Interposer::confine_client(const std::string& sender, const std::set<int>& nodes) {
  return change_table(impl_->mu, impl_->table, impl_->version,
                      [&](LinkTable& t) { return t.confine_client(sender, nodes); });
}

void Interposer::release_client(const std::string& sender) {
  change_table(impl_->mu, impl_->table, impl_->version, [&](LinkTable& t) {
    t.release_client(sender);
    return common::Status::ok();
  });
}

bool Interposer::client_confined_from(const std::string& sender, int dst) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  const LinkTable& t = impl_->table;
  return t.valid_dst(dst) && t.client_blocked(sender, dst);
}

void Interposer::heal() {
  change_table(impl_->mu, impl_->table, impl_->version, [](LinkTable& t) {
    t.heal();
    return common::Status::ok();
  });
}

common::Status Interposer::set_unreliable(const LinkRule& rule) {
  return change_table(impl_->mu, impl_->table, impl_->version,
                      [&](LinkTable& t) { return t.set_rule_all(rule); });
}

common::Status Interposer::set_unreliable(const LinkRule& rule, const std::vector<Link>& links) {
  return change_table(impl_->mu, impl_->table, impl_->version,
                      [&](LinkTable& t) { return t.set_rules(rule, links); });
}

common::Status Interposer::set_rule(int src, int dst, const LinkRule& rule) {
  return change_table(impl_->mu, impl_->table, impl_->version,
                      [&](LinkTable& t) { return t.set_rule(src, dst, rule); });
}

void Interposer::clear_unreliable() {
  change_table(impl_->mu, impl_->table, impl_->version, [](LinkTable& t) {
    t.clear_rules();
    return common::Status::ok();
  });
}

bool Interposer::partitioned(int src, int dst) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  const LinkTable& t = impl_->table;
  return t.valid_src(src) && t.valid_dst(dst) && t.partitioned(src, dst);
}

LinkRule Interposer::rule(int src, int dst) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  const LinkTable& t = impl_->table;
  if (!t.valid_src(src) || !t.valid_dst(dst)) return LinkRule{};
  return t.rule(src, dst);
}

LinkCounters Interposer::link_counters(int src, int dst) const {
  const Impl& m = *impl_;
  LinkCounters c;
  if (src < kClients || src >= m.n || dst < 0 || dst >= m.n) return c;
  size_t base = static_cast<size_t>((src + 1) * m.n + dst) * kNumCounters;
  c.requests_forwarded = m.link_counts[base + kReqFwd].load(std::memory_order_relaxed);
  c.requests_dropped = m.link_counts[base + kReqDrop].load(std::memory_order_relaxed);
  c.replies_forwarded = m.link_counts[base + kRepFwd].load(std::memory_order_relaxed);
  c.replies_dropped = m.link_counts[base + kRepDrop].load(std::memory_order_relaxed);
  return c;
}

InterposerCounters Interposer::counters() const {
  const Impl& m = *impl_;
  InterposerCounters c;
  c.total_requests = m.total_requests.load(std::memory_order_relaxed);
  c.total_replies = m.total_replies.load(std::memory_order_relaxed);
  c.total_dropped = m.total_dropped.load(std::memory_order_relaxed);
  c.malformed = m.malformed.load(std::memory_order_relaxed);
  c.proxy_errors = m.proxy_errors.load(std::memory_order_relaxed);
  return c;
}

bool Interposer::node_reachable(int node) const {
  if (node < 0 || node >= impl_->n) return false;
  return impl_->backend_up[node].load(std::memory_order_acquire);
}

bool Interposer::proxy_failed() const {
  return impl_->proxy_failed.load(std::memory_order_acquire);
}

size_t Interposer::held() const { return impl_->held_count.load(std::memory_order_relaxed); }

}  // namespace harness
