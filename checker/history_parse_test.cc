#include <gtest/gtest.h>

#include "checker/checker.h"
#include "checker/history.h"

namespace checker {
namespace {

History parse_ok(const std::string& text, HistoryFormat format = HistoryFormat::kAuto) {
  auto h = parse_history_text(text, format, "h.jsonl");
  EXPECT_TRUE(h.is_ok()) << h.status().message();
  return h ? std::move(h).value() : History{};
}

std::string parse_error(const std::string& text, HistoryFormat format = HistoryFormat::kAuto) {
  auto h = parse_history_text(text, format, "h.jsonl");
  EXPECT_FALSE(h.is_ok());
  return h ? "" : h.status().message();
}

TEST(HistoryParse, JsonLinesMatchInvocationsWithCompletions) {
  History h = parse_ok(
      R"({"process":3,"type":"invoke","f":"append","key":"k1","value":"x 3 7 y","time":100})"
      "\n"
      R"({"process":4,"type":"invoke","f":"get","key":"k1","value":null,"time":110})"
      "\n"
      R"({"process":3,"type":"ok","f":"append","key":"k1","value":"x 3 7 y","time":150})"
      "\n"
      R"({"process":4,"type":"info","f":"get","key":"k1","value":null,"time":170})"
      "\n"
      R"({"process":5,"type":"invoke","f":"put","key":"k2","value":"a","time":180})"
      "\n");
  ASSERT_EQ(h.ops.size(), 3u);
  EXPECT_EQ(h.format, "json");
  EXPECT_EQ(h.model_hint, "kv");
  EXPECT_EQ(h.ops[0].status, OpStatus::kOk);
  EXPECT_EQ(h.ops[0].call_time, 100);
  EXPECT_EQ(h.ops[0].return_time, 150);
  EXPECT_EQ(h.ops[1].status, OpStatus::kUnknown);
  EXPECT_EQ(h.ops[1].return_time, kNeverReturned);
  EXPECT_EQ(h.ops[2].status, OpStatus::kUnknown);  // never completed
  EXPECT_EQ(h.ops[2].call_line, 5u);
}

TEST(HistoryParse, KvEdnMaps) {
  History h = parse_ok(
      "{:process 9, :type :invoke, :f :append, :key \"0\", :value \"x 9 0 y\"}\n"
      "{:process 1, :type :invoke, :f :get, :key \"0\", :value nil}\n"
      "{:process 9, :type :ok, :f :append, :key \"0\", :value \"x 9 0 y\"}\n"
      "{:process 1, :type :ok, :f :get, :key \"0\", :value \"x 9 0 y\"}\n");
  ASSERT_EQ(h.ops.size(), 2u);
  EXPECT_EQ(h.format, "kv-edn");
  EXPECT_EQ(h.ops[1].f, "get");
  EXPECT_EQ(h.ops[1].key, "0");
  EXPECT_EQ(h.ops[1].output, "x 9 0 y");
}

TEST(HistoryParse, JepsenLogLinesWithTabsOrSpaces) {
  History h = parse_ok(
      "INFO  jepsen.util - 2\t:invoke\t:cas\t[3 0]\n"
      "INFO  jepsen.util - 1   :invoke :write  4\n"
      "INFO  jepsen.util - 2\t:fail\t:cas\t[3 0]\n"
      "INFO  jepsen.util - 1   :info :write  4\n");
  ASSERT_EQ(h.ops.size(), 2u);
  EXPECT_EQ(h.model_hint, "register");
  EXPECT_EQ(h.ops[0].input, nlohmann::json::array({3, 0}));
  EXPECT_EQ(h.ops[0].status, OpStatus::kFail);
  EXPECT_EQ(h.ops[1].status, OpStatus::kUnknown);
}

TEST(HistoryParse, NemesisEventsAreSkippedAndCountedInEveryFormat) {
  // Real Jepsen histories interleave the nemesis's :start/:stop events with the clients'.
  History edn = parse_ok(
      "{:process 1, :type :invoke, :f :put, :key \"0\", :value \"a\"}\n"
      "{:process :nemesis, :type :info, :f :start, :value nil}\n"
      "{:process 1, :type :ok, :f :put, :key \"0\", :value \"a\"}\n"
      "{:process :nemesis, :type :info, :f :start, :value [:isolated {\"n1\" #{\"n2\"}}], "
      ":time 12.5, :ok? true, :error (:a :b)}\n");
  EXPECT_EQ(edn.ops.size(), 1u);
  EXPECT_EQ(edn.non_client_events, 2u);
  EXPECT_EQ(edn.model_hint, "kv");
  History log = parse_ok(
      "INFO  jepsen.util - 1\t:invoke\t:write\t4\n"
      "INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n"
      "INFO  jepsen.util - 1\t:ok\t:write\t4\n");
  EXPECT_EQ(log.ops.size(), 1u);
  EXPECT_EQ(log.non_client_events, 1u);
  History json = parse_ok(
      R"({"process":"nemesis","type":"info","f":"start","value":null})"
      "\n"
      R"({"process":1,"type":"invoke","f":"get","key":"k","value":null,"time":5})"
      "\n");
  EXPECT_EQ(json.ops.size(), 1u);
  EXPECT_EQ(json.non_client_events, 1u);
  EXPECT_TRUE(json.times_in_ns);  // the nemesis line without a time does not count against it
  // Any other named process is still an error that names the field.
  EXPECT_NE(parse_error("{:process :x, :type :invoke, :f :get, :key \"0\", :value nil}\n")
                .find("':process'"),
            std::string::npos);
}

TEST(HistoryParse, EdnRegisterHistoriesImplyTheRegisterModel) {
  History h = parse_ok(
      "{:process 0, :type :invoke, :f :write, :value 3}\n"
      "{:process 0, :type :ok, :f :write, :value 3}\n");
  EXPECT_EQ(h.model_hint, "register");
}

TEST(HistoryParse, AnOperationOfTheOtherModelSuggestsTheRightOne) {
  History mixed = parse_ok(
      R"({"process":0,"type":"invoke","f":"get","key":"k","value":null})"
      "\n"
      R"({"process":1,"type":"invoke","f":"write","key":"k","value":1})"
      "\n");
  auto r = check(mixed, CheckOptions{});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("--model register"), std::string::npos)
      << r.status().message();
}

TEST(HistoryParse, ByteOrderMarkIsIgnored) {
  History h = parse_ok(
      "\xEF\xBB\xBF{\"process\":1,\"type\":\"invoke\",\"f\":\"get\",\"key\":\"k\",\"value\":null}\n");
  EXPECT_EQ(h.format, "json");
  EXPECT_EQ(h.ops.size(), 1u);
}

TEST(HistoryParse, MalformedEdnIsAnErrorNotACrash) {
  const std::string deep = "{:process 1, :type :invoke, :f :get, :key \"k\", :value " +
                           std::string(100000, '[') + "}\n";
  EXPECT_NE(parse_error(deep, HistoryFormat::kKvEdn).find("nested deeper than 256"),
            std::string::npos);
  EXPECT_NE(parse_error("{:process 1, :type :invoke, :f :get, :value [1 2}}\n", HistoryFormat::kKvEdn)
                .find("unexpected '}'"),
            std::string::npos);
}

// A JSON value nested 200,000 deep used to be copied recursively (a segfault): nesting is capped
// as in the EDN reader, with the line named.
TEST(HistoryParse, DeeplyNestedJsonIsAnErrorNotACrash) {
  const std::string deep = R"({"process":1,"type":"invoke","f":"get","key":"k","time":1})"
                           "\n"
                           R"({"process":1,"type":"ok","f":"get","key":"k","time":2,"value":)" +
                           std::string(200000, '[') + std::string(200000, ']') + "}\n";
  const std::string err = parse_error(deep, HistoryFormat::kJson);
  EXPECT_NE(err.find("h.jsonl:2:"), std::string::npos) << err;
  EXPECT_NE(err.find("nested deeper than 256"), std::string::npos) << err;
  // Brackets inside strings do not count; 256 levels are fine.
  History ok = parse_ok(R"({"process":1,"type":"invoke","f":"put","key":"k","value":"[[[[{{{{"})"
                        "\n");
  EXPECT_EQ(ok.ops.at(0).input, "[[[[{{{{");
  parse_ok(R"({"process":1,"type":"invoke","f":"put","key":"k","value":)" + std::string(255, '[') +
           std::string(255, ']') + "}\n");
}

// Integers outside the signed 64-bit range used to wrap (2^64-1 read as -1), which with the
// register model's nil gave wrong verdicts: they are rejected, naming the line and the field.
TEST(HistoryParse, IntegersOutsideSixtyFourBitsAreRejected) {
  const std::string invoke = R"({"process":1,"type":"invoke","f":"write","key":"k","value":1,"time":1})"
                             "\n";
  for (const std::string& bad :
       {std::string(R"({"process":1,"type":"ok","f":"write","key":"k","value":18446744073709551615,"time":2})"),
        std::string(R"({"process":1,"type":"ok","f":"write","key":"k","value":[1,9223372036854775808],"time":2})"),
        std::string(R"({"process":1,"type":"ok","f":"write","key":"k","value":1,"time":9223372036854775813})"),
        std::string(R"({"process":18446744073709551615,"type":"ok","f":"write","key":"k","value":1,"time":2})"),
        std::string(R"({"process":1,"type":"ok","f":"write","key":9223372036854775808,"value":1,"time":2})")}) {
    const std::string err = parse_error(invoke + bad + "\n", HistoryFormat::kJson);
    EXPECT_NE(err.find("h.jsonl:2:"), std::string::npos) << err;
    EXPECT_NE(err.find("64-bit"), std::string::npos) << err;
  }
  std::string err = parse_error("{:process 1, :type :invoke, :f :write, :value 18446744073709551615}\n",
                                HistoryFormat::kKvEdn);
  EXPECT_NE(err.find("h.jsonl:1:"), std::string::npos) << err;
  EXPECT_NE(err.find("64-bit"), std::string::npos) << err;
  err = parse_error("INFO  jepsen.util - 1\t:invoke\t:write\t-9223372036854775809\n",
                    HistoryFormat::kJepsenLog);
  EXPECT_NE(err.find("64-bit"), std::string::npos) << err;
  // The extremes themselves are integers like any other.
  History h = parse_ok(R"({"process":1,"type":"invoke","f":"write","value":-9223372036854775808,"time":9223372036854775806})"
                       "\n");
  EXPECT_EQ(h.ops.at(0).input.get<int64_t>(), INT64_MIN);
}

// The register model's nil must be a state of its own, not the integer -2^63: writing -2^63 and
// then reading nil is a violation, and reading -2^63 back is not.
TEST(HistoryParse, RegisterNilIsNotTheSmallestInteger) {
  const std::string write_min =
      R"({"process":1,"type":"invoke","f":"write","value":-9223372036854775808,"time":1})"
      "\n"
      R"({"process":1,"type":"ok","f":"write","value":-9223372036854775808,"time":2})"
      "\n"
      R"({"process":2,"type":"invoke","f":"read","value":null,"time":3})"
      "\n";
  auto nil_read = check(parse_ok(write_min + R"({"process":2,"type":"ok","f":"read","value":null,"time":4})"
                                             "\n"),
                        CheckOptions{});
  ASSERT_TRUE(nil_read.is_ok());
  EXPECT_EQ(nil_read->verdict, Verdict::kViolation);
  auto min_read = check(
      parse_ok(write_min + R"({"process":2,"type":"ok","f":"read","value":-9223372036854775808,"time":4})"
                           "\n"),
      CheckOptions{});
  ASSERT_TRUE(min_read.is_ok());
  EXPECT_EQ(min_read->verdict, Verdict::kLinearizable);
}

TEST(HistoryParse, TruncatedLineNamesTheLine) {
  std::string err = parse_error(
      R"({"process":1,"type":"invoke","f":"get","key":"a","time":1})"
      "\n"
      R"({"process":1,"type":"ok","f":"g)");
  EXPECT_NE(err.find("h.jsonl:2:"), std::string::npos) << err;
  EXPECT_NE(err.find("truncated"), std::string::npos) << err;
  err = parse_error("{:process 1, :type :invoke, :f :get, :key \"0\", :value \"abc\n");
  EXPECT_NE(err.find("h.jsonl:1:"), std::string::npos) << err;
  err = parse_error("INFO  jepsen.util - 1\t:invoke\n");
  EXPECT_NE(err.find("h.jsonl:1:"), std::string::npos) << err;
}

TEST(HistoryParse, CompletionWithoutInvocation) {
  std::string err = parse_error(
      R"({"process":1,"type":"invoke","f":"get","key":"a","time":1})"
      "\n"
      R"({"process":2,"type":"ok","f":"get","key":"a","time":2})");
  EXPECT_NE(err.find("h.jsonl:2:"), std::string::npos) << err;
  EXPECT_NE(err.find("without an open invocation"), std::string::npos) << err;
}

TEST(HistoryParse, TwoOpenInvocationsOnOneProcess) {
  std::string err = parse_error(
      R"({"process":1,"type":"invoke","f":"get","key":"a","time":1})"
      "\n"
      R"({"process":1,"type":"invoke","f":"put","key":"a","value":"v","time":2})");
  EXPECT_NE(err.find("h.jsonl:2:"), std::string::npos) << err;
  EXPECT_NE(err.find("line 1 is still open"), std::string::npos) << err;
}

TEST(HistoryParse, BadFieldsAreNamed) {
  EXPECT_NE(parse_error(R"({"process":"x","type":"invoke","f":"get"})").find("'process'"),
            std::string::npos);
  EXPECT_NE(parse_error(R"({"process":1,"type":"begin","f":"get"})").find("'type'"),
            std::string::npos);
  EXPECT_NE(parse_error(R"({"process":1,"type":"invoke","f":"get","time":1})"
                        "\n"
                        R"({"process":2,"type":"invoke","f":"get"})")
                .find("'time'"),
            std::string::npos);
  EXPECT_NE(parse_error("hello world\n").find("--format"), std::string::npos);
}

TEST(HistoryParse, UnknownOperationIsReportedByCheckWithItsLine) {
  History h = parse_ok(
      R"({"process":1,"type":"invoke","f":"get","key":"a","time":1})"
      "\n"
      R"({"process":1,"type":"ok","f":"get","key":"a","value":"","time":2})"
      "\n"
      R"({"process":1,"type":"invoke","f":"frobnicate","key":"a","time":3})");
  auto r = check(h, CheckOptions{});
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("h.jsonl:3:"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("frobnicate"), std::string::npos);
}

TEST(HistoryParse, ToJsonLineRoundTrips) {
  HistoryEvent e{7, "invoke", "append", "k", "x 7 1 y", 42};
  History h = parse_ok(to_json_line(e));
  ASSERT_EQ(h.ops.size(), 1u);
  EXPECT_EQ(h.ops[0].process, 7);
  EXPECT_EQ(h.ops[0].input, "x 7 1 y");
  EXPECT_EQ(h.ops[0].call_time, 42);
}

}  // namespace
}  // namespace checker
