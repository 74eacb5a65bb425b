#pragma once
// The checks a scenario asks for, evaluated on a finished run: takes the run's history (handed over
// in memory by the runner, else read from the run directory), runs the checker (writing linearizability.{txt,json,html} after a violation) and the harness's
// own checks, and appends every CheckOutcome and the op/checker figures to the RunResults.
// A pure function of its inputs and the run directory; called once per run on the Runner's thread.
#include <cstdint>
#include <set>
#include <vector>

#include "checker/history.h"
#include "common/status.h"
#include "harness/verdict/checks.h"
#include "harness/verdict/run_results.h"
#include "harness/scenario/scenario.h"

namespace harness {

struct RunCheckInputs {
  const ChecksSpec* spec = nullptr;
  std::set<int64_t> clients;            // history processes of the workload clients
  std::set<int64_t> verifiers;          // history processes of verify_appends readers
  std::vector<NodeSample> samples;      // durable-state samples
  std::vector<CheckOutcome> script;     // expectations of scripted steps, already decided
  // The recorded history, if the caller kept it in memory (HistoryWriter::take_history); null:
  // read it from the run directory. Its time origin is set to the run's start here.
  checker::History* history = nullptr;
};

// Fails only when the history cannot be read (a harness error).
common::Status evaluate_run_checks(const RunCheckInputs& in, RunResults* out);

}  // namespace harness
