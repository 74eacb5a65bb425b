#pragma once
// RunResults: what one run found — figures, check outcomes, phase boundaries — and its files in the
// run directory: results.json (read back by `faultline report`), junit.xml and the terminal lines.
// Plain value; functions are pure apart from the file they write.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "harness/verdict/check_outcome.h"

namespace harness {

struct PhaseSpan {
  std::string name;
  int iteration = 0;
  int64_t start_ns = 0;
  int64_t end_ns = 0;
};

struct RunFigures {
  double seconds = 0;            // wall time of the run (cluster start to checks)
  int peers = 0;                 // Raft peers
  uint64_t messages = 0;         // requests through the interposer (each RPC once)
  uint64_t dropped = 0;          // messages the interposer dropped
  int64_t completed_ops = 0;     // ok operations of workload and script clients
  int64_t unknown_ops = 0;       // info / never completed
  double checker_seconds = 0;
};

struct RunResults {
  std::string scenario;
  std::string file;
  uint64_t seed = 0;
  std::string started_utc;
  std::string run_dir;
  std::string error;             // harness error (exit 2); empty otherwise
  RunFigures figures;
  std::vector<CheckOutcome> checks;
  std::vector<PhaseSpan> phases;
  int64_t origin_ns = 0;         // history clock at the run's start (charts count from here)
  bool passed() const;           // no error and every check passed
  int exit_code() const;         // 0 passed, 1 a check failed, 2 harness error
};

// results.json's "schema_version" (docs/results-format.md). Raised when a field changes meaning or
// goes away; adding a field keeps it. A file without one (written before the field existed) reads
// as version 1.
inline constexpr int kResultsSchemaVersion = 1;

nlohmann::json to_json(const RunResults& r);
common::Result<RunResults> results_from_json(const nlohmann::json& j);
common::Status write_results_json(const RunResults& r, const std::string& path);
common::Result<RunResults> read_results_json(const std::string& path);
std::string junit_xml(const RunResults& r);
common::Status write_text_file(const std::string& path, const std::string& text);

}  // namespace harness
