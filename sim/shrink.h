#pragma once
// Shrinking: a failing seed's scenario made as small as it can be while the same seed still fails
// the same check. Greedy passes over the YAML until none helps (or the run budget is spent):
// drop a phase, cut a phase's repeats, drop a nemesis entry or a fault step, narrow a periodic
// entry's window, halve the workload, halve the clients, drop the baseline network fault. Each
// candidate is validated by the scenario loader and run in the simulation with the same seed (and,
// after a swarm failure, the same swarm draws). The smallest failing scenario is written as YAML
// that runs in both modes, with a header saying how it fails and how to replay it.
// Single thread; writes run directories under runs_dir/<name>-shrink/.
#include <cstdint>
#include <iosfwd>
#include <string>

#include "common/status.h"
#include "harness/scenario/scenario.h"

namespace sim {

struct ShrinkOptions {
  uint64_t seed = 1;
  bool swarm = false;
  std::string runs_dir = "runs";
  int max_runs = 200;
  std::string out;  // default: <runs_dir>/<name>-shrunk-<seed>.yaml
};

struct ShrinkResult {
  std::string file;    // the YAML written
  std::string why;     // the failure it still shows
  std::string replay;  // the command that replays it
  int faults = 0;      // nemesis actions in its run
  int clients = 0;
  int runs = 0;        // simulations run while shrinking
};

// Fails (Status) when the seed does not fail in the first place, or on I/O errors.
common::Result<ShrinkResult> shrink(const harness::Scenario& scenario, const ShrinkOptions& options,
                                    std::ostream* progress);

}  // namespace sim
