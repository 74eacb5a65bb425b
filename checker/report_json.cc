// to_json()/write_json(): the check result as data (schema in docs/history-format.md).
#include <fstream>

#include "checker/checker.h"
#include "checker/report_common.h"

namespace checker {
namespace {

std::string_view status_name(OpStatus s) {
  switch (s) {
    case OpStatus::kOk: return "ok";
    case OpStatus::kFail: return "fail";
    case OpStatus::kUnknown: return "unknown";
  }
  return "unknown";
}

nlohmann::json op_json(const History& h, size_t index) {
  const Operation& op = h.ops[index];
  nlohmann::json j;
  j["index"] = index;
  j["process"] = op.process;
  j["f"] = op.f;
  j["key"] = op.key;
  j["input"] = op.input;
  j["output"] = op.output;
  j["status"] = status_name(op.status);
  j["call"] = op.call_time;
  j["return"] = op.return_time == kNeverReturned ? nlohmann::json(nullptr)
                                                 : nlohmann::json(op.return_time);
  j["line"] = op.call_line;
  return j;
}

}  // namespace

nlohmann::json to_json(const History& history, const CheckResult& result) {
  nlohmann::json j = summary_fields(history, result);
  nlohmann::json parts = nlohmann::json::array();
  for (const auto& p : result.partitions) {
    nlohmann::json pj;
    pj["key"] = p.key;
    pj["verdict"] = verdict_name(p.verdict);
    pj["operations"] = p.ops.size();
    pj["configurations"] = p.configurations;
    pj["steps"] = p.steps;
    pj["seconds"] = p.seconds;
    if (!p.note.empty()) pj["note"] = p.note;
    if (p.verdict == Verdict::kViolation) {
      nlohmann::json prefix = nlohmann::json::array();
      for (size_t i = 0; i < p.linearization.size(); ++i) {
        nlohmann::json o = op_json(history, p.linearization[i]);
        if (i < p.states_after.size()) o["state_after"] = p.states_after[i];
        prefix.push_back(std::move(o));
      }
      pj["longest_prefix"] = std::move(prefix);
      pj["stuck_state"] = p.stuck_state;
      nlohmann::json stuck = nlohmann::json::array();
      for (size_t i : p.stuck_ops) stuck.push_back(op_json(history, i));
      pj["stuck_ops"] = std::move(stuck);
    }
    parts.push_back(std::move(pj));
  }
  j["partitions"] = std::move(parts);
  return j;
}

common::Status write_json(const History& history, const CheckResult& result,
                          const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return common::Status::io_error(path + ": cannot open for writing");
  out << to_json(history, result).dump(1) << "\n";
  out.close();
  if (!out) return common::Status::io_error(path + ": write failed");
  return common::Status::ok();
}

}  // namespace checker
