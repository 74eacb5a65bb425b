#pragma once
// Checks over a recorded history and the figures a run collected, each giving a CheckOutcome.
// Pure functions of their inputs (any thread); the linearizability check calls the checker.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "checker/checker.h"
#include "harness/verdict/check_outcome.h"
#include "harness/scenario/scenario.h"

namespace harness {

// Each client's appends, as read by the verifier processes' gets: every acknowledged append once,
// an unknown one at most once, each client's in the order it issued them, and nothing that no
// client appended. Appends are recognised by the "x <client> <n> y" pattern. A key whose value a put
// may have replaced while appends were in flight is skipped for that read (reported in details).
CheckOutcome check_appends(const checker::History& history, const std::set<int64_t>& verifiers);

// At least `min` operations of the workload processes completed (ok).
CheckOutcome check_min_ops(const checker::History& history, const std::set<int64_t>& processes,
                           int64_t min);

// The mean latency of completed `f` operations ("any": all) of `processes` is at most `max`.
CheckOutcome check_mean_latency(const checker::History& history, const std::set<int64_t>& processes,
                                const std::string& f, Micros max);

// One sample of a node's durable state, taken after an iteration and at the end.
struct NodeSample {
  int node = 0;
  std::string when;
  bool ok = false;  // false: the node did not answer (the sample is not used)
  uint64_t log_bytes = 0;
  uint64_t snapshot_index = 0;
  uint64_t snapshot_bytes = 0;
};
CheckOutcome check_raft_state(const std::vector<NodeSample>& samples, uint64_t max_bytes);
CheckOutcome check_snapshot_size(const std::vector<NodeSample>& samples, uint64_t max_bytes);
CheckOutcome check_no_snapshot(const std::vector<NodeSample>& samples);

CheckOutcome check_deadline(double seconds, Micros deadline);

// Parsed "x <client> <n> y" tokens of a value, in order.
struct AppendToken {
  int64_t client = 0;
  int64_t n = 0;
  bool operator<(const AppendToken& o) const { return client != o.client ? client < o.client : n < o.n; }
  bool operator==(const AppendToken&) const = default;
};
std::vector<AppendToken> parse_append_tokens(const std::string& value);

}  // namespace harness
