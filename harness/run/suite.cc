#include "harness/run/suite.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <optional>

#include "harness/record/run_dir.h"
#include "harness/record/run_files.h"
#include "harness/run/progress.h"

#include "harness/nemesis/registry.h"
#include "harness/scenario/scenario_loader.h"

namespace harness {
namespace fs = std::filesystem;

namespace {

// The *.yaml / *.yml files directly in `dir` (not recursive), sorted.
std::vector<std::string> yaml_files_in(const fs::path& dir) {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const auto ext = entry.path().extension().string();
    if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml"))
      found.push_back(entry.path().string());
  }
  std::sort(found.begin(), found.end());
  return found;
}

// The error for a directory without scenario files; names its subdirectories that hold some, since
// directories are deliberately not expanded recursively (scenarios/reference must not include
// scenarios/reference/snapshots).
common::Status no_scenarios_in(const std::string& dir) {
  std::vector<std::string> subdirs;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.is_directory() && !yaml_files_in(entry.path()).empty())
      subdirs.push_back(entry.path().string());
  }
  if (subdirs.empty())
    return common::Status::not_found(dir + ": no *.yaml scenario files in this directory");
  std::sort(subdirs.begin(), subdirs.end());
  std::string list;
  for (const auto& d : subdirs) list += (list.empty() ? "" : ", ") + d;
  return common::Status::not_found(
      dir + ": no *.yaml scenario files here; its subdirectories hold some: " + list +
      " (directories are not searched recursively: name them)");
}

RunResults run_one(const Scenario& scenario, const RunOptions& options) {
  try {
    return run_scenario(scenario, options);
  } catch (const std::exception& e) {  // e.g. out of memory: the run is a harness error, not a crash
    RunResults r;
    r.scenario = scenario.name;
    r.file = scenario.file;
    r.error = std::string("harness exception: ") + e.what();
    return r;
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Run directory names are UTC stamps with "-k" for more in one second: newest first means stamp
// descending, then k descending (so "-10" after "-9").
bool newer_run_dir(const std::string& a, const std::string& b) {
  auto split = [](const std::string& n) {
    const size_t dash = n.find('-');
    const std::string stamp = n.substr(0, dash);
    long k = 0;
    if (dash != std::string::npos) k = std::strtol(n.c_str() + dash + 1, nullptr, 10);
    return std::make_pair(stamp, k);
  };
  return split(a) > split(b);
}

// The run directories of runs_dir/<scenario>/ (normalized paths).
std::vector<fs::path> run_dirs_of(const std::string& runs_dir, const std::string& scenario) {
  std::error_code ec;
  std::vector<fs::path> out;
  for (const auto& entry : fs::directory_iterator(fs::path(runs_dir) / scenario, ec)) {
    if (entry.is_directory() && !entry.is_symlink()) out.push_back(entry.path().lexically_normal());
  }
  return out;
}

// --keep N: of the run directories of runs_dir/<scenario>/ that no run of this invocation is still
// writing (`settled`: those there before it started and those of its finished runs), keeps the
// newest `keep` and removes the rest.
void prune_runs(const std::string& runs_dir, const std::string& scenario, int keep,
                const std::set<std::string>& settled) {
  std::vector<std::string> names;
  for (const fs::path& dir : run_dirs_of(runs_dir, scenario)) {
    if (settled.count(dir.string()) > 0) names.push_back(dir.filename().string());
  }
  std::sort(names.begin(), names.end(), newer_run_dir);
  std::error_code ec;
  for (size_t i = static_cast<size_t>(keep); i < names.size(); ++i) {
    fs::remove_all(fs::path(runs_dir) / scenario / names[i], ec);
  }
}

// Removes runs_dir/latest when the run it pointed at was removed.
void drop_dangling_latest(const std::string& runs_dir) {
  std::error_code ec;
  const fs::path link = fs::path(runs_dir) / "latest";
  if (fs::is_symlink(link, ec) && !fs::exists(link, ec)) fs::remove(link, ec);
}

// The shared state of one invocation's runs (workers take the next run under mu).
struct SuiteRunState {
  std::mutex mu;
  std::vector<SuiteEntry>* entries = nullptr;
  size_t next = 0;
  int finished = 0;
  bool stop = false;  // --fail-fast after a run that was not a success
  SuiteEta eta;
  // Run directories no run of this invocation is writing: there before it started, or finished.
  std::set<std::string> settled_dirs;
};

}  // namespace

PrefixedLines::Buffer::Buffer(std::ostream& sink, std::mutex& mu, std::string prefix,
                              std::string replaced)
    : sink_(sink), mu_(mu), prefix_(std::move(prefix)), replaced_(std::move(replaced)) {}

void PrefixedLines::Buffer::emit() {
  if (line_.empty()) return;
  std::string_view rest = line_;
  if (!replaced_.empty() && rest.substr(0, replaced_.size()) == replaced_) rest.remove_prefix(replaced_.size());
  {
    std::lock_guard lock(mu_);
    sink_ << prefix_ << rest << std::flush;
  }
  line_.clear();
}

PrefixedLines::Buffer::int_type PrefixedLines::Buffer::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  line_ += traits_type::to_char_type(c);
  if (traits_type::to_char_type(c) == '\n') emit();
  return c;
}

std::streamsize PrefixedLines::Buffer::xsputn(const char* s, std::streamsize n) {
  for (std::streamsize i = 0; i < n; ++i) overflow(traits_type::to_int_type(s[i]));
  return n;
}

PrefixedLines::PrefixedLines(std::ostream& sink, std::mutex& mu, std::string prefix, std::string replaced)
    : std::ostream(nullptr), buffer_(sink, mu, std::move(prefix), std::move(replaced)) {
  rdbuf(&buffer_);
}

void PrefixedLines::Buffer::finish() {
  if (line_.empty()) return;
  line_ += '\n';
  emit();
}

PrefixedLines::~PrefixedLines() { buffer_.finish(); }

common::Result<std::vector<std::string>> collect_scenario_files(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      const std::vector<std::string> found = yaml_files_in(p);
      if (found.empty()) return no_scenarios_in(p);
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      return common::Status::not_found(p + ": no such file or directory");
    }
  }
  if (files.empty()) return common::Status::invalid_argument("no scenario files given");
  return files;
}

std::string summary_table(const std::vector<SuiteEntry>& entries, bool colour) {
  std::ostringstream o;
  size_t w = 8;
  for (const auto& e : entries) w = std::max(w, e.test_name().size());
  o << std::left << std::setw(static_cast<int>(w)) << "scenario" << "  " << std::setw(11) << "verdict" << std::right
    << std::setw(9) << "seconds" << std::setw(6) << "peers" << std::setw(10) << "messages" << std::setw(10) << "ops"
    << std::setw(10) << "checker" << "  seed\n";
  for (const auto& e : entries) {
    const std::string word = verdict_word(e.outcome());
    const RunResults& r = e.results;
    o << std::left << std::setw(static_cast<int>(w)) << e.test_name() << "  " << coloured(word, colour)
      << std::string(11 - std::min<size_t>(11, word.size()), ' ') << std::right;
    if (!e.ran) {
      o << std::setw(9) << "-" << std::setw(6) << "-" << std::setw(10) << "-" << std::setw(10) << "-"
        << std::setw(10) << "-" << "  -\n";
      continue;
    }
    o << std::fixed << std::setprecision(1) << std::setw(9) << r.figures.seconds << std::setw(6) << r.figures.peers
      << std::setw(10) << r.figures.messages << std::setw(10) << r.figures.completed_ops << std::setw(9)
      << std::setprecision(2) << r.figures.checker_seconds << "s  " << r.seed << "\n";
  }
  return o.str();
}

common::Result<std::vector<Scenario>> load_scenarios(const std::vector<std::string>& files,
                                                     std::ostream& err) {
  std::vector<Scenario> scenarios;
  bool invalid = false;
  for (const auto& f : files) {
    auto s = load_scenario_file(f, fault_registry());
    if (!s) {
      err << s.status().message() << "\n";
      invalid = true;
      continue;
    }
    scenarios.push_back(std::move(*s));
  }
  if (invalid) return common::Status::invalid_argument("invalid scenario(s); nothing was run");
  return scenarios;
}

std::vector<SuiteEntry> run_scenarios(const std::vector<Scenario>& scenarios,
                                      const RunOptions& options, const SuiteOptions& suite) {
  const int repeat = std::max(1, suite.repeat);
  std::vector<SuiteEntry> entries;
  SuiteRunState state;
  state.entries = &entries;
  if (suite.keep > 0) {
    for (const auto& s : scenarios) {
      for (const fs::path& dir : run_dirs_of(options.runs_dir, s.name)) state.settled_dirs.insert(dir.string());
    }
  }
  for (const auto& s : scenarios) {
    for (int k = 0; k < repeat; ++k) {
      SuiteEntry e;
      e.scenario = &s;
      e.repetition = k;
      e.repeat = repeat;
      e.results.scenario = s.name;
      e.results.file = s.file;
      entries.push_back(std::move(e));
      state.eta.add_run(s.expected_duration().seconds);
    }
  }
  const int total = static_cast<int>(entries.size());
  std::ostream& err = options.out ? *options.out : std::cerr;
  std::mutex out_mu;
  auto interrupted = [&] { return suite.interrupted != nullptr && suite.interrupted->load(); };
  const Expectation any_failure{{}, suite.expect_fail};
  auto worker = [&](bool parallel) {
    for (;;) {
      size_t i;
      int started;
      std::string eta;
      {
        std::lock_guard lock(state.mu);
        if (state.next >= entries.size() || state.stop || interrupted()) return;
        i = state.next++;
        started = static_cast<int>(i) + 1;
        eta = SuiteEta::text(state.eta.seconds_left(suite.jobs));
      }
      SuiteEntry& e = entries[i];
      const std::string name = e.scenario->name;
      const std::string tag = e.test_name();
      std::optional<PrefixedLines> lines;
      if (parallel) {
        std::string prefix = "[", replaced = "[";
        prefix += tag;
        prefix += "] ";
        replaced += name;
        replaced += "] ";
        lines.emplace(err, out_mu, prefix, replaced);
      }
      std::ostream& my_err = parallel ? static_cast<std::ostream&>(*lines) : err;
      if (!options.quiet) {
        my_err << "[" << started << "/" << total << "] " << tag << ": phases " << e.scenario->expected_duration().text() << ", " << eta
               << " left in the suite\n" << std::flush;
      }
      RunOptions mine = options;
      mine.out = &my_err;
      mine.stop = suite.interrupted;
      e.results = run_one(*e.scenario, mine);
      e.ran = true;
      Expectation expect = any_failure;
      expect.fail = e.scenario->expect_fail;
      const std::string violation =
          e.results.run_dir.empty() ? "" : read_file(RunFiles(e.results.run_dir).violation_text());
      e.judgement = judge_run(e.results, expect, violation);
      const RunOutcome outcome = e.judgement.outcome;
      int done;
      {
        std::lock_guard lock(state.mu);
        done = ++state.finished;
        state.eta.finished(e.scenario->expected_duration().seconds, e.results.figures.seconds);
        eta = SuiteEta::text(state.eta.seconds_left(suite.jobs));
        if (suite.fail_fast && !is_success(outcome) && outcome != RunOutcome::kInterrupted) state.stop = true;
        if (!e.results.run_dir.empty()) {
          std::error_code ec;
          if (suite.keep_failed && outcome == RunOutcome::kPass) fs::remove_all(e.results.run_dir, ec);
          state.settled_dirs.insert(fs::path(e.results.run_dir).lexically_normal().string());
          if (suite.keep > 0) prune_runs(options.runs_dir, name, suite.keep, state.settled_dirs);
          if (suite.keep_failed || suite.keep > 0) drop_dangling_latest(options.runs_dir);
        }
      }
      if (!options.quiet) {
        std::ostringstream line;
        line << "[" << done << "/" << total << "] " << coloured(verdict_word(outcome), suite.colour_progress)
             << " " << tag << "  " << std::fixed << std::setprecision(1) << e.results.figures.seconds << "s";
        if (done < total && !interrupted()) line << "  ETA " << eta;
        if (!is_success(outcome) && !e.judgement.why.empty()) line << "\n    " << e.judgement.why;
        if (outcome == RunOutcome::kCaught) {
          for (const auto& ev : e.judgement.evidence) line << "\n    " << ev;
        }
        if (!e.results.run_dir.empty()) line << "\n    run dir " << e.results.run_dir;
        my_err << line.str() << "\n" << std::flush;
      }
    }
  };
  if (suite.jobs > 1) {
    std::vector<std::thread> threads;
    const size_t n = std::min(entries.size(), static_cast<size_t>(suite.jobs));
    for (size_t t = 0; t < n; ++t) threads.emplace_back(worker, true);
    for (auto& t : threads) t.join();
  } else {
    worker(false);
  }
  // Whether each run's directory is still there (--keep N may have removed an earlier one).
  for (auto& e : entries) {
    std::error_code ec;
    if (e.ran && !e.results.run_dir.empty()) e.kept = fs::exists(e.results.run_dir, ec);
  }
  return entries;
}

int suite_exit_code(const std::vector<SuiteEntry>& entries, bool interrupted) {
  if (interrupted) return kInterruptedExit;
  int code = 0;
  for (const auto& e : entries) {
    const RunOutcome o = e.outcome();
    if (o == RunOutcome::kError) code = std::max(code, 2);
    if (o == RunOutcome::kFail || o == RunOutcome::kMissed) code = std::max(code, 1);
  }
  return code;
}

int report_suite(const std::vector<SuiteEntry>& entries, std::ostream& out, const RunOptions& options,
                 const SuiteOptions& suite, const std::string& started_utc) {
  const bool interrupted = suite.interrupted != nullptr && suite.interrupted->load();
  const int exit_code = suite_exit_code(entries, interrupted);
  std::map<RunOutcome, int> counts;
  for (const auto& e : entries) ++counts[e.outcome()];
  out << "\n" << (suite.table ? reference_table(entries, suite.colour) : summary_table(entries, suite.colour));
  const int good = counts[RunOutcome::kPass] + counts[RunOutcome::kCaught];
  out << good << "/" << entries.size() << " runs as expected (";
  bool first = true;
  for (RunOutcome o : {RunOutcome::kPass, RunOutcome::kCaught, RunOutcome::kFail, RunOutcome::kMissed,
                       RunOutcome::kError, RunOutcome::kInterrupted, RunOutcome::kNotRun}) {
    if (counts[o] == 0 && !(o == RunOutcome::kPass && good == 0)) continue;
    out << (first ? "" : ", ") << counts[o] << " " << to_string(o);
    first = false;
  }
  out << ")";
  if (interrupted) out << "; interrupted";
  out << "\n";
  if (suite.write_summary) {
    InvocationInfo info;
    info.started_utc = started_utc;
    info.finished_utc = utc_now_iso();
    info.command = suite.command;
    info.selection = suite.selection.describe();
    info.interrupted = interrupted;
    info.exit_code = exit_code;
    auto dir = write_invocation(options.runs_dir, entries, info);
    if (!dir) {
      out << "faultline run: summary: " << dir.status().message() << "\n";
      return std::max(exit_code, 2);
    }
    out << "summary: " << *dir << "/summary.json, " << *dir << "/junit.xml (" << options.runs_dir
        << "/latest-summary)\n";
  }
  return exit_code;
}

int run_suite(const std::vector<std::string>& paths, const RunOptions& options, std::ostream& out,
              const SuiteOptions& suite) {
  std::ostream& err = options.out ? *options.out : std::cerr;
  const std::string started_utc = utc_now_iso();
  auto files = collect_scenario_files(paths);
  if (!files) {
    err << "faultline run: " << files.status().message() << "\n";
    return 2;
  }
  auto loaded = load_scenarios(*files, err);
  if (!loaded) {
    err << "faultline run: " << loaded.status().message() << "\n";
    return 2;
  }
  const std::vector<Scenario> scenarios = select_scenarios(*loaded, suite.selection);
  if (scenarios.empty()) {
    err << "faultline run: no scenario of the " << loaded->size() << " given matches "
        << suite.selection.describe() << " (faultline list shows names and tags)\n";
    return 2;
  }
  if (suite.validate_only) {
    for (const auto& s : scenarios) out << "valid: " << s.file << " (" << s.name << ")\n";
    return 0;
  }
  const auto entries = run_scenarios(scenarios, options, suite);
  const bool interrupted = suite.interrupted != nullptr && suite.interrupted->load();
  if (interrupted) err << "interrupted: stopped the running scenario, reaped its processes, ran no more\n";
  return report_suite(entries, out, options, suite, started_utc);
}

}  // namespace harness
