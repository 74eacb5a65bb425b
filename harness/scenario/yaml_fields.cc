#include "harness/scenario/yaml_fields.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <sstream>

namespace harness {

std::string YamlPlace::describe() const {
  std::ostringstream out;
  out << file;
  if (!mark.is_null()) out << ":" << mark.line + 1 << ":" << mark.column + 1;
  if (!path.empty()) out << ": " << path;
  return out.str();
}

void fail_at(const YamlPlace& place, const std::string& what) {
  throw ScenarioError(place.describe() + ": " + what);
}

std::chrono::microseconds parse_duration(const YamlPlace& place, const YAML::Node& node) {
  if (!node.IsScalar()) fail_at(place, "expected a duration like 150ms or 1.5s");
  const std::string text = node.Scalar();
  size_t unit_at = 0;
  while (unit_at < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[unit_at])) || text[unit_at] == '.')) {
    ++unit_at;
  }
  const std::string number = text.substr(0, unit_at);
  const std::string unit = text.substr(unit_at);
  double scale = 0;
  if (unit == "us") scale = 1;
  if (unit == "ms") scale = 1e3;
  if (unit == "s") scale = 1e6;
  if (unit == "m" || unit == "min") scale = 60e6;
  if (number.empty() || scale == 0) {
    fail_at(place, "'" + text + "' is not a duration (use a number and a unit: us, ms, s, min)");
  }
  double value = 0;
  try {
    size_t used = 0;
    value = std::stod(number, &used);
    if (used != number.size()) throw std::invalid_argument(number);
  } catch (const std::exception&) {
    fail_at(place, "'" + text + "' is not a duration");
  }
  const double micros = value * scale;
  if (!std::isfinite(micros) || micros > 1e13) fail_at(place, "duration '" + text + "' is too long");
  return std::chrono::microseconds(static_cast<int64_t>(std::llround(micros)));
}

std::string YamlValue::as_string() const {
  if (!node_.IsScalar()) fail("expected a string");
  return node_.Scalar();
}

int64_t YamlValue::as_int(int64_t lo, int64_t hi) const {
  if (!node_.IsScalar()) fail("expected an integer");
  const std::string text = node_.Scalar();
  int64_t value = 0;
  try {
    size_t used = 0;
    value = std::stoll(text, &used);
    if (used != text.size()) throw std::invalid_argument(text);
  } catch (const std::exception&) {
    fail("'" + text + "' is not an integer");
  }
  if (value < lo || value > hi) {
    fail(std::to_string(value) + " is out of range [" + std::to_string(lo) + ", " +
         std::to_string(hi) + "]");
  }
  return value;
}

std::optional<uint64_t> parse_uint64(const std::string& text, std::string* error) {
  uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec == std::errc::result_out_of_range) {
    *error = "'" + text + "' is out of range [0, 18446744073709551615]";
  } else if (ec != std::errc() || ptr != end || text.empty()) {
    *error = "'" + text + "' is not an unsigned integer";
  } else {
    return value;
  }
  return std::nullopt;
}

uint64_t YamlValue::as_uint64() const {
  if (!node_.IsScalar()) fail("expected an unsigned integer");
  std::string error;
  const std::optional<uint64_t> value = parse_uint64(node_.Scalar(), &error);
  if (!value) fail(error);
  return *value;
}

double YamlValue::as_double(double lo, double hi) const {
  if (!node_.IsScalar()) fail("expected a number");
  const std::string text = node_.Scalar();
  double value = 0;
  try {
    size_t used = 0;
    value = std::stod(text, &used);
    if (used != text.size()) throw std::invalid_argument(text);
  } catch (const std::exception&) {
    fail("'" + text + "' is not a number");
  }
  if (!(value >= lo && value <= hi)) {
    std::ostringstream range;
    range << value << " is out of range [" << lo << ", " << hi << "]";
    fail(range.str());
  }
  return value;
}

bool YamlValue::as_bool() const {
  if (!node_.IsScalar()) fail("expected true or false");
  const std::string text = node_.Scalar();
  if (text == "true" || text == "on" || text == "yes") return true;
  if (text == "false" || text == "off" || text == "no") return false;
  fail("'" + text + "' is not a boolean (true/false)");
}

std::string YamlValue::as_choice(const std::vector<std::string>& choices) const {
  if (!node_.IsScalar()) fail("expected one of the words listed in docs/scenarios.md");
  const std::string text = node_.Scalar();
  for (const auto& c : choices) {
    if (c == text) return text;
  }
  std::string list;
  for (const auto& c : choices) {
    if (!list.empty()) list += ", ";
    list += c;
  }
  fail("'" + text + "' is not one of: " + list);
}

std::vector<YamlValue> YamlValue::items() const {
  if (!node_.IsSequence()) fail("expected a list");
  std::vector<YamlValue> out;
  for (size_t i = 0; i < node_.size(); ++i) {
    YamlPlace p{place_.file, place_.path + "[" + std::to_string(i) + "]", node_[i].Mark()};
    out.emplace_back(node_[i], std::move(p));
  }
  return out;
}

MapReader::MapReader(const YamlValue& value) : node_(value.node()), place_(value.place()) {
  if (!node_.IsMap()) fail_at(place_, "expected a mapping (key: value lines)");
  // yaml-cpp keeps every pair of a mapping and look-ups find the first, so a repeated key would be
  // ignored without a word: refuse it here, where each mapping is read.
  std::map<std::string, YAML::Mark> seen;
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string key = it->first.Scalar();
    const auto [first, inserted] = seen.emplace(key, it->first.Mark());
    if (inserted) continue;
    const std::string path = place_.path.empty() ? key : place_.path + "." + key;
    fail_at(YamlPlace{place_.file, path, it->first.Mark()},
            "duplicate key '" + key + "' (first at line " + std::to_string(first->second.line + 1) +
                ")");
  }
}

bool MapReader::has(const std::string& key) const { return static_cast<bool>(node_[key]); }

YamlValue MapReader::get(const std::string& key) {
  YamlValue out(YAML::Node(), place_);
  if (!maybe(key, &out)) fail_at(place_, "missing required field '" + key + "'");
  return out;
}

bool MapReader::maybe(const std::string& key, YamlValue* out) {
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    if (!it->first.IsScalar() || it->first.Scalar() != key) continue;
    read_.insert(key);
    const std::string path = place_.path.empty() ? key : place_.path + "." + key;
    YamlPlace p{place_.file, path, it->second.Mark()};
    if (it->second.Mark().is_null()) p.mark = it->first.Mark();
    *out = YamlValue(it->second, std::move(p));
    return true;
  }
  return false;
}

void MapReader::expect_only(const std::vector<std::string>& known) const {
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    std::string list;
    for (const std::string& k : known) list += (list.empty() ? "" : ", ") + k;
    const std::string path = place_.path.empty() ? key : place_.path + "." + key;
    fail_at(YamlPlace{place_.file, path, it->first.Mark()},
            "unknown field '" + key + "' (expected one of: " + list + ")");
  }
}

void MapReader::finish() const {
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : "?";
    if (read_.count(key)) continue;
    const std::string path = place_.path.empty() ? key : place_.path + "." + key;
    fail_at(YamlPlace{place_.file, path, it->first.Mark()}, "unknown field '" + key + "'");
  }
}

}  // namespace harness
