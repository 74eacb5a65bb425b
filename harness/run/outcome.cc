#include "harness/run/outcome.h"

#include <algorithm>
#include <string_view>
#include <sstream>

namespace harness {
namespace {

// Whether `line` is one of the checker's operation lines: "  p7 get key=..." (spaces, p, digits,
// a space, get|put|append, " key=").
bool is_op_line(std::string_view line) {
  size_t i = line.find_first_not_of(' ');
  if (i == std::string_view::npos || line[i] != 'p') return false;
  const size_t digits = ++i;
  while (i < line.size() && line[i] >= '0' && line[i] <= '9') ++i;
  if (i == digits) return false;
  line.remove_prefix(i);
  for (std::string_view f : {" get key=", " put key=", " append key="}) {
    if (line.substr(0, f.size()) == f) return true;
  }
  return false;
}

// What a failed check names: for a violation, the first key's "cannot be linearized" line and up
// to three operations that cannot follow its prefix; for appends, up to four problems. Empty when
// the failure names nothing concrete.
std::vector<std::string> evidence_of(const CheckOutcome& c, const std::string& violation_text) {
  std::vector<std::string> out;
  if (c.name == "linearizable") {
    if (c.verdict != CheckVerdict::kViolation) return out;
    std::istringstream in(violation_text);
    std::string line;
    bool any_op = false, headline = false, in_stuck = false;
    int shown = 0;
    while (std::getline(in, line)) {  // bounded by the file
      if (is_op_line(line)) any_op = true;
      if (!headline && line.find("cannot be linearized") != std::string::npos) {
        out.push_back(line);
        headline = true;
      } else if (headline && !in_stuck && shown == 0 && line.find("can follow it") != std::string::npos) {
        in_stuck = true;
      } else if (in_stuck && is_op_line(line) && shown < 3) {
        out.push_back("  " + line.substr(line.find_first_not_of(' ')));
        ++shown;
      } else if (in_stuck && line.empty()) {
        in_stuck = false;
      }
    }
    if (!any_op) out.clear();
    return out;
  }
  if (c.name == "appends") {
    const auto problems = c.details.find("problems");
    if (problems == c.details.end() || !problems->is_array()) return out;
    for (const auto& p : *problems) {
      if (out.size() == 4) break;
      std::string text = "appends: key " + p.value("key", std::string("?")) + ": " +
                         p.value("problem", std::string("?")) + " " + p.value("value", std::string(""));
      if (p.contains("read_line")) text += " (read at history line " + p["read_line"].dump() + ")";
      out.push_back(text);
    }
    return out;
  }
  if (!c.summary.empty()) out.push_back(c.name + ": " + c.summary);
  return out;
}

}  // namespace

const char* to_string(RunOutcome o) {
  switch (o) {
    case RunOutcome::kPass: return "pass";
    case RunOutcome::kFail: return "fail";
    case RunOutcome::kCaught: return "caught";
    case RunOutcome::kMissed: return "missed";
    case RunOutcome::kError: return "error";
    case RunOutcome::kInterrupted: return "interrupted";
    case RunOutcome::kNotRun: return "not_run";
  }
  return "?";
}

const char* verdict_word(RunOutcome o) {
  switch (o) {
    case RunOutcome::kPass: return "PASS";
    case RunOutcome::kFail: return "FAIL";
    case RunOutcome::kCaught: return "CAUGHT";
    case RunOutcome::kMissed: return "MISSED";
    case RunOutcome::kError: return "ERROR";
    case RunOutcome::kInterrupted: return "INTERRUPTED";
    case RunOutcome::kNotRun: return "NOT RUN";
  }
  return "?";
}

bool is_success(RunOutcome o) { return o == RunOutcome::kPass || o == RunOutcome::kCaught; }

std::string expect_name(const std::string& check_name) {
  return check_name.rfind("script", 0) == 0 ? "script" : check_name;
}

Judgement judge_run(const RunResults& r, const Expectation& expect, const std::string& violation_text) {
  Judgement j;
  if (r.error == kInterruptedError) {
    j.outcome = RunOutcome::kInterrupted;
    j.why = "interrupted before the run finished";
    return j;
  }
  if (!r.error.empty()) {
    j.outcome = RunOutcome::kError;
    j.why = r.error;
    return j;
  }
  std::vector<const CheckOutcome*> failed;
  for (const auto& c : r.checks) {
    if (!c.passed()) failed.push_back(&c);
  }
  auto failed_list = [&] {
    std::string s;
    for (const auto* c : failed) s += (s.empty() ? "" : "; ") + c->name + ": " + c->summary;
    return s;
  };
  const bool expects_failure = !expect.fail.empty() || expect.any_failure;
  if (!expects_failure) {
    j.outcome = failed.empty() ? RunOutcome::kPass : RunOutcome::kFail;
    j.why = failed_list();
    return j;
  }
  j.outcome = RunOutcome::kMissed;
  if (failed.empty()) {
    j.why = "every check passed; expected a failure of " +
            (expect.fail.empty() ? std::string("any check") : [&] {
              std::string s;
              for (const auto& f : expect.fail) s += (s.empty() ? "" : " or ") + f;
              return s;
            }());
    return j;
  }
  std::vector<std::string> unexpected;
  for (const auto* c : failed) {
    const bool listed = expect.fail.empty() ||
                        std::find(expect.fail.begin(), expect.fail.end(), expect_name(c->name)) != expect.fail.end();
    if (!listed) {
      unexpected.push_back(c->name + ": " + c->summary);
      continue;
    }
    for (auto& line : evidence_of(*c, violation_text)) j.evidence.push_back(std::move(line));
  }
  if (!unexpected.empty()) {
    j.why = "a check it was not expected to fail failed: " + unexpected.front();
    j.evidence.clear();
    return j;
  }
  if (j.evidence.empty()) {
    j.why = "failed (" + failed_list() + "), but not with a violation or lost/duplicated data that names operations";
    return j;
  }
  j.outcome = RunOutcome::kCaught;
  j.why = failed_list();
  return j;
}

}  // namespace harness
