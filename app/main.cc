// faultline: the project's one command line. Subcommands only parse arguments and call into the
// libraries (checker, harness).
//
// Adding a subcommand (e.g. `run`, `report` from harness/): write app/run_command.cc defining
// `void app::add_run_command(CLI::App& cli, int& exit_code)` (see check_command.cc for the shape:
// cli.add_subcommand(...), options, a final_callback that sets exit_code), declare it in
// app/commands.h, add one `add_..._command(cli, exit_code);` line below, and add the .cc file and
// the library (e.g. `harness`) in app/CMakeLists.txt.
#include <exception>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "app/commands.h"

namespace {

// The subcommand names, in the order they were added ("check, run, report").
std::string subcommand_names(const CLI::App& cli) {
  std::string names;
  for (const CLI::App* sub : cli.get_subcommands([](const CLI::App*) { return true; })) {
    names += (names.empty() ? "" : ", ") + sub->get_name();
  }
  return names;
}

bool is_subcommand(const CLI::App& cli, std::string_view word) {
  return !cli.get_subcommands([&](const CLI::App* sub) { return sub->get_name() == word; }).empty();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"faultline: fault-injection tests for a Raft key/value cluster, with a "
               "linearizability checker"};
  cli.require_subcommand(1);
  cli.set_version_flag("--version", std::string("faultline ") + FAULTLINE_VERSION);
  int exit_code = 0;
  app::add_check_command(cli, exit_code);
  app::add_run_command(cli, exit_code);
  app::add_report_command(cli, exit_code);
  app::add_sim_command(cli, exit_code);
  app::add_list_command(cli, exit_code);
  app::add_cluster_command(cli, exit_code);
  // `faultline help [SUBCOMMAND]` is `faultline [SUBCOMMAND] --help`.
  std::vector<char*> args(argv, argv + argc);
  std::string help_flag = "--help";
  if (args.size() >= 2 && std::string_view(args[1]) == "help") {
    args.erase(args.begin() + 1);
    args.push_back(help_flag.data());
  }
  // CLI11 would only say "A subcommand is required" for a mistyped one. The top level takes
  // flags only, so the first word that is not an option is where the subcommand must be.
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i][0] == '-') continue;
    if (!is_subcommand(cli, args[i])) {
      std::cerr << "faultline: unknown subcommand '" << args[i]
                << "' (expected: " << subcommand_names(cli) << "; see faultline --help)\n";
      return 2;
    }
    break;
  }
  try {
    cli.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::ParseError& e) {
    const int rc = cli.exit(e);  // prints help or the version (rc 0), or the usage error
    return rc == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    std::cerr << "faultline: " << e.what() << "\n";
    return 2;
  }
  return exit_code;
}
