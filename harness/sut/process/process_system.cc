#include "harness/sut/process/process_system.h"

#include <csignal>
#include <filesystem>
#include <mutex>

#include "cluster/client/clerk.h"
#include "cluster/launch/cluster_processes.h"
#include "cluster/wire/curve.h"
#include "harness/net/interposer.h"
#include "harness/sut/thread_clock.h"

namespace harness::sut {

using launch::ClusterProcesses;
using launch::ClusterProcessesOptions;

namespace {

std::chrono::steady_clock::time_point to_steady(int64_t t_ns) {
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::nanoseconds(t_ns)));
}

int to_ms(int64_t ns) { return static_cast<int>(ns / 1'000'000); }

wire::ClusterConfig cluster_config(const ClusterSettings& c) {
  wire::ClusterConfig cfg;
  cfg.tick_ms = to_ms(c.tick_ns);
  cfg.election_timeout_min_ms = to_ms(c.election_min_ns);
  cfg.election_timeout_max_ms = to_ms(c.election_max_ns);
  cfg.heartbeat_ms = to_ms(c.heartbeat_ns);
  cfg.fsync = c.fsync == Fsync::kNever ? wire::FsyncMode::kNever : wire::FsyncMode::kAlways;
  cfg.read_mode = c.read_mode == ReadMode::kLocal ? wire::ReadMode::kLocal
                  : c.read_mode == ReadMode::kLog ? wire::ReadMode::kLog
                                                  : wire::ReadMode::kReadIndex;
  cfg.storage = c.storage == Storage::kMemory ? wire::StorageMode::kMemory : wire::StorageMode::kDisk;
  cfg.dedup = c.dedup;
  cfg.pre_vote = c.pre_vote;
  cfg.check_quorum = c.check_quorum;
  cfg.compaction_bytes = c.compaction_bytes;
  return cfg;
}

LinkRule link_rule(const LinkFault& f) {
  LinkRule out;
  out.drop_request = f.drop_requests;
  out.drop_reply = f.drop_replies;
  out.delay_min_ms = to_ms(f.delay_min_ns);
  out.delay_max_ms = to_ms(f.delay_max_ns);
  // The interposer reorders through delay ranges; reordering without a delay gets a small one.
  if (f.reorder && out.delay_max_ms == out.delay_min_ms) out.delay_max_ms = out.delay_min_ms + 10;
  return out;
}

Role role_of(const std::string& role) {
  if (role == "leader") return Role::kLeader;
  if (role == "follower") return Role::kFollower;
  if (role == "candidate" || role == "precandidate" || role == "pre-candidate") return Role::kCandidate;
  return Role::kUnknown;
}

class ProcessNodes final : public Nodes {
 public:
  ProcessNodes(ClusterProcesses& procs, bool power_cuts) : procs_(procs), power_cuts_(power_cuts) {}
  int count() const override { return procs_.num_nodes(); }
  common::Status start(int node) override {
    if (procs_.alive(node)) return common::Status::ok();
    return procs_.start(node);
  }
  common::Status kill(int node, Crash how) override {
    if (how == Crash::kPowerLoss && !power_cuts_) {
      return common::Status::invalid_argument(
          "node " + std::to_string(node) +
          " cannot lose power: it runs without --power-cut-storage, and a killed process keeps its "
          "page cache");
    }
    // With --power-cut-storage what the node did not fsync lives only in its process: SIGKILL is
    // a power cut.
    return procs_.kill(node);
  }
  common::Status kill_torn(int node) override {
    if (!power_cuts_) return kill(node, Crash::kPowerLoss);  // the same refusal
    if (!procs_.alive(node)) return common::Status::ok();
    // kvnode --power-cut-storage takes SIGUSR1 as a power cut: it tears its last unsynced write at
    // a seeded byte and exits at once. stop() resumes a paused node first, and SIGKILLs one that
    // has not exited within the grace period (then nothing is torn, a plain power cut).
    auto code = procs_.stop(node, SIGUSR1);
    return code ? common::Status::ok() : code.status();
  }
  common::Status restart(int node) override { return procs_.restart(node); }
  common::Status pause(int node) override { return procs_.pause(node); }
  common::Status resume(int node) override {
    if (!procs_.paused(node)) return common::Status::ok();
    return procs_.resume(node);
  }
  bool running(int node) override { return procs_.alive(node); }
  bool paused(int node) const override { return procs_.paused(node); }
  common::Result<NodeStatus> status(int node, int64_t timeout_ns) override {
    auto st = procs_.status(node, std::chrono::milliseconds(timeout_ns / 1'000'000));
    if (!st) return st.status();
    NodeStatus out;
    out.role = role_of(st->role);
    out.term = st->term;
    if (st->leader != 0) out.leader = static_cast<int>(st->leader - procs_.node_id(0));
    out.commit_index = st->commit_index;
    out.applied_index = st->applied_index;
    out.log_bytes = st->log_bytes;
    out.snapshot_index = st->snapshot_index;
    out.snapshot_bytes = st->snapshot_bytes;
    return out;
  }
  std::optional<int> leader(int64_t deadline_ns) override {
    auto r = procs_.wait_for_leader(to_steady(deadline_ns));
    if (!r) return std::nullopt;
    return *r;
  }
  std::string log_file(int node) const override {
    return "logs/" + std::filesystem::path(procs_.log_path(node)).filename().string();
  }

 private:
  ClusterProcesses& procs_;
  const bool power_cuts_;
};

class InterposerNetwork final : public Network {
 public:
  explicit InterposerNetwork(Interposer& net) : net_(net) {}
  common::Status partition(const std::vector<std::vector<int>>& sides, int clients_side) override {
    harness::Partition p;
    for (const auto& side : sides) p.sides.emplace_back(side.begin(), side.end());
    if (clients_side >= 0) p.client_sides.insert(clients_side);
    return net_.set_partition(p);
  }
  common::Status cut(const std::vector<Link>& links) override {
    std::vector<harness::Link> one_way;
    for (const auto& l : links) one_way.push_back(harness::Link{l.src, l.dst});
    return net_.cut_one_way(one_way);
  }
  common::Status confine_client(const std::string& client, const std::set<int>& nodes) override {
    return net_.confine_client(client, nodes);
  }
  void release_client(const std::string& client) override { net_.release_client(client); }
  void heal() override { net_.heal_partition(); }
  common::Status set_link_faults(const LinkFault& fault, const std::vector<Link>& links) override {
    std::vector<harness::Link> out;
    for (const auto& l : links) out.push_back(harness::Link{l.src, l.dst});
    return net_.set_unreliable(link_rule(fault), out);
  }
  void clear_link_faults() override { net_.clear_unreliable(); }
  NetworkCounters counters() const override {
    const auto c = net_.counters();
    return NetworkCounters{c.total_requests, c.total_dropped};
  }

 private:
  Interposer& net_;
};

class ClerkClient final : public Client {
 public:
  ClerkClient(const std::vector<std::string>& servers,
              const std::optional<client::ClerkCurve>& curve, const ClientOptions& o) {
    client::ClerkOptions opts;
    opts.servers = servers;
    opts.curve = curve;  // the interposer's frontend j holds node j's key
    opts.attempt_timeout = std::chrono::milliseconds(o.attempt_timeout_ns / 1'000'000);
    opts.client_id = o.client_id;
    opts.sender = o.name;
    clerk_ = std::make_unique<client::Clerk>(opts);
  }
  OpResult invoke(OpKind kind, const std::string& key, const std::string& value,
                  int64_t deadline_ns) override {
    const auto deadline = to_steady(deadline_ns);
    client::OpResult r;
    switch (kind) {
      case OpKind::kGet: r = clerk_->get(key, deadline); break;
      case OpKind::kPut: r = clerk_->put(key, value, deadline); break;
      case OpKind::kAppend: r = clerk_->append(key, value, deadline); break;
    }
    OpResult out;
    out.outcome = r.outcome == client::Outcome::kOk ? Outcome::kOk : Outcome::kUnknown;
    out.value = std::move(r.value);
    return out;
  }

 private:
  std::unique_ptr<client::Clerk> clerk_;
};

class ClerkClients final : public Clients {
 public:
  void set_servers(std::vector<std::string> servers, std::optional<client::ClerkCurve> curve) {
    std::lock_guard lock(mu_);
    servers_ = std::move(servers);
    curve_ = std::move(curve);
  }
  std::unique_ptr<Client> make(const ClientOptions& options) override {
    std::lock_guard lock(mu_);
    return std::make_unique<ClerkClient>(servers_, curve_, options);
  }

 private:
  std::mutex mu_;
  std::vector<std::string> servers_;
  std::optional<client::ClerkCurve> curve_;
};

// Every key pair of the run, read back from the files the launcher wrote.
common::Result<InterposerCurve> curve_keys(const ClusterProcesses& procs) {
  InterposerCurve out;
  auto read = [&](const std::string& name) -> common::Result<CurveKey> {
    auto k = wire::load_curve_key_file(procs.keys_dir() + "/" + name + ".key");
    if (!k) return k.status();
    return CurveKey{k->public_key, k->secret_key};
  };
  for (int i = 0; i < procs.num_nodes(); ++i) {
    auto k = read(procs.node_sender(i));
    if (!k) return k.status();
    out.nodes.push_back(std::move(*k));
  }
  auto c = read("client");
  if (!c) return c.status();
  out.client = std::move(*c);
  return out;
}

class ProcessSystem final : public System {
 public:
  ProcessSystem(SystemSpec spec, std::unique_ptr<ClusterProcesses> procs)
      : spec_(std::move(spec)), procs_(std::move(procs)), nodes_(*procs_, spec_.power_cuts) {}
  ~ProcessSystem() override { stop(); }

  common::Status start() override {
    InterposerOptions io;
    for (int i = 0; i < procs_->num_nodes(); ++i) {
      io.nodes.push_back(NodeEndpoint{procs_->node_sender(i), procs_->listen_address(i)});
    }
    io.seed = spec_.network_seed;
    if (spec_.settings.curve) {
      // The launcher made this run's keys (run_dir/keys); the interposer terminates CURVE with
      // them (harness/net/interposer.h, "CURVE").
      auto keys = curve_keys(*procs_);
      if (!keys) return keys.status();
      io.curve = std::move(*keys);
    }
    net_ = std::make_unique<Interposer>(io);
    network_ = std::make_unique<InterposerNetwork>(*net_);
    if (auto st = net_->start(); !st) return st;
    if (auto st = procs_->start_all(net_->frontend_addresses()); !st) return st;
    clients_.set_servers(procs_->client_addresses(), procs_->curve());
    return common::Status::ok();
  }
  void stop() override {
    if (procs_) procs_->stop_all();
    if (net_) net_->stop();
  }
  RunClock& clock() override { return clock_; }
  Nodes& nodes() override { return nodes_; }
  Network& network() override { return *network_; }
  Clients& clients() override { return clients_; }

 private:
  SystemSpec spec_;
  ThreadClock clock_;
  std::unique_ptr<ClusterProcesses> procs_;
  ProcessNodes nodes_;
  std::unique_ptr<Interposer> net_;
  std::unique_ptr<InterposerNetwork> network_;
  ClerkClients clients_;
};

}  // namespace

common::Result<std::unique_ptr<System>> make_process_system(const ProcessSystemOptions& options,
                                                            const SystemSpec& spec) {
  ClusterProcessesOptions po;
  po.kvnode_path = options.kvnode_path;
  po.run_dir = spec.run_dir;
  po.num_nodes = spec.nodes;
  po.unsafe = spec.unsafe;
  po.config = cluster_config(spec.settings);
  po.curve = spec.settings.curve;  // fresh keys for this run in run_dir/keys
  if (spec.power_cuts) po.extra_args.push_back("--power-cut-storage");
  // Each node's election randomness comes from the scenario seed (harness/run/seeds.h).
  for (uint64_t seed : spec.node_seeds) po.node_args.push_back({"--seed", std::to_string(seed)});
  auto procs = ClusterProcesses::create(po);
  if (!procs) return procs.status();
  return std::unique_ptr<System>(std::make_unique<ProcessSystem>(spec, std::move(*procs)));
}

void install_interrupt_handler() { ClusterProcesses::install_interrupt_handler(); }

SystemFactory process_system_factory(ProcessSystemOptions options) {
  return [options](const SystemSpec& spec) { return make_process_system(options, spec); };
}

}  // namespace harness::sut
