// The register model: read/write/cas on integers, one partition per key (the Jepsen logs have a
// single register). A register starts as nil; a read may return null for it.
#include <algorithm>
#include <unordered_map>

#include "checker/model.h"
#include "checker/models.h"

namespace checker {
namespace {

// RegisterPartition: a state is an id: 0 for nil, k for the k-th distinct integer the partition's
// operations mention. (Not the integer itself: every int64_t is a value a history may write, so no
// integer can stand for nil.)
class RegisterPartition final : public PartitionModel {
 public:
  explicit RegisterPartition(std::span<const Operation* const> ops) {
    ops_.reserve(ops.size());
    for (const Operation* op : ops) {
      CompactOp c;
      if (op->f == "read") {
        c.kind = Kind::kRead;
        c.checked = op->status == OpStatus::kOk;
        if (c.checked) c.a = id_of(op->output);
      } else if (op->f == "write") {
        c.kind = Kind::kWrite;
        c.a = id_of(op->input);
      } else {
        c.kind = Kind::kCas;
        c.checked_cas = op->status == OpStatus::kOk;
        c.a = id_of(op->input[0]);
        c.b = id_of(op->input[1]);
      }
      ops_.push_back(c);
    }
  }

  State init() override { return kNilId; }

  bool step(State state, uint32_t op, State* next) override {
    const CompactOp& c = ops_[op];
    switch (c.kind) {
      case Kind::kRead:
        *next = state;
        return !c.checked || c.a == state;
      case Kind::kWrite:
        *next = c.a;
        return true;
      case Kind::kCas:
        // An ok cas succeeded, so it must find `a`; an unknown one takes effect only if it would.
        *next = c.a == state ? c.b : state;
        return c.a == state || !c.checked_cas;
    }
    return false;
  }

  bool is_read_only(uint32_t op) const override { return ops_[op].kind == Kind::kRead; }
  size_t memory_bytes() const override {
    return ops_.capacity() * sizeof(CompactOp) + values_.capacity() * sizeof(int64_t) +
           ids_.size() * (sizeof(int64_t) + sizeof(State) + 2 * sizeof(void*));
  }

  std::string describe(State state) const override {
    return state == kNilId ? "nil" : std::to_string(values_[state - 1]);
  }

 private:
  enum class Kind : uint8_t { kRead, kWrite, kCas };
  static constexpr State kNilId = 0;
  struct CompactOp {
    Kind kind = Kind::kRead;
    bool checked = false;      // read: output recorded
    bool checked_cas = true;   // cas: false when the outcome is unknown
    State a = kNilId, b = kNilId;
  };

  State id_of(const nlohmann::json& v) {
    if (v.is_null()) return kNilId;
    const int64_t x = v.get<int64_t>();
    auto [it, inserted] = ids_.try_emplace(x, values_.size() + 1);
    if (inserted) values_.push_back(x);
    return it->second;
  }

  std::vector<CompactOp> ops_;
  std::vector<int64_t> values_;                // id k > 0 stands for values_[k - 1]
  std::unordered_map<int64_t, State> ids_;     // integer -> id
};

bool is_int_or_null(const nlohmann::json& v) { return v.is_null() || v.is_number_integer(); }

class RegisterModel final : public Model {
 public:
  std::string_view name() const override { return "register"; }

  common::Status validate(const History& h, const Operation& op) const override {
    if (op.f == "read") {
      if (op.status == OpStatus::kOk && !is_int_or_null(op.output))
        return op_error(h, op, "field 'value': a read must return an integer or null, got " +
                                   value_text(op.output));
      return common::Status::ok();
    }
    if (op.f == "write") {
      if (!op.input.is_number_integer())
        return op_error(h, op, "field 'value': write needs an integer, got " + value_text(op.input));
      return common::Status::ok();
    }
    if (op.f == "cas") {
      const auto& v = op.input;
      if (!v.is_array() || v.size() != 2 || !is_int_or_null(v[0]) || !v[1].is_number_integer())
        return op_error(h, op, "field 'value': cas needs [from, to] integers, got " + value_text(v));
      return common::Status::ok();
    }
    const bool kv_op = op.f == "get" || op.f == "put" || op.f == "append";
    return op_error(h, op, "field 'f': unknown operation '" + op.f +
                               "' for model register (expected read, write or cas)" +
                               (kv_op ? "; for a get/put/append history use --model kv" : ""));
  }

  bool is_read_only(const Operation& op) const override { return op.f == "read"; }

  // Over integer values x (docs/history-format.md): an unknown write of x, or an unknown cas to
  // x, can be left out when no ok read returns x and no cas expects x; when it is the only op
  // that writes x, an ok read of x or ok cas from x proves it took effect before that op
  // returned; an ok read of x, or ok cas from x, when no op writes x can never be satisfied.
  Presolved presolve(std::span<const Operation* const> ops) const override {
    struct Value {
      uint32_t writers = 0;
      bool expected = false;                // an ok read returns it, or a cas expects it
      int64_t first_seen = kNeverReturned;  // earliest return of an ok read of it / ok cas from it
    };
    std::unordered_map<int64_t, Value> values;
    bool any_unknown = false;
    auto written = [](const Operation& op) -> const nlohmann::json& {
      return op.f == "write" ? op.input : op.input[1];
    };
    for (const Operation* op : ops) {
      if (op->f == "read") continue;
      any_unknown |= op->status == OpStatus::kUnknown;
      ++values[written(*op).get<int64_t>()].writers;
    }
    Presolved p;
    for (uint32_t i = 0; i < ops.size(); ++i) {
      const Operation& op = *ops[i];
      const nlohmann::json* seen = op.f == "read" ? &op.output : op.f == "cas" ? &op.input[0] : nullptr;
      if (seen == nullptr || seen->is_null() || (op.f == "read" && op.status != OpStatus::kOk))
        continue;
      Value& v = values[seen->get<int64_t>()];
      v.expected = true;
      if (op.status != OpStatus::kOk) continue;
      if (v.writers == 0) p.impossible = std::min(p.impossible, i);
      v.first_seen = std::min(v.first_seen, op.return_time);
    }
    if (!any_unknown) return p;
    p.drop.assign(ops.size(), 0);
    p.happened_by.assign(ops.size(), kNeverReturned);
    for (uint32_t i = 0; i < ops.size(); ++i) {
      const Operation& op = *ops[i];
      if (op.f == "read" || op.status != OpStatus::kUnknown) continue;
      if (op.f == "cas" && op.input[0] == op.input[1]) {  // changes nothing, taking effect or not
        p.drop[i] = 1;
        continue;
      }
      const Value& v = values[written(op).get<int64_t>()];
      if (!v.expected) {
        p.drop[i] = 1;
      } else if (v.writers == 1 && v.first_seen != kNeverReturned) {
        p.happened_by[i] = v.first_seen;
      }
    }
    return p;
  }

  std::unique_ptr<PartitionModel> prepare(std::span<const Operation* const> ops) const override {
    return std::make_unique<RegisterPartition>(ops);
  }
};

}  // namespace

std::unique_ptr<Model> make_register_model() { return std::make_unique<RegisterModel>(); }

}  // namespace checker
