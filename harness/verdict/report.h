#pragma once
// The run report: one self-contained report.html (inline CSS and SVG, no network) built from a run
// directory's results.json, history (history.jsonl.zst), nemesis.jsonl and, after a violation, the checker's
// linearizability.html (embedded and linked from the top). Used by the Runner at the end of a run
// and by `faultline report RUN_DIR` to rebuild it. Pure apart from the files it reads and writes.
#include <string>

#include "checker/history.h"
#include "common/status.h"

namespace harness {

// `history`: the run's history if the caller has it in memory (the runner); null: read from the
// run directory (history.jsonl.zst, or an older run's history.jsonl).
common::Status write_report(const std::string& run_dir, const checker::History* history = nullptr);

}  // namespace harness
