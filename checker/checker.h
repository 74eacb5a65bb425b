#pragma once
// The checker's public API: parse a history, check it for linearizability against a model, and
// render the verdict for people (terminal text, one self-contained HTML page) or programs (JSON).
//
//   auto history = checker::parse_history_file("history.jsonl");          // errors name the line
//   if (!history) { print(history.status().message()); exit(2); }
//   checker::CheckOptions opts;                                            // model from the history
//   auto result = checker::check(*history, opts);                          // error: bad op for model
//   std::cout << checker::format_text(*history, *result);
//   checker::write_html(*history, *result, "report.html");
//   return checker::exit_code(result->verdict);                            // 0 / 1 / 2
//
// check() is safe to call from any thread; it runs partitions on its own worker threads and
// returns when all have stopped. The History must outlive the CheckResult's use in the writers.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "checker/history.h"
#include "common/status.h"

namespace checker {

class WorkerPool;

enum class Verdict { kLinearizable, kViolation, kUnknown };
std::string_view verdict_name(Verdict v);  // "linearizable", "violation", "unknown"
int exit_code(Verdict v);                   // 0, 1, 2

struct CheckOptions {
  std::string model;                       // "kv" or "register"; empty: what the history implies
  std::chrono::milliseconds timeout{0};    // whole check; 0 = no limit. Reached => kUnknown
  // Bound on the process's resident memory (the history included) while checking, within about
  // 10 %; reached => kUnknown. 0 = default_max_memory().
  int64_t max_memory_bytes = 0;
  int threads = 0;                         // 0 = all cores
  // Kept threads to check partitions on (see WorkerPool); null: threads are started for this
  // check. Either way, with threads = 0 a history under 1,000 operations is checked on the
  // calling thread.
  WorkerPool* pool = nullptr;
  // Check every partition even after one violates (no early stop), so that reports show all of
  // them. Without it, the other partitions are reported as "not checked".
  bool explain = false;
  // With explain: once one key violates, the others get this much more time (a violating key can
  // need an exponential search; Porcupine's explanation mode runs out of memory on such histories).
  // Keys cut off are reported as not fully checked; the verdict is a violation either way.
  std::chrono::milliseconds explain_budget{500};
};

// A quarter of physical memory (sysconf), at least 256 MiB.
int64_t default_max_memory();

// The outcome for one partition (one key). Indices refer to History::ops.
struct PartitionResult {
  std::string key;
  Verdict verdict = Verdict::kUnknown;
  std::vector<size_t> ops;             // operations checked here (failed ops and unknown reads left out)
  std::string note;                    // why unknown ("timeout", "not checked", ...)
  uint64_t configurations = 0;         // distinct (linearized set, state) explored
  uint64_t steps = 0;                  // model steps tried
  int64_t cache_bytes = 0;             // memory of the memo cache at the end
  double seconds = 0;
  // For a linearizable partition: a full linearization. For a violation: the longest
  // linearizable prefix the search found.
  std::vector<size_t> linearization;
  // Violations only: the state after each prefix operation (the last 200; earlier ones empty),
  // the state after the whole prefix, and the operations that contradict that state: the first
  // few that can never follow it (a kv get whose value does not extend it), or, when the model
  // cannot tell, those that could come next by real time, none of which it accepts there.
  std::vector<std::string> states_after;
  std::string stuck_state;
  std::vector<size_t> stuck_ops;
};

struct CheckResult {
  Verdict verdict = Verdict::kUnknown;
  std::string model;
  std::string message;             // one line: why unknown, or empty
  size_t operations = 0;           // all operations in the history
  size_t failed = 0;               // dropped: they did not happen
  size_t unknown = 0;              // info or never completed
  double seconds = 0;              // checking time (parse excluded)
  int64_t peak_cache_bytes = 0;    // largest memo cache of any partition
  int64_t peak_resident_bytes = 0; // the process's peak resident memory so far (getrusage)
  std::vector<PartitionResult> partitions;  // sorted by key
};

// Checks `history`. Fails (Status) only on bad input: an unknown model, or an operation the
// model does not know or whose values have the wrong shape (the message names the line).
common::Result<CheckResult> check(const History& history, const CheckOptions& options);

// Terminal summary: verdict, counts, time; for a violation the key, the end of the longest
// linearizable prefix, the operations that cannot follow it and the state they contradict.
std::string format_text(const History& history, const CheckResult& result);

// The same as data (schema in docs/history-format.md).
nlohmann::json to_json(const History& history, const CheckResult& result);
common::Status write_json(const History& history, const CheckResult& result,
                          const std::string& path);

// One self-contained HTML page (inline CSS and JS): a timeline per violating key with a lane per
// process, the longest linearization drawn over it and the stuck operations marked; the other
// partitions summarized in a table.
std::string render_html(const History& history, const CheckResult& result);
common::Status write_html(const History& history, const CheckResult& result,
                          const std::string& path);

}  // namespace checker
