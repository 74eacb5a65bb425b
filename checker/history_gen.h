#pragma once
// Generated kv histories whose verdict is known by construction, for tests and bench/: clients
// issue get/put/append operations one after another on random keys; each operation takes effect
// at a random point inside its interval, and what the gets return is computed in that order, so
// the history is linearizable. Some operations end unknown (no completion: the client's process
// id changes, as in Jepsen) and took effect or not at random; some fail (took no effect). Variants
// break it on purpose: one get returns a value nobody wrote, or a value the key held earlier.
#include <cstdint>
#include <string>

#include "checker/history.h"

namespace checker {

struct GenSpec {
  int64_t ops = 1000;
  int keys = 1;
  int clients = 5;
  double unknown = 0.01;  // share of operations that end unknown
  double fail = 0.01;     // share of operations that fail
  double gets = 0.5;      // share of gets; the rest are writes ...
  double puts = 0.2;      // ... of which this share are puts, the others appends
  // Values: unique and self-delimiting ("x<n>y", docs/history-format.md), or when false every
  // write is the same "Q" (identical pending operations).
  bool unique_values = true;
  enum class Break { kNone, kImpossibleRead, kStaleRead } breaks = Break::kNone;
  uint64_t seed = 1;
};

struct Generated {
  History history;
  // True unless a break was applied (a kStaleRead needs an earlier value to go back to: when the
  // history had none, nothing was changed and this stays true).
  bool linearizable = true;
  size_t broken_op = SIZE_MAX;  // the changed get, if any
};

Generated generate_kv_history(const GenSpec& spec);

// The history as JSON lines (docs/history-format.md), events in time order, with times.
std::string to_json_lines(const History& h);

}  // namespace checker
