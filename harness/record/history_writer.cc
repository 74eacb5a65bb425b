#include "harness/record/history_writer.h"

#include "checker/history.h"

namespace harness {

common::Status HistoryWriter::open(const std::string& path) {
  std::lock_guard lock(mu_);
  out_.open(path, std::ios::out | std::ios::trunc);
  if (!out_) return common::Status::io_error(path + ": cannot create history file");
  return common::Status::ok();
}

void HistoryWriter::record(int64_t process, const std::string& type, const std::string& f,
                           const std::string& key, const nlohmann::json& value, int64_t time_ns) {
  checker::HistoryEvent event;
  event.process = process;
  event.type = type;
  event.f = f;
  event.key = key;
  event.value = value;
  event.time = time_ns;
  std::string line = checker::to_json_line(event);  // outside the lock: values can be long
  if (type == "ok") ok_.fetch_add(1);
  if (type == "info") info_.fetch_add(1);
  std::lock_guard lock(mu_);
  if (time_ns < last_time_ns_) {
    // Another thread wrote a later time first. Moving this event later keeps the file in time
    // order and stays sound: an invocation is recorded before its request is sent and a
    // completion after its reply arrived, so the interval still holds the real execution.
    event.time = last_time_ns_;
    line = checker::to_json_line(event);
  }
  last_time_ns_ = event.time;
  out_ << line << '\n';
  if (time_ns - last_flush_ns_ > 100'000'000) {
    out_.flush();
    last_flush_ns_ = time_ns;
  }
}

void HistoryWriter::close() {
  std::lock_guard lock(mu_);
  if (out_.is_open()) out_.close();
}

common::Status JsonlWriter::open(const std::string& path) {
  std::lock_guard lock(mu_);
  out_.open(path, std::ios::out | std::ios::trunc);
  if (!out_) return common::Status::io_error(path + ": cannot create file");
  return common::Status::ok();
}

void JsonlWriter::write(const nlohmann::json& line) {
  std::lock_guard lock(mu_);
  out_ << line.dump() << '\n';
  out_.flush();
}

void JsonlWriter::close() {
  std::lock_guard lock(mu_);
  if (out_.is_open()) out_.close();
}

}  // namespace harness
