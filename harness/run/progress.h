#pragma once
// Progress: the live progress line of one run — "[name] phase  12.3s  ops 456  faults: ..." —
// rewritten in place on a terminal every 0.5 s, a plain line every 5 s otherwise. A task of the
// run's clock (so a simulated run prints in simulated time). set_phase() from the runner's task;
// start()/stop() once each.
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

#include "harness/sut/clock.h"

namespace harness {

// Whether to colour what goes to a stream: only on a terminal, and not when NO_COLOR is set to
// anything non-empty (no-color.org) or TERM is "dumb". `no_color`, `term`: the variables (nullptr
// when unset).
bool colour_wanted(bool is_terminal, const char* no_color, const char* term);
// colour_wanted() for file descriptor `fd` and this process's environment.
bool colour_for_fd(int fd);
// `word` ("PASS", "FAIL", ...) in green (PASS, CAUGHT), red (FAIL, MISSED, ERROR) or yellow
// (INTERRUPTED, NOT RUN) when `colour`; as it is otherwise.
std::string coloured(const std::string& word, bool colour);

// SuiteEta: the time left of a suite, from the scenarios' expected durations scaled by how long the
// finished runs took against theirs (runs take longer than their phases: start-up, checks).
// Plain value; one thread.
class SuiteEta {
 public:
  void add_run(double expected_seconds) {
    remaining_expected_ += expected_seconds;
    ++remaining_runs_;
  }
  // A run that was added finished (or will not run: took_seconds < 0 leaves the scale alone).
  void finished(double expected_seconds, double took_seconds);
  // Seconds left with `jobs` runs at once; before any run finished, the expected durations as they
  // are plus a start-up allowance per run.
  double seconds_left(int jobs) const;
  static std::string text(double seconds);  // "45s", "4m10s", "1h02m"

 private:
  double remaining_expected_ = 0;
  int remaining_runs_ = 0;
  double done_expected_ = 0;
  double done_took_ = 0;
  int done_runs_ = 0;
};

class Progress {
 public:
  // `details`: the line's tail ("ops 456  faults: none"), asked each time the line is printed.
  Progress(std::string name, std::ostream& out, sut::RunClock& clock,
           std::function<std::string()> details);
  ~Progress();  // stops

  void set_phase(const std::string& text);
  void start();
  void stop();

 private:
  void loop();

  std::string name_;
  std::ostream& out_;
  sut::RunClock& clock_;
  std::function<std::string()> details_;
  int64_t started_ns_;
  std::unique_ptr<sut::Signal> signal_;
  std::unique_ptr<sut::Task> task_;
  // Changed and read under signal_.
  std::string phase_ = "starting";
  bool done_ = false;
};

}  // namespace harness
