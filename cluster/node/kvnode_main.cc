// kvnode: one member of the Raft key/value cluster. Parses the command line, loads the cluster
// file, opens the node and runs its event loop until SIGTERM/SIGINT. Startup errors print one line
// and exit 2; a failure to keep durable state exits 1.
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <zmq.hpp>

#include "cluster/node/node.h"
#include "cluster/wire/cluster_config.h"

namespace {

// Set by the signal handler; the only state a handler may safely touch.
std::atomic<bool> g_stop{false};

void on_signal(int) { g_stop.store(true); }

// --power-cut-storage: SIGUSR1 is a power cut that tears the last unsynced write (Node::run).
std::atomic<bool> g_power_cut{false};

void on_power_cut(int) { g_power_cut.store(true); }

int fail(const std::string& msg) {
  std::fprintf(stderr, "kvnode: %s\n", msg.c_str());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kvnode: a member of the faultline Raft key/value cluster"};
  std::string cluster_file, data_dir;
  uint64_t id = 0;
  bool unsafe = false;
  app.add_option("--cluster", cluster_file, "YAML cluster file (docs/protocol.md)")->required();
  app.add_option("--id", id, "this node's id in the cluster file")->required();
  app.add_option("--data-dir", data_dir, "existing, writable directory for the durable state")
      ->required();
  app.add_flag("--unsafe", unsafe,
               "allow read_mode: local, fsync: never, storage: memory, dedup: off");
  uint64_t seed = 0;
  app.add_option("--seed", seed,
                 "seed of the election randomness (the harness derives one per node from the "
                 "scenario seed); 0 or absent: from the id and the clock");
  bool power_cut_storage = false;
  app.add_flag("--power-cut-storage", power_cut_storage,
               "keep writes not yet fsynced inside the process, so SIGKILL loses what a power "
               "cut loses, and SIGUSR1 is a power cut that tears the last unsynced write at a "
               "seeded random byte (fault injection)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  try {
    auto cfg = wire::load_cluster_config(cluster_file);
    if (!cfg) return fail(cfg.status().message());
    auto unsafe_settings = cfg->unsafe_settings();
    if (!unsafe_settings.empty() && !unsafe) {
      std::string list;
      for (const auto& s : unsafe_settings) list += (list.empty() ? "" : ", ") + s;
      return fail(cluster_file + ": unsafe settings (" + list + ") need --unsafe");
    }
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    if (power_cut_storage) {
      struct sigaction pc {};
      pc.sa_handler = on_power_cut;
      sigemptyset(&pc.sa_mask);
      sigaction(SIGUSR1, &pc, nullptr);
    }

    zmq::context_t context(1);
    node::NodeOptions opts{std::move(*cfg), id, data_dir, seed, power_cut_storage};
    auto n = node::Node::open(std::move(opts), &context);
    if (!n) return fail(n.status().message());
    common::Status s = n->get()->run(g_stop, &g_power_cut);
    n->reset();
    if (!s) {
      std::fprintf(stderr, "kvnode: %s\n", s.message().c_str());
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    return fail(std::string("unexpected error: ") + e.what());
  }
}
