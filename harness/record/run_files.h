#pragma once
// RunFiles: the names of every file in a run directory, in one place. Writers (the runner, the
// checks, the report, `faultline report`) and readers (the report, scripts/*.sh) use these names;
// docs/scenarios.md's run-directory table lists them. Plain value.
#include <filesystem>
#include <string>

namespace harness {

class RunFiles {
 public:
  static constexpr const char* kScenario = "scenario.yaml";    // the scenario with its seed
  // Every client operation: JSON lines, compact and zstd-compressed (docs/history-format.md).
  static constexpr const char* kHistory = "history.jsonl.zst";
  static constexpr const char* kHistoryPlain = "history.jsonl";  // what runs wrote before
  static constexpr const char* kNemesis = "nemesis.jsonl";     // every fault
  static constexpr const char* kResults = "results.json";      // verdicts and figures
  static constexpr const char* kJunit = "junit.xml";
  static constexpr const char* kReport = "report.html";
  static constexpr const char* kViolationText = "linearizability.txt";  // after a violation only
  static constexpr const char* kViolationJson = "linearizability.json";
  static constexpr const char* kViolationHtml = "linearizability.html";
  static constexpr const char* kLogs = "logs";  // the system's own logs (logs/n1.log, ...)
  static constexpr const char* kData = "data";  // the system's durable state (data/n1/, ...)

  explicit RunFiles(std::string dir) : dir_(std::move(dir)) {}
  const std::string& dir() const { return dir_; }
  std::string path(const char* name) const { return dir_ + "/" + name; }

  std::string scenario() const { return path(kScenario); }
  std::string history() const { return path(kHistory); }  // where a run writes it
  // The history to read: history.jsonl.zst, or an older run's history.jsonl when only that exists.
  std::string history_to_read() const {
    std::error_code ec;
    if (!std::filesystem::exists(history(), ec) && std::filesystem::exists(path(kHistoryPlain), ec))
      return path(kHistoryPlain);
    return history();
  }
  std::string nemesis() const { return path(kNemesis); }
  std::string results() const { return path(kResults); }
  std::string junit() const { return path(kJunit); }
  std::string report() const { return path(kReport); }
  std::string violation_text() const { return path(kViolationText); }
  std::string violation_json() const { return path(kViolationJson); }
  std::string violation_html() const { return path(kViolationHtml); }

 private:
  std::string dir_;
};

}  // namespace harness
