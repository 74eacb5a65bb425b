// The key/value model: get/put/append on string values, one partition per key. An absent key
// reads as "" (a get may record null for it).
#include <unordered_map>

#include "checker/model.h"
#include "checker/models.h"

namespace checker {
namespace {

// KvPartition: states are ids of interned strings, so comparing and hashing a state is one
// integer operation; appends are memoized per (state, argument).
class KvPartition final : public PartitionModel {
 public:
  explicit KvPartition(std::span<const Operation* const> ops) {
    ops_.reserve(ops.size());
    for (const Operation* op : ops) {
      CompactOp c;
      if (op->f == "get") {
        c.kind = Kind::kGet;
        c.arg = op->status == OpStatus::kOk ? intern(as_string(op->output)) : kUnchecked;
      } else {
        c.kind = op->f == "put" ? Kind::kPut : Kind::kAppend;
        c.arg = intern(as_string(op->input));
      }
      ops_.push_back(c);
    }
    empty_ = intern("");
  }

  State init() override { return empty_; }

  bool step(State state, uint32_t op, State* next) override {
    const CompactOp& c = ops_[op];
    switch (c.kind) {
      case Kind::kGet:
        *next = state;
        return c.arg == kUnchecked || c.arg == state;
      case Kind::kPut:
        *next = c.arg;
        return true;
      case Kind::kAppend:
        *next = append(static_cast<uint32_t>(state), c.arg);
        return true;
    }
    return false;
  }

  std::string describe(State state) const override {
    return nlohmann::json(strings_[state]).dump();
  }

 private:
  enum class Kind : uint8_t { kGet, kPut, kAppend };
  static constexpr uint32_t kUnchecked = UINT32_MAX;
  struct CompactOp {
    Kind kind;
    uint32_t arg;  // put/append: argument id; get: expected output id or kUnchecked
  };

  static std::string as_string(const nlohmann::json& v) {
    if (v.is_null()) return "";
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
  }

  uint32_t intern(const std::string& s) {
    auto [it, inserted] = ids_.try_emplace(s, static_cast<uint32_t>(strings_.size()));
    if (inserted) strings_.push_back(s);
    return it->second;
  }

  uint32_t append(uint32_t state, uint32_t arg) {
    uint64_t key = (uint64_t{state} << 32) | arg;
    auto it = appends_.find(key);
    if (it != appends_.end()) return it->second;
    uint32_t id = intern(strings_[state] + strings_[arg]);
    appends_.emplace(key, id);
    return id;
  }

  std::vector<CompactOp> ops_;
  std::vector<std::string> strings_;
  std::unordered_map<std::string, uint32_t> ids_;
  std::unordered_map<uint64_t, uint32_t> appends_;
  uint32_t empty_ = 0;
};

class KvModel final : public Model {
 public:
  std::string_view name() const override { return "kv"; }

  common::Status validate(const History& h, const Operation& op) const override {
    if (op.f == "get") {
      if (op.status == OpStatus::kOk && !op.output.is_string() && !op.output.is_null())
        return op_error(h, op, "field 'value': a get must return a string or null, got " +
                                   value_text(op.output));
      return common::Status::ok();
    }
    if (op.f == "put" || op.f == "append") {
      if (!op.input.is_string())
        return op_error(h, op, "field 'value': " + op.f + " needs a string argument, got " +
                                   value_text(op.input));
      return common::Status::ok();
    }
    return op_error(h, op, "field 'f': unknown operation '" + op.f +
                               "' for model kv (expected get, put or append)");
  }

  bool is_read_only(const Operation& op) const override { return op.f == "get"; }

  std::unique_ptr<PartitionModel> prepare(std::span<const Operation* const> ops) const override {
    return std::make_unique<KvPartition>(ops);
  }
};

}  // namespace

std::unique_ptr<Model> make_kv_model() { return std::make_unique<KvModel>(); }

}  // namespace checker
