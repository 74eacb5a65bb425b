#pragma once
// Suite: `faultline run FILE|DIR...` — collects the scenario files (a directory contributes its
// *.yaml files, sorted), validates every one before anything starts, runs them (in order, or
// `jobs` at a time on as many threads) and prints a table over all of them in scenario order.
// Called from the app's run command on the main thread.
#include <atomic>
#include <iosfwd>
#include <mutex>
#include <ostream>
#include <streambuf>
#include <string>
#include <vector>

#include "harness/run/invocation.h"
#include "harness/run/runner.h"
#include "harness/run/select.h"

namespace harness {

// Expands directories into their *.yaml files (sorted). Fails on a missing path or an empty list.
common::Result<std::vector<std::string>> collect_scenario_files(const std::vector<std::string>& paths);

struct SuiteOptions {
  int repeat = 1;            // runs per scenario (each with its own seed unless --seed fixes it)
  // `--expect-fail`: every scenario must fail some check (as if each said `expect: {fail: [...]}`
  // with every check); a scenario's own `expect:` is judged as usual.
  bool expect_fail = false;
  bool validate_only = false;  // load and validate every scenario, run nothing
  // Runs at once. Each run has its own run directory, kvnode processes (ipc endpoints unique to
  // its cluster) and interposer ports, so parallel runs cannot collide; with jobs > 1 every
  // progress and verdict line is written whole and starts with "[<scenario>] " ("[<scenario> #k] "
  // with repeat > 1).
  int jobs = 1;
  Selection selection;       // -k / --tag
  bool fail_fast = false;    // start no run after the first that was not a success
  bool table = false;        // the final table beside the scenarios' `reference:` figures
  bool keep_failed = false;  // remove the run directory of every run that passed
  int keep = 0;              // > 0: keep only the newest N run directories of each scenario
  // Set (by a signal handler) to stop: no new run starts, the running ones stop at their next
  // step (RunOptions::stop), the summary is still written, marked interrupted; exit status 130.
  const std::atomic<bool>* interrupted = nullptr;
  bool write_summary = true;  // runs/invocations/<time>/summary.json + junit.xml
  std::string command;        // the command line, recorded in summary.json
  bool colour = false;        // colour PASS/FAIL in the table (on `out`)
  bool colour_progress = false;  // ... and in the progress lines (on RunOptions::out)
};

// The exit status of an interrupted invocation (128 + SIGINT, as a shell reports it).
inline constexpr int kInterruptedExit = 130;

// PrefixedLines: an output stream for one of several runs that share `sink`. It holds what the run
// writes until a line is complete, then writes the whole line, starting with `prefix`, to `sink`
// under `mu`, so lines of parallel runs never interleave. A line that already starts with
// `replaced` (the runner's own "[<scenario>] ") has that part replaced by the prefix. The
// destructor writes a last unterminated line. Used by one thread; `sink` and `mu` outlive it.
class PrefixedLines : public std::ostream {
 public:
  PrefixedLines(std::ostream& sink, std::mutex& mu, std::string prefix, std::string replaced = "");
  ~PrefixedLines() override;

 private:
  class Buffer : public std::streambuf {
   public:
    Buffer(std::ostream& sink, std::mutex& mu, std::string prefix, std::string replaced);
    void emit();    // writes the held line (if any) with its prefix
    void finish();  // emits a last line that has no newline yet

   protected:
    int_type overflow(int_type c) override;
    std::streamsize xsputn(const char* s, std::streamsize n) override;

   private:
    std::ostream& sink_;
    std::mutex& mu_;
    std::string prefix_;
    std::string replaced_;
    std::string line_;
  };
  Buffer buffer_;
};

// The steps of run_suite, for callers that add their own (selection, summaries):
// Loads and validates every scenario of `files`; prints each invalid one's error to `err` and
// returns an error if any was invalid (nothing should run then).
common::Result<std::vector<Scenario>> load_scenarios(const std::vector<std::string>& files,
                                                     std::ostream& err);
// Runs each scenario `suite.repeat` times (in order, or `jobs` at a time), judges each run
// against its scenario's expectation, prints "[3/25] PASS name 16.2s  ETA 4m10s" per run (unless
// quiet), and applies --keep-failed / --keep. Entries that did not run (fail-fast, interrupt) are
// returned with ran == false.
std::vector<SuiteEntry> run_scenarios(const std::vector<Scenario>& scenarios,
                                      const RunOptions& options, const SuiteOptions& suite);
// The exit status of an invocation: 130 interrupted, else 2 a harness error, else 1 a run failed
// or a demo was missed, else 0.
int suite_exit_code(const std::vector<SuiteEntry>& entries, bool interrupted);
// Prints the table and the summary line, writes summary.json and junit.xml; returns the exit
// status (suite_exit_code).
int report_suite(const std::vector<SuiteEntry>& entries, std::ostream& out, const RunOptions& options,
                 const SuiteOptions& suite, const std::string& started_utc);

// Collects, loads, selects and runs; returns the exit status: 0 every run as its scenario expects
// (every check passed, or a demo caught), 1 a check failed or a demo was not caught, 2 a scenario
// was invalid (nothing ran), none was selected, or the harness failed on one; 130 interrupted.
int run_suite(const std::vector<std::string>& paths, const RunOptions& options, std::ostream& out,
              const SuiteOptions& suite = {});

// The table printed at the end: verdict, figures and seed of every run.
std::string summary_table(const std::vector<SuiteEntry>& entries, bool colour = false);

}  // namespace harness
