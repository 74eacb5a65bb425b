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
