#pragma once
// run_sim_scenario: one scenario, one seed, in the simulated world — the phases (steps, workload
// with its nemesis schedule, after-steps), the final heal and verification, the checks, and the
// run directory with the same files as `faultline run` (scenario.yaml with the seed, history.jsonl,
// nemesis.jsonl, logs/n<id>.log, results.json, junit.xml, report.html). Time is simulated: a
// 30-second scenario takes well under a second. The same scenario, seed and options give the same
// history, byte for byte, and the same event hash.
//
// It is the harness's own runner (harness/run/runner.h) — phases, nemesis, workload, scripted ops,
// checks, report — with the SimSystem as the system under test behind the seam. Swarm options
// add what only a simulation can do: power losses, slow nodes, drifting clocks, slow disks, and
// the cluster's own knobs.
// A pure function of its inputs apart from the run directory; any thread (one run per thread).
#include <cstdint>
#include <string>
#include <vector>

#include "harness/scenario/scenario.h"
#include "harness/verdict/run_results.h"
#include "sim/sim_system.h"

namespace sim {

// Faults only the simulation has, drawn per seed by swarm testing (0 / empty: none).
struct SimFaults {
  double power_loss = 0;       // chance that a kill is a power loss (page cache lost, tail torn)
  double slow_node = 0;        // chance per second that a node slows to `slow_fraction` for a while
  double slow_fraction = 0.1;
  double clock_drift = 0;      // chance per second that a node's clock rate changes
  double drift_max = 0.2;      // |rate - 1| up to this
  double slow_disk = 0;        // chance per second that a node's disk slows 10-100x for a while
  double bit_rot = 0;          // chance that a crash also flips a bit of the node's durable state
  double election_crash = 0;   // chance of a crash right after a vote or a new leader's first step
  double restart_crash = 0;    // chance of a crash within 30 ms after a node started again
  bool any() const {
    return power_loss > 0 || slow_node > 0 || clock_drift > 0 || slow_disk > 0 || bit_rot > 0 ||
           election_crash > 0 || restart_crash > 0;
  }
};

struct SimRunOptions {
  uint64_t seed = 1;
  std::string runs_dir = "runs";
  // Where the run directory goes: <runs_dir>/<name>/sim-<seed>[-<label>]/<name>/<UTC time>/
  // (emptied first, so a replay replaces the earlier run of the seed).
  std::string label;
  WorldOptions world;  // world.seed is set from `seed`
  SimFaults faults;
  bool write_logs = true;
  // A passing run skips junit.xml and report.html (for a sweep that deletes passing runs).
  bool report_only_on_failure = false;
};

struct SimRunOutcome {
  harness::RunResults results;  // results.run_dir is the run directory
  uint64_t event_hash = 0;
  uint64_t events = 0;
  double simulated_seconds = 0;
  std::vector<std::string> sim_faults;  // the swarm faults applied, one line each
};

SimRunOutcome run_sim_scenario(const harness::Scenario& scenario, const SimRunOptions& options);


}  // namespace sim
