// Checks over histories: the appends check finds lost, duplicated, reordered and phantom appends
// and passes a correct history; the simple figure checks compare against their bounds.
#include "harness/verdict/checks.h"

#include <gtest/gtest.h>

namespace harness {
namespace {

// Builds a JSON-lines history: each call adds one event.
struct H {
  std::string text;
  void ev(int p, const char* type, const char* f, const char* key, const std::string& value, int64_t t) {
    text += "{\"process\":" + std::to_string(p) + ",\"type\":\"" + type + "\",\"f\":\"" + f + "\",\"key\":\"" + key +
            "\",\"value\":" + (value == "null" ? "null" : "\"" + value + "\"") + ",\"time\":" + std::to_string(t) + "}\n";
  }
  void op(int p, const char* f, const char* key, const std::string& in, const std::string& out, int64_t t0,
          int64_t t1, const char* end = "ok") {
    ev(p, "invoke", f, key, in, t0);
    ev(p, end, f, key, out, t1);
  }
  checker::History parse() const {
    auto h = checker::parse_history_text(text, checker::HistoryFormat::kJson, "t.jsonl");
    EXPECT_TRUE(h.is_ok()) << h.status().message();
    return *h;
  }
};

TEST(ParseAppendTokens, FindsEachToken) {
  auto t = parse_append_tokens("x 0 0 yx 12 3 yjunk x 1 1 y");
  ASSERT_EQ(t.size(), 3u);
  EXPECT_EQ(t[1], (AppendToken{12, 3}));
  EXPECT_EQ(t[2], (AppendToken{1, 1}));
  EXPECT_TRUE(parse_append_tokens("").empty());
}

H base() {
  H h;
  h.op(0, "put", "0", "", "", 1, 2);
  h.op(0, "append", "0", "x 0 0 y", "x 0 0 y", 3, 4);
  h.op(0, "append", "0", "x 0 1 y", "x 0 1 y", 5, 6);
  return h;
}

TEST(CheckAppends, PassesWhenEveryAckedAppendIsPresentOnceInOrder) {
  H h = base();
  h.op(9, "get", "0", "null", "x 0 0 yx 0 1 y", 10, 11);
  auto c = check_appends(h.parse(), {9});
  EXPECT_EQ(c.verdict, CheckVerdict::kPass) << c.summary;
  EXPECT_EQ(c.details["acknowledged_appends_confirmed"], 2);
}

TEST(CheckAppends, ReportsALostAcknowledgedAppend) {
  H h = base();
  h.op(9, "get", "0", "null", "x 0 0 y", 10, 11);
  auto c = check_appends(h.parse(), {9});
  EXPECT_EQ(c.verdict, CheckVerdict::kFail);
  EXPECT_NE(c.summary.find("acknowledged append lost 'x 0 1 y'"), std::string::npos) << c.summary;
}

TEST(CheckAppends, ReportsDuplicatesReorderingAndPhantoms) {
  for (const auto& [value, problem] : std::vector<std::pair<std::string, std::string>>{
           {"x 0 0 yx 0 1 yx 0 1 y", "duplicate"},
           {"x 0 1 yx 0 0 y", "out of order"},
           {"x 0 0 yx 0 1 yx 3 3 y", "never appended"}}) {
    H h = base();
    h.op(9, "get", "0", "null", value, 10, 11);
    auto c = check_appends(h.parse(), {9});
    EXPECT_EQ(c.verdict, CheckVerdict::kFail) << value;
    EXPECT_NE(c.summary.find(problem), std::string::npos) << c.summary;
  }
}

TEST(CheckAppends, UnknownAppendMayBeAbsentOrPresentOnce) {
  for (const std::string value : {"x 0 0 yx 0 1 y", "x 0 0 yx 0 1 yx 0 2 y"}) {
    H h = base();
    h.op(0, "append", "0", "x 0 2 y", "x 0 2 y", 7, 8, "info");
    h.op(9, "get", "0", "null", value, 10, 11);
    EXPECT_EQ(check_appends(h.parse(), {9}).verdict, CheckVerdict::kPass) << value;
  }
}

TEST(CheckAppends, OnlyCountsAppendsAfterTheLastPut) {
  H h = base();
  h.op(0, "put", "0", "", "", 7, 8);
  h.op(0, "append", "0", "x 0 2 y", "x 0 2 y", 9, 10);
  h.op(9, "get", "0", "null", "x 0 2 y", 11, 12);
  EXPECT_EQ(check_appends(h.parse(), {9}).verdict, CheckVerdict::kPass);
}

TEST(CheckAppends, NoVerifierReadIsAFailure) {
  EXPECT_EQ(check_appends(base().parse(), {9}).verdict, CheckVerdict::kFail);
}

TEST(FigureChecks, CompareAgainstTheirBounds) {
  H h = base();
  auto hist = h.parse();
  EXPECT_EQ(check_min_ops(hist, {0}, 3).verdict, CheckVerdict::kPass);
  EXPECT_EQ(check_min_ops(hist, {0}, 4).verdict, CheckVerdict::kFail);
  EXPECT_EQ(check_mean_latency(hist, {0}, "append", Micros(1)).verdict, CheckVerdict::kPass);  // 1 ns each
  std::vector<NodeSample> samples = {{0, "end", true, 900, 0, 0}, {1, "end", true, 1200, 0, 0}, {2, "end", false, 99999, 0, 0}};
  EXPECT_EQ(check_raft_state(samples, 1200).verdict, CheckVerdict::kPass);
  EXPECT_EQ(check_raft_state(samples, 1000).verdict, CheckVerdict::kFail);
  EXPECT_EQ(check_no_snapshot(samples).verdict, CheckVerdict::kPass);
  samples[0].snapshot_index = 5;
  EXPECT_EQ(check_no_snapshot(samples).verdict, CheckVerdict::kFail);
  EXPECT_EQ(check_deadline(10.0, Micros(120'000'000)).verdict, CheckVerdict::kPass);
  EXPECT_EQ(check_deadline(121.0, Micros(120'000'000)).verdict, CheckVerdict::kFail);
}

}  // namespace
}  // namespace harness
