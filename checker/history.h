#pragma once
// A recorded history: the operations clients invoked against the system under test, with their
// call/return times and outcomes, plus the parsers for the formats we read (docs/history-format.md).
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace checker {

// How an operation ended. kFail: it certainly did not happen (the checker drops it). kUnknown: an
// `info` completion or no completion at all; it may have taken effect at any point after its call,
// or never, and its output is not checked.
enum class OpStatus { kOk, kFail, kUnknown };

// Return time given to operations whose outcome is unknown: later than everything.
inline constexpr int64_t kNeverReturned = std::numeric_limits<int64_t>::max();

// One invocation matched with its completion. Values are JSON (null, number, string, or a
// [from, to] array for cas) exactly as read; the models interpret them.
struct Operation {
  int64_t process = 0;
  std::string f;               // "get", "put", "append", "read", "write", "cas", ...
  std::string key;             // partition key; empty for a single register
  nlohmann::json input;        // the invocation's value
  nlohmann::json output;       // the ok completion's value (what a read returned)
  int64_t call_time = 0;       // ns (or event index for formats without times)
  int64_t return_time = 0;     // kNeverReturned when status is kUnknown
  OpStatus status = OpStatus::kOk;
  size_t call_line = 0;        // 1-based line numbers in the source file
  size_t return_line = 0;      // 0 when there was no completion
};

// History: the parsed file. Owned by the caller; read-only for the checker.
struct History {
  std::string source;                // file name (for messages)
  std::string format;                // "json", "kv-edn" or "jepsen-log"
  std::string model_hint;            // "kv" or "register": what the format or operation names imply
  std::vector<Operation> ops;        // in invocation order
  // True when times are nanoseconds on a clock (a JSON-lines history with "time" fields); false
  // when they are logical (line numbers, or the format's own counter).
  bool times_in_ns = false;
  // Where relative times in reports count from (clock times only): by default the first call;
  // a recorder that logs other events on the same clock (the harness's faults) sets its own, so
  // that every time in a run's reports counts from one origin. The label names it for readers.
  std::optional<int64_t> time_origin;
  std::string time_origin_label = "the first call";
  // Events of Jepsen's nemesis (process :nemesis), skipped: faults, not operations.
  size_t non_client_events = 0;
};

enum class HistoryFormat { kAuto, kJson, kKvEdn, kJepsenLog };

// Parses "auto", "json", "kv-edn", "jepsen-log". Returns an error naming the valid choices.
common::Result<HistoryFormat> parse_format_name(std::string_view name);

// Reads a history. Errors say "file:line: what is wrong" (truncated line, unknown event type,
// completion without invocation, a second invocation while one is open, ...).
common::Result<History> parse_history_file(const std::string& path,
                                           HistoryFormat format = HistoryFormat::kAuto);
common::Result<History> parse_history_text(std::string_view text, HistoryFormat format,
                                           const std::string& source_name);
// The bytes of a history file: zstd-compressed (recognised by its magic number) or plain text.
// Errors in compressed input name the byte offset; `max_bytes` bounds the decompressed size.
common::Result<History> parse_history_bytes(std::string_view bytes, HistoryFormat format,
                                            const std::string& source_name,
                                            size_t max_bytes = std::numeric_limits<size_t>::max());

// One history event, as the harness records it; to_json_line() gives the canonical line
// (no trailing newline) of docs/history-format.md.
struct HistoryEvent {
  int64_t process = 0;
  std::string type;  // "invoke", "ok", "fail", "info"
  std::string f;
  std::string key;
  nlohmann::json value;
  int64_t time = 0;
};
std::string to_json_line(const HistoryEvent& event);

}  // namespace checker
