// Process tests of the faultline command line itself and of `run --validate`: a mistyped
// subcommand, `help`, `--version`, and scenario errors as a user meets them (exit 2).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "app/faultline_process.h"

namespace {

namespace fs = std::filesystem;

using app::testing::faultline;
using app::testing::ProcessRun;

TEST(Cli, UnknownSubcommandIsNamedWithTheKnownOnes) {
  ProcessRun r = faultline("chek x.jsonl");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("faultline: unknown subcommand 'chek' (expected: check, run, report"),
            std::string::npos)
      << r.output;
  r = faultline("--unknown-flag chek x.jsonl");  // an option first does not hide the word
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("unknown subcommand 'chek'"), std::string::npos) << r.output;
}

TEST(Cli, HelpWordIsTheHelpFlag) {
  ProcessRun flag = faultline("--help");
  ProcessRun word = faultline("help");
  EXPECT_EQ(word.status, 0) << word.output;
  EXPECT_EQ(word.output, flag.output);
  ProcessRun run_word = faultline("help run");
  EXPECT_EQ(run_word.status, 0) << run_word.output;
  EXPECT_EQ(run_word.output, faultline("run --help").output);
  EXPECT_NE(run_word.output.find("--validate"), std::string::npos) << run_word.output;
}

TEST(Cli, VersionPrintsTheProjectVersion) {
  ProcessRun r = faultline("--version");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, std::string("faultline ") + FAULTLINE_VERSION + "\n");
}

TEST(Cli, ValidateRefusesADuplicateKeyWithItsPlace) {
  const fs::path file =
      fs::temp_directory_path() / ("faultline_cli_test_" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(file) << "cluster:\n  nodes: 3\n  nodes: 99\nphases: [{steps: [heal]}]\n";
  ProcessRun r = faultline("run --validate " + file.string());
  fs::remove(file);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find(file.string() + ":3:3: cluster.nodes: duplicate key 'nodes'"),
            std::string::npos)
      << r.output;
}

TEST(Cli, ValidateOfTheScenariosFolderNamesItsSubdirectories) {
  const std::string in_source = "cd " + std::string(FL_SOURCE_DIR) + " && ";
  ProcessRun r = faultline("run --validate scenarios", in_source);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("scenarios: no *.yaml scenario files here; its subdirectories hold some: "
                          "scenarios/demo, "),
            std::string::npos)
      << r.output;
  for (const char* dir : {"scenarios/jepsen", "scenarios/reference"}) {
    EXPECT_NE(r.output.find(dir), std::string::npos) << dir << " in " << r.output;
  }
  EXPECT_EQ(r.output.find("scenarios/reference/snapshots"), std::string::npos) << r.output;
  // The command docs/scenarios.md gives instead.
  ProcessRun docs =
      faultline("run --validate scenarios/*/ scenarios/reference/snapshots", in_source);
  EXPECT_EQ(docs.status, 0) << docs.output;
  EXPECT_NE(docs.output.find("valid: scenarios/reference/snapshots/"), std::string::npos)
      << docs.output;
}

TEST(Cli, SeedMustBeAnUnsignedDecimalThatFits) {
  const std::string scenario =
      std::string(FL_SOURCE_DIR) + "/scenarios/reference/01-one-client.yaml";
  for (const char* bad : {"-1", "18446744073709551616", "12abc", "0x10"}) {
    ProcessRun r = faultline(std::string("run --validate --seed=") + bad + " " + scenario);
    EXPECT_EQ(r.status, 2) << bad << ": " << r.output;
    EXPECT_NE(r.output.find("--seed: '" + std::string(bad) + "'"), std::string::npos) << r.output;
  }
  EXPECT_EQ(faultline("run --validate --seed=18446744073709551615 " + scenario).status, 0);
  ProcessRun empty = faultline("run --validate --seed= " + scenario);
  EXPECT_EQ(empty.status, 2) << "an empty --seed is not 'no seed': " << empty.output;
}

}  // namespace
