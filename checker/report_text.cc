// format_text(): the terminal summary of a check.
#include <cstdio>
#include <sstream>

#include "checker/checker.h"
#include "checker/report_common.h"

namespace checker {
namespace {

std::string shorten(const std::string& s, size_t max = 70) {
  return shorten_middle(s, max, " ... ");
}

std::string value_of(const nlohmann::json& v) { return shorten(v.dump()); }

std::string duration(double seconds) {
  char buf[64];
  if (seconds < 1e-3) std::snprintf(buf, sizeof buf, "%.1f us", seconds * 1e6);
  else if (seconds < 1) std::snprintf(buf, sizeof buf, "%.1f ms", seconds * 1e3);
  else std::snprintf(buf, sizeof buf, "%.2f s", seconds);
  return buf;
}

// One operation on one line: "p3 append "x 3 7 y" -> ok   [call 120, return 180] (line 12)".
std::string op_line(const Operation& op, const TimeLabels& time_text) {
  std::ostringstream s;
  s << "p" << op.process << " " << op.f;
  if (!op.key.empty()) s << " key=" << shorten(op.key, 20);
  if (!op.input.is_null()) s << " " << value_of(op.input);
  if (op.status == OpStatus::kOk) {
    if (!op.output.is_null() || op.input.is_null()) s << " -> " << value_of(op.output);
  } else {
    s << " -> unknown";
  }
  s << "  [call " << time_text(op.call_time) << ", return " << time_text(op.return_time) << "] (line "
    << op.call_line << ")";
  return s.str();
}

constexpr size_t kShortRead = 70;  // bytes of JSON text

// For a read of a long string: where it first differs from the state, since the shortened
// values above may hide it.
std::string difference(const nlohmann::json& read, const std::string& state) {
  // A short read is printed whole above; the text report points into long ones only.
  if (read.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).size() <= kShortRead) return "";
  const auto d = first_difference(read, state, 12, 18);
  if (!d) return "";
  std::ostringstream s;
  s << "      first difference at character " << d->at << ": read ..." << d->before << d->read_after
    << "... state ..." << d->before << d->state_after << "...\n";
  return s.str();
}

}  // namespace

std::string format_text(const History& history, const CheckResult& result) {
  std::ostringstream s;
  size_t violating = 0, unchecked = 0;
  for (const auto& p : result.partitions) {
    violating += p.verdict == Verdict::kViolation;
    unchecked += p.verdict == Verdict::kUnknown;
  }
  s << "history: " << history.source << " (" << history.format << ", model " << result.model
    << ")\n";
  s << "operations: " << result.operations << " (" << result.failed << " failed, "
    << result.unknown << " unknown";
  if (history.non_client_events > 0)
    s << "; " << history.non_client_events
      << (history.non_client_events == 1 ? " nemesis event" : " nemesis events") << " skipped";
  s << "); keys: " << result.partitions.size();
  if (violating > 0) s << ", " << violating << " violating";
  if (unchecked > 0) s << ", " << unchecked << " unknown/unchecked";
  s << "\n";
  std::string verdict(verdict_name(result.verdict));
  for (char& c : verdict) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  s << "verdict: " << verdict << " (checked in " << duration(result.seconds) << ")\n";
  if (!result.message.empty()) s << "  " << result.message << "\n";

  constexpr size_t kShown = 3, kPrefixTail = 4, kStuckShown = 6;
  const TimeLabels times(history);
  if (times.relative() && result.verdict == Verdict::kViolation)
    s << "times: ms since " << history.time_origin_label << "\n";
  size_t shown = 0;
  for (const auto& p : result.partitions) {
    if (p.verdict != Verdict::kViolation) continue;
    if (shown++ == kShown) {
      s << "(" << violating - kShown << " more violating keys; see --json or --html)\n";
      break;
    }
    s << "\nkey " << nlohmann::json(p.key).dump() << ": " << p.ops.size()
      << " operations on this key cannot be linearized together\n";
    s << "  longest linearizable prefix: " << p.linearization.size() << " operations";
    if (p.linearization.empty()) {
      s << " (none: the first operations already contradict the initial state)\n";
    } else {
      s << ", ending with:\n";
      const size_t from = p.linearization.size() > kPrefixTail ? p.linearization.size() - kPrefixTail : 0;
      if (from > 0) s << "    ...\n";
      for (size_t i = from; i < p.linearization.size(); ++i)
        s << "    " << op_line(history.ops[p.linearization[i]], times) << "\n";
    }
    s << "  state after it: " << shorten(p.stuck_state) << "\n";
    s << "  none of these can follow it (the state contradicts each):\n";
    for (size_t i = 0; i < p.stuck_ops.size() && i < kStuckShown; ++i) {
      const Operation& op = history.ops[p.stuck_ops[i]];
      s << "    " << op_line(op, times) << "\n";
      if (op.status == OpStatus::kOk && op.output.is_string()) s << difference(op.output, p.stuck_state);
    }
    if (p.stuck_ops.size() > kStuckShown)
      s << "    (" << p.stuck_ops.size() - kStuckShown << " more)\n";
  }
  return s.str();
}

}  // namespace checker
