// Large generated histories: a random sequential execution stretched into overlapping intervals
// is linearizable; changing one read to an impossible value makes it a violation on that key.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>

#include "checker/checker.h"
#include "common/random.h"

namespace checker {
namespace {

// "k7" from ("k%lld", 7). (snprintf: GCC 12 warns falsely with -Wrestrict on string concatenation.)
std::string numbered(const char* format, int64_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, format, static_cast<long long>(i));
  return buf;
}

// Executes `n` random operations one after another (linearization point 100*i), then widens each
// interval by up to `stretch` time units on each side. Some operations fail (not executed) and
// some are unknown (executed or not, never completed). kv: a third gets, the rest appends, of
// which a fifth are puts when `puts`.
History sequential_history(common::Rng& rng, bool kv, int n, int keys, int64_t stretch,
                           double unknown, bool puts = true) {
  History h;
  h.source = "generated";
  h.model_hint = kv ? "kv" : "register";
  std::map<std::string, std::string> kv_state;
  std::map<std::string, int64_t> reg_state;
  for (int i = 0; i < n; ++i) {
    Operation op;
    op.process = i;
    op.call_line = static_cast<size_t>(i + 1);
    const int64_t point = 100 * static_cast<int64_t>(i) + 1000;
    op.call_time = point - rng.uniform(0, stretch);
    op.return_time = point + rng.uniform(0, stretch);
    op.key = numbered("k%lld", rng.uniform(0, keys - 1));
    const double roll = rng.next_double();
    op.status = roll < unknown ? OpStatus::kUnknown : roll < 0.05 + unknown ? OpStatus::kFail : OpStatus::kOk;
    const bool executes = op.status == OpStatus::kOk || (op.status == OpStatus::kUnknown && rng.chance(0.5));
    if (op.status == OpStatus::kUnknown) op.return_time = kNeverReturned;
    const int64_t kind = rng.uniform(0, 2);
    if (kv) {
      const bool put = rng.chance(0.2) && puts;
      op.f = kind == 0 ? "get" : kind == 1 ? "append" : (put ? "put" : "append");
      const std::string arg = numbered("x%lldy", i);
      if (op.f == "get") {
        op.output = kv_state[op.key];
      } else {
        op.input = arg;
        if (executes && op.f == "put") kv_state[op.key] = arg;
        if (executes && op.f == "append") kv_state[op.key] += arg;
      }
    } else {
      op.f = kind == 0 ? "read" : kind == 1 ? "write" : "cas";
      auto it = reg_state.find(op.key);
      if (op.f == "read") {
        op.output = it == reg_state.end() ? nlohmann::json(nullptr) : nlohmann::json(it->second);
      } else if (op.f == "write") {
        op.input = i;
        if (executes) reg_state[op.key] = i;
      } else {
        const bool match = rng.chance(0.7) && it != reg_state.end();
        const int64_t from = match ? it->second : -1;
        op.input = nlohmann::json::array({from, i});
        if (!match && op.status == OpStatus::kOk) op.status = OpStatus::kFail;
        if (match && executes) reg_state[op.key] = i;
      }
    }
    h.ops.push_back(std::move(op));
  }
  return h;
}

void check_generated(bool kv, int n, int keys, int64_t stretch, double unknown, uint64_t seed,
                     bool puts = true) {
  common::Rng rng(seed);
  History h = sequential_history(rng, kv, n, keys, stretch, unknown, puts);
  CheckOptions opts;
  opts.max_memory_bytes = int64_t{512} << 20;
  opts.timeout = std::chrono::seconds(60);
  auto r = check(h, opts);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r->verdict, Verdict::kLinearizable) << r->message;

  // Change one read in the middle to a value nothing ever wrote.
  size_t changed = h.ops.size();
  for (size_t i = h.ops.size() / 2; i < h.ops.size(); ++i) {
    Operation& op = h.ops[i];
    if (op.status != OpStatus::kOk || (op.f != "get" && op.f != "read")) continue;
    op.output = kv ? nlohmann::json("impossible") : nlohmann::json(-12345);
    changed = i;
    break;
  }
  ASSERT_LT(changed, h.ops.size());
  auto bad = check(h, opts);
  ASSERT_TRUE(bad.is_ok());
  EXPECT_EQ(bad->verdict, Verdict::kViolation);
  bool named = false;
  std::string stuck;
  for (const auto& p : bad->partitions) {
    if (p.verdict != Verdict::kViolation) continue;
    EXPECT_EQ(p.key, h.ops[changed].key);
    named = std::find(p.stuck_ops.begin(), p.stuck_ops.end(), changed) != p.stuck_ops.end();
    for (size_t i : p.stuck_ops) stuck += numbered(" %lld", static_cast<int64_t>(i));
  }
  EXPECT_TRUE(named) << "the changed read (op " << changed
                     << ") is among the operations that cannot follow the prefix:" << stuck;
}

// Intervals up to 250 wide on points 100 apart: each operation overlaps about five others.
TEST(GeneratedHistory, KvTwentyThousandOpsAcrossKeys) { check_generated(true, 20000, 20, 250, 0, 1); }
TEST(GeneratedHistory, KvSingleKeyHeavyOverlap) { check_generated(true, 1500, 1, 250, 0, 2); }
// A hot key: each operation overlaps about forty others (twenty clients appending and reading, no
// puts), and the operations are not in call order (as a multi-threaded recorder may write them).
// Without the kv model's prefix pruning this search runs out of memory.
TEST(GeneratedHistory, KvHotKeyFortyConcurrentAppendsAndGets) {
  check_generated(true, 2000, 1, 2000, 0, 7, /*puts=*/false);
}
TEST(GeneratedHistory, KvWithSomeUnknownOperations) { check_generated(true, 2000, 4, 250, 0.002, 5); }
TEST(GeneratedHistory, RegisterFiveThousandOps) { check_generated(false, 5000, 1, 300, 0, 3); }
TEST(GeneratedHistory, RegisterManyKeysSomeUnknown) { check_generated(false, 20000, 50, 250, 0.002, 4); }

// 20,000 appends in a row, a put, then 256 concurrent gets of a value nothing wrote: all 256 are
// doomed after the long prefix, and the explanation names the first of them. (Walking back along
// the prefix once cost 256 model calls per step, each scanning every put: seconds here, minutes
// at 500,000 operations.)
TEST(GeneratedHistory, ManyImpossibleReadsAfterALongPrefixAreNamed) {
  History h;
  h.source = "generated";
  h.model_hint = "kv";
  int64_t t = 0;
  const std::string key = "k";  // (assigning a literal inside the lambda trips GCC 12 -Wrestrict)
  auto add = [&](int64_t process, std::string f, nlohmann::json in, nlohmann::json out,
                 int64_t call, int64_t ret) {
    Operation op;
    op.process = process;
    op.call_line = h.ops.size() + 1;
    op.f = std::move(f);
    op.key = key;
    op.input = std::move(in);
    op.output = std::move(out);
    op.status = OpStatus::kOk;
    op.call_time = call;
    op.return_time = ret;
    h.ops.push_back(std::move(op));
  };
  for (int i = 0; i < 20000; ++i, t += 10) add(1, "append", "a", "a", t, t + 5);
  add(2, "put", "q", "q", t, t + 5);
  t += 10;
  for (int j = 0; j < 256; ++j) add(10 + j, "get", nullptr, "zzz", t + j, t + 256 + j);
  auto r = check(h, CheckOptions{});
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->verdict, Verdict::kViolation);
  const PartitionResult& p = r->partitions.at(0);
  ASSERT_EQ(p.stuck_ops.size(), 8u);
  for (size_t i : p.stuck_ops) EXPECT_EQ(h.ops[i].output, "zzz");
  EXPECT_EQ(p.stuck_ops.front(), 20001u) << "the first impossible read, in call order";
}

// The memo stores each configuration as the few bitset words around the operations in flight, not
// one bit per operation of the key: for 100,000 operations on one key (each overlapping a few
// others) it stays under 32 MiB. With whole bitsets the memo alone would need over 1 GB. (The
// limit bounds the whole process's resident memory, this test program's included.)
TEST(GeneratedHistory, LongSingleKeyHistoryFitsInLittleMemory) {
  common::Rng rng(8);
  History h = sequential_history(rng, true, 100000, 1, 150, 0);
  CheckOptions opts;
  opts.max_memory_bytes = int64_t{1} << 30;
  auto r = check(h, opts);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->verdict, Verdict::kLinearizable) << r->message;
  EXPECT_LT(r->peak_cache_bytes, int64_t{32} << 20);
}

// A 100,000-operation history with one violating key still gives a page of a few MB, drawn
// around the point of failure.
TEST(GeneratedHistory, HtmlOfHundredThousandOpsStaysSmall) {
  common::Rng rng(6);
  History h = sequential_history(rng, true, 100000, 10, 150, 0);
  for (size_t i = h.ops.size() * 3 / 4; i < h.ops.size(); ++i) {
    if (h.ops[i].f == "get" && h.ops[i].status == OpStatus::kOk) {
      h.ops[i].output = "impossible";
      break;
    }
  }
  CheckOptions opts;
  opts.explain = true;
  opts.max_memory_bytes = int64_t{512} << 20;
  auto r = check(h, opts);
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->verdict, Verdict::kViolation);
  const std::string page = render_html(h, *r);
  EXPECT_LT(page.size(), 5u << 20) << "page of " << page.size() << " bytes";
  const size_t from = page.find("id=\"data\">") + 10;
  const nlohmann::json data =
      nlohmann::json::parse(page.substr(from, page.find("</script>", from) - from), nullptr, false);
  ASSERT_FALSE(data.is_discarded());
  ASSERT_EQ(data["drawn"].size(), 1u);
  EXPECT_GT(data["drawn"][0]["skipped"].get<size_t>(), 0u);
  EXPECT_LE(data["drawn"][0]["ops"].size(), 5000u);
  EXPECT_FALSE(data["drawn"][0]["stuck"].empty()) << "the impossible read is drawn";
  EXPECT_EQ(page.find("https://"), std::string::npos);
}

// Seventy identical unknown appends of "Q" on one key, never completed, then gets reading ever
// more of them: which 2k of the 70 a get saw does not matter, and the search must not try the
// subsets one by one (it places identical pending ops in call order only). Linearizable as
// recorded; a final get reading 71 "Q"s is a violation that needs the whole search to prove.
TEST(GeneratedHistory, SeventyIdenticalUnknownAppendsAreInterchangeable) {
  for (const bool broken : {false, true}) {
    History h;
    h.source = "generated";
    h.model_hint = "kv";
    const std::string key = "k";
    for (int i = 0; i < 70; ++i) {
      Operation op;
      op.process = i;
      op.f = "append";
      op.key = key;
      op.input = "Q";
      op.call_time = i;
      op.return_time = kNeverReturned;
      op.status = OpStatus::kUnknown;
      op.call_line = h.ops.size() + 1;
      h.ops.push_back(std::move(op));
    }
    for (int i = 1; i <= 30; ++i) {
      Operation op;
      op.process = 100;
      op.f = "get";
      op.key = key;
      op.output = std::string(broken && i == 30 ? 71 : 2 * i, 'Q');
      op.call_time = 100 + 10 * i;
      op.return_time = 105 + 10 * i;
      op.status = OpStatus::kOk;
      op.call_line = h.ops.size() + 1;
      h.ops.push_back(std::move(op));
    }
    CheckOptions opts;
    opts.timeout = std::chrono::seconds(60);
    opts.max_memory_bytes = int64_t{1} << 30;
    auto r = check(h, opts);
    ASSERT_TRUE(r.is_ok());
    EXPECT_EQ(r->verdict, broken ? Verdict::kViolation : Verdict::kLinearizable) << r->message;
  }
}

// With explain, every violating key is found and explained (within the explain budget after the
// first one), not only the first: five keys of twenty each get one impossible read. Without it
// the check may stop at the first. (`faultline run` reports what this gives it.)
TEST(GeneratedHistory, ExplainReportsEveryViolatingKey) {
  for (int threads : {1, 2}) {
    common::Rng rng(21);
    History h = sequential_history(rng, true, 20000, 20, 150, 0.002);
    std::set<std::string> broken;
    for (size_t i = h.ops.size() / 2; i < h.ops.size() && broken.size() < 5; ++i) {
      Operation& op = h.ops[i];
      if (op.f != "get" || op.status != OpStatus::kOk || broken.count(op.key) != 0) continue;
      op.output = "impossible";
      broken.insert(op.key);
    }
    ASSERT_EQ(broken.size(), 5u);
    CheckOptions opts;
    opts.threads = threads;
    opts.explain = true;
    opts.explain_budget = std::chrono::seconds(30);  // ample: this test is about coverage
    auto r = check(h, opts);
    ASSERT_TRUE(r.is_ok());
    ASSERT_EQ(r->verdict, Verdict::kViolation);
    std::set<std::string> found;
    for (const PartitionResult& p : r->partitions) {
      if (p.verdict == Verdict::kViolation) {
        found.insert(p.key);
        EXPECT_FALSE(p.stuck_ops.empty()) << "key " << p.key << " is explained";
      } else {
        EXPECT_EQ(p.verdict, Verdict::kLinearizable) << "key " << p.key << ": " << p.note;
      }
    }
    EXPECT_EQ(found, broken) << "threads " << threads;
  }
}

}  // namespace
}  // namespace checker
