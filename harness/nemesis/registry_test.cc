// The registry: every fault in faults/ is listed once, and docs/scenarios.md shows exactly its
// table (so the docs cannot drift from the faults the parser accepts).
#include "harness/nemesis/registry.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace harness {
namespace {

TEST(FaultRegistry, ListsEveryFaultOnceByName) {
  const auto names = fault_registry().names();
  EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size());
  for (const char* n : {"clog", "heal", "kill", "network", "partition", "pause", "restart", "resume"}) {
    EXPECT_NE(fault_registry().find(n), nullptr) << n;
  }
  EXPECT_EQ(fault_registry().find("wait"), nullptr);
}

TEST(FaultRegistry, DocsShowItsTable) {
  std::ifstream in(FL_SCENARIOS_DOC);
  ASSERT_TRUE(in) << FL_SCENARIOS_DOC;
  std::stringstream text;
  text << in.rdbuf();
  const std::string table = fault_registry().docs_table();
  EXPECT_NE(text.str().find(table), std::string::npos)
      << FL_SCENARIOS_DOC << " must hold the fault table exactly as the registry writes it:\n"
      << table;
}

}  // namespace
}  // namespace harness
