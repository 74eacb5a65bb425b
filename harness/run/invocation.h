#pragma once
// One invocation of `faultline run`, summed up: every run it started (or did not start, after
// --fail-fast or an interrupt) with its outcome, as summary.json and one junit.xml, written to
// <runs_dir>/invocations/<UTC time>/ with <runs_dir>/latest-summary pointing there
// (docs/results-format.md); and the table beside the reference figures (`run --table`).
// Plain values and pure functions, apart from write_invocation().
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "harness/run/outcome.h"
#include "harness/scenario/scenario.h"
#include "harness/verdict/run_results.h"

namespace harness {

// summary.json's "schema_version".
inline constexpr int kSummarySchemaVersion = 1;

// One run of the invocation: scenario and repetition, and what came of it.
struct SuiteEntry {
  const Scenario* scenario = nullptr;
  int repetition = 0;  // 0-based
  int repeat = 1;      // the invocation's runs per scenario
  bool ran = false;    // false: not started (fail-fast, interrupted)
  bool kept = true;    // false: its run directory was removed (--keep-failed, --keep N)
  RunResults results;
  Judgement judgement;
  // The test case's name: the scenario's, with " #k" when the invocation repeats scenarios.
  std::string test_name() const;
  RunOutcome outcome() const { return ran ? judgement.outcome : RunOutcome::kNotRun; }
};

struct InvocationInfo {
  std::string started_utc;
  std::string finished_utc;
  std::string command;    // the command line, for the reader
  std::string selection;  // "-k x --tag y", or ""
  bool interrupted = false;
  int exit_code = 0;
};

nlohmann::json summary_json(const std::vector<SuiteEntry>& entries, const InvocationInfo& info);
std::string suite_junit_xml(const std::vector<SuiteEntry>& entries, const InvocationInfo& info);

// The outcome of every entry beside its scenario's `reference:` figures: seconds, peers, messages,
// completed operations, and our operations over the reference's.
std::string reference_table(const std::vector<SuiteEntry>& entries, bool colour);

// Creates <runs_dir>/invocations/<UTC time>[-k]/, writes summary.json and junit.xml into it, and
// points <runs_dir>/latest-summary at it. Returns the directory.
common::Result<std::string> write_invocation(const std::string& runs_dir,
                                             const std::vector<SuiteEntry>& entries,
                                             const InvocationInfo& info);

}  // namespace harness
