#include "harness/net/interposer.h"

#include <string>

#include "harness/net/interposer_impl.h"

namespace harness {

using namespace interposer_detail;

Interposer::Interposer(InterposerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

Interposer::~Interposer() { stop(); }

common::Status Interposer::start() {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.mu);
  if (m.started) return common::Status::invalid_argument("interposer: start() called twice");
  if (m.n == 0) return common::Status::invalid_argument("interposer: no nodes");
  if (m.options.curve && m.options.curve->nodes.size() != static_cast<size_t>(m.n)) {
    return common::Status::invalid_argument("interposer: CURVE needs one key pair per node");
  }
  std::vector<std::string> frontends;
  int j = 0;
  try {
    if (m.options.curve) {
      // The frontends' ZAP handler: bound before any CURVE server socket binds.
      m.zap.emplace(m.ctx, zmq::socket_type::rep);
      m.zap->set(zmq::sockopt::linger, 0);
      m.zap->bind("inproc://zeromq.zap.01");
      for (int i = 0; i < m.n; ++i) {
        m.zap_allowed[m.options.curve->nodes[i].public_key] = m.options.nodes[i].sender;
      }
      m.zap_allowed[m.options.curve->client.public_key] = "client";
    }
    for (; j < m.n; ++j) {
      zmq::socket_t f(m.ctx, zmq::socket_type::router);
      f.set(zmq::sockopt::linger, 0);
      if (m.options.curve) {
        const CurveKey& own = m.options.curve->nodes[j];
        f.set(zmq::sockopt::zap_domain, "faultline");
        f.set(zmq::sockopt::curve_server, true);
        f.set(zmq::sockopt::curve_secretkey, own.secret_key);
        f.set(zmq::sockopt::curve_publickey, own.public_key);
      }
      f.bind("tcp://127.0.0.1:*");
      frontends.push_back(f.get(zmq::sockopt::last_endpoint));
      m.front.push_back(std::move(f));
    }
    m.back.resize(static_cast<size_t>(m.slots * m.n));
    m.monitors.resize(m.back.size());
    for (int b = 0; b < m.slots * m.n; ++b) {
      j = b % m.n;
      const int slot = b / m.n;
      zmq::socket_t s(m.ctx, zmq::socket_type::dealer);
      s.set(zmq::sockopt::linger, 0);
      // While node j is down (killed, not yet restarted) a send fails at once and the message is
      // counted as dropped, as on a real network, instead of queueing for the next incarnation.
      s.set(zmq::sockopt::immediate, 1);
      s.set(zmq::sockopt::reconnect_ivl, 10);  // a restarted node is reachable again quickly
      s.set(zmq::sockopt::reconnect_ivl_max, 100);
      if (m.options.curve) {
        // Slot 0 carries the clients' requests (client key), slot i + 1 node i's (its key).
        const CurveKey& own = slot == 0 ? m.options.curve->client : m.options.curve->nodes[slot - 1];
        s.set(zmq::sockopt::curve_serverkey, m.options.curve->nodes[j].public_key);
        s.set(zmq::sockopt::curve_publickey, own.public_key);
        s.set(zmq::sockopt::curve_secretkey, own.secret_key);
      }
      std::string monitor_endpoint = "inproc://interposer-monitor-" +
                                     std::to_string(reinterpret_cast<uintptr_t>(&m)) + "-" +
                                     std::to_string(b);
      if (zmq_socket_monitor(s.handle(), monitor_endpoint.c_str(),
                             ZMQ_EVENT_CONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED |
                                 ZMQ_EVENT_DISCONNECTED) != 0) {
        throw zmq::error_t();
      }
      zmq::socket_t mon(m.ctx, zmq::socket_type::pair);
      mon.set(zmq::sockopt::linger, 0);
      mon.connect(monitor_endpoint);
      s.connect(m.options.nodes[j].backend_address);
      m.back[static_cast<size_t>(b)] = std::move(s);
      m.monitors[static_cast<size_t>(b)] = std::move(mon);
    }
  } catch (const zmq::error_t& e) {
    m.front.clear();
    m.back.clear();
    m.monitors.clear();
    m.zap.reset();
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

common::Status Interposer::cut_one_way(const std::vector<Link>& links) {
  return change_table(impl_->mu, impl_->table, impl_->version,
                      [&](LinkTable& t) { return t.cut_one_way(links); });
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

void Interposer::heal_partition() {
  change_table(impl_->mu, impl_->table, impl_->version, [](LinkTable& t) {
    t.heal_partition();
    return common::Status::ok();
  });
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
  c.curve_refused = m.curve_refused.load(std::memory_order_relaxed);
  return c;
}

bool Interposer::node_reachable(int node) const {
  const Impl& m = *impl_;
  if (node < 0 || node >= m.n) return false;
  for (int slot = 0; slot < m.slots; ++slot) {
    if (!m.backend_up[slot * m.n + node].load(std::memory_order_acquire)) return false;
  }
  return true;
}

bool Interposer::proxy_failed() const {
  return impl_->proxy_failed.load(std::memory_order_acquire);
}

size_t Interposer::held() const { return impl_->held_count.load(std::memory_order_relaxed); }

}  // namespace harness
