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

// The embedded data of a checker page (the JSON inside <script id="data">).
nlohmann::json page_data(const std::string& html) {
  const std::string open = "<script type=\"application/json\" id=\"data\">";
  const size_t from = html.find(open);
  EXPECT_NE(from, std::string::npos);
  if (from == std::string::npos) return nullptr;
  const size_t start = from + open.size();
  const size_t end = html.find("</script>", start);
  return nlohmann::json::parse(html.substr(start, end - start));
}

TEST(HtmlReport, WhereAShortReadLeavesTheStateIsMarkedToo) {
  const History h = parse(
      R"({"process":1,"type":"invoke","f":"append","key":"k","value":"x 1 0 y","time":1000})" "\n"
      R"({"process":1,"type":"ok","f":"append","key":"k","value":"x 1 0 y","time":2000})" "\n"
      R"({"process":1,"type":"invoke","f":"append","key":"k","value":"x 1 1 y","time":3000})" "\n"
      R"({"process":1,"type":"ok","f":"append","key":"k","value":"x 1 1 y","time":4000})" "\n"
      R"({"process":2,"type":"invoke","f":"get","key":"k","value":null,"time":5000})" "\n"
      R"({"process":2,"type":"ok","f":"get","key":"k","value":"x 1 0 yx 1 2 y","time":6000})" "\n");
  CheckOptions opts;
  opts.explain = true;
  auto r = check(h, opts);
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->verdict, Verdict::kViolation);
  const std::string html = render_html(h, *r);
  const nlohmann::json d = page_data(html);
  ASSERT_EQ(d["drawn"].size(), 1u);
  const nlohmann::json& part = d["drawn"][0];
  ASSERT_EQ(part["stuck"].size(), 1u);
  const nlohmann::json& op = part["ops"][part["stuck"][0].get<size_t>()];
  EXPECT_EQ(op["f"], "get");
  const nlohmann::json& diff = part["stuck_diffs"][0];
  ASSERT_TRUE(diff.is_object()) << "a short read gets its first difference too";
  EXPECT_EQ(diff["at"], 12) << "the quote and 'x 1 0 yx 1 ' agree";
  EXPECT_EQ(diff["before"], "\"x 1 0 yx 1 ") << "the whole common text: nothing left out";
  EXPECT_EQ(diff["read"], "2 y\"");
  EXPECT_EQ(diff["state"], "1 y\"");
  EXPECT_EQ(diff["before_cut"], false);
  EXPECT_EQ(diff["read_cut"], false);
  EXPECT_EQ(diff["state_cut"], false);
  // The page marks the differing part of each side.
  EXPECT_NE(html.find("<mark>${esc(d.read)}</mark>"), std::string::npos);
  EXPECT_NE(html.find("<mark>${esc(d.state)}</mark>"), std::string::npos);
  // The text report still prints short reads whole, without a pointer into them.
  EXPECT_EQ(format_text(h, *r).find("first difference"), std::string::npos);
}

TEST(HtmlReport, ALongReadIsShownAroundItsFirstDifference) {
  std::string value;
  for (int i = 0; i < 30; ++i) value += "x 1 " + std::to_string(i) + " y";
  std::string lines;
  int64_t t = 1000;
  for (int i = 0; i < 30; ++i) {
    const std::string item = "x 1 " + std::to_string(i) + " y";
    lines += R"({"process":1,"type":"invoke","f":"append","key":"k","value":")" + item + R"(","time":)" +
             std::to_string(t++) + "}\n";
    lines += R"({"process":1,"type":"ok","f":"append","key":"k","value":")" + item + R"(","time":)" +
             std::to_string(t++) + "}\n";
  }
  value.replace(value.find("x 1 20 y"), 8, "x 1 99 y");
  lines += R"({"process":2,"type":"invoke","f":"get","key":"k","value":null,"time":)" + std::to_string(t++) + "}\n";
  lines += R"({"process":2,"type":"ok","f":"get","key":"k","value":")" + value + R"(","time":)" +
           std::to_string(t++) + "}\n";
  const History h = parse(lines);
  CheckOptions opts;
  opts.explain = true;
  auto r = check(h, opts);
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->verdict, Verdict::kViolation);
  const nlohmann::json d = page_data(render_html(h, *r));
  const nlohmann::json& diff = d["drawn"][0]["stuck_diffs"][0];
  ASSERT_TRUE(diff.is_object());
  EXPECT_EQ(diff["before_cut"], true);
  EXPECT_EQ(diff["read_cut"], true);
  EXPECT_EQ(diff["read"].get<std::string>().rfind("99 y", 0), 0u) << diff.dump();
  EXPECT_EQ(diff["state"].get<std::string>().rfind("20 y", 0), 0u) << diff.dump();
}

}  // namespace
}  // namespace checker
