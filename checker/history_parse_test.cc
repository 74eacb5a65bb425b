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
