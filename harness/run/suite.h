#pragma once
// Suite: `faultline run FILE|DIR...` — collects the scenario files (a directory contributes its
// *.yaml files, sorted), validates every one before anything starts, runs them in order and prints
// a table over all of them. Called from the app's run command on the main thread.
#include <iosfwd>
#include <string>
#include <vector>

#include "harness/run/runner.h"

namespace harness {

// Expands directories into their *.yaml files (sorted). Fails on a missing path or an empty list.
common::Result<std::vector<std::string>> collect_scenario_files(const std::vector<std::string>& paths);

struct SuiteOptions {
  int repeat = 1;            // runs per scenario (each with its own seed unless --seed fixes it)
  bool expect_fail = false;  // demos: success means every run FAILED a check
  bool validate_only = false;  // load and validate every scenario, run nothing
};

// The steps of run_suite, for callers that add their own (selection, summaries):
// Loads and validates every scenario of `files`; prints each invalid one's error to `err` and
// returns an error if any was invalid (nothing should run then).
common::Result<std::vector<Scenario>> load_scenarios(const std::vector<std::string>& files,
                                                     std::ostream& err);
// Runs each scenario `suite.repeat` times, in order.
std::vector<RunResults> run_scenarios(const std::vector<Scenario>& scenarios,
                                      const RunOptions& options, const SuiteOptions& suite);
// Prints the table and the summary line; returns the exit status (see run_suite).
int report_suite(const std::vector<RunResults>& results, std::ostream& out, const SuiteOptions& suite);

// Returns the exit status: 0 every check of every scenario passed, 1 a check failed, 2 a scenario
// was invalid (nothing ran) or the harness failed on a scenario. With expect_fail, 0 means every
// run failed a check (and none had a harness error), 1 that some run passed.
int run_suite(const std::vector<std::string>& paths, const RunOptions& options, std::ostream& out,
              const SuiteOptions& suite = {});

// The table printed at the end (also used by tests).
std::string summary_table(const std::vector<RunResults>& results);

}  // namespace harness
