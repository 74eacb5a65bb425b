// The suite's parallel runs: PrefixedLines keeps the lines of parallel runs whole and tagged, and
// run_suite with jobs > 1 runs real scenarios side by side (a few seconds; LABELS process).
#include "harness/run/suite.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "harness/sut/process/process_system.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(PrefixedLines, WritesWholeLinesWithThePrefixReplacingTheRunnersOwn) {
  std::ostringstream sink;
  std::mutex mu;
  {
    PrefixedLines out(sink, mu, "[a #2] ", "[a] ");
    out << "[a] seed " << 7 << "\n";
    out << "no tag here\n";
    out << "[b] another scenario's tag stays\n";
    out << "unfinished";
    EXPECT_EQ(lines_of(sink.str()).size(), 3u);  // the unfinished line is held back
  }
  EXPECT_EQ(sink.str(),
            "[a #2] seed 7\n"
            "[a #2] no tag here\n"
            "[a #2] [b] another scenario's tag stays\n"
            "[a #2] unfinished\n");
}

TEST(PrefixedLines, LinesOfParallelWritersNeverInterleave) {
  std::ostringstream sink;
  std::mutex mu;
  constexpr int kWriters = 4;
  constexpr int kLines = 500;
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      PrefixedLines out(sink, mu, "[w" + std::to_string(w) + "] ");
      for (int i = 0; i < kLines; ++i) out << "line " << i << " of writer " << w << "\n";
    });
  }
  for (auto& t : threads) t.join();
  const auto lines = lines_of(sink.str());
  ASSERT_EQ(lines.size(), static_cast<size_t>(kWriters * kLines));
  for (const auto& line : lines) {
    ASSERT_EQ(line.substr(0, 2), "[w") << line;
    const std::string w = line.substr(2, 1);
    EXPECT_EQ(line.substr(line.size() - w.size()), w) << line;  // prefix and text of one writer
  }
}

TEST(SuiteJobs, TwoJobsRunRepeatsSideBySideEachInItsOwnRunDirectory) {
  const std::string runs =
      ::testing::TempDir() + "/faultline-suite-jobs-" + std::to_string(::getpid());
  fs::remove_all(runs);
  RunOptions options;
  options.system = sut::process_system_factory({KVNODE_PATH});
  options.runs_dir = runs;
  options.seed = 3;
  std::ostringstream progress, table;
  options.out = &progress;
  SuiteOptions suite;
  suite.repeat = 4;
  suite.jobs = 2;
  const int status =
      run_suite({std::string(FL_SCENARIOS_DIR) + "/reliable-short.yaml"}, options, table, suite);
  EXPECT_EQ(status, 0) << progress.str() << table.str();
  EXPECT_NE(table.str().find("4/4 runs as expected (4 pass)"), std::string::npos) << table.str();
  std::set<std::string> tags;
  for (const auto& line : lines_of(progress.str())) {
    ASSERT_EQ(line.rfind("[reliable-short #", 0), 0u) << line;
    tags.insert(line.substr(0, line.find(']') + 1));
  }
  EXPECT_EQ(tags.size(), 4u);
  std::set<std::string> dirs;
  for (const auto& entry : fs::directory_iterator(fs::path(runs) / "reliable-short")) {
    EXPECT_TRUE(fs::exists(entry.path() / "results.json")) << entry.path();
    dirs.insert(entry.path().string());
  }
  EXPECT_EQ(dirs.size(), 4u);
  fs::remove_all(runs);
}

}  // namespace
}  // namespace harness
