#include "cluster/node/json_log.h"

#include <spdlog/sinks/stdout_sinks.h>

#include <chrono>
#include <ctime>

namespace node {
namespace {

std::string utc_now() {
  auto now = std::chrono::system_clock::now();
  std::time_t secs = std::chrono::system_clock::to_time_t(now);
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
      1000000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06lldZ", static_cast<long long>(micros));
  return buf;
}

}  // namespace

JsonLog::JsonLog(uint64_t node_id) : node_id_(node_id) {
  // A private logger (not registered globally): several nodes may live in one test process.
  logger_ = std::make_shared<spdlog::logger>(std::string("n").append(std::to_string(node_id)),
                                             std::make_shared<spdlog::sinks::stderr_sink_st>());
  logger_->set_pattern("%v");
  logger_->set_level(spdlog::level::info);
  logger_->flush_on(spdlog::level::info);
}

void JsonLog::write(const LogLine& line) {
  spdlog::level::level_enum level = spdlog::level::info;
  switch (line.level) {
    case LogLevel::kDebug:
      level = spdlog::level::debug;
      break;
    case LogLevel::kInfo:
      level = spdlog::level::info;
      break;
    case LogLevel::kWarn:
      level = spdlog::level::warn;
      break;
    case LogLevel::kError:
      level = spdlog::level::err;
      break;
  }
  if (!logger_->should_log(level)) return;
  term_ = line.term;  // the driver's own lines follow the core's latest Raft fields
  role_ = line.role;
  logger_->log(level, "{}", render_log_line(node_id_, line, utc_now()));
}

}  // namespace node
