// `faultline report RUN_DIR`: rebuild a run's report.html (and junit.xml) from its files.
#include <filesystem>
#include <iostream>

#include "app/commands.h"
#include "harness/verdict/report.h"
#include "harness/verdict/run_results.h"
#include "harness/record/run_files.h"

namespace app {

void add_report_command(CLI::App& cli, int& exit_code) {
  auto dir = std::make_shared<std::string>();
  CLI::App* report = cli.add_subcommand(
      "report", "Rebuild RUN_DIR/report.html and junit.xml from results.json, the history and "
                "nemesis.jsonl; the exit status is the run's (0 all checks passed, 1 a check "
                "failed), 2 if the report cannot be built");
  report->add_option("run_dir", *dir, "a run directory (e.g. runs/latest)")->required();
  report->final_callback([dir, &exit_code] {
    auto results = harness::read_results_json(harness::RunFiles(*dir).results());
    if (!results) {
      std::cerr << "faultline report: " << results.status().message() << "\n";
      exit_code = 2;
      return;
    }
    if (auto st = harness::write_text_file(harness::RunFiles(*dir).junit(), harness::junit_xml(*results)); !st) {
      std::cerr << "faultline report: " << st.message() << "\n";
      exit_code = 2;
      return;
    }
    if (auto st = harness::write_report(*dir); !st) {
      std::cerr << "faultline report: " << st.message() << "\n";
      exit_code = 2;
      return;
    }
    const harness::RunFiles files(*dir);
    for (const std::string& file : {files.history_to_read(), files.nemesis()}) {
      std::error_code ec;
      if (!std::filesystem::exists(file, ec))
        std::cerr << "faultline report: warning: " << file << " is missing; the report leaves out what it holds\n";
    }
    std::cout << harness::RunFiles(*dir).report() << "\n";
    exit_code = results->exit_code();
  });
}

}  // namespace app
