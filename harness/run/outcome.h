#pragma once
// A run's outcome against what its scenario expects. Most scenarios expect every check to pass; a
// demo says `expect: {fail: [appends, linearizable]}` and is CAUGHT when at least one of those
// checks failed, no other check failed, and the failure names what went wrong (a violation's
// explanation names the operations, an appends failure the values). Pure functions.
#include <string>
#include <vector>

#include "harness/verdict/run_results.h"

namespace harness {

enum class RunOutcome { kPass, kFail, kCaught, kMissed, kError, kInterrupted, kNotRun };

const char* to_string(RunOutcome o);    // "pass", "fail", "caught", "missed", "error", "interrupted", "not_run"
const char* verdict_word(RunOutcome o);  // "PASS", "FAIL", "CAUGHT", "MISSED", "ERROR", "INTERRUPTED", "NOT RUN"
bool is_success(RunOutcome o);           // pass or caught

// What the run was expected to do.
struct Expectation {
  std::vector<std::string> fail;  // the scenario's expect.fail (check names; "script" for scripts)
  bool any_failure = false;       // `run --expect-fail`: any failed check counts as caught
};

struct Judgement {
  RunOutcome outcome = RunOutcome::kPass;
  std::string why;                    // one line: what failed, or why a demo was missed
  std::vector<std::string> evidence;  // for a caught run: what its report names
};

// The error text the runner leaves in RunResults::error when a run was interrupted.
inline constexpr const char* kInterruptedError = "interrupted";

// `violation_text`: the run's linearizability.txt ("" when there is none).
Judgement judge_run(const RunResults& r, const Expectation& expect, const std::string& violation_text);

// The name expect.fail uses for check `check_name` ("script" for every scripted expectation).
std::string expect_name(const std::string& check_name);

}  // namespace harness
