#include "harness/record/history_writer.h"

namespace harness {
namespace {

constexpr size_t kWriteChunk = 1 << 16;  // bytes buffered before a write to the file

checker::EventType event_type(const std::string& type) {
  if (type == "ok") return checker::EventType::kOk;
  if (type == "fail") return checker::EventType::kFail;
  if (type == "info") return checker::EventType::kInfo;
  return checker::EventType::kInvoke;
}

}  // namespace

common::Status HistoryWriter::open(const std::string& path, HistoryWriterOptions options) {
  std::lock_guard lock(mu_);
  path_ = path;
  options_ = options;
  encoder_ = checker::JsonLinesEncoder(options.delta);
  zstd_ = options.zstd ? std::make_unique<checker::ZstdWriter>(options.zstd_level) : nullptr;
  builder_ = options.keep ? std::make_unique<checker::HistoryBuilder>(path) : nullptr;
  out_.open(path, std::ios::out | std::ios::trunc | std::ios::binary);
  if (!out_) return common::Status::io_error(path + ": cannot create history file");
  return common::Status::ok();
}

void HistoryWriter::record(int64_t process, const std::string& type, const std::string& f,
                           const std::string& key, nlohmann::json value, int64_t time_ns) {
  if (type == "ok") ok_.fetch_add(1);
  if (type == "info") info_.fetch_add(1);
  checker::HistoryEvent event{process, type, f, key, std::move(value), time_ns};
  std::lock_guard lock(mu_);
  if (!out_.is_open()) return;
  // Another thread may have written a later time first. Moving this event later keeps the file
  // in time order and stays sound: an invocation is recorded before its request is sent and a
  // completion after its reply arrived, so the interval still holds the real execution.
  event.time = std::max(time_ns, last_time_ns_);
  last_time_ns_ = event.time;
  encoder_.append(event, &text_);  // may repair the value's UTF-8: the kept history gets the same
  any_event_ = true;
  if (builder_ && error_) {
    checker::RawEvent raw;
    raw.process = event.process;
    raw.type = event_type(event.type);
    raw.f = event.f;
    raw.key = event.key;
    raw.value = std::move(event.value);
    raw.time = event.time;
    raw.line = encoder_.lines();
    if (auto st = builder_->add(std::move(raw)); !st) error_ = st;
  }
  const bool flush = event.time - last_flush_ns_ > 100'000'000;
  if (flush) last_flush_ns_ = event.time;
  if (flush || text_.size() >= kWriteChunk) drain(flush);
}

void HistoryWriter::drain(bool flush) {
  std::string* bytes = &text_;
  if (zstd_) {
    common::Status st = zstd_->write(text_, &compressed_);
    if (st && flush) st = zstd_->flush(&compressed_);
    if (!st && error_) error_ = st;
    text_.clear();
    bytes = &compressed_;
  }
  if (flush || bytes->size() >= kWriteChunk) {
    out_.write(bytes->data(), static_cast<std::streamsize>(bytes->size()));
    bytes->clear();
    if (flush) out_.flush();
    if (!out_ && error_) error_ = common::Status::io_error(path_ + ": write failed");
  }
}

void HistoryWriter::close() {
  std::lock_guard lock(mu_);
  if (!out_.is_open()) return;
  drain(false);
  if (zstd_ && any_event_) {
    if (auto st = zstd_->end(&compressed_); !st && error_) error_ = st;
  }
  const std::string& rest = zstd_ ? compressed_ : text_;
  out_.write(rest.data(), static_cast<std::streamsize>(rest.size()));
  out_.close();
  if (!out_ && error_) error_ = common::Status::io_error(path_ + ": write failed");
  text_.clear();
  compressed_.clear();
}

common::Status HistoryWriter::status() {
  std::lock_guard lock(mu_);
  return error_;
}

common::Result<checker::History> HistoryWriter::take_history() {
  std::lock_guard lock(mu_);
  if (!builder_) return common::Status::invalid_argument(path_ + ": the history was not kept in memory");
  if (!error_) return error_;
  checker::History h = builder_->finish("json", "");
  builder_.reset();
  if (!h.ops.empty()) {
    const std::string& f = h.ops.front().f;
    h.model_hint = f == "read" || f == "write" || f == "cas" ? "register" : "kv";
  }
  h.times_in_ns = any_event_;
  return h;
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
