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

#include "app/commands.h"

int main(int argc, char** argv) {
  CLI::App cli{"faultline: fault-injection tests for a Raft key/value cluster, with a "
               "linearizability checker"};
  cli.require_subcommand(1);
  int exit_code = 0;
  app::add_check_command(cli, exit_code);
  app::add_run_command(cli, exit_code);
  app::add_report_command(cli, exit_code);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = cli.exit(e);  // prints help (rc 0) or the usage error
    return rc == 0 ? 0 : 2;
  } catch (const std::exception& e) {
    std::cerr << "faultline: " << e.what() << "\n";
    return 2;
  }
  return exit_code;
}
