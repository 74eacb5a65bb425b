#pragma once
// Clock: the one way code outside the Raft core reads time, so tests can substitute a manual clock.
// now_ns() is monotonic nanoseconds (steady_clock); histories and nemesis logs share it.
#include <chrono>
#include <cstdint>

namespace common {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_ns() const = 0;
};

// SteadyClock: the process's monotonic clock. Thread-safe.
class SteadyClock final : public Clock {
 public:
  int64_t now_ns() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

// ManualClock: advanced by hand in tests. Not thread-safe.
class ManualClock final : public Clock {
 public:
  int64_t now_ns() const override { return now_; }
  void advance_ns(int64_t d) { now_ += d; }
  void set_ns(int64_t t) { now_ = t; }

 private:
  int64_t now_ = 0;
};

inline int64_t monotonic_ns() { return SteadyClock().now_ns(); }

}  // namespace common
