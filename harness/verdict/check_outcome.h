#pragma once
// CheckOutcome: the verdict of one check of a run, as results.json, junit.xml, the report and the
// terminal show it. Plain value.
#include <string>

#include <nlohmann/json.hpp>

namespace harness {

struct CheckOutcome {
  std::string name;       // "linearizable", "appends", "script: phases[0] line 12 await b,c", ...
  std::string verdict;    // "pass", "fail", "violation" (linearizability), "unknown", "skipped"
  std::string summary;    // one line
  nlohmann::json details = nlohmann::json::object();
  bool passed() const { return verdict == "pass" || verdict == "skipped"; }
};

inline nlohmann::json to_json(const CheckOutcome& c) {
  return {{"name", c.name}, {"verdict", c.verdict}, {"passed", c.passed()},
          {"summary", c.summary}, {"details", c.details}};
}

}  // namespace harness
