#pragma once
// CheckOutcome: the verdict of one check of a run, as results.json, junit.xml, the report and the
// terminal show it. Plain value.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace harness {

enum class CheckVerdict {
  kPass,
  kFail,
  kViolation,  // linearizability: a history no order explains
  kUnknown,    // the check could not decide (the checker ran out of time)
  kSkipped,    // nothing to check; counts as passed
};

// "pass", "fail", "violation", "unknown", "skipped": the words results.json, junit.xml and the
// report use.
inline const char* to_string(CheckVerdict v) {
  switch (v) {
    case CheckVerdict::kPass: return "pass";
    case CheckVerdict::kFail: return "fail";
    case CheckVerdict::kViolation: return "violation";
    case CheckVerdict::kUnknown: return "unknown";
    case CheckVerdict::kSkipped: return "skipped";
  }
  return "?";
}

inline std::optional<CheckVerdict> parse_check_verdict(const std::string& word) {
  for (CheckVerdict v : {CheckVerdict::kPass, CheckVerdict::kFail, CheckVerdict::kViolation,
                         CheckVerdict::kUnknown, CheckVerdict::kSkipped}) {
    if (word == to_string(v)) return v;
  }
  return std::nullopt;
}

struct CheckOutcome {
  std::string name;       // "linearizable", "appends", "script: phases[0] line 12 await b,c", ...
  CheckVerdict verdict = CheckVerdict::kUnknown;
  std::string summary;    // one line
  nlohmann::json details = nlohmann::json::object();
  bool passed() const { return verdict == CheckVerdict::kPass || verdict == CheckVerdict::kSkipped; }
};

inline nlohmann::json to_json(const CheckOutcome& c) {
  return {{"name", c.name}, {"verdict", to_string(c.verdict)}, {"passed", c.passed()},
          {"summary", c.summary}, {"details", c.details}};
}

}  // namespace harness
