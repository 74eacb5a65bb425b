// Process tests of `faultline list`, `run -k/--tag`, `expect:`, the invocation summary,
// --fail-fast, --keep-failed, Ctrl-C, and `cluster up` with kvctl: the real binaries, with tiny
// one-node scenarios (a second or two each).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/faultline_process.h"
#include "app/spawned_process.h"

namespace {

namespace fs = std::filesystem;
using app::testing::faultline;
using app::testing::ProcessRun;
using app::testing::SpawnedProcess;
using namespace std::chrono_literals;

const std::string kInSource = "cd " + std::string(FL_SOURCE_DIR) + " && ";

// `text` with every run of spaces made one space (so table columns compare as words).
std::string squeezed(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == ' ' && !out.empty() && out.back() == ' ') continue;
    out += c;
  }
  return out;
}

bool has_row(const std::string& text, const std::string& words) {
  return squeezed(text).find(words) != std::string::npos;
}

// The text after `label` up to the end of its line ("" when absent).
std::string after(const std::string& text, const std::string& label) {
  const size_t at = text.find(label);
  if (at == std::string::npos) return "";
  const size_t from = at + label.size();
  return text.substr(from, text.find('\n', from) - from);
}

class RunCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) / ("faultline-run-cmd-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "s");
  }
  void TearDown() override { fs::remove_all(dir_); }
  // A one-node scenario: put k=v, then get k expecting `expect`; `extra` appended (expect:, tags:).
  std::string write(const std::string& name, const std::string& expect, const std::string& extra = "") {
    const fs::path f = dir_ / "s" / (name + ".yaml");
    std::ofstream(f) << "name: " << name << "\ncluster: {nodes: 1}\nphases:\n  - steps:\n"
                     << "      - op: {client: a, f: put, key: k, value: v}\n"
                     << "      - op: {client: a, f: get, key: k, expect: \"" << expect << "\"}\n"
                     << "checks: {linearizable: true, deadline: 60s}\n" << extra;
    return f.string();
  }
  std::string runs() const { return (dir_ / "runs").string(); }
  nlohmann::json summary() const {
    std::ifstream in(dir_ / "runs" / "latest-summary" / "summary.json");
    return nlohmann::json::parse(in, nullptr, false);
  }
  fs::path dir_;
};

TEST_F(RunCommand, ListShowsNamesPhaseTimeTagsAndExpectations) {
  ProcessRun r = faultline("list scenarios/demo scenarios/reference", kInSource);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has_row(r.output, "demo-memory-kill-all 8s demo,restarts,unsafe [must fail: appends, linearizable] Must FAIL"))
      << r.output;
  EXPECT_TRUE(has_row(r.output, "01-one-client 15s reference Reference test: one client")) << r.output;
  EXPECT_NE(r.output.find("21 scenarios;"), std::string::npos) << r.output;
  ProcessRun tagged = faultline("list --tag partition --tag restarts scenarios/reference", kInSource);
  EXPECT_EQ(tagged.status, 0) << tagged.output;
  EXPECT_NE(tagged.output.find("14-restarts-partitions-many-clients"), std::string::npos) << tagged.output;
  EXPECT_EQ(tagged.output.find("09-partitions-one-client"), std::string::npos) << tagged.output;
  EXPECT_EQ(faultline("list --tag no-such-tag scenarios/reference", kInSource).status, 1);
  // Without a PATH: every scenario below ./scenarios, subdirectories included.
  ProcessRun all = faultline("list --json", kInSource);
  ASSERT_EQ(all.status, 0) << all.output;
  const auto j = nlohmann::json::parse(all.output);
  bool snapshots = false;
  for (const auto& s : j) snapshots = snapshots || s["name"] == "snap-10-multi-chunk-snapshot";
  EXPECT_TRUE(snapshots);
  // An invalid scenario is named with its place, as by run.
  const std::string bad = write("bad", "v", "tags: [Bad]\n");
  ProcessRun invalid = faultline("list " + bad);
  EXPECT_EQ(invalid.status, 2) << invalid.output;
  EXPECT_NE(invalid.output.find(bad + ":8:8: tags[0]: 'Bad'"), std::string::npos) << invalid.output;
}

TEST_F(RunCommand, SelectionByNameAndTag) {
  ProcessRun r = faultline("run --validate -k one-client scenarios/reference", kInSource);
  EXPECT_EQ(r.status, 0) << r.output;
  for (const char* name : {"(01-one-client)", "(09-partitions-one-client)", "(11-restarts-one-client)"}) {
    EXPECT_NE(r.output.find(name), std::string::npos) << name << r.output;
  }
  EXPECT_EQ(r.output.find("03-many-clients"), std::string::npos) << r.output;
  ProcessRun glob = faultline("run --validate -k '1[45]-*' --tag unreliable scenarios/reference", kInSource);
  EXPECT_EQ(glob.status, 0) << glob.output;
  EXPECT_NE(glob.output.find("(15-unreliable"), std::string::npos) << glob.output;
  EXPECT_EQ(glob.output.find("(14-"), std::string::npos) << "14 has no unreliable tag: " << glob.output;
  ProcessRun none = faultline("run --validate -k nothing-like-this scenarios/reference", kInSource);
  EXPECT_EQ(none.status, 2) << none.output;
  EXPECT_NE(none.output.find("no scenario of the 16 given matches -k nothing-like-this"), std::string::npos)
      << none.output;
  // `sim` takes the same selection.
  ProcessRun sim = faultline("sim --tag no-such-tag scenarios/jepsen", kInSource);
  EXPECT_EQ(sim.status, 2) << sim.output;
  EXPECT_NE(sim.output.find("matches --tag no-such-tag"), std::string::npos)
      << sim.output;
}

TEST_F(RunCommand, ExpectationsDecideTheExitStatusAndTheSummaryHasEveryRun) {
  const std::string caught = write("caught", "other", "expect: {fail: [script]}\n");
  const std::string missed = write("missed", "v", "expect: {fail: [script]}\n");
  const std::string passes = write("passes", "v");
  ProcessRun r = faultline("run -q --runs-dir " + runs() + " " + caught + " " + passes);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(has_row(r.output, "caught CAUGHT")) << r.output;
  EXPECT_NE(r.output.find("2/2 runs as expected (1 pass, 1 caught)"), std::string::npos) << r.output;
  nlohmann::json j = summary();
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["schema_version"], 1);
  EXPECT_EQ(j["counts"]["caught"], 1);
  EXPECT_EQ(j["exit_code"], 0);
  ASSERT_EQ(j["runs"].size(), 2u);
  EXPECT_EQ(j["runs"][0]["outcome"], "caught");
  EXPECT_GT(j["runs"][0]["seconds"].get<double>(), 0);
  EXPECT_TRUE(fs::exists(j["runs"][0]["report"].get<std::string>()));
  std::ifstream junit(dir_ / "runs" / "latest-summary" / "junit.xml");
  std::stringstream x;
  x << junit.rdbuf();
  EXPECT_NE(x.str().find("tests=\"2\" failures=\"0\""), std::string::npos) << x.str();
  const std::string passes_case = after(x.str(), "name=\"passes\" ");
  EXPECT_NE(passes_case.find(" time=\""), std::string::npos) << x.str();
  fs::path results = fs::path(j["runs"][1]["run_dir"].get<std::string>()) / "results.json";
  std::ifstream rin(results);
  EXPECT_EQ(nlohmann::json::parse(rin)["schema_version"], 1);

  // A demo that passes is missed: exit 1, and the summary says why.
  ProcessRun m = faultline("run -q --runs-dir " + runs() + " " + missed);
  EXPECT_EQ(m.status, 1) << m.output;
  EXPECT_TRUE(has_row(m.output, "missed MISSED")) << m.output;
  j = summary();
  EXPECT_EQ(j["runs"][0]["outcome"], "missed");
  EXPECT_NE(j["runs"][0]["message"].get<std::string>().find("every check passed"), std::string::npos);
}

TEST_F(RunCommand, FailFastStopsAndKeepFailedRemovesPassingRuns) {
  const std::string fails = write("fails", "other");
  const std::string passes = write("passes", "v");
  ProcessRun r = faultline("run --fail-fast --keep-failed --runs-dir " + runs() + " " + passes + " " + fails + " " +
                           passes + " 2>&1");
  EXPECT_EQ(r.status, 1) << r.output;
  nlohmann::json j = summary();
  ASSERT_EQ(j["runs"].size(), 2u) << "passes is named twice: it runs once";
  EXPECT_EQ(j["runs"][0]["outcome"], "pass");
  EXPECT_EQ(j["runs"][0]["kept"], false);
  EXPECT_FALSE(fs::exists(j["runs"][0]["run_dir"].get<std::string>()));
  EXPECT_EQ(j["runs"][1]["outcome"], "fail");
  EXPECT_TRUE(fs::exists(j["runs"][1]["run_dir"].get<std::string>()));
  EXPECT_NE(r.output.find("[1/2] PASS passes"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("[2/2] FAIL fails"), std::string::npos) << r.output;
  // --fail-fast: after the failure nothing else starts.
  r = faultline("run -q --fail-fast --runs-dir " + runs() + " " + fails + " " + passes);
  EXPECT_EQ(r.status, 1) << r.output;
  j = summary();
  ASSERT_EQ(j["runs"].size(), 2u);
  EXPECT_EQ(j["runs"][1]["outcome"], "not_run");
  EXPECT_TRUE(has_row(r.output, "passes NOT RUN")) << r.output;
  // --keep 1: only the newest run directory of each scenario stays.
  for (int i = 0; i < 2; ++i) EXPECT_EQ(faultline("run -q --keep 1 --runs-dir " + runs() + " " + passes).status, 0);
  int dirs = 0;
  for (const auto& e : fs::directory_iterator(dir_ / "runs" / "passes")) dirs += e.is_directory();
  EXPECT_EQ(dirs, 1);
}

TEST_F(RunCommand, NoColourWhenNotATerminal) {
  const std::string passes = write("passes", "v");
  ProcessRun r = faultline("run --runs-dir " + runs() + " " + passes);
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output.find("\033["), std::string::npos) << "a pipe gets no escape codes";
}

// Every process whose command line mentions `text` (a run directory's path).
std::vector<std::string> processes_mentioning(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator("/proc")) {
    std::ifstream in(e.path() / "cmdline", std::ios::binary);
    std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmd.find(text) != std::string::npos) out.push_back(e.path().filename().string());
  }
  return out;
}

TEST_F(RunCommand, CtrlCStopsTheRunReapsItsNodesAndWritesAnInterruptedSummary) {
  const fs::path f = dir_ / "s" / "long.yaml";
  std::ofstream(f) << "name: long\ncluster: {nodes: 3}\nclients: {count: 1}\n"
                   << "phases:\n  - workload: {duration: 60s}\n";
  SpawnedProcess p({FAULTLINE_BIN, "run", "--runs-dir", runs(), "-k", "long", (dir_ / "s").string()});
  ASSERT_TRUE(p.wait_for("faults:", 60s)) << "no progress line: " << p.output();
  p.signal(SIGINT);
  const int status = p.wait_exit(60s);
  EXPECT_EQ(status, 130) << p.output();
  EXPECT_NE(p.output().find("interrupted"), std::string::npos) << p.output();
  EXPECT_TRUE(has_row(p.output(), "long INTERRUPTED")) << p.output();
  nlohmann::json j = summary();
  ASSERT_FALSE(j.is_discarded()) << p.output();
  EXPECT_EQ(j["interrupted"], true);
  EXPECT_EQ(j["exit_code"], 130);
  EXPECT_EQ(j["runs"][0]["outcome"], "interrupted");
  EXPECT_TRUE(processes_mentioning(runs()).empty()) << "a kvnode of the run outlived it";
}

TEST(ClusterUp, StartsNodesKvctlUsesThemCtrlCStopsAndReapsThem) {
  SpawnedProcess up({FAULTLINE_BIN, "cluster", "up", "--nodes", "3"});
  ASSERT_TRUE(up.wait_for("Ctrl-C", 60s)) << up.output();
  const std::string out = up.output();
  const std::string file = after(out, "cluster file: ");
  ASSERT_FALSE(file.empty()) << out;
  const std::string kvctl = std::string(KVCTL_BIN) + " --cluster " + file + " ";
  auto sh = [](const std::string& cmd) {
    std::string text;
    FILE* p = popen((cmd + " 2>&1").c_str(), "r");
    char buf[512];
    size_t n;
    while (p && (n = fread(buf, 1, sizeof buf, p)) > 0) text.append(buf, n);
    const int w = p ? pclose(p) : -1;
    return std::make_pair(WIFEXITED(w) ? WEXITSTATUS(w) : -1, text);
  };
  EXPECT_EQ(sh(kvctl + "put greeting hello").first, 0);
  EXPECT_EQ(sh(kvctl + "append greeting ', world'").first, 0);
  const auto got = sh(kvctl + "get greeting");
  EXPECT_EQ(got.first, 0) << got.second;
  EXPECT_EQ(got.second, "hello, world\n");
  std::vector<int> pids;
  for (size_t at = out.find(" pid "); at != std::string::npos; at = out.find(" pid ", at + 1)) {
    pids.push_back(std::stoi(out.substr(at + 5)));
  }
  ASSERT_EQ(pids.size(), 3u) << out;
  up.signal(SIGINT);
  EXPECT_EQ(up.wait_exit(30s), 0) << up.output();
  EXPECT_NE(up.output().find("stopped: every node exited and was reaped"), std::string::npos) << up.output();
  for (int pid : pids) EXPECT_NE(::kill(pid, 0), 0) << "node pid " << pid << " still exists";
  EXPECT_FALSE(fs::exists(file)) << "the temporary directory is removed";
}

}  // namespace
