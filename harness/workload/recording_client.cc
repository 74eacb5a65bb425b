#include "harness/workload/recording_client.h"

namespace harness {

sut::OpResult RecordingClient::run(sut::OpKind kind, const std::string& key,
                                   const std::string& value, int64_t deadline_ns) {
  const char* f = sut::op_name(kind);
  const bool get = kind == sut::OpKind::kGet;
  const nlohmann::json invoke_value = get ? nlohmann::json() : nlohmann::json(value);
  history_.record(process_, "invoke", f, key, invoke_value, clock_.now_ns());
  sut::OpResult r = client_->invoke(kind, key, value, deadline_ns);
  const int64_t now = clock_.now_ns();
  switch (r.outcome) {
    case sut::Outcome::kOk:
      history_.record(process_, "ok", f, key, get ? nlohmann::json(r.value) : invoke_value, now);
      break;
    case sut::Outcome::kFail:
      history_.record(process_, "fail", f, key, invoke_value, now);
      break;
    case sut::Outcome::kUnknown:
      history_.record(process_, "info", f, key, invoke_value, now);
      break;
  }
  return r;
}

}  // namespace harness
