#pragma once
// Shrinking: a failing seed's scenario made as small as it can be while the same seed still fails
// the same check. Rounds until none helps (or the run budget is spent): structural edits (drop a
// phase, cut a phase's repeats, halve the clients or the workload, drop a step or the baseline
// network), then each phase's nemesis schedule for the seed written out as explicit `at:` faults
// (random halves as their sets, a random node as its index) and delta debugging over those faults
// (halves, quarters, ... single faults), then small edits (merge a fault into the identical one
// before it, end the workload soon after its last fault, narrow or thin a periodic entry). Each
// candidate is validated by the scenario loader and run in the simulation with the same seed (and,
// after a swarm failure, the same swarm draws); it is kept only if it fails the same check. The
// smallest failing scenario is written as YAML that runs in both modes, with a header saying how it
// fails, how to replay it and which faults its run applies; that file is then run once more as
// its replay command runs it, and the figures reported are that run's.
// The edits themselves are in sim/shrink_edits.h.
// Single thread; writes run directories under runs_dir/<name>/sim-<seed>-shrink/.
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "common/status.h"
#include "harness/scenario/scenario.h"

namespace sim {

struct ShrinkOptions {
  uint64_t seed = 1;
  bool swarm = false;
  std::string runs_dir = "runs";
  int max_runs = 400;
  std::string out;  // default: <runs_dir>/<name>-shrunk-<seed>.yaml
};

struct ShrinkResult {
  std::string file;       // the YAML written
  std::string why;        // the failure it still shows
  std::string replay;     // the command that replays it (with --knobs-seed after a swarm failure)
  int faults_before = 0;  // faults the seed's original run applied (applied_faults)
  int faults = 0;         // faults the shrunk file's run applies
  int sim_faults = 0;  // and episodes of the simulation's own faults (swarm knobs: slow node ...)
  std::vector<std::string> fault_lines;  // the shrunk run's faults, one line each
  int clients = 0;
  int runs = 0;  // simulations run while shrinking (the replay check not counted)
  // The written file, run as `replay` runs it, failed the same check again (else replay_why says
  // what it did: the figures above are then the search's own run of it).
  bool replayed = false;
  std::string replay_why;
};

// Fails (Status) when the seed does not fail in the first place, or on I/O errors.
common::Result<ShrinkResult> shrink(const harness::Scenario& scenario, const ShrinkOptions& options,
                                    std::ostream* progress);

}  // namespace sim
