// render_html()/write_html(): one self-contained page (inline CSS/JS, data embedded as JSON).
// Violating keys are drawn in full; the other keys are one table row each, so the page stays a
// few MB even for very large histories.
#include <algorithm>
#include <fstream>
#include <unordered_map>

#include "checker/checker.h"
#include "checker/report_common.h"
#include "checker/report_html_page.h"

namespace checker {
namespace {

constexpr size_t kMaxDrawnPartitions = 8;
constexpr size_t kMaxStateChars = 400;
constexpr size_t kMaxDrawnOps = 5000;
constexpr size_t kWindowPrefix = 1500;
constexpr size_t kShortValue = 70;  // bytes of JSON text: a read this short is shown whole

std::string clip(const std::string& s, size_t max) { return shorten_middle(s, max, " … "); }

nlohmann::json drawn_partition(const History& h, const PartitionResult& p) {
  nlohmann::json j;
  j["key"] = p.key;
  std::unordered_map<size_t, size_t> local;  // history index -> index in j["ops"]
  nlohmann::json ops = nlohmann::json::array();
  // A huge partition is drawn around the point of failure: from the earliest call among the
  // last kWindowPrefix prefix operations on, at most kMaxDrawnOps operations.
  int64_t from_time = INT64_MIN;
  if (p.ops.size() > kMaxDrawnOps) {
    const size_t tail = p.linearization.size() > kWindowPrefix ? p.linearization.size() - kWindowPrefix : 0;
    from_time = INT64_MAX;
    for (size_t k = tail; k < p.linearization.size(); ++k)
      from_time = std::min(from_time, h.ops[p.linearization[k]].call_time);
    for (size_t i : p.stuck_ops) from_time = std::min(from_time, h.ops[i].call_time);
  }
  std::unordered_map<size_t, bool> in_prefix;
  for (size_t i : p.linearization) in_prefix[i] = true;
  size_t skipped = 0;
  for (size_t i : p.ops) {
    const Operation& op = h.ops[i];
    const bool before = op.return_time < from_time && op.call_time < from_time;
    if (from_time != INT64_MIN && (before || ops.size() >= kMaxDrawnOps)) {
      ++skipped;
      continue;
    }
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
  j["skipped"] = skipped;
  nlohmann::json lin = nlohmann::json::array(), states = nlohmann::json::array();
  size_t lin_skipped = 0;
  for (size_t k = 0; k < p.linearization.size(); ++k) {
    auto it = local.find(p.linearization[k]);
    if (it == local.end()) {
      ++lin_skipped;
      continue;
    }
    lin.push_back(it->second);
    states.push_back(k < p.states_after.size() ? clip(p.states_after[k], kMaxStateChars) : "");
  }
  j["lin_skipped"] = lin_skipped;
  j["lin"] = std::move(lin);
  j["states"] = std::move(states);
  nlohmann::json stuck = nlohmann::json::array(), diffs = nlohmann::json::array();
  for (size_t i : p.stuck_ops) {
    auto it = local.find(i);
    if (it == local.end()) continue;
    stuck.push_back(it->second);
    const Operation& op = h.ops[i];
    // Short values are shown whole, the difference marked; long ones around it.
    const bool short_read = op.output.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size() <=
                            kShortValue;
    const auto d = op.status != OpStatus::kOk ? std::nullopt
                   : short_read ? first_difference(op.output, p.stuck_state, kShortValue, kShortValue)
                                : first_difference(op.output, p.stuck_state);
    diffs.push_back(d ? nlohmann::json{{"at", d->at}, {"before", d->before},
                                       {"read", d->read_after}, {"state", d->state_after},
                                       {"before_cut", d->before_cut}, {"read_cut", d->read_cut},
                                       {"state_cut", d->state_cut}}
                      : nlohmann::json(nullptr));
  }
  j["stuck"] = std::move(stuck);
  j["stuck_diffs"] = std::move(diffs);  // per stuck op: where its value leaves the state, or null
  j["stuck_state"] = clip(p.stuck_state, 4 * kMaxStateChars);
  return j;
}

}  // namespace

std::string render_html(const History& history, const CheckResult& result) {
  nlohmann::json data = summary_fields(history, result);
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
