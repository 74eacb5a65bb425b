// `faultline check HISTORY`: parse a history, check linearizability, print the summary and write
// the optional JSON and HTML reports.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <utility>

#include "app/commands.h"
#include "checker/checker.h"

namespace app {
namespace {

// CheckArgs: the parsed options; owned by the CLI callback (main thread).
struct CheckArgs {
  std::string history;
  std::string format = "auto";
  std::string model;
  double timeout_s = 0;
  int64_t max_memory_mib = 0;
  int threads = 0;
  std::string json_path;
  std::string html_path;
  bool explain = false;
  bool quiet = false;
};

// An output file must not be the history itself, and its folder must be writable: found out
// before a long check, not after it (a failed write would also hide the verdict's exit status).
std::string output_problem(const std::string& option, const std::string& path,
                           const std::string& history) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool exists = fs::exists(path, ec);
  if (exists && fs::equivalent(path, history, ec))
    return option + " " + path + ": is the history being checked; choose another file";
  if (fs::is_directory(path, ec)) return option + " " + path + ": is a directory";
  if (exists && ::access(path.c_str(), W_OK) != 0)
    return option + " " + path + ": cannot be overwritten (" + std::strerror(errno) + ")";
  const fs::path dir = fs::path(path).has_parent_path() ? fs::path(path).parent_path() : ".";
  if (!fs::is_directory(dir, ec)) {
    return option + " " + path + ": no such directory " + dir.string();
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    return option + " " + path + ": cannot write in " + dir.string() + " (" +
           std::strerror(errno) + ")";
  }
  return "";
}

int run_check(const CheckArgs& a) {
  namespace fs = std::filesystem;
  auto format = checker::parse_format_name(a.format);
  if (!format) {
    std::cerr << "faultline check: " << format.status().message() << "\n";
    return 2;
  }
  if (!a.json_path.empty() && !a.html_path.empty()) {
    std::error_code ec;
    if (fs::weakly_canonical(a.json_path, ec) == fs::weakly_canonical(a.html_path, ec)) {
      std::cerr << "faultline check: --json and --html name the same file " << a.json_path << "\n";
      return 2;
    }
  }
  for (const auto& [option, path] : {std::pair{"--json", a.json_path}, {"--html", a.html_path}}) {
    if (path.empty()) continue;
    if (const std::string problem = output_problem(option, path, a.history); !problem.empty()) {
      std::cerr << "faultline check: " << problem << "\n";
      return 2;
    }
  }
  auto history = checker::parse_history_file(a.history, *format);
  if (!history) {
    std::cerr << "faultline check: " << history.status().message() << "\n";
    return 2;
  }
  if (history->ops.empty() && !a.quiet) {
    // Linearizable, trivially; but a recorder that crashed or a full disk also leaves this.
    std::cerr << "faultline check: warning: " << a.history
              << " holds no client operations (verdict linearizable, trivially)\n";
  }
  checker::CheckOptions opts;
  opts.model = a.model;
  opts.timeout = std::chrono::milliseconds(static_cast<int64_t>(a.timeout_s * 1000));
  opts.max_memory_bytes = a.max_memory_mib << 20;
  opts.threads = a.threads;
  opts.explain = a.explain || !a.json_path.empty() || !a.html_path.empty();
  auto result = checker::check(*history, opts);
  if (!result) {
    std::cerr << "faultline check: " << result.status().message() << "\n";
    return 2;
  }
  if (!a.quiet) std::cout << checker::format_text(*history, *result);
  if (!a.json_path.empty()) {
    if (auto s = checker::write_json(*history, *result, a.json_path); !s) {
      std::cerr << "faultline check: " << s.message() << "\n";
      return 2;
    }
  }
  if (!a.html_path.empty()) {
    if (auto s = checker::write_html(*history, *result, a.html_path); !s) {
      std::cerr << "faultline check: " << s.message() << "\n";
      return 2;
    }
    if (!a.quiet) std::cout << "report: " << a.html_path << "\n";
  }
  return checker::exit_code(result->verdict);
}

}  // namespace

void add_check_command(CLI::App& cli, int& exit_code) {
  auto args = std::make_shared<CheckArgs>();
  CLI::App* cmd = cli.add_subcommand(
      "check", "Check a recorded history for linearizability (exit 0 linearizable, 1 violation, "
               "2 unknown or error)");
  cmd->add_option("history", args->history, "History file (JSON lines, kv EDN maps or Jepsen log)")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--format", args->format, "History format: auto, json, kv-edn, jepsen-log")
      ->capture_default_str();
  cmd->add_option("--model", args->model,
                  "Model: kv (get/put/append per key) or register (read/write/cas); "
                  "default: what the history implies");
  cmd->add_option("--timeout", args->timeout_s,
                  "Give up after this many seconds with verdict unknown (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--max-memory", args->max_memory_mib,
                  "Bound on the process's resident memory in MiB (the history included; kept "
                  "within 10 %); reaching it gives verdict unknown (default: a quarter of RAM)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--threads", args->threads, "Worker threads (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--json", args->json_path, "Write the result as JSON to this file");
  cmd->add_option("--html", args->html_path, "Write a self-contained HTML report to this file");
  cmd->add_flag("--explain", args->explain,
                "Check every key even after a violation (implied by --json and --html)");
  cmd->add_flag("-q,--quiet", args->quiet, "Print nothing; only the exit status tells");
  cmd->final_callback([args, &exit_code]() { exit_code = run_check(*args); });
}

}  // namespace app
