#include "harness/verdict/run_checks.h"

#include <iomanip>
#include <sstream>

#include "checker/checker.h"
#include "harness/record/run_files.h"

namespace harness {

common::Status evaluate_run_checks(const RunCheckInputs& in, RunResults* out) {
  RunResults& r = *out;
  const std::string dir = r.run_dir;
  common::Result<checker::History> read = common::Status::not_found("");
  if (in.history == nullptr) {
    read = checker::parse_history_file(RunFiles(dir).history_to_read());
    if (!read) return common::Status::corruption("history: " + read.status().message());
  }
  checker::History* history = in.history ? in.history : &*read;
  // The reports count from the run's start, as report.html's charts and fault list do.
  history->time_origin = r.origin_ns;
  history->time_origin_label = "the run's start";
  const std::set<int64_t>& clients = in.clients;
  for (const auto& op : history->ops) {
    if (op.status == checker::OpStatus::kOk) ++r.figures.completed_ops;
    if (op.status == checker::OpStatus::kUnknown) ++r.figures.unknown_ops;
  }
  const ChecksSpec& c = *in.spec;
  if (c.linearizable) {
    checker::CheckOptions copts;
    copts.model = "kv";
    copts.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(c.checker_timeout);
    copts.explain = true;  // every violating key explained, within the checker's explain budget
    auto result = checker::check(*history, copts);
    CheckOutcome o;
    o.name = "linearizable";
    if (!result) {
      o.verdict = CheckVerdict::kUnknown;
      o.summary = result.status().message();
    } else {
      r.figures.checker_seconds = result->seconds;
      o.verdict = result->verdict == checker::Verdict::kLinearizable ? CheckVerdict::kPass
                  : result->verdict == checker::Verdict::kViolation  ? CheckVerdict::kViolation
                                                                     : CheckVerdict::kUnknown;
      std::ostringstream s;
      s << result->operations << " operations (" << result->unknown << " unknown) in " << result->partitions.size()
        << " keys, checked in " << std::setprecision(3) << result->seconds << " s";
      if (result->verdict == checker::Verdict::kViolation) {
        for (const auto& p : result->partitions) {
          if (p.verdict == checker::Verdict::kViolation) {
            s << "; violation on key '" << p.key << "'";
            break;
          }
        }
        const std::string html = checker::render_html(*history, *result);
        if (!html.empty()) (void)write_text_file(RunFiles(dir).violation_html(), html);
        (void)checker::write_json(*history, *result, RunFiles(dir).violation_json());
        (void)write_text_file(RunFiles(dir).violation_text(), checker::format_text(*history, *result));
      }
      if (!result->message.empty()) s << "; " << result->message;
      o.summary = s.str();
      o.details = {{"operations", result->operations}, {"unknown", result->unknown}, {"failed", result->failed},
                   {"keys", result->partitions.size()}, {"seconds", result->seconds}};
    }
    r.checks.push_back(o);
  }
  if (c.appends) r.checks.push_back(check_appends(*history, in.verifiers));
  if (c.min_ops) r.checks.push_back(check_min_ops(*history, clients, *c.min_ops));
  if (c.max_mean_latency) r.checks.push_back(check_mean_latency(*history, clients, c.latency_f ? sut::op_name(*c.latency_f) : "any",
                                                         *c.max_mean_latency));
  if (c.max_raft_state_bytes) r.checks.push_back(check_raft_state(in.samples, *c.max_raft_state_bytes));
  if (c.max_snapshot_bytes) r.checks.push_back(check_snapshot_size(in.samples, *c.max_snapshot_bytes));
  if (c.no_snapshot) r.checks.push_back(check_no_snapshot(in.samples));
  for (const auto& o : in.script) r.checks.push_back(o);
  if (c.deadline) r.checks.push_back(check_deadline(r.figures.seconds, *c.deadline));
  return common::Status::ok();
}

}  // namespace harness
