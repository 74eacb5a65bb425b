#pragma once
// Model: the sequential specification an operation history is checked against. Adding a model
// (a set, a queue) means one new file with a Model subclass plus one line in model.cc's table.
//
// The search works on compact states: a State is a 64-bit handle whose meaning belongs to the
// PartitionModel (a register stores its value; the kv model stores an interned-string id).
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checker/history.h"
#include "common/status.h"

namespace checker {

using State = uint64_t;

// PartitionModel: the model prepared for one partition's operations (indexed 0..n-1 in the order
// given to Model::prepare). Owned and used by the one thread that searches that partition.
class PartitionModel {
 public:
  virtual ~PartitionModel() = default;
  virtual State init() = 0;
  // Applies operation `op` to `state`. Returns false when the recorded output contradicts the
  // state (e.g. a read returned another value); unknown operations are never contradicted.
  virtual bool step(State state, uint32_t op, State* next) = 0;
  // True when `op` never changes the state (a read). The search then linearizes it as soon as it
  // is a candidate and the state accepts it, without trying other orders: if any linearization
  // exists from there, one exists that places the read first.
  virtual bool is_read_only(uint32_t op) const = 0;
  // Optional shortcut: true only when no linearization can complete from this configuration.
  // `linearized` is the bitset of placed ops; the ops that could be placed next by real time all
  // have indices in [first_candidate, last_candidate]. Returning false is always correct; true
  // must be certain. Looking only at candidates keeps explanations pointing at the culprit.
  virtual bool dead_end(State /*state*/, const uint64_t* /*linearized*/,
                        uint32_t /*first_candidate*/, uint32_t /*last_candidate*/) {
    return false;
  }
  // Optional, for explanations: true only when `op` (ok, not placed in `linearized`) can never
  // be placed after `state` whatever comes between (a kv get whose output does not extend the
  // current value, nor any put's that could come first). Every op before `first_unplaced` is
  // placed. Returning false is always correct.
  virtual bool never_after(State /*state*/, const uint64_t* /*linearized*/,
                           uint32_t /*first_unplaced*/, uint32_t /*op*/) {
    return false;
  }
  // Bytes of memory held (interned values, memo tables), for the memory limit.
  virtual size_t memory_bytes() const = 0;
  // Human-readable state, for explanations.
  virtual std::string describe(State state) const = 0;
};

// Presolved: what a partition's operations prove about some of them before any search
// (Model::presolve; each rule is proved in docs/history-format.md, "Unknown outcomes"). Indices
// are those of the ops given; empty vectors mean nothing was found.
struct Presolved {
  std::vector<uint8_t> drop;         // per op: an unknown op that can be left out
  std::vector<int64_t> happened_by;  // per op: an unknown op that certainly took effect before
                                     // this time (kNeverReturned: not known)
  uint32_t impossible = UINT32_MAX;  // an ok op that no state of any linearization satisfies
};

// Model: stateless description of a data type. Shared read-only by all threads. For an
// unknown-outcome op, step() must depend only on its f and input (its output is never checked):
// the search treats unknown ops with equal f and input as interchangeable.
class Model {
 public:
  virtual ~Model() = default;
  virtual std::string_view name() const = 0;
  // Checks that the model knows the operation and its values have the right shape. The error
  // names the history line.
  virtual common::Status validate(const History& h, const Operation& op) const = 0;
  // Operations with different partition keys never constrain each other (P-compositionality).
  // The view must stay valid as long as `op` does.
  virtual std::string_view partition_key(const Operation& op) const { return op.key; }
  // True when an unknown-outcome op has no effect on the state (a read): it can be dropped.
  virtual bool is_read_only(const Operation& op) const = 0;
  // Optional: the rules above applied to one partition's ops (ok and unknown ones, in call
  // order). Returning {} is always correct.
  virtual Presolved presolve(std::span<const Operation* const> /*ops*/) const { return {}; }
  // Prepares the model for one partition. `ops` stay valid while the PartitionModel lives.
  virtual std::unique_ptr<PartitionModel> prepare(std::span<const Operation* const> ops) const = 0;
};

// The registered models; nullptr when no model has that name.
const Model* find_model(std::string_view name);
std::vector<std::string> model_names();

// Helper for validate(): "file:line: message".
common::Status op_error(const History& h, const Operation& op, const std::string& what);
// Shortened JSON text of a value, for messages.
std::string value_text(const nlohmann::json& v);

}  // namespace checker
