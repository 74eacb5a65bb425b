// `faultline cluster up [--nodes N]`: starts a local kvnode cluster (cluster/launch: ipc endpoints
// in Linux's abstract namespace, nothing on the network), prints its cluster file and kvctl
// command lines, and runs until Ctrl-C or SIGTERM; then stops (SIGTERM, SIGKILL after 2 s) and
// reaps every node. Only parses arguments and drives launch::ClusterProcesses.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "app/commands.h"
#include "app/programs.h"
#include "cluster/launch/cluster_processes.h"

namespace app {
namespace {

struct ClusterArgs {
  int nodes = 3;
  std::string dir;
  std::string kvnode;
};

std::atomic<bool> g_stop{false};
void on_stop_signal(int) { g_stop.store(true); }

int cluster_up(const ClusterArgs& a) {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  launch::ClusterProcessesOptions o;
  o.kvnode_path = find_kvnode(a.kvnode);
  o.run_dir = a.dir;  // empty: a temporary directory, removed when the cluster stops
  o.num_nodes = a.nodes;
  auto procs = launch::ClusterProcesses::create(o);
  if (!procs) {
    std::cerr << "faultline cluster up: " << procs.status().message() << "\n";
    return 2;
  }
  launch::ClusterProcesses& c = **procs;
  if (auto st = c.start_all(); !st) {
    std::cerr << "faultline cluster up: " << st.message() << "\n";
    return 2;
  }
  auto leader = c.wait_for_leader(std::chrono::steady_clock::now() + std::chrono::seconds(10));
  const std::string kvctl = find_program("", nullptr, "kvctl", "cluster/client");
  const std::string file = c.cluster_file();
  std::cout << "cluster of " << a.nodes << " node" << (a.nodes == 1 ? "" : "s") << " up in " << c.run_dir()
            << (a.dir.empty() ? " (removed when it stops; --dir keeps one)" : "") << "\n";
  std::cout << "cluster file: " << file << "\n";
  for (int i = 0; i < a.nodes; ++i) {
    std::cout << "  n" << c.node_id(i) << " pid " << c.pid(i) << "  " << c.listen_address(i) << "  log "
              << c.log_path(i) << "\n";
  }
  if (leader) std::cout << "leader: n" << c.node_id(*leader) << "\n";
  std::cout << "try:\n  " << kvctl << " --cluster " << file << " put greeting hello\n  " << kvctl
            << " --cluster " << file << " get greeting\n  " << kvctl << " --cluster " << file
            << " status\nCtrl-C (or SIGTERM) stops the cluster.\n"
            << std::flush;
  std::vector<bool> reported(static_cast<size_t>(a.nodes), false);
  // Until a signal; a node that exits on its own is reported once (the cluster keeps running).
  while (!g_stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (int i = 0; i < a.nodes; ++i) {
      if (!reported[static_cast<size_t>(i)] && !c.alive(i)) {
        std::cout << "n" << c.node_id(i) << " exited; see " << c.log_path(i) << "\n" << std::flush;
        reported[static_cast<size_t>(i)] = true;
      }
    }
  }
  c.stop_all();
  std::cout << "stopped: every node exited and was reaped\n" << std::flush;
  return 0;
}

}  // namespace

void add_cluster_command(CLI::App& cli, int& exit_code) {
  CLI::App* cluster = cli.add_subcommand("cluster", "A local kvnode cluster by hand (for kvctl)");
  cluster->require_subcommand(1);
  auto a = std::make_shared<ClusterArgs>();
  CLI::App* up = cluster->add_subcommand(
      "up", "Start N kvnode processes on this machine (ipc endpoints, nothing on the network), print "
            "the cluster file and kvctl command lines, run until Ctrl-C or SIGTERM, then stop and "
            "reap every node; exit 0, 2 if the cluster could not start");
  up->add_option("--nodes,-n", a->nodes, "number of nodes")->check(CLI::Range(1, 15))->capture_default_str();
  up->add_option("--dir", a->dir,
                 "directory for cluster.yaml, data/ and logs/ (kept; default: a temporary one, removed)");
  up->add_option("--kvnode", a->kvnode, "the kvnode binary (default: $FAULTLINE_KVNODE or the build tree's)");
  up->final_callback([a, &exit_code] { exit_code = cluster_up(*a); });
}

}  // namespace app
