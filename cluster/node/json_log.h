#pragma once
// JsonLog: kvnode's structured log, one JSON object per line on stderr (spdlog underneath), with
// the fields every line carries (ts, level, node, term, role; see log_line.h) so the logs of a run
// can be merged and filtered. It stamps the wall-clock time on the LogLines the NodeCore makes,
// and on the driver's own lines. Owned by the node's event loop thread; not thread-safe.
#include <spdlog/spdlog.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cluster/node/log_line.h"

namespace node {

class JsonLog {
 public:
  explicit JsonLog(uint64_t node_id);
  // The Raft fields stamped on the driver's own following lines.
  void set_raft(uint64_t term, const char* role) {
    term_ = term;
    role_ = role;
  }
  void write(const LogLine& line);
  void info(const std::string& msg, nlohmann::json fields = {}) {
    write(LogLine{LogLevel::kInfo, msg, std::move(fields), term_, role_});
  }
  void warn(const std::string& msg, nlohmann::json fields = {}) {
    write(LogLine{LogLevel::kWarn, msg, std::move(fields), term_, role_});
  }
  void error(const std::string& msg, nlohmann::json fields = {}) {
    write(LogLine{LogLevel::kError, msg, std::move(fields), term_, role_});
  }
  void flush() { logger_->flush(); }

 private:
  uint64_t node_id_;
  uint64_t term_ = 0;
  const char* role_ = "follower";
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace node
