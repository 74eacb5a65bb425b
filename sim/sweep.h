#pragma once
// A seed sweep: every (scenario, seed) pair of the sweep run in the simulation, on `jobs` threads
// (each run is single-threaded and owns its world; threads only pick the next pair). Seeds are
// first_seed .. first_seed + seeds - 1; with a shard K/N only those whose position k has
// k % N == K - 1 run, so N machines with no coordinator split one sweep. A passing seed's run
// directory is removed (unless keep_passing); a failing one keeps its directory and report.
// The summary (sim-summary[-shard-K-of-N].json in runs_dir) is what `faultline summary` merges.
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "harness/scenario/scenario.h"
#include "sim/scenario_run.h"

namespace sim {

struct SweepOptions {
  uint64_t first_seed = 1;
  uint64_t seeds = 1;
  int jobs = 1;
  int shard = 1;   // K of N, 1-based
  int shards = 1;  // N
  bool swarm = false;
  // Without swarm: draw only the simulation's own knobs from this seed (what a shrunk swarm
  // failure needs to replay; 0: none).
  uint64_t knobs_seed = 0;
  std::string runs_dir = "runs";
  bool keep_passing = false;
  bool stop_on_failure = false;  // skip the seeds not started yet once one failed
  // Start no new seed once this much wall time has passed (0: no budget). Wall time only decides
  // whether another seed starts; nothing inside a run reads it.
  double budget_seconds = 0;
  // Run every seed twice and compare the two histories byte for byte and the event hashes; a
  // difference is an error (exit 2) naming the seed.
  bool check_determinism = false;
};

struct SeedOutcome {
  std::string scenario;
  std::string file;
  uint64_t seed = 0;
  int exit_code = 0;       // 0 passed, 1 a check failed, 2 harness error
  std::string why;         // the error, or the first failed check and its summary
  std::string run_dir;     // kept for failures
  uint64_t event_hash = 0;
  double simulated_seconds = 0;
  std::vector<std::string> swarm;  // the swarm draws, one line each
  bool swarmed = false;            // run with --swarm
  uint64_t knobs_seed = 0;         // without swarm: the simulation's knobs drawn from this seed
  bool deterministic = false;      // with check_determinism: the second run matched
};

struct SweepSummary {
  uint64_t runs = 0, passed = 0, failed = 0, errors = 0;
  double wall_seconds = 0;
  double simulated_seconds = 0;
  uint64_t deterministic = 0;         // with check_determinism: seeds whose two runs matched
  std::vector<SeedOutcome> failures;  // failed and errors, in (seed, scenario) order
  int exit_code() const { return errors ? 2 : failed ? 1 : 0; }
};

// One seed of one scenario (the swarm draws applied when `swarm`).
SeedOutcome run_seed(const harness::Scenario& scenario, uint64_t seed, bool swarm, const SweepOptions& o,
                     bool keep_dir);

// `on_result` (may be null) is called under a lock as each seed finishes (progress, failures).
SweepSummary run_sweep(const std::vector<harness::Scenario>& scenarios, const SweepOptions& options,
                       const std::function<void(const SeedOutcome&)>& on_result);

// The exact command that replays one outcome: its file and seed, `--swarm` when it was a swarm
// run, `--knobs-seed K` when its simulation knobs came from a knobs seed.
std::string replay_command(const SeedOutcome& o);

nlohmann::json to_json(const SweepSummary& s, const SweepOptions& o);
// Merges summaries written by sweeps (shards); errors name the file.
common::Result<SweepSummary> merge_summaries(const std::vector<std::string>& dirs, std::vector<std::string>* files);
std::string summary_file_name(const SweepOptions& o);
void print_summary(std::ostream& out, const SweepSummary& s);

}  // namespace sim
