#include "cluster/launch/cluster_processes.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>
#include <zmq.hpp>

#include "cluster/launch/child_launcher.h"
#include "cluster/launch/run_to_exit.h"
#include "cluster/wire/cluster_file_write.h"
#include "cluster/wire/curve.h"

namespace launch {

namespace fs = std::filesystem;
using Status = common::Status;

namespace {

constexpr std::chrono::milliseconds kPollStep{10};
constexpr std::chrono::milliseconds kStatusProbe{200};
constexpr size_t kLogTailLines = 15;

// "ipc://@faultline-<pid>-<64 random bits in hex>": unique to one ClusterProcesses. The PID keeps
// processes apart, the random part keeps clusters of one process (and a reused PID) apart. The '@'
// puts the name in Linux's abstract socket namespace: no file, no path-length limit to speak of
// (107 bytes), gone when the socket closes.
std::string unique_endpoint_prefix() {
  std::random_device rd;
  const uint64_t r = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(r));
  return "ipc://@faultline-" + std::to_string(::getpid()) + "-" + hex;
}

std::string log_tail(const std::string& path) {
  std::ifstream f(path);
  if (!f) return "(no log at " + path + ")";
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(f, line)) {
    lines.push_back(line);
    if (lines.size() > kLogTailLines) lines.erase(lines.begin());
  }
  if (lines.empty()) return "(log " + path + " is empty)";
  std::string out = "last lines of " + path + ":";
  for (const auto& l : lines) out += "\n  " + l;
  return out;
}

std::string describe_exit(int wstatus) {
  if (WIFEXITED(wstatus)) return "exited with status " + std::to_string(WEXITSTATUS(wstatus));
  if (WIFSIGNALED(wstatus)) return "killed by signal " + std::to_string(WTERMSIG(wstatus));
  return "stopped";
}

}  // namespace

struct ClusterProcesses::Impl {
  struct Node {
    uint64_t id = 0;
    std::string listen;
    pid_t pid = -1;
    bool paused = false;
    int starts = 0;
    int last_wstatus = 0;
    bool exited = false;  // seen to exit since its last start
  };

  ClusterProcessesOptions options;
  std::unique_ptr<TempDir> temp_dir;  // when options.run_dir was empty; removed last
  mutable std::mutex mu;              // guards nodes, client_addresses, started_all
  std::vector<Node> nodes;
  std::vector<std::string> client_addresses;
  bool configured = false;  // cluster.yaml written
  zmq::context_t ctx{1};    // shared by the status Clerks (thread-safe)
  std::optional<client::ClerkCurve> curve;  // the client's keys, with options.curve; set by create()

  std::string name(int i) const {
    std::string s = "n";
    s += std::to_string(nodes[i].id);
    return s;
  }
  std::string data_dir(int i) const {
    return (fs::path(options.run_dir) / "data" / name(i)).string();
  }
  std::string log_path(int i) const {
    return (fs::path(options.run_dir) / "logs" / (name(i) + ".log")).string();
  }
  std::string cluster_file() const { return (fs::path(options.run_dir) / "cluster.yaml").string(); }

  Status check_index(int i) const {
    if (i < 0 || i >= static_cast<int>(nodes.size())) {
      return Status::invalid_argument("node index " + std::to_string(i) + " out of range [0, " +
                                      std::to_string(nodes.size()) + ")");
    }
    return Status::ok();
  }

  // Non-blocking: true if node i's process is running; reaps it if it exited. Caller holds mu.
  bool poll_alive(int i) {
    Node& n = nodes[i];
    if (n.pid <= 0) return false;
    int ws = 0;
    pid_t r = ::waitpid(n.pid, &ws, WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR)) return true;
    if (r == n.pid) {
      unregister_child(n.pid);
      n.last_wstatus = ws;
      n.exited = true;
    }
    n.pid = -1;
    n.paused = false;
    return false;
  }

  // SIGKILL and reap node i. Caller holds mu.
  void kill_and_reap(int i) {
    Node& n = nodes[i];
    if (n.pid <= 0) return;
    ::kill(n.pid, SIGKILL);
    int ws = 0;
    pid_t r;
    do {
      r = ::waitpid(n.pid, &ws, 0);
    } while (r < 0 && errno == EINTR);
    unregister_child(n.pid);
    n.last_wstatus = ws;
    n.exited = true;
    n.pid = -1;
    n.paused = false;
  }

  std::vector<std::string> args(int i) const {
    std::vector<std::string> a = {"--cluster",  cluster_file(), "--id", std::to_string(nodes[i].id),
                                  "--data-dir", data_dir(i)};
    if (options.unsafe) a.push_back("--unsafe");
    a.insert(a.end(), options.extra_args.begin(), options.extra_args.end());
    if (!options.node_args.empty()) {
      a.insert(a.end(), options.node_args[i].begin(), options.node_args[i].end());
    }
    return a;
  }

  // Starts node i's process (no wait). Caller holds mu.
  Status spawn(int i) {
    if (poll_alive(i)) return Status::invalid_argument("node " + std::to_string(i) + " is running");
    auto pid = spawn_child(options.kvnode_path, args(i), log_path(i));
    if (!pid) return pid.status();
    nodes[i].pid = *pid;
    nodes[i].exited = false;
    nodes[i].starts++;
    return Status::ok();
  }

  // Node i's status, asked at its listen address (with CURVE, as a client of node i's key).
  common::Result<client::NodeStatus> query_status(int i, std::chrono::milliseconds timeout) {
    client::ClerkOptions o;
    o.servers = {nodes[i].listen};
    o.sender = "harness";
    if (curve) {
      o.curve = curve;
      o.curve->server_public_keys = {curve->server_public_keys.at(static_cast<size_t>(i))};
    }
    client::Clerk clerk(std::move(o), &ctx);
    return clerk.status(0, timeout);
  }

  // Waits until node i answers status, or it exits, or start_timeout passes. Caller holds mu.
  Status wait_ready(int i) {
    auto deadline = std::chrono::steady_clock::now() + options.start_timeout;
    Status last = Status::timeout("no status request was answered");
    while (true) {
      if (!poll_alive(i)) {
        return Status::unavailable(
            "node " + std::to_string(i) + " (id " + std::to_string(nodes[i].id) + ") " +
            describe_exit(nodes[i].last_wstatus) + " during startup; " + log_tail(log_path(i)));
      }
      auto st = query_status(i, kStatusProbe);
      if (st) return Status::ok();
      last = st.status();
      if (std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(kPollStep);
    }
    return Status::timeout("node " + std::to_string(i) + " (id " + std::to_string(nodes[i].id) +
                           ", pid " + std::to_string(nodes[i].pid) + ") did not answer status at " +
                           nodes[i].listen + " within " +
                           std::to_string(options.start_timeout.count()) + " ms (" +
                           last.to_string() + "); " + log_tail(log_path(i)));
  }
};

ClusterProcesses::ClusterProcesses(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ClusterProcesses::~ClusterProcesses() { kill_all(); }

common::Result<std::unique_ptr<ClusterProcesses>> ClusterProcesses::create(
    ClusterProcessesOptions options) {
  if (options.num_nodes < 1) {
    return Status::invalid_argument("num_nodes must be >= 1, got " +
                                    std::to_string(options.num_nodes));
  }
  if (options.first_id < 1) return Status::invalid_argument("first_id must be >= 1");
  if (!options.node_args.empty() &&
      static_cast<int>(options.node_args.size()) != options.num_nodes) {
    return Status::invalid_argument("node_args has " + std::to_string(options.node_args.size()) +
                                    " entries for " + std::to_string(options.num_nodes) + " nodes");
  }
  std::error_code ec;
  if (!fs::is_regular_file(options.kvnode_path, ec) ||
      ::access(options.kvnode_path.c_str(), X_OK) != 0) {
    return Status::not_found("kvnode binary not found or not executable: '" + options.kvnode_path +
                             "'");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  if (impl->options.run_dir.empty()) {
    impl->temp_dir = std::make_unique<TempDir>();
    if (impl->temp_dir->path().empty())
      return Status::io_error("cannot create a temporary directory for the cluster");
    impl->options.run_dir = impl->temp_dir->path();
  }
  const auto& o = impl->options;
  const std::string prefix = unique_endpoint_prefix();
  for (int i = 0; i < o.num_nodes; ++i) {
    Impl::Node n;
    n.id = o.first_id + static_cast<uint64_t>(i);
    n.listen = prefix + "/n" + std::to_string(n.id);
    impl->nodes.push_back(n);
  }
  fs::create_directories(fs::path(o.run_dir) / "logs", ec);
  if (ec) return Status::io_error("cannot create " + o.run_dir + "/logs: " + ec.message());
  for (int i = 0; i < o.num_nodes; ++i) {
    fs::create_directories(impl->data_dir(i), ec);
    if (ec) return Status::io_error("cannot create " + impl->data_dir(i) + ": " + ec.message());
  }
  if (o.curve) {
    const std::string keys = (fs::path(o.run_dir) / "keys").string();
    fs::create_directories(keys, ec);
    if (ec) return Status::io_error("cannot create " + keys + ": " + ec.message());
    std::vector<uint64_t> ids;
    for (const auto& n : impl->nodes) ids.push_back(n.id);
    if (auto st = wire::generate_cluster_curve_keys(keys, ids); !st) return st;
    impl->options.config.security = wire::Security::kCurve;
    impl->options.config.curve_keys_dir = keys;
    // The client's keys, fixed from here on (so status queries from any thread read them unlocked).
    wire::ClusterConfig named = impl->options.config;
    for (const auto& n : impl->nodes) {
      wire::NodeAddresses a;
      a.id = n.id;
      a.listen = n.listen;
      named.nodes.push_back(a);
    }
    auto client_keys = client::clerk_curve_for(named);
    if (!client_keys) return client_keys.status();
    impl->curve = *client_keys;
  }
  return std::unique_ptr<ClusterProcesses>(new ClusterProcesses(std::move(impl)));
}

int ClusterProcesses::num_nodes() const { return static_cast<int>(impl_->nodes.size()); }
uint64_t ClusterProcesses::node_id(int i) const { return impl_->nodes.at(i).id; }
std::string ClusterProcesses::node_sender(int i) const {
  impl_->nodes.at(i);
  return impl_->name(i);
}
std::string ClusterProcesses::listen_address(int i) const { return impl_->nodes.at(i).listen; }
std::vector<std::string> ClusterProcesses::listen_addresses() const {
  std::vector<std::string> out;
  for (const auto& n : impl_->nodes) out.push_back(n.listen);
  return out;
}
std::vector<std::string> ClusterProcesses::client_addresses() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->client_addresses;
}
std::string ClusterProcesses::run_dir() const { return impl_->options.run_dir; }
std::string ClusterProcesses::cluster_file() const { return impl_->cluster_file(); }
std::string ClusterProcesses::data_dir(int i) const {
  impl_->nodes.at(i);
  return impl_->data_dir(i);
}
std::string ClusterProcesses::keys_dir() const {
  return (fs::path(impl_->options.run_dir) / "keys").string();
}
std::optional<client::ClerkCurve> ClusterProcesses::curve() const {
  return impl_->curve;  // set by create(), never changed
}
std::string ClusterProcesses::log_path(int i) const {
  impl_->nodes.at(i);
  return impl_->log_path(i);
}

Status ClusterProcesses::start_all(const std::vector<std::string>& peer_addresses) {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.mu);
  const int n = static_cast<int>(m.nodes.size());
  std::vector<std::string> peers =
      peer_addresses.empty() ? std::vector<std::string>() : peer_addresses;
  if (peers.empty()) {
    for (const auto& node : m.nodes) peers.push_back(node.listen);
  }
  if (static_cast<int>(peers.size()) != n) {
    return Status::invalid_argument("start_all: " + std::to_string(peers.size()) +
                                    " peer addresses for " + std::to_string(n) + " nodes");
  }
  wire::ClusterConfig config = m.options.config;
  config.nodes.clear();
  for (int i = 0; i < n; ++i) {
    wire::NodeAddresses a;
    a.id = m.nodes[i].id;
    a.listen = m.nodes[i].listen;
    a.address = peers[i];
    a.client_address = peers[i];
    config.nodes.push_back(a);
  }
  if (auto st = wire::write_cluster_config(config, m.cluster_file()); !st) return st;
  m.client_addresses = peers;
  m.configured = true;
  Status st;
  for (int i = 0; i < n && st.is_ok(); ++i) {
    if (!m.poll_alive(i)) st = m.spawn(i);
  }
  for (int i = 0; i < n && st.is_ok(); ++i) st = m.wait_ready(i);
  if (!st) {
    for (int i = 0; i < n; ++i) m.kill_and_reap(i);
  }
  return st;
}

Status ClusterProcesses::start(int i) {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.mu);
  if (auto st = m.check_index(i); !st) return st;
  if (!m.configured) return Status::invalid_argument("start: start_all() has not run");
  if (auto st = m.spawn(i); !st) return st;
  return m.wait_ready(i);
}

Status ClusterProcesses::kill(int i) {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.mu);
  if (auto st = m.check_index(i); !st) return st;
  m.kill_and_reap(i);
  return Status::ok();
}

Status ClusterProcesses::restart(int i) {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.mu);
  if (auto st = m.check_index(i); !st) return st;
  if (!m.configured) return Status::invalid_argument("restart: start_all() has not run");
  m.kill_and_reap(i);
  if (auto st = m.spawn(i); !st) return st;
  return m.wait_ready(i);
}

Status ClusterProcesses::pause(int i) {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.mu);
  if (auto st = m.check_index(i); !st) return st;
  if (!m.poll_alive(i))
    return Status::unavailable("pause: node " + std::to_string(i) + " is not running");
  if (::kill(m.nodes[i].pid, SIGSTOP) != 0) {
    return Status::io_error("SIGSTOP to pid " + std::to_string(m.nodes[i].pid) + ": " +
                            std::strerror(errno));
  }
  m.nodes[i].paused = true;
  return Status::ok();
}

Status ClusterProcesses::resume(int i) {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.mu);
  if (auto st = m.check_index(i); !st) return st;
  if (!m.poll_alive(i))
    return Status::unavailable("resume: node " + std::to_string(i) + " is not running");
  if (::kill(m.nodes[i].pid, SIGCONT) != 0) {
    return Status::io_error("SIGCONT to pid " + std::to_string(m.nodes[i].pid) + ": " +
                            std::strerror(errno));
  }
  m.nodes[i].paused = false;
  return Status::ok();
}

bool ClusterProcesses::paused(int i) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->check_index(i).is_ok() && impl_->nodes[i].paused;
}

void ClusterProcesses::kill_all() {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.mu);
  for (int i = 0; i < static_cast<int>(m.nodes.size()); ++i) m.kill_and_reap(i);
}

void ClusterProcesses::stop_all() {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.mu);
  const int n = static_cast<int>(m.nodes.size());
  for (int i = 0; i < n; ++i) {
    if (!m.poll_alive(i)) continue;
    if (m.nodes[i].paused) ::kill(m.nodes[i].pid, SIGCONT);
    m.nodes[i].paused = false;
    ::kill(m.nodes[i].pid, SIGTERM);
  }
  auto deadline = std::chrono::steady_clock::now() + m.options.stop_grace;
  while (std::chrono::steady_clock::now() < deadline) {
    bool any = false;
    for (int i = 0; i < n; ++i) any = m.poll_alive(i) || any;
    if (!any) break;
    std::this_thread::sleep_for(kPollStep);
  }
  for (int i = 0; i < n; ++i) m.kill_and_reap(i);
}

common::Result<int> ClusterProcesses::stop(int i, int sig) {
  Impl& m = *impl_;
  std::lock_guard<std::mutex> lock(m.mu);
  if (auto st = m.check_index(i); !st) return st;
  if (!m.poll_alive(i))
    return Status::unavailable("stop: node " + std::to_string(i) + " is not running");
  if (m.nodes[i].paused) ::kill(m.nodes[i].pid, SIGCONT);
  m.nodes[i].paused = false;
  ::kill(m.nodes[i].pid, sig);
  const auto deadline = std::chrono::steady_clock::now() + m.options.stop_grace;
  while (m.poll_alive(i) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(kPollStep);
  }
  m.kill_and_reap(i);  // no-op if it exited in time
  const int ws = m.nodes[i].last_wstatus;
  return WIFEXITED(ws) ? WEXITSTATUS(ws) : -WTERMSIG(ws);
}

bool ClusterProcesses::alive(int i) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->check_index(i).is_ok() && impl_->poll_alive(i);
}

int ClusterProcesses::pid(int i) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->check_index(i).is_ok() ? impl_->nodes[i].pid : -1;
}

int ClusterProcesses::starts(int i) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->check_index(i).is_ok() ? impl_->nodes[i].starts : 0;
}

common::Result<client::NodeStatus> ClusterProcesses::status(int i,
                                                            std::chrono::milliseconds timeout) {
  if (auto st = impl_->check_index(i); !st) return st;
  return impl_->query_status(i, timeout);
}

common::Result<int> ClusterProcesses::leader(std::chrono::milliseconds timeout) {
  int best = -1;
  uint64_t best_term = 0;
  for (int i = 0; i < num_nodes(); ++i) {
    if (!alive(i) || paused(i)) continue;
    auto st = status(i, timeout);
    if (!st || st->role != "leader") continue;
    if (best == -1 || st->term > best_term) {
      best = i;
      best_term = st->term;
    }
  }
  if (best == -1) return Status::not_found("no running node reports itself leader");
  return best;
}

common::Result<int> ClusterProcesses::wait_for_leader(std::chrono::steady_clock::time_point deadline,
                                                      int other_than) {
  while (true) {
    auto l = leader(kStatusProbe);
    if (l && *l != other_than) return l;
    if (std::chrono::steady_clock::now() >= deadline) {
      if (l) {
        return Status::timeout("no leader other than node " + std::to_string(other_than) +
                               " before the deadline");
      }
      return Status::timeout("no leader before the deadline (" + l.status().message() + ")");
    }
    std::this_thread::sleep_for(kPollStep * 5);
  }
}

common::Result<int> ClusterProcesses::wait_for_agreed_leader(
    std::chrono::steady_clock::time_point deadline) {
  const int n = num_nodes();
  while (true) {
    std::vector<std::optional<client::NodeStatus>> st(n);
    for (int i = 0; i < n; ++i) {
      if (!alive(i) || paused(i)) continue;
      if (auto s = status(i, kStatusProbe)) st[i] = *s;
    }
    for (int i = 0; i < n; ++i) {
      if (!st[i] || st[i]->role != "leader") continue;
      int agree = 0;
      for (const auto& s : st) {
        if (s && s->term == st[i]->term && s->leader == st[i]->id) ++agree;
      }
      if (agree > n / 2) return i;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::timeout("no leader acknowledged by a majority before the deadline");
    }
    std::this_thread::sleep_for(kPollStep * 5);
  }
}

common::Result<uint64_t> ClusterProcesses::disk_bytes(int i) const {
  if (auto st = impl_->check_index(i); !st) return st;
  std::error_code ec;
  uint64_t total = 0;
  const std::string dir = impl_->data_dir(i);
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code fec;
    if (it->is_regular_file(fec)) {
      auto size = it->file_size(fec);
      if (!fec) total += size;
    }
  }
  if (ec) return Status::io_error("cannot read " + dir + ": " + ec.message());
  return total;
}

void ClusterProcesses::install_interrupt_handler() { install_kill_children_on_signal(); }

}  // namespace launch
