#include "harness/run/progress.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string_view>

namespace harness {

bool colour_wanted(bool is_terminal, const char* no_color, const char* term) {
  if (!is_terminal) return false;
  if (no_color != nullptr && *no_color != '\0') return false;
  return term == nullptr || std::string_view(term) != "dumb";
}

bool colour_for_fd(int fd) { return colour_wanted(isatty(fd) == 1, std::getenv("NO_COLOR"), std::getenv("TERM")); }

std::string coloured(const std::string& word, bool colour) {
  if (!colour) return word;
  const char* code = word == "PASS" || word == "CAUGHT"                       ? "32"
                     : word == "FAIL" || word == "MISSED" || word == "ERROR" ? "31"
                                                                              : "33";
  return std::string("\033[1;") + code + "m" + word + "\033[0m";
}

void SuiteEta::finished(double expected_seconds, double took_seconds) {
  remaining_expected_ = std::max(0.0, remaining_expected_ - expected_seconds);
  remaining_runs_ = std::max(0, remaining_runs_ - 1);
  if (took_seconds < 0) return;
  done_expected_ += expected_seconds;
  done_took_ += took_seconds;
  ++done_runs_;
}

double SuiteEta::seconds_left(int jobs) const {
  constexpr double kStartupAllowance = 3.0;  // seconds per run before any run finished
  double left;
  if (done_runs_ == 0) {
    left = remaining_expected_ + kStartupAllowance * remaining_runs_;
  } else {
    // Scale by the finished runs: their overhead per run plus their time per expected second.
    const double ratio = done_expected_ > 0 ? done_took_ / done_expected_ : 1.0;
    const double per_run = done_expected_ > 0 ? 0.0 : done_took_ / done_runs_;
    left = remaining_expected_ * ratio + per_run * remaining_runs_;
  }
  return left / std::max(1, jobs);
}

std::string SuiteEta::text(double seconds) {
  const long s = std::lround(std::max(0.0, seconds));
  std::ostringstream out;
  if (s < 60) {
    out << s << "s";
  } else if (s < 3600) {
    out << s / 60 << "m" << std::setw(2) << std::setfill('0') << s % 60 << "s";
  } else {
    out << s / 3600 << "h" << std::setw(2) << std::setfill('0') << (s % 3600) / 60 << "m";
  }
  return out.str();
}

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
