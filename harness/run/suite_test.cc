// The suite's file collection and summary table.
#include "harness/run/suite.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace harness {
namespace {

TEST(Suite, CollectsYamlFilesOfADirectorySorted) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(testing::TempDir()) / "suite-collect";
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* f : {"b.yaml", "a.yaml", "notes.txt"}) write_text_file((dir / f).string(), "x");
  auto files = collect_scenario_files({dir.string()});
  ASSERT_TRUE(files.is_ok());
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ(fs::path((*files)[0]).filename(), "a.yaml");
  EXPECT_FALSE(collect_scenario_files({(dir / "missing").string()}).is_ok());
  SuiteEntry passed;
  passed.results.scenario = "s";
  passed.ran = true;
  EXPECT_NE(summary_table({passed}).find("PASS"), std::string::npos);
}

TEST(Suite, DirectoryWithOnlySubdirectoriesNamesTheOnesHoldingScenarios) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(testing::TempDir()) / "suite-subdirs";
  fs::remove_all(dir);
  for (const char* d : {"reference/snapshots", "jepsen", "empty"}) fs::create_directories(dir / d);
  for (const char* f : {"reference/a.yaml", "reference/snapshots/s.yaml", "jepsen/j.yaml"}) {
    write_text_file((dir / f).string(), "x");
  }
  auto files = collect_scenario_files({dir.string()});
  ASSERT_FALSE(files.is_ok());
  const std::string& message = files.status().message();
  EXPECT_NE(message.find(dir.string() +
                         ": no *.yaml scenario files here; its subdirectories hold some: " +
                         (dir / "jepsen").string() + ", " + (dir / "reference").string()),
            std::string::npos)
      << message;
  EXPECT_EQ(message.find("empty"), std::string::npos) << message;
  // Not recursive: reference/ stands for its own files only.
  auto reference = collect_scenario_files({(dir / "reference").string()});
  ASSERT_TRUE(reference.is_ok()) << reference.status().message();
  EXPECT_EQ(reference->size(), 1u);
  // A directory with no scenario files anywhere below keeps the plain message.
  auto empty = collect_scenario_files({(dir / "empty").string()});
  ASSERT_FALSE(empty.is_ok());
  EXPECT_NE(empty.status().message().find("no *.yaml scenario files in this directory"),
            std::string::npos);
}

}  // namespace
}  // namespace harness
