#pragma once
// HistoryBuilder: turns a stream of invoke/completion events (from any file format) into matched
// Operations, enforcing one open invocation per process. Used by the parsers and by recorders that
// hand a history over in memory (harness/record); one thread at a time.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "checker/history.h"

namespace checker {

enum class EventType { kInvoke, kOk, kFail, kInfo };

struct RawEvent {
  int64_t process = 0;
  EventType type = EventType::kInvoke;
  std::string f;
  std::string key;
  nlohmann::json value;
  int64_t time = 0;
  size_t line = 0;
  // Logged by Jepsen's nemesis (process :nemesis, or "nemesis" in JSON lines), not by a client:
  // not an operation on the data, so the parsers skip it.
  bool non_client = false;
};

class HistoryBuilder {
 public:
  explicit HistoryBuilder(std::string source) : source_(std::move(source)) {}

  // Adds the next event in file order. Errors name the file and line.
  common::Status add(RawEvent event);
  // Closes the history: invocations still open become unknown operations.
  History finish(std::string format, std::string model_hint);

  // Where the last successful add() kept its event's value: the operation's index and whether it
  // is the output (an ok completion) or the input (an invocation). Nothing for fail/info events,
  // whose values are not kept.
  struct Stored {
    size_t op = 0;
    bool output = false;
  };
  std::optional<Stored> last_stored() const { return last_stored_; }
  const Operation& op(size_t index) const { return ops_[index]; }

 private:
  common::Status error_at(size_t line, const std::string& what) const;

  std::string source_;
  std::vector<Operation> ops_;
  std::unordered_map<int64_t, size_t> open_;  // process -> index into ops_
  std::optional<Stored> last_stored_;
};

}  // namespace checker
