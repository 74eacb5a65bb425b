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

void JsonLog::write(spdlog::level::level_enum level, const std::string& msg,
                    nlohmann::json fields) {
  if (!logger_->should_log(level)) return;
  nlohmann::ordered_json line = {
      {"ts", utc_now()},  {"level", spdlog::level::to_string_view(level).data()},
      {"node", node_id_}, {"term", term_},
      {"role", role_},    {"msg", msg}};
  if (fields.is_object())
    for (auto& [k, v] : fields.items()) line[k] = v;
  logger_->log(level, "{}", line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace node
