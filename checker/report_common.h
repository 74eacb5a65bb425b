#pragma once
// Pieces shared by the JSON and HTML reports, so both describe a check with the same fields.
// Pure functions; any thread.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "checker/checker.h"

namespace checker {

// The check's header: source, format, model, verdict, message, operation counts and time; for a
// JSON-lines history also "time_origin" (see TimeLabels), which the HTML page shows times from.
nlohmann::json summary_fields(const History& history, const CheckResult& result);

// Where a read's value first differs from a state, both as JSON text (the values may be too long
// to compare by eye): the offset, and `width` characters of each from `context` before it.
// Nothing when the read is short (the whole value is shown anyway) or the state is not a string.
struct FirstDifference {
  size_t at = 0;       // offset of the first differing character
  size_t context = 0;  // characters of `read` and `state` before it
  std::string read, state;
};
std::optional<FirstDifference> first_difference(const nlohmann::json& read, const std::string& state,
                                                size_t context = 12, size_t width = 40);

// TimeLabels: how reports show an operation's times. A JSON-lines history's times are
// nanoseconds on a monotonic clock, unreadable as such, so they are shown as milliseconds since
// the first invocation ("+2184.503 ms"); other formats' times are logical and shown as recorded.
class TimeLabels {
 public:
  explicit TimeLabels(const History& history);
  std::string operator()(int64_t time) const;  // "never" for kNeverReturned
  bool relative() const { return relative_; }
  int64_t origin() const { return origin_; }

 private:
  bool relative_ = false;
  int64_t origin_ = 0;
};

}  // namespace checker
