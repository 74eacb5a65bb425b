#include "harness/run/progress.h"

#include <unistd.h>

#include <iomanip>
#include <iostream>
#include <sstream>

namespace harness {

Progress::Progress(std::string name, std::ostream& out, sut::RunClock& clock,
                   std::function<std::string()> details)
    : name_(std::move(name)),
      out_(out),
      clock_(clock),
      details_(std::move(details)),
      started_ns_(clock.now_ns()),
      signal_(clock.make_signal()) {}

Progress::~Progress() { stop(); }

void Progress::set_phase(const std::string& text) {
  signal_->update([&] { phase_ = text; });
}

void Progress::start() {
  if (!task_) task_ = clock_.spawn("progress", [this] { loop(); });
}

void Progress::stop() {
  signal_->update([&] { done_ = true; });
  if (task_) task_->join();
}

void Progress::loop() {
  const bool tty = isatty(STDERR_FILENO) && &out_ == &std::cerr;
  const int64_t interval = tty ? 500'000'000 : 5'000'000'000;
  // Bounded by the run: stop() sets done_ before the run returns.
  for (;;) {
    if (signal_->wait_until([&] { return done_; }, clock_.now_ns() + interval)) break;
    std::string phase;
    signal_->update([&] { phase = phase_; });
    std::ostringstream line;
    line << "[" << name_ << "] " << phase << "  " << std::fixed << std::setprecision(1)
         << static_cast<double>(clock_.now_ns() - started_ns_) / 1e9 << "s  " << details_();
    if (tty) {
      out_ << "\r\033[K" << line.str() << std::flush;
    } else {
      out_ << line.str() << "\n" << std::flush;
    }
  }
  if (tty) out_ << "\r\033[K" << std::flush;
}

}  // namespace harness
