// The key/value model: get/put/append on string values, one partition per key. An absent key
// reads as "" (a get may record null for it).
#include <string_view>

#include "checker/flat_map.h"
#include "checker/model.h"
#include "checker/models.h"

namespace checker {
namespace {

// Polynomial string hash modulo the Mersenne prime 2^61-1: hash(s + t) follows from hash(s),
// hash(t) and len(t) in O(1), so appending never touches the characters.
constexpr uint64_t kMod = (uint64_t{1} << 61) - 1;
constexpr uint64_t kBase = 1000003;

uint64_t mul_mod(uint64_t a, uint64_t b) {
  const __uint128_t p = static_cast<__uint128_t>(a) * b;
  uint64_t r = static_cast<uint64_t>(p & kMod) + static_cast<uint64_t>(p >> 61);
  return r >= kMod ? r - kMod : r;
}

uint64_t add_mod(uint64_t a, uint64_t b) {
  const uint64_t r = a + b;
  return r >= kMod ? r - kMod : r;
}

uint64_t pow_mod(uint64_t b, uint64_t e) {
  uint64_t r = 1;
  for (; e != 0; e >>= 1) {
    if (e & 1) r = mul_mod(r, b);
    b = mul_mod(b, b);
  }
  return r;
}

// The same hash as folding h = h * kBase + (ch + 1) over the characters, four at a time: the four
// products of a chunk do not depend on each other, so they overlap in the pipeline.
uint64_t hash_text(std::string_view s) {
  static const uint64_t b2 = mul_mod(kBase, kBase), b3 = mul_mod(b2, kBase), b4 = mul_mod(b3, kBase);
  uint64_t h = 0;
  size_t i = 0;
  const auto c = [&](size_t k) { return static_cast<uint64_t>(static_cast<unsigned char>(s[k])) + 1; };
  for (; i + 4 <= s.size(); i += 4) {
    const uint64_t chunk = add_mod(add_mod(mul_mod(c(i), b3), mul_mod(c(i + 1), b2)),
                                   add_mod(mul_mod(c(i + 2), kBase), c(i + 3)));
    h = add_mod(mul_mod(h, b4), chunk);
  }
  for (; i < s.size(); ++i) h = add_mod(mul_mod(h, kBase), c(i));
  return h;
}

// KvPartition: a state is the id of an interned string value, so comparing two states is one
// integer comparison. Values built by appends are stored as (previous value, appended literal)
// chains with their hash; equal strings always get the same id (a hash match is confirmed by
// comparing the characters), and each (value, literal) append is computed once.
class KvPartition final : public PartitionModel {
 public:
  explicit KvPartition(std::span<const Operation* const> ops) {
    empty_ = literal("");
    ops_.reserve(ops.size());
    prepare_get_prefixes(ops);
    for (const Operation* op : ops) {
      CompactOp c;
      if (op->f == "get") {
        c.kind = Kind::kGet;
        c.arg = kUnchecked;
        if (op->status == OpStatus::kOk) {
          c.arg = literal(as_string(op->output));
          gets_[get_index_[ops_.size()]].output = c.arg;
        }
      } else {
        c.kind = op->f == "put" ? Kind::kPut : Kind::kAppend;
        c.arg = literal(as_string(op->input));
      }
      ops_.push_back(c);
    }
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
      case Kind::kAppend: {
        // The search retries an op in the state it last saw it in (after backtracking); a
        // one-entry memo per op answers that without touching the shared table.
        CompactOp& m = ops_[op];
        if (m.last_state != state) {
          m.last_state = static_cast<uint32_t>(state);
          m.last_result = append(static_cast<uint32_t>(state), c.arg);
        }
        *next = m.last_result;
        return true;
      }
    }
    return false;
  }

  bool is_read_only(uint32_t op) const override { return ops_[op].kind == Kind::kGet; }

  // Appends only extend a value, so an unplaced ok get must read something that starts with the
  // current value, unless a put could come first. Checks the candidate gets; a hash mismatch
  // proves the prefix differs (equal strings always hash equal).
  // The candidates are checked first, so an explanation names the get that cannot follow; then a
  // few later gets, which prunes appends-only stretches whose only read comes at the end (5
  // clients appending to one key, then one final get: without it every order is explored).
  bool dead_end(State state, const uint64_t* linearized, uint32_t first, uint32_t last) override {
    if (gets_.empty()) return false;
    return gets_contradict(state, linearized, first, last) ||
           gets_contradict(state, linearized, last + 1, static_cast<uint32_t>(ops_.size() - 1));
  }

  // True if one of the first kGetsChecked unplaced ok gets in [first, last] that no put can
  // precede reads a value that does not start with `state`'s value.
  bool gets_contradict(State state, const uint64_t* linearized, uint32_t first,
                       uint32_t last) {
    if (first > last || first >= ops_.size()) return false;
    const Value& v = values_[state];
    int checked = 0;
    for (size_t w = first >> 6; w <= last >> 6 && checked < kGetsChecked; ++w) {
      uint64_t pending = get_mask_[w] & ~linearized[w];
      if (w == (first >> 6)) pending &= ~uint64_t{0} << (first & 63);
      while (pending != 0 && checked < kGetsChecked) {
        const uint32_t op = static_cast<uint32_t>(w * 64 + __builtin_ctzll(pending));
        if (op > last) break;
        pending &= pending - 1;
        GetCheck& g = gets_[get_index_[op]];
        bool put_may_precede = false;
        for (uint32_t p : g.puts_before) put_may_precede |= !(linearized[p >> 6] >> (p & 63) & 1);
        if (put_may_precede) continue;
        ++checked;
        if (g.prefix_hash.empty()) hash_prefixes(g);
        if (v.len > values_[g.output].len || prefix_hash(g, v.len) != v.hash) return true;
      }
    }
    return false;
  }

  size_t memory_bytes() const override {
    // Node-based maps: roughly 48 bytes per element with the bucket array.
    return ops_.capacity() * sizeof(CompactOp) + values_.capacity() * sizeof(Value) +
           same_hash_next_.capacity() * sizeof(uint32_t) + by_hash_.bytes() + appends_.bytes() +
           text_bytes_;
  }

  std::string describe(State state) const override {
    return nlohmann::json(materialize(static_cast<uint32_t>(state))).dump();
  }

 private:
  enum class Kind : uint8_t { kGet, kPut, kAppend };
  static constexpr uint32_t kUnchecked = UINT32_MAX;
  static constexpr uint32_t kNone = UINT32_MAX;
  struct CompactOp {
    Kind kind;
    uint32_t arg;  // put/append: value id of the argument; get: expected value id or kUnchecked
    uint32_t last_state = kNone;   // append: the last state it was applied to ...
    uint32_t last_result = kNone;  // ... and the value that gave
  };
  // Value: either a literal (parent == kNone, piece holds the text) or parent + literal piece.
  struct Value {
    uint64_t hash;
    uint64_t len;
    uint64_t pow;     // kBase^len mod kMod (literals only; appends use their piece's)
    uint32_t parent;  // value id, or kNone
    uint32_t piece;   // literal: index into texts_; append: value id of the appended literal
  };

  static constexpr int kGetsChecked = 4;
  // GetCheck: an ok get's output as prefix hashes, and the puts that might be placed before it.
  struct GetCheck {
    uint32_t output = kNone;            // value id of what the get returned
    std::vector<uint64_t> prefix_hash;  // [k] = hash of the first 4k characters (built lazily)
    std::vector<uint32_t> puts_before;  // puts (any outcome) called before the get returned
  };

  // Hashes of every fourth prefix of the get's output: one serial multiply per four characters.
  void hash_prefixes(GetCheck& g) const {
    const std::string& out = texts_[values_[g.output].piece];  // outputs are literals
    g.prefix_hash.reserve(out.size() / 4 + 1);
    g.prefix_hash.push_back(0);
    for (size_t i = 0; i + 4 <= out.size(); i += 4)
      g.prefix_hash.push_back(add_mod(mul_mod(g.prefix_hash.back(), b4_), hash_text({&out[i], 4})));
  }

  // Hash of the first `len` characters of the get's output (len <= its length).
  uint64_t prefix_hash(const GetCheck& g, uint64_t len) const {
    const std::string& out = texts_[values_[g.output].piece];
    uint64_t h = g.prefix_hash[len / 4];
    for (uint64_t i = len / 4 * 4; i < len; ++i)
      h = add_mod(mul_mod(h, kBase), static_cast<unsigned char>(out[i]) + 1);
    return h;
  }

  const uint64_t b4_ = pow_mod(kBase, 4);

  void prepare_get_prefixes(std::span<const Operation* const> ops) {
    get_mask_.assign((ops.size() + 63) / 64, 0);
    get_index_.assign(ops.size(), UINT32_MAX);
    std::vector<uint32_t> puts;
    for (uint32_t j = 0; j < ops.size(); ++j)
      if (ops[j]->f == "put") puts.push_back(j);
    for (uint32_t i = 0; i < ops.size(); ++i) {
      const Operation* op = ops[i];
      if (op->f != "get" || op->status != OpStatus::kOk) continue;
      GetCheck g;
      for (uint32_t j : puts) {
        if (ops[j]->call_time <= op->return_time) g.puts_before.push_back(j);
      }
      get_mask_[i >> 6] |= uint64_t{1} << (i & 63);
      get_index_[i] = static_cast<uint32_t>(gets_.size());
      gets_.push_back(std::move(g));
    }
  }

  static std::string as_string(const nlohmann::json& v) {
    if (v.is_null()) return "";
    if (v.is_string()) return v.get<std::string>();
    return v.dump();
  }

  static uint64_t key_of(uint64_t hash, uint64_t len) { return hash ^ (len * 0x9e3779b97f4a7c15ULL); }

  std::string materialize(uint32_t id) const {
    std::vector<uint32_t> pieces;
    while (values_[id].parent != kNone) {
      pieces.push_back(values_[id].piece);
      id = values_[id].parent;
    }
    std::string s = texts_[values_[id].piece];
    for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) s += texts_[values_[*it].piece];
    return s;
  }

  // The id of an existing value equal to `text` with this hash/len, or kNone.
  uint32_t find_equal(uint64_t hash, uint64_t len, const std::string* text, uint32_t candidate) {
    for (uint32_t id = by_hash_.find(key_of(hash, len)); id != FlatMap64::kAbsent;
         id = same_hash_next_[id]) {
      const Value& v = values_[id];
      if (v.hash != hash || v.len != len) continue;
      if (text != nullptr) {
        if (v.parent == kNone ? texts_[v.piece] == *text : materialize(id) == *text) return id;
      } else if (materialize(id) == materialize(candidate)) {
        return id;
      }
    }
    return kNone;
  }

  uint32_t literal(const std::string& s) {
    return literal(s, hash_text(s), pow_mod(kBase, s.size()));
  }

  uint32_t literal(const std::string& s, uint64_t h, uint64_t pow) {
    if (uint32_t id = find_equal(h, s.size(), &s, kNone); id != kNone) return id;
    const uint32_t id = static_cast<uint32_t>(values_.size());
    values_.push_back({h, s.size(), pow, kNone, static_cast<uint32_t>(texts_.size())});
    texts_.push_back(s);
    text_bytes_ += s.capacity() + sizeof(std::string);
    index(id);
    return id;
  }

  // Adds value `id` to the hash index (values with equal hash keys are chained).
  void index(uint32_t id) {
    const uint64_t key = key_of(values_[id].hash, values_[id].len);
    same_hash_next_.resize(values_.size(), FlatMap64::kAbsent);
    same_hash_next_[id] = by_hash_.find(key);
    by_hash_.put(key, id);
  }

  uint32_t append(uint32_t state, uint32_t lit) {
    const uint64_t key = (uint64_t{state} << 32) | lit;
    if (uint32_t known = appends_.find(key); known != FlatMap64::kAbsent) return known;
    const Value& a = values_[state];
    const Value& b = values_[lit];
    const uint64_t h = add_mod(mul_mod(a.hash, b.pow), b.hash);
    const uint64_t len = a.len + b.len;
    uint32_t id;
    if (b.len == 0) {
      id = state;
    } else {
      id = static_cast<uint32_t>(values_.size());
      values_.push_back({h, len, 0, state, lit});
      if (uint32_t same = find_equal(h, len, nullptr, id); same != kNone) {
        values_.pop_back();
        id = same;
      } else {
        index(id);
      }
    }
    appends_.put(key, id);
    return id;
  }

  std::vector<CompactOp> ops_;
  std::vector<Value> values_;
  std::vector<std::string> texts_;
  FlatMap64 by_hash_;                     // hash key -> latest value id with it
  std::vector<uint32_t> same_hash_next_;  // value id -> previous value id with the same key
  FlatMap64 appends_;                     // (value id << 32 | literal id) -> value id
  uint32_t empty_ = 0;
  size_t text_bytes_ = 0;
  std::vector<GetCheck> gets_;
  std::vector<uint64_t> get_mask_;   // bitset of ok gets
  std::vector<uint32_t> get_index_;  // op -> index in gets_
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
