#pragma once
// Schedule: the concrete fault timeline of one workload, drawn from the scenario's seed before the
// workload starts. Every random choice that does not depend on the live cluster is made here
// (periods, random-halves sides, the node a `random` target hits, the order used to pick minority
// members), so the same seed gives the same schedule (unit-tested). Choices that depend on the live
// cluster (who leads) are resolved by the FaultInjector at the moment the event runs, using the
// drawn `order`. Plain values; generate() is a pure function.
#include <cstdint>
#include <string>
#include <vector>

#include "common/random.h"
#include "common/status.h"
#include "harness/scenario/scenario.h"

namespace harness {

struct ScheduledEvent {
  Micros at{0};                 // since the workload's start
  Step action;
  bool undo = false;            // reverts an earlier event of the same entry (undo_after)
  int entry = 0;                // index into Phase::nemesis
  std::vector<int> order;       // a random permutation of the nodes
  std::vector<std::vector<int>> sides;  // random_halves: the drawn sides
  int random_node = 0;          // NodeTarget::kRandom: the drawn node
  std::string describe() const;
};

// Upper bound on events in one workload's schedule: a period too short for the duration is an error.
inline constexpr size_t kMaxScheduledEvents = 100000;

// Schedule of `phase`'s nemesis for one workload, sorted by time (ties in entry order), drawn from
// `seed` (the run's schedule stream for this phase iteration, see harness/run/seeds.h).
// The events' own random choices come from `faults_seed` (the run's faults stream).
common::Result<std::vector<ScheduledEvent>> generate_schedule(const Phase& phase, int nodes,
                                                              uint64_t seed, uint64_t faults_seed);

// Draws what an event of `event->action` needs from `rng`: a permutation of the nodes (minority
// members, the bridge, the ring), the random node, and the sides of random halves.
void draw_event_randomness(int nodes, common::Rng& rng, ScheduledEvent* event);

// Each node independently on side A or B (the reference's partitioner); both sides non-empty
// unless `nodes` < 2.
std::vector<std::vector<int>> random_halves(int nodes, common::Rng& rng);

}  // namespace harness
