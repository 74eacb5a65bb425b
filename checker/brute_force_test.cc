// The search agrees with a brute-force checker (every order consistent with real time, every
// subset of unknown operations) on thousands of small random histories of both models.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>

#include "checker/checker.h"
#include "checker/history_gen.h"
#include "common/random.h"

namespace checker {
namespace {

// BruteState: the whole system's state for either model, written independently of the models.
struct BruteState {
  std::map<std::string, std::string> kv;
  std::map<std::string, std::optional<int64_t>> reg;
};

// Applies op to s; false if its recorded output contradicts s (unknown outputs are unchecked).
bool apply(const Operation& op, BruteState& s) {
  const bool known = op.status == OpStatus::kOk;
  if (op.f == "get") {
    const std::string have = s.kv[op.key];
    const std::string want = op.output.is_null() ? "" : op.output.get<std::string>();
    return !known || have == want;
  }
  if (op.f == "put") { s.kv[op.key] = op.input.get<std::string>(); return true; }
  if (op.f == "append") { s.kv[op.key] += op.input.get<std::string>(); return true; }
  std::optional<int64_t>& r = s.reg[op.key];
  if (op.f == "read") {
    std::optional<int64_t> want;
    if (!op.output.is_null()) want = op.output.get<int64_t>();
    return !known || r == want;
  }
  if (op.f == "write") { r = op.input.get<int64_t>(); return true; }
  // cas [from, to]: an ok cas found `from`; an unknown one took effect only if it matched.
  std::optional<int64_t> from;
  if (!op.input[0].is_null()) from = op.input[0].get<int64_t>();
  const bool match = r == from;
  if (match) r = op.input[1].get<int64_t>();
  return match || !known;
}

bool brute_force(const std::vector<Operation>& ops, std::vector<bool>& placed, BruteState& s) {
  bool all_definite = true;
  for (size_t i = 0; i < ops.size(); ++i)
    all_definite &= placed[i] || ops[i].status != OpStatus::kOk;
  if (all_definite) return true;
  for (size_t x = 0; x < ops.size(); ++x) {
    if (placed[x]) continue;
    bool minimal = true;  // no unplaced definite op returned before x was called
    for (size_t y = 0; y < ops.size() && minimal; ++y)
      minimal = placed[y] || y == x || ops[y].status != OpStatus::kOk ||
                !(ops[y].return_time < ops[x].call_time);
    if (!minimal) continue;
    BruteState next = s;
    if (!apply(ops[x], next)) continue;
    placed[x] = true;
    const bool ok = brute_force(ops, placed, next);
    placed[x] = false;
    if (ok) return true;
  }
  return false;
}

bool brute_force_linearizable(const History& h) {
  std::vector<Operation> ops;
  for (const Operation& op : h.ops)
    if (op.status != OpStatus::kFail) ops.push_back(op);
  std::vector<bool> placed(ops.size(), false);
  BruteState s;
  return brute_force(ops, placed, s);
}

// A random small history: half the time outputs come from a real execution (so most are
// linearizable), sometimes with one output perturbed; otherwise outputs are random. With
// `long_values`, kv values are 2-5 characters, so reads cross the kv model's 4-character hash
// chunks and share prefixes of different lengths.
History random_history(common::Rng& rng, bool kv, bool long_values, int64_t reg_values = 3) {
  History h;
  h.source = "random";
  h.model_hint = kv ? "kv" : "register";
  const int n = static_cast<int>(rng.uniform(1, 8));
  const bool simulate = rng.chance(0.6);
  for (int i = 0; i < n; ++i) {
    Operation op;
    op.process = i;
    op.call_line = static_cast<size_t>(i + 1);
    op.call_time = rng.uniform(0, 20);
    op.return_time = op.call_time + rng.uniform(0, 10);
    const double outcome = rng.next_double();
    op.status = outcome < 0.7 ? OpStatus::kOk : outcome < 0.85 ? OpStatus::kFail : OpStatus::kUnknown;
    if (op.status == OpStatus::kUnknown) op.return_time = kNeverReturned;
    op.key = rng.chance(0.7) ? "a" : "b";
    const int64_t kind = rng.uniform(0, 2);
    if (kv) {
      static const char* kShortValues[] = {"x", "y", "xy"};
      static const char* kShortReads[] = {"", "x", "y", "xy", "yx", "xx", "xyx"};
      static const char* kLongValues[] = {"ab", "cde", "fghij"};
      static const char* kLongReads[] = {"", "ab", "abcde", "abcdefghij", "cdeab", "abab", "fghijab"};
      const char** values = long_values ? kLongValues : kShortValues;
      const char** reads = long_values ? kLongReads : kShortReads;
      op.f = kind == 0 ? "get" : kind == 1 ? "put" : "append";
      if (op.f == "get") op.output = reads[rng.uniform(0, 6)];
      else op.input = values[rng.uniform(0, 2)];
    } else {
      op.f = kind == 0 ? "read" : kind == 1 ? "write" : "cas";
      auto value = [&]() { return rng.chance(0.2) ? nlohmann::json(nullptr) : nlohmann::json(rng.uniform(1, reg_values)); };
      if (op.f == "read") op.output = value();
      else if (op.f == "write") op.input = rng.uniform(1, reg_values);
      else op.input = nlohmann::json::array({value(), rng.uniform(1, 3)});
    }
    h.ops.push_back(std::move(op));
  }
  if (simulate) {
    // Execute at a random point inside each interval; record what reads saw; a cas that would
    // not match is recorded as failed (it did not happen).
    std::vector<std::pair<int64_t, size_t>> points;
    for (size_t i = 0; i < h.ops.size(); ++i) {
      const Operation& op = h.ops[i];
      const int64_t end = op.status == OpStatus::kUnknown ? op.call_time + 10 : op.return_time;
      points.push_back({rng.uniform(op.call_time, end) * 100 + static_cast<int64_t>(i), i});
    }
    std::sort(points.begin(), points.end());
    BruteState s;
    for (auto [t, i] : points) {
      Operation& op = h.ops[i];
      if (op.status == OpStatus::kFail) continue;
      if (op.status == OpStatus::kUnknown && rng.chance(0.5)) continue;  // never took effect
      if (op.f == "get") { op.output = s.kv[op.key]; continue; }
      if (op.f == "read") {
        const auto& r = s.reg[op.key];
        op.output = r ? nlohmann::json(*r) : nlohmann::json(nullptr);
        continue;
      }
      BruteState probe = s;
      Operation as_ok = op;
      as_ok.status = OpStatus::kOk;
      if (!apply(as_ok, probe)) {
        if (op.status == OpStatus::kOk) op.status = OpStatus::kFail;
        continue;
      }
      s = probe;
    }
    if (rng.chance(0.3)) {  // perturb one read
      for (Operation& op : h.ops) {
        if (op.f == "get" && op.status == OpStatus::kOk) { op.output = op.output.get<std::string>() + "x"; break; }
        if (op.f == "read" && op.status == OpStatus::kOk) { op.output = op.output.is_null() ? 1 : op.output.get<int64_t>() % reg_values + 1; break; }
      }
    }
  }
  return h;
}

void agree_on_random_histories(bool kv, uint64_t seed, int count, bool long_values = false,
                               int64_t reg_values = 3) {
  common::Rng rng(seed);
  int linearizable = 0;
  for (int i = 0; i < count; ++i) {
    History h = random_history(rng, kv, long_values, reg_values);
    const bool expected = brute_force_linearizable(h);
    CheckOptions opts;
    opts.threads = 1 + i % 2;
    auto r = check(h, opts);
    ASSERT_TRUE(r.is_ok()) << r.status().message();
    ASSERT_EQ(r->verdict, expected ? Verdict::kLinearizable : Verdict::kViolation)
        << "seed " << seed << " history " << i << ":\n" << to_json(h, *r).dump(1);
    linearizable += expected;
  }
  // Both verdicts must be well represented, or the comparison proves little.
  EXPECT_GT(linearizable, count / 5);
  EXPECT_LT(linearizable, count * 4 / 5);
}

TEST(BruteForce, KvAgreesOnSixThousandRandomHistories) { agree_on_random_histories(true, 11, 6000); }

TEST(BruteForce, KvWithLongerValuesAgreesOnThreeThousandRandomHistories) {
  agree_on_random_histories(true, 13, 3000, /*long_values=*/true);
}

TEST(BruteForce, RegisterAgreesOnSixThousandRandomHistories) {
  agree_on_random_histories(false, 12, 6000);
}

// Values from 1..40: most writes are the only ones of their value, so the register's presolve
// rules (an unknown write nobody reads is left out, one somebody reads took effect) apply.
TEST(BruteForce, RegisterWithMostlyUniqueValuesAgreesOnFourThousandRandomHistories) {
  agree_on_random_histories(false, 14, 4000, false, /*reg_values=*/40);
}

// Small versions of the generated shapes of bench/checker_gen_bench (clients issuing operations
// one after another, many unknown outcomes, unique self-delimiting values or every write "Q",
// impossible and stale reads), and with one get changed to another get's output or to a value
// spliced from written ones: the presolve rules, the identical-op rule and the search agree with
// the brute force, and unchanged histories get the verdict known by construction.
TEST(BruteForce, GeneratedShapesAgreeWithBruteForce) {
  common::Rng rng(15);
  int linearizable = 0, changed = 0;
  const int count = 4000;
  for (int i = 0; i < count; ++i) {
    GenSpec spec;
    spec.ops = rng.uniform(2, 9);
    spec.keys = static_cast<int>(rng.uniform(1, 2));
    spec.clients = static_cast<int>(rng.uniform(2, 4));
    spec.unknown = rng.chance(0.5) ? 0.3 : 0.1;
    spec.fail = 0.05;
    spec.puts = rng.chance(0.5) ? 0.3 : 0.0;
    spec.unique_values = !rng.chance(0.3);
    const int64_t b = rng.uniform(0, 5);
    spec.breaks = b == 0 ? GenSpec::Break::kImpossibleRead
                  : b == 1 ? GenSpec::Break::kStaleRead
                           : GenSpec::Break::kNone;
    spec.seed = rng.next_u64();
    Generated g = generate_kv_history(spec);
    History& h = g.history;
    bool known = true;
    if (rng.chance(0.3)) {  // change one ok get's output to a plausible value
      std::vector<std::string> seen, written;
      for (const Operation& op : h.ops) {
        if (op.f == "get" && op.status == OpStatus::kOk) seen.push_back(op.output.get<std::string>());
        if (op.f != "get") written.push_back(op.input.get<std::string>());
      }
      for (Operation& op : h.ops) {
        if (op.f != "get" || op.status != OpStatus::kOk) continue;
        if (!seen.empty() && rng.chance(0.5)) {
          op.output = seen[rng.uniform(0, static_cast<int64_t>(seen.size()) - 1)];
        } else if (!written.empty()) {
          op.output = written[rng.uniform(0, static_cast<int64_t>(written.size()) - 1)] +
                      written[rng.uniform(0, static_cast<int64_t>(written.size()) - 1)];
        }
        known = false;
        ++changed;
        break;
      }
    }
    const bool expected = brute_force_linearizable(h);
    if (known) {
      ASSERT_EQ(expected, g.linearizable) << "generator seed " << spec.seed;
    }
    CheckOptions opts;
    opts.threads = 1;
    auto r = check(h, opts);
    ASSERT_TRUE(r.is_ok()) << r.status().message();
    ASSERT_EQ(r->verdict, expected ? Verdict::kLinearizable : Verdict::kViolation)
        << "history " << i << " (generator seed " << spec.seed << "):\n" << to_json(h, *r).dump(1);
    linearizable += expected;
  }
  EXPECT_GT(linearizable, count / 5);
  EXPECT_LT(linearizable, count * 4 / 5);
  EXPECT_GT(changed, count / 10);
}

}  // namespace
}  // namespace checker
