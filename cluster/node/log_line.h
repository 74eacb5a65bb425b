#pragma once
// LogLine: one structured line of a node's log as the node's core produces it (NodeCore never
// writes a log itself: it has no clock for the timestamp and no stream). A driver stamps the time
// and writes it: kvnode as JSON on stderr (JsonLog), a simulation with its simulated time.
// Value type; any thread.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace node {

enum class LogLevel { kDebug, kInfo, kWarn, kError };
const char* log_level_name(LogLevel level);

struct LogLine {
  LogLevel level = LogLevel::kInfo;
  std::string msg;
  nlohmann::json fields;  // an object (or null): the line's own fields
  uint64_t term = 0;      // the Raft fields when the line was made
  const char* role = "follower";
};

// The JSON line (no newline): {"ts", "level", "node", "term", "role", "msg", fields...} in that
// order, so a run's logs can be merged and filtered whoever wrote them.
std::string render_log_line(uint64_t node_id, const LogLine& line, const std::string& ts);

}  // namespace node
