#pragma once
// Node: one kvnode — a Raft member, its KV state machine and its ZeroMQ transport — driven by one
// event loop on one thread (zmq poll + a tick timer). The logic is NodeCore (node_core.h); Node is
// its driver: it owns the sockets, the real disk, the snapshot worker thread and the clock, and
// moves messages, time and storage completions between them and the core. Nothing in it is
// shared with another thread but the worker's queue, so the loop needs no locks. Created and run
// by one thread.
//
// Transport: one ROUTER bound to the node's listen address receives everything (peers and
// clients); one DEALER per peer sends Raft messages to the address this node uses to reach that
// peer. Messages follow docs/protocol.md.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "cluster/wire/cluster_config.h"
#include "common/status.h"

namespace zmq {
class context_t;
}

namespace node {

struct NodeOptions {
  wire::ClusterConfig cluster;
  uint64_t id = 0;
  std::string data_dir;
  uint64_t seed = 0;  // election randomization; 0: derived from the id and the clock
  // Writes not yet fsynced stay inside the process (storage::PowerCutFileSystem), so SIGKILL loses
  // exactly what a power cut loses (kvnode --power-cut-storage; the harness's power_cut fault).
  bool power_cut_storage = false;
};

class Node {
 public:
  // Checks the options, opens (recovers) the durable state and binds the socket. Any failure is a
  // one-line Status naming the cause (unknown id, address in use, data dir, corrupt log).
  static common::Result<std::unique_ptr<Node>> open(NodeOptions options, zmq::context_t* context);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Runs the event loop until `stop` becomes true (checked at least every tick), then closes the
  // store cleanly. Returns non-ok if durable state could not be written (fail-stop).
  // With power_cut_storage, `power_cut` turning true (kvnode: SIGUSR1) is a power cut that tears
  // the last unsynced write: the file appended to last keeps a seeded random prefix of its
  // unsynced bytes (PowerCutFileSystem::tear_last), everything else unsynced is lost, and the
  // process exits at once with kPowerCutExit, closing nothing.
  common::Status run(const std::atomic<bool>& stop, const std::atomic<bool>* power_cut = nullptr);
  static constexpr int kPowerCutExit = 86;

  // The endpoint actually bound (resolves a port 0 in the listen address).
  std::string bound_endpoint() const;

 private:
  struct Impl;
  explicit Node(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace node
