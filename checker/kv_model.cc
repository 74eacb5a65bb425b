// The key/value model: get/put/append on string values, one partition per key. An absent key
// reads as "" (a get may record null for it).
#include <forward_list>
#include <string>
#include <string_view>
#include <vector>

#include "checker/flat_map.h"
#include "checker/model.h"
#include "checker/models.h"

namespace checker {
namespace {

// Polynomial string hash modulo the Mersenne prime 2^61-1: hash(s + t) follows from hash(s),
// hash(t) and len(t) in O(1), so appending never touches the characters.
constexpr uint64_t kMod = (uint64_t{1} << 61) - 1;
constexpr uint64_t kBase = 1000003;

constexpr uint64_t mul_mod(uint64_t a, uint64_t b) {
  const __uint128_t p = static_cast<__uint128_t>(a) * b;
  uint64_t r = static_cast<uint64_t>(p & kMod) + static_cast<uint64_t>(p >> 61);
  return r >= kMod ? r - kMod : r;
}

constexpr uint64_t add_mod(uint64_t a, uint64_t b) {
  const uint64_t r = a + b;
  return r >= kMod ? r - kMod : r;
}

constexpr uint64_t pow_mod(uint64_t b, uint64_t e) {
  uint64_t r = 1;
  for (; e != 0; e >>= 1) {
    if (e & 1) r = mul_mod(r, b);
    b = mul_mod(b, b);
  }
  return r;
}

constexpr uint64_t kBase2 = pow_mod(kBase, 2), kBase3 = pow_mod(kBase, 3), kBase4 = pow_mod(kBase, 4);

uint64_t char_code(char ch) { return static_cast<uint64_t>(static_cast<unsigned char>(ch)) + 1; }

// The hash of four characters; its four products do not depend on each other, so they overlap in
// the pipeline.
uint64_t hash_chunk(const char* p) {
  return add_mod(add_mod(mul_mod(char_code(p[0]), kBase3), mul_mod(char_code(p[1]), kBase2)),
                 add_mod(mul_mod(char_code(p[2]), kBase), char_code(p[3])));
}

// The same hash as folding h = h * kBase + (ch + 1) over the characters, four at a time.
uint64_t hash_text(std::string_view s) {
  uint64_t h = 0;
  size_t i = 0;
  for (; i + 4 <= s.size(); i += 4) h = add_mod(mul_mod(h, kBase4), hash_chunk(&s[i]));
  for (; i < s.size(); ++i) h = add_mod(mul_mod(h, kBase), char_code(s[i]));
  return h;
}

// KvPartition: a state is the id of an interned string value, so comparing two states is one
// integer comparison. Values built by appends are stored as (previous value, appended literal)
// chains with their hash; equal strings always get the same id (a hash match is confirmed by
// comparing the characters), and each (value, literal) append is computed once. Literal texts
// are views of the operations' own strings, which outlive the partition (Model::prepare).
class KvPartition final : public PartitionModel {
 public:
  explicit KvPartition(std::span<const Operation* const> ops) {
    // Every op adds at most one literal, and the search typically one append value per op.
    values_.reserve(2 * ops.size() + 1);
    same_hash_next_.reserve(2 * ops.size() + 1);
    texts_.reserve(ops.size() + 1);
    gets_.reserve(ops.size());
    empty_ = literal("");
    ops_.resize(ops.size());
    for (uint32_t i = 0; i < ops.size(); ++i) ops_[i].kind = kind_of(*ops[i]);
    prepare_gets(ops);
    for (uint32_t i = 0; i < ops.size(); ++i) {
      CompactOp& c = ops_[i];
      if (c.kind != Kind::kGet) {
        c.arg = literal(text_of(ops[i]->input));
      } else if (ops[i]->status == OpStatus::kOk) {
        c.arg = gets_[get_index_[i]].output;
      }
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
  // Each call costs about the number of operations concurrent with the candidates, not the
  // history's length: puts are found through a bitset, and a get called after the first unplaced
  // put may always follow that put, so the look-ahead stops there.
  bool dead_end(State state, const uint64_t* linearized, uint32_t first, uint32_t last) override {
    if (gets_.empty()) return false;
    const NextPut put = first_unplaced_put(linearized, first);
    if (gets_contradict(state, linearized, first, last, put.call)) return true;
    const uint32_t end = std::min(put.op, static_cast<uint32_t>(ops_.size() - 1));
    return last + 1 < ops_.size() &&
           gets_contradict(state, linearized, next_get_[last + 1], end, put.call);
  }

  bool never_after(State state, const uint64_t* linearized, uint32_t op) override {
    return get_index_[op] != kNone &&
           fit(state, op, first_unplaced_put(linearized, 0).call) == Fit::kContradicts;
  }

  size_t memory_bytes() const override {
    return ops_.capacity() * sizeof(CompactOp) + values_.capacity() * sizeof(Value) +
           same_hash_next_.capacity() * sizeof(uint32_t) + by_hash_.bytes() + appends_.bytes() +
           texts_.capacity() * sizeof(std::string_view) + owned_bytes_ +
           prefix_hashes_.capacity() * sizeof(uint64_t) + gets_.capacity() * sizeof(GetCheck) +
           (put_mask_.capacity() + get_mask_.capacity() + call_time_.capacity()) * sizeof(uint64_t) +
           (get_index_.capacity() + next_get_.capacity()) * sizeof(uint32_t);
  }

  std::string describe(State state) const override {
    return nlohmann::json(materialize(static_cast<uint32_t>(state))).dump();
  }

 private:
  enum class Kind : uint8_t { kGet, kPut, kAppend };
  static constexpr uint32_t kUnchecked = UINT32_MAX;
  static constexpr uint32_t kNone = UINT32_MAX;
  static constexpr int kGetsChecked = 4;
  struct CompactOp {
    Kind kind = Kind::kGet;
    uint32_t arg = kUnchecked;  // put/append: value id of the argument; get: expected value id or kUnchecked
    uint32_t last_state = kNone;   // append: the last state it was applied to ...
    uint32_t last_result = kNone;  // ... and the value that gave
  };
  // Value: either a literal (parent == kNone, piece indexes texts_) or parent + appended literal.
  struct Value {
    uint64_t hash;
    uint64_t len;
    uint64_t pow;     // kBase^len mod kMod (literals only; appends use their piece's)
    uint32_t parent;  // value id, or kNone
    uint32_t piece;   // literal: index into texts_; append: value id of the appended literal
  };
  // GetCheck: an ok get's output, the hashes of its prefixes (a range of prefix_hashes_) and when
  // it returned (a put called by then may come before it).
  struct GetCheck {
    uint32_t output = kNone;  // value id of what the get returned (a literal)
    uint32_t prefixes = 0;    // prefix_hashes_[prefixes + k]: hash of the first 4k characters
    int64_t return_time = 0;
    uint32_t last_state = kNone;  // the last state checked against it ...
    bool last_contradicts = false;  // ... and the answer
  };

  static Kind kind_of(const Operation& op) {
    if (op.f == "get") return Kind::kGet;
    return op.f == "put" ? Kind::kPut : Kind::kAppend;
  }

  // How an unplaced ok get's output relates to a state: a put may still come before it (no
  // constraint), or its output starts with the state's value, or it cannot follow the state.
  enum class Fit : uint8_t { kPutMayPrecede, kExtends, kContradicts };

  // The unplaced put called first (its index and call time), or {kNone, INT64_MAX}.
  struct NextPut {
    uint32_t op = kNone;
    int64_t call = INT64_MAX;
  };

  // Scans the puts from index `from` on (every op before `from` must be placed). With ops in call
  // order the first unplaced put is the one; otherwise every unplaced put is compared.
  NextPut first_unplaced_put(const uint64_t* linearized, uint32_t from) const {
    NextPut best;
    if (last_put_ == kNone || from > last_put_) return best;
    for (size_t w = from >> 6; w <= last_put_ >> 6; ++w) {
      uint64_t pending = put_mask_[w] & ~linearized[w];
      if (w == (from >> 6)) pending &= ~uint64_t{0} << (from & 63);
      for (; pending != 0; pending &= pending - 1) {
        const uint32_t op = static_cast<uint32_t>(w * 64 + __builtin_ctzll(pending));
        if (call_time_[op] < best.call) best = {op, call_time_[op]};
        if (calls_sorted_) return best;
      }
    }
    return best;
  }

  // `put_call`: when the first unplaced put was called (INT64_MAX if none is left).
  Fit fit(State state, uint32_t op, int64_t put_call) {
    GetCheck& g = gets_[get_index_[op]];
    if (put_call <= g.return_time) return Fit::kPutMayPrecede;
    // The search meets the same state again after backtracking: remember the last answer.
    if (g.last_state != state) {
      const Value& v = values_[state];
      g.last_state = static_cast<uint32_t>(state);
      g.last_contradicts = v.len > values_[g.output].len || prefix_hash(g, v.len) != v.hash;
    }
    return g.last_contradicts ? Fit::kContradicts : Fit::kExtends;
  }

  // True if one of the first kGetsChecked unplaced ok gets in [first, last] that no put can
  // precede reads a value that does not start with `state`'s value.
  bool gets_contradict(State state, const uint64_t* linearized, uint32_t first, uint32_t last,
                       int64_t put_call) {
    if (first > last || first >= ops_.size()) return false;
    int checked = 0;
    for (size_t w = first >> 6; w <= last >> 6 && checked < kGetsChecked; ++w) {
      uint64_t pending = get_mask_[w] & ~linearized[w];
      if (w == (first >> 6)) pending &= ~uint64_t{0} << (first & 63);
      while (pending != 0 && checked < kGetsChecked) {
        const uint32_t op = static_cast<uint32_t>(w * 64 + __builtin_ctzll(pending));
        if (op > last) break;
        pending &= pending - 1;
        const Fit f = fit(state, op, put_call);
        if (f == Fit::kPutMayPrecede) continue;
        ++checked;
        if (f == Fit::kContradicts) return true;
      }
    }
    return false;
  }

  // Hash of the first `len` characters of the get's output (len <= its length).
  uint64_t prefix_hash(const GetCheck& g, uint64_t len) const {
    return prefix_hash(g.prefixes, texts_[values_[g.output].piece], len);
  }

  // Hash of the first `len` characters of `text`, whose every fourth prefix hash is in
  // prefix_hashes_ from `start` on.
  uint64_t prefix_hash(uint32_t start, std::string_view text, uint64_t len) const {
    uint64_t h = prefix_hashes_[start + len / 4];
    for (uint64_t i = len / 4 * 4; i < len; ++i) h = add_mod(mul_mod(h, kBase), char_code(text[i]));
    return h;
  }

  // Interns every ok get's output and indexes the gets and puts for dead_end(). The prefix hashes of
  // outputs that are prefixes of one another (reads of a growing value) share one run in
  // prefix_hashes_, so each character is hashed once per run, not once per get.
  void prepare_gets(std::span<const Operation* const> ops) {
    get_mask_.assign((ops.size() + 63) / 64, 0);
    put_mask_.assign((ops.size() + 63) / 64, 0);
    get_index_.assign(ops.size(), kNone);
    call_time_.resize(ops.size());
    for (uint32_t j = 0; j < ops.size(); ++j) {
      call_time_[j] = ops[j]->call_time;
      calls_sorted_ &= j == 0 || ops[j - 1]->call_time <= ops[j]->call_time;
      if (ops_[j].kind != Kind::kPut) continue;
      put_mask_[j >> 6] |= uint64_t{1} << (j & 63);
      last_put_ = j;
    }
    std::string_view run;  // the longest output hashed into the current run
    uint32_t run_start = 0;
    for (uint32_t i = 0; i < ops.size(); ++i) {
      const Operation* op = ops[i];
      if (ops_[i].kind != Kind::kGet || op->status != OpStatus::kOk) continue;
      GetCheck g;
      const std::string_view out = text_of(op->output);
      const size_t common = std::min(run.size(), out.size());
      if (prefix_hashes_.empty() || run.compare(0, common, out, 0, common) != 0) {  // a new run
        run = {};
        run_start = static_cast<uint32_t>(prefix_hashes_.size());
        prefix_hashes_.push_back(0);
      }
      if (out.size() > run.size()) {  // extend the run: hash the characters after it
        uint64_t h = prefix_hashes_.back();
        for (size_t k = run.size() / 4 * 4; k + 4 <= out.size(); k += 4) {
          h = add_mod(mul_mod(h, kBase4), hash_chunk(&out[k]));
          prefix_hashes_.push_back(h);
        }
        run = out;
      }
      g.prefixes = run_start;
      g.output = literal(out, prefix_hash(run_start, out, out.size()));
      g.return_time = op->return_time;
      get_mask_[i >> 6] |= uint64_t{1} << (i & 63);
      get_index_[i] = static_cast<uint32_t>(gets_.size());
      gets_.push_back(g);
    }
    // next_get_[i]: the first ok get at index i or later (ops.size() if none).
    next_get_.assign(ops.size() + 1, static_cast<uint32_t>(ops.size()));
    for (size_t i = ops.size(); i-- > 0;)
      next_get_[i] = get_index_[i] != kNone ? static_cast<uint32_t>(i) : next_get_[i + 1];
  }

  // A value as text: a view of the operation's string (null reads as ""); any other JSON value
  // stands for its JSON text, kept here.
  std::string_view text_of(const nlohmann::json& v) {
    if (v.is_null()) return {};
    if (v.is_string()) return v.get_ref<const std::string&>();
    const std::string& s = owned_.emplace_front(v.dump());
    owned_bytes_ += s.capacity() + sizeof(std::string);
    return s;
  }

  static uint64_t key_of(uint64_t hash, uint64_t len) { return hash ^ (len * 0x9e3779b97f4a7c15ULL); }

  std::string_view piece_text(const Value& v) const { return texts_[values_[v.piece].piece]; }

  std::string materialize(uint32_t id) const {
    std::string s(values_[id].len, '\0');
    size_t end = s.size();
    for (; values_[id].parent != kNone; id = values_[id].parent) {
      const std::string_view piece = piece_text(values_[id]);
      end -= piece.size();
      piece.copy(s.data() + end, piece.size());
    }
    texts_[values_[id].piece].copy(s.data(), end);
    return s;
  }

  // True if value `id` spells `text`: compares piece by piece from the end, without building it.
  bool spells(uint32_t id, std::string_view text) const {
    if (values_[id].len != text.size()) return false;
    size_t end = text.size();
    for (; values_[id].parent != kNone; id = values_[id].parent) {
      const std::string_view piece = piece_text(values_[id]);
      end -= piece.size();
      if (text.compare(end, piece.size(), piece) != 0) return false;
    }
    return text.substr(0, end) == texts_[values_[id].piece];
  }

  // The id of an existing value equal to `text` (or, when `text` is null, to value `candidate`)
  // with this hash and length; kNone if there is none.
  uint32_t find_equal(uint64_t hash, uint64_t len, const std::string_view* text, uint32_t candidate) {
    std::string built;  // `candidate` spelled out, only if compared with another append chain
    for (uint32_t id = by_hash_.find(key_of(hash, len)); id != FlatMap64::kAbsent;
         id = same_hash_next_[id]) {
      const Value& v = values_[id];
      if (v.hash != hash || v.len != len) continue;
      if (text != nullptr) {
        if (spells(id, *text)) return id;
      } else if (v.parent == kNone) {
        if (spells(candidate, texts_[v.piece])) return id;
      } else {
        if (built.empty()) built = materialize(candidate);
        if (spells(id, built)) return id;
      }
    }
    return kNone;
  }

  uint32_t literal(std::string_view s) { return literal(s, hash_text(s)); }

  uint32_t literal(std::string_view s, uint64_t h) {
    if (uint32_t id = find_equal(h, s.size(), &s, kNone); id != kNone) return id;
    const uint32_t id = static_cast<uint32_t>(values_.size());
    values_.push_back({h, s.size(), pow_mod(kBase, s.size()), kNone,
                       static_cast<uint32_t>(texts_.size())});
    texts_.push_back(s);
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
  std::vector<std::string_view> texts_;   // literal texts (views of ops' strings or of owned_)
  std::forward_list<std::string> owned_;  // texts of non-string JSON values
  size_t owned_bytes_ = 0;
  FlatMap64 by_hash_;                     // hash key -> latest value id with it
  std::vector<uint32_t> same_hash_next_;  // value id -> previous value id with the same key
  FlatMap64 appends_;                     // (value id << 32 | literal id) -> value id
  uint32_t empty_ = 0;
  std::vector<GetCheck> gets_;
  std::vector<uint64_t> prefix_hashes_;  // per get, see GetCheck::prefixes
  std::vector<uint64_t> get_mask_;       // bitset of ok gets
  std::vector<uint64_t> put_mask_;       // bitset of puts (any outcome kept in the partition)
  uint32_t last_put_ = kNone;            // index of the last put
  std::vector<int64_t> call_time_;       // per op
  bool calls_sorted_ = true;             // ops are in call-time order
  std::vector<uint32_t> next_get_;       // see prepare_gets()
  std::vector<uint32_t> get_index_;      // op -> index in gets_
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
