// The text report's details: times shown relative only when the history has clock times, and
// where a long read departs from the state, counted in characters and cut between them.
#include <gtest/gtest.h>

#include <string>

#include "checker/checker.h"
#include "checker/report_common.h"

namespace checker {
namespace {

History parse(const std::string& text) {
  auto h = parse_history_text(text, HistoryFormat::kJson, "test.jsonl");
  EXPECT_TRUE(h.is_ok()) << h.status().message();
  return h.is_ok() ? std::move(h).value() : History{};
}

std::string report(const History& h) {
  auto r = check(h, CheckOptions{});
  EXPECT_TRUE(r.is_ok());
  return r.is_ok() ? format_text(h, *r) : "";
}

TEST(TextReport, ClockTimesAreShownAsMillisecondsSinceTheFirstCall) {
  const History h = parse(
      R"({"process":1,"type":"invoke","f":"append","key":"k","value":"x","time":5000000000})" "\n"
      R"({"process":1,"type":"ok","f":"append","key":"k","value":"x","time":5001000000})" "\n"
      R"({"process":2,"type":"invoke","f":"get","key":"k","value":null,"time":5002000000})" "\n"
      R"({"process":2,"type":"ok","f":"get","key":"k","value":"y","time":5002500000})" "\n");
  EXPECT_TRUE(h.times_in_ns);
  const std::string text = report(h);
  EXPECT_NE(text.find("[call +2.000 ms, return +2.500 ms]"), std::string::npos) << text;
}

TEST(TextReport, ARecordersOwnTimeOriginIsUsedAndNamedInEveryReport) {
  History h = parse(
      R"({"process":1,"type":"invoke","f":"append","key":"k","value":"x","time":5000000000})" "\n"
      R"({"process":1,"type":"ok","f":"append","key":"k","value":"x","time":5001000000})" "\n"
      R"({"process":2,"type":"invoke","f":"get","key":"k","value":null,"time":5002000000})" "\n"
      R"({"process":2,"type":"ok","f":"get","key":"k","value":"y","time":5002500000})" "\n");
  h.time_origin = 4000000000;  // the run started a second before the first call
  h.time_origin_label = "the run's start";
  const std::string text = report(h);
  EXPECT_NE(text.find("[call +1002.000 ms, return +1002.500 ms]"), std::string::npos) << text;
  EXPECT_NE(text.find("times: ms since the run's start"), std::string::npos) << text;
  auto r = check(h, CheckOptions{});
  ASSERT_TRUE(r.is_ok());
  const nlohmann::json j = to_json(h, *r);
  EXPECT_EQ(j["time_origin"], 4000000000);
  EXPECT_EQ(j["time_origin_label"], "the run's start");
}

TEST(TextReport, HistoriesWithoutTimesShowTheirLineOrder) {
  const History h = parse(
      R"({"process":1,"type":"invoke","f":"append","key":"k","value":"x"})" "\n"
      R"({"process":1,"type":"ok","f":"append","key":"k","value":"x"})" "\n"
      R"({"process":2,"type":"invoke","f":"get","key":"k","value":null})" "\n"
      R"({"process":2,"type":"ok","f":"get","key":"k","value":"y"})" "\n");
  EXPECT_FALSE(h.times_in_ns);
  const std::string text = report(h);
  EXPECT_NE(text.find("[call 3, return 4]"), std::string::npos) << text;
}

TEST(FirstDifference, CountsCharactersAndCutsBetweenThem) {
  std::string common;
  for (int i = 0; i < 40; ++i) common += "\xc3\xa9";  // é, two bytes each
  const auto d = first_difference(nlohmann::json(common + "AABA"), nlohmann::json(common + "AAAA").dump(),
                                  /*context=*/5, /*width=*/3);
  ASSERT_TRUE(d.has_value());
  EXPECT_EQ(d->at, 43u) << "the quote, 40 é and AA agree";
  EXPECT_EQ(d->before, "\xc3\xa9\xc3\xa9\xc3\xa9" "AA") << "five characters, not five bytes";
  EXPECT_EQ(d->read_after, "BA\"");
  EXPECT_EQ(d->state_after, "AA\"");
  EXPECT_EQ(shorten_middle(common, 9, "..."), "\xc3\xa9\xc3\xa9...\xc3\xa9\xc3\xa9")
      << "never half a character";
}

}  // namespace
}  // namespace checker
