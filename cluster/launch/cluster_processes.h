#pragma once
// ClusterProcesses: the kvnode processes of one cluster on this machine: the one launcher used by
// the harness (one per run), the process tests and kvbench. It starts, kills, restarts, pauses and
// stops nodes by PID (never by name), writes the cluster file, and answers "who leads?".
//
// Layout under options.run_dir (when empty: a fresh temporary directory, removed at the end):
//   cluster.yaml          the cluster file every node reads (written by start_all)
//   data/n<id>/           node i's data directory (kept across restarts; id = first_id + i)
//   logs/n<id>.log        node i's stdout+stderr, appended across restarts (O_APPEND)
//
// Addresses. Every node listens on a ZeroMQ ipc endpoint in Linux's abstract socket namespace,
// ipc://@faultline-<pid>-<random>/n<id> (listen_address(i)), unique to this object. Nothing picks a
// port that someone else could take before the node binds it, so there is no start-up race and any
// number of clusters (`faultline run --jobs N`, parallel tests) can run side by side; an abstract
// name has no file to clean up and disappears with the process that bound it. start_all(peers)
// writes cluster.yaml so that node i listens on listen_address(i) and every peer (and client)
// reaches it at peers[i], i.e. its `address` and `client_address` in the cluster file are the
// interposer's frontend i, or listen_address(i) itself when no interposer is used (start_all()
// without arguments). client_addresses() returns those peer addresses: give them to Clerks so that
// clients go the same way. Status queries (status(), leader()) go straight to listen addresses,
// bypassing any interposer: they work during partitions and do not count as messages.
//
// Usage:
//   auto procs = ClusterProcesses::create(opts);            // dirs and addresses; nothing started
//   Interposer net({{node_sender(i), listen_address(i)} per node, seed}); net.start();
//   procs->start_all(net.frontend_addresses());             // writes cluster.yaml, starts nodes
//
// Children never outlive their parent: each child sets PR_SET_PDEATHSIG(SIGKILL) (and exits at once
// if the parent already died), so a crash or kill -9 of the harness kills the nodes. Because
// PDEATHSIG fires when the *thread* that forked exits, every fork happens on one launcher thread
// owned by this object, whatever thread called start()/restart(). Children run in their own process
// group, so a terminal Ctrl-C reaches only the parent; install_interrupt_handler() makes SIGINT
// and SIGTERM SIGKILL every live child before the parent dies. The destructor kills and reaps
// every child that is still running.
//
// Threads: all methods are thread-safe (the nemesis thread and the main thread both call them);
// process-control calls are serialized by an internal mutex. status()/leader() do network I/O with
// the given timeout and do not hold the mutex while waiting.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cluster/client/clerk.h"
#include "cluster/wire/cluster_config.h"
#include "common/status.h"

namespace launch {

struct ClusterProcessesOptions {
  std::string kvnode_path;  // the kvnode binary; create() fails if it is not an executable file
  std::string run_dir;      // created if missing; empty: a temporary directory, removed at the end
  int num_nodes = 3;
  uint64_t first_id = 1;  // node i has Raft id first_id + i and sender frame "n<id>"
  bool unsafe = false;    // pass --unsafe to every node (only when the scenario allows it)
  // Timing, fsync, read mode, storage, dedup and compaction for cluster.yaml (everything but
  // `nodes`, which create()/start_all() fill in; any nodes given here are ignored).
  wire::ClusterConfig config;
  std::vector<std::string> extra_args;  // extra kvnode command-line arguments
  // `security: curve` (docs/protocol.md): create() makes fresh keys in run_dir/keys (n<id> and
  // client), the cluster file names them, and the launcher's own status queries use the client
  // key; curve() gives it to Clerks.
  bool curve = false;
  // Extra arguments for node i alone (after extra_args), e.g. its own --seed; empty, or one entry
  // per node (create() fails otherwise).
  std::vector<std::vector<std::string>> node_args;
  // start()/start_all() wait until each started node answers a status request (a node that exits
  // first is reported with the tail of its log); this bounds the wait per node.
  std::chrono::milliseconds start_timeout{10000};
  std::chrono::milliseconds stop_grace{2000};  // stop_all(): SIGTERM, then SIGKILL after this
};

class ClusterProcesses {
 public:
  // Checks the binary, creates run_dir/data/n<id> and run_dir/logs, names the endpoints. Starts
  // nothing.
  static common::Result<std::unique_ptr<ClusterProcesses>> create(ClusterProcessesOptions options);
  ~ClusterProcesses();  // kills (SIGKILL) and reaps every running child
  ClusterProcesses(const ClusterProcesses&) = delete;
  ClusterProcesses& operator=(const ClusterProcesses&) = delete;

  int num_nodes() const;
  uint64_t node_id(int i) const;            // first_id + i
  std::string node_sender(int i) const;     // "n<id>": the sender frame node i puts on its messages
  std::string listen_address(int i) const;  // ipc://@faultline-<pid>-<random>/n<id>
  std::vector<std::string> listen_addresses() const;
  std::vector<std::string> client_addresses() const;  // peer addresses given to start_all()
  std::string run_dir() const;
  std::string cluster_file() const;
  std::string data_dir(int i) const;
  std::string log_path(int i) const;
  std::string keys_dir() const;  // run_dir/keys (with options.curve)
  // With options.curve, once start_all() wrote the cluster file: the client's keys for a Clerk
  // (ClerkOptions::curve); otherwise nullopt.
  std::optional<client::ClerkCurve> curve() const;

  // Writes cluster.yaml (peer_addresses.size() must equal num_nodes(); empty means "use the listen
  // addresses") and starts every node, then waits until each answers status. On failure every
  // node is killed and reaped, and the error names the node, its exit status if it died, and the
  // last lines of its log.
  common::Status start_all(const std::vector<std::string>& peer_addresses = {});
  // Starts node i (after kill or stop) with the same data dir; waits as start_all does. Fails if it
  // is already running.
  common::Status start(int i);
  // SIGKILL by PID and reap. No-op (ok) if not running.
  common::Status kill(int i);
  // kill(i) if running, then start(i).
  common::Status restart(int i);
  // SIGSTOP / SIGCONT by PID. Fail if node i is not running.
  common::Status pause(int i);
  common::Status resume(int i);
  bool paused(int i) const;
  void kill_all();
  // Sends `sig` to node i (SIGCONT first if paused) and waits up to stop_grace for it to exit, then
  // SIGKILLs it; reaped either way. Returns its exit code, or -signal if a signal ended it. Fails
  // if node i is not running.
  common::Result<int> stop(int i, int sig);
  // SIGTERM to every running node (SIGCONT first if paused), SIGKILL after stop_grace; all reaped.
  void stop_all();
  // Running = started and not yet seen to exit (checks with a non-blocking wait; reaps if exited).
  bool alive(int i);
  // PID of node i's current process, or -1 when not running.
  int pid(int i) const;
  // Times node i has been started (1 after start_all).
  int starts(int i) const;

  // Node i's status, asked directly at its listen address.
  common::Result<client::NodeStatus> status(int i, std::chrono::milliseconds timeout);
  // Index of the running node that reports role "leader" with the highest term (ties: the lowest
  // index), asking every running node once with `timeout` each; not_found if none does.
  common::Result<int> leader(std::chrono::milliseconds timeout);
  // leader() repeatedly until one is found (other than node `other_than`, if >= 0: a new leader
  // after a failover) or `deadline` passes (timeout error then).
  common::Result<int> wait_for_leader(std::chrono::steady_clock::time_point deadline, int other_than = -1);
  // Like wait_for_leader(), but only a leader that a majority of all nodes names as leader in its
  // own term counts: the cluster has settled (tests and benchmarks wait for this).
  common::Result<int> wait_for_agreed_leader(std::chrono::steady_clock::time_point deadline);
  // Bytes of node i's data directory on disk (all regular files, recursively): works whether or not
  // the node is running. For the Raft-only figures (log_bytes, snapshot_bytes) use status().
  common::Result<uint64_t> disk_bytes(int i) const;

  // SIGINT/SIGTERM handler for the whole process: SIGKILLs every live child of every
  // ClusterProcesses (async-signal-safe), then re-raises the signal with its default action.
  // Idempotent.
  static void install_interrupt_handler();

 private:
  struct Impl;
  explicit ClusterProcesses(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace launch
