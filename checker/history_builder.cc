#include "checker/history_builder.h"

namespace checker {

common::Status HistoryBuilder::error_at(size_t line, const std::string& what) const {
  return common::Status::invalid_argument(source_ + ":" + std::to_string(line) + ": " + what);
}

common::Status HistoryBuilder::add(RawEvent event) {
  last_stored_.reset();
  if (event.f.empty()) return error_at(event.line, "field 'f': missing operation name");
  auto open = open_.find(event.process);
  if (event.type == EventType::kInvoke) {
    if (open != open_.end()) {
      return error_at(event.line, "process " + std::to_string(event.process) +
                                      " invokes again while its invocation on line " +
                                      std::to_string(ops_[open->second].call_line) +
                                      " is still open");
    }
    Operation op;
    op.process = event.process;
    op.f = std::move(event.f);
    op.key = std::move(event.key);
    op.input = std::move(event.value);
    op.call_time = event.time;
    op.return_time = kNeverReturned;
    op.status = OpStatus::kUnknown;
    op.call_line = event.line;
    open_.emplace(op.process, ops_.size());
    last_stored_ = Stored{ops_.size(), false};
    ops_.push_back(std::move(op));
    return common::Status::ok();
  }
  if (open == open_.end()) {
    return error_at(event.line, "completion for process " + std::to_string(event.process) +
                                    " without an open invocation");
  }
  Operation& op = ops_[open->second];
  if (event.f != op.f) {
    return error_at(event.line, "field 'f': completion '" + event.f + "' does not match the '" +
                                    op.f + "' invoked on line " + std::to_string(op.call_line));
  }
  if (event.time < op.call_time) {
    return error_at(event.line, "field 'time': completion is earlier than its invocation on line " +
                                    std::to_string(op.call_line));
  }
  const size_t index = open->second;
  open_.erase(open);
  op.return_line = event.line;
  switch (event.type) {
    case EventType::kOk:
      op.status = OpStatus::kOk;
      op.output = std::move(event.value);
      op.return_time = event.time;
      last_stored_ = Stored{index, true};
      break;
    case EventType::kFail:
      op.status = OpStatus::kFail;
      op.return_time = event.time;
      break;
    case EventType::kInfo:
    case EventType::kInvoke:
      op.status = OpStatus::kUnknown;
      op.return_time = kNeverReturned;
      break;
  }
  return common::Status::ok();
}

History HistoryBuilder::finish(std::string format, std::string model_hint) {
  History h;
  h.source = source_;
  h.format = std::move(format);
  h.model_hint = std::move(model_hint);
  h.ops = std::move(ops_);
  ops_.clear();
  open_.clear();
  return h;
}

}  // namespace checker
