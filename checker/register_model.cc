// The register model: read/write/cas on integers, one partition per key (the Jepsen logs have a
// single register). A register starts as nil; a read may return null for it.
#include <limits>

#include "checker/model.h"
#include "checker/models.h"

namespace checker {
namespace {

constexpr int64_t kNil = std::numeric_limits<int64_t>::min();

// RegisterPartition: the state is the register's value itself.
class RegisterPartition final : public PartitionModel {
 public:
  explicit RegisterPartition(std::span<const Operation* const> ops) {
    ops_.reserve(ops.size());
    for (const Operation* op : ops) {
      CompactOp c;
      if (op->f == "read") {
        c.kind = Kind::kRead;
        c.checked = op->status == OpStatus::kOk;
        if (c.checked) c.a = as_int(op->output);
      } else if (op->f == "write") {
        c.kind = Kind::kWrite;
        c.a = as_int(op->input);
      } else {
        c.kind = Kind::kCas;
        c.checked_cas = op->status == OpStatus::kOk;
        c.a = as_int(op->input[0]);
        c.b = as_int(op->input[1]);
      }
      ops_.push_back(c);
    }
  }

  State init() override { return static_cast<State>(kNil); }

  bool step(State state, uint32_t op, State* next) override {
    const CompactOp& c = ops_[op];
    int64_t v = static_cast<int64_t>(state);
    switch (c.kind) {
      case Kind::kRead:
        *next = state;
        return !c.checked || c.a == v;
      case Kind::kWrite:
        *next = static_cast<State>(c.a);
        return true;
      case Kind::kCas:
        // An ok cas succeeded, so it must find `a`; an unknown one takes effect only if it would.
        *next = c.a == v ? static_cast<State>(c.b) : state;
        return c.a == v || !c.checked_cas;
    }
    return false;
  }

  bool is_read_only(uint32_t op) const override { return ops_[op].kind == Kind::kRead; }
  size_t memory_bytes() const override { return ops_.capacity() * sizeof(CompactOp); }

  std::string describe(State state) const override {
    int64_t v = static_cast<int64_t>(state);
    return v == kNil ? "nil" : std::to_string(v);
  }

 private:
  enum class Kind : uint8_t { kRead, kWrite, kCas };
  struct CompactOp {
    Kind kind = Kind::kRead;
    bool checked = false;      // read: output recorded
    bool checked_cas = true;   // cas: false when the outcome is unknown
    int64_t a = 0, b = 0;
  };
  static int64_t as_int(const nlohmann::json& v) { return v.is_null() ? kNil : v.get<int64_t>(); }

  std::vector<CompactOp> ops_;
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

  std::unique_ptr<PartitionModel> prepare(std::span<const Operation* const> ops) const override {
    return std::make_unique<RegisterPartition>(ops);
  }
};

}  // namespace

std::unique_ptr<Model> make_register_model() { return std::make_unique<RegisterModel>(); }

}  // namespace checker
