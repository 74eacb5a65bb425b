#pragma once
// HistoryWriter: records history events (docs/history-format.md) as client threads produce them,
// into the run's history file and, for the checks, into a checker::History kept in memory (so a
// run's checks need not read the file back). Thread-safe: many client threads call record(); a
// mutex serializes them so every line is whole and times never go backwards down the file (an
// event whose time is older than the last one written gets that time: sound, see record()).
// The file is JSON lines with long reads written as a reference to an earlier value plus a suffix
// and, by default, zstd-compressed (history.jsonl.zst; "Compact histories" in the format doc).
// Output is flushed (a decodable zstd block) at least every 100 ms of the run's clock and at
// close(), so a crash of the harness loses at most the last moment. Owned by the Runner.
#include <atomic>
#include <cstdint>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

#include "checker/history.h"
#include "checker/history_builder.h"
#include "checker/history_codec.h"
#include "common/status.h"

namespace harness {

struct HistoryWriterOptions {
  bool delta = true;    // a long read as "the first n bytes of line N's value, then this suffix"
  bool zstd = true;     // zstd-compress the file (name it *.zst)
  int zstd_level = 1;   // level 1: smaller and faster than 3 on histories (docs/benchmarks.md)
  bool keep = true;     // also build the History in memory, for take_history()
};

class HistoryWriter {
 public:
  HistoryWriter() = default;
  common::Status open(const std::string& path, HistoryWriterOptions options = {});
  // type: invoke | ok | fail | info. `value`: the invoke's argument or a get's result (null if
  // none); taken by value, so a temporary (a get's result) is moved, not copied.
  void record(int64_t process, const std::string& type, const std::string& f,
              const std::string& key, nlohmann::json value, int64_t time_ns);
  // Writes what is buffered and ends the file. A write error is kept for status().
  void close();
  // The first write or encoding error (ok if none).
  common::Status status();
  // After close(): the recorded history, as checker::parse_history_file would read it from the
  // file (same operations, values, times and line numbers). Once; an error if the events broke
  // the format's rules (a completion without an invocation, ...) or keep was off.
  common::Result<checker::History> take_history();
  uint64_t completed_ok() const { return ok_.load(); }
  uint64_t completed_info() const { return info_.load(); }

 private:
  void drain(bool flush);  // under mu_

  std::mutex mu_;
  std::string path_;
  HistoryWriterOptions options_;
  std::ofstream out_;
  checker::JsonLinesEncoder encoder_;
  std::unique_ptr<checker::ZstdWriter> zstd_;
  std::string text_;        // encoded lines not yet compressed / written
  std::string compressed_;  // compressed bytes not yet written
  std::unique_ptr<checker::HistoryBuilder> builder_;
  common::Status error_;
  bool any_event_ = false;
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
