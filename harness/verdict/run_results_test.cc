// results.json round trip, exit codes, junit.xml failures.
#include "harness/verdict/run_results.h"

#include <gtest/gtest.h>


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
  r.checks.push_back(CheckOutcome{"linearizable", CheckVerdict::kPass, "ok", nlohmann::json::object()});
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
  EXPECT_EQ(back->checks[0].verdict, CheckVerdict::kPass);
  EXPECT_EQ(back->phases[0].end_ns, 20);
  EXPECT_FALSE(results_from_json(nlohmann::json::object()).is_ok());
}

TEST(RunResults, SchemaVersionIsWrittenAndANewerOneRefused) {
  nlohmann::json j = to_json(sample());
  EXPECT_EQ(j["schema_version"], kResultsSchemaVersion);
  j.erase("schema_version");  // files written before the field existed still read
  EXPECT_TRUE(results_from_json(j).is_ok());
  j["schema_version"] = kResultsSchemaVersion + 1;
  auto newer = results_from_json(j);
  ASSERT_FALSE(newer.is_ok());
  EXPECT_NE(newer.status().message().find("schema_version " + std::to_string(kResultsSchemaVersion + 1)),
            std::string::npos)
      << newer.status().message();
}

TEST(RunResults, AnUnknownVerdictWordIsRefusedWithTheCheckItBelongsTo) {
  nlohmann::json j = to_json(sample());
  j["checks"][0]["verdict"] = "maybe";
  auto back = results_from_json(j);
  ASSERT_FALSE(back.is_ok());
  EXPECT_NE(back.status().message().find("check 'linearizable': unknown verdict 'maybe'"),
            std::string::npos)
      << back.status().message();
}

TEST(RunResults, ExitCodes) {
  RunResults r = sample();
  EXPECT_EQ(r.exit_code(), 0);
  r.checks.push_back(CheckOutcome{"appends", CheckVerdict::kFail, "lost", nlohmann::json::object()});
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_NE(junit_xml(r).find("<failure message=\"fail: lost\""), std::string::npos);
  r.error = "kvnode did not start";
  EXPECT_EQ(r.exit_code(), 2);
  EXPECT_NE(junit_xml(r).find("<error message=\"kvnode did not start\""), std::string::npos);
}

}  // namespace
}  // namespace harness
