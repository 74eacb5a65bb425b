#pragma once
// RecordingClient: one history process doing operations through a client of the system under
// test, recording each in the history — invoke before the call; ok (with what a get read), fail
// (certainly not applied) or info (unknown outcome) after it — on the run's clock. The one place
// the invoke/call/record sequence lives: workload clients, script clients and verifiers all use it.
// Not thread-safe: one task uses it at a time (as the client under it).
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "harness/record/history_writer.h"
#include "harness/sut/clients.h"
#include "harness/sut/clock.h"

namespace harness {

// Hands out history process numbers (one per client identity). Thread-safe.
class ProcessIds {
 public:
  int64_t next() { return next_.fetch_add(1); }

 private:
  std::atomic<int64_t> next_{0};
};

class RecordingClient {
 public:
  RecordingClient(std::unique_ptr<sut::Client> client, int64_t process, HistoryWriter& history,
                  const sut::RunClock& clock)
      : client_(std::move(client)), process_(process), history_(history), clock_(clock) {}

  // Performs one operation (value ignored for a get) and records it.
  sut::OpResult run(sut::OpKind kind, const std::string& key, const std::string& value,
                    int64_t deadline_ns);
  int64_t process() const { return process_; }

 private:
  std::unique_ptr<sut::Client> client_;
  int64_t process_;
  HistoryWriter& history_;
  const sut::RunClock& clock_;
};

}  // namespace harness
