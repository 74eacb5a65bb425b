#pragma once
// Strict reading of YAML scenario nodes. Every error names file:line:column and the dotted field path
// (e.g. "phases[0].nemesis[1].every"), so a bad scenario is rejected before anything starts.
// MapReader refuses a mapping with a repeated key, remembers which keys were read, and finish()
// rejects every key nobody asked for.
// Single-threaded helpers used only while loading a scenario.
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace harness {

// `text` as an unsigned 64-bit decimal (a seed: the scenario's `seed:` and `faultline run --seed`
// read it alike); nullopt with *error saying why when it is not one or does not fit.
std::optional<uint64_t> parse_uint64(const std::string& text, std::string* error);

// Thrown while loading; the message is complete ("file:line:col: field: what is wrong").
class ScenarioError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Where a node came from, for error messages.
struct YamlPlace {
  std::string file;
  std::string path;  // dotted field path
  YAML::Mark mark;
  std::string describe() const;  // "file:line:col: path"
};

[[noreturn]] void fail_at(const YamlPlace& place, const std::string& what);

// Parses "150ms", "1s", "1.5s", "250us"; a bare number (no unit) is an error.
std::chrono::microseconds parse_duration(const YamlPlace& place, const YAML::Node& node);

// A value node with its place: typed accessors that fail with the place on a wrong type.
class YamlValue {
 public:
  YamlValue(YAML::Node node, YamlPlace place) : node_(std::move(node)), place_(std::move(place)) {}
  YamlValue(const YamlValue&) = default;
  // YAML::Node's operator= writes through into the document; rebinding must use reset().
  YamlValue& operator=(const YamlValue& other) {
    node_.reset(other.node_);
    place_ = other.place_;
    return *this;
  }
  const YAML::Node& node() const { return node_; }
  const YamlPlace& place() const { return place_; }
  int line() const { return place_.mark.line + 1; }
  bool is_map() const { return node_.IsMap(); }
  bool is_scalar() const { return node_.IsScalar(); }
  bool is_sequence() const { return node_.IsSequence(); }

  std::string as_string() const;
  int64_t as_int(int64_t lo, int64_t hi) const;
  uint64_t as_uint64() const;  // the whole range, for seeds
  double as_double(double lo, double hi) const;
  bool as_bool() const;
  std::chrono::microseconds as_duration() const { return parse_duration(place_, node_); }
  // One of `choices`; the error lists them.
  std::string as_choice(const std::vector<std::string>& choices) const;
  std::vector<YamlValue> items() const;  // sequence items; fails if not a sequence
  [[noreturn]] void fail(const std::string& what) const { fail_at(place_, what); }

 private:
  YAML::Node node_;
  YamlPlace place_;
};

// A mapping being read; the constructor fails on a repeated key (file:line:col of the second).
// Call finish() after reading every known key.
class MapReader {
 public:
  explicit MapReader(const YamlValue& value);
  bool has(const std::string& key) const;
  YamlValue get(const std::string& key);  // required
  // Optional: returns false (and leaves `out` alone) when absent.
  bool maybe(const std::string& key, YamlValue* out);
  void finish() const;  // fails on the first key that was never read
  // Fails on the first key not in `known`: call it before reading, so that a misspelt key is
  // named as such rather than reported as the missing one it was meant to be.
  void expect_only(const std::vector<std::string>& known) const;
  const YamlPlace& place() const { return place_; }

 private:
  YAML::Node node_;
  YamlPlace place_;
  std::set<std::string> read_;
};

}  // namespace harness
