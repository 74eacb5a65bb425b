// The run report, read back as HTML: series and legend colours (each series in its own colour, the
// legend in the line's colour), round y ticks, time labels inside the chart, latency p50/p99 and
// throughput per operation type, the first non-linearizable operation marked on the time axis, a
// baseline unreliable network shaded, and the scenario's description and unsafe settings at the
// top. Also the pure parts: nice_ticks, tick_label, quantile, bucket_operations.
#include "harness/verdict/report.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "harness/verdict/report_chart.h"
#include "harness/verdict/report_series.h"
#include "harness/verdict/run_results.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

// ---- a small reader for the SVG inside the page: elements with their attributes and text ----

struct Element {
  std::string tag;
  std::map<std::string, std::string> attrs;
  std::string text;  // the text up to the next tag (a <text>'s label)
  std::string attr(const std::string& name) const {
    auto it = attrs.find(name);
    return it == attrs.end() ? "" : it->second;
  }
  // "fill:#2b6cb0" in style='...' -> "#2b6cb0"
  std::string style(const std::string& property) const {
    const std::string s = attr("style");
    const size_t at = s.find(property + ":");
    if (at == std::string::npos) return "";
    const size_t from = at + property.size() + 1;
    return s.substr(from, s.find(';', from) - from);
  }
};

bool name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

// Start tags with their attributes (name=value, value quoted with ' or " or bare) and the text
// after each. Closing tags and comments are skipped. (No std::regex: GCC 12 warns falsely in it
// under the sanitizers, and the build uses -Werror.)
std::vector<Element> elements(const std::string& markup) {
  std::vector<Element> out;
  size_t pos = 0;
  // Bounded: pos moves past at least one character each round.
  while ((pos = markup.find('<', pos)) != std::string::npos) {
    ++pos;
    if (pos >= markup.size() || !std::isalpha(static_cast<unsigned char>(markup[pos]))) continue;
    Element e;
    while (pos < markup.size() && name_char(markup[pos])) e.tag += markup[pos++];
    // Bounded by the end of the tag.
    while (pos < markup.size() && markup[pos] != '>') {
      if (!std::isalpha(static_cast<unsigned char>(markup[pos]))) {
        ++pos;
        continue;
      }
      std::string name;
      while (pos < markup.size() && name_char(markup[pos])) name += markup[pos++];
      if (pos >= markup.size() || markup[pos] != '=') continue;
      ++pos;
      std::string value;
      if (pos < markup.size() && (markup[pos] == '\'' || markup[pos] == '"')) {
        const char quote = markup[pos++];
        const size_t close = markup.find(quote, pos);
        value = markup.substr(pos, close - pos);
        pos = close == std::string::npos ? markup.size() : close + 1;
      } else {
        while (pos < markup.size() && !std::isspace(static_cast<unsigned char>(markup[pos])) &&
               markup[pos] != '>' &&
               !(markup[pos] == '/' && pos + 1 < markup.size() && markup[pos + 1] == '>')) {
          value += markup[pos++];
        }
      }
      e.attrs[name] = value;
    }
    if (pos < markup.size()) ++pos;  // past '>'
    const size_t next = markup.find('<', pos);
    e.text = markup.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    out.push_back(std::move(e));
  }
  return out;
}

// "12", "0.25": digits, optionally a point and one or two more.
bool plain_number(const std::string& s) {
  const size_t point = s.find('.');
  const std::string whole = s.substr(0, point);
  const std::string fraction = point == std::string::npos ? "" : s.substr(point + 1);
  auto digits = [](const std::string& d) {
    return std::all_of(d.begin(), d.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return !whole.empty() && digits(whole) &&
         (point == std::string::npos ||
          (!fraction.empty() && fraction.size() <= 2 && digits(fraction)));
}

// The page's charts: the markup of each <svg class=chart>...</svg>.
std::vector<std::string> charts(const std::string& html) {
  std::vector<std::string> out;
  size_t pos = 0;
  while ((pos = html.find("<svg class=chart", pos)) != std::string::npos) {
    const size_t end = html.find("</svg>", pos);
    out.push_back(html.substr(pos, end - pos));
    pos = end;
  }
  return out;
}

// ---- a synthetic run directory ----

constexpr int64_t kOrigin = 1'000'000'000;  // history clock at the run's start (ns)
constexpr int64_t kMs = 1'000'000;

const char* const kUnsafeScenario = R"(# Must FAIL: dedup off over an unreliable network.
# A retried append is applied twice.
name: report-test
unsafe: true
cluster:
  nodes: 3
  dedup: false
network:
  drop_requests: 0.1
  drop_replies: 0.1
  delay: [0ms, 26ms]
  links: all
clients:
  count: 2
  keys: own
  mix: {append: 50, get: 50}
phases:
  - name: clients
    workload: {duration: 4s}
checks:
  linearizable: true
)";

const char* const kReliableScenario = R"(name: report-test-reliable
description: a reliable run
cluster:
  nodes: 3
clients:
  count: 2
  keys: own
  mix: {append: 50, get: 50}
phases:
  - name: clients
    workload: {duration: 4s}
)";

void write(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
}

std::string event(int p, const char* type, const char* f, const std::string& value, int64_t t) {
  return "{\"process\":" + std::to_string(p) + ",\"type\":\"" + type + "\",\"f\":\"" + f +
         "\",\"key\":\"k" + std::to_string(p) + "\",\"value\":" + value +
         ",\"time\":" + std::to_string(t) + "}\n";
}

// A 4-second run: two processes, appends taking 20 ms and gets 5 ms, back to back. With
// `violation`, the checker's JSON names a stuck get at 2.0 s .. 2.1 s (line 77).
fs::path make_run(const std::string& name, const char* scenario, bool violation) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("report-test-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  RunResults r;
  r.scenario = name;
  r.file = "scenarios/demo/" + name + ".yaml";
  r.seed = 7;
  r.origin_ns = kOrigin;
  r.figures.seconds = 4.0;
  r.checks.push_back(CheckOutcome{"linearizable", violation ? CheckVerdict::kViolation : CheckVerdict::kPass, "s",
                                  nlohmann::json::object()});
  r.phases.push_back(PhaseSpan{"clients", 0, kOrigin + 100 * kMs, kOrigin + 3900 * kMs});
  EXPECT_TRUE(write_results_json(r, (dir / "results.json").string()).is_ok());
  write(dir / "scenario.yaml", scenario);
  std::string history;
  for (int p = 0; p < 2; ++p) {
    int64_t t = kOrigin + 10 * kMs;
    std::string value;
    // Bounded: t grows by at least 25 ms a round up to 3.9 s.
    for (int i = 0; t < kOrigin + 3900 * kMs; ++i) {
      const std::string item = "x " + std::to_string(p) + " " + std::to_string(i) + " y";
      history += event(p, "invoke", "append", "\"" + item + "\"", t);
      history += event(p, "ok", "append", "\"" + item + "\"", t + 20 * kMs);
      value += item;
      history += event(p, "invoke", "get", "null", t + 20 * kMs);
      history += event(p, "ok", "get", "\"" + value + "\"", t + 25 * kMs);
      t += 25 * kMs;
    }
  }
  write(dir / "history.jsonl", history);
  write(dir / "nemesis.jsonl", "{\"time\":" + std::to_string(kOrigin + 1000 * kMs) +
                                   ",\"active\":\"partition {0}|{1,2}\",\"detail\":\"partition\"}\n"
                                   "{\"time\":" +
                                   std::to_string(kOrigin + 1500 * kMs) +
                                   ",\"active\":\"none\",\"detail\":\"heal\"}\n");
  if (violation) {
    nlohmann::json stuck = {{"call", kOrigin + 2000 * kMs},
                            {"return", kOrigin + 2100 * kMs},
                            {"f", "get"},
                            {"process", 0},
                            {"line", 77},
                            {"output", "x 0 0 yx 0 0 y"}};
    nlohmann::json later = stuck;
    later["call"] = kOrigin + 3000 * kMs;
    later["return"] = kOrigin + 3100 * kMs;
    nlohmann::json lin = {
        {"verdict", "violation"},
        {"partitions",
         {{{"key", "k0"}, {"verdict", "violation"}, {"stuck_ops", {later, stuck}}},
          {{"key", "k1"}, {"verdict", "ok"}}}}};
    write(dir / "linearizability.json", lin.dump());
    write(dir / "linearizability.txt", "key k0: violation\n");
  }
  return dir;
}

std::string report_of(const fs::path& dir) {
  EXPECT_TRUE(write_report(dir.string()).is_ok());
  std::ifstream in(dir / "report.html");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The chart geometry the report uses (report_chart.cc): plot from x=60 to x=960-28.
double x_of(double seconds, double end) { return 60 + seconds / end * (960 - 60 - 28); }

TEST(Report, EverySeriesAndItsLegendShareOneColourAndOperationTypesDiffer) {
  const std::string html = report_of(make_run("colours", kUnsafeScenario, true));
  const auto all = charts(html);
  ASSERT_EQ(all.size(), 3u);
  std::map<std::string, std::string> latency_colour;  // series name -> colour
  for (const std::string& chart : all) {
    std::map<std::string, std::string> line_colour, legend_colour;
    for (const Element& e : elements(chart)) {
      if (e.tag == "path" && e.attr("class") == "series") {
        line_colour[e.attr("data-series")] = e.style("stroke");
      }
      if (e.tag == "text" && e.attr("class") == "legend") legend_colour[e.text] = e.style("fill");
    }
    ASSERT_FALSE(line_colour.empty());
    EXPECT_EQ(line_colour, legend_colour) << chart.substr(0, 200);
    if (chart.find("latency") != std::string::npos) latency_colour = line_colour;
  }
  // Latency: p50 and p99 per operation type, one colour per type, different types different.
  ASSERT_TRUE(latency_colour.count("get p50") && latency_colour.count("get p99"));
  ASSERT_TRUE(latency_colour.count("append p50") && latency_colour.count("append p99"));
  EXPECT_EQ(latency_colour["get p50"], latency_colour["get p99"]);
  EXPECT_EQ(latency_colour["append p50"], latency_colour["append p99"]);
  EXPECT_NE(latency_colour["get p50"], latency_colour["append p50"]);
  // No stylesheet rule sets the legend's fill (the old `.chart .ax` rule greyed every legend).
  const std::string css = html.substr(0, html.find("</style>"));
  const size_t legend_rule = css.find(".legend{");
  ASSERT_NE(legend_rule, std::string::npos);
  const std::string rule = css.substr(legend_rule, css.find('}', legend_rule) - legend_rule);
  EXPECT_EQ(rule.find("fill"), std::string::npos) << rule;
}

TEST(Report, ThroughputIsPerOperationTypeAndLatencyPercentilesAreRight) {
  const std::string html = report_of(make_run("per-type", kUnsafeScenario, false));
  const auto all = charts(html);
  ASSERT_EQ(all.size(), 3u);
  std::map<std::string, std::string> throughput;
  for (const Element& e : elements(all[0])) {
    if (e.tag == "path" && e.attr("class") == "series")
      throughput[e.attr("data-series")] = e.attr("d");
  }
  EXPECT_EQ(throughput.size(), 3u);
  EXPECT_TRUE(throughput.count("all") && throughput.count("get") && throughput.count("append"));
}

TEST(Report, YTicksAreRoundAndTheLastTimeLabelFitsInTheChart) {
  const std::string html = report_of(make_run("ticks", kUnsafeScenario, true));
  for (const std::string& chart : charts(html)) {
    std::vector<double> yticks;
    double last_x = 0;
    std::string last_label;
    for (const Element& e : elements(chart)) {
      if (e.tag != "text" || e.attr("class") != "ax") continue;
      if (e.attr("text-anchor") == "end") {
        EXPECT_TRUE(plain_number(e.text)) << e.text;
        yticks.push_back(std::stod(e.text));
      } else if (std::stod(e.attr("x")) >= last_x) {
        last_x = std::stod(e.attr("x"));
        last_label = e.text;
      }
    }
    ASSERT_GE(yticks.size(), 2u);
    for (size_t i = 2; i < yticks.size(); ++i) {
      EXPECT_NEAR(yticks[i] - yticks[i - 1], yticks[1] - yticks[0], 1e-9) << "uneven y ticks";
    }
    // A label is centred on its x; ~6 px per character at font-size 10.
    EXPECT_LE(last_x + 3.0 * static_cast<double>(last_label.size()), 960) << last_label;
    EXPECT_EQ(last_label, "4s");
  }
}

TEST(Report, TheFirstNonLinearizableOperationIsMarkedOnEveryChart) {
  const std::string html = report_of(make_run("violation", kUnsafeScenario, true));
  const auto all = charts(html);
  ASSERT_EQ(all.size(), 3u);
  for (const std::string& chart : all) {
    const auto els = elements(chart);
    bool marked = false;
    for (size_t i = 0; i + 1 < els.size(); ++i) {
      if (els[i].tag != "g" || els[i].attr("class") != "violation") continue;
      ASSERT_EQ(els[i + 1].tag, "rect");
      // The earlier of the two stuck operations: 2.0 s to 2.1 s.
      EXPECT_NEAR(std::stod(els[i + 1].attr("x")), x_of(2.0, 4.0), 0.5);
      EXPECT_NEAR(std::stod(els[i + 1].attr("width")), x_of(2.1, 4.0) - x_of(2.0, 4.0), 0.5);
      marked = true;
    }
    EXPECT_TRUE(marked);
  }
  EXPECT_NE(html.find("first operation that cannot be linearized: p0 get key k0"),
            std::string::npos);
  EXPECT_NE(html.find("history line 77"), std::string::npos);
  EXPECT_EQ(
      charts(report_of(make_run("no-violation", kUnsafeScenario, false)))[0].find("violation"),
      std::string::npos);
}

TEST(Report, ABaselineUnreliableNetworkIsShadedAndAFaultIntervalToo) {
  const std::string unreliable = report_of(make_run("unreliable", kUnsafeScenario, false));
  const std::string reliable = report_of(make_run("reliable", kReliableScenario, false));
  for (const std::string& chart : charts(unreliable)) {
    bool baseline = false, fault = false;
    for (const Element& e : elements(chart)) {
      if (e.tag == "rect" && e.attr("class") == "baseline") {
        baseline = true;
        EXPECT_NEAR(std::stod(e.attr("x")), 60, 1e-9);
        EXPECT_NEAR(std::stod(e.attr("width")), 960 - 60 - 28, 1e-9);
      }
      if (e.tag == "rect" && e.attr("class") == "fault") {
        fault = true;
        EXPECT_NEAR(std::stod(e.attr("x")), x_of(1.0, 4.0), 0.5);
      }
    }
    EXPECT_TRUE(baseline);
    EXPECT_TRUE(fault);
  }
  EXPECT_NE(unreliable.find("drop req 0.1 rep 0.1"), std::string::npos);
  for (const std::string& chart : charts(reliable)) {
    EXPECT_EQ(chart.find("class=baseline"), std::string::npos);
  }
}

TEST(Report, TheScenarioDescriptionAndUnsafeSettingsComeFirst) {
  const std::string unsafe = report_of(make_run("settings", kUnsafeScenario, true));
  const size_t description = unsafe.find(
      "Must FAIL: dedup off over an unreliable network. A retried append is applied twice.");
  const size_t dedup = unsafe.find("dedup: off (a retried put or append may be applied twice)");
  ASSERT_NE(description, std::string::npos);
  ASSERT_NE(dedup, std::string::npos);
  EXPECT_LT(dedup, unsafe.find("<h2>Checks</h2>"));
  EXPECT_LT(description, unsafe.find("<h2>Checks</h2>"));
  const std::string reliable = report_of(make_run("settings-reliable", kReliableScenario, false));
  EXPECT_NE(reliable.find("a reliable run"), std::string::npos);
  EXPECT_EQ(reliable.find("Unsafe settings"), std::string::npos);
}

TEST(Report, AnUnreadableScenarioFileIsSaidAndTheRestIsStillWritten) {
  const fs::path dir = make_run("no-scenario", kReliableScenario, false);
  write(dir / "scenario.yaml", "name: [unclosed\n");
  const std::string html = report_of(dir);
  EXPECT_NE(html.find("scenario.yaml could not be read"), std::string::npos);
  EXPECT_EQ(charts(html).size(), 3u);
}

// ---- the pure parts ----

TEST(NiceTicks, StepsAreOneTwoOrFiveTimesAPowerOfTenAndReachTheMax) {
  struct Case {
    double max;
    std::vector<double> ticks;
  };
  const std::vector<Case> cases = {
      {6359.3, {0, 2000, 4000, 6000, 8000}},
      {128.5, {0, 50, 100, 150}},
      {761.2, {0, 200, 400, 600, 800}},
      {1.0, {0, 0.5, 1.0}},
      {0, {0, 1}},
      {5.13, {0, 1, 2, 3, 4, 5, 6}},
  };
  for (const Case& c : cases) {
    auto t = nice_ticks(c.max, c.max == 5.13 ? 10 : 4);
    ASSERT_EQ(t.size(), c.ticks.size()) << c.max;
    for (size_t i = 0; i < t.size(); ++i) EXPECT_NEAR(t[i], c.ticks[i], 1e-9) << c.max;
  }
  EXPECT_EQ(tick_label(6000), "6000");
  EXPECT_EQ(tick_label(0.25), "0.25");
  EXPECT_EQ(tick_label(1500), "1500");
  EXPECT_EQ(tick_label(0), "0");
}

TEST(BucketOperations, PercentilesAndThroughputPerTypeAndGapsWhereNothingCompleted) {
  std::vector<double> v = {5, 1, 4, 2, 3};
  EXPECT_EQ(quantile(v, 0.5), 3);
  EXPECT_EQ(quantile(v, 0.99), 5);
  std::vector<double> none;
  EXPECT_TRUE(std::isnan(quantile(none, 0.5)));

  checker::History h;
  auto op = [&](const char* f, int64_t call_ms, int64_t return_ms, checker::OpStatus st) {
    checker::Operation o;
    o.f = f;
    o.call_time = kOrigin + call_ms * kMs;
    o.return_time = kOrigin + return_ms * kMs;
    o.status = st;
    h.ops.push_back(o);
  };
  // Bucket 0 (0-1 s): gets of 10, 20, 30 ms; bucket 1: one append of 100 ms and an unknown get.
  op("get", 100, 110, checker::OpStatus::kOk);
  op("get", 200, 220, checker::OpStatus::kOk);
  op("get", 300, 330, checker::OpStatus::kOk);
  op("append", 1500, 1600, checker::OpStatus::kOk);
  op("get", 1700, 0, checker::OpStatus::kUnknown);
  RunSeries s = bucket_operations(h, kOrigin, 2.0, 2);
  ASSERT_EQ(s.by_type.size(), 2u);
  EXPECT_EQ(s.by_type[0].f, "append");
  EXPECT_EQ(s.by_type[1].f, "get");
  const OpTypeSeries& get = s.by_type[1];
  EXPECT_DOUBLE_EQ(get.ops_per_s[0], 3);
  EXPECT_DOUBLE_EQ(get.ops_per_s[1], 0);
  EXPECT_DOUBLE_EQ(get.p50_ms[0], 20);
  EXPECT_DOUBLE_EQ(get.p99_ms[0], 30);
  EXPECT_TRUE(std::isnan(get.p50_ms[1]));
  EXPECT_DOUBLE_EQ(s.by_type[0].p50_ms[1], 100);
  EXPECT_DOUBLE_EQ(s.ops_per_s[0], 3);
  EXPECT_DOUBLE_EQ(s.ops_per_s[1], 1);
  EXPECT_DOUBLE_EQ(s.unknown[1], 1);
}

}  // namespace
}  // namespace harness
