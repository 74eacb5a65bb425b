#include "checker/search.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <unordered_map>

#include "checker/config_cache.h"

namespace checker {
namespace {

uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// EntryList: the call/return entries of a partition as a doubly linked list over arrays. Node 0
// is the head sentinel and node 2n+1 the tail sentinel; a call node's match is its return node.
struct EntryList {
  std::vector<int32_t> next, prev, match, op;  // match < 0 for return entries

  explicit EntryList(std::span<const Operation* const> ops) {
    const size_t n = ops.size();
    struct Event {
      int64_t time;
      int kind;  // 0 call, 1 return: calls first on equal times (touching intervals overlap)
      uint32_t op;
    };
    std::vector<Event> events;
    events.reserve(2 * n);
    for (uint32_t i = 0; i < n; ++i) {
      events.push_back({ops[i]->call_time, 0, i});
      events.push_back({ops[i]->return_time, 1, i});
    }
    std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
      if (a.time != b.time) return a.time < b.time;
      if (a.kind != b.kind) return a.kind < b.kind;
      return a.op < b.op;
    });
    const int32_t nodes = static_cast<int32_t>(2 * n + 2);
    next.resize(nodes);
    prev.resize(nodes);
    match.assign(nodes, -1);
    op.assign(nodes, -1);
    std::vector<int32_t> return_node(n);
    for (int32_t k = 0; k < static_cast<int32_t>(events.size()); ++k) {
      const int32_t node = k + 1;
      op[node] = static_cast<int32_t>(events[k].op);
      if (events[k].kind == 1) return_node[events[k].op] = node;
    }
    for (int32_t k = 0; k < static_cast<int32_t>(events.size()); ++k) {
      if (events[k].kind == 0) match[k + 1] = return_node[events[k].op];
    }
    for (int32_t i = 0; i < nodes; ++i) {
      next[i] = i + 1;
      prev[i] = i - 1;
    }
  }

  int32_t head() const { return 0; }

  void lift(int32_t call) {
    next[prev[call]] = next[call];
    prev[next[call]] = prev[call];
    const int32_t ret = match[call];
    next[prev[ret]] = next[ret];
    prev[next[ret]] = prev[ret];
  }

  void unlift(int32_t call) {
    const int32_t ret = match[call];
    next[prev[ret]] = ret;
    prev[next[ret]] = ret;
    next[prev[call]] = call;
    prev[next[call]] = call;
  }
};

constexpr uint64_t kCheckEvery = 4096;  // steps between deadline/cancel/memory checks
// Least time between two samples of the resident memory by one search: a sample costs a few
// microseconds (open, read, close), and the memo grows by at most a few MB in this time.
constexpr auto kResidentEvery = std::chrono::milliseconds(2);

}  // namespace

int64_t resident_bytes() {
  static const long page = sysconf(_SC_PAGE_SIZE);
  const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  char buf[128];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  unsigned long long size = 0, resident = 0;
  if (std::sscanf(buf, "%llu %llu", &size, &resident) != 2) return 0;
  return static_cast<int64_t>(resident) * page;
}

// The search's whole state, so that it can stop after a number of steps and resume later (the
// checker interleaves partitions, as Porcupine runs each in its own goroutine).
struct PartitionSearch::Impl {
  struct Frame {
    int32_t node;
    State state;  // before the operation
    bool forced;  // a read linearized greedily: no alternatives to try at this level
    bool unknown_phase;  // chosen while trying unknown ops (see `unknown_phase` below)
    uint32_t prev_end_word;  // end_word before the operation
  };

  PartitionModel& model;
  std::span<const Operation* const> ops;
  const SearchControl& control;
  SearchOutcome out;
  bool done = false;

  size_t remaining = 0;  // definite (ok) operations not yet linearized
  std::vector<uint8_t> definite;
  std::vector<uint64_t> zobrist;  // per-op hash keys; 0 for unknown ops (see ConfigCache)
  std::vector<uint8_t> sig_bit;   // unknown op -> its signature bit (ordinal modulo 64)
  uint64_t sig = 0;               // signature of the unknown ops linearized now ...
  uint32_t sig_count[64] = {};    // ... with a count per bit for undo
  EntryList list;
  std::vector<uint64_t> bits;
  uint64_t bits_hash = 0;
  uint32_t end_word = 0;  // 1 + the word of the highest linearized op (0 when none is)
  std::unique_ptr<ConfigCache> cache;
  std::vector<Frame> stack;
  int64_t accounted = 0;
  State state = 0;
  int32_t entry = 0;
  uint64_t budget_check = kCheckEvery;
  std::chrono::steady_clock::time_point next_resident_check{};
  // Each level tries the candidate ok operations first and the unknown ones after them, so the
  // configurations with fewer unknown ops are explored first and then dominate the others.
  bool unknown_phase = false;
  bool any_unknown = false;
  bool calls_in_index_order = true;  // ops sorted by call time (so the list head has the min index)
  // An op no linearization satisfies (the constructor's `impossible_op`), or UINT32_MAX; once the
  // search reaches it (it is a candidate at a dead end), the search stops there.
  uint32_t impossible = UINT32_MAX;
  bool reached_impossible = false;
  // Unknown op -> the previous unknown op with the same f and input (UINT32_MAX if none): it may
  // be placed only once that one is.
  std::vector<uint32_t> same_before;
  // The unknown ops placed now, as sorted ordinals, for the memo when signatures are not exact.
  std::vector<uint32_t> placed_unknown;
  std::vector<uint32_t> unknown_ordinal;

  Impl(PartitionModel& m, std::span<const Operation* const> o, const SearchControl& c,
       uint32_t impossible_op)
      : model(m), ops(o), control(c), list(o), impossible(impossible_op) {
    const size_t n = ops.size();
    const size_t words = (n + 63) / 64;
    definite.resize(n);
    zobrist.resize(n);
    sig_bit.assign(n, 0);
    std::vector<uint64_t> unknown_mask(words, 0);
    uint32_t unknowns = 0;
    same_before.assign(n, UINT32_MAX);
    unknown_ordinal.assign(n, UINT32_MAX);
    std::unordered_map<std::string, uint32_t> last_like;  // f + input -> latest unknown op
    // In call order, so that each op's predecessor was called no later than it.
    std::vector<uint32_t> by_call(n);
    for (uint32_t i = 0; i < n; ++i) by_call[i] = i;
    std::stable_sort(by_call.begin(), by_call.end(), [&](uint32_t a, uint32_t b) {
      return ops[a]->call_time < ops[b]->call_time;
    });
    for (size_t i = 0; i < n; ++i) {
      definite[i] = ops[i]->status == OpStatus::kOk;
      remaining += definite[i];
      zobrist[i] = definite[i] ? splitmix64(i * 0x2545f4914f6cdd1dULL + 17) : 0;
      if (!definite[i]) {
        unknown_mask[i >> 6] |= uint64_t{1} << (i & 63);
        unknown_ordinal[i] = unknowns;
        sig_bit[i] = static_cast<uint8_t>(unknowns++ & 63);
      }
    }
    for (uint32_t i : by_call) {
      if (definite[i]) continue;
      // The identity of (f, input): a string's own bytes (whatever they are), else its JSON text.
      const nlohmann::json& in = ops[i]->input;
      std::string like = ops[i]->f + (in.is_string() ? "\ns" : "\nj");
      like += in.is_string() ? in.get_ref<const std::string&>() : in.dump();
      auto [it, inserted] = last_like.try_emplace(std::move(like), i);
      if (!inserted) {
        same_before[i] = it->second;
        it->second = i;
      }
    }
    any_unknown = unknowns > 0;
    for (size_t i = 1; i < n; ++i) calls_in_index_order &= ops[i - 1]->call_time <= ops[i]->call_time;
    bits.assign(words, 0);
    cache = std::make_unique<ConfigCache>(words, std::move(unknown_mask), n);
    if (control.bound_resident && control.memory_limit != INT64_MAX) {
      const int64_t limit = control.memory_limit;
      cache->set_growth_check([limit](size_t extra) {
        return resident_bytes() + static_cast<int64_t>(extra) <= limit;
      });
    }
    stack.reserve(n);
    state = model.init();
    entry = list.next[list.head()];
  }

  ~Impl() {
    if (control.memory_used != nullptr) control.memory_used->fetch_sub(accounted);
  }

  // Adds `op` to (removes it from) the linearized set: bitset, its hash, unknown-op signature.
  void mark(uint32_t op) {
    bits[op >> 6] |= uint64_t{1} << (op & 63);
    bits_hash ^= zobrist[op];
    sig_add(op);
  }
  void unmark(uint32_t op) {
    bits[op >> 6] &= ~(uint64_t{1} << (op & 63));
    bits_hash ^= zobrist[op];
    sig_remove(op);
  }

  void sig_add(uint32_t op) {
    if (definite[op]) return;
    ++sig_count[sig_bit[op]];
    sig |= uint64_t{1} << sig_bit[op];
    const uint32_t o = unknown_ordinal[op];
    placed_unknown.insert(std::lower_bound(placed_unknown.begin(), placed_unknown.end(), o), o);
  }
  void sig_remove(uint32_t op) {
    if (definite[op]) return;
    if (--sig_count[sig_bit[op]] == 0) sig &= ~(uint64_t{1} << sig_bit[op]);
    const uint32_t o = unknown_ordinal[op];
    placed_unknown.erase(std::lower_bound(placed_unknown.begin(), placed_unknown.end(), o));
  }

  bool placed(uint32_t op) const { return (bits[op >> 6] >> (op & 63)) & 1; }

  bool account(std::chrono::steady_clock::time_point time) {  // returns false when over budget
    if (control.bound_resident && time >= next_resident_check) {
      next_resident_check = time + kResidentEvery;
      if (resident_bytes() > control.memory_limit) return false;
    }
    const int64_t now = static_cast<int64_t>(cache->bytes() + model.memory_bytes());
    const int64_t delta = now - accounted;
    accounted = now;
    if (control.memory_used == nullptr) return now <= control.memory_limit;
    return control.memory_used->fetch_add(delta) + delta <= control.memory_limit;
  }

  void record_stack(std::vector<uint32_t>& into) const {
    into.clear();
    for (const Frame& f : stack) into.push_back(static_cast<uint32_t>(list.op[f.node]));
  }

  bool finish(SearchVerdict v) {
    out.verdict = v;
    out.configurations = cache->size();
    out.cache_bytes = static_cast<int64_t>(cache->bytes());
    if (v == SearchVerdict::kLinearizable) record_stack(out.longest);
    done = true;
    return true;
  }

  // Undoes linearized operations until one that was a free choice (not a forced read), whose
  // alternatives are tried next. Returns false when nothing is left to undo: no linearization.
  bool backtrack() {
    if (stack.size() > out.longest.size()) record_stack(out.longest);
    if (reached_impossible) return false;
    while (!stack.empty()) {
      const Frame top = stack.back();
      stack.pop_back();
      const uint32_t op = static_cast<uint32_t>(list.op[top.node]);
      state = top.state;
      end_word = top.prev_end_word;
      unmark(op);
      remaining += definite[op];
      list.unlift(top.node);
      if (!top.forced) {
        entry = list.next[top.node];
        unknown_phase = top.unknown_phase;
        return true;
      }
    }
    return false;
  }

  // Once `placing` is placed: the word of the lowest definite op not linearized (every definite
  // op below it is; the memo compares unknown ops apart, so one left out for ever does not pin
  // the window). With ops in call order that is the first definite call entry of the list (a
  // return entry's call comes before it); otherwise word 0, which is always correct.
  uint32_t base_word(uint32_t placing) const {
    if (!calls_in_index_order) return 0;
    const int32_t tail = static_cast<int32_t>(list.next.size()) - 1;
    for (int32_t e = list.next[list.head()]; e != tail; e = list.next[e]) {
      const uint32_t op = static_cast<uint32_t>(list.op[e]);
      if (op != placing && definite[op]) return op >> 6;
    }
    return static_cast<uint32_t>(bits.size());  // every definite op is linearized
  }

  // Once `placing` is placed: the index range of the candidate ops (calls before the first
  // return entry). Ops are indexed in call order, so the range holds every candidate; when they
  // are not (times out of line order), an empty range disables the model's shortcut.
  std::pair<uint32_t, uint32_t> candidate_range(uint32_t placing) const {
    if (!calls_in_index_order) return {1, 0};
    const int32_t tail = static_cast<int32_t>(list.next.size()) - 1;
    uint32_t lo = UINT32_MAX, hi = 0;
    for (int32_t e = list.next[list.head()]; e != tail; e = list.next[e]) {
      const uint32_t op = static_cast<uint32_t>(list.op[e]);
      if (op == placing) continue;
      if (list.match[e] < 0) break;
      lo = std::min(lo, op);
      hi = std::max(hi, op);
    }
    return {lo, hi};
  }

  // True if the impossible op's call comes before the first return entry (it could go next).
  bool impossible_is_candidate() const {
    const int32_t tail = static_cast<int32_t>(list.next.size()) - 1;
    for (int32_t e = list.next[list.head()]; e != tail && list.match[e] >= 0; e = list.next[e]) {
      if (list.op[e] == static_cast<int32_t>(impossible)) return true;
    }
    return false;
  }

  bool run(uint64_t max_steps) {
    if (done) return true;
    const uint64_t stop = out.steps + max_steps;
    while (true) {
      if (remaining == 0) return finish(SearchVerdict::kLinearizable);
      if (++out.steps >= budget_check) {
        budget_check = out.steps + kCheckEvery;
        const auto now = std::chrono::steady_clock::now();
        if (control.stop_at_ns != nullptr &&
            now.time_since_epoch().count() >= control.stop_at_ns->load(std::memory_order_relaxed))
          return finish(SearchVerdict::kCancelled);
        if (now > control.deadline) return finish(SearchVerdict::kTimeout);
        if (!account(now)) return finish(SearchVerdict::kOutOfMemory);
      }
      if (out.steps >= stop) return false;
      if (list.match[entry] < 0) {  // a return entry: that operation had to be placed by now
        if (any_unknown && !unknown_phase) {  // first try the unknown candidates
          unknown_phase = true;
          entry = list.next[list.head()];
          continue;
        }
        if (impossible != UINT32_MAX) reached_impossible |= impossible_is_candidate();
        if (!backtrack()) return finish(SearchVerdict::kViolation);
        continue;
      }
      // A call entry: try to linearize it now.
      const uint32_t op = static_cast<uint32_t>(list.op[entry]);
      if (any_unknown && (unknown_phase == static_cast<bool>(definite[op]) ||
                          (same_before[op] != UINT32_MAX && !placed(same_before[op])))) {
        // Not this phase's kind of operation, or an unknown op whose identical predecessor is
        // not placed yet (placing that one instead is as good).
        entry = list.next[entry];
        continue;
      }
      State next_state;
      // An unknown op that would change nothing here is never worth placing here: leaving it out
      // keeps it available for later, and it has no output to check.
      if (!model.step(state, op, &next_state) || (!definite[op] && next_state == state)) {
        entry = list.next[entry];
        continue;
      }
      const bool read_only = model.is_read_only(op);
      mark(op);
      const uint32_t next_end_word = std::max(end_word, (op >> 6) + 1);
      const bool inserted = cache->insert(bits_hash ^ splitmix64(next_state), next_state,
                                          bits.data(), sig, placed_unknown, base_word(op),
                                          next_end_word);
      if (cache->out_of_memory()) {  // it refused to grow past the limit: nothing was inserted
        unmark(op);
        return finish(SearchVerdict::kOutOfMemory);
      }
      if (inserted) {
        const auto [lo, hi] = candidate_range(op);
        if (lo <= hi && model.dead_end(next_state, bits.data(), lo, hi)) {
          reached_impossible |= lo <= impossible && impossible <= hi;
          // Explored and failed as far as the memo is concerned; undo and treat like a hit. The
          // configuration itself is linearizable, so it counts for the longest prefix (the
          // explanation then shows the get that cannot follow).
          if (stack.size() + 1 > out.longest.size()) {
            record_stack(out.longest);
            out.longest.push_back(op);
          }
          unmark(op);
          if (read_only) {
            if (!backtrack()) return finish(SearchVerdict::kViolation);
            continue;
          }
          entry = list.next[entry];
          continue;
        }
        stack.push_back({entry, state, read_only, unknown_phase, end_word});
        state = next_state;
        end_word = next_end_word;
        list.lift(entry);
        remaining -= definite[op];
        entry = list.next[list.head()];
        unknown_phase = false;
        continue;
      }
      unmark(op);
      if (read_only) {
        // This configuration plus the read was explored and failed; since the read could go
        // first in any linearization from here, this configuration fails too.
        if (!backtrack()) return finish(SearchVerdict::kViolation);
        continue;
      }
      entry = list.next[entry];
    }
  }
};

PartitionSearch::PartitionSearch(PartitionModel& model, std::span<const Operation* const> ops,
                                 const SearchControl& control, uint32_t impossible_op)
    : impl_(std::make_unique<Impl>(model, ops, control, impossible_op)) {}

PartitionSearch::~PartitionSearch() = default;

bool PartitionSearch::run(uint64_t max_steps) { return impl_->run(max_steps); }

const SearchOutcome& PartitionSearch::outcome() const { return impl_->out; }

SearchOutcome search_partition(PartitionModel& model, std::span<const Operation* const> ops,
                               const SearchControl& control, uint32_t impossible_op) {
  PartitionSearch search(model, ops, control, impossible_op);
  while (!search.run(UINT64_MAX / 2)) {
  }
  return search.outcome();
}

StuckPoint explain_stuck(PartitionModel& model, std::span<const Operation* const> ops,
                         const std::vector<uint32_t>& prefix) {
  StuckPoint sp;
  State state = model.init();
  std::vector<State> states_before(prefix.size());  // [k]: the state before prefix[k]
  std::vector<bool> placed(ops.size(), false);
  // States are described for the end of the prefix only: a kv value can be long, and all of
  // them together would grow with the square of the prefix.
  constexpr size_t kDescribedStates = 200;
  const size_t describe_from = prefix.size() > kDescribedStates ? prefix.size() - kDescribedStates : 0;
  for (size_t k = 0; k < prefix.size(); ++k) {
    const uint32_t op = prefix[k];
    states_before[k] = state;
    State next = state;
    model.step(state, op, &next);
    state = next;
    placed[op] = true;
    sp.states_after.push_back(k >= describe_from ? model.describe(state) : std::string());
  }
  sp.state = model.describe(state);
  // Earliest return among the remaining definite operations: nothing that starts after it can
  // be linearized before it.
  int64_t first_return = kNeverReturned;
  for (uint32_t i = 0; i < ops.size(); ++i) {
    if (!placed[i] && ops[i]->status == OpStatus::kOk)
      first_return = std::min(first_return, ops[i]->return_time);
  }
  for (uint32_t i = 0; i < ops.size(); ++i) {
    if (placed[i] || ops[i]->call_time > first_return) continue;
    State next;
    sp.candidates.push_back(i);
    sp.rejected.push_back(!model.step(state, i, &next));
  }
  // The operations that can never follow the state, candidates or not (a rejected candidate may
  // only need other operations first; a doomed one cannot be placed at all). The prefix is the
  // deepest the search reached, which may end with wrong choices that doom reads a better order
  // would satisfy; so walking back along it, keep the ops doomed the longest: the culprits.
  // Bounded by kExplainChecks model calls, so an explanation costs at most about a second.
  constexpr size_t kDoomedConsidered = 256;
  constexpr size_t kDoomedShown = 8;
  constexpr size_t kExplainChecks = size_t{1} << 20;
  size_t checks = 0;
  std::vector<uint64_t> bits((ops.size() + 63) / 64, 0);
  for (uint32_t i : prefix) bits[i >> 6] |= uint64_t{1} << (i & 63);
  uint32_t first_unplaced = 0;  // every op before it is placed
  while (first_unplaced < ops.size() && placed[first_unplaced]) ++first_unplaced;
  for (uint32_t i = first_unplaced; i < ops.size() && sp.doomed.size() < kDoomedConsidered &&
                                    checks < kExplainChecks;
       ++i) {
    if (placed[i] || ops[i]->status != OpStatus::kOk) continue;
    ++checks;
    if (model.never_after(state, bits.data(), first_unplaced, i)) sp.doomed.push_back(i);
  }
  std::vector<uint32_t> still;
  for (size_t k = prefix.size(); k-- > 0 && sp.doomed.size() > 1 && checks < kExplainChecks;) {
    bits[prefix[k] >> 6] &= ~(uint64_t{1} << (prefix[k] & 63));
    first_unplaced = std::min(first_unplaced, prefix[k]);
    still.clear();
    for (uint32_t i : sp.doomed) {
      ++checks;
      if (model.never_after(states_before[k], bits.data(), first_unplaced, i)) still.push_back(i);
    }
    if (still.empty()) break;
    sp.doomed.swap(still);
  }
  if (sp.doomed.size() > kDoomedShown) sp.doomed.resize(kDoomedShown);
  return sp;
}

}  // namespace checker
