#include "cluster/node/log_line.h"

namespace node {

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::string render_log_line(uint64_t node_id, const LogLine& line, const std::string& ts) {
  nlohmann::ordered_json out = {{"ts", ts},          {"level", log_level_name(line.level)},
                                {"node", node_id},   {"term", line.term},
                                {"role", line.role}, {"msg", line.msg}};
  if (line.fields.is_object())
    for (auto& [k, v] : line.fields.items()) out[k] = v;
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace node
