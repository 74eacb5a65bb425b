#pragma once
// HistoryWriter: appends history events (docs/history-format.md) to history.jsonl as client
// threads produce them. Thread-safe: many client threads call record(); a mutex serializes the
// writes so every line is whole and times never go backwards down the file (an event whose time
// is older than the last one written gets that time: sound, see record()). Events are flushed at
// least every 100 ms and at close(), so a crash of the harness loses at most the last moment.
// Owned by the Runner for one run.
#include <atomic>
#include <cstdint>
#include <fstream>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace harness {

class HistoryWriter {
 public:
  HistoryWriter() = default;
  common::Status open(const std::string& path);
  // type: invoke | ok | fail | info. `value`: the invoke's argument or a get's result (null if none).
  void record(int64_t process, const std::string& type, const std::string& f,
              const std::string& key, const nlohmann::json& value, int64_t time_ns);
  void close();
  uint64_t completed_ok() const { return ok_.load(); }
  uint64_t completed_info() const { return info_.load(); }

 private:
  std::mutex mu_;
  std::ofstream out_;
  int64_t last_flush_ns_ = 0;
  int64_t last_time_ns_ = INT64_MIN;
  std::atomic<uint64_t> ok_{0};
  std::atomic<uint64_t> info_{0};
};

// JsonlWriter: a thread-safe JSON-lines file (nemesis.jsonl), flushed after every line: nemesis
// events are rare and must survive a crash.
class JsonlWriter {
 public:
  common::Status open(const std::string& path);
  void write(const nlohmann::json& line);
  void close();

 private:
  std::mutex mu_;
  std::ofstream out_;
};

}  // namespace harness
