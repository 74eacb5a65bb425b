// Verdicts on the public Porcupine histories must match EXPECTED.tsv exactly, checked with threads
// started per check and on a WorkerPool.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "checker/checker.h"
#include "checker/worker_pool.h"

namespace checker {
namespace {

TEST(PorcupineData, VerdictsMatchExpected) {
  const std::string dir = FL_PORCUPINE_DATA;
  if (!std::filesystem::exists(dir + "/EXPECTED.tsv"))
    GTEST_SKIP() << "Porcupine data not found at " << dir << " (expected ../shared/data/porcupine)";
  std::ifstream tsv(dir + "/EXPECTED.tsv");
  std::string line;
  std::getline(tsv, line);  // header
  int files = 0, violations = 0;
  WorkerPool pool(2);
  while (std::getline(tsv, line)) {
    std::istringstream fields(line);
    std::string file, model, ops, expected;
    std::getline(fields, file, '\t');
    std::getline(fields, model, '\t');
    std::getline(fields, ops, '\t');
    std::getline(fields, expected, '\t');
    auto h = parse_history_file(dir + "/" + file);
    ASSERT_TRUE(h.is_ok()) << h.status().message();
    EXPECT_EQ(h->ops.size(), std::stoul(ops)) << file;
    CheckOptions pooled;
    pooled.pool = &pool;
    pooled.threads = 3;
    for (const CheckOptions& opts : {CheckOptions{}, pooled}) {
      auto r = check(*h, opts);
      ASSERT_TRUE(r.is_ok()) << r.status().message();
      EXPECT_EQ(verdict_name(r->verdict), expected) << file << (opts.pool ? " (pool)" : "");
      if (r->verdict == Verdict::kViolation) {
        // The explanation is consistent: a violating key with stuck operations.
        bool explained = false;
        for (const auto& p : r->partitions)
          explained |= p.verdict == Verdict::kViolation && !p.stuck_ops.empty();
        EXPECT_TRUE(explained) << file;
      }
    }
    ++files;
    violations += expected == "violation";
  }
  EXPECT_EQ(files, 109);
  EXPECT_GT(pool.runs(), 0u) << "no history was checked on the pool";
  EXPECT_GT(violations, 0);
}

}  // namespace
}  // namespace checker
