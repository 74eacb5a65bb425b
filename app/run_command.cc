// `faultline run SCENARIO.yaml|DIR...`: run scenarios against a real kvnode cluster and report.
// Only parses arguments and calls harness::run_suite.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include "app/commands.h"
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
  bool expect_fail = false;
  bool soak = false;
  bool validate = false;
};

// The kvnode binary: --kvnode, else $FAULTLINE_KVNODE, else beside this executable in a build tree.
std::string find_kvnode(const std::string& given) {
  if (!given.empty()) return given;
  if (const char* env = std::getenv("FAULTLINE_KVNODE"); env && *env) return env;
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (const fs::path& candidate : {self.parent_path() / "kvnode",
                                      self.parent_path().parent_path() / "cluster" / "node" / "kvnode"}) {
      if (fs::is_regular_file(candidate, ec)) return candidate.string();
    }
  }
  return "kvnode";
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
  run->add_flag("--soak", args->soak, "soak: 10 runs per scenario (unless --repeat says otherwise)");
  run->add_flag("--validate", args->validate, "only load and validate the scenarios (exit 0 or 2)");
  run->add_flag("--expect-fail", args->expect_fail,
                "for demos: exit 0 only if every run fails a check (1 if one passes, 2 on error)");
  run->final_callback([args, run, &exit_code] {
    harness::sut::install_interrupt_handler();
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
    exit_code = harness::run_suite(args->paths, opts, std::cout, suite);
  });
}

}  // namespace app
