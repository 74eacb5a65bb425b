// The pure parts of a suite invocation: selection (-k, --tag), judging a run against its
// scenario's expectation, the summary (summary.json, junit.xml, the reference table), colour and
// the ETA, and the exit status.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "harness/nemesis/registry.h"
#include "harness/run/invocation.h"
#include "harness/run/outcome.h"
#include "harness/run/progress.h"
#include "harness/run/select.h"
#include "harness/run/suite.h"
#include "harness/scenario/scenario_loader.h"

namespace harness {
namespace {

namespace fs = std::filesystem;

Scenario scenario(const std::string& name, std::vector<std::string> tags, const std::string& file = "") {
  Scenario s;
  s.name = name;
  s.file = file.empty() ? "/nonexistent/" + name + ".yaml" : file;
  s.tags = std::move(tags);
  return s;
}

std::vector<std::string> names(const std::vector<Scenario>& list) {
  std::vector<std::string> out;
  for (const auto& s : list) out.push_back(s.name);
  return out;
}

TEST(Select, SubstringOrWholeNameGlob) {
  EXPECT_TRUE(name_matches("14-restarts-partitions-many-clients", "partitions"));
  EXPECT_FALSE(name_matches("14-restarts-partitions-many-clients", "kill"));
  EXPECT_TRUE(name_matches("14-restarts-partitions-many-clients", "1?-*"));
  EXPECT_FALSE(name_matches("14-restarts-partitions-many-clients", "restarts*"))
      << "a glob matches the whole name";
  EXPECT_TRUE(name_matches("snap-03-ops", "snap-0[1-3]*"));
}

TEST(Select, PatternsAreAlternativesTagsAllRequired) {
  const std::vector<Scenario> all = {scenario("01-one-client", {"reference"}),
                                     scenario("09-partitions-one-client", {"reference", "partition"}),
                                     scenario("leader-paused", {"jepsen", "pause"}),
                                     scenario("bridge-partition", {"jepsen", "partition"})};
  Selection sel;
  EXPECT_EQ(select_scenarios(all, sel).size(), 4u);
  sel.patterns = {"one-client", "bridge"};
  EXPECT_EQ(names(select_scenarios(all, sel)),
            (std::vector<std::string>{"01-one-client", "09-partitions-one-client", "bridge-partition"}));
  sel.tags = {"partition"};
  EXPECT_EQ(names(select_scenarios(all, sel)),
            (std::vector<std::string>{"09-partitions-one-client", "bridge-partition"}));
  sel.patterns.clear();
  sel.tags = {"partition", "jepsen"};
  EXPECT_EQ(names(select_scenarios(all, sel)), std::vector<std::string>{"bridge-partition"});
  EXPECT_EQ(sel.describe(), "--tag partition --tag jepsen");
  sel.tags = {"nothing"};
  EXPECT_TRUE(select_scenarios(all, sel).empty());
}

TEST(Select, AFileNamedTwiceRunsOnce) {
  const fs::path dir = fs::path(testing::TempDir()) / "select-twice";
  fs::create_directories(dir);
  std::ofstream(dir / "a.yaml") << "x";
  const std::vector<Scenario> all = {scenario("a", {}, (dir / "a.yaml").string()),
                                     scenario("a", {}, (dir / "." / "a.yaml").string())};
  EXPECT_EQ(select_scenarios(all, Selection{}).size(), 1u);
}

CheckOutcome check(const std::string& name, CheckVerdict v, nlohmann::json details = nlohmann::json::object()) {
  return CheckOutcome{name, v, name + " summary", std::move(details)};
}

const char* kViolation = R"(times: ms since the first operation
key "3": 40 operations on this key cannot be linearized together
  longest linearizable prefix: 10 operations, ending with:
    p4 append key="3" value="x 3 9 y"  ok   1.0 .. 2.0 ms  (line 17)
  state after it: "x 3 0 y...x 3 9 y"
  none of these can follow it (the state contradicts each):
    p7 get key="3" -> "x 3 0 y"  ok   3.0 .. 4.0 ms  (line 31)
    p8 get key="3" -> "x 3 0 y"  ok   3.5 .. 4.5 ms  (line 33)

)";

TEST(Outcome, WithoutExpectationEveryCheckMustPass) {
  RunResults r;
  r.checks = {check("linearizable", CheckVerdict::kPass), check("appends", CheckVerdict::kPass)};
  EXPECT_EQ(judge_run(r, {}, "").outcome, RunOutcome::kPass);
  r.checks[1].verdict = CheckVerdict::kFail;
  const Judgement j = judge_run(r, {}, "");
  EXPECT_EQ(j.outcome, RunOutcome::kFail);
  EXPECT_NE(j.why.find("appends: appends summary"), std::string::npos) << j.why;
  r.error = "kvnode would not start";
  EXPECT_EQ(judge_run(r, {}, "").outcome, RunOutcome::kError);
  r.error = kInterruptedError;
  EXPECT_EQ(judge_run(r, {}, "").outcome, RunOutcome::kInterrupted);
}

TEST(Outcome, ADemoIsCaughtByAnExpectedViolationThatNamesOperations) {
  RunResults r;
  r.checks = {check("linearizable", CheckVerdict::kViolation), check("deadline", CheckVerdict::kPass)};
  Expectation e;
  e.fail = {"appends", "linearizable"};
  const Judgement j = judge_run(r, e, kViolation);
  EXPECT_EQ(j.outcome, RunOutcome::kCaught) << j.why;
  ASSERT_EQ(j.evidence.size(), 3u);
  EXPECT_NE(j.evidence[0].find("cannot be linearized"), std::string::npos);
  EXPECT_EQ(j.evidence[1].rfind("  p7 get key=\"3\"", 0), 0u) << j.evidence[1];
  // The same violation without an explanation that names operations is not evidence.
  EXPECT_EQ(judge_run(r, e, "").outcome, RunOutcome::kMissed);
  EXPECT_EQ(judge_run(r, e, "key \"3\": 4 operations on this key cannot be linearized together\n"
                            "  none of these can follow it (the state contradicts each):\n    px get key=3\n")
                .outcome,
            RunOutcome::kMissed);
}

TEST(Outcome, ADemoIsCaughtByAppendsProblems) {
  RunResults r;
  nlohmann::json problems = {{"problems", {{{"key", "2"}, {"problem", "duplicate"}, {"value", "x 2 7 y"}, {"read_line", 88}}}}};
  r.checks = {check("linearizable", CheckVerdict::kPass), check("appends", CheckVerdict::kFail, problems)};
  Expectation e;
  e.fail = {"appends", "linearizable"};
  const Judgement j = judge_run(r, e, "");
  EXPECT_EQ(j.outcome, RunOutcome::kCaught);
  ASSERT_EQ(j.evidence.size(), 1u);
  EXPECT_EQ(j.evidence[0], "appends: key 2: duplicate x 2 7 y (read at history line 88)");
}

TEST(Outcome, ADemoThatPassesOrFailsAnotherCheckIsMissed) {
  RunResults r;
  r.checks = {check("linearizable", CheckVerdict::kPass), check("deadline", CheckVerdict::kPass)};
  Expectation e;
  e.fail = {"linearizable"};
  Judgement j = judge_run(r, e, "");
  EXPECT_EQ(j.outcome, RunOutcome::kMissed);
  EXPECT_NE(j.why.find("every check passed"), std::string::npos) << j.why;
  r.checks = {check("linearizable", CheckVerdict::kViolation), check("deadline", CheckVerdict::kFail)};
  j = judge_run(r, e, kViolation);
  EXPECT_EQ(j.outcome, RunOutcome::kMissed);
  EXPECT_NE(j.why.find("not expected to fail failed: deadline"), std::string::npos) << j.why;
  // An unknown verdict (the checker ran out of time) is no violation.
  r.checks = {check("linearizable", CheckVerdict::kUnknown)};
  EXPECT_EQ(judge_run(r, e, kViolation).outcome, RunOutcome::kMissed);
}

TEST(Outcome, ScriptChecksAreExpectedByOneName) {
  RunResults r;
  r.checks = {check("script phases[0].steps[2] line 9: op a get k", CheckVerdict::kFail)};
  Expectation e;
  e.fail = {"script"};
  EXPECT_EQ(judge_run(r, e, "").outcome, RunOutcome::kCaught);
  EXPECT_EQ(expect_name("script phases[0].steps[2] line 9: op a get k"), "script");
}

TEST(Outcome, ExpectFailFlagCountsAnyFailedCheck) {
  RunResults r;
  r.checks = {check("min_ops", CheckVerdict::kFail)};
  EXPECT_EQ(judge_run(r, Expectation{{}, true}, "").outcome, RunOutcome::kCaught);
  r.checks[0].verdict = CheckVerdict::kPass;
  EXPECT_EQ(judge_run(r, Expectation{{}, true}, "").outcome, RunOutcome::kMissed);
}

SuiteEntry entry(const Scenario* s, RunOutcome o, int rep = 0, int repeat = 1) {
  SuiteEntry e;
  e.scenario = s;
  e.repetition = rep;
  e.repeat = repeat;
  e.ran = o != RunOutcome::kNotRun;
  e.judgement.outcome = o;
  e.judgement.why = o == RunOutcome::kFail ? "appends: 1 problem(s)" : "";
  e.results.scenario = s->name;
  e.results.seed = 16855679490826602430u;
  e.results.figures.seconds = 12.25;
  e.results.figures.completed_ops = 1806;
  e.results.run_dir = "runs/" + s->name + "/20261205T000000Z";
  return e;
}

TEST(Invocation, SummaryJsonHasEveryRunWithOutcomeTimeAndReport) {
  Scenario a = scenario("01-one-client", {"reference"});
  a.reference = ReferenceFigures{15.5, 5, 4576, 903};
  Scenario d = scenario("demo-x", {"demo"});
  d.expect_fail = {"linearizable"};
  const std::vector<SuiteEntry> entries = {entry(&a, RunOutcome::kPass, 0, 2), entry(&a, RunOutcome::kFail, 1, 2),
                                           entry(&d, RunOutcome::kCaught, 0, 2),
                                           entry(&d, RunOutcome::kNotRun, 1, 2)};
  InvocationInfo info;
  info.exit_code = 1;
  const nlohmann::json j = summary_json(entries, info);
  EXPECT_EQ(j["schema_version"], kSummarySchemaVersion);
  EXPECT_EQ(j["counts"]["pass"], 1);
  EXPECT_EQ(j["counts"]["fail"], 1);
  EXPECT_EQ(j["counts"]["caught"], 1);
  EXPECT_EQ(j["counts"]["not_run"], 1);
  ASSERT_EQ(j["runs"].size(), 4u);
  EXPECT_EQ(j["runs"][1]["name"], "01-one-client #2");
  EXPECT_EQ(j["runs"][1]["outcome"], "fail");
  EXPECT_EQ(j["runs"][1]["message"], "appends: 1 problem(s)");
  EXPECT_EQ(j["runs"][1]["report"], "runs/01-one-client/20261205T000000Z/report.html");
  EXPECT_EQ(j["runs"][1]["seed"], "16855679490826602430");
  EXPECT_EQ(j["runs"][0]["reference"]["completed_ops"], 903);
  EXPECT_EQ(j["runs"][2]["expect_fail"], std::vector<std::string>{"linearizable"});
  EXPECT_FALSE(j["runs"][3].contains("seed")) << "a run that never started has no figures";
}

TEST(Invocation, JunitHasOneTestCasePerRunWithTimeAndUniqueNames) {
  Scenario a = scenario("a", {});
  const std::vector<SuiteEntry> entries = {entry(&a, RunOutcome::kPass), entry(&a, RunOutcome::kFail),
                                           entry(&a, RunOutcome::kNotRun)};
  const std::string x = suite_junit_xml(entries, InvocationInfo{});
  EXPECT_NE(x.find("<testsuites name=\"faultline\" tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("name=\"a\" "), std::string::npos) << x;
  EXPECT_NE(x.find("name=\"a (2)\" "), std::string::npos) << x;
  EXPECT_NE(x.find("name=\"a (3)\" "), std::string::npos) << x;
  EXPECT_NE(x.find("time=\"12.250\""), std::string::npos) << x;
  EXPECT_NE(x.find("<failure message=\"appends: 1 problem(s) (report: runs/a/20261205T000000Z/report.html)\""),
            std::string::npos)
      << x;
}

TEST(Invocation, ReferenceTablePutsOurFiguresBesideTheReference) {
  Scenario a = scenario("01-one-client", {});
  a.reference = ReferenceFigures{15.5, 5, 4576, 903};
  Scenario b = scenario("02-other", {});
  const std::string t = reference_table({entry(&a, RunOutcome::kPass), entry(&b, RunOutcome::kPass)}, false);
  EXPECT_NE(t.find("ops/ref"), std::string::npos) << t;
  EXPECT_NE(t.find("15.5     5     4576    903     2.0x"), std::string::npos) << t;
  EXPECT_EQ(t.find("\033["), std::string::npos) << "no colour asked for";
  EXPECT_NE(reference_table({entry(&a, RunOutcome::kFail)}, true).find("\033[1;31mFAIL\033[0m"), std::string::npos);
}

TEST(Invocation, WrittenUnderInvocationsWithALatestLink) {
  const fs::path runs = fs::path(testing::TempDir()) / "invocation-write";
  fs::remove_all(runs);
  Scenario a = scenario("a", {});
  auto dir = write_invocation(runs.string(), {entry(&a, RunOutcome::kPass)}, InvocationInfo{});
  ASSERT_TRUE(dir.is_ok()) << dir.status().message();
  EXPECT_TRUE(fs::exists(fs::path(*dir) / "summary.json"));
  EXPECT_TRUE(fs::exists(fs::path(*dir) / "junit.xml"));
  EXPECT_TRUE(fs::exists(runs / "latest-summary" / "summary.json"));
  EXPECT_EQ(fs::path(*dir).parent_path().filename(), "invocations");
  fs::remove_all(runs);
}

TEST(Invocation, ExitStatusReflectsExpectations) {
  Scenario a = scenario("a", {});
  EXPECT_EQ(suite_exit_code({entry(&a, RunOutcome::kPass), entry(&a, RunOutcome::kCaught)}, false), 0);
  EXPECT_EQ(suite_exit_code({entry(&a, RunOutcome::kPass), entry(&a, RunOutcome::kMissed)}, false), 1);
  EXPECT_EQ(suite_exit_code({entry(&a, RunOutcome::kFail), entry(&a, RunOutcome::kError)}, false), 2);
  EXPECT_EQ(suite_exit_code({entry(&a, RunOutcome::kPass)}, true), kInterruptedExit);
}

TEST(Progress, ColourOnlyOnATerminalWithoutNoColor) {
  EXPECT_TRUE(colour_wanted(true, nullptr, "xterm"));
  EXPECT_FALSE(colour_wanted(false, nullptr, "xterm"));
  EXPECT_FALSE(colour_wanted(true, "1", "xterm"));
  EXPECT_TRUE(colour_wanted(true, "", "xterm")) << "NO_COLOR set but empty does not count";
  EXPECT_FALSE(colour_wanted(true, nullptr, "dumb"));
  EXPECT_EQ(coloured("PASS", false), "PASS");
  EXPECT_EQ(coloured("PASS", true), "\033[1;32mPASS\033[0m");
  EXPECT_EQ(coloured("MISSED", true), "\033[1;31mMISSED\033[0m");
  EXPECT_EQ(coloured("INTERRUPTED", true), "\033[1;33mINTERRUPTED\033[0m");
}

TEST(Progress, EtaScalesTheExpectedDurationsByTheFinishedRuns) {
  SuiteEta eta;
  for (int i = 0; i < 4; ++i) eta.add_run(10);
  EXPECT_DOUBLE_EQ(eta.seconds_left(1), 4 * 10 + 4 * 3.0) << "before any run: phases plus start-up";
  eta.finished(10, 15);  // runs take 1.5x their phases
  EXPECT_DOUBLE_EQ(eta.seconds_left(1), 3 * 10 * 1.5);
  EXPECT_DOUBLE_EQ(eta.seconds_left(3), 10 * 1.5);
  EXPECT_EQ(SuiteEta::text(45), "45s");
  EXPECT_EQ(SuiteEta::text(250), "4m10s");
  EXPECT_EQ(SuiteEta::text(3720), "1h02m");
}

}  // namespace
}  // namespace harness
