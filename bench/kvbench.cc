// kvbench: starts a local kvnode cluster (3 or 5 nodes, fsync on, disk storage; cluster/launch, so
// the Clerks reach the nodes over ZeroMQ ipc:// endpoints, not loopback TCP) and prints
// sequential Put and linearizable Get latency, throughput with 1/4/16/64 concurrent clients (each
// its own Clerk on its own thread), and the gap in successful writes after SIGKILL of the leader.
// Each figure is the median over --runs runs. Prints figures; never passes or fails.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <thread>
#include <zmq.hpp>

#include "cluster/client/clerk.h"
#include "cluster/launch/cluster_processes.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Figures {
  double put_p50_ms = 0, put_p99_ms = 0, get_p50_ms = 0, get_p99_ms = 0;
  std::vector<double> ops_per_s;  // per client level
  double gap_ms = 0;
};

double ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t i = std::min(v.size() - 1, static_cast<size_t>(p * double(v.size())));
  return v[i];
}

double median(std::vector<double> v) { return percentile(std::move(v), 0.5); }

client::ClerkOptions clerk_options(const launch::ClusterProcesses& c) {
  client::ClerkOptions o;
  o.servers = c.client_addresses();
  o.attempt_timeout = 100ms;
  o.curve = c.curve();  // with --curve: the client key
  return o;
}

// Sequential latency of `n` operations of one kind from one Clerk.
std::vector<double> sequential(client::Clerk& clerk, bool puts, int n) {
  std::vector<double> lat;
  lat.reserve(n);
  for (int i = 0; i < n; ++i) {
    auto t0 = Clock::now();
    auto r = puts ? clerk.put("seq-key", "value-" + std::to_string(i), t0 + 10s)
                  : clerk.get("seq-key", t0 + 10s);
    if (r.outcome == client::Outcome::kOk) lat.push_back(ms(Clock::now() - t0));
  }
  return lat;
}

// `clients` threads, each with its own Clerk, putting to their own keys for `duration`.
double throughput(const launch::ClusterProcesses& c, zmq::context_t& ctx, int clients,
                  std::chrono::milliseconds duration) {
  std::atomic<uint64_t> done{0};
  std::atomic<bool> go{false};
  auto until = Clock::now() + 200ms + duration;
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      client::Clerk clerk(clerk_options(c), &ctx);
      while (!go.load()) std::this_thread::yield();
      uint64_t n = 0;
      std::string key = "tp-" + std::to_string(t);
      while (Clock::now() < until)
        if (clerk.put(key, "v" + std::to_string(n), until + 5s).outcome == client::Outcome::kOk)
          ++n;
      done += n;
    });
  }
  std::this_thread::sleep_for(200ms);  // let every Clerk connect before the clock starts
  auto t0 = Clock::now();
  done = 0;
  go = true;
  for (auto& th : threads) th.join();
  return double(done.load()) / std::chrono::duration<double>(Clock::now() - t0).count();
}

// Writers run for ~3 s; the leader is SIGKILLed after 1 s. Gap: the longest interval in which no
// write completed successfully (across all writers).
double leader_kill_gap(launch::ClusterProcesses& c, zmq::context_t& ctx, int clients) {
  auto leader = c.wait_for_agreed_leader(Clock::now() + 10s);
  if (!leader) return -1;
  std::mutex mu;
  std::vector<Clock::time_point> oks;
  auto start = Clock::now();
  auto until = start + 3s;
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&, t] {
      client::Clerk clerk(clerk_options(c), &ctx);
      std::vector<Clock::time_point> mine;
      uint64_t n = 0;
      while (Clock::now() < until)
        if (clerk.put("gap-" + std::to_string(t), std::to_string(n++), until + 5s).outcome ==
            client::Outcome::kOk)
          mine.push_back(Clock::now());
      std::lock_guard<std::mutex> lock(mu);
      oks.insert(oks.end(), mine.begin(), mine.end());
    });
  }
  std::this_thread::sleep_for(1s);
  auto killed_at = Clock::now();
  (void)c.kill(*leader);
  for (auto& th : threads) th.join();
  (void)c.start(*leader);
  std::sort(oks.begin(), oks.end());
  double gap = 0;
  Clock::time_point prev = killed_at;
  for (auto t : oks) {
    if (t < killed_at) continue;
    gap = std::max(gap, ms(t - prev));
    prev = t;
  }
  return gap;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kvbench: latency, throughput and leader-kill gap of a local kvnode cluster"};
  int nodes = 3, runs = 3, ops = 2000, seconds = 2;
  uint64_t compaction_bytes = 0;
  std::string kvnode = KVNODE_PATH;
  std::string levels_s = "1,4,16,64";
  app.add_option("--nodes", nodes, "cluster size")->check(CLI::IsMember({3, 5}));
  app.add_option("--runs", runs, "repetitions; figures are medians")->check(CLI::Range(1, 20));
  app.add_option("--ops", ops, "operations per sequential latency phase")
      ->check(CLI::Range(10, 1000000));
  app.add_option("--seconds", seconds, "seconds per throughput level")->check(CLI::Range(1, 60));
  app.add_option("--kvnode", kvnode, "kvnode binary");
  app.add_option("--compaction-bytes", compaction_bytes,
                 "compact the log past this many bytes (0: never, the default)");
  bool curve = false;
  app.add_flag("--curve", curve, "security: curve (fresh keys; every socket authenticated and encrypted)");
  CLI11_PARSE(app, argc, argv);
  const std::vector<int> levels = {1, 4, 16, 64};

  launch::ClusterProcessesOptions options;
  options.kvnode_path = kvnode;
  options.num_nodes = nodes;
  options.config.fsync = wire::FsyncMode::kAlways;
  options.config.compaction_bytes = compaction_bytes;
  options.curve = curve;
  auto cluster = launch::ClusterProcesses::create(options);
  if (cluster) {
    if (auto st = cluster.value()->start_all(); !st) cluster = st;
  }
  if (!cluster) {
    std::fprintf(stderr, "kvbench: %s\n", cluster.status().message().c_str());
    return 2;
  }
  auto& c = *cluster.value();
  if (!c.wait_for_agreed_leader(Clock::now() + 10s)) {
    std::fprintf(stderr, "kvbench: no leader within 10 s (logs in %s)\n", c.run_dir().c_str());
    return 2;
  }
  zmq::context_t ctx(2);
  std::vector<Figures> all;
  for (int run = 0; run < runs; ++run) {
    Figures f;
    {
      client::Clerk clerk(clerk_options(c), &ctx);
      sequential(clerk, true, std::min(ops, 200));  // warm-up: find the leader, fill caches
      auto puts = sequential(clerk, true, ops);
      auto gets = sequential(clerk, false, ops);
      f.put_p50_ms = percentile(puts, 0.5);
      f.put_p99_ms = percentile(puts, 0.99);
      f.get_p50_ms = percentile(gets, 0.5);
      f.get_p99_ms = percentile(gets, 0.99);
    }
    for (int level : levels)
      f.ops_per_s.push_back(throughput(c, ctx, level, std::chrono::seconds(seconds)));
    f.gap_ms = leader_kill_gap(c, ctx, 8);
    (void)c.wait_for_agreed_leader(Clock::now() + 10s);
    std::printf("run %d: put p50 %.3f p99 %.3f ms | get p50 %.3f p99 %.3f ms | ops/s", run + 1,
                f.put_p50_ms, f.put_p99_ms, f.get_p50_ms, f.get_p99_ms);
    for (size_t i = 0; i < levels.size(); ++i) std::printf(" %d:%.0f", levels[i], f.ops_per_s[i]);
    std::printf(" | leader-kill gap %.0f ms\n", f.gap_ms);
    std::fflush(stdout);
    all.push_back(f);
  }
  auto med = [&](auto get) {
    std::vector<double> v;
    for (const auto& f : all) v.push_back(get(f));
    return median(v);
  };
  std::printf(
      "\nkvbench: %d nodes, fsync always, compaction_bytes %llu, security %s, %d runs (medians), "
      "nodes on ipc:// endpoints (cluster/launch)\n",
      nodes, static_cast<unsigned long long>(compaction_bytes), curve ? "curve" : "none", runs);
  std::printf("  sequential put   p50 %.3f ms  p99 %.3f ms\n",
              med([](auto& f) { return f.put_p50_ms; }), med([](auto& f) { return f.put_p99_ms; }));
  std::printf("  sequential get   p50 %.3f ms  p99 %.3f ms  (read_index)\n",
              med([](auto& f) { return f.get_p50_ms; }), med([](auto& f) { return f.get_p99_ms; }));
  for (size_t i = 0; i < levels.size(); ++i)
    std::printf("  %2d clients       %.0f puts/s\n", levels[i],
                med([i](auto& f) { return f.ops_per_s[i]; }));
  std::printf("  leader-kill gap  %.0f ms\n", med([](auto& f) { return f.gap_ms; }));
  if (compaction_bytes > 0) {  // how often each node compacted / installed a leader's snapshot
    for (int i = 0; i < c.num_nodes(); ++i) {
      std::ifstream in(c.log_path(i));
      std::string line;
      int compactions = 0, installs = 0;
      double total_ms = 0, max_ms = 0;
      while (std::getline(in, line)) {
        if (line.find("\"msg\":\"compacted\"") != std::string::npos) {
          ++compactions;
          size_t at = line.find("\"ms\":");
          double d = at == std::string::npos ? 0 : std::atof(line.c_str() + at + 5);
          total_ms += d;
          max_ms = std::max(max_ms, d);
        }
        installs += line.find("\"msg\":\"installed snapshot\"") != std::string::npos;
      }
      std::printf(
          "  node %d: %d compactions (%.0f ms in all, longest %.1f ms), %d snapshots installed\n",
          i + 1, compactions, total_ms, max_ms, installs);
    }
  }
  return 0;
}
