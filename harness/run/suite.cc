#include "harness/run/suite.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <thread>

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

// One run of the suite: scenario and repetition (0-based).
struct Job {
  const Scenario* scenario;
  int repetition;
};

RunResults run_one(const Job& job, const RunOptions& options) {
  try {
    return run_scenario(*job.scenario, options);
  } catch (const std::exception& e) {  // e.g. out of memory: the run is a harness error, not a crash
    RunResults r;
    r.scenario = job.scenario->name;
    r.file = job.scenario->file;
    r.error = std::string("harness exception: ") + e.what();
    return r;
  }
}

// Runs every job, `jobs` at a time, each on its own thread with its own PrefixedLines over `err`.
// results[i] is job i's, whatever order they finish in.
std::vector<RunResults> run_parallel(const std::vector<Job>& all, const RunOptions& options,
                                     std::ostream& err, int jobs, int repeat) {
  std::vector<RunResults> results(all.size());
  std::mutex out_mu;
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < all.size(); i = next++) {
      const Job& job = all[i];
      const std::string& name = job.scenario->name;
      const std::string tag = repeat > 1 ? name + " #" + std::to_string(job.repetition + 1) : name;
      PrefixedLines lines(err, out_mu, "[" + tag + "] ", "[" + name + "] ");
      RunOptions mine = options;
      mine.out = &lines;
      results[i] = run_one(job, mine);
    }
  };
  std::vector<std::thread> threads;
  const size_t n = std::min(all.size(), static_cast<size_t>(std::max(1, jobs)));
  for (size_t t = 0; t < n; ++t) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  return results;
}

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

std::string summary_table(const std::vector<RunResults>& results) {
  std::ostringstream o;
  size_t w = 8;
  for (const auto& r : results) w = std::max(w, r.scenario.size());
  o << std::left << std::setw(static_cast<int>(w)) << "scenario" << "  " << std::setw(7) << "verdict" << std::right
    << std::setw(9) << "seconds" << std::setw(6) << "peers" << std::setw(10) << "messages" << std::setw(10) << "ops"
    << std::setw(10) << "checker" << "  seed\n";
  for (const auto& r : results) {
    const std::string verdict = !r.error.empty() ? "ERROR" : r.passed() ? "PASS" : "FAIL";
    o << std::left << std::setw(static_cast<int>(w)) << r.scenario << "  " << std::setw(7) << verdict << std::right
      << std::fixed << std::setprecision(1) << std::setw(9) << r.figures.seconds << std::setw(6) << r.figures.peers
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

std::vector<RunResults> run_scenarios(const std::vector<Scenario>& scenarios,
                                      const RunOptions& options, const SuiteOptions& suite) {
  const int repeat = std::max(1, suite.repeat);
  std::vector<Job> jobs;
  for (const auto& s : scenarios) {
    for (int k = 0; k < repeat; ++k) jobs.push_back({&s, k});
  }
  if (suite.jobs > 1) {
    return run_parallel(jobs, options, options.out ? *options.out : std::cerr, suite.jobs, repeat);
  }
  std::vector<RunResults> results;
  for (const Job& job : jobs) results.push_back(run_one(job, options));
  return results;
}

int report_suite(const std::vector<RunResults>& results, std::ostream& out, const SuiteOptions& suite) {
  int exit_code = 0;
  bool harness_error = false;
  bool some_passed = false;
  for (const auto& r : results) {
    exit_code = std::max(exit_code, r.exit_code());
    harness_error = harness_error || !r.error.empty();
    some_passed = some_passed || r.passed();
  }
  out << "\n" << summary_table(results);
  const int failed = static_cast<int>(std::count_if(results.begin(), results.end(), [](const RunResults& r) { return !r.passed(); }));
  out << results.size() - static_cast<size_t>(failed) << "/" << results.size() << " runs passed";
  if (suite.expect_fail) {
    out << (harness_error ? " (harness error)" : some_passed ? " (expected every run to fail: a demo passed)"
                                                              : " (every run failed, as expected)");
    exit_code = harness_error ? 2 : some_passed ? 1 : 0;
  }
  if (!results.empty()) out << "; latest run: " << results.back().run_dir;
  out << "\n";
  return exit_code;
}

int run_suite(const std::vector<std::string>& paths, const RunOptions& options, std::ostream& out,
              const SuiteOptions& suite) {
  std::ostream& err = options.out ? *options.out : std::cerr;
  auto files = collect_scenario_files(paths);
  if (!files) {
    err << "faultline run: " << files.status().message() << "\n";
    return 2;
  }
  auto scenarios = load_scenarios(*files, err);
  if (!scenarios) {
    err << "faultline run: " << scenarios.status().message() << "\n";
    return 2;
  }
  if (suite.validate_only) {
    for (const auto& s : *scenarios) out << "valid: " << s.file << " (" << s.name << ")\n";
    return 0;
  }
  return report_suite(run_scenarios(*scenarios, options, suite), out, suite);
}

}  // namespace harness
