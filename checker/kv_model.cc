// The key/value model: get/put/append on string values, one partition per key. An absent key
// reads as "" (a get may record null for it).
#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "checker/kv_values.h"
#include "checker/model.h"
#include "checker/models.h"

namespace checker {
namespace {

using kv_hash::add_mod;
using kv_hash::kBase4;
using kv_hash::mul_mod;

// KvPartition: a state is a KvValues id, so comparing two states is one integer comparison.
// Literal texts are views of the operations' own strings, which outlive the partition
// (Model::prepare). Besides stepping, it tells the search when no linearization can complete
// (dead_end): appends only extend a value, so every read still to come must start with it.
class KvPartition final : public PartitionModel {
 public:
  explicit KvPartition(std::span<const Operation* const> ops) {
    // Every op adds at most one literal, and the search typically one append value per op.
    values_.reserve(2 * ops.size() + 1);
    gets_.reserve(ops.size());
    empty_ = values_.literal("");
    ops_.resize(ops.size());
    for (uint32_t i = 0; i < ops.size(); ++i) ops_[i].kind = kind_of(*ops[i]);
    prepare_gets(ops);
    for (uint32_t i = 0; i < ops.size(); ++i) {
      CompactOp& c = ops_[i];
      if (c.kind != Kind::kGet) {
        c.arg = values_.literal(text_of(ops[i]->input));
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
          m.last_result = values_.append(static_cast<uint32_t>(state), c.arg);
        }
        *next = m.last_result;
        return true;
      }
    }
    return false;
  }

  bool is_read_only(uint32_t op) const override { return ops_[op].kind == Kind::kGet; }

  // Appends only extend a value, so an unplaced ok get must read something that starts with the
  // current value, or with the value of a put still unplaced that may come before it (called by
  // the time the get returned). Checks the candidate gets; a hash mismatch proves a prefix
  // differs (equal strings always hash equal).
  // The candidates are checked first, so an explanation names the get that cannot follow; then a
  // few later gets, up to the first unplaced put, which prunes appends-only stretches whose only
  // read comes at the end (5 clients appending to one key, then one final get: without it every
  // order is explored). Each call looks at a bounded number of gets and puts (found through
  // bitsets), whatever the history's length.
  bool dead_end(State state, const uint64_t* linearized, uint32_t first, uint32_t last) override {
    if (gets_.empty()) return false;
    if (gets_contradict(state, linearized, first, first, last)) return true;
    // The look-ahead stops at the first unplaced put: a get called after it may read its value.
    const uint32_t end = std::min(first_unplaced_put(linearized, first),
                                  static_cast<uint32_t>(ops_.size() - 1));
    return last + 1 < ops_.size() &&
           gets_contradict(state, linearized, first, next_get_[last + 1], end);
  }

  bool never_after(State state, const uint64_t* linearized, uint32_t first_unplaced,
                   uint32_t op) override {
    return get_index_[op] != kNone &&
           fit(state, op, linearized, first_unplaced) == Fit::kContradicts;
  }

  size_t memory_bytes() const override {
    return values_.memory_bytes() + ops_.capacity() * sizeof(CompactOp) +
           prefix_hashes_.capacity() * sizeof(uint64_t) + gets_.capacity() * sizeof(GetCheck) +
           (put_mask_.capacity() + get_mask_.capacity() + call_time_.capacity()) * sizeof(uint64_t) +
           (get_index_.capacity() + next_get_.capacity() + next_put_.capacity()) * sizeof(uint32_t);
  }

  std::string describe(State state) const override {
    return nlohmann::json(values_.materialize(static_cast<uint32_t>(state))).dump();
  }

 private:
  enum class Kind : uint8_t { kGet, kPut, kAppend };
  static constexpr uint32_t kUnchecked = UINT32_MAX;
  static constexpr uint32_t kNone = KvValues::kNone;
  static constexpr int kGetsChecked = 4;     // gets whose fit is decided, per range
  static constexpr int kGetsExamined = 16;   // gets looked at, per range
  static constexpr int kPutsChecked = 8;     // puts that may come first, per get
  struct CompactOp {
    Kind kind = Kind::kGet;
    uint32_t arg = kUnchecked;  // put/append: value id of the argument; get: expected value id or kUnchecked
    uint32_t last_state = kNone;   // append: the last state it was applied to ...
    uint32_t last_result = kNone;  // ... and the value that gave
  };
  // GetCheck: an ok get's output, the hashes of its prefixes (a range of prefix_hashes_) and when
  // it returned (a put called by then may come before it).
  struct GetCheck {
    uint32_t output = kNone;  // value id of what the get returned (a literal)
    uint32_t prefixes = 0;    // prefix_hashes_[prefixes + k]: hash of the first 4k characters
    int64_t return_time = 0;
    uint32_t last_state = kNone;  // the last state checked against it ...
    bool last_extends = false;    // ... and whether the output starts with it
  };

  static Kind kind_of(const Operation& op) {
    if (op.f == "get") return Kind::kGet;
    return op.f == "put" ? Kind::kPut : Kind::kAppend;
  }

  // How an unplaced ok get's output relates to a state: it starts with the state's value; or it
  // does not, but with the value of a put that may still come first (or too many such puts to
  // tell); or it can never follow the state.
  enum class Fit : uint8_t { kExtends, kPutMayPrecede, kContradicts };

  // `from`: every op before it is placed (0 when unknown).
  Fit fit(State state, uint32_t op, const uint64_t* linearized, uint32_t from) {
    GetCheck& g = gets_[get_index_[op]];
    // The search meets the same state again after backtracking: remember the last answer.
    if (g.last_state != state) {
      g.last_state = static_cast<uint32_t>(state);
      g.last_extends = starts_with(g, static_cast<uint32_t>(state));
    }
    if (g.last_extends) return Fit::kExtends;
    return put_may_precede(g, linearized, from) ? Fit::kPutMayPrecede : Fit::kContradicts;
  }

  // True if the get's output starts with value `v`.
  bool starts_with(const GetCheck& g, uint32_t v) const {
    const uint64_t len = values_.length(v);
    return len <= values_.length(g.output) && prefix_hash(g, len) == values_.hash(v);
  }

  // The first op in [from, last] (last < ops_.size()) whose bit is set in `mask` but not in
  // `linearized`; kNone if there is none.
  static uint32_t next_unplaced(const std::vector<uint64_t>& mask, const uint64_t* linearized,
                                uint32_t from, uint32_t last) {
    if (from > last) return kNone;
    for (size_t w = from >> 6; w <= last >> 6; ++w) {
      uint64_t pending = mask[w] & ~linearized[w];
      if (w == (from >> 6)) pending &= ~uint64_t{0} << (from & 63);
      if (pending != 0) {
        const uint32_t op = static_cast<uint32_t>(w * 64 + __builtin_ctzll(pending));
        return op <= last ? op : kNone;
      }
    }
    return kNone;
  }

  // The index of the first unplaced put at or after `from` (kNone if none is left).
  uint32_t first_unplaced_put(const uint64_t* linearized, uint32_t from) const {
    if (last_put_ == kNone || from > last_put_) return kNone;
    // next_put_ skips a stretch without puts at once.
    return next_unplaced(put_mask_, linearized, next_put_[from], last_put_);
  }

  // True if an unplaced put called by the time get `g` returned writes a value the get's output
  // starts with (the get may read that value, extended by appends); also true, to be safe, past
  // kPutsChecked such puts. Puts are scanned in index order from `from`: with ops in call order
  // the scan stops at the first put called after the get returned.
  bool put_may_precede(const GetCheck& g, const uint64_t* linearized, uint32_t from) const {
    int seen = 0;
    for (uint32_t p = first_unplaced_put(linearized, from); p != kNone;
         p = next_unplaced(put_mask_, linearized, p + 1, last_put_)) {
      if (call_time_[p] > g.return_time) {
        if (calls_sorted_) return false;
        continue;
      }
      if (++seen > kPutsChecked || starts_with(g, ops_[p].arg)) return true;
    }
    return false;
  }

  // True if one of the first kGetsChecked unplaced ok gets in [begin, last] whose fit is decided
  // cannot follow `state` (at most kGetsExamined gets are looked at). `first`: every op before
  // it is placed.
  bool gets_contradict(State state, const uint64_t* linearized, uint32_t first, uint32_t begin,
                       uint32_t last) {
    if (begin >= ops_.size()) return false;
    int checked = 0, examined = 0;
    for (uint32_t op = next_unplaced(get_mask_, linearized, begin, last);
         op != kNone && checked < kGetsChecked;
         op = next_unplaced(get_mask_, linearized, op + 1, last)) {
      if (++examined > kGetsExamined) return false;
      const Fit f = fit(state, op, linearized, first);
      if (f == Fit::kPutMayPrecede) continue;
      ++checked;
      if (f == Fit::kContradicts) return true;
    }
    return false;
  }

  // Hash of the first `len` characters of the get's output (len <= its length).
  uint64_t prefix_hash(const GetCheck& g, uint64_t len) const {
    return prefix_hash(g.prefixes, values_.literal_text(g.output), len);
  }

  // Hash of the first `len` characters of `text`, whose every fourth prefix hash is in
  // prefix_hashes_ from `start` on.
  uint64_t prefix_hash(uint32_t start, std::string_view text, uint64_t len) const {
    return kv_hash::extend(prefix_hashes_[start + len / 4], text.substr(len / 4 * 4, len % 4));
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
          h = add_mod(mul_mod(h, kBase4), kv_hash::hash_chunk(&out[k]));
          prefix_hashes_.push_back(h);
        }
        run = out;
      }
      g.prefixes = run_start;
      g.output = values_.literal(out, prefix_hash(run_start, out, out.size()));
      g.return_time = op->return_time;
      get_mask_[i >> 6] |= uint64_t{1} << (i & 63);
      get_index_[i] = static_cast<uint32_t>(gets_.size());
      gets_.push_back(g);
    }
    // next_get_[i] (next_put_[i]): the first ok get (put) at index i or later (ops.size() if none).
    next_get_.assign(ops.size() + 1, static_cast<uint32_t>(ops.size()));
    next_put_.assign(ops.size() + 1, static_cast<uint32_t>(ops.size()));
    for (size_t i = ops.size(); i-- > 0;) {
      next_get_[i] = get_index_[i] != kNone ? static_cast<uint32_t>(i) : next_get_[i + 1];
      next_put_[i] = ops_[i].kind == Kind::kPut ? static_cast<uint32_t>(i) : next_put_[i + 1];
    }
  }

  // A value as text: a view of the operation's string (null reads as ""); any other JSON value
  // stands for its JSON text, kept by values_.
  std::string_view text_of(const nlohmann::json& v) {
    if (v.is_null()) return "";  // not {}: a null data pointer must not reach memcmp
    if (v.is_string()) return v.get_ref<const std::string&>();
    return values_.keep(v.dump());
  }

  std::vector<CompactOp> ops_;
  KvValues values_;
  uint32_t empty_ = 0;
  std::vector<GetCheck> gets_;
  std::vector<uint64_t> prefix_hashes_;  // per get, see GetCheck::prefixes
  std::vector<uint64_t> get_mask_;       // bitset of ok gets
  std::vector<uint64_t> put_mask_;       // bitset of puts (any outcome kept in the partition)
  uint32_t last_put_ = kNone;            // index of the last put
  std::vector<int64_t> call_time_;       // per op
  bool calls_sorted_ = true;             // ops are in call-time order
  std::vector<uint32_t> next_get_;       // see prepare_gets()
  std::vector<uint32_t> next_put_;       // see prepare_gets()
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
    const bool register_op = op.f == "read" || op.f == "write" || op.f == "cas";
    return op_error(h, op, "field 'f': unknown operation '" + op.f +
                               "' for model kv (expected get, put or append)" +
                               (register_op ? "; for a read/write/cas history use --model register"
                                            : ""));
  }

  bool is_read_only(const Operation& op) const override { return op.f == "get"; }

  // When the partition's values are self-delimiting (every non-empty put/append argument starts
  // with one character that none of them holds anywhere else, as "x12y"), every state splits at
  // that character into exactly the arguments that built it. Then (docs/history-format.md):
  // an unknown write whose argument no ok get holds as a piece can be left out; one whose
  // argument is unique and that a get holds certainly took effect before that get returned; and
  // a get holding a piece that no write has can never be satisfied.
  Presolved presolve(std::span<const Operation* const> ops) const override {
    Presolved p;
    char mark = 0;
    bool any_unknown = false;
    for (const Operation* op : ops) {
      if (op->f == "get") continue;
      any_unknown |= op->status == OpStatus::kUnknown;
      const std::string& a = op->input.get_ref<const std::string&>();
      if (a.empty()) continue;
      if (mark == 0) mark = a[0];
      if (a[0] != mark || a.find(mark, 1) != std::string::npos) return {};
    }
    if (mark == 0) return {};
    struct Piece {
      uint32_t writers = 0;
      int64_t first_seen = kNeverReturned;  // earliest return of an ok get holding it
    };
    std::unordered_map<std::string_view, Piece> pieces;
    pieces.reserve(ops.size());
    for (const Operation* op : ops) {
      if (op->f == "get") continue;
      const std::string& a = op->input.get_ref<const std::string&>();
      if (!a.empty()) ++pieces[a].writers;
    }
    // The previous ok get's output: a get usually returns it plus what was appended since, and
    // then only the new pieces need looking up (their pieces were seen by a get that returned no
    // later; an impossible piece there already marked an earlier get). Keeps this linear in the
    // history's size instead of in the total length of what the gets returned.
    std::string_view prev;
    int64_t prev_return = kNeverReturned;
    for (uint32_t i = 0; i < ops.size(); ++i) {
      const Operation& op = *ops[i];
      if (op.f != "get" || op.status != OpStatus::kOk || !op.output.is_string()) continue;
      const std::string_view out = op.output.get_ref<const std::string&>();
      if (!out.empty() && out[0] != mark) p.impossible = std::min(p.impossible, i);
      size_t start = 0;
      if (!prev.empty() && op.return_time >= prev_return && out.size() >= prev.size() &&
          (out.size() == prev.size() || out[prev.size()] == mark) &&
          std::memcmp(out.data(), prev.data(), prev.size()) == 0)
        start = prev.size();
      prev = out;
      prev_return = op.return_time;
      for (size_t at = start; at < out.size();) {
        const size_t end = std::min(out.find(mark, at + 1), out.size());
        auto it = pieces.find(out.substr(at, end - at));
        if (it == pieces.end()) {
          p.impossible = std::min(p.impossible, i);
        } else {
          it->second.first_seen = std::min(it->second.first_seen, op.return_time);
        }
        at = end;
      }
    }
    if (!any_unknown) return p;
    p.drop.assign(ops.size(), 0);
    p.happened_by.assign(ops.size(), kNeverReturned);
    for (uint32_t i = 0; i < ops.size(); ++i) {
      const Operation& op = *ops[i];
      if (op.f == "get" || op.status != OpStatus::kUnknown) continue;
      const std::string& a = op.input.get_ref<const std::string&>();
      if (a.empty()) continue;
      const Piece& piece = pieces[a];
      if (piece.first_seen == kNeverReturned) {
        p.drop[i] = 1;
      } else if (piece.writers == 1) {
        p.happened_by[i] = piece.first_seen;
      }
    }
    return p;
  }

  std::unique_ptr<PartitionModel> prepare(std::span<const Operation* const> ops) const override {
    return std::make_unique<KvPartition>(ops);
  }
};

}  // namespace

std::unique_ptr<Model> make_kv_model() { return std::make_unique<KvModel>(); }

}  // namespace checker
