#pragma once
// The faultline subcommands. Each lives in its own file (check_command.cc, ...) and registers
// itself on the CLI11 app with one call from main.cc. A subcommand only parses its arguments and
// calls into the libraries; it stores the process exit status in `exit_code`.
#include <CLI/CLI.hpp>

namespace app {

// `faultline check HISTORY`: exit 0 linearizable, 1 violation, 2 unknown or error.
void add_check_command(CLI::App& cli, int& exit_code);

// `faultline run SCENARIO|DIR...` (run_command.cc): exit 0 passed, 1 a check failed, 2 error.
void add_run_command(CLI::App& cli, int& exit_code);
// `faultline report RUN_DIR` (report_command.cc): rebuilds report.html and junit.xml.
void add_report_command(CLI::App& cli, int& exit_code);
// `faultline sim SCENARIO|DIR...` and `faultline summary DIR...` (sim_command.cc).
void add_sim_command(CLI::App& cli, int& exit_code);

// `faultline list [PATH...]` (list_command.cc): scenarios with phase time, tags, description.
void add_list_command(CLI::App& cli, int& exit_code);
// `faultline cluster up [--nodes N]` (cluster_command.cc): a local cluster for kvctl until Ctrl-C.
void add_cluster_command(CLI::App& cli, int& exit_code);

}  // namespace app
