#pragma once
// Swarm testing (TigerBeetle's VOPR, Groce et al. "Swarm Testing"): each seed also draws its own
// configuration, so a sweep explores fault mixes and cluster settings no single scenario file
// names. Two parts, both pure functions of the seed:
//  - swarm_scenario(): the scenario itself, within its own bounds: some nemesis entries dropped
//    (a fault mix), network drop rates scaled down, election/heartbeat timing scaled, log
//    compaction switched on (snapshots, installs) when no check forbids it, own keys made shared or
//    hot, the get/append mix made read- or write-heavy. The result is YAML text the scenario loader
//    validates, so it runs in both modes;
//  - draw_knobs(): what only the simulation has: link latency and its tail, disk timing, Raft
//    message/in-flight/snapshot-chunk size limits, segment size, power losses instead of kills,
//    slow nodes, drifting clocks, slow disks.
// Stateless; any thread.
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "harness/scenario/scenario.h"
#include "sim/scenario_run.h"

namespace sim {

// `scenario` transformed for `seed`; *notes gets one line per change.
common::Result<harness::Scenario> swarm_scenario(const harness::Scenario& scenario, uint64_t seed,
                                                 std::vector<std::string>* notes);

// The simulation's own knobs for `seed` (world.seed is left alone). A scenario that checks the
// size of the durable state keeps its size limits and gets no slow nodes or disks (its bound was
// set for them: a slow node compacts late).
void draw_knobs(uint64_t seed, const harness::Scenario& scenario, WorldOptions* world, SimFaults* faults,
                std::vector<std::string>* notes);

// "150ms" / "250us": a duration in the scenario syntax.
std::string duration_text(harness::Micros d);

}  // namespace sim
