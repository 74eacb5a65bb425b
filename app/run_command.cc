// `faultline run SCENARIO.yaml|DIR...`: run scenarios against a real kvnode cluster and report.
// Only parses arguments and calls harness::run_suite.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "app/commands.h"
#include "app/programs.h"
#include "harness/run/progress.h"
#include "harness/run/suite.h"
#include "harness/scenario/yaml_fields.h"
#include "harness/sut/process/process_system.h"

namespace app {
namespace {

namespace fs = std::filesystem;

// RunArgs: the parsed options; owned by the CLI callback (main thread).
struct RunArgs {
  std::vector<std::string> paths;
  std::string seed;  // decimal text; parsed by harness::parse_uint64 (CLI11 wraps -1 to 2^64-1)
  std::string runs_dir = "runs";
  std::string kvnode;
  bool quiet = false;
  int repeat = 1;
  int jobs = 1;
  bool expect_fail = false;
  bool soak = false;
  bool validate = false;
  std::vector<std::string> patterns;
  std::vector<std::string> tags;
  bool fail_fast = false;
  bool table = false;
  bool keep_failed = false;
  int keep = 0;
};

// Ctrl-C / SIGTERM: the first sets the flag (the suite stops cleanly, reaps every process and
// still writes its summary); a second one is the launcher's handler (SIGKILL every node, then die).
std::atomic<bool> g_interrupted{false};
struct sigaction g_hard_int, g_hard_term;

void on_interrupt(int sig) {
  g_interrupted.store(true);
  static const char kMsg[] =
      "\ninterrupted: stopping the running scenario (Ctrl-C again to kill it at once)\n";
  (void)!::write(STDERR_FILENO, kMsg, sizeof kMsg - 1);
  ::sigaction(SIGINT, &g_hard_int, nullptr);
  ::sigaction(SIGTERM, &g_hard_term, nullptr);
  (void)sig;
}

void install_graceful_interrupt() {
  harness::sut::install_interrupt_handler();  // the hard handler, kept for a second signal
  ::sigaction(SIGINT, nullptr, &g_hard_int);
  ::sigaction(SIGTERM, nullptr, &g_hard_term);
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_interrupt;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

// This process's command line (/proc/self/cmdline), words joined by spaces, for summary.json.
std::string command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string out, word;
  while (std::getline(in, word, '\0')) {  // bounded by the file
    if (!out.empty()) out += ' ';
    out += word;
  }
  return out;
}

}  // namespace

void add_run_command(CLI::App& cli, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* run = cli.add_subcommand(
      "run", "Run scenarios (files or directories of *.yaml) against a real cluster; exit 0 all "
             "checks passed, 1 a check failed, 2 scenario or harness error");
  run->add_option("scenarios", args->paths, "scenario files or directories")->required();
  run->add_option("--seed", args->seed, "seed for every random choice (overrides the scenario's)");
  run->add_option("--runs-dir", args->runs_dir, "where run directories go")->capture_default_str();
  run->add_option("--kvnode", args->kvnode, "the kvnode binary (default: $FAULTLINE_KVNODE or the build tree's)");
  run->add_flag("--quiet,-q", args->quiet, "no progress or per-check lines; only the final table");
  run->add_option("--repeat", args->repeat, "runs per scenario, each with a fresh seed unless --seed")
      ->check(CLI::Range(1, 100000));
  run->add_option("--jobs,-j", args->jobs,
                  "scenario runs at once (each its own cluster, run directory and endpoints; "
                  "progress lines start with the scenario's name)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  run->add_flag("--soak", args->soak, "soak: 10 runs per scenario (unless --repeat says otherwise)");
  run->add_flag("--validate", args->validate, "only load and validate the scenarios (exit 0 or 2)");
  run->add_flag("--expect-fail", args->expect_fail,
                "for demos: exit 0 only if every run fails a check (1 if one passes, 2 on error)");
  run->add_option("-k", args->patterns,
                  "run only scenarios whose name contains PATTERN (a glob with * ? [...] matches the "
                  "whole name); repeatable: any of them")
      ->type_name("PATTERN")
      ->allow_extra_args(false);
  run->add_option("--tag", args->tags, "run only scenarios tagged TAG (`tags:`); repeatable: all of them")
      ->type_name("TAG")
      ->allow_extra_args(false);
  run->add_flag("--fail-fast", args->fail_fast,
                "start no run after the first that failed (or a demo that was not caught)");
  run->add_flag("--table", args->table,
                "end with the table beside each scenario's `reference:` figures (seconds, peers, "
                "messages, ops, ops/ref)");
  run->add_flag("--keep-failed", args->keep_failed,
                "remove the run directory of every run that passed (keep failures for reading)");
  run->add_option("--keep", args->keep, "keep only the newest N run directories of each scenario")
      ->check(CLI::Range(1, 1000000))
      ->type_name("N");
  run->final_callback([args, run, &exit_code] {
    install_graceful_interrupt();
    harness::RunOptions opts;
    opts.system = harness::sut::process_system_factory({find_kvnode(args->kvnode)});
    opts.runs_dir = args->runs_dir;
    if (run->count("--seed") > 0) {
      std::string error;
      opts.seed = harness::parse_uint64(args->seed, &error);
      if (!opts.seed) {
        std::cerr << "faultline run: --seed: " << error << "\n";
        exit_code = 2;
        return;
      }
    }
    opts.quiet = args->quiet;
    opts.out = &std::cerr;
    harness::SuiteOptions suite;
    suite.repeat = args->soak && args->repeat == 1 ? 10 : args->repeat;
    suite.expect_fail = args->expect_fail;
    suite.validate_only = args->validate;
    suite.jobs = args->jobs;
    suite.selection.patterns = args->patterns;
    suite.selection.tags = args->tags;
    suite.fail_fast = args->fail_fast;
    suite.table = args->table;
    suite.keep_failed = args->keep_failed;
    suite.keep = args->keep;
    suite.interrupted = &g_interrupted;
    suite.command = command_line();
    suite.colour = harness::colour_for_fd(STDOUT_FILENO);
    suite.colour_progress = harness::colour_for_fd(STDERR_FILENO);
    opts.colour = suite.colour_progress;
    exit_code = harness::run_suite(args->paths, opts, std::cout, suite);
  });
}

}  // namespace app
