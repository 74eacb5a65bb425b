#pragma once
// Runner: carries out one scenario end to end — run directory, cluster processes behind the
// interposer, phases (steps, workload with its nemesis schedule, after-steps), final heal and
// verification, checks, results.json / junit.xml / report.html — and returns the results. All
// randomness comes from the seed (RunOptions::seed, else the scenario's, else a fresh one, printed
// and recorded). The Runner's thread drives everything; it owns the nemesis thread, the client
// threads and the progress thread of its run, and joins them before returning.
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "harness/verdict/run_results.h"
#include "harness/scenario/scenario.h"

namespace harness {

struct RunOptions {
  std::string kvnode_path;          // the kvnode binary
  std::string runs_dir = "runs";
  std::optional<uint64_t> seed;     // overrides the scenario's seed
  bool quiet = false;               // no progress line, no per-check lines
  std::ostream* out = nullptr;      // progress and verdict lines (default std::cerr)
};

RunResults run_scenario(const Scenario& scenario, const RunOptions& options);

}  // namespace harness
