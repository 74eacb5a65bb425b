#include "sim/sim_system.h"

#include <filesystem>
#include <fstream>

#include "sim/seeds.h"

namespace sim {

wire::ClusterConfig sim_cluster_config(int nodes, const harness::sut::ClusterSettings& s) {
  wire::ClusterConfig c;
  c.path = "(simulated cluster)";
  for (int i = 0; i < nodes; ++i) {
    wire::NodeAddresses a;
    a.id = static_cast<uint64_t>(i + 1);
    a.listen = a.address = a.client_address = "sim://n" + std::to_string(i + 1);
    c.nodes.push_back(a);
  }
  auto ms = [](int64_t ns) { return static_cast<int>(ns / 1'000'000); };
  c.tick_ms = std::max(1, ms(s.tick_ns));
  c.election_timeout_min_ms = ms(s.election_min_ns);
  c.election_timeout_max_ms = ms(s.election_max_ns);
  c.heartbeat_ms = ms(s.heartbeat_ns);
  c.fsync = s.fsync == harness::sut::Fsync::kNever ? wire::FsyncMode::kNever : wire::FsyncMode::kAlways;
  c.read_mode = s.read_mode == harness::sut::ReadMode::kLocal ? wire::ReadMode::kLocal
                : s.read_mode == harness::sut::ReadMode::kLog ? wire::ReadMode::kLog
                                                              : wire::ReadMode::kReadIndex;
  c.storage = s.storage == harness::sut::Storage::kMemory ? wire::StorageMode::kMemory : wire::StorageMode::kDisk;
  c.dedup = s.dedup;
  c.compaction_bytes = s.compaction_bytes;
  return c;
}

SimSystem::SimSystem(const harness::sut::SystemSpec& spec, const WorldOptions& options)
    : spec_(spec), options_(options), clock_(loop_), net_(loop_, common::Rng(spec.network_seed), spec.nodes),
      seam_(net_, spec.nodes) {
  LinkQuality base;
  base.latency = options.latency;
  net_.set_baseline(base);
  const wire::ClusterConfig config = sim_cluster_config(spec.nodes, spec.settings);
  std::vector<node::NodeCoreOptions> opts;
  std::vector<std::unique_ptr<SimDisk>> disks;
  const Seeds seeds(options.seed);
  for (int i = 0; i < spec.nodes; ++i) {
    node::NodeCoreOptions o;
    o.cluster = config;
    o.id = static_cast<uint64_t>(i + 1);
    o.data_dir = "/data/n" + std::to_string(i + 1);
    o.seed = static_cast<size_t>(i) < spec.node_seeds.size() && spec.node_seeds[static_cast<size_t>(i)]
                 ? spec.node_seeds[static_cast<size_t>(i)]
                 : seeds.seed_of("node/" + std::to_string(i)) | 1;
    o.max_msg_bytes = options.max_msg_bytes;
    o.max_inflight_bytes = options.max_inflight_bytes;
    o.max_snapshot_chunk = options.max_snapshot_chunk;
    o.segment_bytes = options.segment_bytes;
    opts.push_back(std::move(o));
    disks.push_back(std::make_unique<SimDisk>(seeds.stream("disk", i), options.disk));
  }
  ProcessTiming timing;
  timing.tick_interval = static_cast<Nanos>(config.tick_ms) * kMilli;
  timing.cpu_cost = options.cpu_cost;
  nodes_ = std::make_unique<SimNodes>(clock_, net_, std::move(opts), std::move(disks), timing);
  clients_ = std::make_unique<SimClients>(clock_, net_, seam_, spec.nodes);
}

SimSystem::~SimSystem() { stop(); }

common::Status SimSystem::start() {
  if (started_) return common::Status::ok();
  started_ = true;
  if (!(spec_.baseline == harness::sut::LinkFault{})) {
    std::vector<harness::sut::Link> all;
    for (int d = 0; d < spec_.nodes; ++d) {
      all.push_back({harness::sut::kClients, d});
      for (int s = 0; s < spec_.nodes; ++s) {
        if (s != d) all.push_back({s, d});
      }
    }
    if (auto st = seam_.set_link_faults(spec_.baseline, all); !st) return st;
  }
  for (int i = 0; i < spec_.nodes; ++i) {
    if (auto st = nodes_->start(i); !st) return st;
  }
  return common::Status::ok();
}

void SimSystem::stop() {
  if (stopped_ || !started_) return;
  stopped_ = true;
  for (int i = 0; i < nodes_->count(); ++i) {
    if (node::NodeCore* c = nodes_->core(i)) (void)c->close();
    nodes_->host(i).kill();
  }
  if (!options_.write_logs || spec_.run_dir.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(spec_.run_dir + "/logs", ec);
  for (int i = 0; i < nodes_->count(); ++i) {
    std::ofstream out(spec_.run_dir + "/" + nodes_->log_file(i));
    for (const auto& line : nodes_->logs(i).lines) out << line << '\n';
  }
}

harness::sut::SystemFactory sim_system_factory(WorldOptions options) {
  return [options](const harness::sut::SystemSpec& spec) -> common::Result<std::unique_ptr<harness::sut::System>> {
    return std::unique_ptr<harness::sut::System>(std::make_unique<SimSystem>(spec, options));
  };
}

}  // namespace sim
