#include "harness/run/suite.h"

#include <algorithm>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <sstream>

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

}  // namespace

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
  std::vector<RunResults> results;
  for (const auto& s : scenarios) {
    for (int k = 0; k < std::max(1, suite.repeat); ++k) results.push_back(run_scenario(s, options));
  }
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
