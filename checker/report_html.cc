// render_html()/write_html(): one self-contained page (inline CSS/JS, data embedded as JSON).
// Violating keys are drawn in full; the other keys are one table row each, so the page stays a
// few MB even for very large histories.
#include <fstream>

#include "checker/checker.h"
#include "checker/report_html_page.h"

namespace checker {
namespace {

constexpr size_t kMaxDrawnPartitions = 8;
constexpr size_t kMaxStateChars = 400;

std::string clip(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  return s.substr(0, max / 2) + " … " + s.substr(s.size() - max / 2);
}

nlohmann::json drawn_partition(const History& h, const PartitionResult& p) {
  nlohmann::json j;
  j["key"] = p.key;
  std::unordered_map<size_t, size_t> local;  // history index -> index in j["ops"]
  nlohmann::json ops = nlohmann::json::array();
  for (size_t i : p.ops) {
    const Operation& op = h.ops[i];
    local[i] = ops.size();
    ops.push_back({{"p", op.process},
                   {"f", op.f},
                   {"in", clip(op.input.dump(), kMaxStateChars)},
                   {"out", op.status == OpStatus::kOk ? clip(op.output.dump(), kMaxStateChars)
                                                      : std::string("unknown")},
                   {"c", op.call_time},
                   {"r", op.return_time == kNeverReturned ? nlohmann::json(nullptr)
                                                          : nlohmann::json(op.return_time)},
                   {"line", op.call_line}});
  }
  j["ops"] = std::move(ops);
  nlohmann::json lin = nlohmann::json::array(), states = nlohmann::json::array();
  for (size_t k = 0; k < p.linearization.size(); ++k) {
    lin.push_back(local[p.linearization[k]]);
    states.push_back(k < p.states_after.size() ? clip(p.states_after[k], kMaxStateChars) : "");
  }
  j["lin"] = std::move(lin);
  j["states"] = std::move(states);
  nlohmann::json stuck = nlohmann::json::array();
  for (size_t i : p.stuck_ops) stuck.push_back(local[i]);
  j["stuck"] = std::move(stuck);
  j["stuck_state"] = clip(p.stuck_state, 4 * kMaxStateChars);
  return j;
}

}  // namespace

std::string render_html(const History& history, const CheckResult& result) {
  nlohmann::json data;
  data["source"] = history.source;
  data["format"] = history.format;
  data["model"] = result.model;
  data["verdict"] = verdict_name(result.verdict);
  data["message"] = result.message;
  data["operations"] = result.operations;
  data["failed"] = result.failed;
  data["unknown"] = result.unknown;
  data["seconds"] = result.seconds;
  nlohmann::json summary = nlohmann::json::array(), drawn = nlohmann::json::array();
  for (const auto& p : result.partitions) {
    summary.push_back({{"key", p.key},
                       {"verdict", verdict_name(p.verdict)},
                       {"ops", p.ops.size()},
                       {"configs", p.configurations},
                       {"ms", p.seconds * 1e3},
                       {"note", p.note}});
    if (p.verdict == Verdict::kViolation && drawn.size() < kMaxDrawnPartitions)
      drawn.push_back(drawn_partition(history, p));
  }
  data["partitions"] = std::move(summary);
  data["drawn"] = std::move(drawn);
  // Inside <script>, "</" could end the element; "<\/" is the same JSON string.
  std::string json = data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string safe;
  safe.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    if (json[i] == '<' && i + 1 < json.size() && json[i + 1] == '/') {
      safe += "<\\/";
      ++i;
    } else {
      safe += json[i];
    }
  }
  std::string page(kHtmlPage);
  const std::string marker = "@DATA@";
  page.replace(page.find(marker), marker.size(), safe);
  return page;
}

common::Status write_html(const History& history, const CheckResult& result,
                          const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return common::Status::io_error(path + ": cannot open for writing");
  out << render_html(history, result);
  out.close();
  if (!out) return common::Status::io_error(path + ": write failed");
  return common::Status::ok();
}

}  // namespace checker
