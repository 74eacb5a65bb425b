#include "harness/run/invocation.h"

#include <unistd.h>

#include <filesystem>
#include <iomanip>
#include <map>
#include <sstream>

#include "common/markup.h"
#include "harness/record/run_dir.h"
#include "harness/record/run_files.h"
#include "harness/run/progress.h"

namespace harness {
namespace fs = std::filesystem;

std::string SuiteEntry::test_name() const {
  const std::string name = scenario ? scenario->name : results.scenario;
  return repeat > 1 ? name + " #" + std::to_string(repetition + 1) : name;
}

namespace {

// The failed checks' names.
std::vector<std::string> failed_checks(const RunResults& r) {
  std::vector<std::string> out;
  for (const auto& c : r.checks) {
    if (!c.passed()) out.push_back(c.name);
  }
  return out;
}

std::string report_path(const SuiteEntry& e) {
  return e.ran && e.kept && !e.results.run_dir.empty() ? RunFiles(e.results.run_dir).report() : "";
}

// The test case names, made unique: a name already used gets " (2)", " (3)", ...
std::vector<std::string> unique_names(const std::vector<SuiteEntry>& entries) {
  std::map<std::string, int> seen;
  std::vector<std::string> out;
  for (const auto& e : entries) {
    std::string name = e.test_name();
    if (const int n = ++seen[name]; n > 1) name += " (" + std::to_string(n) + ")";
    out.push_back(name);
  }
  return out;
}

}  // namespace

nlohmann::json summary_json(const std::vector<SuiteEntry>& entries, const InvocationInfo& info) {
  nlohmann::json j;
  j["schema_version"] = kSummarySchemaVersion;
  j["started_utc"] = info.started_utc;
  j["finished_utc"] = info.finished_utc;
  j["command"] = info.command;
  j["selection"] = info.selection;
  j["interrupted"] = info.interrupted;
  j["exit_code"] = info.exit_code;
  std::map<std::string, int> counts;
  for (RunOutcome o : {RunOutcome::kPass, RunOutcome::kFail, RunOutcome::kCaught, RunOutcome::kMissed,
                       RunOutcome::kError, RunOutcome::kInterrupted, RunOutcome::kNotRun}) {
    counts[to_string(o)] = 0;
  }
  double seconds = 0;
  nlohmann::json runs = nlohmann::json::array();
  const auto names = unique_names(entries);
  for (size_t i = 0; i < entries.size(); ++i) {
    const SuiteEntry& e = entries[i];
    ++counts[to_string(e.outcome())];
    seconds += e.results.figures.seconds;
    nlohmann::json run;
    run["name"] = names[i];
    run["scenario"] = e.scenario ? e.scenario->name : e.results.scenario;
    run["file"] = e.scenario ? e.scenario->file : e.results.file;
    run["outcome"] = to_string(e.outcome());
    run["success"] = is_success(e.outcome());
    if (e.ran) {
      run["seed"] = std::to_string(e.results.seed);  // a string, as in results.json
      run["seconds"] = e.results.figures.seconds;
      run["run_dir"] = e.results.run_dir;
      run["kept"] = e.kept;
      run["report"] = report_path(e);
      run["failed_checks"] = failed_checks(e.results);
      run["message"] = e.judgement.why;
      run["evidence"] = e.judgement.evidence;
      run["figures"] = {{"seconds", e.results.figures.seconds},
                        {"peers", e.results.figures.peers},
                        {"messages", e.results.figures.messages},
                        {"completed_ops", e.results.figures.completed_ops}};
    }
    if (e.scenario && !e.scenario->expect_fail.empty()) run["expect_fail"] = e.scenario->expect_fail;
    if (e.scenario && e.scenario->reference) {
      const ReferenceFigures& ref = *e.scenario->reference;
      run["reference"] = {{"seconds", ref.seconds}, {"peers", ref.peers}, {"messages", ref.messages},
                          {"completed_ops", ref.ops}};
    }
    runs.push_back(std::move(run));
  }
  j["counts"] = counts;
  j["seconds"] = seconds;
  j["runs"] = std::move(runs);
  return j;
}

std::string suite_junit_xml(const std::vector<SuiteEntry>& entries, const InvocationInfo& info) {
  using common::escape_markup;
  int failures = 0, errors = 0, skipped = 0;
  double seconds = 0;
  for (const auto& e : entries) {
    const RunOutcome o = e.outcome();
    failures += o == RunOutcome::kFail || o == RunOutcome::kMissed;
    errors += o == RunOutcome::kError;
    skipped += o == RunOutcome::kNotRun || o == RunOutcome::kInterrupted;
    seconds += e.results.figures.seconds;
  }
  std::ostringstream x;
  x << std::fixed << std::setprecision(3);
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  x << "<testsuites name=\"faultline\" tests=\"" << entries.size() << "\" failures=\"" << failures
    << "\" errors=\"" << errors << "\" skipped=\"" << skipped << "\" time=\"" << seconds << "\">\n";
  x << " <testsuite name=\"faultline run\" tests=\"" << entries.size() << "\" failures=\"" << failures
    << "\" errors=\"" << errors << "\" skipped=\"" << skipped << "\" time=\"" << seconds
    << "\" timestamp=\"" << escape_markup(info.started_utc) << "\">\n";
  const auto names = unique_names(entries);
  for (size_t i = 0; i < entries.size(); ++i) {
    const SuiteEntry& e = entries[i];
    const std::string file = e.scenario ? e.scenario->file : e.results.file;
    x << "  <testcase classname=\"faultline." << escape_markup(fs::path(file).parent_path().filename().string())
      << "\" name=\"" << escape_markup(names[i]) << "\" file=\"" << escape_markup(file) << "\" time=\""
      << e.results.figures.seconds << "\">";
    const RunOutcome o = e.outcome();
    const std::string report = report_path(e);
    const std::string where = report.empty() ? e.results.run_dir : report;
    const std::string message = e.judgement.why + (where.empty() ? "" : " (report: " + where + ")");
    if (o == RunOutcome::kFail || o == RunOutcome::kMissed) {
      x << "\n   <failure message=\"" << escape_markup(message) << "\" type=\"" << to_string(o) << "\">"
        << escape_markup(message) << "</failure>\n  ";
    } else if (o == RunOutcome::kError) {
      x << "\n   <error message=\"" << escape_markup(message) << "\">" << escape_markup(message) << "</error>\n  ";
    } else if (o == RunOutcome::kNotRun || o == RunOutcome::kInterrupted) {
      x << "\n   <skipped message=\""
        << (o == RunOutcome::kNotRun ? "not run (--fail-fast or interrupted)" : "interrupted") << "\"/>\n  ";
    } else if (e.ran) {
      std::string out = "seed " + std::to_string(e.results.seed) + "; run dir " + e.results.run_dir;
      if (o == RunOutcome::kCaught) {
        out += "\ncaught as expected: " + e.judgement.why;
        for (const auto& line : e.judgement.evidence) out += "\n  " + line;
      }
      x << "\n   <system-out>" << escape_markup(out) << "</system-out>\n  ";
    }
    x << "</testcase>\n";
  }
  x << " </testsuite>\n</testsuites>\n";
  return x.str();
}

std::string reference_table(const std::vector<SuiteEntry>& entries, bool colour) {
  std::ostringstream o;
  size_t w = 8;
  for (const auto& e : entries) w = std::max(w, e.test_name().size());
  const int width = static_cast<int>(w);
  o << std::left << std::setw(width) << "scenario" << "  " << std::setw(11) << "verdict" << std::right
    << std::setw(8) << "seconds" << std::setw(6) << "peers" << std::setw(9) << "messages" << std::setw(7)
    << "ops" << " |" << std::setw(8) << "ref s" << std::setw(6) << "peers" << std::setw(9) << "messages"
    << std::setw(7) << "ops" << std::setw(9) << "ops/ref" << "\n";
  for (const auto& e : entries) {
    const std::string word = verdict_word(e.outcome());
    o << std::left << std::setw(width) << e.test_name() << "  " << coloured(word, colour)
      << std::string(11 - std::min<size_t>(11, word.size()), ' ') << std::right << std::fixed;
    if (e.ran) {
      o << std::setprecision(1) << std::setw(8) << e.results.figures.seconds << std::setw(6)
        << e.results.figures.peers << std::setw(9) << e.results.figures.messages << std::setw(7)
        << e.results.figures.completed_ops;
    } else {
      o << std::setw(8) << "-" << std::setw(6) << "-" << std::setw(9) << "-" << std::setw(7) << "-";
    }
    o << " |";
    if (e.scenario && e.scenario->reference) {
      const ReferenceFigures& ref = *e.scenario->reference;
      o << std::setprecision(1) << std::setw(8) << ref.seconds << std::setw(6) << ref.peers << std::setw(9)
        << ref.messages << std::setw(7) << ref.ops;
      if (e.ran && ref.ops > 0) {
        std::ostringstream ratio;
        ratio << std::fixed << std::setprecision(1)
              << static_cast<double>(e.results.figures.completed_ops) / static_cast<double>(ref.ops) << "x";
        o << std::setw(9) << ratio.str();
      } else {
        o << std::setw(9) << "-";
      }
    } else {
      o << std::setw(8) << "-" << std::setw(6) << "-" << std::setw(9) << "-" << std::setw(7) << "-"
        << std::setw(9) << "-";
    }
    o << "\n";
  }
  return o.str();
}

common::Result<std::string> write_invocation(const std::string& runs_dir,
                                             const std::vector<SuiteEntry>& entries,
                                             const InvocationInfo& info) {
  const fs::path base = fs::path(runs_dir) / "invocations";
  std::error_code ec;
  fs::create_directories(base, ec);
  if (ec) return common::Status::io_error(base.string() + ": cannot create: " + ec.message());
  const std::string stamp = utc_now_compact();
  fs::path dir;
  for (int k = 0; k < 1000 && dir.empty(); ++k) {
    const fs::path candidate = base / (k == 0 ? stamp : stamp + "-" + std::to_string(k));
    if (fs::create_directory(candidate, ec)) dir = candidate;
    if (ec) return common::Status::io_error(candidate.string() + ": cannot create: " + ec.message());
  }
  if (dir.empty()) return common::Status::io_error(base.string() + ": too many invocations in one second");
  if (auto st = write_text_file((dir / "summary.json").string(), summary_json(entries, info).dump(2) + "\n"); !st) {
    return st;
  }
  if (auto st = write_text_file((dir / "junit.xml").string(), suite_junit_xml(entries, info)); !st) return st;
  const fs::path link = fs::path(runs_dir) / "latest-summary";
  const fs::path tmp = fs::path(runs_dir) / (".latest-summary.tmp." + std::to_string(::getpid()));
  fs::remove(tmp, ec);
  fs::create_directory_symlink(fs::path("invocations") / dir.filename(), tmp, ec);
  if (!ec) fs::rename(tmp, link, ec);
  if (ec) return common::Status::io_error(link.string() + ": " + ec.message());
  return dir.string();
}

}  // namespace harness
