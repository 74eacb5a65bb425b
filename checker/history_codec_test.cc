// Compact histories: the encoder's reads written as references read back as the same values, the
// reader refuses every malformed reference and every corrupt or truncated zstd input with the
// line or byte offset, and plain and compressed files of one history parse the same.
#include "checker/history_codec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "checker/checker.h"
#include "checker/history.h"

namespace checker {
namespace {

// A history with long own-key reads (as the harness records them), a read that is no extension of
// the previous one, multi-byte characters around the cut, and an invalid UTF-8 byte.
std::vector<HistoryEvent> events() {
  std::vector<HistoryEvent> out;
  std::string value;
  int64_t t = 1000;
  for (int i = 0; i < 120; ++i) {
    const std::string piece = "x 1 " + std::to_string(i) + (i % 7 == 3 ? " \xc3\xa9\xe2\x82\xac y" : " y");
    out.push_back({1, "invoke", "append", "k", piece, t++});
    out.push_back({1, "ok", "append", "k", piece, t++});
    value += piece;
    out.push_back({2, "invoke", "get", "k", nullptr, t++});
    out.push_back({2, "ok", "get", "k", value, t++});
  }
  std::string other = value;
  other[70] = 'Z';  // shares 70 bytes with the last read
  out.push_back({3, "invoke", "get", "k", nullptr, t++});
  out.push_back({3, "ok", "get", "k", other, t++});
  out.push_back({4, "invoke", "put", "j", std::string(100, 'a') + "\xff", t++});
  out.push_back({4, "info", "put", "j", nullptr, t++});
  return out;
}

std::string encode(bool delta) {
  JsonLinesEncoder enc(delta);
  std::string text;
  for (HistoryEvent e : events()) enc.append(e, &text);
  return text;
}

std::string compress(const std::string& text, size_t flush_every = 0) {
  ZstdWriter z(3);
  std::string out;
  for (size_t at = 0; at < text.size();) {
    const size_t n = flush_every ? std::min(flush_every, text.size() - at) : text.size();
    EXPECT_TRUE(z.write(std::string_view(text).substr(at, n), &out).is_ok());
    if (flush_every) {
      EXPECT_TRUE(z.flush(&out).is_ok());
    }
    at += n;
  }
  EXPECT_TRUE(z.end(&out).is_ok());
  return out;
}

History parse_ok(std::string_view bytes) {
  auto h = parse_history_bytes(bytes, HistoryFormat::kAuto, "h");
  EXPECT_TRUE(h.is_ok()) << h.status().message();
  return h.is_ok() ? std::move(h).value() : History{};
}

std::string parse_error(std::string_view bytes) {
  auto h = parse_history_bytes(bytes, HistoryFormat::kAuto, "h");
  EXPECT_FALSE(h.is_ok());
  return h.is_ok() ? "" : h.status().message();
}

void expect_same(const History& a, const History& b) {
  ASSERT_EQ(a.ops.size(), b.ops.size());
  for (size_t i = 0; i < a.ops.size(); ++i) {
    EXPECT_EQ(a.ops[i].input, b.ops[i].input) << i;
    EXPECT_EQ(a.ops[i].output, b.ops[i].output) << i;
    EXPECT_EQ(a.ops[i].call_time, b.ops[i].call_time) << i;
    EXPECT_EQ(a.ops[i].return_time, b.ops[i].return_time) << i;
    EXPECT_EQ(a.ops[i].call_line, b.ops[i].call_line) << i;
    EXPECT_EQ(a.ops[i].return_line, b.ops[i].return_line) << i;
  }
}

TEST(CompactHistory, ReferencesReadBackAsTheValuesTheyStandFor) {
  const std::string full = encode(false), compact = encode(true);
  EXPECT_EQ(compact.find("\"prefix_of\":") != std::string::npos, true);
  EXPECT_EQ(full.find("\"prefix_of\":"), std::string::npos);
  EXPECT_LT(compact.size() * 2, full.size()) << "the long reads are written as suffixes";
  const History a = parse_ok(full), b = parse_ok(compact);
  expect_same(a, b);
  // The values are what was recorded (the invalid byte as U+FFFD).
  const auto evs = events();
  EXPECT_EQ(b.ops[239].output, evs[479].value);
  EXPECT_EQ(b.ops[240].output, evs[481].value);
  EXPECT_EQ(b.ops[241].input, std::string(100, 'a') + "\xef\xbf\xbd");
  // to_json_line writes whole values, one line.
  HistoryEvent e = evs[479];
  const std::string line = to_json_line(e);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("\"value\":"), std::string::npos);
}

TEST(CompactHistory, ZstdFilesParseAsTheirText) {
  for (bool delta : {false, true}) {
    const std::string text = encode(delta);
    const History plain = parse_ok(text);
    for (size_t flush : {size_t{0}, size_t{100}}) {
      const std::string z = compress(text, flush);
      ASSERT_TRUE(is_zstd(z));
      EXPECT_LT(z.size(), text.size());
      expect_same(plain, parse_ok(z));
    }
    // Two frames one after the other (a writer that ended a frame and began another) are one file.
    expect_same(parse_ok(text + text.substr(0, 0)), plain);
    const std::string two = compress(text.substr(0, text.size() / 2)) + compress(text.substr(text.size() / 2));
    expect_same(parse_ok(two), plain);
  }
}

TEST(CompactHistory, CorruptOrTruncatedZstdNamesTheByteOffset) {
  const std::string z = compress(encode(true), 300);
  for (size_t cut : {z.size() - 1, z.size() / 2, size_t{10}}) {
    const std::string msg = parse_error(z.substr(0, cut));
    EXPECT_NE(msg.find("h: byte "), std::string::npos) << msg;
    EXPECT_NE(msg.find("truncated"), std::string::npos) << cut << ": " << msg;
  }
  std::string flipped = z;
  flipped[z.size() / 2] ^= 0x5a;
  const std::string msg = parse_error(flipped);
  EXPECT_NE(msg.find("h: byte "), std::string::npos) << msg;
  const std::string trailing = parse_error(z + "garbage!");
  EXPECT_NE(trailing.find("byte " + std::to_string(z.size())), std::string::npos) << trailing;
  EXPECT_NE(trailing.find("not a zstd frame"), std::string::npos) << trailing;
  auto big = parse_history_bytes(z, HistoryFormat::kAuto, "h", /*max_bytes=*/1000);
  ASSERT_FALSE(big.is_ok());
  EXPECT_NE(big.status().message().find("larger than 1000 bytes"), std::string::npos);
}

TEST(CompactHistory, MalformedReferencesNameTheLineAndField) {
  const std::string base =
      R"({"process":1,"type":"invoke","f":"put","key":"k","value":")" + std::string(70, 'a') + "\xc3\xa9" +
      R"(","time":1})" "\n" R"({"process":1,"type":"ok","f":"put","key":"k","value":null,"time":2})" "\n"
      R"({"process":2,"type":"invoke","f":"get","key":"k","value":null,"time":3})" "\n"
      R"({"process":3,"type":"invoke","f":"get","key":"j","value":null,"time":3})" "\n";
  auto line = [](const std::string& key, const std::string& ref) {
    return R"({"process":)" + std::string(key == "k" ? "2" : "3") + R"(,"type":"ok","f":"get","key":")" + key +
           "\"," + ref + R"(,"time":4})" "\n";
  };
  const History good = parse_ok(base + line("k", R"("prefix_of":1,"prefix_len":70,"suffix":"b")"));
  EXPECT_EQ(good.ops[1].output, std::string(70, 'a') + "b");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {line("k", R"("prefix_of":9,"prefix_len":3,"suffix":"")"), "h:5: field 'prefix_of'"},
      {line("k", R"("prefix_of":2,"prefix_len":3,"suffix":"")"), "h:5: field 'prefix_of': line 2 has no"},
      {line("j", R"("prefix_of":1,"prefix_len":3,"suffix":"")"), "h:5: field 'prefix_of': line 1 is on another key"},
      {line("k", R"("prefix_of":1,"prefix_len":73,"suffix":"")"), "h:5: field 'prefix_len': 73 bytes"},
      {line("k", R"("prefix_of":1,"prefix_len":71,"suffix":"")"), "h:5: field 'prefix_len': cuts a UTF-8"},
      {line("k", R"("prefix_of":1,"prefix_len":-1,"suffix":"")"), "h:5: field 'prefix_len'"},
      {line("k", R"("prefix_of":1,"prefix_len":3)"), "h:5: field 'suffix'"},
      {line("k", R"("prefix_of":1,"prefix_len":3,"suffix":"","value":"x")"), "h:5: fields 'value' and 'prefix_of'"},
      {line("k", R"("prefix_len":3,"suffix":"")"), "h:5: fields 'prefix_len' and 'suffix' need 'prefix_of'"},
  };
  for (const auto& [text, want] : cases) {
    const std::string msg = parse_error(base + text);
    EXPECT_EQ(msg.rfind(want, 0), 0u) << text << " => " << msg;
  }
}

}  // namespace
}  // namespace checker
