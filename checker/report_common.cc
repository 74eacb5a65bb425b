// The pieces shared by the text, JSON and HTML reports (report_common.h).
#include "checker/report_common.h"

#include <algorithm>
#include <cstdio>

namespace checker {

nlohmann::json summary_fields(const History& history, const CheckResult& result) {
  nlohmann::json j;
  j["source"] = history.source;
  j["format"] = history.format;
  j["model"] = result.model;
  j["verdict"] = verdict_name(result.verdict);
  j["message"] = result.message;
  j["operations"] = result.operations;
  j["failed"] = result.failed;
  j["unknown"] = result.unknown;
  j["non_client_events"] = history.non_client_events;
  j["seconds"] = result.seconds;
  j["peak_resident_bytes"] = result.peak_resident_bytes;
  if (const TimeLabels labels(history); labels.relative()) {
    j["time_origin"] = labels.origin();
    j["time_origin_label"] = history.time_origin_label;
  }
  return j;
}

namespace {

bool utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Moves byte offset `i` back to the start of the UTF-8 character it falls in.
size_t char_start(const std::string& s, size_t i) {
  while (i > 0 && i < s.size() && utf8_continuation(s[i])) --i;
  return i;
}

// `s` from byte `from` for about `width` bytes, cut between characters.
std::string char_window(const std::string& s, size_t from, size_t width) {
  if (from >= s.size()) return "";
  const size_t end = width >= s.size() - from ? s.size() : char_start(s, from + width);
  return s.substr(from, end - from);
}

}  // namespace

std::string shorten_middle(const std::string& s, size_t max, const std::string& mark) {
  if (s.size() <= max) return s;
  const size_t head = char_start(s, max / 2);
  const size_t tail = char_start(s, s.size() - max / 2);
  return s.substr(0, head) + mark + s.substr(tail);
}

std::optional<FirstDifference> first_difference(const nlohmann::json& read, const std::string& state,
                                                size_t context, size_t width) {
  const std::string r = read.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (state.empty() || state[0] != '"') return std::nullopt;
  size_t b = 0;
  while (b < r.size() && b < state.size() && r[b] == state[b]) ++b;
  b = char_start(r, b);  // the texts agree before b, so it is a character start in both
  FirstDifference d;
  for (size_t i = 0; i < b; ++i) d.at += !utf8_continuation(r[i]);
  size_t from = b;
  for (size_t k = 0; k < context && from > 0; ++k) from = char_start(r, from - 1);
  d.before = r.substr(from, b - from);
  d.before_cut = from > 0;
  d.read_after = char_window(r, b, width);
  d.state_after = char_window(state, b, width);
  d.read_cut = b + d.read_after.size() < r.size();
  d.state_cut = b + d.state_after.size() < state.size();
  return d;
}

TimeLabels::TimeLabels(const History& history) {
  relative_ = history.times_in_ns && !history.ops.empty();
  if (!relative_) return;  // origin_ stays 0
  if (history.time_origin) {
    origin_ = *history.time_origin;
    return;
  }
  origin_ = INT64_MAX;
  for (const Operation& op : history.ops) origin_ = std::min(origin_, op.call_time);
}

std::string TimeLabels::operator()(int64_t time) const {
  if (time == kNeverReturned) return "never";
  if (!relative_) return std::to_string(time);
  char buf[48];
  std::snprintf(buf, sizeof buf, "+%.3f ms", static_cast<double>(time - origin_) / 1e6);
  return buf;
}

}  // namespace checker
