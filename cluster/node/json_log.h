#pragma once
// JsonLog: the node's structured log, one JSON object per line on stderr (spdlog underneath), with
// the fields every line carries (ts, level, node, term, role) so the logs of a run can be merged
// and filtered. Owned by the node's event loop thread; not thread-safe.
#include <spdlog/spdlog.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace node {

class JsonLog {
 public:
  explicit JsonLog(uint64_t node_id);
  // The Raft fields stamped on every following line.
  void set_raft(uint64_t term, const char* role) {
    term_ = term;
    role_ = role;
  }
  void info(const std::string& msg, nlohmann::json fields = {}) {
    write(spdlog::level::info, msg, std::move(fields));
  }
  void warn(const std::string& msg, nlohmann::json fields = {}) {
    write(spdlog::level::warn, msg, std::move(fields));
  }
  void error(const std::string& msg, nlohmann::json fields = {}) {
    write(spdlog::level::err, msg, std::move(fields));
  }
  void debug(const std::string& msg, nlohmann::json fields = {}) {
    write(spdlog::level::debug, msg, std::move(fields));
  }
  void flush() { logger_->flush(); }

 private:
  void write(spdlog::level::level_enum level, const std::string& msg, nlohmann::json fields);

  uint64_t node_id_;
  uint64_t term_ = 0;
  const char* role_ = "follower";
  std::shared_ptr<spdlog::logger> logger_;
};

}  // namespace node
