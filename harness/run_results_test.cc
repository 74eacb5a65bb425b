// results.json round trip, exit codes, junit.xml failures, and the suite's file collection.
#include "harness/run_results.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "harness/suite.h"

namespace harness {
namespace {

RunResults sample() {
  RunResults r;
  r.scenario = "s";
  r.seed = 16855679490826602430u;  // above 2^63
  r.figures.seconds = 1.5;
  r.figures.peers = 5;
  r.figures.messages = 100;
  r.figures.completed_ops = 7;
  r.checks.push_back(CheckOutcome{"linearizable", "pass", "ok", nlohmann::json::object()});
  r.phases.push_back(PhaseSpan{"clients", 0, 10, 20});
  return r;
}

TEST(RunResults, JsonRoundTrip) {
  RunResults r = sample();
  auto back = results_from_json(to_json(r));
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_EQ(back->seed, 16855679490826602430u);
  EXPECT_EQ(to_json(r)["seed"], "16855679490826602430") << "a string: jq would round a number";
  EXPECT_EQ(back->figures.messages, 100u);
  ASSERT_EQ(back->checks.size(), 1u);
  EXPECT_EQ(back->checks[0].verdict, "pass");
  EXPECT_EQ(back->phases[0].end_ns, 20);
  EXPECT_FALSE(results_from_json(nlohmann::json::object()).is_ok());
}

TEST(RunResults, ExitCodes) {
  RunResults r = sample();
  EXPECT_EQ(r.exit_code(), 0);
  r.checks.push_back(CheckOutcome{"appends", "fail", "lost", nlohmann::json::object()});
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_NE(junit_xml(r).find("<failure message=\"fail: lost\""), std::string::npos);
  r.error = "kvnode did not start";
  EXPECT_EQ(r.exit_code(), 2);
  EXPECT_NE(junit_xml(r).find("<error message=\"kvnode did not start\""), std::string::npos);
}

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
  EXPECT_NE(summary_table({sample()}).find("PASS"), std::string::npos);
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
