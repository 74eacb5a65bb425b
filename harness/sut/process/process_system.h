#pragma once
// ProcessSystem: the seam (harness/sut/system.h) implemented by real kvnode processes on
// 127.0.0.1 (harness/process/ClusterProcesses), every message routed through the ZeroMQ
// interposer (harness/net/Interposer), Clerk clients, the wall clock and OS threads (ThreadClock).
// What `faultline run` uses.
//
// Mapping: Nodes -> ClusterProcesses (SIGKILL, SIGSTOP/SIGCONT, status requests straight to the
// node's listen address, so they work during partitions); Network -> the interposer's partition,
// one-way cuts, client confinement (by the client's sender frame = ClientOptions::name) and link
// rules (reordering through a delay range: a reorder with no delay range gets 0-10 ms); Clients ->
// a Clerk per client through the interposer's frontends. Crash::kPowerLoss is refused (a killed
// process keeps its page cache). Node seeds: SystemSpec::node_seeds are kept for kvnode's
// `--seed` (see node_seed()); the network's drops and delays use SystemSpec::network_seed.
// Thread-safe as the seam requires.
#include <memory>
#include <string>

#include "harness/sut/system.h"

namespace harness::sut {

struct ProcessSystemOptions {
  std::string kvnode_path;  // the kvnode binary
};

common::Result<std::unique_ptr<System>> make_process_system(const ProcessSystemOptions& options,
                                                            const SystemSpec& spec);

// A SystemFactory making ProcessSystems with these options.
SystemFactory process_system_factory(ProcessSystemOptions options);

// SIGINT/SIGTERM kill every kvnode this process started before it dies (call once, early).
void install_interrupt_handler();

}  // namespace harness::sut
