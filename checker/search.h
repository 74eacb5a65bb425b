#pragma once
// The linearizability search for one partition: Wing & Gong's algorithm with Lowe's memoization,
// shaped like Porcupine's checkSingle. Operations sit in a doubly linked list of call and return
// entries sorted by time; the search linearizes the earliest candidate call it can, lifts it out of
// the list, and backtracks when it meets a return entry (an operation that should already have
// taken effect). Each configuration (linearized set, state) is explored at most once.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "checker/model.h"

namespace checker {

// SearchControl: limits shared by all partitions of one check. Pointers are owned by the caller
// and outlive the search; the atomics are what lets threads stop each other.
struct SearchControl {
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  // Steady-clock time (ns since epoch) at which to stop because the verdict is already known;
  // INT64_MAX while it is not, 0 to stop at once.
  const std::atomic<int64_t>* stop_at_ns = nullptr;
  std::atomic<int64_t>* memory_used = nullptr;   // bytes of memo caches, all partitions
  int64_t memory_limit = INT64_MAX;
};

enum class SearchVerdict { kLinearizable, kViolation, kTimeout, kOutOfMemory, kCancelled };

struct SearchOutcome {
  SearchVerdict verdict = SearchVerdict::kLinearizable;
  // The longest linearizable prefix found, as indices into the partition's ops, in order.
  std::vector<uint32_t> longest;
  uint64_t steps = 0;          // model steps tried
  uint64_t configurations = 0; // distinct configurations memoized
  int64_t cache_bytes = 0;
};

// PartitionSearch: a resumable search of one partition. Owned by the checker; one thread at a
// time may call run() (different threads over its life are fine with hand-over synchronization).
class PartitionSearch {
 public:
  // `model`, `ops` and `control` must outlive the search. `impossible_op`: an op the caller knows
  // no linearization satisfies (Model::presolve), or UINT32_MAX. The verdict is then a violation
  // for certain; the search stops at the first dead end where that op could go next, with the
  // prefix that led there (for the explanation), instead of proving every other order fails.
  PartitionSearch(PartitionModel& model, std::span<const Operation* const> ops,
                  const SearchControl& control, uint32_t impossible_op = UINT32_MAX);
  ~PartitionSearch();
  // Runs up to about `max_steps` more steps; true once finished (outcome() is then final).
  bool run(uint64_t max_steps);
  const SearchOutcome& outcome() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Searches for a linearization of `ops` (ok and unknown ones; failed ops must be left out).
// Unknown operations may be placed anywhere after their call, or left out; unknown operations
// with equal f and input are placed only in call order (the first, then the second, ...): any
// linearization can be rearranged so (docs/history-format.md).
SearchOutcome search_partition(PartitionModel& model, std::span<const Operation* const> ops,
                               const SearchControl& control, uint32_t impossible_op = UINT32_MAX);

// Why the search stopped after the longest prefix: the state it leaves and the operations that
// were candidates to come next (all of which the model rejects in that state).
struct StuckPoint {
  std::vector<std::string> states_after;  // state after each prefix op (the last 200; others "")
  std::string state;                      // state after the whole prefix
  std::vector<uint32_t> candidates;       // ops that could come next by real time
  std::vector<bool> rejected;             // per candidate: the model contradicts it
  // The first ok operations (candidates or later ones, in call order) that can never follow the
  // state whatever comes between (Model::never_after): the culprits when the model knows them.
  std::vector<uint32_t> doomed;
};
StuckPoint explain_stuck(PartitionModel& model, std::span<const Operation* const> ops,
                         const std::vector<uint32_t>& prefix);

}  // namespace checker
