#pragma once
// Runner: carries out one scenario end to end — run directory, the system under test (through the
// seam, harness/sut/system.h: whichever implementation RunOptions::system makes), phases (steps,
// workload with its nemesis schedule, after-steps), final heal and verification, checks,
// results.json / junit.xml / report.html — and returns the results. All randomness comes from the
// seed (RunOptions::seed, else the scenario's, else a fresh one, printed and recorded) through the
// named streams of seeds.h. The runner never sleeps on the wall clock and never starts a thread:
// every wait and every concurrent task (nemesis, clients, progress) goes through the system's
// RunClock, so a simulated system runs the same runner in simulated time.
#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "harness/scenario/scenario.h"
#include "harness/sut/system.h"
#include "harness/verdict/run_results.h"

namespace harness {

struct RunOptions {
  sut::SystemFactory system;        // makes the system under test (e.g. process_system_factory)
  std::string runs_dir = "runs";
  std::optional<uint64_t> seed;     // overrides the scenario's seed
  bool quiet = false;               // no progress line, no per-check lines
  std::ostream* out = nullptr;      // progress and verdict lines (default std::cerr)
  // A run that passed writes no junit.xml / report.html (a seed sweep removes a passing seed's
  // directory anyway); a failing run or an error still writes both. Off by default.
  bool report_only_on_failure = false;
  // When set (by a signal handler, `faultline run` on Ctrl-C) the run stops at its next step or
  // workload poll: no further phases, no final verification, no checks; the system is stopped
  // and reaped and RunResults::error is "interrupted" (kInterruptedError, outcome.h).
  const std::atomic<bool>* stop = nullptr;
  bool colour = false;              // PASS/FAIL of the per-check lines in colour (a terminal)
};

RunResults run_scenario(const Scenario& scenario, const RunOptions& options);

}  // namespace harness
