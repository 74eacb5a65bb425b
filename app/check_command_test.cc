// Process tests of `faultline check`: exit status, messages and report files, running the real
// binary on small histories written to a temporary directory.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/faultline_process.h"

namespace {

namespace fs = std::filesystem;

using app::testing::faultline;
using app::testing::ProcessRun;

class CheckCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("faultline_check_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p) << text;
    return p.string();
  }

  fs::path dir_;
};

const char* kGood =
    R"({"process":1,"type":"invoke","f":"put","key":"a","value":"x","time":10})"
    "\n"
    R"({"process":2,"type":"invoke","f":"get","key":"a","value":null,"time":15})"
    "\n"
    R"({"process":1,"type":"ok","f":"put","key":"a","value":"x","time":20})"
    "\n"
    R"({"process":2,"type":"ok","f":"get","key":"a","value":"x","time":25})"
    "\n";

// p2 reads "y" after the put of "x" completed, and nothing ever wrote "y".
const char* kBad =
    R"({"process":1,"type":"invoke","f":"put","key":"a","value":"x","time":10})"
    "\n"
    R"({"process":1,"type":"ok","f":"put","key":"a","value":"x","time":20})"
    "\n"
    R"({"process":2,"type":"invoke","f":"get","key":"a","value":null,"time":30})"
    "\n"
    R"({"process":2,"type":"ok","f":"get","key":"a","value":"y","time":40})"
    "\n"
    R"({"process":3,"type":"invoke","f":"append","key":"b","value":"z","time":50})"
    "\n";

TEST_F(CheckCommand, LinearizableExitsZero) {
  ProcessRun r = faultline("check " + write("good.jsonl", kGood));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("verdict: LINEARIZABLE"), std::string::npos) << r.output;
}

TEST_F(CheckCommand, ViolationExitsOneAndWritesReports) {
  const std::string json = (dir_ / "r.json").string(), html = (dir_ / "r.html").string();
  ProcessRun r = faultline("check " + write("bad.jsonl", kBad) + " --json " + json + " --html " + html);
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_NE(r.output.find("verdict: VIOLATION"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("key \"a\""), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("state after it: \"x\""), std::string::npos) << r.output;
  std::ifstream in(json);
  nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["verdict"], "violation");
  ASSERT_TRUE(fs::exists(html));
  std::stringstream page;
  page << std::ifstream(html).rdbuf();
  EXPECT_NE(page.str().find("<html"), std::string::npos);
  EXPECT_EQ(page.str().find("http://"), std::string::npos) << "the page must not load anything";
  EXPECT_EQ(page.str().find("https://"), std::string::npos) << "the page must not load anything";
}

TEST_F(CheckCommand, TruncatedLineExitsTwoNamingTheLine) {
  const std::string path = write("trunc.jsonl", std::string(kGood).substr(0, 110));
  ProcessRun r = faultline("check " + path);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find(path + ":2:"), std::string::npos) << r.output;
}

TEST_F(CheckCommand, UnknownOperationExitsTwoNamingTheLine) {
  const std::string path = write(
      "unknown.jsonl", R"({"process":1,"type":"invoke","f":"get","key":"a","time":1})"
                       "\n"
                       R"({"process":1,"type":"ok","f":"get","key":"a","value":"","time":2})"
                       "\n"
                       R"({"process":1,"type":"invoke","f":"frobnicate","key":"a","time":3})"
                       "\n");
  ProcessRun r = faultline("check " + path);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find(path + ":3:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("frobnicate"), std::string::npos) << r.output;
}

// Inputs that used to crash or give a wrong verdict: a value nested 200,000 deep (segfault) and an
// integer past 2^63 (wrapped to a negative number). Both exit 2 naming the line.
TEST_F(CheckCommand, DeepNestingAndHugeIntegersExitTwoNamingTheLine) {
  const std::string deep = write(
      "deep.jsonl", R"({"process":1,"type":"invoke","f":"get","key":"k","time":1})"
                    "\n"
                    R"({"process":1,"type":"ok","f":"get","key":"k","time":2,"value":)" +
                        std::string(200000, '[') + std::string(200000, ']') + "}\n");
  ProcessRun r = faultline("check " + deep);
  EXPECT_EQ(r.status, 2) << r.output.substr(0, 500);
  EXPECT_NE(r.output.find(deep + ":2:"), std::string::npos) << r.output.substr(0, 500);
  const std::string huge = write(
      "huge.jsonl", R"({"process":1,"type":"invoke","f":"write","value":18446744073709551615,"time":1})"
                    "\n"
                    R"({"process":1,"type":"ok","f":"write","value":18446744073709551615,"time":2})"
                    "\n"
                    R"({"process":2,"type":"invoke","f":"read","value":null,"time":3})"
                    "\n"
                    R"({"process":2,"type":"ok","f":"read","value":-1,"time":4})"
                    "\n");
  r = faultline("check " + huge);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find(huge + ":1:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("64-bit"), std::string::npos) << r.output;
}

TEST_F(CheckCommand, CompletionWithoutInvocationAndDoubleInvokeExitTwo) {
  const std::string orphan =
      write("orphan.jsonl", R"({"process":4,"type":"ok","f":"get","key":"a","time":2})"
                            "\n");
  ProcessRun r = faultline("check " + orphan);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find(orphan + ":1:"), std::string::npos) << r.output;
  const std::string twice = write(
      "twice.jsonl", R"({"process":1,"type":"invoke","f":"get","key":"a","time":1})"
                     "\n"
                     R"({"process":1,"type":"invoke","f":"get","key":"a","time":2})"
                     "\n");
  r = faultline("check " + twice);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find(twice + ":2:"), std::string::npos) << r.output;
}

TEST_F(CheckCommand, BadUsageExitsTwoAndHelpExitsZero) {
  EXPECT_EQ(faultline("check").status, 2);
  EXPECT_EQ(faultline("check " + write("g.jsonl", kGood) + " --format nonsense").status, 2);
  ProcessRun help = faultline("check --help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.output.find("--max-memory"), std::string::npos) << help.output;
  EXPECT_EQ(faultline("--help").status, 0);
}

TEST_F(CheckCommand, UnusableReportPathsAreRefusedBeforeChecking) {
  const std::string history = write("bad.jsonl", kBad);
  ProcessRun r = faultline("check " + history + " --html " + history);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("is the history being checked"), std::string::npos) << r.output;
  std::stringstream still;
  still << std::ifstream(history).rdbuf();
  EXPECT_EQ(still.str(), kBad) << "the history was overwritten";
  r = faultline("check " + history + " --json " + (dir_ / "no" / "such" / "r.json").string());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("no such directory"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("verdict:"), std::string::npos) << "refused before the check ran";
  r = faultline("check " + history + " --html " + dir_.string());
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("is a directory"), std::string::npos) << r.output;
  const std::string same = (dir_ / "r.out").string();
  r = faultline("check " + history + " --json " + same + " --html " + same);
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("name the same file"), std::string::npos) << r.output;
}

TEST_F(CheckCommand, EmptyHistoryWarns) {
  ProcessRun r = faultline("check " + write("empty.jsonl", ""));
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("warning:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no client operations"), std::string::npos) << r.output;
  r = faultline("check -q " + (dir_ / "empty.jsonl").string());
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, "") << "--quiet prints nothing";
}

TEST_F(CheckCommand, JepsenNemesisLinesAreSkippedAndCounted) {
  const std::string path =
      write("jepsen.edn",
            "{:process 0, :type :invoke, :f :write, :value 3}\n"
            "{:process :nemesis, :type :info, :f :start, :value {\"n1\" #{\"n2\" \"n3\"}}}\n"
            "{:process 0, :type :ok, :f :write, :value 3}\n"
            "{:process 1, :type :invoke, :f :read, :value nil}\n"
            "{:process 1, :type :ok, :f :read, :value 3}\n");
  ProcessRun r = faultline("check " + path);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_NE(r.output.find("model register"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 nemesis event skipped"), std::string::npos) << r.output;
}

TEST_F(CheckCommand, MemoryLimitGivesUnknownNotACrash) {
  // Many overlapping puts on one key and a read no put explains: every subset of the puts is a
  // distinct configuration, so the memo cache needs far more than 1 MiB. (Appends would not do:
  // the kv model proves at once that no order of appends reads "nope"; and values "v<i>v" are not
  // self-delimiting, so the presolve cannot prove "nope" unreadable before searching.)
  std::string text;
  for (int i = 0; i < 400; ++i) {
    text += R"({"process":)" + std::to_string(i) + R"(,"type":"invoke","f":"put","key":"k","value":"v)" +
            std::to_string(i) + R"(v","time":)" + std::to_string(i) + "}\n";
  }
  for (int i = 0; i < 400; ++i) {
    text += R"({"process":)" + std::to_string(i) + R"(,"type":"ok","f":"put","key":"k","value":"v)" +
            std::to_string(i) + R"(v","time":)" + std::to_string(1000 + i) + "}\n";
  }
  text += R"({"process":999,"type":"invoke","f":"get","key":"k","time":2000})"
          "\n"
          R"({"process":999,"type":"ok","f":"get","key":"k","value":"nope","time":2001})"
          "\n";
  ProcessRun r = faultline("check --max-memory 1 " + write("big.jsonl", text));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("verdict: UNKNOWN"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--max-memory"), std::string::npos) << r.output;
  r = faultline("check --timeout 0.2 " + write("big2.jsonl", text));
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_NE(r.output.find("--timeout"), std::string::npos) << r.output;
}

}  // namespace
