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

// Where a read's value first differs from a state, both as JSON text: how many characters agree,
// then up to `context` characters before the difference and about `width` bytes after it from
// each, with flags saying where text was left out. Cuts fall between UTF-8 characters. Short
// values are worth it too: "x 1 0 yx 1 2 y" against "x 1 0 yx 1 1 y" is quicker to read with the
// place marked. Nothing when the state is not a string.
struct FirstDifference {
  size_t at = 0;  // characters (UTF-8 code points) before the first difference
  std::string before;                   // the common text just before it
  std::string read_after, state_after;  // each side from the difference on
  bool before_cut = false;              // text before `before` was left out
  bool read_cut = false, state_cut = false;  // text after read_after / state_after was left out
};
std::optional<FirstDifference> first_difference(const nlohmann::json& read, const std::string& state,
                                                size_t context = 12, size_t width = 40);

// `s` cut to about `max` bytes by dropping its middle (marked with `mark`); cuts fall between
// UTF-8 characters.
std::string shorten_middle(const std::string& s, size_t max, const std::string& mark);

// TimeLabels: how reports show an operation's times. A JSON-lines history's "time" fields are
// nanoseconds on a monotonic clock, unreadable as such, so they are shown as milliseconds since
// the first invocation ("+2184.503 ms"); logical times (line numbers when a history has no
// times, other formats' counters) are shown as recorded.
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
